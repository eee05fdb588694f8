# filters/: the seccomp policy, a library over libseccomp.
FILTERS_SRCS := filters/policy.c filters/compile.c filters/print.c \
	filters/notify.c
FILTERS_OBJS := $(FILTERS_SRCS:%.c=$(B)/host/%.o)
FILTERS_LIB := $(B)/lib/libspt_filters.a

$(FILTERS_LIB): $(FILTERS_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/host/filters/%.o $(B)/fuzz/host/filters/%.o: \
	HOST_INC := -Ifilters -Iguest-abi/include
