/*
 * blk: writes a pattern to its disk, reads it back and verifies it.
 *
 *   solo5-spt --block:storage=disk.img blk.spt
 *
 * It writes the first 256 KiB (or the whole disk if smaller) in one call,
 * then the last block alone, reads both back in other chunkings, and
 * prints what it did.
 */
#include "solo5.h"
#include "solo5_spt.h"

#define SPAN (256 * 1024)

static uint8_t out_buf[SPAN], in_buf[SPAN];

static uint8_t pattern(uint64_t offset)
{
    return (uint8_t)((offset * 131 + (offset >> 9) * 7) & 0xff);
}

static void fill(uint8_t *buf, uint64_t offset, uint64_t size)
{
    for (uint64_t i = 0; i < size; i++)
        buf[i] = pattern(offset + i);
}

static int check(const uint8_t *buf, uint64_t offset, uint64_t size)
{
    for (uint64_t i = 0; i < size; i++)
        if (buf[i] != pattern(offset + i)) {
            spt_printf("blk: MISMATCH at byte %llu\n",
                       (unsigned long long)(offset + i));
            return -1;
        }
    return 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    struct solo5_block_info info;
    solo5_handle_t disk;
    uint64_t span, last, bs;

    (void)si;
    if (solo5_block_acquire("storage", &disk, &info) != SOLO5_R_OK) {
        spt_printf("blk: no block device 'storage'\n");
        return 1;
    }
    bs = info.block_size;
    span = info.capacity < SPAN ? info.capacity : SPAN;
    last = info.capacity - bs;
    spt_printf("blk: capacity %llu bytes, block size %llu\n",
               (unsigned long long)info.capacity, (unsigned long long)bs);

    fill(out_buf, 0, span);
    if (solo5_block_write(disk, 0, out_buf, span) != SOLO5_R_OK)
        return 1;
    spt_printf("blk: wrote %llu bytes at offset 0\n",
               (unsigned long long)span);
    fill(out_buf, last, bs);
    if (solo5_block_write(disk, last, out_buf, bs) != SOLO5_R_OK)
        return 1;
    spt_printf("blk: wrote the last block at offset %llu\n",
               (unsigned long long)last);

    /* Read back block by block, then the whole span in one call. */
    for (uint64_t off = 0; off < span; off += bs)
        if (solo5_block_read(disk, off, in_buf + off, bs) != SOLO5_R_OK)
            return 1;
    if (check(in_buf, 0, span) != 0)
        return 1;
    if (solo5_block_read(disk, 0, in_buf, span) != SOLO5_R_OK ||
        check(in_buf, 0, span) != 0)
        return 1;
    if (solo5_block_read(disk, last, in_buf, bs) != SOLO5_R_OK ||
        check(in_buf, last, bs) != 0)
        return 1;
    /* A request past the end is refused, not cut short. */
    if (solo5_block_read(disk, last, in_buf, 2 * bs) != SOLO5_R_EINVAL)
        return 1;
    spt_printf("blk: read back and verified %llu bytes\n",
               (unsigned long long)(span + bs));
    spt_printf("SUCCESS\n");
    return 0;
}
