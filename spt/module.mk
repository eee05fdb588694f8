# spt/: the solo5-spt program.
# The device kinds, each a file of its own (spt/device.h).
SPT_KIND_SRCS := spt/block.c spt/net.c
# What the command-line parser needs: the kinds and the table of them
# (its unit test and fuzz harness link these, with the loader and policy
# libraries).
SPT_CMDLINE_SRCS := spt/cmdline.c spt/device.c $(SPT_KIND_SRCS)
SPT_SRCS := $(SPT_CMDLINE_SRCS) spt/main.c spt/fds.c spt/guest_mem.c \
	spt/boot.c spt/signals.c spt/privileges.c spt/launch.c \
	spt/supervise.c spt/fuzz.c

# The launch region's code (spt/launch.h): compiled freestanding, with no
# vector registers, jump tables or library calls, then checked to be whole
# (no relocation: it runs from a copy at another address, so it may not
# refer to anything outside its own code) and renamed, so that the tender
# finds it between the linker's __start_spt_launch and __stop_spt_launch.
LAUNCH_BLOB := $(B)/host/spt/launch_blob.o
# Never a sanitizing compiler: nothing may call out of the blob.
LAUNCH_BLOB_CC := gcc
LAUNCH_BLOB_CFLAGS := -std=c11 -O2 -g0 -Wall -Wextra -Werror -ffreestanding \
	-fno-builtin -nostdlib -fPIC -fno-plt -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables \
	-mgeneral-regs-only -fno-jump-tables -fcf-protection=none \
	-fno-tree-loop-distribute-patterns -fno-reorder-functions \
	-fno-reorder-blocks-and-partition -fno-toplevel-reorder
$(LAUNCH_BLOB): spt/launch_blob.c spt/launch.h guest-abi/include/solo5/spt_abi.h \
		| $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(LAUNCH_BLOB_CC) $(LAUNCH_BLOB_CFLAGS) -Ispt -Iguest-abi/include -c $< -o $@.whole.o
	@if readelf -rW $@.whole.o | grep -q "^Relocation section"; then \
	    echo "$<: the launch code has relocations:"; \
	    readelf -rW $@.whole.o; exit 1; fi
	objcopy --rename-section .text=spt_launch,alloc,load,readonly,code,contents \
	    $@.whole.o $@

SPT_OBJS := $(SPT_SRCS:%.c=$(B)/host/%.o) $(LAUNCH_BLOB)
TENDER := $(B)/bin/solo5-spt

$(TENDER): $(SPT_OBJS) $(LOADER_LIB) $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(CC) $(TENDER_LDFLAGS) -o $@ $(SPT_OBJS) $(LOADER_LIB) \
	    $(FILTERS_LIB) -lseccomp -ljansson

$(B)/host/spt/%.o $(B)/fuzz/host/spt/%.o: \
	HOST_INC := -Ispt -Iloader -Ifilters -Iguest-abi/include
