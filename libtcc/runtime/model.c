// SPDX-License-Identifier: MIT
/* Public model API: load, describe, free.  Running is in exec.c. */
#include "runtime/runtime.h"
#include "onnx/onnx.h"
#include "common/error.h"

#include <tcc/weights.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

tcc_status model_from_graph(tcc_model **out, ir_graph *g, const tcc_options *opts, const void *src,
			    size_t len, const char *base_dir)
{
	return model_from_graph_ex(out, g, opts, src, len, base_dir, NULL);
}

tcc_status model_from_graph_ex(tcc_model **out, ir_graph *g, const tcc_options *opts, const void *src,
			       size_t len, const char *base_dir, bool *needs_private)
{
	tcc_model *m = calloc(1, sizeof(*m));
	tcc_status st;

	if (!m) {
		ir_graph_free(g);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "model");
	}
	m->g = g;
	if (opts)
		m->opts = *opts;
	else
		m->opts.opt_level = 1;
	if (m->opts.threads < 0 || m->opts.opt_level < 0) {
		tcc_model_free(m);
		return tcc_set_error(TCC_ERR_INVALID_ARG, "options: threads and opt_level must be >= 0");
	}
	if (m->opts.cache_dir) {	/* the caller's string need not outlive the call */
		m->cache_dir = strdup(m->opts.cache_dir);
		m->opts.cache_dir = m->cache_dir;
		if (!m->cache_dir) {
			tcc_model_free(m);
			return tcc_set_error(TCC_ERR_NO_MEMORY, "model");
		}
	}
	st = model_compile(m);
	if (st) {
		if (needs_private)
			*needs_private = m->needs_private;
		tcc_model_free(m);
		return st;
	}
	if (src && m->opts.opt_level >= 1 && !ir_inputs_static(g) && g->n_inputs <= TCC_SPEC_MAX_INPUTS) {
		m->spec_src = malloc(len);
		m->spec_dir = base_dir ? strdup(base_dir) : NULL;
		if (!m->spec_src || (base_dir && !m->spec_dir)) {
			tcc_model_free(m);
			return tcc_set_error(TCC_ERR_NO_MEMORY, "model bytes for specialisation");
		}
		memcpy(m->spec_src, src, len);
		m->spec_len = len;
	}
	*out = m;
	return TCC_OK;
}

/* The buffer named by opts->weights, opened and mapped (nothing to do without one). */
static tcc_status open_weights(const tcc_options *opts, tcc_weights **w, const void **image,
			       size_t *size)
{
	tcc_weights_info info;
	tcc_status st;

	*w = NULL;
	*image = NULL;
	*size = 0;
	if (!opts || !opts->weights)
		return TCC_OK;
	st = tcc_weights_open(w, opts->weights, NULL);
	if (!st)
		st = tcc_weights_map(*w, image);
	if (!st)
		st = tcc_weights_info_get(*w, &info);
	if (st) {
		char why[256];

		/* Copied first: tcc_set_error() formats into the buffer tcc_last_error() returns. */
		snprintf(why, sizeof(why), "%s", tcc_last_error());
		tcc_weights_close(*w);
		*w = NULL;
		return tcc_set_error(st, "tcc_options.weights '%s': %s", opts->weights, why);
	}
	*size = info.size;
	size_t records;

	st = tcc_weights_image_count(*image, *size, &records);
	if (st) {
		char why[256];

		snprintf(why, sizeof(why), "%s", tcc_last_error());
		tcc_weights_close(*w);
		*w = NULL;
		return tcc_set_error(TCC_ERR_INVALID_ARG,
				     "tcc_options.weights '%s' is not a model's packed initializers (made by `tccctl weights load NAME MODEL.onnx --onnx`): %s",
				     opts->weights, why);
	}
	return TCC_OK;
}

/* model_from_graph() for a graph that borrows @w's mapping: the model keeps @w. */
static tcc_status model_with_weights(tcc_model **out, ir_graph *g, const tcc_options *opts,
				     const void *src, size_t len, const char *base_dir, tcc_weights *w,
				     const void *image, size_t size, bool *needs_private)
{
	tcc_options o;
	tcc_status st;

	if (!w)
		return model_from_graph(out, g, opts, src, len, base_dir);
	o = *opts;
	o.weights = NULL;	/* the caller's string need not outlive the call; the handle is kept */
	/*
	 * A symbolic model keeps its bytes to specialise later: keep them
	 * without the initializers' data, which the buffer has, or the copy
	 * would hold every weight privately again.
	 */
	void *stripped = NULL;
	onnx_raw_ref *refs = NULL;
	size_t n_refs;

	if (src && !ir_inputs_static(g) &&
	    onnx_strip_initializer_data(src, len, &stripped, &len, &refs, &n_refs) == TCC_OK)
		src = stripped;
	tcc_clear_error();
	free(refs);
	st = model_from_graph_ex(out, g, &o, src, len, base_dir, needs_private);
	free(stripped);
	if (st) {
		tcc_weights_close(w);	/* after the graph that pointed into it is gone */
		return st;
	}
	(*out)->weights = w;
	(*out)->wimage = image;
	(*out)->wimage_size = size;
	return TCC_OK;
}

/*
 * The buffer cannot be used as is here (model_compile(): weights it holds
 * only pre-packed, in layouts this process does not build): load @path (or
 * @data) without it, as if opts->weights were not set.
 */
static tcc_status load_privately(tcc_model **out, const tcc_options *opts, const void *data, size_t size,
				 const char *path)
{
	tcc_options o = *opts;
	tcc_status st;

	if (opts->verbose)
		fprintf(stderr, "tcc: weight buffer '%s': %s; loading the model privately\n", opts->weights,
			tcc_last_error());
	tcc_clear_error();
	o.weights = NULL;
	st = path ? tcc_model_load(out, path, &o) : tcc_model_load_buffer(out, data, size, &o);
	if (st == TCC_OK)
		(*out)->weights_fallback = true;
	return st;
}

tcc_status tcc_model_load_buffer(tcc_model **out, const void *data, size_t size,
				 const tcc_options *opts)
{
	ir_graph *g;
	tcc_status st;

	if (!out)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_model_load_buffer: out is NULL");
	*out = NULL;
	tcc_weights *w;
	const void *image;
	size_t image_size;

	st = open_weights(opts, &w, &image, &image_size);
	if (st)
		return st;
	st = onnx_load_borrowing(data, size, NULL, image, image_size, &g);
	if (st) {
		tcc_weights_close(w);
		return st;
	}
	bool priv = false;

	st = model_with_weights(out, g, opts, data, size, NULL, w, image, image_size, &priv);
	return priv ? load_privately(out, opts, data, size, NULL) : st;
}

tcc_status tcc_model_load(tcc_model **out, const char *path, const tcc_options *opts)
{
	struct stat sb;
	ir_graph *g;
	tcc_status st;
	void *map;
	int fd;

	if (!out || !path)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_model_load: NULL argument");
	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tcc_set_errno(errno == ENOENT ? TCC_ERR_NOT_FOUND :
				     errno == EACCES ? TCC_ERR_PERMISSION : TCC_ERR_IO, errno, "%s", path);
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		close(fd);
		return tcc_set_error(TCC_ERR_IO, "%s: not a regular file", path);
	}
	if (sb.st_size == 0) {
		close(fd);
		return tcc_set_error(TCC_ERR_PARSE, "%s: empty file", path);
	}
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return tcc_set_errno(TCC_ERR_IO, errno, "%s: mmap", path);
	char *dir = strdup(path);

	if (!dir) {
		munmap(map, (size_t)sb.st_size);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "path");
	}
	const char *base = dirname(dir);	/* points into dir, or at a static "." */
	void *copy = NULL;
	tcc_weights *w;
	const void *image;
	size_t image_size;

	st = open_weights(opts, &w, &image, &image_size);
	if (st == TCC_OK) {
		st = onnx_load_borrowing(map, (size_t)sb.st_size, base, image, image_size, &g);
		if (st)
			tcc_weights_close(w);
	}
	/* Unmap before compiling (peak memory): only symbolic models need the bytes again. */
	size_t copy_len = (size_t)sb.st_size;

	if (st == TCC_OK && !ir_inputs_static(g)) {
		onnx_raw_ref *refs = NULL;
		size_t n_refs;

		/* With a weight buffer the weights need not be kept (see model_with_weights()). */
		if (!w || onnx_strip_initializer_data(map, copy_len, &copy, &copy_len, &refs, &n_refs)) {
			tcc_clear_error();
			copy_len = (size_t)sb.st_size;
			copy = malloc(copy_len);
			if (copy)
				memcpy(copy, map, copy_len);
		}
		free(refs);
	}
	munmap(map, (size_t)sb.st_size);
	bool priv = false;

	if (st == TCC_OK)
		st = model_with_weights(out, g, opts, copy, copy ? copy_len : 0, base, w, image, image_size, &priv);
	free(copy);
	free(dir);
	return priv ? load_privately(out, opts, NULL, 0, path) : st;
}

void tcc_model_free(tcc_model *m)
{
	if (!m)
		return;
	if (getenv("TCC_PROFILE"))
		model_profile_print_env(m, stderr);
	model_profile_free(m->profile);
	for (int i = 0; i < TCC_SPEC_SLOTS; i++)
		tcc_model_free(m->spec[i].m);
	free(m->spec_src);
	free(m->spec_dir);
	free(m->cache_dir);
	ir_graph_free(m->g);
	tcc_weights_close(m->weights);	/* after every graph that points into it */
	free(m->arena);
	free(m->rt);
	free(m->uses);
	free(m->owned);
	free(m->in_info);
	free(m->out_info);
	free(m);
}

int tcc_model_num_inputs(const tcc_model *m)
{
	return m ? m->g->n_inputs : 0;
}

int tcc_model_num_outputs(const tcc_model *m)
{
	return m ? m->g->n_outputs : 0;
}

static tcc_status info_of(const tcc_model *m, int t, tcc_tensor_info *info)
{
	const ir_tensor *x = &m->g->tensors[t];

	memset(info, 0, sizeof(*info));
	info->name = x->name;
	info->dtype = x->type_known ? x->v.dtype : TCC_DTYPE_UNDEFINED;
	info->rank = x->v.rank;
	for (int i = 0; i < x->v.rank; i++) {
		info->dims[i] = x->shape_known || x->kind == IR_INPUT ? x->v.dims[i] : -1;
		info->dim_params[i] = x->dim_params[i];
	}
	if (!x->shape_known && x->kind != IR_INPUT)
		info->rank = x->v.rank;
	return TCC_OK;
}

tcc_status tcc_model_input_info(const tcc_model *m, int index, tcc_tensor_info *info)
{
	if (!m || !info || index < 0 || index >= m->g->n_inputs)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "input index %d out of range", index);
	return info_of(m, m->g->inputs[index], info);
}

tcc_status tcc_model_output_info(const tcc_model *m, int index, tcc_tensor_info *info)
{
	if (!m || !info || index < 0 || index >= m->g->n_outputs)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "output index %d out of range", index);
	tcc_status st = info_of(m, m->g->outputs[index], info);

	/* Shapes decided at run time are reported as unknown (rank 0 is a real scalar). */
	if (!m->g->tensors[m->g->outputs[index]].shape_known)
		info->rank = -1;
	return st;
}

/* A symbolic model's most recently used specialisation, else @m itself. */
static const tcc_model *current(const tcc_model *m)
{
	const struct model_spec *best = NULL;

	for (int i = 0; i < TCC_SPEC_SLOTS; i++)
		if (m->spec[i].m && (!best || m->spec[i].used > best->used))
			best = &m->spec[i];
	return best ? best->m : m;
}

size_t tcc_model_arena_bytes(const tcc_model *m)
{
	return m ? current(m)->arena_bytes : 0;
}

int tcc_model_bf16_ops(const tcc_model *m)
{
	return m ? current(m)->stats.bf16_ops : 0;
}

tcc_status tcc_model_weights_stats_get(const tcc_model *m, tcc_model_weights_stats *s)
{
	if (!m || !s)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_model_weights_stats_get: NULL argument");
	memset(s, 0, sizeof(*s));
	s->private_fallback = m->weights_fallback;
	if (!m->wimage)
		return TCC_OK;
	const char *lo = m->wimage, *hi = lo + m->wimage_size;

	for (int i = 0; i < m->g->n_tensors; i++) {
		const ir_tensor *t = &m->g->tensors[i];
		const char *p = t->v.data;

		if (t->kind == IR_CONST && p && p >= lo && p < hi) {
			s->borrowed_tensors++;
			s->borrowed_bytes += tv_nbytes(&t->v);
		}
	}
	if (tcc_weights_pmd_mapped_bytes(m->wimage, &s->huge_mapped_bytes) != TCC_OK)
		tcc_clear_error();	/* a statistic: not worth failing the call */
	/* A symbolic model's oneDNN ops are its specialisations': the most recently used one's. */
	const pass_stats *ps = &current(m)->stats;

	s->in_place_weights = (size_t)ps->borrowed_weights;
	s->private_packed_bytes = ps->private_packed_bytes;
	s->packed_weights = (size_t)ps->packed_weights;
	s->packed_mismatches = (size_t)ps->packed_mismatches;
	return TCC_OK;
}

void tcc_free(void *p)
{
	free(p);
}
