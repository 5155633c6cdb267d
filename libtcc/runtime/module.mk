# Runtime: model compile pipeline, executor, public model API.
LIBTCC_SRCS += libtcc/runtime/model.c libtcc/runtime/compile.c libtcc/runtime/exec.c libtcc/runtime/plan_print.c libtcc/runtime/specialize.c libtcc/runtime/profile.c
LIBTCC_LDLIBS += -fopenmp
$(BUILD)/obj/libtcc/runtime/%.o $(BUILD)/obj/libtcc/ops/%.o: CFLAGS += -fopenmp
