# bench/: not part of `make check`.  `make bench-bins` builds the helper
# binaries bench/run.sh needs; bench/run.sh does everything else.
BENCH_BINS := $(BUILD)/bench/dnnl_peak $(BUILD)/bench/dnnl_resnet18

.PHONY: bench-bins bench
bench-bins: $(BENCH_BINS)

bench: lib tools bench-bins
	bench/run.sh

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -ldnnl
