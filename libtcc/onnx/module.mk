# ONNX loader: protobuf-c bindings generated at build time from the onnx.proto
# that Debian's libonnx-dev ships, then ModelProto -> graph IR.
ONNX_PROTO   ?= /usr/include/onnx/onnx.proto
ONNX_GEN_DIR := $(BUILD)/gen/onnx
ONNX_GEN_C   := $(ONNX_GEN_DIR)/onnx.pb-c.c
ONNX_GEN_H   := $(ONNX_GEN_DIR)/onnx.pb-c.h

LIBTCC_SRCS += libtcc/onnx/loader.c libtcc/onnx/tensor_proto.c libtcc/onnx/strip.c
LIBTCC_GEN_SRCS += $(ONNX_GEN_C)
LIBTCC_PKGS += libprotobuf-c

$(ONNX_GEN_C) $(ONNX_GEN_H) &: $(ONNX_PROTO)
	@mkdir -p $(ONNX_GEN_DIR)
	protoc-c --c_out=$(ONNX_GEN_DIR) -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)

$(ONNX_GEN_DIR)/onnx.pb-c.o: $(ONNX_GEN_C)
	$(CC) $(ALL_CFLAGS) -I$(ONNX_GEN_DIR) -c $< -o $@

# Everything in libtcc/onnx includes the generated header.
$(patsubst %.c,$(BUILD)/obj/%.o,$(filter libtcc/onnx/%.c,$(LIBTCC_SRCS))): $(ONNX_GEN_H)
