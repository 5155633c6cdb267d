# bench/weights: N processes sharing one sealed weight buffer vs N private copies.
BENCH_BINS += $(BUILD)/bench/weights_bench

$(BUILD)/bench/weights_bench: $(BUILD)/obj/bench/weights/weights_bench.o $(BUILD)/obj/bench/weights/workers.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(filter %.o,$^) $(TCC_LINK_INTERNAL)
