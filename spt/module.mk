# spt/: the solo5-spt program.
SPT_SRCS := spt/main.c spt/cmdline.c spt/errf.c spt/fds.c spt/guest_mem.c spt/boot.c \
	spt/device.c spt/block.c spt/net.c spt/signals.c spt/privileges.c \
	spt/hostdata.c spt/supervise.c
SPT_OBJS := $(SPT_SRCS:%.c=$(B)/host/%.o) $(B)/host/spt/launch.o
TENDER := $(B)/bin/solo5-spt

$(TENDER): $(SPT_OBJS) $(LOADER_LIB) $(FILTERS_LIB)
	@mkdir -p $(@D)
	$(CC) $(TENDER_LDFLAGS) -o $@ $(SPT_OBJS) $(LOADER_LIB) \
	    $(FILTERS_LIB) -lseccomp
