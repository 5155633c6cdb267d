// SPDX-License-Identifier: MIT
#include "run_test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tcc/model.h>

#include "compare.h"
#include "npy.h"

enum verdict { V_PASS, V_FAIL, V_UNSUPPORTED };

struct ctx {
	int fd;
	enum verdict verdict;
	char reason[1024];
	char data_note[512];	/* the test data contradicts the model's declared shape */
};

static void say(int fd, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	for (int i = 0; i < n; i++)	/* one line per message, whatever the library said */
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(fd, line, n) != n)
		_exit(3);
}

/* Records the first failure; later ones are consequences. */
static int verdict(struct ctx *c, enum verdict v, const char *fmt, ...)
{
	if (c->verdict != V_PASS)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	c->verdict = v;
	return -1;
}

static int api_error(struct ctx *c, tcc_status st, const char *call, int set)
{
	char where[64] = "";
	if (set >= 0)
		snprintf(where, sizeof(where), " (data set %d)", set);
	return verdict(c, st == TCC_ERR_UNSUPPORTED ? V_UNSUPPORTED : V_FAIL, "%s%s: %s: %s", call,
		       where, tcc_status_str(st), tcc_last_error());
}

static const struct tensor_ref *find_ref(const struct tensor_ref *refs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(refs[i].name, name))
			return &refs[i];
	return NULL;
}

static void format_dims(char *buf, size_t len, int rank, const int64_t *dims)
{
	size_t off = (size_t)snprintf(buf, len, "[");
	for (int i = 0; i < rank && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lld", i ? "," : "", (long long)dims[i]);
	if (off < len)
		snprintf(buf + off, len - off, "]");
}

/* Reads the expected/input tensor of @ref; checks element size against its dtype. */
static int read_ref(struct ctx *c, const struct tensor_ref *ref, struct npy_array *a)
{
	char err[512];
	if (npy_read(ref->path, a, err, sizeof(err)))
		return verdict(c, V_FAIL, "test data: %s", err);
	if ((size_t)a->itemsize != onnx_dtype_size(ref->dtype))
		return verdict(c, V_FAIL, "test data: %s holds %d-byte elements for %s", ref->path,
			       a->itemsize, onnx_dtype_name(ref->dtype));
	if (a->rank > TCC_MAX_RANK)
		return verdict(c, V_UNSUPPORTED, "'%s' has rank %d > TCC_MAX_RANK", ref->name, a->rank);
	return 0;
}

/*
 * A few ONNX tests feed data whose shape differs from the static shape their
 * model declares (e.g. castlike's 'like').  The verdict stays tcc's, but a
 * failure then says so, so that nobody hunts a compiler bug that isn't one.
 */
static void note_shape_mismatch(struct ctx *c, const tcc_tensor_info *info, const struct npy_array *a)
{
	int same = info->rank == a->rank;
	for (int d = 0; same && d < a->rank; d++)
		same = info->dims[d] < 0 || info->dims[d] == a->dims[d];
	if (same || c->data_note[0])
		return;
	char want[160], got[160];
	format_dims(want, sizeof(want), info->rank < 0 || info->rank > TCC_MAX_RANK ? 0 : info->rank, info->dims);
	format_dims(got, sizeof(got), a->rank, a->dims);
	snprintf(c->data_note, sizeof(c->data_note), " [test data for '%.100s' is %.150s, the model declares %.150s]",
		 info->name, got, want);
}

static int bind_inputs(struct ctx *c, tcc_model *m, const struct data_set *set, tcc_tensor *in,
		       struct npy_array *arrays, const struct tensor_ref **in_refs, int n_in)
{
	for (int i = 0; i < n_in; i++) {
		tcc_tensor_info info;
		tcc_status st = tcc_model_input_info(m, i, &info);
		if (st != TCC_OK)
			return api_error(c, st, "tcc_model_input_info", set->index);
		const struct tensor_ref *ref = find_ref(set->in, set->n_in, info.name ? info.name : "");
		if (!ref)
			return verdict(c, V_FAIL, "model input %d '%s' is not a graph input of the test", i,
				       info.name ? info.name : "(null)");
		in_refs[i] = ref;
		if (read_ref(c, ref, &arrays[i]))
			return -1;
		note_shape_mismatch(c, &info, &arrays[i]);
		in[i] = (tcc_tensor){ .dtype = (tcc_dtype)ref->dtype, .rank = arrays[i].rank,
				      .data = arrays[i].data, .nbytes = arrays[i].nbytes };
		memcpy(in[i].dims, arrays[i].dims, sizeof(int64_t) * (size_t)arrays[i].rank);
	}
	return 0;
}

/* @when prefixes the reason ("" for the first run). */
static int check_output(struct ctx *c, const tcc_tensor *got, const struct tensor_ref *ref,
			const struct run_opts *o, const char *when)
{
	struct npy_array want;
	char g[160], w[160], msg[512];
	if (read_ref(c, ref, &want))
		return -1;
	int rc = -1;
	if ((int)got->dtype != ref->dtype) {
		verdict(c, V_FAIL, "%soutput '%s': dtype %s, expected %s", when, ref->name,
			onnx_dtype_name(got->dtype), onnx_dtype_name(ref->dtype));
		goto out;
	}
	if (got->rank != want.rank || memcmp(got->dims, want.dims, sizeof(int64_t) * (size_t)want.rank)) {
		format_dims(g, sizeof(g), got->rank < 0 || got->rank > TCC_MAX_RANK ? 0 : got->rank, got->dims);
		format_dims(w, sizeof(w), want.rank, want.dims);
		verdict(c, V_FAIL, "%soutput '%s': shape %s (rank %d), expected %s", when, ref->name, g,
			got->rank, w);
		goto out;
	}
	if (want.count && !got->data) {
		verdict(c, V_FAIL, "%soutput '%s': data is NULL after a successful run", when, ref->name);
		goto out;
	}
	if (got->nbytes && got->nbytes < want.nbytes) {
		verdict(c, V_FAIL, "%soutput '%s': nbytes %zu < %zu needed", when, ref->name, got->nbytes,
			want.nbytes);
		goto out;
	}
	if (compare_values(ref->dtype, got->data, want.data, want.count, o->rtol, o->atol, msg, sizeof(msg))) {
		verdict(c, V_FAIL, "%soutput '%s': %s", when, ref->name, msg);
		goto out;
	}
	rc = 0;
out:
	npy_free(&want);
	return rc;
}

/* tcc_model_run must leave its inputs alone: compare them with a fresh read. */
static int check_inputs_intact(struct ctx *c, const tcc_tensor *in, const struct tensor_ref **in_refs, int n_in)
{
	for (int i = 0; i < n_in; i++) {
		struct npy_array fresh;
		if (read_ref(c, in_refs[i], &fresh))
			return -1;
		int same = fresh.nbytes == in[i].nbytes && !memcmp(fresh.data, in[i].data, fresh.nbytes);
		npy_free(&fresh);
		if (!same)
			return verdict(c, V_FAIL, "tcc_model_run modified its input '%s'", in_refs[i]->name);
	}
	return 0;
}

/*
 * Runs the same model a second time, now into output buffers the caller owns
 * (pre-filled with garbage): the results must be written in place and be
 * right again.  Catches state kept between runs, e.g. an in-place kernel
 * writing into an initializer or an arena that is assumed zeroed.
 */
static int rerun_into_caller_buffers(struct ctx *c, tcc_model *m, const struct data_set *set,
				     const tcc_tensor *in, int n_in, const tcc_tensor *first,
				     const struct tensor_ref **want, int n_out, const struct run_opts *o)
{
	tcc_tensor *out = calloc((size_t)n_out + 1, sizeof(*out));
	void **mine = calloc((size_t)n_out + 1, sizeof(void *));
	int rc = -1;
	if (!out || !mine) {
		verdict(c, V_FAIL, "runner out of memory");
		goto out;
	}
	for (int i = 0; i < n_out; i++) {
		size_t count = 1;
		for (int d = 0; d < first[i].rank; d++)
			count *= (size_t)first[i].dims[d];
		out[i] = first[i];
		out[i].nbytes = count * onnx_dtype_size(first[i].dtype);
		out[i].data = mine[i] = malloc(out[i].nbytes ? out[i].nbytes : 1);
		if (!mine[i]) {
			verdict(c, V_FAIL, "runner out of memory");
			goto out;
		}
		memset(mine[i], 0xa5, out[i].nbytes);
	}
	say(c->fd, "P second tcc_model_run into caller-owned outputs (data set %d)", set->index);
	tcc_status st = tcc_model_run(m, in, n_in, out, n_out);
	if (st != TCC_OK) {
		api_error(c, st, "second tcc_model_run (caller-owned outputs)", set->index);
		goto out;
	}
	rc = 0;
	for (int i = 0; i < n_out && !rc; i++) {
		if (out[i].data != mine[i])
			rc = verdict(c, V_FAIL, "second run: tcc replaced the caller-owned buffer of output '%s'",
				     want[i]->name);
		else
			rc = check_output(c, &out[i], want[i], o, "second run into caller-owned buffers: ");
	}
out:
	for (int i = 0; mine && i < n_out; i++)
		free(mine[i]);
	free(mine);
	free(out);
	return rc;
}

static int run_set(struct ctx *c, tcc_model *m, const struct data_set *set, const struct run_opts *o)
{
	int n_in = tcc_model_num_inputs(m), n_out = tcc_model_num_outputs(m);
	if (n_in != set->n_in || n_out != set->n_out)
		return verdict(c, V_FAIL, "model has %d inputs/%d outputs, the graph %d/%d", n_in, n_out,
			       set->n_in, set->n_out);
	tcc_tensor *in = calloc((size_t)n_in + 1, sizeof(*in));
	tcc_tensor *out = calloc((size_t)n_out + 1, sizeof(*out));
	struct npy_array *arrays = calloc((size_t)n_in + 1, sizeof(*arrays));
	const struct tensor_ref **want = calloc((size_t)n_out + 1, sizeof(*want));
	const struct tensor_ref **in_refs = calloc((size_t)n_in + 1, sizeof(*in_refs));
	int rc = -1;
	if (!in || !out || !arrays || !want || !in_refs) {
		verdict(c, V_FAIL, "runner out of memory");
		goto out;
	}
	if (bind_inputs(c, m, set, in, arrays, in_refs, n_in))
		goto out;
	for (int i = 0; i < n_out; i++) {
		tcc_tensor_info info;
		tcc_status st = tcc_model_output_info(m, i, &info);
		if (st != TCC_OK) {
			api_error(c, st, "tcc_model_output_info", set->index);
			goto out;
		}
		want[i] = find_ref(set->out, set->n_out, info.name ? info.name : "");
		if (!want[i]) {
			verdict(c, V_FAIL, "model output %d '%s' is not a graph output of the test", i,
				info.name ? info.name : "(null)");
			goto out;
		}
	}
	say(c->fd, "P tcc_model_run (data set %d)", set->index);
	tcc_status st = tcc_model_run(m, in, n_in, out, n_out);
	if (st != TCC_OK) {
		api_error(c, st, "tcc_model_run", set->index);
		goto out;
	}
	say(c->fd, "P comparing outputs (data set %d)", set->index);
	rc = 0;
	for (int i = 0; i < n_out && !rc; i++)
		rc = check_output(c, &out[i], want[i], o, "");
	if (!rc)
		rc = check_inputs_intact(c, in, in_refs, n_in);
	if (!rc)
		rc = rerun_into_caller_buffers(c, m, set, in, n_in, out, want, n_out, o);
out:
	for (int i = 0; out && i < n_out; i++)
		tcc_free(out[i].data);
	for (int i = 0; arrays && i < n_in; i++)
		npy_free(&arrays[i]);
	free(in);
	free(out);
	free(arrays);
	free(want);
	free(in_refs);
	return rc;
}

void run_test(const struct conf_test *t, const struct run_opts *o, int fd)
{
	struct ctx c = { .fd = fd, .verdict = V_PASS };
	tcc_options opts = { .threads = o->threads, .opt_level = o->opt_level };
	tcc_model *m = NULL;

	say(fd, "P tcc_model_load");
	tcc_status st = tcc_model_load(&m, t->model, &opts);
	if (st != TCC_OK) {
		api_error(&c, st, "tcc_model_load", -1);
	} else {
		for (int s = 0; s < t->n_sets; s++)
			if (run_set(&c, m, &t->sets[s], o))
				break;
		say(fd, "P tcc_model_free");
		tcc_model_free(m);
	}
	static const char *names[] = { "pass", "fail", "unsupported" };
	say(fd, "V %s %s%s", names[c.verdict], c.reason, c.verdict != V_PASS ? c.data_note : "");
}
