// SPDX-License-Identifier: MIT
/*
 * Pointwise fusion: chains (trees) of f32 elementwise ops whose intermediate
 * results have a single consumer become one generated C loop, compiled once
 * per model through the codegen JIT (and its on-disk cache).  Intermediates
 * never touch memory.  Groups of one node are left alone, so a graph with no
 * fusion opportunity never runs the C compiler.
 */
#include "passes/passes.h"
#include "codegen/cbuf.h"
#include "codegen/jit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUP 32

typedef void (*fused_fn)(const float *const *in, float *out);

typedef struct fused_state {
	fused_fn fn;
	tcc_jit_module *module;	/* owned by one node per model: freed with it */
} fused_state;

static void fused_free(void *p)
{
	fused_state *s = p;

	if (s->module)
		tcc_jit_module_free(s->module);
	free(s);
}

static tcc_status fused_kernel(const ir_node *n, void *state, tv *const *in, int n_in, tv *out, int n_out)
{
	const float *ptrs[TCC_LOOP_MAX_INPUTS];

	for (int i = 0; i < n_in; i++)
		ptrs[i] = in[i]->data;
	((fused_state *)state)->fn(ptrs, out[0].data);
	return TCC_OK;
}

/*
 * Clamps are written as comparisons, not fmaxf/fminf: without -ffast-math
 * GCC keeps fmaxf scalar (its NaN rule is not vmaxps'), while "x > 0 ? x : 0"
 * is exactly vmaxps and gives the same result, NaN included (0, as fmaxf).
 * A DenseNet BN+ReLU loop ran at 5 GB/s scalar.
 */
static const char *const unary_ops[] = {
	"Relu", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Neg", "Abs", "Erf", "Reciprocal", "Gelu",
	"HardSwish", "HardSigmoid", "LeakyRelu", "Clip",
};
static const char *const binary_ops[] = { "Add", "Sub", "Mul", "Div", "Pow" };

static bool in_list(const char *op, const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(op, l[i]))
			return true;
	return false;
}

static double const_scalar(const ir_graph *g, int t)
{
	const ir_tensor *x = &g->tensors[t];

	if (x->kind != IR_CONST || tv_numel(&x->v) != 1 || x->v.dtype != TCC_F32)
		return NAN;
	return ((const float *)x->v.data)[0];
}

bool pass_pointwise_fusable(const ir_graph *g, const ir_node *n)
{
	if (n->dead || n->kernel || !n->shapes_static || n->n_out != 1)
		return false;
	if (g->tensors[n->out[0]].v.dtype != TCC_F32)
		return false;
	if (!strcmp(n->op_type, "Clip"))	/* bounds must be constants: they become literals */
		return n->n_in >= 1 && g->tensors[n->in[0]].v.dtype == TCC_F32 &&
		       (n->n_in < 2 || n->in[1] < 0 || !isnan(const_scalar(g, n->in[1]))) &&
		       (n->n_in < 3 || n->in[2] < 0 || !isnan(const_scalar(g, n->in[2])));
	if (in_list(n->op_type, unary_ops, sizeof(unary_ops) / sizeof(unary_ops[0])))
		return n->n_in == 1 && (strcmp(n->op_type, "Gelu") ||
					!strcmp(ir_attr_str(n, "approximate", "none"), "none"));
	if (in_list(n->op_type, binary_ops, sizeof(binary_ops) / sizeof(binary_ops[0])))
		return n->n_in == 2 && g->tensors[n->in[0]].v.dtype == TCC_F32 &&
		       g->tensors[n->in[1]].v.dtype == TCC_F32;
	return false;
}

typedef struct group {
	int nodes[MAX_GROUP], n;
	int ext[TCC_LOOP_MAX_INPUTS], n_ext;	/* external input tensors */
} group;

/* Appends the C expression computing tensor t; false when too many inputs. */
static bool emit_expr(const ir_graph *g, const int *owner, int gi, group *gr, int t, tcc_cbuf *b)
{
	int p = g->tensors[t].producer;

	if (p < 0 || owner[p] != gi || g->nodes[p].dead) {
		double k = const_scalar(g, t);

		if (!isnan(k) && isfinite(k)) {
			tcc_cbuf_printf(b, "(%.9ef)", k);
			return true;
		}
		for (int i = 0; i < gr->n_ext; i++)
			if (gr->ext[i] == t) {
				tcc_cbuf_printf(b, "x%d", i);
				return true;
			}
		if (gr->n_ext == TCC_LOOP_MAX_INPUTS)
			return false;
		gr->ext[gr->n_ext] = t;
		tcc_cbuf_printf(b, "x%d", gr->n_ext++);
		return true;
	}
	const ir_node *n = &g->nodes[p];
	const char *op = n->op_type;
	bool ok = true;

#define SUB(i) (ok = ok && emit_expr(g, owner, gi, gr, n->in[i], b))
	if (!strcmp(op, "Clip")) {	/* NaN passes through, as in the reference kernel */
		double lo = n->n_in > 1 && n->in[1] >= 0 ? const_scalar(g, n->in[1]) : -INFINITY;
		double hi = n->n_in > 2 && n->in[2] >= 0 ? const_scalar(g, n->in[2]) : INFINITY;

		tcc_cbuf_puts(b, "({ float c_ = ");
		SUB(0);
		tcc_cbuf_puts(b, ";");
		if (isfinite(lo))
			tcc_cbuf_printf(b, " c_ = c_ < %.9ef ? %.9ef : c_;", lo, lo);
		if (isfinite(hi))
			tcc_cbuf_printf(b, " c_ = c_ > %.9ef ? %.9ef : c_;", hi, hi);
		tcc_cbuf_puts(b, " c_; })");
		return ok;
	}
	if (n->n_in == 1) {
		static const struct { const char *op, *pre, *post; } un[] = {
			{ "Relu", "({ float r_ = ", "; r_ > 0.0f ? r_ : 0.0f; })" }, { "Sigmoid", "(1.0f / (1.0f + expf(-", ")))" },
			{ "Tanh", "tanhf(", ")" }, { "Exp", "expf(", ")" }, { "Log", "logf(", ")" },
			{ "Sqrt", "sqrtf(", ")" }, { "Neg", "(-", ")" }, { "Abs", "fabsf(", ")" },
			{ "Erf", "erff(", ")" }, { "Reciprocal", "(1.0f / ", ")" },
		};
		if (!strcmp(op, "HardSwish")) {
			tcc_cbuf_puts(b, "({ float h_ = ");
			SUB(0);
			tcc_cbuf_puts(b, "; float t_ = h_ * (1.0f / 6.0f) + 0.5f; t_ = t_ > 0.0f ? t_ : 0.0f; "
					 "h_ * (t_ < 1.0f ? t_ : 1.0f); })");
			return ok;
		}
		if (!strcmp(op, "HardSigmoid")) {
			tcc_cbuf_printf(b, "({ float s_ = %.9ef * ", ir_attr_float(n, "alpha", 0.2f));
			SUB(0);
			tcc_cbuf_printf(b, " + %.9ef; s_ = s_ > 0.0f ? s_ : 0.0f; s_ < 1.0f ? s_ : 1.0f; })",
					ir_attr_float(n, "beta", 0.5f));
			return ok;
		}
		if (!strcmp(op, "LeakyRelu")) {
			tcc_cbuf_puts(b, "({ float l_ = ");
			SUB(0);
			tcc_cbuf_printf(b, "; l_ < 0.0f ? %.9ef * l_ : l_; })", ir_attr_float(n, "alpha", 0.01f));
			return ok;
		}
		if (!strcmp(op, "Gelu")) {
			tcc_cbuf_puts(b, "({ float g_ = ");
			SUB(0);
			tcc_cbuf_puts(b, "; 0.5f * g_ * (1.0f + erff(g_ * 0.70710678118654752f)); })");
			return ok;
		}
		for (size_t i = 0; i < sizeof(un) / sizeof(un[0]); i++)
			if (!strcmp(op, un[i].op)) {
				tcc_cbuf_puts(b, un[i].pre);
				SUB(0);
				tcc_cbuf_puts(b, un[i].post);
				return ok;
			}
		return false;
	}
	if (!strcmp(op, "Pow")) {
		double e = const_scalar(g, n->in[1]);

		if (e == 2.0 || e == 3.0) {	/* the common x^2 / x^3 of LayerNorm and GELU-tanh */
			tcc_cbuf_puts(b, e == 2.0 ? "({ float p_ = " : "({ float p_ = ");
			SUB(0);
			tcc_cbuf_puts(b, e == 2.0 ? "; p_ * p_; })" : "; p_ * p_ * p_; })");
			return ok;
		}
		tcc_cbuf_puts(b, "powf(");
		SUB(0);
		tcc_cbuf_puts(b, ", ");
		SUB(1);
		tcc_cbuf_puts(b, ")");
		return ok;
	}
	const char *sym = !strcmp(op, "Add") ? " + " : !strcmp(op, "Sub") ? " - " : !strcmp(op, "Mul") ? " * " : " / ";

	tcc_cbuf_puts(b, "(");
	SUB(0);
	tcc_cbuf_puts(b, sym);
	SUB(1);
	tcc_cbuf_puts(b, ")");
#undef SUB
	return ok;
}

/* NCHW -> the order an NHWC tensor's elements are stored in. */
static const int nhwc_order[4] = { 0, 2, 3, 1 };

/*
 * Element strides of external input t broadcast to shape o (0 on broadcast
 * dims), in o's logical dim order, from where t's elements really are
 * (dense NCHW, or NHWC when marked so).
 */
static void bcast_strides(const ir_tensor *x, const tv *o, int64_t *st)
{
	const tv *t = &x->v;
	int64_t mem[TCC_LOOP_MAX_RANK], acc = 1;

	for (int k = t->rank - 1; k >= 0; k--) {
		int d = x->nhwc ? nhwc_order[k] : k;

		mem[d] = acc;
		acc *= t->dims[d];
	}
	for (int d = o->rank - 1; d >= 0; d--) {
		int td = d - (o->rank - t->rank);

		st[d] = td < 0 || t->dims[td] == 1 ? 0 : mem[td];
	}
}

/* The loop over output @x: its dims and each input's strides in the order @x is stored. */
static void loop_order(const ir_tensor *x, tcc_loop_desc *d)
{
	int64_t dims[TCC_LOOP_MAX_RANK], st[TCC_LOOP_MAX_RANK];

	if (!x->nhwc)
		return;
	memcpy(dims, d->dims, sizeof(dims));
	for (int k = 0; k < 4; k++)
		d->dims[k] = dims[nhwc_order[k]];
	for (int i = 0; i < d->n_inputs; i++) {
		memcpy(st, d->strides[i], sizeof(st));
		for (int k = 0; k < 4; k++)
			d->strides[i][k] = st[nhwc_order[k]];
	}
}

/* Does group @gr read or write an NHWC tensor?  Then it must be generated, even alone. */
static bool touches_nhwc(const ir_graph *g, const group *gr)
{
	for (int m = 0; m < gr->n; m++) {
		const ir_node *n = &g->nodes[gr->nodes[m]];

		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] >= 0 && g->tensors[n->in[j]].nhwc)
				return true;
		if (g->tensors[n->out[0]].nhwc)
			return true;
	}
	return false;
}

tcc_status pass_fuse_pointwise(ir_graph *g, const tcc_options *opts, pass_stats *ps)
{
	int *owner = malloc(sizeof(int) * ((size_t)g->n_nodes + 1));
	group *groups = NULL;
	int n_groups = 0;
	tcc_cbuf src = { 0 };
	tcc_status st = TCC_OK;

	if (!owner)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "fusion");
	ir_graph_recount(g);
	/* Grow groups in topological order: a node joins the group of an input it alone consumes. */
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		owner[i] = -1;
		if (!pass_pointwise_fusable(g, n))
			continue;
		for (int j = 0; j < n->n_in; j++) {
			int t = n->in[j], p = g->tensors[t].producer;

			if (p < 0 || owner[p] < 0 || g->tensors[t].n_uses != 1 || g->tensors[t].is_output)
				continue;
			if (!tv_same_shape(&g->tensors[t].v, &g->tensors[n->out[0]].v))
				continue;
			group *gr = &groups[owner[p]];

			if (gr->n == 0 || gr->nodes[gr->n - 1] != p)
				continue;	/* join only at the group's root */
			if (owner[i] < 0) {
				if (gr->n == MAX_GROUP)
					continue;
				owner[i] = owner[p];
				gr->nodes[gr->n++] = i;
				continue;
			}
			/* A second input tree: merge it under this node (root stays last). */
			group *mine = &groups[owner[i]];

			if (gr == mine || mine->n + gr->n > MAX_GROUP)
				continue;
			int root = mine->nodes[--mine->n];

			for (int m = 0; m < gr->n; m++) {
				owner[gr->nodes[m]] = owner[i];
				mine->nodes[mine->n++] = gr->nodes[m];
			}
			mine->nodes[mine->n++] = root;
			gr->n = 0;
		}
		if (owner[i] < 0) {
			group *ng = realloc(groups, sizeof(group) * (size_t)(n_groups + 1));

			if (!ng) {
				st = tcc_set_error(TCC_ERR_NO_MEMORY, "fusion");
				goto out;
			}
			groups = ng;
			memset(&groups[n_groups], 0, sizeof(group));
			groups[n_groups].nodes[groups[n_groups].n++] = i;
			owner[i] = n_groups++;
		}
	}
	/* Emit one function per group of two or more, or that touches NHWC. */
	int n_kernels = 0;
	bool any_nhwc = false;
	char **names = calloc((size_t)n_groups + 1, sizeof(char *));

	if (!names) {
		st = tcc_set_error(TCC_ERR_NO_MEMORY, "fusion");
		goto out;
	}
	tcc_emit_prelude(&src);
	for (int k = 0; k < n_groups; k++) {
		group *gr = &groups[k];
		tcc_cbuf expr = { 0 };
		tcc_loop_desc d = { 0 };
		char name[32];

		bool nhwc = gr->n > 0 && touches_nhwc(g, gr);

		any_nhwc |= nhwc;

		if (gr->n < 2 && !nhwc)
			continue;	/* single nodes, and groups emptied by merging */
		int root = gr->nodes[gr->n - 1];
		const tv *o = &g->tensors[g->nodes[root].out[0]].v;

		if (o->rank > TCC_LOOP_MAX_RANK || !emit_expr(g, owner, k, gr, g->nodes[root].out[0], &expr) ||
		    tcc_cbuf_status(&expr)) {
			tcc_cbuf_free(&expr);
			if (nhwc) {	/* the reference kernels know only NCHW */
				st = tcc_set_error(TCC_ERR_INTERNAL, "fusion: node '%s' touches an NHWC tensor "
						   "but cannot be generated", g->nodes[root].name ? g->nodes[root].name : "");
				goto out_names;
			}
			gr->n = 1;	/* too many inputs: leave unfused */
			continue;
		}
		snprintf(name, sizeof(name), "tcc_fused_%d", n_kernels);
		d.name = name;
		d.rank = o->rank;
		memcpy(d.dims, o->dims, sizeof(int64_t) * (size_t)o->rank);
		d.n_inputs = gr->n_ext;
		for (int i = 0; i < gr->n_ext; i++)
			bcast_strides(&g->tensors[gr->ext[i]], o, d.strides[i]);
		loop_order(&g->tensors[g->nodes[root].out[0]], &d);
		d.expr = tcc_cbuf_str(&expr);
		if (o->rank == 0) {	/* the loop template wants at least one dim */
			d.rank = 1;
			d.dims[0] = 1;
		}
		st = tcc_emit_pointwise_loop(&src, &d);
		tcc_cbuf_free(&expr);
		if (st)
			goto out_names;
		tcc_cbuf_printf(&src, "void %s_w(const float *const *in, float *out)\n{\n\t%s(", name, name);
		for (int i = 0; i < gr->n_ext; i++)
			tcc_cbuf_printf(&src, "in[%d], ", i);
		tcc_cbuf_puts(&src, "out);\n}\n\n");
		names[k] = malloc(48);
		if (!names[k]) {
			st = tcc_set_error(TCC_ERR_NO_MEMORY, "fusion");
			goto out_names;
		}
		snprintf(names[k], 48, "%s_w", name);
		n_kernels++;
	}
	if (!n_kernels)
		goto out_names;
	if ((st = tcc_cbuf_status(&src)))
		goto out_names;
	const char **syms = calloc((size_t)n_kernels, sizeof(char *));
	void **fns = calloc((size_t)n_kernels, sizeof(void *));
	tcc_jit_module *mod = NULL;
	tcc_jit_options jo = { .cache_dir = opts->cache_dir, .verbose = opts->verbose != 0 };

	if (!syms || !fns) {
		free(syms);
		free(fns);
		st = tcc_set_error(TCC_ERR_NO_MEMORY, "fusion");
		goto out_names;
	}
	for (int k = 0, j = 0; k < n_groups; k++)
		if (names[k])
			syms[j++] = names[k];
	st = tcc_jit_compile(&mod, tcc_cbuf_str(&src), syms, (size_t)n_kernels, fns, &jo);
	if (st) {
		/* No compiler or a broken one: keep the reference kernels, say why when asked. */
		if (any_nhwc) {	/* ... which cannot read what layout propagation left in NHWC */
			free(syms);
			free(fns);
			goto out_names;
		}
		if (opts->verbose)
			fprintf(stderr, "tcc: pointwise fusion disabled: %s\n", tcc_last_error());
		tcc_clear_error();
		st = TCC_OK;
		free(syms);
		free(fns);
		goto out_names;
	}
	for (int k = 0, j = 0; k < n_groups; k++) {
		if (!names[k])
			continue;
		group *gr = &groups[k];
		ir_node *root = &g->nodes[gr->nodes[gr->n - 1]];
		fused_state *s = calloc(1, sizeof(*s));
		int *in = malloc(sizeof(int) * (size_t)(gr->n_ext ? gr->n_ext : 1));

		if (!s || !in) {
			free(s);
			free(in);
			if (j == 0)
				tcc_jit_module_free(mod);
			st = tcc_set_error(TCC_ERR_NO_MEMORY, "fusion");
			break;
		}
		s->fn = (fused_fn)fns[j];
		s->module = j == 0 ? mod : NULL;
		memcpy(in, gr->ext, sizeof(int) * (size_t)gr->n_ext);
		free(root->in);
		root->in = in;
		root->n_in = gr->n_ext;
		root->state = s;
		root->free_state = fused_free;
		root->kernel = fused_kernel;
		snprintf(root->kernel_desc, sizeof(root->kernel_desc), "generated C loop %s (%d ops)", syms[j],
			 gr->n);
		for (int m = 0; m < gr->n - 1; m++)
			g->nodes[gr->nodes[m]].dead = true;
		ps->fused_nodes += gr->n;
		ps->fused_kernels++;
		j++;
	}
	free(syms);
	free(fns);
	ir_graph_recount(g);
out_names:
	for (int k = 0; k < n_groups; k++)
		free(names[k]);
	free(names);
out:
	tcc_cbuf_free(&src);
	free(groups);
	free(owner);
	return st;
}
