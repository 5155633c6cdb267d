// SPDX-License-Identifier: MIT
/*
 * The .npy format is a magic string, a Python-dict header and raw data.  It
 * is small enough that a hand-written reader/writer beats a dependency (no C
 * library for it ships in Debian).
 */
#include "npy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	tcc_dtype t;
	const char *descr;
} descrs[] = {
	{ TCC_F32, "<f4" }, { TCC_F64, "<f8" }, { TCC_F16, "<f2" }, { TCC_I8, "|i1" },
	{ TCC_I16, "<i2" }, { TCC_I32, "<i4" }, { TCC_I64, "<i8" }, { TCC_U8, "|u1" },
	{ TCC_U16, "<u2" }, { TCC_U32, "<u4" }, { TCC_U64, "<u8" }, { TCC_BOOL, "|b1" },
};

static tcc_dtype dtype_of(const char *d)
{
	char norm[4];

	if (strlen(d) != 3)
		return TCC_DTYPE_UNDEFINED;
	memcpy(norm, d, 4);
	if (norm[0] == '=' || norm[0] == '|')
		norm[0] = '<';
	for (size_t i = 0; i < sizeof(descrs) / sizeof(descrs[0]); i++) {
		char want[4];

		memcpy(want, descrs[i].descr, 4);
		want[0] = '<';
		if (!strcmp(norm, want))
			return descrs[i].t;
	}
	return TCC_DTYPE_UNDEFINED;
}

static int fail(char *err, size_t n, const char *path, const char *msg)
{
	snprintf(err, n, "%s: %s", path, msg);
	return -1;
}

int npy_read(const char *path, tcc_tensor *t, char *err, size_t errlen)
{
	unsigned char pre[12];
	FILE *f = fopen(path, "rb");
	char *hdr = NULL, *p;
	size_t hlen, pre_len;

	memset(t, 0, sizeof(*t));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6))
		goto bad_magic;
	if (pre[6] == 1) {
		hlen = pre[8] | (size_t)pre[9] << 8;
		pre_len = 10;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (fread(pre + 10, 1, 2, f) != 2)
			goto bad_magic;
		hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
		pre_len = 12;
	} else {
		goto bad_magic;
	}
	if (hlen > (1 << 20))
		goto bad_header;
	hdr = calloc(1, hlen + 1);
	if (!hdr || fread(hdr, 1, hlen, f) != hlen)
		goto bad_header;
	(void)pre_len;
	/* descr */
	p = strstr(hdr, "'descr'");
	if (!p || !(p = strchr(p + 7, '\'')))
		goto bad_header;
	char descr[8] = { 0 };

	for (int i = 0; i < 7 && p[1 + i] && p[1 + i] != '\''; i++)
		descr[i] = p[1 + i];
	t->dtype = dtype_of(descr);
	if (t->dtype == TCC_DTYPE_UNDEFINED) {
		fclose(f);
		free(hdr);
		snprintf(err, errlen, "%s: unsupported dtype '%s'", path, descr);
		return -1;
	}
	p = strstr(hdr, "'fortran_order'");
	if (!p) {
		fclose(f);
		free(hdr);
		return fail(err, errlen, path, "header has no 'fortran_order' key (not a .npy file?)");
	}
	p += strlen("'fortran_order'");
	p += strspn(p, " :");
	if (strncmp(p, "False", 5)) {
		bool fortran = !strncmp(p, "True", 4);

		fclose(f);
		free(hdr);
		return fail(err, errlen, path, fortran ?
			    "Fortran-order arrays are not supported (numpy.ascontiguousarray makes a C-order copy)" :
			    "'fortran_order' is neither True nor False");
	}
	p = strstr(hdr, "'shape'");
	if (!p || !(p = strchr(p, '(')))
		goto bad_header;
	p++;
	size_t count = 1;

	while (*p && *p != ')') {
		char *end;

		while (*p == ' ')
			p++;
		if (*p == ')')
			break;
		errno = 0;
		long long d = strtoll(p, &end, 10);

		if (end == p || errno || d < 0 || t->rank >= TCC_MAX_RANK)
			goto bad_header;
		if (d && count > (SIZE_MAX >> 8) / (size_t)d)
			goto bad_header;
		t->dims[t->rank++] = d;
		count *= (size_t)d;
		p = end + strspn(end, " ");
		if (*p == ',')	/* dims are separated by commas: "(3 3)" is not a shape */
			p++;
		else if (*p != ')')
			goto bad_header;
	}
	t->nbytes = count * tcc_dtype_size(t->dtype);
	/* The shape is the header's word: the file must hold that many bytes before any is allocated. */
	struct stat st;
	long here = ftell(f);

	if (here >= 0 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    ((uint64_t)st.st_size < (uint64_t)here || (uint64_t)st.st_size - (uint64_t)here < t->nbytes)) {
		fclose(f);
		free(hdr);
		return fail(err, errlen, path, "file is shorter than its shape says");
	}
	t->data = malloc(t->nbytes ? t->nbytes : 1);
	if (!t->data || fread(t->data, 1, t->nbytes, f) != t->nbytes) {
		free(t->data);
		t->data = NULL;
		fclose(f);
		free(hdr);
		return fail(err, errlen, path, "file is shorter than its shape says");
	}
	fclose(f);
	free(hdr);
	return 0;
bad_magic:
	fclose(f);
	return fail(err, errlen, path, "not a .npy file");
bad_header:
	fclose(f);
	free(hdr);
	return fail(err, errlen, path, "malformed .npy header");
}

int npy_write(const char *path, const tcc_tensor *t, char *err, size_t errlen)
{
	const char *descr = NULL;
	char hdr[512], shape[256] = "";
	size_t count = 1, off = 0;
	const void *data = t->data;
	float *widened = NULL;

	for (int i = 0; i < t->rank; i++) {
		off += (size_t)snprintf(shape + off, sizeof(shape) - off, "%lld,%s", (long long)t->dims[i],
					i + 1 < t->rank ? " " : "");
		count *= (size_t)t->dims[i];
	}
	if (t->rank > 1)
		shape[off - 1] = '\0';	/* (2, 3) not (2, 3,) */
	if (t->dtype == TCC_BF16) {
		widened = malloc(sizeof(float) * (count ? count : 1));
		if (!widened)
			return fail(err, errlen, path, "out of memory");
		for (size_t i = 0; i < count; i++) {
			uint32_t u = (uint32_t)((const uint16_t *)t->data)[i] << 16;

			memcpy(&widened[i], &u, 4);
		}
		data = widened;
		descr = "<f4";
	}
	for (size_t i = 0; !descr && i < sizeof(descrs) / sizeof(descrs[0]); i++)
		if (descrs[i].t == t->dtype)
			descr = descrs[i].descr;
	if (!descr)
		return fail(err, errlen, path, "dtype has no NumPy equivalent");
	int n = snprintf(hdr + 10, sizeof(hdr) - 10, "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
			 descr, shape);
	size_t total = 10 + (size_t)n + 1;
	size_t padded = (total + 63) / 64 * 64;

	memset(hdr + 10 + n, ' ', padded - total);
	hdr[padded - 1] = '\n';
	memcpy(hdr, "\x93NUMPY\x01\x00", 8);
	hdr[8] = (char)((padded - 10) & 0xff);
	hdr[9] = (char)((padded - 10) >> 8);
	FILE *f = fopen(path, "wb");

	if (!f) {
		free(widened);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t es = widened ? 4 : tcc_dtype_size(t->dtype);
	bool ok = fwrite(hdr, 1, padded, f) == padded && (!count || fwrite(data, es, count, f) == count);

	if (fclose(f) || !ok) {
		free(widened);
		return fail(err, errlen, path, "write failed");
	}
	free(widened);
	return 0;
}
