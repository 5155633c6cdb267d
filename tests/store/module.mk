# tests/store: the TCPStore server and clients against each other and against
# PyTorch 1.13 (python3-torch).  run.sh drives everything.
STORE_TEST_BINS := $(BUILD)/tests/store/test_store_client $(BUILD)/tests/store/test_store_wire
TEST_BINS += $(STORE_TEST_BINS)

$(BUILD)/tests/store/%: $(BUILD)/obj/tests/store/%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $< $(TCC_LINK_INTERNAL) -lcmocka

# The request parser's fuzz corpus, replayed without libFuzzer in make check.
TEST_BINS += $(BUILD)/tests/store/fuzz_store_replay

$(BUILD)/tests/store/fuzz_store_replay: tests/fuzz/fuzz_store_request.c $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_REPLAY_MAIN -o $@ $< $(TCC_LINK_INTERNAL)
