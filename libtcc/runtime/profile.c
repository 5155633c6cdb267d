// SPDX-License-Identifier: MIT
/*
 * The per-op profile (tcc_options.profile or $TCC_PROFILE): wall time of
 * every node summed over the runs, the last run's timeline, and what each
 * node computes and moves, so a table can say how close an op comes to
 * the machine (GFLOP/s, GB/s), and a Chrome trace-event file shows the
 * run in Perfetto or chrome://tracing.
 */
#include "runtime/runtime.h"
#include "common/error.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct model_profile {
	double *ms;		/* per node, summed over runs */
	double *start, *dur;	/* per node, the last run, ms from its start */
	double run_t0;
	long runs;
	long tid;
};

tcc_status model_profile_init(tcc_model *m)
{
	size_t n = (size_t)m->g->n_nodes + 1;
	struct model_profile *p = calloc(1, sizeof(*p));

	if (!p || !(p->ms = calloc(n, sizeof(double))) || !(p->start = calloc(n, sizeof(double))) ||
	    !(p->dur = calloc(n, sizeof(double)))) {
		model_profile_free(p);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "profile");
	}
	m->profile = p;
	return TCC_OK;
}

void model_profile_free(struct model_profile *p)
{
	if (!p)
		return;
	free(p->ms);
	free(p->start);
	free(p->dur);
	free(p);
}

void model_profile_run_begin(struct model_profile *p)
{
	p->run_t0 = omp_get_wtime() * 1e3;
	p->tid = (long)syscall(SYS_gettid);
}

double model_profile_now(void)
{
	return omp_get_wtime() * 1e3;
}

void model_profile_node(struct model_profile *p, int node, double t0)
{
	double t1 = omp_get_wtime() * 1e3;

	p->ms[node] += t1 - t0;
	p->start[node] = t0 - p->run_t0;
	p->dur[node] = t1 - t0;
}

void model_profile_run_end(struct model_profile *p)
{
	p->runs++;
}

/* Multiply-adds as 2 flops: convolutions and matrix products; 0 for the rest. */
static double node_flops(const ir_graph *g, const ir_node *n)
{
	const tv *o = &g->tensors[n->out[0]].v;

	if (!strcmp(n->op_type, "Conv") && n->n_in > 1 && n->in[1] >= 0) {
		const tv *w = &g->tensors[n->in[1]].v;

		return w->rank > 0 && w->dims[0] ? 2.0 * (double)tv_numel(o) * (double)(tv_numel(w) / w->dims[0]) : 0;
	}
	if ((!strcmp(n->op_type, "MatMul") || !strcmp(n->op_type, "Gemm")) && n->in[0] >= 0) {
		const tv *a = &g->tensors[n->in[0]].v;
		int64_t k = a->rank ? a->dims[a->rank - 1] : 0;

		if (!strcmp(n->op_type, "Gemm") && ir_attr_int(n, "transA", 0) && a->rank == 2)
			k = a->dims[0];
		return 2.0 * (double)tv_numel(o) * (double)k;
	}
	return 0;
}

/* Bytes of every input and output (a lower bound on what the op moves). */
static double node_bytes(const ir_graph *g, const ir_node *n)
{
	double b = 0;

	for (int j = 0; j < n->n_in; j++)
		if (n->in[j] >= 0)
			b += (double)tv_nbytes(&g->tensors[n->in[j]].v);
	for (int j = 0; j < n->n_out; j++)
		if (n->out[j] >= 0)
			b += (double)tv_nbytes(&g->tensors[n->out[j]].v);
	return b;
}

/* The model that ran: a symbolic model's most recent specialisation. */
static const tcc_model *profiled(const tcc_model *m)
{
	const tcc_model *best = m;
	unsigned long used = 0;

	for (int i = 0; i < TCC_SPEC_SLOTS; i++)
		if (m->spec[i].m && m->spec[i].used >= used) {
			best = m->spec[i].m;
			used = m->spec[i].used;
		}
	return best;
}

static const char *kernel_of(const ir_node *n)
{
	return n->kernel ? n->kernel_desc : "reference";
}

static int by_time_desc(const void *a, const void *b, void *ctx)
{
	const double *ms = ctx;
	double x = ms[*(const int *)a], y = ms[*(const int *)b];

	return x < y ? 1 : x > y ? -1 : 0;
}

/* A JSON string: names come from the model file. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void write_table(const tcc_model *m, const int *order, int n, double total, FILE *f)
{
	const struct model_profile *p = m->profile;
	const ir_graph *g = m->g;
	double runs = (double)p->runs;

	fprintf(f, "# tcc profile: %ld runs, %.3f ms per run, %d ops (slowest first)\n", p->runs, total / runs, n);
	fprintf(f, "#       ms      %%   GFLOP/s     GB/s  %-18s %-30s kernel\n", "op", "node");
	for (int k = 0; k < n; k++) {
		const ir_node *nd = &g->nodes[order[k]];
		double ms = p->ms[order[k]] / runs, fl = node_flops(g, nd), by = node_bytes(g, nd);

		fprintf(f, "%10.3f %6.1f %9.1f %8.2f  %-18.18s %-30.30s %s\n", ms, total > 0 ? 100 * p->ms[order[k]] / total : 0,
			ms > 0 ? fl / ms / 1e6 : 0, ms > 0 ? by / ms / 1e6 : 0, nd->op_type, nd->name ? nd->name : "",
			kernel_of(nd));
	}
}

static void write_json(const tcc_model *m, const int *order, int n, double total, FILE *f)
{
	const struct model_profile *p = m->profile;
	const ir_graph *g = m->g;
	double runs = (double)p->runs;

	fprintf(f, "{\"runs\": %ld, \"ms_per_run\": %.6f, \"threads\": %d, \"ops\": [", p->runs, total / runs,
		m->env.threads);
	for (int k = 0; k < n; k++) {
		const ir_node *nd = &g->nodes[order[k]];
		double ms = p->ms[order[k]] / runs;

		fprintf(f, "%s\n {\"node\": ", k ? "," : "");
		json_str(f, nd->name);
		fputs(", \"op\": ", f);
		json_str(f, nd->op_type);
		fputs(", \"kernel\": ", f);
		json_str(f, kernel_of(nd));
		fprintf(f, ", \"ms\": %.6f, \"flops\": %.0f, \"bytes\": %.0f}", ms, node_flops(g, nd), node_bytes(g, nd));
	}
	fputs("\n]}\n", f);
}

/* Chrome trace events ("X", microseconds) of the last run, one per op on the thread that ran it. */
static void write_trace(const tcc_model *m, FILE *f)
{
	const struct model_profile *p = m->profile;
	const ir_graph *g = m->g;
	bool first = true;

	fprintf(f, "{\"displayTimeUnit\": \"ms\", \"traceEvents\": [\n");
	fprintf(f, " {\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %d, \"tid\": %ld, \"args\": {\"name\": "
		"\"tcc run (%d threads)\"}}", (int)getpid(), p->tid, m->env.threads);
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *nd = &g->nodes[i];

		if (nd->dead)
			continue;
		fputs(",\n {\"name\": ", f);
		json_str(f, nd->op_type);
		fprintf(f, ", \"cat\": \"op\", \"ph\": \"X\", \"ts\": %.3f, \"dur\": %.3f, \"pid\": %d, \"tid\": %ld, "
			"\"args\": {\"node\": ", p->start[i] * 1e3, p->dur[i] * 1e3, (int)getpid(), p->tid);
		json_str(f, nd->name);
		fputs(", \"kernel\": ", f);
		json_str(f, kernel_of(nd));
		fprintf(f, ", \"flops\": %.0f, \"bytes\": %.0f}}", node_flops(g, nd), node_bytes(g, nd));
		first = false;
	}
	(void)first;
	fputs("\n]}\n", f);
}

void model_profile_print_env(const tcc_model *m, FILE *f)
{
	const struct model_profile *p = m->profile;
	const ir_graph *g = m->g;
	double total = 0;

	if (!p || !p->runs)
		return;
	for (int i = 0; i < g->n_nodes; i++)
		total += p->ms[i];
	fprintf(f, "# tcc profile: %ld runs, %.3f ms per run\n", p->runs, total / (double)p->runs);
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *n = &g->nodes[i];

		if (!n->dead)
			fprintf(f, "%8.3f ms %5.1f%%  %-20s %-32.32s [%s]\n", p->ms[i] / (double)p->runs,
				total > 0 ? 100 * p->ms[i] / total : 0, n->op_type, n->name, kernel_of(n));
	}
}

tcc_status tcc_model_profile_write(const tcc_model *model, tcc_profile_format format, FILE *f)
{
	if (!model || !f)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_model_profile_write: NULL argument");
	const tcc_model *m = profiled(model);
	const struct model_profile *p = m->profile;

	if (!p)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "profile: the model was loaded without tcc_options.profile");
	if (!p->runs)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "profile: the model has not run yet");
	const ir_graph *g = m->g;
	int *order = malloc(sizeof(int) * ((size_t)g->n_nodes + 1)), n = 0;
	double total = 0;

	if (!order)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "profile");
	for (int i = 0; i < g->n_nodes; i++)
		if (!g->nodes[i].dead) {
			order[n++] = i;
			total += p->ms[i];
		}
	qsort_r(order, (size_t)n, sizeof(int), by_time_desc, p->ms);
	switch (format) {
	case TCC_PROFILE_TABLE:
		write_table(m, order, n, total, f);
		break;
	case TCC_PROFILE_JSON:
		write_json(m, order, n, total, f);
		break;
	case TCC_PROFILE_TRACE:
		write_trace(m, f);
		break;
	default:
		free(order);
		return tcc_set_error(TCC_ERR_INVALID_ARG, "profile: unknown format %d", (int)format);
	}
	free(order);
	if (fflush(f) != 0 || ferror(f))
		return tcc_set_error(TCC_ERR_IO, "profile: write failed");
	return TCC_OK;
}
