# spt/: the solo5-spt program.
SPT_SRCS := spt/main.c spt/cmdline.c spt/fds.c spt/guest_mem.c spt/boot.c \
	spt/device.c spt/block.c spt/net.c spt/signals.c spt/privileges.c \
	spt/hostdata.c spt/supervise.c
# What the command-line parser needs: the device kinds and their helpers
# (its unit test and fuzz harness link these, with the loader and policy
# libraries).
SPT_CMDLINE_SRCS := spt/cmdline.c spt/device.c spt/block.c spt/net.c
SPT_OBJS := $(SPT_SRCS:%.c=$(B)/host/%.o) $(B)/host/spt/launch.o
TENDER := $(B)/bin/solo5-spt

$(TENDER): $(SPT_OBJS) $(LOADER_LIB) $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(CC) $(TENDER_LDFLAGS) -o $@ $(SPT_OBJS) $(LOADER_LIB) \
	    $(FILTERS_LIB) -lseccomp -ljansson

$(B)/host/spt/%.o $(B)/fuzz/host/spt/%.o: \
	HOST_INC := -Ispt -Iloader -Ifilters -Iguest-abi/include
