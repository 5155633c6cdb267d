// SPDX-License-Identifier: MIT
/*
 * A model's initializers into a named weight buffer: parse the ONNX file
 * with the project's loader (libtcc/onnx, read-only use of its API), take
 * every constant tensor of the graph as a record and pack them.  Then compile
 * the model once, as a worker would, and add for each MatMul/Gemm/Conv weight the
 * bytes oneDNN prepacked ("NAME@packed", see weights/packed.h), so that
 * workers on this CPU and oneDNN read them in place at full speed.
 */
#include "weights/internal.h"
#include "weights/packed.h"
#include "common/error.h"
#include "dnnl/dnnl_ops.h"
#include "ir/ir.h"
#include "passes/passes.h"
#include "onnx/onnx.h"

#include <tcc/model.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
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

/* The packed records collected while the model compiles. */
struct packing {
	const tcc_weights_record *inits;
	size_t n_inits;
	tcc_weights_record *recs;	/* the packed ones */
	size_t n, cap;
	bool failed;			/* out of memory: pack without them */
};

static bool packing_has(const struct packing *p, const char *rname)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->recs[i].name, rname))
			return true;
	return false;
}

static void collect_packed(void *ctx, const char *initializer, const struct tcc_dnnl_op *op)
{
	struct packing *p = ctx;
	struct tcc_weights_packed_header h = { .magic = TCC_WEIGHTS_PACKED_MAGIC };
	const void *data;
	size_t bytes, i;
	char *rname, *buf;

	for (i = 0; i < p->n_inits && strcmp(p->inits[i].name, initializer); i++)
		;
	if (i == p->n_inits || p->failed)
		return;		/* a constant the compiler made, not one of the buffer's */
	if (tcc_dnnl_op_packed_weights(op, &data, &bytes, &h.fingerprint) != TCC_OK) {
		tcc_clear_error();
		return;
	}
	if (asprintf(&rname, "%s%s", initializer, TCC_WEIGHTS_PACKED_SUFFIX) < 0) {
		p->failed = true;
		return;
	}
	/* The first op of a weight read by several wins; the others check their fingerprint. */
	if (packing_has(p, rname)) {
		free(rname);
		return;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		tcc_weights_record *r = realloc(p->recs, cap * sizeof(*r));

		if (!r) {
			free(rname);
			p->failed = true;
			return;
		}
		p->recs = r;
		p->cap = cap;
	}
	buf = malloc(sizeof(h) + bytes);
	if (!buf) {
		free(rname);
		p->failed = true;
		return;
	}
	h.nbytes = bytes;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), data, bytes);
	p->recs[p->n++] = (tcc_weights_record){
		.name = rname, .dtype = TCC_U8, .rank = 1, .dims = { (int64_t)(sizeof(h) + bytes) },
		.data = buf, .nbytes = sizeof(h) + bytes,
	};
}

static void packing_free(struct packing *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free((void *)p->recs[i].name);
		free((void *)p->recs[i].data);
	}
	free(p->recs);
}

/*
 * A model with symbolic input dims compiles its oneDNN ops per shape, when
 * it first runs: run it once, those dims at 1 and zero inputs, so its
 * specialisation offers its packed weights too.  Their fingerprint does not
 * hold the batch size, so workers use them at every size that gets the same
 * layout.  A static model has nothing to do here.
 */
static tcc_status specialise_once(tcc_model *m)
{
	tcc_tensor in[16] = { 0 }, out[16] = { 0 };
	int ni = tcc_model_num_inputs(m), no = tcc_model_num_outputs(m), k;
	bool symbolic = false;
	tcc_status st = TCC_OK;

	if (ni > 16 || no > 16)
		return TCC_OK;
	for (k = 0; k < ni && st == TCC_OK; k++) {
		tcc_tensor_info info;
		size_t n = 1;

		st = tcc_model_input_info(m, k, &info);
		in[k].dtype = info.dtype;
		in[k].rank = info.rank;
		for (int i = 0; i < info.rank; i++) {
			symbolic |= info.dims[i] < 0;
			n *= (size_t)(in[k].dims[i] = info.dims[i] < 0 ? 1 : info.dims[i]);
		}
		in[k].nbytes = n * tcc_dtype_size(info.dtype);
		in[k].data = calloc(1, in[k].nbytes ? in[k].nbytes : 1);
		if (!in[k].data)
			st = tcc_set_error(TCC_ERR_NO_MEMORY, "inputs");
	}
	if (st == TCC_OK && symbolic)
		st = tcc_model_run(m, in, ni, out, no);
	for (k = 0; k < 16; k++) {
		free(in[k].data);
		tcc_free(out[k].data);
	}
	return st;
}

/*
 * Compile @onnx_path with the default options, as tcc_model_load() in a
 * worker would, collecting the prepacked MatMul/Gemm/Conv weights.  A model that
 * does not compile here is still packed, without them (workers then read the
 * plain initializers).
 */
static void collect_model_packed(const char *onnx_path, struct packing *p, bool bf16)
{
	tcc_options o = { .opt_level = 1, .threads = 1, .bf16 = bf16 };
	int threads = tcc_dnnl_get_threads();
	tcc_model *m = NULL;

	/*
	 * One thread: GNU OpenMP's thread pool does not survive fork(), so a
	 * loader that packs a buffer and then forks its workers (the usual
	 * server) would hang them in their first parallel region if packing
	 * had started the pool.  The compile-time reorders read the calling
	 * thread's setting, hence set here and restored after.
	 */
	tcc_dnnl_set_threads(1);
	tcc_weights_packing_set(collect_packed, p);
	if (tcc_model_load(&m, onnx_path, &o) != TCC_OK || specialise_once(m) != TCC_OK)
		tcc_clear_error();
	tcc_weights_packing_set(NULL, NULL);
	tcc_model_free(m);
	tcc_dnnl_set_threads(threads);
	if (p->failed) {	/* out of memory: the buffer without packed records still works */
		packing_free(p);
		p->recs = NULL;
		p->n = p->cap = 0;
	}
}

/*
 * May the buffer hold initializer @t only in its packed form?  When the op
 * the record was made for is its only reader (input 1 of one MatMul, Gemm or
 * Conv, not a graph output) and the model's shapes are static: a worker
 * compiling the same model then builds the same primitive and never needs
 * the plain values.  (A worker that does need them, with other options or
 * another oneDNN, loads the model privately: runtime/compile.c.)
 */
static bool plain_can_be_omitted(const ir_graph *g, int t, char consumer[12])
{
	int node = ir_inputs_static(g) ? pass_packed_weight_reader(g, t) : -1;

	if (node < 0 || g->tensors[t].v.dtype != TCC_F32)
		return false;
	snprintf(consumer, 12, "%s", g->nodes[node].op_type);
	return true;
}

/*
 * Drop the plain records that a packed record can stand for (see above),
 * describing them in its header instead; *@n shrinks.
 */
static void omit_plain_copies(const ir_graph *g, tcc_weights_record *recs, size_t *n, struct packing *p)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		struct tcc_weights_packed_header *h = NULL;
		size_t len = strlen(recs[i].name);

		for (size_t k = 0; k < p->n && !h; k++)
			if (!strncmp(p->recs[k].name, recs[i].name, len) &&
			    !strcmp(p->recs[k].name + len, TCC_WEIGHTS_PACKED_SUFFIX))
				h = (struct tcc_weights_packed_header *)p->recs[k].data;
		if (h && plain_can_be_omitted(g, ir_tensor_find(g, recs[i].name), h->consumer)) {
			h->flags |= TCC_WEIGHTS_PACKED_PLAIN_OMITTED;
			h->plain_dtype = recs[i].dtype;
			h->plain_rank = recs[i].rank;
			memcpy(h->plain_dims, recs[i].dims, sizeof(h->plain_dims));
			h->plain_nbytes = recs[i].nbytes;
			h->plain_digest = tcc_weights_content_digest(recs[i].data, recs[i].nbytes);
			continue;
		}
		recs[kept++] = recs[i];
	}
	*n = kept;
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
	if (!st) {
		struct packing p = { .inits = recs, .n_inits = n };
		tcc_weights_record *all;

		if (!opts || !opts->plain_only)
			collect_model_packed(onnx_path, &p, opts && opts->bf16);
		if (!opts || !opts->keep_plain)
			omit_plain_copies(g, recs, &n, &p);
		all = realloc(recs, (n + p.n ? n + p.n : 1) * sizeof(*all));
		if (!all) {
			st = tcc_set_error(TCC_ERR_NO_MEMORY, "weights records");
		} else {
			recs = all;
			if (p.n)	/* p.recs is NULL without packed records */
				memcpy(recs + n, p.recs, p.n * sizeof(*recs));
			st = tcc_weights_load_records(out, name, recs, n + p.n, opts);
		}
		packing_free(&p);
	}
	free(recs);
	ir_graph_free(g);
	return st;
}
