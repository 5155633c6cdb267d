// SPDX-License-Identifier: MIT
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Thread-local on purpose: like errno, the detail belongs to the thread that
 * made the failing call, and passing an error object through every call would
 * burden the common success path.
 */
static _Thread_local char last_error[512];

const char *tcc_status_str(tcc_status status)
{
	static const char *const names[] = {
		[TCC_OK] = "TCC_OK",
		[TCC_ERR_INVALID_ARG] = "TCC_ERR_INVALID_ARG",
		[TCC_ERR_NO_MEMORY] = "TCC_ERR_NO_MEMORY",
		[TCC_ERR_IO] = "TCC_ERR_IO",
		[TCC_ERR_PARSE] = "TCC_ERR_PARSE",
		[TCC_ERR_UNSUPPORTED] = "TCC_ERR_UNSUPPORTED",
		[TCC_ERR_NOT_FOUND] = "TCC_ERR_NOT_FOUND",
		[TCC_ERR_EXISTS] = "TCC_ERR_EXISTS",
		[TCC_ERR_PERMISSION] = "TCC_ERR_PERMISSION",
		[TCC_ERR_TIMEOUT] = "TCC_ERR_TIMEOUT",
		[TCC_ERR_BUSY] = "TCC_ERR_BUSY",
		[TCC_ERR_NO_DEVICE] = "TCC_ERR_NO_DEVICE",
		[TCC_ERR_CLOSED] = "TCC_ERR_CLOSED",
		[TCC_ERR_COMPILE] = "TCC_ERR_COMPILE",
		[TCC_ERR_INTERNAL] = "TCC_ERR_INTERNAL",
	};

	if ((unsigned int)status < sizeof(names) / sizeof(names[0]) && names[status])
		return names[status];
	return "TCC_ERR_UNKNOWN";
}

const char *tcc_last_error(void)
{
	return last_error;
}

void tcc_clear_error(void)
{
	last_error[0] = '\0';
}

tcc_status tcc_set_error(tcc_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return status;
}

tcc_status tcc_set_errno(tcc_status status, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	n = strlen(last_error);
	snprintf(last_error + n, sizeof(last_error) - n, ": %s", strerror(errnum));
	return status;
}
