# tcc.ko kselftests (run in a QEMU guest by tests/kmod/run.sh).
#
# Every tests/kmod/*_test.c is one static program built against the kernel's
# kselftest_harness.h (cached by tools/deps.d/kmod.sh).  Naming rule:
#   tests/kmod/<name>_test.c      links libdrm only (raw uapi tests)
#   tests/kmod/lib_<name>_test.c  also links build/lib/libtccml.a, to run
#                                 libtccml's module paths against tcc.ko
# Static linking pulls only the archive members a test uses; a part whose
# code needs more libraries appends them to KMOD_LIB_LDLIBS (static .a
# versions must exist: check with `gcc -static`).
TCC_KSELFTEST_DIR ?= /var/cache/tcc/kselftest
KMOD_TEST_SRCS := $(sort $(wildcard tests/kmod/*_test.c))
KMOD_TEST_BINS := $(KMOD_TEST_SRCS:tests/kmod/%.c=$(BUILD)/tests/kmod/%)
KMOD_LIB_LDLIBS += -ldrm -lm -ldl -pthread
KMOD_TEST_CFLAGS = -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wno-sign-compare \
		   -I$(TCC_KSELFTEST_DIR) -Iinclude -Ilibtcc -Itests/kmod \
		   $(shell pkg-config --cflags libdrm 2>/dev/null)
KMOD_TEST_DEPS = tests/kmod/tcc_test_util.h include/uapi/drm/tcc_drm.h

# Without the kselftest headers the suite reports a SKIP (tests/kmod/run.sh).
ifneq ($(wildcard $(TCC_KSELFTEST_DIR)/kselftest_harness.h),)
TEST_BINS += $(KMOD_TEST_BINS)
endif

$(BUILD)/tests/kmod/lib_%_test: tests/kmod/lib_%_test.c $(KMOD_TEST_DEPS) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(KMOD_TEST_CFLAGS) -static -o $@ $< $(LIB_A) $(KMOD_LIB_LDLIBS)

$(BUILD)/tests/kmod/%_test: tests/kmod/%_test.c $(KMOD_TEST_DEPS)
	@mkdir -p $(@D)
	$(CC) $(KMOD_TEST_CFLAGS) -static -o $@ $< -ldrm -pthread

.PHONY: kmod-tests
kmod-tests: $(KMOD_TEST_BINS)

# tccctl for the guest, linked statically (tests/kmod/tccctl_test runs it).
# If some subcommand needs a library that has no static archive, the link
# fails softly and run.sh copies the dynamic build/bin/tccctl with its
# shared libraries instead (slower to boot: libdnnl alone is 40 MB).
KMOD_GUEST_TCCCTL := $(BUILD)/tests/kmod/guest/tccctl
ifneq ($(wildcard $(TCC_KSELFTEST_DIR)/kselftest_harness.h),)
TEST_BINS += $(KMOD_GUEST_TCCCTL)
endif
$(KMOD_GUEST_TCCCTL): $(tccctl_SRCS) tools/tccctl/tccctl.h $(LIB_A)
	@mkdir -p $(@D)
	@$(CC) $(KMOD_TEST_CFLAGS) -static -o $@ $(tccctl_SRCS) $(LIB_A) $(KMOD_LIB_LDLIBS) 2>$@.log || \
	  { rm -f $@; echo "kmod: static tccctl did not link (see $@.log); the guest gets the dynamic one"; }
