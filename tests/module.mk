# tests/: unit tests (cmocka), the Solo5 compatibility check, and guest
# end-to-end tests run under the real tender.

# Tests build paths with snprintf and check the results by use.
TEST_CFLAGS := -Itests/lib -Wno-format-truncation
TEST_LINK := $(CC) -pie

UNIT_TESTS := $(B)/tests/unit/test_loader $(B)/tests/unit/test_cmdline \
	$(B)/tests/unit/test_policy $(B)/tests/unit/test_coverage
COMPAT := $(B)/tests/compat/solo5_compat
# The end-to-end tests: tests/e2e/test_NAME.c, linked with tests/lib.
E2E_TESTS := $(addprefix $(B)/tests/e2e/test_,guests sdk block escape process)
E2E_LIB := $(addprefix $(B)/host/tests/lib/,run.o files.o e2e.o)
EXEC_WITNESS := $(B)/tests/e2e/exec_witness

$(B)/host/tests/%.o: HOST_CFLAGS += $(TEST_CFLAGS)

$(B)/tests/unit/test_loader: $(B)/host/tests/unit/test_loader.o \
		$(B)/host/tests/lib/elfgen.o $(LOADER_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(B)/tests/unit/test_cmdline: $(B)/host/tests/unit/test_cmdline.o \
		$(SPT_CMDLINE_SRCS:%.c=$(B)/host/%.o) $(LOADER_LIB) $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(B)/tests/unit/test_policy: $(B)/host/tests/unit/test_policy.o \
		$(B)/host/tests/lib/bpf_sim.o $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lseccomp -ljansson -lcmocka

# The guests' coverage runtime, compiled for the host.
$(B)/tests/unit/test_coverage: $(B)/host/tests/unit/test_coverage.o \
		$(B)/host/guest-abi/coverage/coverage.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(COMPAT): $(B)/host/tests/compat/solo5_compat.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

$(E2E_TESTS): $(B)/tests/e2e/%: $(B)/host/tests/e2e/%.o $(E2E_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ $(E2E_LDLIBS) -lcmocka
# Those that read the allowlist (tests/lib/allowlist.c) and the SDK's JSON.
E2E_ALLOWLIST := $(addprefix $(B)/tests/e2e/test_,guests block escape \
	process)
$(E2E_ALLOWLIST): $(B)/host/tests/lib/allowlist.o
$(E2E_ALLOWLIST) $(B)/tests/e2e/test_sdk: E2E_LDLIBS := -ljansson
$(B)/tests/e2e/test_escape: $(B)/host/tests/e2e/escape_i386.o \
	$(B)/host/tests/lib/forksrv.o

# What test_escape's guests try to execve: static, no C library.
$(EXEC_WITNESS): tests/e2e/exec_witness.S
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -o $@ $<

$(B)/tests/net/tapfd: $(B)/host/tests/net/tapfd.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

# A command with descriptors 198 and 199 open, as afl-fuzz leaves them
# (tests/golden: the fork server's allowlist).
AFL_FDS := $(B)/tests/golden/afl_fds
$(AFL_FDS): $(B)/host/tests/golden/afl_fds.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

# Test guests: tests/guests/NAME.c, with tests/guests/NAME.json if it
# exists. A variant, VARIANT=SOURCE below, is another guest's source built
# with a manifest of its own, tests/guests/VARIANT.json:
#   sleep_blk    sleep with a block device (test_process)
#   syscall_blk  syscall with two block devices (test_block, test_escape)
#   fuzzmode_blk fuzzmode with a block device (tests/fuzzmode)
#   net2, urunc  examples/net with two interfaces, and with the devices
#                urunc attaches (tests/net/test_net.sh)
GUEST_VARIANTS := sleep_blk=tests/guests/sleep.c \
	syscall_blk=tests/guests/syscall.c \
	fuzzmode_blk=tests/guests/fuzzmode.c \
	net2=examples/net/main.c urunc=examples/net/main.c
guest_source = $(or $(patsubst $(1)=%,%,$(filter $(1)=%,$(GUEST_VARIANTS))),\
	tests/guests/$(1).c)
GUEST_VARIANT_NAMES := $(filter-out %.c,$(subst =, ,$(GUEST_VARIANTS)))
TEST_GUESTS := $(patsubst tests/guests/%.c,$(B)/tests/guests/%.spt,\
	$(wildcard tests/guests/*.c)) \
	$(GUEST_VARIANT_NAMES:%=$(B)/tests/guests/%.spt)
# GUEST_FLAGS_NAME: more flags for guest NAME.
#   regs         its own entry point, before _start (test_process)
GUEST_FLAGS_regs := -Wl,-e,regs_entry
.SECONDEXPANSION:
$(B)/tests/guests/%.spt: $$(call guest_source,$$*) \
		$$(wildcard tests/guests/$$*.json) tests/guests/guest_util.h \
		tests/guests/blk_pattern.h $(SDK_FILES)
	@mkdir -p $(@D)
	$(SDK_CC) $(GUEST_WARN) $(GUEST_FLAGS_$*) -o $@ \
	    $(filter %.c %.json,$^)

TEST_PROGS := $(UNIT_TESTS) $(COMPAT) $(E2E_TESTS) $(EXEC_WITNESS) \
	$(B)/tests/net/tapfd $(AFL_FDS) $(TEST_GUESTS)
ALL_SPT = $(EXAMPLES) $(TEST_GUESTS)

# `all` leaves the tests out (they need the test packages); check builds
# them.
check: $(TEST_PROGS)

# The suites of `make check` (the Makefile lists them, in order). Each unit
# test program is one, announced by its path.
$(foreach t,$(UNIT_TESTS),$(eval CHECK_BANNER_$(t) := $(t))\
	$(eval CHECK_RUN_$(t) := @$(t)))

CHECK_BANNER_compat := Solo5 tender rules on every .spt the build produces
define CHECK_RUN_compat
$(COMPAT) $(ALL_SPT)
@! $(COMPAT) $(TENDER) >/dev/null || \
    { echo "solo5_compat accepted a non-guest"; exit 1; }
endef

CHECK_BANNER_golden := the allowlist of each example guest, as in \
	tests/golden
CHECK_RUN_golden = SPT_BUILD=$(B) ./tests/golden/test_golden.sh
CHECK_BANNER_sdk := SDK tools
CHECK_RUN_sdk = SPT_BUILD=$(B) $(B)/tests/e2e/test_sdk
CHECK_BANNER_guests := guest end-to-end tests
CHECK_RUN_guests = SPT_BUILD=$(B) $(B)/tests/e2e/test_guests
CHECK_BANNER_block := block devices
CHECK_RUN_block = SPT_BUILD=$(B) $(B)/tests/e2e/test_block
CHECK_BANNER_escape := escape matrix: forbidden calls, every way in
CHECK_RUN_escape = SPT_BUILD=$(B) $(B)/tests/e2e/test_escape
CHECK_BANNER_escape_supervised := escape matrix again, under --x-supervise
CHECK_RUN_escape_supervised = SPT_BUILD=$(B) $(B)/tests/e2e/test_escape \
	--supervise
CHECK_BANNER_escape_fuzz := escape matrix again, each call in children \
	of the --x-fuzz fork server
CHECK_RUN_escape_fuzz = SPT_BUILD=$(B) $(B)/tests/e2e/test_escape --fuzz
CHECK_BANNER_process := the tender as a process: signals, privileges, \
	memory, disks, what the guest can see
CHECK_RUN_process = SPT_BUILD=$(B) $(B)/tests/e2e/test_process
CHECK_BANNER_net := network devices (root, in a network namespace)
CHECK_RUN_net = SPT_BUILD=$(B) ./tests/net/test_net.sh
CHECK_BANNER_docs := the man page against --help; the README's sample app \
	as shown
CHECK_RUN_docs = SPT_BUILD=$(B) ./tests/docs_test.sh
CHECK_BANNER_install := make install, build and run with the installed \
	files; uninstall
CHECK_RUN_install = ./tests/install_test.sh
