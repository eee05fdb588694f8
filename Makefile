# solo5-spt: the one entry point.
#
#   make                 build the tender, the SDK and the examples
#   make demo            build, then run the example unikernels
#   make check           build, build the tests, then run every test
#   make golden-update   rewrite the golden copies (tests/golden/: the
#                        policies, the guest's mappings) from what is seen
#                        now, for review (root)
#   make fuzz            fuzz the loader and the command line, FUZZ_SECONDS
#                        (default 60) per harness
#   make fuzz-demo       AFL++ finds the bug planted in examples/fuzz, at
#                        most FUZZ_DEMO_SECONDS (default 60), and replays it
#   make bench           build, then measure the guests against their limits
#   make install         PREFIX=/usr/local DESTDIR= (staged installs)
#   make uninstall       the same PREFIX and DESTDIR: remove what install put
#   make clean
#
# Missing Debian packages are installed first (as root), or named:
# building needs only the build list of mk/deps.sh, the tests also its
# test list.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
B := build
SDK := $(B)/sdk

CC := gcc
HOST_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	-fPIE -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-DSPT_VERSION='"$(VERSION)"'
# Each folder sees only the headers it may use (set in its module.mk):
# the loader and the policy know nothing of the tender or of each other.
# Tests and tools see everything.
HOST_INC := -Iloader -Ifilters -Ispt -Iguest-abi/include
# The tender is static and position-independent: no dynamic loader to run
# at start-up, and it lives far above guest memory.
TENDER_LDFLAGS := -static-pie

.PHONY: all demo check golden-update bench fuzz install uninstall clean deps
.DEFAULT_GOAL := all

# Every object waits for the package check of the goals asked for, so a
# missing package is named before anything compiles, and building never
# demands a test-only tool.
DEPS_TEST_GOALS := check golden-update bench fuzz
DEPS_KIND := $(if $(filter $(DEPS_TEST_GOALS),$(MAKECMDGOALS)),test,build)
DEPS_STAMP := $(B)/.deps-$(DEPS_KIND)
$(DEPS_STAMP): mk/deps.sh
	@./mk/deps.sh $(DEPS_KIND)
	@mkdir -p $(@D) && touch $@
deps: $(DEPS_STAMP)

# Host objects: build/host/<path>.o, with header dependencies.
$(B)/host/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_INC) -MMD -MP -c $< -o $@
$(B)/host/%.o: %.S | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(HOST_CFLAGS) $(HOST_INC) -c $< -o $@

include loader/module.mk
include filters/module.mk
include spt/module.mk
include guest-abi/module.mk
include examples/module.mk
include tests/module.mk
include tests/fuzzmode/module.mk
include tests/bench/module.mk
include tests/asan/module.mk
include tests/malformed/module.mk
include tests/fuzz/module.mk
include tests/container/module.mk
include tests/toolchain/module.mk
include tests/afl/module.mk

# The tests are built by `make check` (they need the test packages).
all: $(TENDER) $(SDK_FILES) $(EXAMPLES)

# `make check` runs these suites, in this order, and stops at the first
# that fails. Suite NAME is defined beside what it tests: CHECK_BANNER_NAME
# is its "== ..." line, CHECK_RUN_NAME its recipe lines, CHECK_NEEDS_NAME
# what it needs built beyond `all`, if anything.
CHECK_SUITES := \
	$(UNIT_TESTS) \
	compat \
	golden \
	sdk \
	guests \
	block \
	escape \
	escape_supervised \
	fuzzmode \
	escape_fuzz \
	process \
	net \
	container \
	docs \
	install \
	toolchain \
	toolchain_dropin \
	asan_unit \
	malformed \
	fuzz \
	afl
$(foreach s,$(CHECK_SUITES),$(if $(value CHECK_RUN_$(s)),,\
	$(error make check: no CHECK_RUN_$(s) for suite $(s))))

define newline


endef
check_suite = @echo "== $(CHECK_BANNER_$(1))"$(newline)$(CHECK_RUN_$(1))\
	$(newline)
check: all $(foreach s,$(CHECK_SUITES),$(CHECK_NEEDS_$(s)))
	$(foreach s,$(CHECK_SUITES),$(call check_suite,$(s)))

# What `make check` compares with tests/golden/ (the net guest's copy is
# in the net suite, which has a tap), rewritten on purpose only: review the
# result with `git diff tests/golden` before committing it.
golden-update: all $(TEST_PROGS)
	SPT_BUILD=$(B) ./tests/golden/test_golden.sh --update-golden
	SPT_BUILD=$(B) ./tests/net/test_net.sh --update-golden
	SPT_BUILD=$(B) $(B)/tests/e2e/test_process --update-golden
	SPT_BUILD=$(B) $(B)/tests/fuzzmode/test_fuzzmode --update-golden

DEMO_IMG := $(B)/examples/blk.img
demo: all
	@echo "== $(TENDER) $(B)/examples/hello.spt"
	@$(TENDER) $(B)/examples/hello.spt
	@rm -f $(DEMO_IMG) && truncate -s 4M $(DEMO_IMG)
	@echo "== $(TENDER) --block:storage=$(DEMO_IMG) $(B)/examples/blk.spt"
	@$(TENDER) --block:storage=$(DEMO_IMG) $(B)/examples/blk.spt

# The man page carries the version; tests/docs_test.sh checks it against
# solo5-spt --help.
MAN_PAGE := $(B)/share/man/man1/solo5-spt.1
$(MAN_PAGE): docs/solo5-spt.1.in
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(VERSION)|' $< >$@
check: $(MAN_PAGE)

# The pkg-config file carries the installed driver's own flags, so that
# build systems that call the compiler themselves use the same ones, with
# every path under ${prefix}: PKG_CONFIG_SYSROOT_DIR and --define-prefix
# then find a staged or moved SDK.
PC_FILE = $(DESTDIR)$(PREFIX)/lib/pkgconfig/solo5-bindings-spt.pc
INSTALL_BINS = $(TENDER) $(SDK_BIN)
install: $(TENDER) $(SDK_FILES) $(MAN_PAGE)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/solo5-spt \
	    $(DESTDIR)$(PREFIX)/include/solo5-spt/solo5 \
	    $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(INSTALL_BINS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(MAN_PAGE) $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(SDK_LIBFILES) $(DESTDIR)$(PREFIX)/lib/solo5-spt
	install -m 644 $(SDK_TOP_HEADERS) $(DESTDIR)$(PREFIX)/include/solo5-spt
	install -m 644 $(SDK_ABI_HEADERS) \
	    $(DESTDIR)$(PREFIX)/include/solo5-spt/solo5
	rm -rf $(DESTDIR)$(PREFIX)/include/solo5-spt/$(notdir $(SDK_COMPILER_DIR))
	cp -R $(SDK_COMPILER_DIR) $(DESTDIR)$(PREFIX)/include/solo5-spt/
	{ echo "prefix=$(PREFIX)"; \
	  { echo "Name: solo5-bindings-spt"; \
	    echo "Description: Solo5 spt bindings of the solo5-spt SDK"; \
	    echo "Version: $(VERSION)"; \
	    echo "Cflags: $$($(DESTDIR)$(PREFIX)/bin/solo5-spt-cc --print-cflags)"; \
	    echo "Libs: $$($(DESTDIR)$(PREFIX)/bin/solo5-spt-cc --print-ldflags)"; \
	  } | sed "s|$$(realpath $(DESTDIR)$(PREFIX))|\$${prefix}|g"; \
	} >$(PC_FILE)

# Exactly what install put there, named from the same lists; then the
# directories that are ours alone, when nothing else is left in them.
# tests/install_test.sh checks that the two stay in step.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(INSTALL_BINS))) \
	    $(addprefix $(DESTDIR)$(PREFIX)/lib/solo5-spt/,\
	        $(notdir $(SDK_LIBFILES))) \
	    $(addprefix $(DESTDIR)$(PREFIX)/include/solo5-spt/,\
	        $(notdir $(SDK_TOP_HEADERS))) \
	    $(addprefix $(DESTDIR)$(PREFIX)/include/solo5-spt/solo5/,\
	        $(notdir $(SDK_ABI_HEADERS))) \
	    $(PC_FILE) $(DESTDIR)$(PREFIX)/share/man/man1/$(notdir $(MAN_PAGE))
	rm -rf $(DESTDIR)$(PREFIX)/include/solo5-spt/$(notdir $(SDK_COMPILER_DIR))
	rmdir $(DESTDIR)$(PREFIX)/include/solo5-spt/solo5 \
	    $(DESTDIR)$(PREFIX)/include/solo5-spt \
	    $(DESTDIR)$(PREFIX)/lib/solo5-spt 2>/dev/null || true

clean:
	rm -rf $(B)

-include $(shell find $(B)/host -name '*.d' 2>/dev/null)
