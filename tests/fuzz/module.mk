# tests/fuzz/: libFuzzer harnesses of the loader (ELF, notes, manifest)
# and of the command line, built with clang in build/fuzz.
#
#   make fuzz FUZZ_SECONDS=N    fuzz each harness N seconds (default 60)
#   make check                  replays tests/fuzz/regress and the seeds,
#                               then fuzzes each harness FUZZ_CHECK_SECONDS
#
# The library sources are compiled again with the fuzzer's coverage
# instrumentation and the sanitizers, into build/fuzz/host; the seeds are
# made from the guests the build produces (build/fuzz/seeds).

FUZZ := $(B)/fuzz
FUZZ_CC := clang
FUZZ_SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all
# The host flags, minus _FORTIFY_SOURCE (its checked copies would hide
# overflows from ASan), at -O1 as libFuzzer recommends.
FUZZ_CFLAGS = $(filter-out -D_FORTIFY_SOURCE=%,$(HOST_CFLAGS)) -O1 \
	-fno-omit-frame-pointer $(FUZZ_SANITIZE) -fsanitize=fuzzer-no-link
FUZZ_NAMES := elf notes cmdline
FUZZERS := $(FUZZ_NAMES:%=$(FUZZ)/fuzz_%)
FUZZ_SEEDS_TOOL := $(B)/tests/fuzz/fuzz_seeds
FUZZ_SEEDS := $(FUZZ)/seeds/.made
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10

$(FUZZ)/host/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(HOST_INC) -MMD -MP -c $< -o $@

FUZZ_LOADER_OBJS = $(LOADER_SRCS:%.c=$(FUZZ)/host/%.o)
# The command-line parser and what it links in the tender (the device
# kinds), with the libraries those use.
FUZZ_CMDLINE_OBJS = $(SPT_CMDLINE_SRCS:%.c=$(FUZZ)/host/%.o) \
	$(FUZZ_LOADER_OBJS) $(FUZZ)/host/filters/policy.o

$(FUZZ)/fuzz_elf $(FUZZ)/fuzz_notes: $(FUZZ)/fuzz_%: \
		$(FUZZ)/host/tests/fuzz/fuzz_%.o $(FUZZ_LOADER_OBJS)
	$(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ $^

$(FUZZ)/fuzz_cmdline: $(FUZZ)/host/tests/fuzz/fuzz_cmdline.o \
		$(FUZZ_CMDLINE_OBJS)
	$(FUZZ_CC) $(FUZZ_SANITIZE) -fsanitize=fuzzer -o $@ $^

$(FUZZ_SEEDS_TOOL): $(B)/host/tests/fuzz/seeds.o \
		$(SPT_CMDLINE_SRCS:%.c=$(B)/host/%.o) $(LOADER_LIB) $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

# ALL_SPT may grow in module.mk files read later: the prerequisites were
# fixed when this rule was read, and the recipe uses only those.
$(FUZZ_SEEDS): $(FUZZ_SEEDS_TOOL) $(ALL_SPT)
	rm -rf $(@D) && mkdir -p $(@D)
	$(FUZZ_SEEDS_TOOL) $(@D) $(filter %.spt,$^)
	touch $@

.PHONY: fuzz
fuzz: $(FUZZERS) $(FUZZ_SEEDS)
	./tests/fuzz/fuzz.sh fuzz $(FUZZ) $(FUZZ_SECONDS)

# The suite of `make check`.
CHECK_BANNER_fuzz := fuzz harnesses: regression cases and seeds, then a \
	short run
CHECK_NEEDS_fuzz := $(FUZZERS) $(FUZZ_SEEDS)
CHECK_RUN_fuzz = @./tests/fuzz/fuzz.sh check $(FUZZ) $(FUZZ_CHECK_SECONDS)

-include $(shell find $(FUZZ)/host -name '*.d' 2>/dev/null)
