# Fuzzing.  Each tests/fuzz/fuzz_NAME.c is a libFuzzer harness
# (LLVMFuzzerTestOneInput) with seeds in tests/fuzz/corpus/NAME/.
#   make check                 replays every corpus (replay_NAME: the harness
#                              built with $(CC) and replay_main.c, no libFuzzer)
#   make fuzz FUZZ_S=N         runs each harness under libFuzzer with ASan and
#                              UBSan for N seconds (clang-14, libfuzzer-14-dev);
#                              the library is rebuilt instrumented in $(BUILD)/fuzz
# A harness that needs sources outside the library names them in
# FUZZ_EXTRA_NAME.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_EXTRA_npy := tools/tcc-run/npy.c
FUZZ_REPLAY_BINS := $(FUZZ_NAMES:%=$(BUILD)/tests/fuzz/replay_%)
TEST_BINS += $(FUZZ_REPLAY_BINS)

FUZZ_S ?= 60
FUZZ_CC ?= clang-14
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

define fuzz_replay_rule
$(BUILD)/tests/fuzz/replay_$(1): $(BUILD)/obj/tests/fuzz/fuzz_$(1).o $(BUILD)/obj/tests/fuzz/replay_main.o \
		$(FUZZ_EXTRA_$(1):%.c=$(BUILD)/obj/%.o) $(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) -o $$@ $$(filter %.o,$$^) $$(TCC_LINK_INTERNAL)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_replay_rule,$(n))))

.PHONY: fuzz fuzz-build
fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) CFLAGS='-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link' \
		$(FUZZ_BUILD)/lib/lib$(LIB_NAME).a
	@set -e; for n in $(FUZZ_NAMES); do \
	  echo "  FUZZ  $(FUZZ_BUILD)/fuzz_$$n"; \
	  $(FUZZ_CC) -std=c11 -D_GNU_SOURCE -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer -Iinclude -Ilibtcc \
	    -o $(FUZZ_BUILD)/fuzz_$$n tests/fuzz/fuzz_$$n.c $$($(MAKE) -s --no-print-directory fuzz-extra-$$n) \
	    $(FUZZ_BUILD)/lib/lib$(LIB_NAME).a $(LIBTCC_PKG_LIBS) $(LIBTCC_LDLIBS) -fopenmp -pthread \
	    $$($(FUZZ_CC) -print-libgcc-file-name --rtlib=compiler-rt); \
	done

fuzz-extra-%:
	@echo $(FUZZ_EXTRA_$*)

# New inputs go to $(FUZZ_BUILD)/corpus/NAME, crashes to $(FUZZ_BUILD)/artifacts/.
# Every harness runs even when an earlier one found something; the target
# fails at the end if any did.
fuzz: fuzz-build
	@rc=0; mkdir -p $(FUZZ_BUILD)/artifacts; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	  echo "=== fuzz_$$n for $(FUZZ_S) s"; \
	  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(FUZZ_BUILD)/fuzz_$$n -max_total_time=$(FUZZ_S) -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$n- $(FUZZ_BUILD)/corpus/$$n tests/fuzz/corpus/$$n || \
	    { rc=1; echo "=== fuzz_$$n found a problem: see $(FUZZ_BUILD)/artifacts/$$n-*"; }; \
	done; exit $$rc
