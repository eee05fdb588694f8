# loader/: the ELF loader and note reader, a library.
LOADER_SRCS := loader/errf.c loader/source.c loader/elf.c loader/notes.c loader/mft.c \
	loader/vdso.c
LOADER_OBJS := $(LOADER_SRCS:%.c=$(B)/host/%.o)
LOADER_LIB := $(B)/lib/libspt_loader.a

$(LOADER_LIB): $(LOADER_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/host/loader/%.o $(B)/fuzz/host/loader/%.o: \
	HOST_INC := -Iloader -Iguest-abi/include
