# tests/malformed/: the malformed-input corpus, generated at test time and
# run through the ASan+UBSan tender's --x-print-policy, then a sample of
# the accepted cases for real under the normal tender (see malformed.c).

MALFORMED := $(B)/tests/malformed/malformed
# SDK guests the corpus mutates besides its own elfgen images: one without
# devices and one with a block device (network devices need a tap).
MALFORMED_BASES = $(B)/examples/hello.spt $(B)/examples/blk.spt

$(MALFORMED): $(B)/host/tests/malformed/malformed.o \
		$(B)/host/tests/lib/elfgen.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

# The suite of `make check`. The cases live in a temporary directory,
# kept only when one fails.
CHECK_BANNER_malformed := malformed-input corpus: ASan+UBSan tender, then \
	real runs
CHECK_NEEDS_malformed := asan $(MALFORMED)
CHECK_RUN_malformed = @dir=$$(mktemp -d \
	    "$${TMPDIR:-/tmp}/spt-malformed.XXXXXX") && \
	if $(MALFORMED) "$$dir" $(ASAN_TENDER) $(TENDER) $(MALFORMED_BASES); \
	then rm -rf "$$dir"; \
	else echo "malformed: failing cases kept in $$dir/failed"; exit 1; fi
