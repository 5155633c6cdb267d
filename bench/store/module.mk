# bench/store: TCPStore connection storm, tcc-store vs PyTorch 1.13's server.
BENCH_BINS += $(BUILD)/bench/store_storm

$(BUILD)/bench/store_storm: $(BUILD)/obj/bench/store/storm.o
	@mkdir -p $(@D)
	$(CC) -o $@ $<
