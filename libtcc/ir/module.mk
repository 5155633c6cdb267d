# Graph IR: tensors, nodes, attributes, dtypes.
LIBTCC_SRCS += libtcc/ir/ir.c libtcc/ir/dtype.c
