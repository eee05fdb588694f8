# tests/fuzzmode/: solo5-spt --x-fuzz as AFL++ sees it, driven by a
# fork-server driver of our own (tests/lib/forksrv.c) that speaks
# afl-fuzz's side of the protocol, with the fuzzmode guest.

FUZZMODE_TEST := $(B)/tests/fuzzmode/test_fuzzmode

$(FUZZMODE_TEST): $(B)/host/tests/fuzzmode/test_fuzzmode.o $(E2E_LIB) \
		$(B)/host/tests/lib/forksrv.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^ -lcmocka

CHECK_BANNER_fuzzmode := fuzzing mode: the fork server against a driver \
	of our own
CHECK_NEEDS_fuzzmode := $(FUZZMODE_TEST)
CHECK_RUN_fuzzmode = SPT_BUILD=$(B) $(FUZZMODE_TEST)
