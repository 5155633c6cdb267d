/* SPDX-License-Identifier: MIT */
/* Internal: recording the thread's last error. */
#ifndef TCC_COMMON_ERROR_H
#define TCC_COMMON_ERROR_H

#include <tcc/status.h>

/*
 * Record a formatted message for tcc_last_error() and return @status, so a
 * failure path reads: return tcc_set_error(TCC_ERR_PARSE, "...", ...);
 */
tcc_status tcc_set_error(tcc_status status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like tcc_set_error() with ": strerror(errnum)" appended. */
tcc_status tcc_set_errno(tcc_status status, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void tcc_clear_error(void);

#endif
