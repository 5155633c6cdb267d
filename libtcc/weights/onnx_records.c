// SPDX-License-Identifier: MIT
/*
 * A model's initializers into a named weight buffer: parse the ONNX file
 * with the project's loader (libtcc/onnx, read-only use of its API), take
 * every constant tensor of the graph as a record and pack them.
 */
#include "weights/internal.h"
#include "common/error.h"
#include "ir/ir.h"
#include "onnx/onnx.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The constants of @g as records pointing into the graph's storage. */
static tcc_status graph_records(const ir_graph *g, tcc_weights_record **out, size_t *n)
{
	tcc_weights_record *recs;
	size_t k = 0;
	int i;

	recs = calloc(g->n_tensors ? (size_t)g->n_tensors : 1, sizeof(*recs));
	if (!recs)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "weights records");
	for (i = 0; i < g->n_tensors; i++) {
		const ir_tensor *t = &g->tensors[i];

		if (t->kind != IR_CONST || !t->name)
			continue;
		recs[k].name = t->name;
		recs[k].dtype = t->v.dtype;
		recs[k].rank = t->v.rank;
		memcpy(recs[k].dims, t->v.dims, sizeof(recs[k].dims));
		recs[k].data = t->v.data;
		recs[k].nbytes = tv_nbytes(&t->v);
		if (recs[k].nbytes && !recs[k].data) {
			free(recs);
			return tcc_set_error(TCC_ERR_PARSE, "initializer '%s' has no data", t->name);
		}
		k++;
	}
	*out = recs;
	*n = k;
	return TCC_OK;
}

tcc_status tcc_weights_load_onnx(tcc_weights **out, const char *name, const char *onnx_path,
				 const tcc_weights_options *opts)
{
	tcc_weights_record *recs = NULL;
	ir_graph *g = NULL;
	struct stat sb;
	tcc_status st;
	size_t n = 0;
	char *dir;
	void *map;
	int fd;

	if (!out || !onnx_path)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_weights_load_onnx: NULL argument");
	*out = NULL;
	st = tcc_weights_check_name(name);
	if (st)
		return st;
	fd = open(onnx_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tcc_set_errno(errno == ENOENT ? TCC_ERR_NOT_FOUND : TCC_ERR_IO, errno, "%s",
				     onnx_path);
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
		close(fd);
		return tcc_set_error(TCC_ERR_IO, "%s: not a non-empty regular file", onnx_path);
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return tcc_set_errno(TCC_ERR_IO, errno, "%s: mmap", onnx_path);
	dir = strdup(onnx_path);
	if (!dir) {
		munmap(map, (size_t)sb.st_size);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "path");
	}
	st = onnx_load(map, (size_t)sb.st_size, dirname(dir), &g);
	munmap(map, (size_t)sb.st_size);
	free(dir);
	if (!st)
		st = graph_records(g, &recs, &n);
	if (!st)
		st = tcc_weights_load_records(out, name, recs, n, opts);
	free(recs);
	ir_graph_free(g);
	return st;
}
