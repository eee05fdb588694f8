# tests/bench/: `make bench`, the guests against their limits on this
# machine (see bench.sh and runner.c). Timing lives here only, never in
# `make check`.

BENCH_GUESTS := $(B)/tests/bench/clock.spt $(B)/tests/bench/blk.spt \
	$(B)/tests/bench/idle.spt
BENCH_HOST := $(B)/tests/bench/runner $(B)/tests/bench/native \
	$(B)/tests/bench/hello_native $(B)/tests/bench/idle_native \
	$(B)/tests/bench/net_native

$(B)/tests/bench/%.spt: tests/bench/%.c tests/bench/bench_guest.h \
		$(SDK_FILES)
	@mkdir -p $(@D)
	$(SDK_CC) $(GUEST_WARN) -o $@ $(filter %.c %.json,$^)
$(B)/tests/bench/blk.spt: tests/bench/blk.json

$(B)/tests/bench/runner: $(B)/host/tests/bench/runner.o \
		$(B)/host/tests/lib/forksrv.o
	@mkdir -p $(@D)
	$(CC) -pie -o $@ $^ -lm

# The native calls link as the tender does (static-pie), with the same
# filters/ to install its allowlist; the start-up and memory limits are
# plain static programs.
$(B)/tests/bench/native: $(B)/host/tests/bench/native.o $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(CC) $(TENDER_LDFLAGS) -o $@ $^ -lseccomp

$(B)/tests/bench/hello_native $(B)/tests/bench/idle_native: \
		$(B)/tests/bench/%: $(B)/host/tests/bench/%.o
	@mkdir -p $(@D)
	$(CC) -static -o $@ $^

# examples/net itself, linked with a native shim of the Solo5 calls.
$(B)/tests/bench/net_native: $(B)/host/examples/net/main.o \
		$(B)/host/tests/bench/net_shim.o $(B)/host/tests/bench/shim_printf.o
	@mkdir -p $(@D)
	$(CC) $(TENDER_LDFLAGS) -o $@ $^

# examples/fuzz itself, linked with a native shim of the SDK calls on
# AFL++'s own runtime (afl-clang-fast, a test package: `make bench` only,
# never `make all`), once per child and once persistent. Only main.c is
# instrumented, as in the guest. The fuzz row runs every side on one seed.
BENCH_FUZZ := $(B)/tests/bench/fuzz_native \
	$(B)/tests/bench/fuzz_native_persistent $(B)/tests/bench/fuzz.input
AFL_CC := afl-clang-fast

$(B)/tests/bench/fuzz_allowlist: | $(DEPS_STAMP)
	@mkdir -p $(@D)
	echo examples/fuzz/main.c >$@
$(B)/tests/bench/fuzz_native_persistent: FUZZ_SHIM_FLAGS := -DPERSISTENT
$(B)/tests/bench/fuzz_native $(B)/tests/bench/fuzz_native_persistent: \
		examples/fuzz/main.c tests/bench/fuzz_shim.c tests/bench/shim_printf.c \
		guest-abi/include/solo5.h guest-abi/include/solo5_spt.h \
		$(B)/tests/bench/fuzz_allowlist | $(DEPS_STAMP)
	AFL_QUIET=1 AFL_LLVM_ALLOWLIST=$(B)/tests/bench/fuzz_allowlist \
	    $(AFL_CC) -O2 -g -Wall -Wextra -Werror -Iguest-abi/include \
	    $(FUZZ_SHIM_FLAGS) -o $@ $(filter %.c,$^)
$(B)/tests/bench/fuzz.input: examples/fuzz/seeds/sample.tl
	@mkdir -p $(@D)
	cp $< $@

bench: $(TENDER) $(B)/examples/hello.spt $(B)/examples/net.spt \
		$(B)/examples/fuzz.spt $(BENCH_GUESTS) $(BENCH_HOST) $(BENCH_FUZZ)
	SPT_BUILD=$(B) ./tests/bench/bench.sh
