# tcc top-level build.  `make` builds libtccml (shared + static + pkg-config),
# the tools and tcc.ko; `make run` is the main job; `make check` runs every suite.
#
# Components add themselves through fragments so that each owns its own rules:
#   libtcc/<part>/module.mk, tools/<tool>.mk, tests/<suite>/module.mk, bench/module.mk
# A fragment appends to LIBTCC_SRCS, LIBTCC_LDLIBS, LIBTCC_PKGS, TOOLS,
# TEST_BINS and defines the rules for anything special it builds.
#
# The library is called libtccml (pkg-config `tccml`, headers under <tcc/...>)
# because Debian's TinyCC already owns libtcc.so, libtcc.a and libtcc.h.

ifneq ($(KERNELRELEASE),)
# Invoked by kbuild: the module is described by ./Kbuild.
include $(src)/Kbuild
else
.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
KVER    ?= $(shell ls /lib/modules 2>/dev/null | sort -V | tail -1)
KDIR    ?= /lib/modules/$(KVER)/build

WARN     := -Wall -Wextra -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -fPIC -pthread $(WARN) $(CFLAGS) \
             -Iinclude -Ilibtcc -I$(BUILD)/gen $(LIBTCC_PKG_CFLAGS)
DEPFLAGS = -MMD -MP

LIB_NAME    := tccml
LIB_VERSION := 0.1.0
LIB_SO      := $(BUILD)/lib/lib$(LIB_NAME).so
LIB_A       := $(BUILD)/lib/lib$(LIB_NAME).a
LIB_PC      := $(BUILD)/lib/pkgconfig/$(LIB_NAME).pc

LIBTCC_SRCS   :=
LIBTCC_GEN_SRCS :=
LIBTCC_PKGS   :=
LIBTCC_LDLIBS := -lm -ldl
TOOLS         :=
TEST_BINS     :=

include $(sort $(wildcard libtcc/*/module.mk))
include $(sort $(wildcard tools/*.mk))
include $(sort $(wildcard tests/*/module.mk))
include $(sort $(wildcard bench/module.mk bench/*/module.mk))

LIBTCC_PKG_CFLAGS := $(if $(strip $(LIBTCC_PKGS)),$(shell pkg-config --cflags $(LIBTCC_PKGS) 2>/dev/null))
LIBTCC_PKG_LIBS   := $(if $(strip $(LIBTCC_PKGS)),$(shell pkg-config --libs $(LIBTCC_PKGS) 2>/dev/null))

LIBTCC_OBJS := $(LIBTCC_SRCS:%.c=$(BUILD)/obj/%.o) $(LIBTCC_GEN_SRCS:%.c=%.o)
TOOL_BINS   := $(TOOLS:%=$(BUILD)/bin/%)

# Link line for anything that uses the shared library from the build tree.
TCC_LINK = -L$(BUILD)/lib -l$(LIB_NAME) -Wl,-rpath,'$$ORIGIN/../lib' $(LIBTCC_PKG_LIBS) $(LIBTCC_LDLIBS) -pthread
# The shared library exports the public API only (include/tcc/*.h); tests,
# benchmarks and the tools that reach into internals link the archive.
TCC_LINK_INTERNAL = $(LIB_A) $(LIBTCC_PKG_LIBS) $(LIBTCC_LDLIBS) -pthread
LIB_MAP := $(BUILD)/gen/lib$(LIB_NAME).map

.PHONY: all lib tools kmod tests run check bootstrap install clean
all: lib tools kmod

lib: $(LIB_SO) $(LIB_A) $(LIB_PC)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@

# Every tcc_* function the public headers declare, and nothing else.
$(LIB_MAP): $(wildcard include/tcc/*.h) Makefile
	@mkdir -p $(@D)
	@{ echo '{ global:'; grep -ho '\btcc_[a-z0-9_]*[[:space:]]*(' include/tcc/*.h | \
	   sed 's/[[:space:]]*($$/;/' | sort -u; echo 'local: *; };'; } > $@

$(LIB_SO): $(LIBTCC_OBJS) $(LIB_MAP)
	@mkdir -p $(@D)
	$(CC) -shared -Wl,-soname,lib$(LIB_NAME).so.0 -Wl,--version-script=$(LIB_MAP) -o $@.$(LIB_VERSION) \
	  $(filter %.o,$^) $(LIBTCC_PKG_LIBS) $(LIBTCC_LDLIBS) -pthread
	ln -sf lib$(LIB_NAME).so.$(LIB_VERSION) $(BUILD)/lib/lib$(LIB_NAME).so.0
	ln -sf lib$(LIB_NAME).so.$(LIB_VERSION) $@

$(LIB_A): $(LIBTCC_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(LIB_PC): Makefile
	@mkdir -p $(@D)
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' 'includedir=$${prefix}/include' '' \
	  'Name: $(LIB_NAME)' 'Description: tcc ML inference runtime (not TinyCC)' 'Version: $(LIB_VERSION)' \
	  'Requires.private: $(LIBTCC_PKGS)' 'Libs: -L$${libdir} -l$(LIB_NAME)' \
	  'Libs.private: $(LIBTCC_LDLIBS) -pthread' 'Cflags: -I$${includedir}' > $@

tools: $(TOOL_BINS)

# tools/<name>.mk sets <name>_SRCS; a tool links the shared library, or the
# archive when it sets <name>_INTERNAL := 1 (it calls functions not in include/tcc).
define tool_rule
$(BUILD)/bin/$(1): $$($(1)_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB_SO) $(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) -o $$@ $$(filter %.o,$$^) $$(if $$($(1)_INTERNAL),$$(TCC_LINK_INTERNAL),$$(TCC_LINK))
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

tests: all $(TEST_BINS)

# tcc.ko: built against the newest installed kernel headers (not uname -r:
# the host kernel here is not the kernel the module is tested on).
kmod:
	@if [ -d "$(KDIR)" ]; then \
	  $(MAKE) -C "$(KDIR)" M="$(CURDIR)" modules; \
	else \
	  echo "kmod: no kernel headers at '$(KDIR)' (install linux-headers-amd64 or set KDIR); tcc.ko not built"; \
	fi

bootstrap:
	@tools/bootstrap

# The main job: compile and run a model on the embedded default (no module, no root).
run: bootstrap
	$(MAKE) all
	examples/run-demo.sh

check: bootstrap
	$(MAKE) tests
	tests/run-all.sh

install: lib tools
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/tcc $(DESTDIR)$(PREFIX)/bin
	cp -P $(BUILD)/lib/lib$(LIB_NAME).so* $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 $(LIB_PC) $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 include/tcc/*.h $(DESTDIR)$(PREFIX)/include/tcc/
	install -m 755 $(TOOL_BINS) $(DESTDIR)$(PREFIX)/bin/

clean:
	rm -rf $(BUILD)
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi

.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
endif
