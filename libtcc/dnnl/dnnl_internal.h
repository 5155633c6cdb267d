/* SPDX-License-Identifier: MIT */
/* Internal to libtcc/dnnl: the op object shared by the matmul/conv/pool files. */
#ifndef TCC_DNNL_INTERNAL_H
#define TCC_DNNL_INTERNAL_H

#include <oneapi/dnnl/dnnl.h>

#include "dnnl/dnnl_ops.h"

/*
 * A reorder at a layout edge, with the buffer it writes: user layout ->
 * primitive layout on the way in (src, residual), primitive -> user on the
 * way out (dst).
 */
typedef struct tcc_dnnl_edge {
	dnnl_primitive_t prim;		/* NULL: no reorder at this edge */
	dnnl_memory_t from, to;
	void *buf;			/* the primitive-side buffer */
} tcc_dnnl_edge;

struct tcc_dnnl_op {
	const char *what;		/* "matmul", "conv", ... for messages */
	dnnl_primitive_t prim;
	dnnl_stream_t stream;

	/* Memory objects the primitive executes on; handles set per run. */
	dnnl_memory_t src_mem, srcb_mem, wei_mem, bias_mem, dst_mem;
	/*
	 * The residual add is oneDNN's "sum" post-op: the primitive adds what
	 * its dst buffer holds before it runs.  run() puts the residual there
	 * (nothing to do when the caller passes residual == dst).
	 */
	bool has_residual;
	size_t prim_dst_bytes;

	tcc_dnnl_edge in_edge, res_edge, out_edge;

	/* Constant operands other than weights/bias (layer norm's scale and
	 * shift), passed on every execute. */
	dnnl_exec_arg_t const_args[2];
	int n_const_args;
	void *const_bufs[2];

	/* Layouts as the caller sees them (after the edges). */
	dnnl_memory_desc_t user_src_md, user_dst_md;
	bool dst_blocked;

	void *wei_buf, *bias_buf;	/* prepacked constants, owned */
	/* The prepacked weights (wei_buf or the caller's packed bytes) and their
	 * fingerprint; NULL without constant weights. */
	const void *packed;
	size_t packed_bytes;
	uint64_t packed_fingerprint;
	bool weights_in_place;		/* packed is the caller's bytes, not wei_buf */
	bool serial;			/* tiny: created and run on the calling thread alone */
	char impl[64];
};

/* The process-wide CPU engine (created on first use). */
tcc_status tcc_dnnl_engine(dnnl_engine_t *engine);

/* Map a failed dnnl call to a tcc_status with a message naming @what. */
tcc_status tcc_dnnl_fail(dnnl_status_t st, const char *what);

#define DNNL_TRY(call, what)                                         \
	do {                                                         \
		dnnl_status_t st_ = (call);                          \
		if (st_ != dnnl_success)                             \
			return tcc_dnnl_fail(st_, what);             \
	} while (0)

/* A new zeroed op with its stream. */
tcc_status tcc_dnnl_op_alloc(tcc_dnnl_op **out, const char *what);

/*
 * Build an attribute holding @post (the residual add as a sum post-op).
 * Sets *@add_index to the post-op index of the add or -1.
 */
tcc_status tcc_dnnl_make_attr(dnnl_primitive_attr_t *attr, const tcc_dnnl_post_ops *post, int *add_index);

/*
 * Finish an op whose primitive descriptor @pd is chosen: create the
 * primitive, the memory objects for @pd's src/dst (and src_b/bias/residual
 * as present), and the edges from @user_src / to @user_dst when those
 * differ from the primitive's layouts.  Takes ownership of nothing.
 */
tcc_status tcc_dnnl_op_finish(tcc_dnnl_op *op, const_dnnl_primitive_desc_t pd,
			      const dnnl_memory_desc_t *user_src,
			      const dnnl_memory_desc_t *user_dst, int add_index,
			      bool has_src_b, bool has_bias);

/*
 * Reorder constant @data in layout @from into a new buffer in layout @to
 * (the prepacking step).  *@buf is malloc'd; *@mem wraps it.
 */
tcc_status tcc_dnnl_prepack(const void *data, const dnnl_memory_desc_t *from,
			    const dnnl_memory_desc_t *to, void **buf, dnnl_memory_t *mem);

/* An edge reorder from layout @from to layout @to (buffer on @to's side if @own_to). */
tcc_status tcc_dnnl_edge_init(tcc_dnnl_edge *e, const dnnl_memory_desc_t *from,
			      const dnnl_memory_desc_t *to, bool own_to);

/*
 * Fingerprints of prepacked weights (dnnl_packed.c): start with the oneDNN
 * version and the ISA it dispatches to, add the op's own parameters, end
 * with the weights memory descriptor the primitive chose.
 */
uint64_t tcc_dnnl_fp_begin(void);
uint64_t tcc_dnnl_fp_add(uint64_t h, const void *p, size_t n);
uint64_t tcc_dnnl_fp_md(uint64_t h, const dnnl_memory_desc_t *md);
#define TCC_DNNL_FP_ADD(h, v) ((h) = tcc_dnnl_fp_add((h), &(v), sizeof(v)))

/*
 * Make @packed (from a shared weight buffer) @op's weights memory in place
 * when its fingerprint and size are those this primitive wants (@wmd, @fp);
 * false, and nothing set, otherwise.
 */
bool tcc_dnnl_use_packed(tcc_dnnl_op *op, const dnnl_memory_desc_t *wmd, uint64_t fp, const void *packed,
			 size_t packed_bytes, uint64_t packed_fp);

/* Same layout, other element type (f32 <-> bf16 at bf16 ops' edges). */
void tcc_dnnl_md_set_dt(dnnl_memory_desc_t *md, dnnl_data_type_t dt);

/* Plain dense row-major md of @ndims @dims. */
void tcc_dnnl_plain_md(dnnl_memory_desc_t *md, int ndims, const dnnl_dim_t *dims);
/* The caller's view of a 4-D activation [N, C, H, W]: dense NCHW, or NHWC when @nhwc. */
void tcc_dnnl_user_md(dnnl_memory_desc_t *md, const dnnl_dim_t *dims, bool nhwc);

#endif
