# examples/: small real unikernels built with the SDK, each from
# examples/NAME/main.c and examples/NAME/manifest.json.
EXAMPLES := $(B)/examples/hello.spt $(B)/examples/blk.spt \
	$(B)/examples/net.spt

$(B)/examples/%.spt: examples/%/main.c examples/%/manifest.json $(SDK_FILES)
	@mkdir -p $(@D)
	$(SDK_CC) $(GUEST_WARN) -o $@ $(filter %.c %.json,$^)
