# tests/container/: the static tender as PID 1 of a minimal OCI bundle,
# run by runc (as root; skipped otherwise). See test_container.sh.

CONTAINER_IMG_TOOL := $(B)/tests/container/blk_image

$(CONTAINER_IMG_TOOL): $(B)/host/tests/container/blk_image.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

CONTAINER_CHECK = SPT_BUILD=$(B) ./tests/container/test_container.sh

check: $(CONTAINER_IMG_TOOL)
