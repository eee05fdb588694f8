# guest-abi/: the SDK, staged in build/sdk with the layout it has when
# installed (bin/, lib/solo5-spt/, include/solo5-spt/), so that the
# toolchain commands find everything relative to themselves in both places.
# The bindings are compiled by the SDK's own compiler driver: its flags
# (lib/solo5-spt/sdk.sh) are the only definition of how guest code is
# compiled and linked.

SDK_CC := $(SDK)/bin/solo5-spt-cc
# Solo5's toolchain names: the same compiler driver, the linker, objcopy.
SOLO5_TRIPLE := x86_64-solo5-none-static
SDK_SOLO5_TOOLS := $(SDK)/bin/$(SOLO5_TRIPLE)-cc $(SDK)/bin/$(SOLO5_TRIPLE)-ld \
	$(SDK)/bin/$(SOLO5_TRIPLE)-objcopy
SDK_ELFTOOL := $(SDK)/bin/solo5-elftool
SDK_MFT := $(SDK)/bin/solo5-spt-mft
SDK_BIN := $(SDK_CC) $(SDK_SOLO5_TOOLS) $(SDK_ELFTOOL) $(SDK_MFT)
SDK_SH := $(SDK)/lib/solo5-spt/sdk.sh

SDK_TOP_HEADERS := guest-abi/include/solo5.h guest-abi/include/solo5_spt.h
SDK_ABI_HEADERS := $(wildcard guest-abi/include/solo5/*.h)
SDK_HEADERS := $(SDK_TOP_HEADERS:guest-abi/include/%=$(SDK)/include/solo5-spt/%) \
	$(SDK_ABI_HEADERS:guest-abi/include/%=$(SDK)/include/solo5-spt/%)
# The compiler's own headers (stddef.h, stdint.h, intrinsics...), copied as
# Solo5's toolchain copies them, so that no installed flag names a path
# private to the compiler. The copy is a directory; this file stands for it.
SDK_COMPILER_DIR := $(SDK)/include/solo5-spt/compiler
SDK_COMPILER_HEADERS := $(SDK_COMPILER_DIR)/syslimits.h

BINDINGS_SRCS := $(wildcard guest-abi/bindings/*.c)
BINDINGS_OBJS := $(BINDINGS_SRCS:%.c=$(B)/guest/%.o) \
	$(B)/guest/guest-abi/bindings/start_asm.o
# One relocatable object, as Solo5 ships its bindings: everything in it is
# linked (the notes and .interp included), and its weak memcpy & co. yield
# to an application's own.
BINDINGS_LIB := $(SDK)/lib/solo5-spt/solo5_spt.o
STUB_LIB := $(SDK)/lib/solo5-spt/solo5_stub.o
# The empty manifest an spt link gets when its inputs bring none.
MFT_DEFAULT := $(SDK)/lib/solo5-spt/default_manifest.a
# The coverage runtime, which links with --fuzz add (sdk.sh names it).
COV_LIB := $(SDK)/lib/solo5-spt/solo5_spt_cov.o
SDK_LIBFILES := $(BINDINGS_LIB) $(STUB_LIB) $(MFT_DEFAULT) $(COV_LIB) \
	$(SDK)/lib/solo5-spt/spt.ld $(SDK_SH)
GUEST_WARN := -O2 -g -Wall -Wextra -Werror

# What running the compiler driver needs.
SDK_DRIVER := $(SDK_CC) $(SDK_SH) $(SDK_HEADERS) $(SDK_COMPILER_HEADERS)
SDK_FILES := $(SDK_BIN) $(SDK_DRIVER) $(SDK_LIBFILES)

$(SDK)/include/solo5-spt/%.h: guest-abi/include/%.h
	@mkdir -p $(@D)
	cp $< $@

$(SDK_COMPILER_HEADERS): guest-abi/compiler/syslimits.h
	rm -rf $(@D) && mkdir -p $(@D)
	cp -R "$$($(CC) -print-file-name=include)/." $(@D)
	cp $< $@

$(SDK)/lib/solo5-spt/spt.ld: guest-abi/spt.ld
	@mkdir -p $(@D)
	cp $< $@

$(SDK_SH): guest-abi/toolchain/sdk.sh.in
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(VERSION)|' $< >$@

$(SDK_CC): guest-abi/toolchain/cc
	@mkdir -p $(@D)
	cp $< $@
$(SDK)/bin/$(SOLO5_TRIPLE)-%: guest-abi/toolchain/%
	@mkdir -p $(@D)
	cp $< $@

ELFTOOL_OBJS := $(patsubst %.c,$(B)/host/%.o,$(wildcard guest-abi/tools/*.c))
$(SDK_ELFTOOL): $(ELFTOOL_OBJS) $(LOADER_LIB)
	@mkdir -p $(@D)
	$(CC) -pie -o $@ $^ -ljansson
# The same program; it names itself after argv[0].
$(SDK_MFT): $(SDK_ELFTOOL)
	cp $< $@

$(B)/host/guest-abi/%.o: HOST_INC := -Iloader -Iguest-abi/include
# The coverage runtime, for its unit test (tests/unit/test_coverage.c).
$(B)/host/guest-abi/coverage/%.o: HOST_INC := -Iguest-abi/include \
	-Iguest-abi/bindings

# The start-up code sets the stack-protector canary: it runs unprotected.
$(B)/guest/guest-abi/bindings/start.o: GUEST_EXTRA := -fno-stack-protector
$(B)/guest/%.o: %.c $(SDK_DRIVER) guest-abi/bindings/bindings.h \
		guest-abi/bindings/sys.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(SDK_CC) -c $(GUEST_WARN) $(GUEST_EXTRA) -Iguest-abi/bindings $< -o $@
$(B)/guest/guest-abi/bindings/start_asm.o: guest-abi/bindings/start.S \
		$(SDK_DRIVER)
	@mkdir -p $(@D)
	$(SDK_CC) -c $< -o $@

# On every edge of an instrumented guest: no frame of its own.
$(B)/guest/guest-abi/coverage/coverage.o: GUEST_EXTRA := -fomit-frame-pointer
$(COV_LIB): $(B)/guest/guest-abi/coverage/coverage.o
	@mkdir -p $(@D)
	cp $< $@

$(BINDINGS_LIB): $(BINDINGS_OBJS)
	@mkdir -p $(@D)
	ld -r -o $@ $^

# The spt bindings without their ABI1 note, with a default solo5_app_main:
# see stub/app_main.c.
$(STUB_LIB): $(filter-out %/abi_note.o,$(BINDINGS_OBJS)) \
	$(B)/guest/guest-abi/stub/app_main.o
	@mkdir -p $(@D)
	ld -r -o $@ $^

$(B)/guest/default_manifest.c: guest-abi/default_manifest.json $(SDK_ELFTOOL)
	@mkdir -p $(@D)
	$(SDK_ELFTOOL) gen-manifest $< $@
$(B)/guest/default_manifest.o: $(B)/guest/default_manifest.c $(SDK_DRIVER)
	$(SDK_CC) -c $(GUEST_WARN) $< -o $@
$(MFT_DEFAULT): $(B)/guest/default_manifest.o
	rm -f $@ && ar rcs $@ $<
