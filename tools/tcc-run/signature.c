// SPDX-License-Identifier: MIT
#include <string.h>

#include "signature.h"

int signature_format(char *buf, size_t len, const tcc_tensor_info *info)
{
	size_t off = 0;
	int n;

	if (info->rank < 0)
		return snprintf(buf, len, "%s [?] (known at run time)", info->dtype == TCC_DTYPE_UNDEFINED ?
				"?" : tcc_dtype_name(info->dtype));
	n = snprintf(buf, len, "%s [", tcc_dtype_name(info->dtype));
#define ADVANCE(k) do { if ((k) > 0) off += (size_t)(k); if (off >= len) return (int)off; } while (0)
	ADVANCE(n);
	for (int i = 0; i < info->rank && i < TCC_MAX_RANK; i++) {
		const char *sep = i ? ", " : "";

		if (info->dims[i] >= 0)
			n = snprintf(buf + off, len - off, "%s%lld", sep, (long long)info->dims[i]);
		else
			n = snprintf(buf + off, len - off, "%s%s", sep,
				     info->dim_params[i] ? info->dim_params[i] : "?");
		ADVANCE(n);
	}
	n = snprintf(buf + off, len - off, "]");
	ADVANCE(n);
#undef ADVANCE
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
	for (int k = 0; k < tcc_model_num_inputs(m) && off < len; k++) {
		char sig[256];
		int n;

		if (tcc_model_input_info(m, k, &info) != TCC_OK)
			continue;
		signature_format(sig, sizeof(sig), &info);
		n = snprintf(buf + off, len - off, "%s'%s' (%s)", k ? ", " : "", info.name, sig);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}
