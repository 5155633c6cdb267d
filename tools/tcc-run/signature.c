// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <string.h>

#include "signature.h"

/* snprintf at *@off, advancing it; output past @len is cut, never overrun. */
static void append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

int signature_format(char *buf, size_t len, const tcc_tensor_info *info)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	if (info->rank < 0) {
		append(buf, len, &off, "%s [?] (known at run time)",
		       info->dtype == TCC_DTYPE_UNDEFINED ? "?" : tcc_dtype_name(info->dtype));
		return (int)off;
	}
	append(buf, len, &off, "%s [", tcc_dtype_name(info->dtype));
	for (int i = 0; i < info->rank && i < TCC_MAX_RANK; i++) {
		const char *sep = i ? ", " : "";

		if (info->dims[i] >= 0)
			append(buf, len, &off, "%s%lld", sep, (long long)info->dims[i]);
		else
			append(buf, len, &off, "%s%s", sep, info->dim_params[i] ? info->dim_params[i] : "?");
	}
	append(buf, len, &off, "]");
	return (int)off;
}

void signature_print(FILE *f, const tcc_model *m, const char *indent)
{
	tcc_tensor_info info;
	char sig[512];

	for (int k = 0; k < tcc_model_num_inputs(m); k++) {
		if (tcc_model_input_info(m, k, &info) != TCC_OK)
			continue;
		signature_format(sig, sizeof(sig), &info);
		fprintf(f, "%sinput  %s: %s\n", indent, info.name, sig);
	}
	for (int k = 0; k < tcc_model_num_outputs(m); k++) {
		if (tcc_model_output_info(m, k, &info) != TCC_OK)
			continue;
		signature_format(sig, sizeof(sig), &info);
		fprintf(f, "%soutput %s: %s\n", indent, info.name, sig);
	}
}

void signature_input_names(char *buf, size_t len, const tcc_model *m)
{
	tcc_tensor_info info;
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (int k = 0; k < tcc_model_num_inputs(m); k++) {
		char sig[256];

		if (tcc_model_input_info(m, k, &info) != TCC_OK)
			continue;
		signature_format(sig, sizeof(sig), &info);
		append(buf, len, &off, "%s'%s' (%s)", k ? ", " : "", info.name, sig);
	}
}
