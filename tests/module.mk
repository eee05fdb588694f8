# tests/: unit tests (cmocka), the Solo5 compatibility check, and guest
# end-to-end tests run under the real tender.

# Tests build paths with snprintf and check the results by use.
TEST_CFLAGS := -Itests/lib -Wno-format-truncation
TEST_LINK := $(CC) -pie

UNIT_TESTS := $(B)/tests/unit/test_loader $(B)/tests/unit/test_cmdline \
	$(B)/tests/unit/test_policy
COMPAT := $(B)/tests/compat/solo5_compat
E2E := $(B)/tests/e2e/test_guests
SDK_TEST := $(B)/tests/e2e/test_sdk
BLOCK_TEST := $(B)/tests/e2e/test_block
PROCESS_TEST := $(B)/tests/e2e/test_process
ESCAPE_TEST := $(B)/tests/e2e/test_escape
EXEC_WITNESS := $(B)/tests/e2e/exec_witness

$(B)/host/tests/%.o: HOST_CFLAGS += $(TEST_CFLAGS)

$(B)/tests/unit/test_loader: $(B)/host/tests/unit/test_loader.o \
		$(B)/host/tests/lib/elfgen.o $(LOADER_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(B)/tests/unit/test_cmdline: $(B)/host/tests/unit/test_cmdline.o \
		$(B)/host/spt/cmdline.o $(B)/host/spt/errf.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(B)/tests/unit/test_policy: $(B)/host/tests/unit/test_policy.o \
		$(B)/host/tests/lib/bpf_sim.o $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lseccomp -lcmocka

$(COMPAT): $(B)/host/tests/compat/solo5_compat.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

$(E2E): $(B)/host/tests/e2e/test_guests.o $(B)/host/tests/lib/run.o $(B)/host/tests/lib/files.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(SDK_TEST): $(B)/host/tests/e2e/test_sdk.o $(B)/host/tests/lib/run.o $(B)/host/tests/lib/files.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -ljansson -lcmocka

$(BLOCK_TEST): $(B)/host/tests/e2e/test_block.o $(B)/host/tests/lib/run.o $(B)/host/tests/lib/files.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(ESCAPE_TEST): $(B)/host/tests/e2e/test_escape.o \
		$(B)/host/tests/e2e/escape_i386.o $(B)/host/tests/lib/run.o $(B)/host/tests/lib/files.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

$(PROCESS_TEST): $(B)/host/tests/e2e/test_process.o $(B)/host/tests/lib/run.o $(B)/host/tests/lib/files.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

# What test_escape's guests try to execve: static, no C library.
$(EXEC_WITNESS): tests/e2e/exec_witness.S
	@mkdir -p $(@D)
	$(CC) -nostdlib -static -no-pie -o $@ $<

$(B)/tests/net/tapfd: $(B)/host/tests/net/tapfd.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

# The network example built with other manifests: two interfaces, and the
# devices urunc attaches.
NET_VARIANTS := $(B)/tests/guests/net2.spt $(B)/tests/guests/urunc.spt
$(NET_VARIANTS): $(B)/tests/guests/%.spt: examples/net/main.c \
		tests/guests/%.json $(SDK_FILES)
	@mkdir -p $(@D)
	$(SDK_CC) $(GUEST_WARN) -o $@ examples/net/main.c tests/guests/$*.json

# Guests: tests/guests/NAME.c, with tests/guests/NAME.json if it exists.
TEST_GUESTS := $(patsubst tests/guests/%.c,$(B)/tests/guests/%.spt,\
	$(wildcard tests/guests/*.c))
.SECONDEXPANSION:
$(B)/tests/guests/%.spt: tests/guests/%.c $$(wildcard tests/guests/$$*.json) \
		tests/guests/guest_util.h tests/guests/blk_pattern.h $(SDK_FILES)
	@mkdir -p $(@D)
	$(SDK_CC) $(GUEST_WARN) -o $@ $(filter %.c %.json,$^)
# syscall_blk.c includes syscall.c: rebuild it when syscall.spt changes.
$(B)/tests/guests/syscall_blk.spt: $(B)/tests/guests/syscall.spt

TEST_PROGS := $(UNIT_TESTS) $(COMPAT) $(E2E) $(SDK_TEST) $(BLOCK_TEST) \
	$(ESCAPE_TEST) $(EXEC_WITNESS) $(PROCESS_TEST) \
	$(B)/tests/net/tapfd $(TEST_GUESTS) $(NET_VARIANTS)
ALL_SPT = $(EXAMPLES) $(TEST_GUESTS) $(NET_VARIANTS)

check: all
	@for t in $(UNIT_TESTS); do echo "== $$t"; $$t || exit 1; done
	@echo "== Solo5 tender rules on every .spt the build produces"
	$(COMPAT) $(ALL_SPT)
	@! $(COMPAT) $(TENDER) >/dev/null || \
	    { echo "solo5_compat accepted a non-guest"; exit 1; }
	@echo "== SDK tools"
	SPT_BUILD=$(B) $(SDK_TEST)
	@echo "== guest end-to-end tests"
	SPT_BUILD=$(B) $(E2E)
	@echo "== block devices"
	SPT_BUILD=$(B) $(BLOCK_TEST)
	@echo "== escape matrix: forbidden calls, every way in"
	SPT_BUILD=$(B) $(ESCAPE_TEST)
	@echo "== escape matrix again, under --x-supervise"
	SPT_BUILD=$(B) $(ESCAPE_TEST) --supervise
	@echo "== the tender as a process: signals, privileges, memory, disks"
	SPT_BUILD=$(B) $(PROCESS_TEST)
	@echo "== network devices (root, in a network namespace)"
	SPT_BUILD=$(B) ./tests/net/test_net.sh
	@echo "== make install, then build and run with the installed files"
	./tests/install_test.sh
	@$(TOOLCHAIN_CHECK)
	@echo "== unit tests again, built with ASan+UBSan"
	@$(ASAN_UNIT_CHECK)
	@echo "== malformed-input corpus: ASan+UBSan tender, then real runs"
	@$(MALFORMED_CHECK)
	@echo "== fuzz harnesses: regression cases and seeds, then a short run"
	@$(FUZZ_CHECK)
