# bench/queue: empty-job round trip (SIM, CPU) vs an eventfd ping-pong, jobs/s with 4 clients.
BENCH_BINS += $(BUILD)/bench/queue_bench

$(BUILD)/bench/queue_bench: $(BUILD)/obj/bench/queue/queue_bench.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL)
