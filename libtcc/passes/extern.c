// SPDX-License-Identifier: MIT
/*
 * Extern kernels: MatMul, Gemm, 2-D Conv and pooling on oneDNN, created once
 * here with constant weights prepacked, and pointwise epilogues absorbed as
 * oneDNN post-ops: bias, ReLU/LeakyReLU, GELU (the Gelu op and the erf chain
 * torch exports), Sigmoid, SiLU (x * Sigmoid(x)), HardSwish, HardSigmoid, Tanh,
 * Clip and a residual Add.  When oneDNN cannot express a node it keeps its
 * reference kernel; nothing is lost but speed.
 */
#include "passes/passes.h"
#include "passes/dnnl_passes.h"
#include "dnnl/dnnl_ops.h"
#include "ops/conv.h"
#include "weights/packed.h"
#include "codegen/jit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ext_kind { EXT_MATMUL, EXT_CONV, EXT_POOL };

typedef struct ext_state {
	tcc_dnnl_op *op;
	int src_b;		/* input index of a run-time B, or -1 */
	int residual;		/* input index of the post-op Add operand, or -1 */
	enum ext_kind kind;
	bool blocked_out;	/* dst stays in oneDNN's blocked layout (layout pass) */
	union {			/* how op was created, to re-create it with other layouts */
		tcc_dnnl_conv_desc conv;
		tcc_dnnl_pool_desc pool;
	} desc;
} ext_state;

static void ext_free(void *p)
{
	ext_state *s = p;

	tcc_dnnl_op_free(s->op);
	free(s);
}

static tcc_status ext_kernel(const ir_node *n, void *state, tv *const *in, int n_in, tv *out, int n_out)
{
	ext_state *s = state;

	return tcc_dnnl_op_run(s->op, in[0]->data, s->src_b >= 0 ? in[s->src_b]->data : NULL, out[0].data,
			       s->residual >= 0 ? in[s->residual]->data : NULL);
}

static bool is_f32(const ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t].v.dtype == TCC_F32 && g->tensors[t].shape_known;
}

static bool is_const(const ir_graph *g, int t)
{
	return t >= 0 && g->tensors[t].kind == IR_CONST;
}

bool pass_const_is_borrowed(const ir_graph *g, int t)
{
	const void *p = t >= 0 && g->tensors[t].kind == IR_CONST ? g->tensors[t].v.data : NULL;

	if (!p)
		return false;
	for (int i = 0; i < g->n_blobs; i++)
		if (g->blobs[i] == p)
			return false;
	return true;
}

/*
 * A MatMul/Gemm weight read in place from a shared weight buffer: given to
 * oneDNN as a run-time B in the file's plain layout instead of being
 * prepacked, because a prepacked copy would be private to this process
 * (unless the caller asked for that, tcc_options.weights_prepack, or oneDNN
 * cannot take this B at run time: !@possible).  Private copies are counted.
 */
static bool weight_read_in_place(const ir_graph *g, int t, bool possible, pass_stats *ps)
{
	if (!pass_const_is_borrowed(g, t))
		return false;
	if (ps->prepack_borrowed || !possible) {
		ps->private_packed_bytes += tv_nbytes(&g->tensors[t].v);
		return false;
	}
	ps->borrowed_weights++;
	return true;
}

/*
 * The "NAME@packed" record of weight-buffer weight @t, unless the caller
 * asked for private prepacking (weights_prepack): false when there is none.
 */
static bool buffer_record(const ir_graph *g, int t, const pass_stats *ps, const void **data, size_t *bytes,
			  uint64_t *fp)
{
	const ir_tensor *w = &g->tensors[t];

	if (!pass_const_is_borrowed(g, t) || ps->prepack_borrowed || !w->name)
		return false;
	if (tcc_weights_packed_find(w->v.data, w->name, data, bytes, fp) != TCC_OK) {
		tcc_clear_error();
		return false;
	}
	return true;
}

/*
 * A weight-buffer weight whose buffer also holds its "NAME@packed" record
 * (tcc_weights_load_onnx) made for exactly the op @d describes on this CPU
 * and oneDNN (same fingerprint): oneDNN reads those blocked bytes in place,
 * at prepacked speed with no private copy.  A record for another CPU or
 * oneDNN version is counted and left: the plain initializer paths follow.
 */
static bool use_packed(const ir_graph *g, int t, tcc_dnnl_matmul_desc *d, pass_stats *ps)
{
	const void *borrowed = g->tensors[t].v.data, *data;
	size_t bytes, want_bytes;
	uint64_t fp, want;

	if (!buffer_record(g, t, ps, &data, &bytes, &fp))
		return false;
	if (tcc_dnnl_matmul_fingerprint(d, &want, &want_bytes) != TCC_OK || want != fp || want_bytes != bytes) {
		tcc_clear_error();
		tcc_weights_packed_note(borrowed, false);
		ps->packed_mismatches++;
		return false;
	}
	d->packed = data;
	d->packed_bytes = bytes;
	d->packed_fingerprint = fp;
	tcc_weights_packed_note(borrowed, true);
	ps->borrowed_weights++;
	ps->packed_weights++;
	return true;
}

/*
 * A Conv weight from a weight buffer: its "NAME@packed" record, if any, goes
 * into the desc.  Whether the conv can read it in place is only known once
 * the op exists, in its final activation layouts (the weights layout follows
 * them): tcc_dnnl_conv_create() uses it when the fingerprint matches and
 * prepacks the plain initializer otherwise; conv_weights_account() counts.
 */
static void find_conv_packed(const ir_graph *g, int t, tcc_dnnl_conv_desc *d, pass_stats *ps)
{
	if (!buffer_record(g, t, ps, &d->packed, &d->packed_bytes, &d->packed_fingerprint))
		d->packed = NULL;
}

/* A kept Conv op, in its final layouts: record used in place, refused, or none (private copy). */
static void conv_weights_account(const ir_graph *g, const ir_node *n, const tcc_dnnl_conv_desc *d,
				 const tcc_dnnl_op *op, pass_stats *ps)
{
	int t = n->in[1];

	if (!pass_const_is_borrowed(g, t))
		return;
	if (tcc_dnnl_op_weights_in_place(op)) {
		tcc_weights_packed_note(g->tensors[t].v.data, true);
		ps->borrowed_weights++;
		ps->packed_weights++;
		return;
	}
	if (d->packed) {
		tcc_weights_packed_note(g->tensors[t].v.data, false);
		ps->packed_mismatches++;
	}
	/* oneDNN has no plain-layout path for constant conv weights: this copy is private. */
	ps->private_packed_bytes += tv_nbytes(&g->tensors[t].v);
}

/* Packing a weight buffer: hand the op's prepacked weights to the packer. */
static void offer_packed(const ir_graph *g, const ir_node *n, int src_b, const tcc_dnnl_op *op)
{
	if (n->n_in >= 2 && src_b != 1 && is_const(g, n->in[1]))
		tcc_weights_packing_offer(g->tensors[n->in[1]].name, op);
}

/* The scalar value of a one-element f32 constant, or NAN. */
static double scalar(const ir_graph *g, int t)
{
	if (!is_const(g, t) || !is_f32(g, t) || tv_numel(&g->tensors[t].v) != 1)
		return NAN;
	return ((const float *)g->tensors[t].v.data)[0];
}

/* The single live consumer of t (index), or -1; graph outputs have none. */
static int sole_consumer(const ir_graph *g, int t)
{
	int found = -1;

	if (g->tensors[t].is_output || g->tensors[t].n_uses != 1)
		return -1;
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] == t)
				found = i;
	}
	return found;
}

static int other_input(const ir_node *n, int t)
{
	return n->n_in == 2 ? (n->in[0] == t ? n->in[1] : n->in[1] == t ? n->in[0] : -1) : -1;
}

/* Consumers of t when it has exactly two (the GELU chain's x -> Div, x -> Mul; SiLU's x -> Sigmoid, x -> Mul). */
static bool two_consumers(const ir_graph *g, int t, int *a, int *b)
{
	int found[2], k = 0;

	if (g->tensors[t].is_output || g->tensors[t].n_uses != 2)
		return false;
	for (int i = 0; i < g->n_nodes && k < 2; i++) {
		const ir_node *n = &g->nodes[i];

		if (n->dead)
			continue;
		for (int j = 0; j < n->n_in; j++)
			if (n->in[j] == t) {
				found[k++] = i;
				break;
			}
	}
	if (k != 2)
		return false;
	*a = found[0];
	*b = found[1];
	return true;
}

/*
 * torch's erf GELU: y = (x * (erf(x / sqrt2) + 1)) * 0.5 (or x * 0.70710678).
 * Returns the chain's output tensor and fills nodes[] (5 of them), or -1.
 */
static int match_gelu(const ir_graph *g, int x, int *nodes)
{
	int c0, c1;

	if (!two_consumers(g, x, &c0, &c1))
		return -1;
	const ir_node *d = &g->nodes[c0], *m = &g->nodes[c1];

	if (!strcmp(d->op_type, "Mul") && !strcmp(m->op_type, "Div")) {
		const ir_node *t = d; d = m; m = t;
		int ti = c0; c0 = c1; c1 = ti;
	}
	double k = scalar(g, other_input(d, x));
	bool scale_ok = !strcmp(d->op_type, "Div") ? fabs(k - 1.41421356) < 1e-4 : fabs(k - 0.70710678) < 1e-4;

	if (d->in[0] != x || !scale_ok || strcmp(m->op_type, "Mul"))
		return -1;
	int e = sole_consumer(g, d->out[0]);

	if (e < 0 || strcmp(g->nodes[e].op_type, "Erf"))
		return -1;
	int a = sole_consumer(g, g->nodes[e].out[0]);

	if (a < 0 || strcmp(g->nodes[a].op_type, "Add") || scalar(g, other_input(&g->nodes[a], g->nodes[e].out[0])) != 1.0)
		return -1;
	if (other_input(m, x) != g->nodes[a].out[0])
		return -1;
	int h = sole_consumer(g, m->out[0]);

	if (h < 0 || strcmp(g->nodes[h].op_type, "Mul") || scalar(g, other_input(&g->nodes[h], m->out[0])) != 0.5)
		return -1;
	nodes[0] = c0; nodes[1] = e; nodes[2] = a; nodes[3] = c1; nodes[4] = h;
	return g->nodes[h].out[0];
}

/*
 * SiLU as exported: y = Mul(x, Sigmoid(x)), x read by exactly those two.
 * Returns y and fills nodes[] (2 of them), or -1.
 */
static int match_swish(const ir_graph *g, int x, int *nodes)
{
	int c[2];

	if (!two_consumers(g, x, &c[0], &c[1]))
		return -1;
	if (strcmp(g->nodes[c[0]].op_type, "Sigmoid")) {
		int t = c[0]; c[0] = c[1]; c[1] = t;
	}
	const ir_node *s = &g->nodes[c[0]], *m = &g->nodes[c[1]];

	if (strcmp(s->op_type, "Sigmoid") || strcmp(m->op_type, "Mul") || other_input(m, x) != s->out[0] ||
	    sole_consumer(g, s->out[0]) != c[1])
		return -1;
	nodes[0] = c[0];
	nodes[1] = c[1];
	return m->out[0];
}

typedef struct epilogue {
	tcc_dnnl_post_ops post;
	int absorbed[32], n_absorbed;
	int out;		/* tensor the fused node finally writes */
	int residual;		/* tensor added by POST_ADD, or -1 */
} epilogue;

/* Collects the pointwise chain after node p (index pi) that oneDNN can fuse. */
static void collect_epilogue(const ir_graph *g, int pi, bool allow_add, epilogue *ep)
{
	int t = ep->out >= 0 ? ep->out : g->nodes[pi].out[0];
	const tv *shape = &g->tensors[t].v;

	ep->out = t;
	while (ep->post.n < TCC_DNNL_MAX_POST && ep->n_absorbed + 5 <= 32) {
		int gelu[5], y = match_gelu(g, t, gelu);

		if (y >= 0) {
			ep->post.ops[ep->post.n++] = (tcc_dnnl_post){ TCC_DNNL_POST_GELU_ERF, 0, 0 };
			memcpy(ep->absorbed + ep->n_absorbed, gelu, sizeof(gelu));
			ep->n_absorbed += 5;
			t = ep->out = y;
			continue;
		}
		int swish[2];

		if ((y = match_swish(g, t, swish)) >= 0) {
			ep->post.ops[ep->post.n++] = (tcc_dnnl_post){ TCC_DNNL_POST_SWISH, 1.0f, 0 };
			memcpy(ep->absorbed + ep->n_absorbed, swish, sizeof(swish));
			ep->n_absorbed += 2;
			t = ep->out = y;
			continue;
		}
		int c = sole_consumer(g, t);

		if (c < 0)
			return;
		const ir_node *n = &g->nodes[c];
		tcc_dnnl_post p = { 0 };
		const char *op = n->op_type;

		if (!is_f32(g, n->out[0]) || !tv_same_shape(&g->tensors[n->out[0]].v, shape))
			return;
		if (!strcmp(op, "Relu")) {
			p.kind = TCC_DNNL_POST_RELU;
		} else if (!strcmp(op, "LeakyRelu")) {
			p = (tcc_dnnl_post){ TCC_DNNL_POST_RELU, ir_attr_float(n, "alpha", 0.01f), 0 };
		} else if (!strcmp(op, "HardSwish")) {
			p.kind = TCC_DNNL_POST_HARDSWISH;
		} else if (!strcmp(op, "HardSigmoid")) {
			/* clip(alpha * x + beta, 0, 1): a linear step, then the clip below. */
			if (ep->post.n + 2 > TCC_DNNL_MAX_POST)
				return;
			ep->post.ops[ep->post.n++] = (tcc_dnnl_post){ TCC_DNNL_POST_LINEAR,
				ir_attr_float(n, "alpha", 0.2f), ir_attr_float(n, "beta", 0.5f) };
			p = (tcc_dnnl_post){ TCC_DNNL_POST_CLIP, 0.0f, 1.0f };
		} else if (!strcmp(op, "Sigmoid")) {
			p.kind = TCC_DNNL_POST_SIGMOID;
		} else if (!strcmp(op, "Tanh")) {
			p.kind = TCC_DNNL_POST_TANH;
		} else if (!strcmp(op, "Gelu")) {
			p.kind = strcmp(ir_attr_str(n, "approximate", "none"), "tanh") ? TCC_DNNL_POST_GELU_ERF
										   : TCC_DNNL_POST_GELU_TANH;
		} else if (!strcmp(op, "Clip") && n->n_in == 3 && n->in[1] >= 0 && n->in[2] >= 0 &&
			   !isnan(scalar(g, n->in[1])) && !isnan(scalar(g, n->in[2]))) {
			p = (tcc_dnnl_post){ TCC_DNNL_POST_CLIP, (float)scalar(g, n->in[1]),
					     (float)scalar(g, n->in[2]) };
		} else if ((!strcmp(op, "Mul") || (!strcmp(op, "Div") && n->in[0] == t)) &&
			   !isnan(scalar(g, other_input(n, t))) && scalar(g, other_input(n, t)) != 0) {
			double k = scalar(g, other_input(n, t));

			p = (tcc_dnnl_post){ TCC_DNNL_POST_LINEAR, (float)(op[0] == 'M' ? k : 1.0 / k), 0 };
		} else if (!strcmp(op, "Add") && allow_add && ep->residual < 0) {
			int r = other_input(n, t);

			/* The residual must exist before p runs and match the output exactly. */
			if (r < 0 || r == t || !is_f32(g, r) || !tv_same_shape(&g->tensors[r].v, shape) ||
			    (g->tensors[r].producer >= pi))
				return;
			p.kind = TCC_DNNL_POST_ADD;
			ep->residual = r;
		} else {
			return;
		}
		ep->post.ops[ep->post.n++] = p;
		ep->absorbed[ep->n_absorbed++] = c;
		t = ep->out = n->out[0];
	}
}

/*
 * oneDNN copied (prepacked) the constant weights: drop the graph's copy when
 * no other node and no graph output reads it, so large models are not held
 * twice.  Input 1 is the weight of MatMul/Gemm/Conv.
 */
static void release_weights(ir_graph *g, const ir_node *n, int src_b)
{
	if (n->n_in < 2 || src_b == 1 ||
	    (strcmp(n->op_type, "MatMul") && strcmp(n->op_type, "Gemm") && strcmp(n->op_type, "Conv")))
		return;
	int w = n->in[1];

	if (w >= 0 && g->tensors[w].kind == IR_CONST && g->tensors[w].n_uses == 1 && !g->tensors[w].is_output)
		ir_tensor_release_data(g, w);
}

static tcc_status attach(ir_graph *g, int pi, tcc_dnnl_op *op, int src_b, const epilogue *ep,
			 const void *desc, enum ext_kind kind, pass_stats *ps)
{
	ext_state *s = calloc(1, sizeof(*s));
	ir_node *n = &g->nodes[pi];

	if (!s) {
		tcc_dnnl_op_free(op);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "extern kernel state");
	}
	s->op = op;
	s->src_b = src_b;
	s->residual = -1;
	s->kind = kind;
	if (kind == EXT_CONV ? ((const tcc_dnnl_conv_desc *)desc)->bf16 :
	    kind == EXT_MATMUL && ((const tcc_dnnl_matmul_desc *)desc)->bf16)
		ps->bf16_ops++;
	if (kind == EXT_CONV)
		s->desc.conv = *(const tcc_dnnl_conv_desc *)desc;
	else if (kind == EXT_POOL)
		s->desc.pool = *(const tcc_dnnl_pool_desc *)desc;
	if (ep && ep->residual >= 0) {
		int *in = realloc(n->in, sizeof(int) * (size_t)(n->n_in + 1));

		if (!in) {
			ext_free(s);
			return tcc_set_error(TCC_ERR_NO_MEMORY, "extern kernel inputs");
		}
		n->in = in;
		s->residual = n->n_in;
		n->in[n->n_in++] = ep->residual;
	}
	if (ep) {
		for (int i = 0; i < ep->n_absorbed; i++)
			g->nodes[ep->absorbed[i]].dead = true;
		n->out[0] = ep->out;
		ps->epilogues += ep->n_absorbed;
	}
	n->state = s;
	n->free_state = ext_free;
	n->kernel = ext_kernel;
	snprintf(n->kernel_desc, sizeof(n->kernel_desc), "oneDNN %s%s", tcc_dnnl_op_impl(op),
		 ep && ep->post.n ? " +post-ops" : "");
	ps->extern_kernels++;
	ir_graph_recount(g);
	/* MatMul/Gemm ops are never re-created: drop the graph's weights now, not after every op. */
	if (kind == EXT_MATMUL) {
		offer_packed(g, n, src_b, op);
		release_weights(g, n, src_b);
	}
	return TCC_OK;
}

static tcc_status create_with_bias(ir_graph *g, int pi, void *desc, tcc_dnnl_post_ops *post,
				   tcc_status (*create)(tcc_dnnl_op **, const void *), bool allow_add,
				   int src_b, int bias_node, const float **bias_slot, const float *bias,
				   pass_stats *ps);
static tcc_status conv_create(tcc_dnnl_op **op, const void *d);

/* Tries with the epilogue, then without it. */
static tcc_status create_with_epilogue(ir_graph *g, int pi, void *desc, tcc_dnnl_post_ops *post,
				       tcc_status (*create)(tcc_dnnl_op **, const void *), bool allow_add,
				       int src_b, pass_stats *ps)
{
	return create_with_bias(g, pi, desc, post, create, allow_add, src_b, -1, NULL, NULL, ps);
}

/*
 * As above, where @bias_node (or -1) is an Add of a constant [N] vector
 * already folded into the desc's bias through *bias_slot = bias: without
 * the epilogue it is retried with the bias slot cleared and that Add kept.
 */
static tcc_status create_with_bias(ir_graph *g, int pi, void *desc, tcc_dnnl_post_ops *post,
				   tcc_status (*create)(tcc_dnnl_op **, const void *), bool allow_add,
				   int src_b, int bias_node, const float **bias_slot, const float *bias,
				   pass_stats *ps)
{
	epilogue ep = { .residual = -1, .out = -1 };
	tcc_dnnl_op *op = NULL;
	tcc_dnnl_post_ops base = *post;

	if (bias_node >= 0) {
		ep.absorbed[ep.n_absorbed++] = bias_node;
		ep.out = g->nodes[bias_node].out[0];
	}
	collect_epilogue(g, pi, allow_add, &ep);
	for (int attempt = 0; attempt < 2; attempt++) {
		*post = base;
		if (bias_slot)
			*bias_slot = attempt == 0 ? bias : NULL;
		if (attempt == 0) {
			if (!ep.n_absorbed)
				continue;
			if (base.n + ep.post.n > TCC_DNNL_MAX_POST)
				continue;
			memcpy(post->ops + base.n, ep.post.ops, sizeof(tcc_dnnl_post) * (size_t)ep.post.n);
			post->n += ep.post.n;
		}
		if (create(&op, desc) != TCC_OK)
			continue;
		const tv *o = &g->tensors[attempt == 0 ? ep.out : g->nodes[pi].out[0]].v;

		if (tcc_dnnl_op_dst_bytes(op) != tv_nbytes(o) || tcc_dnnl_op_dst_is_blocked(op)) {
			tcc_dnnl_op_free(op);
			continue;
		}
		return attach(g, pi, op, src_b, attempt == 0 ? &ep : NULL, desc,
			      create == conv_create ? EXT_CONV : EXT_MATMUL, ps);
	}
	tcc_clear_error();
	return TCC_OK;		/* reference kernel stays */
}

static tcc_status mm_create(tcc_dnnl_op **op, const void *d)
{
	return tcc_dnnl_matmul_create(op, d);
}

static tcc_status conv_create(tcc_dnnl_op **op, const void *d)
{
	return tcc_dnnl_conv_create(op, d);
}

static tcc_status do_matmul(ir_graph *g, int pi, pass_stats *ps)
{
	const ir_node *n = &g->nodes[pi];
	const tv *A = &g->tensors[n->in[0]].v, *B = &g->tensors[n->in[1]].v;
	tcc_dnnl_matmul_desc d = { .alpha = 1.0f };
	int src_b = -1;

	if (A->rank < 2 || B->rank < 2)
		return TCC_OK;
	/* B given as [.., N, K] by pass_fold_transpose_b */
	d.trans_b = ir_attr_int(n, PASS_ATTR_TRANS_B, 0) != 0;
	d.K = A->dims[A->rank - 1];
	d.N = B->dims[B->rank - (d.trans_b ? 2 : 1)];
	if (is_const(g, n->in[1]) && B->rank == 2) {
		d.batch = d.b_batch = 1;
		d.M = tv_numel(A) / (d.K ? d.K : 1);
		d.bf16 = ps->bf16;	/* constant weights only: a run-time B stays float32 */
		if (use_packed(g, n->in[1], &d, ps))
			;	/* d.packed: read in place in the blocked layout */
		else if (g->tensors[n->in[1]].packed_only)
			return TCC_OK;	/* no plain copy to fall back on: see model_compile() */
		else if (weight_read_in_place(g, n->in[1], !d.bf16, ps))
			src_b = 1;
		else
			d.weights = B->data;
	} else {
		if (B->rank != 2 && B->rank != A->rank)
			return TCC_OK;
		for (int i = 0; B->rank > 2 && i < A->rank - 2; i++)
			if (A->dims[i] != B->dims[i])
				return TCC_OK;	/* broadcast batches stay on the reference */
		d.M = A->dims[A->rank - 2];
		d.batch = tv_numel(A) / ((d.M && d.K) ? d.M * d.K : 1);
		d.b_batch = B->rank == 2 ? 1 : d.batch;
		if (B->rank == 2 && A->rank > 2) {	/* shared runtime B: fold batch into M */
			d.M *= d.batch;
			d.batch = d.b_batch = 1;
		}
		src_b = 1;
	}
	if (d.M < 1 || d.K < 1 || d.N < 1)
		return TCC_OK;
	/* MatMul + Add(const [N]) is a Linear layer: the Add becomes the bias. */
	int c = sole_consumer(g, n->out[0]);

	if (c >= 0 && !strcmp(g->nodes[c].op_type, "Add")) {
		int b = other_input(&g->nodes[c], n->out[0]);

		if (is_const(g, b) && is_f32(g, b) && tv_numel(&g->tensors[b].v) == d.N &&
		    g->tensors[b].v.dims[g->tensors[b].v.rank - 1] == d.N &&
		    tv_same_shape(&g->tensors[g->nodes[c].out[0]].v, &g->tensors[n->out[0]].v))
			return create_with_bias(g, pi, &d, &d.post, mm_create, true, src_b, c, &d.bias,
						g->tensors[b].v.data, ps);
	}
	return create_with_epilogue(g, pi, &d, &d.post, mm_create, true, src_b, ps);
}

static tcc_status do_gemm(ir_graph *g, int pi, pass_stats *ps)
{
	const ir_node *n = &g->nodes[pi];
	const tv *A = &g->tensors[n->in[0]].v, *B = &g->tensors[n->in[1]].v;
	float beta = ir_attr_float(n, "beta", 1.0f);
	tcc_dnnl_matmul_desc d = { .batch = 1, .b_batch = 1, .alpha = ir_attr_float(n, "alpha", 1.0f) };
	int src_b = -1, c = n->n_in > 2 ? n->in[2] : -1;
	epilogue pre = { .residual = -1 };

	d.trans_a = ir_attr_int(n, "transA", 0);
	d.trans_b = ir_attr_int(n, "transB", 0);
	d.M = d.trans_a ? A->dims[1] : A->dims[0];
	d.K = d.trans_a ? A->dims[0] : A->dims[1];
	d.N = d.trans_b ? B->dims[0] : B->dims[1];
	/* oneDNN refuses alpha != 1 with a bias on a run-time B (it would scale the bias too). */
	bool runtime_b_ok = d.alpha == 1.0f || d.alpha == 0.0f || c < 0 || beta == 0.0f ||
			    !is_const(g, c);

	d.bf16 = ps->bf16 && is_const(g, n->in[1]);	/* bf16 needs its B prepacked */
	runtime_b_ok &= !d.bf16;
	if (is_const(g, n->in[1]) && use_packed(g, n->in[1], &d, ps))
		;	/* d.packed: read in place in the blocked layout */
	else if (g->tensors[n->in[1]].packed_only)
		return TCC_OK;	/* no plain copy to fall back on: see model_compile() */
	else if (is_const(g, n->in[1]) && !weight_read_in_place(g, n->in[1], runtime_b_ok, ps))
		d.weights = B->data;
	else
		src_b = 1;
	if (c >= 0 && beta != 0.0f) {
		const tv *C = &g->tensors[c].v;

		if (!is_f32(g, c))
			return TCC_OK;
		if (is_const(g, c) && tv_numel(C) == d.N && (C->rank == 1 || C->dims[C->rank - 1] == d.N)) {
			float *bias = ir_graph_own(g, malloc(sizeof(float) * (size_t)d.N));

			if (!bias)
				return tcc_set_error(TCC_ERR_NO_MEMORY, "gemm bias");
			for (int64_t i = 0; i < d.N; i++)
				bias[i] = beta * ((const float *)C->data)[i];
			d.bias = bias;
		} else if (beta == 1.0f && C->rank == 2 && C->dims[0] == d.M && C->dims[1] == d.N) {
			/* C as a residual: it must be the first post-op, so no other Add later. */
			d.post.ops[d.post.n++] = (tcc_dnnl_post){ TCC_DNNL_POST_ADD, 0, 0 };
			pre.residual = c;
		} else {
			return TCC_OK;
		}
	}
	if (pre.residual < 0)
		return create_with_epilogue(g, pi, &d, &d.post, mm_create, true, src_b, ps);
	/* With C as residual the extra input is C itself. */
	tcc_dnnl_op *op;

	if (tcc_dnnl_matmul_create(&op, &d) != TCC_OK) {
		tcc_clear_error();
		return TCC_OK;
	}
	ext_state *s = calloc(1, sizeof(*s));

	if (!s) {
		tcc_dnnl_op_free(op);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "extern kernel state");
	}
	*s = (ext_state){ .op = op, .src_b = src_b, .residual = 2, .kind = EXT_MATMUL };
	ps->bf16_ops += d.bf16;
	g->nodes[pi].state = s;
	g->nodes[pi].free_state = ext_free;
	g->nodes[pi].kernel = ext_kernel;
	snprintf(g->nodes[pi].kernel_desc, sizeof(g->nodes[pi].kernel_desc), "oneDNN %s +C", tcc_dnnl_op_impl(op));
	offer_packed(g, &g->nodes[pi], src_b, op);
	ps->extern_kernels++;
	return TCC_OK;
}

/*
 * Does oneDNN have a real bf16 kernel for this conv?  Where it has only its
 * reference or im2col+GEMM path (some depthwise and grouped shapes on some
 * ISAs) bf16 runs many times slower than float32: that conv stays float32.
 */
static bool bf16_conv_is_fast(const tcc_dnnl_conv_desc *d)
{
	tcc_dnnl_conv_desc probe = *d;
	tcc_dnnl_op *op = NULL;
	bool fast;

	probe.packed = NULL;
	if (!probe.weights || tcc_dnnl_conv_create(&op, &probe) != TCC_OK) {
		tcc_clear_error();
		return false;
	}
	const char *impl = tcc_dnnl_op_impl(op);

	fast = strncmp(impl, "ref", 3) != 0 && !strstr(impl, "gemm:");
	tcc_dnnl_op_free(op);
	return fast;
}

static tcc_status do_conv(ir_graph *g, int pi, pass_stats *ps)
{
	const ir_node *n = &g->nodes[pi];
	const tv *X = &g->tensors[n->in[0]].v, *W = &g->tensors[n->in[1]].v;
	int b = n->n_in > 2 ? n->in[2] : -1;
	tcc_dnnl_conv_desc d = { 0 };
	conv_geom geo;

	if (X->rank != 4 || !is_const(g, n->in[1]) || (b >= 0 && (!is_const(g, b) || !is_f32(g, b))))
		return TCC_OK;
	if (conv_geom_of(n, X, W->dims + 2, false, &geo)) {
		tcc_clear_error();
		return TCC_OK;
	}
	d.N = X->dims[0]; d.C = X->dims[1]; d.H = X->dims[2]; d.W = X->dims[3];
	d.OC = W->dims[0]; d.KH = W->dims[2]; d.KW = W->dims[3];
	d.groups = ir_attr_int(n, "group", 1);
	for (int i = 0; i < 2; i++) {
		d.stride[i] = geo.s[i];
		d.pad_begin[i] = geo.pb[i];
		d.pad_end[i] = geo.pe[i];
		d.dilation[i] = geo.d[i];
	}
	/* Packed only: the record or nothing (tcc_dnnl_conv_create() fails on another layout). */
	d.weights = g->tensors[n->in[1]].packed_only ? NULL : W->data;
	d.bias = b >= 0 ? g->tensors[b].v.data : NULL;
	d.bf16 = ps->bf16 && bf16_conv_is_fast(&d);
	find_conv_packed(g, n->in[1], &d, ps);
	return create_with_epilogue(g, pi, &d, &d.post, conv_create, true, -1, ps);
}

static tcc_status do_pool(ir_graph *g, int pi, pass_stats *ps)
{
	const ir_node *n = &g->nodes[pi];
	const tv *X = &g->tensors[n->in[0]].v;
	tcc_dnnl_pool_desc d = { 0 };
	const char *op = n->op_type;
	tcc_dnnl_op *dop;

	if (X->rank != 4 || n->n_out != 1)
		return TCC_OK;
	d.N = X->dims[0]; d.C = X->dims[1]; d.H = X->dims[2]; d.W = X->dims[3];
	if (!strcmp(op, "GlobalAveragePool") || !strcmp(op, "GlobalMaxPool")) {
		d.kind = op[6] == 'A' ? TCC_DNNL_POOL_GLOBAL_AVG : TCC_DNNL_POOL_GLOBAL_MAX;
	} else {
		const int64_t *k;
		conv_geom geo;

		if (ir_attr_ints(n, "kernel_shape", &k) != 2 || ir_attr_int(n, "storage_order", 0))
			return TCC_OK;
		if (conv_geom_of(n, X, k, true, &geo)) {
			tcc_clear_error();
			return TCC_OK;
		}
		bool incl = ir_attr_int(n, "count_include_pad", 0);

		d.kind = !strcmp(op, "MaxPool") ? TCC_DNNL_POOL_MAX :
			 incl ? TCC_DNNL_POOL_AVG_INCLUDE_PAD : TCC_DNNL_POOL_AVG_EXCLUDE_PAD;
		for (int i = 0; i < 2; i++) {
			int64_t ek = (geo.k[i] - 1) * geo.d[i] + 1;
			/* ceil_mode: widen the end padding so the floor formula gives the ceil size */
			int64_t pe = (geo.out[i] - 1) * geo.s[i] + ek - geo.in[i] - geo.pb[i];

			if (pe < geo.pe[i])
				pe = geo.pe[i];
			if (pe != geo.pe[i] && incl)
				return TCC_OK;
			d.kernel[i] = geo.k[i];
			d.stride[i] = geo.s[i];
			d.pad_begin[i] = geo.pb[i];
			d.pad_end[i] = pe;
			d.dilation[i] = geo.d[i];
		}
	}
	if (tcc_dnnl_pool_create(&dop, &d) != TCC_OK) {
		tcc_clear_error();
		return TCC_OK;
	}
	if (tcc_dnnl_op_dst_bytes(dop) != tv_nbytes(&g->tensors[n->out[0]].v) || tcc_dnnl_op_dst_is_blocked(dop)) {
		tcc_dnnl_op_free(dop);
		return TCC_OK;
	}
	return attach(g, pi, dop, -1, NULL, &d, EXT_POOL, ps);
}

static ext_state *ext_of(const ir_graph *g, int node)
{
	return node >= 0 && g->nodes[node].kernel == ext_kernel ? g->nodes[node].state : NULL;
}

bool pass_extern_weights_in_place(const ir_graph *g, int node)
{
	const ext_state *s = ext_of(g, node);

	return s && tcc_dnnl_op_weights_in_place(s->op);
}

int pass_packed_weight_reader(const ir_graph *g, int t)
{
	int r = ir_weight_reader(g, t);
	const char *op = r >= 0 ? g->nodes[r].op_type : "";

	return !strcmp(op, "MatMul") || !strcmp(op, "Gemm") || !strcmp(op, "Conv") ? r : -1;
}

/*
 * Activation layouts between ops.  A 4-D tensor between two oneDNN
 * convs/pools may stay in whatever layout they run fastest in (ANY); one that
 * a generated pointwise loop reads or writes (an activation, a squeeze-and-
 * excitation scale, a residual Add oneDNN did not absorb) may be NHWC, which
 * those loops index directly; anything else is plain NCHW.  So a conv net
 * reorders only where a tensor meets an op that needs NCHW (a Reshape, a
 * Concat, a graph output), not around every conv.
 */
enum layout { LAYOUT_PLAIN, LAYOUT_ANY, LAYOUT_NHWC };

static bool spatial_activation(const ir_graph *g, int t)
{
	const ir_tensor *x = &g->tensors[t];

	/* With one channel or one pixel NHWC and NCHW are the same bytes: such a tensor is plain. */
	return x->kind == IR_INTERMEDIATE && !x->is_output && x->n_uses > 0 && is_f32(g, t) &&
	       x->v.rank == 4 && x->v.dims[1] > 1 && x->v.dims[2] * x->v.dims[3] > 1;
}

/* Is @n an op oneDNN runs with t as its src or residual (any layout)? */
static bool dnnl_reads(const ir_graph *g, int node, int j)
{
	const ext_state *s = ext_of(g, node);

	return s && s->kind != EXT_MATMUL && (j == 0 || j == s->residual);
}

/* A Concat of 4-D f32 activations: oneDNN's concat reads and writes NHWC. */
static bool concat_capable(const ir_graph *g, const ir_node *n)
{
	if (n->dead || n->kernel || !n->shapes_static || strcmp(n->op_type, "Concat") || n->n_out != 1 ||
	    n->n_in < 1 || n->n_in > 64 || !is_f32(g, n->out[0]) || g->tensors[n->out[0]].v.rank != 4)
		return false;
	for (int j = 0; j < n->n_in; j++)
		if (!is_f32(g, n->in[j]) || g->tensors[n->in[j]].v.rank != 4 || !tv_numel(&g->tensors[n->in[j]].v))
			return false;
	int64_t axis = ir_attr_int(n, "axis", 1);

	return axis >= -4 && axis < 4;
}

/* Does a generated loop or oneDNN's concat run @n, reading and writing NHWC? */
static bool nhwc_capable(const ir_graph *g, const ir_node *n)
{
	return pass_pointwise_fusable(g, n) || concat_capable(g, n);
}

static enum layout layout_allowed(const ir_graph *g, int t, bool loops)
{
	int p = g->tensors[t].producer;
	bool pointwise = false, readers = false;

	if (!spatial_activation(g, t) || p < 0)
		return LAYOUT_PLAIN;
	if (ext_of(g, p) && ext_of(g, p)->kind != EXT_MATMUL)
		;
	else if (loops && nhwc_capable(g, &g->nodes[p]))
		pointwise = true;
	else
		return LAYOUT_PLAIN;
	for (int i = 0; i < g->n_nodes; i++) {
		const ir_node *n = &g->nodes[i];

		for (int j = 0; !n->dead && j < n->n_in; j++) {
			if (n->in[j] != t)
				continue;
			readers = true;
			if (dnnl_reads(g, i, j))
				continue;
			if (!loops || !nhwc_capable(g, n))
				return LAYOUT_PLAIN;
			pointwise = true;
		}
	}
	return !readers ? LAYOUT_PLAIN : pointwise ? LAYOUT_NHWC : LAYOUT_ANY;
}

/* Is t written or read by a oneDNN conv/pool? */
static bool touches_dnnl(const ir_graph *g, int t)
{
	const ext_state *s = ext_of(g, g->tensors[t].producer);

	if (s && s->kind != EXT_MATMUL)
		return true;
	for (int i = 0; i < g->n_nodes; i++)
		for (int j = 0; !g->nodes[i].dead && j < g->nodes[i].n_in; j++)
			if (g->nodes[i].in[j] == t && dnnl_reads(g, i, j))
				return true;
	return false;
}

/*
 * NHWC pays only around convs: keep it on a tensor connected, through
 * loops and Concats over NHWC tensors, to one a conv or pool writes or
 * reads.  A region of loops alone (a transformer's [N, H, W, C] blocks)
 * stays plain instead of transposing between its own loops.
 */
static void anchor_nhwc(const ir_graph *g, enum layout *lay)
{
	bool *anchored = calloc((size_t)g->n_tensors + 1, sizeof(bool)), changed = true;

	if (!anchored) {	/* no memory to decide: plain is always right */
		for (int t = 0; t < g->n_tensors; t++)
			if (lay[t] == LAYOUT_NHWC)
				lay[t] = LAYOUT_PLAIN;
		return;
	}
	for (int t = 0; t < g->n_tensors; t++)
		anchored[t] = lay[t] == LAYOUT_NHWC && touches_dnnl(g, t);
	while (changed) {
		changed = false;
		for (int i = 0; i < g->n_nodes; i++) {
			const ir_node *n = &g->nodes[i];
			bool any = false;

			if (n->dead || !nhwc_capable(g, n))
				continue;
			for (int j = 0; j < n->n_in; j++)
				any |= n->in[j] >= 0 && anchored[n->in[j]];
			any |= anchored[n->out[0]];
			if (!any)
				continue;
			for (int j = 0; j <= n->n_in; j++) {
				int t = j < n->n_in ? n->in[j] : n->out[0];

				if (t >= 0 && lay[t] == LAYOUT_NHWC && !anchored[t])
					changed = anchored[t] = true;
			}
		}
	}
	for (int t = 0; t < g->n_tensors; t++)
		if (lay[t] == LAYOUT_NHWC && !anchored[t])
			lay[t] = LAYOUT_PLAIN;
	free(anchored);
}

/*
 * A conv adding a residual in its sum post-op reads the residual in its
 * dst's layout: make each such pair agree (NHWC when either is not plain,
 * so the layouts are equal by construction).  Returns true when it changed.
 */
static bool agree_residuals(const ir_graph *g, enum layout *lay)
{
	bool changed = false;

	for (int i = 0; i < g->n_nodes; i++) {
		const ext_state *s = ext_of(g, i);

		if (g->nodes[i].dead || !s || s->residual < 0)
			continue;
		int o = g->nodes[i].out[0], r = g->nodes[i].in[s->residual];

		if (lay[o] == lay[r])
			continue;
		enum layout want = lay[o] == LAYOUT_PLAIN || lay[r] == LAYOUT_PLAIN ? LAYOUT_PLAIN : LAYOUT_NHWC;

		changed |= lay[o] != want || lay[r] != want;
		lay[o] = lay[r] = want;
	}
	return changed;
}

/* Is every reader of t a bf16 conv taking it as its src?  Then t may be stored in bf16. */
static bool read_by_bf16_convs_only(const ir_graph *g, int t)
{
	int readers = 0;

	for (int i = 0; i < g->n_nodes; i++) {
		const ext_state *s = ext_of(g, i);

		for (int j = 0; !g->nodes[i].dead && j < g->nodes[i].n_in; j++) {
			if (g->nodes[i].in[j] != t)
				continue;
			if (!s || s->kind != EXT_CONV || j != 0 || !s->desc.conv.bf16)
				return false;
			readers++;
		}
	}
	return readers > 0 && readers == g->tensors[t].n_uses;
}

/* Re-creates conv/pool @i for the layouts of its src and dst; NULL op when nothing changes. */
static tcc_status recreate(const ir_graph *g, int i, const enum layout *lay, tcc_dnnl_op **fresh,
			   tcc_dnnl_op **op)
{
	const ir_node *n = &g->nodes[i];
	ext_state *s = ext_of(g, i);
	int src = n->in[0], src_p = g->tensors[src].producer;
	enum layout in = lay[src], out = lay[n->out[0]];
	const tcc_dnnl_op *src_from = in == LAYOUT_ANY ? fresh[src_p] : NULL;

	*op = NULL;
	if (in == LAYOUT_PLAIN && out == LAYOUT_PLAIN)
		return TCC_OK;
	if (in == LAYOUT_ANY && !src_from)
		return tcc_set_error(TCC_ERR_INTERNAL, "layout: producer of a blocked tensor was not re-created");
	if (s->kind == EXT_CONV) {
		tcc_dnnl_conv_desc d = s->desc.conv;

		d.src_from = src_from;
		d.src_nhwc = in == LAYOUT_NHWC;
		d.keep_blocked_output = out != LAYOUT_PLAIN;
		d.dst_nhwc = out == LAYOUT_NHWC;
		/* Between bf16 convs, activations stay bf16: no conversion at the reader's input. */
		d.dst_bf16 = d.bf16 && out == LAYOUT_ANY && s->residual < 0 && read_by_bf16_convs_only(g, n->out[0]);
		/* The weights prepacked for the first op, when the layout is the same. */
		if (!d.packed && tcc_dnnl_op_packed_weights(s->op, &d.packed, &d.packed_bytes,
							    &d.packed_fingerprint) != TCC_OK) {
			tcc_clear_error();
			d.packed = NULL;
		}
		return tcc_dnnl_conv_create(op, &d);
	}
	tcc_dnnl_pool_desc d = s->desc.pool;

	d.src_from = src_from;
	d.src_nhwc = in == LAYOUT_NHWC;
	d.keep_blocked_output = out != LAYOUT_PLAIN;
	d.dst_nhwc = out == LAYOUT_NHWC;
	return tcc_dnnl_pool_create(op, &d);
}

static void concat_free(void *p)
{
	tcc_dnnl_concat_free(p);
}

static tcc_status concat_kernel(const ir_node *n, void *state, tv *const *in, int n_in, tv *out, int n_out)
{
	const void *src[64];

	for (int j = 0; j < n_in; j++)
		src[j] = in[j]->data;
	return tcc_dnnl_concat_run(state, src, out[0].data);
}

/* oneDNN's concat for Concat node @i when it reads or writes NHWC; NULL when it does not. */
static tcc_status make_concat(const ir_graph *g, int i, const enum layout *lay, tcc_dnnl_concat **c)
{
	const ir_node *n = &g->nodes[i];
	int64_t dims[64][4];
	bool src_nhwc[64], any = lay[n->out[0]] == LAYOUT_NHWC;
	int64_t axis = ir_attr_int(n, "axis", 1);

	*c = NULL;
	for (int j = 0; j < n->n_in; j++) {
		memcpy(dims[j], g->tensors[n->in[j]].v.dims, sizeof(dims[j]));
		src_nhwc[j] = lay[n->in[j]] == LAYOUT_NHWC;
		any |= src_nhwc[j];
	}
	if (!any)
		return TCC_OK;
	tcc_dnnl_concat_desc d = { .n = n->n_in, .axis = (int)(axis < 0 ? axis + 4 : axis), .dims = dims,
				   .src_nhwc = src_nhwc, .dst_nhwc = lay[n->out[0]] == LAYOUT_NHWC };

	return tcc_dnnl_concat_create(c, &d);
}

/*
 * Layout propagation: choose each activation's layout (above), then
 * re-create the oneDNN convs/pools for them.  All or nothing: if any op
 * cannot be re-created, or a blocked residual's layout differs from its
 * consumer's, everything stays plain.
 */
static tcc_status propagate_layouts(ir_graph *g, pass_stats *ps)
{
	tcc_dnnl_op **fresh = calloc((size_t)g->n_nodes + 1, sizeof(*fresh));
	tcc_dnnl_concat **concats = calloc((size_t)g->n_nodes + 1, sizeof(*concats));
	enum layout *lay = calloc((size_t)g->n_tensors + 1, sizeof(*lay));
	bool loops = tcc_jit_compiler_available() && !getenv("TCC_NO_NHWC");
	bool ok = true;

	if (!fresh || !concats || !lay) {
		free(fresh);
		free(concats);
		free(lay);
		return tcc_set_error(TCC_ERR_NO_MEMORY, "layout propagation");
	}
	for (int t = 0; t < g->n_tensors; t++)
		lay[t] = layout_allowed(g, t, loops);
	anchor_nhwc(g, lay);
	for (int k = 0; k < g->n_nodes && agree_residuals(g, lay); k++)
		;
	for (int i = 0; i < g->n_nodes && ok; i++) {
		ext_state *s = ext_of(g, i);

		if (g->nodes[i].dead || !s || s->kind == EXT_MATMUL)
			continue;
		const ir_node *n = &g->nodes[i];
		enum layout out = lay[n->out[0]];
		int res_p = s->residual >= 0 ? g->tensors[n->in[s->residual]].producer : -1;

		if (recreate(g, i, lay, fresh, &fresh[i]) != TCC_OK) {
			ok = false;
			break;
		}
		if (!fresh[i])
			continue;
		if ((out != LAYOUT_PLAIN && !tcc_dnnl_op_dst_is_blocked(fresh[i])) ||
		    (out == LAYOUT_PLAIN && tcc_dnnl_op_dst_bytes(fresh[i]) != tv_nbytes(&g->tensors[n->out[0]].v)) ||
		    (out == LAYOUT_ANY && res_p >= 0 && lay[n->in[s->residual]] == LAYOUT_ANY &&
		     (!fresh[res_p] || !tcc_dnnl_op_dst_layout_equal(fresh[res_p], fresh[i]))))
			ok = false;
	}
	for (int i = 0; i < g->n_nodes && ok; i++)
		if (concat_capable(g, &g->nodes[i]) && make_concat(g, i, lay, &concats[i]) != TCC_OK)
			ok = false;
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];

		if (!concats[i])
			continue;
		if (!ok) {
			tcc_dnnl_concat_free(concats[i]);
			continue;
		}
		n->kernel = concat_kernel;
		n->state = concats[i];
		n->free_state = concat_free;
		snprintf(n->kernel_desc, sizeof(n->kernel_desc), "oneDNN concat %s", tcc_dnnl_concat_impl(concats[i]));
		ps->extern_kernels++;
	}
	for (int i = 0; i < g->n_nodes; i++) {
		if (!fresh[i])
			continue;
		ext_state *s = ext_of(g, i);

		if (!ok) {
			tcc_dnnl_op_free(fresh[i]);
			continue;
		}
		tcc_dnnl_op_take_weights(fresh[i], s->op);
		tcc_dnnl_op_free(s->op);
		s->op = fresh[i];
		s->blocked_out = lay[g->nodes[i].out[0]] != LAYOUT_PLAIN;
		snprintf(g->nodes[i].kernel_desc, sizeof(g->nodes[i].kernel_desc), "oneDNN %s%s",
			 tcc_dnnl_op_impl(fresh[i]), s->blocked_out ? ", blocked out" : "");
	}
	for (int t = 0; ok && t < g->n_tensors; t++) {
		if (lay[t] == LAYOUT_PLAIN)
			continue;
		ir_tensor *x = &g->tensors[t];
		const ext_state *s = ext_of(g, x->producer);

		x->nhwc = lay[t] == LAYOUT_NHWC;
		if (s)
			x->alloc_bytes = tcc_dnnl_op_dst_bytes(s->op);
		ps->blocked_tensors++;
	}
	tcc_clear_error();
	free(fresh);
	free(concats);
	free(lay);
	return TCC_OK;
}

tcc_status pass_extern_kernels(ir_graph *g, pass_stats *ps)
{
	ir_graph_recount(g);
	for (int i = 0; i < g->n_nodes; i++) {
		ir_node *n = &g->nodes[i];
		tcc_status st = TCC_OK;

		if (n->dead || n->kernel || !n->shapes_static || n->n_out < 1 || !is_f32(g, n->in[0]) ||
		    !is_f32(g, n->out[0]))
			continue;
		if (!strcmp(n->op_type, "MatMul") && is_f32(g, n->in[1]))
			st = do_matmul(g, i, ps);
		else if (!strcmp(n->op_type, "Gemm") && is_f32(g, n->in[1]))
			st = do_gemm(g, i, ps);
		else if (!strcmp(n->op_type, "Conv") && is_f32(g, n->in[1]))
			st = do_conv(g, i, ps);
		else if (!strcmp(n->op_type, "MaxPool") || !strcmp(n->op_type, "AveragePool") ||
			 !strcmp(n->op_type, "GlobalAveragePool") || !strcmp(n->op_type, "GlobalMaxPool"))
			st = do_pool(g, i, ps);
		if (st)
			return st;
	}
	tcc_status st = propagate_layouts(g, ps);

	if (st)
		return st;
	for (int i = 0; i < g->n_nodes; i++) {
		const ext_state *s = ext_of(g, i);

		if (g->nodes[i].dead || !s)
			continue;
		/* Convs are final only now (layout propagation re-creates them). */
		if (s->kind == EXT_CONV) {
			conv_weights_account(g, &g->nodes[i], &s->desc.conv, s->op, ps);
			offer_packed(g, &g->nodes[i], s->src_b, s->op);
		}
		release_weights(g, &g->nodes[i], s->src_b);
	}
	return TCC_OK;
}
