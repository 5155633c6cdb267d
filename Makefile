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
LIBDIR  ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
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

# Before anything is built: are the Debian packages that building needs
# installed?  If not, tools/bootstrap says which and the one command that
# installs them (on stderr), instead of a compiler error about the first
# missing header or program.  Checked again only when the package lists
# change; run and check install them first, so they skip this.
DEPS_OK := $(BUILD)/gen/deps.ok
NO_DEPS_GOALS := clean bootstrap run check check-suites uninstall
ifneq ($(filter-out $(NO_DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
ifneq ($(shell [ -f $(DEPS_OK) ] && [ -z "$$(find tools/deps.d tools/bootstrap -newer $(DEPS_OK))" ] && echo ok),ok)
ifneq ($(shell tools/bootstrap --check run && mkdir -p $(BUILD)/gen && touch $(DEPS_OK) && echo ok),ok)
$(error Debian packages needed to build are missing (see above))
endif
endif
endif

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

.PHONY: all lib tools kmod tests run check check-stress bootstrap install uninstall clean
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

# tccml.pc for the prefix being installed: `pc_write,FILE` writes it for
# PREFIX/LIBDIR/INCLUDEDIR as they are now.  The build tree's copy is
# rewritten whenever they change (the stamp holds their values), so
# `make PREFIX=/opt/x` after `make` does not keep the old prefix.
define pc_write
	@mkdir -p $(dir $(1))
	@printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))' \
	  'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))' '' \
	  'Name: $(LIB_NAME)' 'Description: tcc ML inference runtime (not TinyCC)' 'Version: $(LIB_VERSION)' \
	  'Requires.private: $(sort $(LIBTCC_PKGS))' 'Libs: -L$${libdir} -l$(LIB_NAME)' \
	  'Libs.private: $(LIBTCC_LDLIBS) -pthread' 'Cflags: -I$${includedir}' > $(1)
endef
PC_STAMP := $(BUILD)/gen/pc-vars
PC_VARS  := $(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(sort $(LIBTCC_PKGS)) $(LIBTCC_LDLIBS)
ifneq ($(strip $(file < $(PC_STAMP))),$(strip $(PC_VARS)))
$(shell mkdir -p $(BUILD)/gen && echo '$(PC_VARS)' > $(PC_STAMP))
endif
$(LIB_PC): $(PC_STAMP) Makefile
	$(call pc_write,$@)

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
# the host kernel here is not the kernel the module is tested on).  Its
# objects go to $(BUILD)/kmod, not the source tree: kbuild builds there
# (M=) from a one-line Kbuild that points src back at ./Kbuild.
KMOD_OUT := $(abspath $(BUILD))/kmod
kmod:
	@if [ -d "$(KDIR)" ]; then \
	  echo "kmod: building tcc.ko against $(KDIR) in $(BUILD)/kmod"; \
	  mkdir -p "$(KMOD_OUT)/kmod" "$(KMOD_OUT)/firmware-stubs" && \
	  printf 'src := %s\ninclude $$(src)/Kbuild\n' "$(CURDIR)" > "$(KMOD_OUT)/Kbuild" && \
	  $(MAKE) -C "$(KDIR)" M="$(KMOD_OUT)" modules; \
	else \
	  echo "kmod: no kernel headers at '$(KDIR)' (install linux-headers-amd64 or set KDIR); tcc.ko not built"; \
	fi

# `tools/bootstrap run`: what building and running a model needs;
# `tools/bootstrap check`: also the kernel, QEMU, PyTorch and kernel sources.
bootstrap:
	@tools/bootstrap check

# The main job: compile and run a model on the embedded default (no module, no root).
run:
	@tools/bootstrap run
	$(MAKE) all
	examples/run-demo.sh

# The totals are the last line, also on failure: make's own error line would
# come after a failing recipe, so the verdict is reported with $$(error),
# whose message is the totals line.
# (A recipe is expanded only when it is about to run, after check-suites.)
TEST_RC := $(BUILD)/test-rc
check: check-suites
	@$(if $(filter-out 0,$(strip $(file < $(TEST_RC)))),$(error $(or $(strip $(file < $(BUILD)/test-summary.txt)),tests/run-all.sh failed before its totals)))

.PHONY: check-suites
check-suites:
	@tools/bootstrap check
	$(MAKE) tests
	@rm -f $(TEST_RC) $(BUILD)/test-summary.txt
	@tests/run-all.sh; echo $$? > $(TEST_RC)

# Every module test program STRESS_N times in one QEMU boot (not part of
# `make check`): a flaky test shows up here.  STRESS_PROGS=lib_weights_test
# picks programs.
STRESS_N ?= 50
STRESS_PROGS ?=
check-stress: tests
	tests/kmod/run.sh --repeat $(STRESS_N) $(STRESS_PROGS)

# A packager's install: PREFIX, LIBDIR, INCLUDEDIR, BINDIR and DESTDIR.  The
# tools find the library through their rpath ($$ORIGIN/../lib); programs
# built against it find it through the loader's cache, refreshed here when
# installing as root into the live system.
INSTALL ?= install
install: lib tools
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/tcc $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(LIB_SO).$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/
	ln -sf lib$(LIB_NAME).so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/lib$(LIB_NAME).so.0
	ln -sf lib$(LIB_NAME).so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/lib$(LIB_NAME).so
	$(INSTALL) -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	$(call pc_write,$(DESTDIR)$(LIBDIR)/pkgconfig/$(LIB_NAME).pc)
	$(INSTALL) -m 644 include/tcc/*.h $(DESTDIR)$(INCLUDEDIR)/tcc/
	$(INSTALL) -m 755 $(TOOL_BINS) $(DESTDIR)$(BINDIR)/
	@$(call ldconfig_note)

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/lib$(LIB_NAME).so $(DESTDIR)$(LIBDIR)/lib$(LIB_NAME).so.0 \
	  $(DESTDIR)$(LIBDIR)/lib$(LIB_NAME).so.$(LIB_VERSION) $(DESTDIR)$(LIBDIR)/lib$(LIB_NAME).a \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/$(LIB_NAME).pc
	rm -f $(addprefix $(DESTDIR)$(INCLUDEDIR)/tcc/,$(notdir $(wildcard include/tcc/*.h)))
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(TOOLS))
	@rmdir $(DESTDIR)$(INCLUDEDIR)/tcc 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && $(LD_SEARCHED); then $(LDCONFIG); fi

# The loader's cache is refreshed (as root, no DESTDIR) only when LIBDIR is
# one of the directories it searches (ld.so.conf or built in); for another
# prefix, say how programs find the library.
LDCONFIG ?= /sbin/ldconfig
LD_SEARCHED = $(LDCONFIG) -v -N 2>/dev/null | grep -q '^$(LIBDIR):'
define ldconfig_note
if [ -n "$(DESTDIR)" ]; then :; \
elif $(LD_SEARCHED); then \
  if [ "$$(id -u)" = 0 ]; then echo "$(LDCONFIG)"; $(LDCONFIG); \
  else echo "install: run $(LDCONFIG) as root so that the loader sees the new library"; fi; \
else \
  echo "install: $(LIBDIR) is not in the dynamic loader's path: run programs built against"; \
  echo "install: libtccml with LD_LIBRARY_PATH=$(LIBDIR), or add $(LIBDIR) to /etc/ld.so.conf.d/ and run ldconfig"; \
fi
endef

# (The rest is what kbuild left in the source tree before its output moved
# to $(BUILD)/kmod.)
clean:
	rm -rf $(BUILD)
	rm -rf tcc.ko tcc.o tcc.mod tcc.mod.c tcc.mod.o Module.symvers modules.order .tmp_[0-9]* \
	  .*.cmd kmod/*.o kmod/.*.cmd firmware-stubs/*.o firmware-stubs/.*.cmd

.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
endif
