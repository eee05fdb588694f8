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

$(B)/tests/bench/runner: $(B)/host/tests/bench/runner.o
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
		$(B)/host/tests/bench/net_shim.o
	@mkdir -p $(@D)
	$(CC) $(TENDER_LDFLAGS) -o $@ $^

bench: $(TENDER) $(B)/examples/hello.spt $(B)/examples/net.spt \
		$(BENCH_GUESTS) $(BENCH_HOST)
	SPT_BUILD=$(B) ./tests/bench/bench.sh
