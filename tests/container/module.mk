# tests/container/: the static tender as PID 1 of a minimal OCI bundle,
# run by runc (as root; skipped otherwise). See test_container.sh.

CONTAINER_IMG_TOOL := $(B)/tests/container/blk_image

$(CONTAINER_IMG_TOOL): $(B)/host/tests/container/blk_image.o
	@mkdir -p $(@D)
	$(TEST_LINK) -o $@ $^

CHECK_BANNER_container := the tender as PID 1 of an OCI container (runc, \
	root)
CHECK_RUN_container = SPT_BUILD=$(B) ./tests/container/test_container.sh
CHECK_NEEDS_container := $(CONTAINER_IMG_TOOL)
