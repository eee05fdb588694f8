# examples/: small real unikernels built with the SDK, each from
# examples/NAME/main.c and examples/NAME/manifest.json. fuzz is built for
# fuzzing (solo5-spt-cc --fuzz), and make fuzz-demo fuzzes it.
EXAMPLES := $(B)/examples/hello.spt $(B)/examples/blk.spt \
	$(B)/examples/net.spt $(B)/examples/fuzz.spt

$(B)/examples/fuzz.spt: EXAMPLE_FLAGS := --fuzz
$(B)/examples/%.spt: examples/%/main.c examples/%/manifest.json $(SDK_FILES)
	@mkdir -p $(@D)
	$(SDK_CC) $(EXAMPLE_FLAGS) $(GUEST_WARN) -o $@ $(filter %.c %.json,$^)

# make fuzz-demo: AFL++ finds the bug planted in examples/fuzz, at most
# FUZZ_DEMO_SECONDS (default 60), and the crash is replayed. Nothing is
# installed: without afl-fuzz it says how to install it, and stops.
FUZZ_DEMO_SECONDS ?= 60
.PHONY: fuzz-demo
fuzz-demo:
	@./examples/fuzz/demo.sh check
	@$(MAKE) --no-print-directory $(TENDER) $(B)/examples/fuzz.spt
	@./examples/fuzz/demo.sh run $(TENDER) $(B)/examples/fuzz.spt \
	    examples/fuzz/seeds $(B)/fuzz-demo $(FUZZ_DEMO_SECONDS)
