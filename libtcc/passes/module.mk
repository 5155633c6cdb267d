# Graph passes: inference + constant folding, DCE, BatchNorm folding, fusion, memory plan.
LIBTCC_SRCS += libtcc/passes/infer_fold.c libtcc/passes/dce.c libtcc/passes/plan.c libtcc/passes/bn_fold.c libtcc/passes/extern.c libtcc/passes/ln_fuse.c libtcc/passes/fuse_pointwise.c
LIBTCC_SRCS += libtcc/passes/norm_dnnl.c libtcc/passes/transpose_fold.c libtcc/passes/pad_fold.c
