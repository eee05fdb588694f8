/*
 * blk: reads or writes of SIZE bytes at offsets that walk [0, SPAN) of
 * the disk and wrap around, N per batch.
 *
 *   solo5-spt --block:storage=IMG blk.spt read|write SIZE N SPAN
 *
 * The same offsets, sizes and counts as the native side (native.c), so the
 * two differ only by what lies between the call and the host.
 */
#include "bench_guest.h"

#define MAX_SIZE (256 * 1024)

static uint8_t buf[MAX_SIZE] __attribute__((aligned(4096)));

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    struct solo5_block_info info;
    solo5_handle_t disk;
    solo5_time_t ns[BENCH_BATCHES];
    uint64_t size, n, span, offset = 0;
    char mode[8];
    bool write;

    bench_word(&p, mode, sizeof mode);
    size = bench_arg(&p);
    n = bench_arg(&p);
    span = bench_arg(&p);
    write = mode[0] == 'w';
    if (solo5_block_acquire("storage", &disk, &info) != SOLO5_R_OK ||
        size == 0 || size > MAX_SIZE || size % info.block_size != 0 ||
        span < size || span > info.capacity || n == 0)
        return 2;
    for (uint64_t i = 0; i < size; i++)
        buf[i] = (uint8_t)i;

    /* Warm up: one pass over the span pages the buffer and the cache in. */
    for (uint64_t off = 0; off + size <= span; off += size)
        if (solo5_block_read(disk, off, buf, size) != SOLO5_R_OK)
            return 3;
    for (int b = 0; b < BENCH_BATCHES; b++) {
        solo5_time_t start = solo5_clock_monotonic();

        for (uint64_t i = 0; i < n; i++) {
            solo5_result_t r = write
                                   ? solo5_block_write(disk, offset, buf, size)
                                   : solo5_block_read(disk, offset, buf, size);

            if (r != SOLO5_R_OK)
                return 3;
            offset += size;
            if (offset + size > span)
                offset = 0;
        }
        ns[b] = solo5_clock_monotonic() - start;
    }
    bench_report(n, ns);
    return 0;
}
