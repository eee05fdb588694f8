/*
 * block.c: block devices.
 *
 * The guest calls pread64/pwrite64 on the device's descriptor itself, and
 * the allowlist decides what gets through. The Solo5 tender admits exactly
 * one block per call. Our tender, when it says so in its block extension
 * record, also admits larger requests where spt_block_io_admitted() says
 * (solo5/spt_abi.h, which filters/policy.c is built to). Requests are
 * split so that every call is one the tender in charge admits.
 */
#include "bindings.h"
#include "sys.h"

static uint64_t max_io; /* the tender's offer; 0: one block per call */

void spt_block_init(void)
{
    if (spt_ext_block)
        max_io = spt_ext_block->max_io_size;
}

solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info)
{
    struct mft_entry *e = spt_mft_acquire(name, MFT_DEV_BLOCK_BASIC, handle);

    if (e == NULL)
        return SOLO5_R_EINVAL;
    info->capacity = e->u.block_basic.capacity;
    info->block_size = e->u.block_basic.block_size;
    return SOLO5_R_OK;
}

/*
 * Is x a multiple of the block size? Without a division when the size is
 * a power of two, as both tenders make it: this is on every request's path.
 */
static bool block_multiple(uint64_t x, uint64_t bs)
{
    if (bs == 0)
        return false;
    if ((bs & (bs - 1)) == 0)
        return (x & (bs - 1)) == 0;
    return x % bs == 0;
}

/* The device of h if offset and size make a valid request on it. */
static const struct mft_entry *block_request(solo5_handle_t h,
                                             solo5_off_t offset, size_t size)
{
    const struct mft_entry *e = spt_mft_entry(h, MFT_DEV_BLOCK_BASIC);
    uint64_t bs, capacity;

    if (e == NULL)
        return NULL;
    bs = e->u.block_basic.block_size;
    capacity = e->u.block_basic.capacity;
    if (size == 0 || !block_multiple(offset, bs) || !block_multiple(size, bs))
        return NULL;
    if (offset > capacity || size > capacity - offset)
        return NULL;
    return e;
}

/*
 * The largest request the tender's policy admits at offset, at most
 * remaining: the same predicate the policy is built to (solo5/spt_abi.h).
 */
static uint64_t chunk_at(uint64_t dev_max_io, uint64_t capacity, uint64_t bs,
                         uint64_t offset, uint64_t remaining)
{
    uint64_t n = remaining < dev_max_io ? remaining : dev_max_io;

    if (n > bs && spt_block_io_admitted(dev_max_io, capacity, bs, offset, n))
        return n;
    return bs;
}

static solo5_result_t block_io(long nr, solo5_handle_t h, solo5_off_t offset,
                               uint8_t *buf, size_t size)
{
    const struct mft_entry *e = block_request(h, offset, size);
    uint64_t bs, capacity, dev_max_io;

    if (e == NULL)
        return SOLO5_R_EINVAL;
    bs = e->u.block_basic.block_size;
    capacity = e->u.block_basic.capacity;
    dev_max_io = spt_block_dev_max_io(max_io, capacity, bs);
    while (size > 0) {
        uint64_t n = chunk_at(dev_max_io, capacity, bs, offset, size);
        long ret;

        do {
            ret = sys_call6(nr, sys_fd(e->b.hostfd), (uint64_t)(uintptr_t)buf,
                            n, offset, 0, 0);
        } while (ret == -EINTR);
        if (ret != (long)n)
            return SOLO5_R_EUNSPEC; /* a failed or short transfer */
        buf += n;
        offset += n;
        size -= n;
    }
    return SOLO5_R_OK;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size)
{
    return block_io(SYS_pwrite64, handle, offset, (uint8_t *)(uintptr_t)buf,
                    size);
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size)
{
    return block_io(SYS_pread64, handle, offset, buf, size);
}
