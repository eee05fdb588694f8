# guest-abi/: the SDK, staged in build/sdk with the layout it has when
# installed (bin/, lib/solo5-spt/, include/solo5-spt/), so that the
# compiler wrapper finds everything relative to itself in both places.
# The bindings are compiled by the wrapper itself: its flags are the only
# definition of how guest code is compiled.

SDK_CC := $(SDK)/bin/solo5-spt-cc
SDK_MFT := $(SDK)/bin/solo5-spt-mft
SDK_TOP_HEADERS := guest-abi/include/solo5.h guest-abi/include/solo5_spt.h
SDK_ABI_HEADERS := $(wildcard guest-abi/include/solo5/*.h)
SDK_HEADERS := $(SDK_TOP_HEADERS:guest-abi/include/%=$(SDK)/include/solo5-spt/%) \
	$(SDK_ABI_HEADERS:guest-abi/include/%=$(SDK)/include/solo5-spt/%)

BINDINGS_SRCS := $(wildcard guest-abi/bindings/*.c)
BINDINGS_OBJS := $(BINDINGS_SRCS:%.c=$(B)/guest/%.o) \
	$(B)/guest/guest-abi/bindings/start_asm.o
# One relocatable object, as Solo5 ships its bindings: everything in it is
# linked (the notes and .interp included), and its weak memcpy & co. yield
# to an application's own.
BINDINGS_LIB := $(SDK)/lib/solo5-spt/solo5_spt.o
SDK_LIBFILES := $(BINDINGS_LIB) $(SDK)/lib/solo5-spt/spt.ld
GUEST_WARN := -O2 -g -Wall -Wextra -Werror

SDK_FILES := $(SDK_CC) $(SDK_MFT) $(SDK_HEADERS) $(SDK_LIBFILES)

$(SDK)/include/solo5-spt/%.h: guest-abi/include/%.h
	@mkdir -p $(@D)
	cp $< $@

$(SDK)/lib/solo5-spt/spt.ld: guest-abi/spt.ld
	@mkdir -p $(@D)
	cp $< $@

$(SDK_CC): guest-abi/solo5-spt-cc.in
	@mkdir -p $(@D)
	sed 's|@VERSION@|$(VERSION)|' $< >$@ && chmod 755 $@

$(SDK_MFT): $(B)/host/guest-abi/tools/mft_tool.o $(LOADER_LIB)
	@mkdir -p $(@D)
	$(CC) -pie -o $@ $^ -ljansson

$(B)/host/guest-abi/%.o: HOST_INC := -Iloader -Iguest-abi/include

# The start-up code sets the stack-protector canary: it runs unprotected.
$(B)/guest/guest-abi/bindings/start.o: GUEST_EXTRA := -fno-stack-protector
$(B)/guest/%.o: %.c $(SDK_CC) $(SDK_HEADERS) guest-abi/bindings/bindings.h \
		guest-abi/bindings/sys.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(SDK_CC) -c $(GUEST_WARN) $(GUEST_EXTRA) -Iguest-abi/bindings $< -o $@
$(B)/guest/guest-abi/bindings/start_asm.o: guest-abi/bindings/start.S $(SDK_CC)
	@mkdir -p $(@D)
	$(SDK_CC) -c $< -o $@

$(BINDINGS_LIB): $(BINDINGS_OBJS)
	@mkdir -p $(@D)
	ld -r -o $@ $^
