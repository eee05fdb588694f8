# tests/asan/: the tender and the unit tests built again with ASan and
# UBSan, in build/asan (objects included), never mixed with the normal
# build.
#
# The sanitized build is this same Makefile run with B=build/asan and a
# sanitizing CC, so it always has exactly the sources and link lines of
# the normal one. ASan needs the dynamic loader, hence a PIE tender rather
# than a static one. One sub-make builds everything: two in parallel
# would race on the shared objects.

ASAN := $(B)/asan
ASAN_CC := $(CC) -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
ASAN_TENDER := $(ASAN)/bin/solo5-spt
ASAN_UNIT_TESTS = $(UNIT_TESTS:$(B)/%=$(ASAN)/%)
# Any report ends the program with a status of its own.
ASAN_ENV := ASAN_OPTIONS=exitcode=86:detect_leaks=1:strict_string_checks=1 \
	UBSAN_OPTIONS=exitcode=87:halt_on_error=1:print_stacktrace=1

.PHONY: asan asan-build
asan: | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory B=$(ASAN) CC='$(ASAN_CC)' \
	    TENDER_LDFLAGS=-pie DEPS_STAMP=$(DEPS_STAMP) SPT_SANITIZED=1 \
	    asan-build

# In the sub-make: no _FORTIFY_SOURCE, whose checked copies (__memcpy_chk
# and friends) run inside the C library, where ASan sees no access.
ifdef SPT_SANITIZED
HOST_CFLAGS := $(filter-out -D_FORTIFY_SOURCE=%,$(HOST_CFLAGS))
endif

# The sub-make's goal: the tender and the unit tests of its own B.
asan-build: $(TENDER) $(UNIT_TESTS)
	@:

# The suite of `make check`: each unit test passes with no sanitizer
# report, and skips nothing: the policy test's real-kernel check (seccomp
# filters installed in forked children) must really run under ASan too.
CHECK_BANNER_asan_unit := unit tests again, built with ASan+UBSan
CHECK_NEEDS_asan_unit := asan
CHECK_RUN_asan_unit = @for t in $(ASAN_UNIT_TESTS); do \
	    $(ASAN_ENV) $$t >$$t.log 2>&1 || \
	        { cat $$t.log; echo "$$t failed under ASan+UBSan"; exit 1; }; \
	    if grep -q '^\[  SKIPPED \]\|check skipped' $$t.log; then \
	        cat $$t.log; echo "$$t skipped tests under ASan+UBSan"; exit 1; \
	    fi; \
	    echo "ok   $$t: $$(grep -c '^\[       OK \]' $$t.log) tests, no" \
	        "sanitizer report"; \
	done
