// SPDX-License-Identifier: MIT
#include "npy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "%s: %s", path, why);
	return -1;
}

/* Parses "'descr': '<f4'" -> kind 'f', itemsize 4; rejects big-endian data. */
static int parse_descr(const char *hdr, struct npy_array *a)
{
	const char *p = strstr(hdr, "'descr'");
	if (!p || !(p = strchr(p + 7, '\'')))
		return -1;
	p++;
	if (*p != '<' && *p != '|' && *p != '=')
		return -1;
	a->kind = p[1];
	if (!strchr("fiub", a->kind))
		return -1;
	a->itemsize = atoi(p + 2);
	return a->itemsize > 0 && a->itemsize <= 16 ? 0 : -1;
}

static int parse_shape(const char *hdr, struct npy_array *a)
{
	const char *p = strstr(hdr, "'shape'");
	if (!p || !(p = strchr(p, '(')))
		return -1;
	p++;
	a->rank = 0;
	a->count = 1;
	for (;;) {
		while (*p == ' ' || *p == ',')
			p++;
		if (*p == ')')
			return 0;
		char *end;
		long long d = strtoll(p, &end, 10);
		if (end == p || d < 0 || a->rank == NPY_MAX_RANK)
			return -1;
		a->dims[a->rank++] = d;
		a->count *= (size_t)d;
		p = end;
	}
}

int npy_read(const char *path, struct npy_array *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, path, strerror(errno));
	unsigned char pre[12];
	int rc = -1;
	char *hdr = NULL;
	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
		fail(err, errlen, path, "not a .npy file");
		goto out;
	}
	size_t hlen;
	if (pre[6] == 1) {
		hlen = pre[8] | (size_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (fread(pre + 10, 1, 2, f) != 2) {
			fail(err, errlen, path, "truncated header");
			goto out;
		}
		hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	} else {
		fail(err, errlen, path, "unknown .npy version");
		goto out;
	}
	if (hlen > (1u << 20) || !(hdr = calloc(1, hlen + 1)) || fread(hdr, 1, hlen, f) != hlen) {
		fail(err, errlen, path, "bad or truncated header");
		goto out;
	}
	if (strstr(hdr, "'fortran_order': True")) {
		fail(err, errlen, path, "Fortran-order arrays are not supported");
		goto out;
	}
	if (parse_descr(hdr, a) || parse_shape(hdr, a)) {
		fail(err, errlen, path, "unsupported dtype or shape in header");
		goto out;
	}
	a->nbytes = a->count * (size_t)a->itemsize;
	a->data = malloc(a->nbytes ? a->nbytes : 1);
	if (!a->data) {
		fail(err, errlen, path, "out of memory");
		goto out;
	}
	if (fread(a->data, 1, a->nbytes, f) != a->nbytes) {
		fail(err, errlen, path, "truncated data");
		goto out;
	}
	rc = 0;
out:
	free(hdr);
	fclose(f);
	if (rc)
		npy_free(a);
	return rc;
}

void npy_free(struct npy_array *a)
{
	free(a->data);
	a->data = NULL;
}
