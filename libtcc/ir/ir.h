/* SPDX-License-Identifier: MIT */
/*
 * Graph IR: a dataflow graph of tensors (values) and nodes (ops), built by
 * the ONNX loader and rewritten by the passes.  Tensors and nodes live in
 * growable arrays and refer to each other by index, so passes can append and
 * mark dead without invalidating anything.
 */
#ifndef TCC_IR_IR_H
#define TCC_IR_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tcc/model.h>

/* A runtime view of a tensor: what kernels read and write. */
typedef struct tv {
	tcc_dtype dtype;
	int rank;
	int64_t dims[TCC_MAX_RANK];
	void *data;
} tv;

int64_t tv_numel(const tv *t);
size_t tv_nbytes(const tv *t);
bool tv_same_shape(const tv *a, const tv *b);

typedef enum ir_tensor_kind {
	IR_INTERMEDIATE = 0,
	IR_INPUT,		/* graph input bound by the caller at run time */
	IR_CONST,		/* initializer, Constant or folded: data owned by the graph */
} ir_tensor_kind;

typedef struct ir_tensor {
	char *name;
	ir_tensor_kind kind;
	tv v;			/* dtype/shape (when known) and, for constants, data */
	bool shape_known;	/* dims valid (inferred or declared) */
	bool type_known;
	const char *dim_params[TCC_MAX_RANK]; /* symbolic names of declared input dims */
	bool is_output;		/* a graph output */
	/*
	 * A constant whose weight buffer holds only its pre-packed form: v.data
	 * points at those packed bytes (never read as plain values).  Only a
	 * oneDNN op reading the record in place may consume it; compiling
	 * anything else fails over to a private load (runtime/compile.c).
	 */
	bool packed_only;
	int producer;		/* node index or -1 */
	int n_uses;		/* live consumer count (plus 1 per graph output use) */
	/* memory plan */
	int64_t arena_offset;	/* -1: not in the arena */
	int alias_of;		/* >= 0: shares the buffer of that tensor (view ops) */
	size_t alloc_bytes;	/* > 0: storage a kernel needs beyond the dense size (blocked layouts) */
	bool nhwc;		/* 4-D [N, C, H, W] stored channels-last (layout propagation) */
} ir_tensor;

typedef enum ir_attr_type {
	IR_ATTR_FLOAT = 1, IR_ATTR_INT, IR_ATTR_STRING, IR_ATTR_TENSOR, IR_ATTR_GRAPH,
	IR_ATTR_FLOATS, IR_ATTR_INTS, IR_ATTR_STRINGS, IR_ATTR_OTHER,
} ir_attr_type;

typedef struct ir_attr {
	char *name;
	ir_attr_type type;
	float f;
	int64_t i;
	char *s;
	int n;			/* element count of floats/ints/strings */
	float *floats;
	int64_t *ints;
	char **strings;
	tv t;			/* IR_ATTR_TENSOR: data owned by the attribute */
} ir_attr;

struct op_def;
struct ir_node;

/* A kernel chosen at compile time (oneDNN primitive, generated code) that replaces op->run. */
typedef tcc_status (*ir_kernel_fn)(const struct ir_node *n, void *state, tv *const *in, int n_in,
				   tv *out, int n_out);

typedef struct ir_node {
	char *name;
	char *op_type;
	const struct op_def *op;
	int n_in, n_out;
	int *in;		/* tensor indices; -1 = omitted optional input */
	int *out;
	int n_attrs;
	ir_attr *attrs;
	bool dead;
	bool shapes_static;	/* every output shape known at load time */
	void *state;		/* prepared kernel state, owned by the node */
	void (*free_state)(void *);
	ir_kernel_fn kernel;	/* NULL: the op's reference kernel */
	char kernel_desc[64];	/* what kernel replaced it, for plans and -v output */
} ir_node;

typedef struct ir_graph {
	ir_tensor *tensors;
	int n_tensors, cap_tensors;
	ir_node *nodes;
	int n_nodes, cap_nodes;
	int *inputs, n_inputs;	/* real (non-initializer) graph inputs */
	int *outputs, n_outputs;
	int64_t opset;		/* default-domain opset version */
	void **blobs;		/* owned constant storage */
	int n_blobs, cap_blobs;
} ir_graph;

ir_graph *ir_graph_new(void);
void ir_graph_free(ir_graph *g);

/* Returns the tensor index for @name, creating an intermediate if new; -1 on OOM. */
int ir_tensor_get(ir_graph *g, const char *name);
int ir_tensor_find(const ir_graph *g, const char *name);
/* The live node reading @t as its only use, as input 1 (a weight), or -1. */
int ir_weight_reader(const ir_graph *g, int t);
/* Are the shapes of all graph inputs known (no symbolic dims)? */
bool ir_inputs_static(const ir_graph *g);
/* A new, uniquely named tensor (name derived from @hint). */
int ir_tensor_new(ir_graph *g, const char *hint);
/* Make tensor @t a constant owning @data (malloc'd, taken over). */
void ir_tensor_set_const(ir_graph *g, int t, const tv *v, void *data);
/* Remember @p so ir_graph_free() releases it. Returns @p or NULL on OOM (and frees it). */
void *ir_graph_own(ir_graph *g, void *p);

/*
 * Frees the data of constant tensor @t early (a kernel took its own copy,
 * e.g. oneDNN prepacked weights) when nothing else will read it.
 */
void ir_tensor_release_data(ir_graph *g, int t);

/* Appends a node; returns its index or -1 on OOM.  Pointers into g->nodes become stale. */
int ir_node_add(ir_graph *g, const char *name, const char *op_type, int n_in, const int *in,
		int n_out, const int *out);

/* Attribute look-ups with defaults. */
const ir_attr *ir_attr_find(const ir_node *n, const char *name);
int64_t ir_attr_int(const ir_node *n, const char *name, int64_t def);
float ir_attr_float(const ir_node *n, const char *name, float def);
const char *ir_attr_str(const ir_node *n, const char *name, const char *def);
/* Returns element count (or -1 when absent) and points *vals at the ints. */
int ir_attr_ints(const ir_node *n, const char *name, const int64_t **vals);

/* Input i of node n, or NULL when absent/omitted. */
static inline ir_tensor *ir_in(ir_graph *g, const ir_node *n, int i)
{
	return (i < n->n_in && n->in[i] >= 0) ? &g->tensors[n->in[i]] : NULL;
}

/* Recomputes producers and use counts from the live nodes. */
void ir_graph_recount(ir_graph *g);

/* Converts between f16/bf16 storage and float. */
float tcc_f16_to_f32(uint16_t h);
uint16_t tcc_f32_to_f16(float f);
float tcc_bf16_to_f32(uint16_t h);
uint16_t tcc_f32_to_bf16(float f);

bool tcc_dtype_is_float(tcc_dtype t);	/* f16, bf16, f32, f64 */
bool tcc_dtype_is_signed_int(tcc_dtype t);
bool tcc_dtype_is_unsigned_int(tcc_dtype t); /* includes bool */

/* Reads/writes element i of a buffer of dtype @t as double / int64. */
double tcc_load_f64(tcc_dtype t, const void *p, int64_t i);
void tcc_store_f64(tcc_dtype t, void *p, int64_t i, double v);
int64_t tcc_load_i64(tcc_dtype t, const void *p, int64_t i);
void tcc_store_i64(tcc_dtype t, void *p, int64_t i, int64_t v);

#endif
