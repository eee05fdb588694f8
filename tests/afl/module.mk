# tests/afl/: AFL++ itself against solo5-spt --x-fuzz, with guests built by
# solo5-spt-cc --fuzz from x.c, once with gcc's instrumentation and once
# with clang's (afl_test.sh; a suite of `make check`).
AFL_GUESTS := $(B)/tests/afl/x-gcc.spt $(B)/tests/afl/x-clang.spt

$(B)/tests/afl/x-gcc.spt: AFL_FUZZ := --fuzz
$(B)/tests/afl/x-clang.spt: AFL_FUZZ := --fuzz=clang
$(AFL_GUESTS): tests/afl/x.c $(SDK_FILES) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(SDK_CC) $(AFL_FUZZ) $(GUEST_WARN) -o $@ tests/afl/x.c

# Solo5's loading rules hold for them too (the compat suite).
ALL_SPT += $(AFL_GUESTS)

CHECK_BANNER_afl := AFL++: coverage in afl-showmap, a bounded afl-fuzz \
	run that must save a crash replaying to 139
CHECK_NEEDS_afl := $(AFL_GUESTS)
CHECK_RUN_afl = SPT_BUILD=$(B) ./tests/afl/afl_test.sh
