/*
 * blk: block device behaviour, on the device "storage".
 *   fill SEED   write the pattern over the whole device, in requests of
 *               mixed sizes (1 block up to 512 KiB), then read it back
 *   check SEED  read the whole device back in other sizes and verify
 *   rejects     every invalid request returns SOLO5_R_EINVAL
 *   ro SEED     reads match the pattern; a write returns an error result
 *   late MS     waits MS milliseconds, then writes the last block
 *
 * Driven by tests/e2e/test_block.c (data on disk, multi-block I/O, the
 * SDK's refusals) and test_process.c (unprivileged, read-only and
 * shrunk images).
 */
#include "guest_util.h"
#include "blk_pattern.h"

#define MAX_REQ (512 * 1024)

static uint8_t buf[MAX_REQ];
static solo5_handle_t disk;
static struct solo5_block_info info;

/* Request sizes cycle through these many blocks. */
static const uint64_t blocks_per_req[] = {1, 3, 128, 1, 1024, 7, 512, 2};

static uint64_t req_size(unsigned i, uint64_t offset)
{
    uint64_t n = blocks_per_req[i % 8] * info.block_size;

    if (n > MAX_REQ)
        n = MAX_REQ - MAX_REQ % info.block_size;
    if (n > info.capacity - offset)
        n = info.capacity - offset;
    return n;
}

static int fill(uint64_t seed)
{
    uint64_t off = 0;

    for (unsigned i = 0; off < info.capacity; i++) {
        uint64_t n = req_size(i, off);

        for (uint64_t k = 0; k < n; k++)
            buf[k] = blk_pattern(off + k, seed);
        if (solo5_block_write(disk, off, buf, n) != SOLO5_R_OK) {
            spt_printf("write at %llu size %llu failed\n",
                       (unsigned long long)off, (unsigned long long)n);
            return 1;
        }
        off += n;
    }
    return 0;
}

static int check(uint64_t seed, unsigned shift)
{
    uint64_t off = 0;

    for (unsigned i = shift; off < info.capacity; i++) {
        uint64_t n = req_size(i, off);

        if (solo5_block_read(disk, off, buf, n) != SOLO5_R_OK) {
            spt_printf("read at %llu size %llu failed\n",
                       (unsigned long long)off, (unsigned long long)n);
            return 1;
        }
        for (uint64_t k = 0; k < n; k++)
            if (buf[k] != blk_pattern(off + k, seed)) {
                spt_printf("MISMATCH at %llu\n",
                           (unsigned long long)(off + k));
                return 1;
            }
        off += n;
    }
    return 0;
}

static int expect_einval(const char *what, solo5_result_t r)
{
    spt_printf("%s: %s\n", what, r == SOLO5_R_EINVAL ? "EINVAL" : "WRONG");
    return r == SOLO5_R_EINVAL ? 0 : 1;
}

static int rejects(void)
{
    uint64_t bs = info.block_size, cap = info.capacity;
    solo5_handle_t other;
    struct solo5_block_info oi;
    struct solo5_net_info ni;
    int bad = 0;

    bad |= expect_einval("offset not aligned",
                         solo5_block_read(disk, 1, buf, bs));
    bad |= expect_einval("size not aligned",
                         solo5_block_write(disk, 0, buf, bs + 1));
    bad |= expect_einval("size zero", solo5_block_read(disk, 0, buf, 0));
    bad |= expect_einval("past the end",
                         solo5_block_read(disk, cap, buf, bs));
    bad |= expect_einval("across the end",
                         solo5_block_write(disk, cap - bs, buf, 2 * bs));
    bad |= expect_einval("offset wraps",
                         solo5_block_read(disk, (uint64_t)0 - bs, buf, 2 * bs));
    bad |= expect_einval("handle 0", solo5_block_read(0, 0, buf, bs));
    bad |= expect_einval("handle 64", solo5_block_read(64, 0, buf, bs));
    bad |= expect_einval("handle huge", solo5_block_read(~0ULL, 0, buf, bs));
    bad |= expect_einval("acquired twice",
                         solo5_block_acquire("storage", &other, &oi));
    bad |= expect_einval("unknown name",
                         solo5_block_acquire("nothere", &other, &oi));
    bad |= expect_einval("a block device as net",
                         solo5_net_acquire("spare", &other, &ni));
    /* "spare" (handle 2) is attached but not acquired. */
    bad |= expect_einval("not acquired", solo5_block_read(2, 0, buf, bs));
    bad |= expect_einval("net write on a block handle",
                         solo5_net_write(disk, buf, 60));
    return bad;
}

static const char *result_name(solo5_result_t r)
{
    return r == SOLO5_R_OK       ? "OK"
           : r == SOLO5_R_AGAIN  ? "AGAIN"
           : r == SOLO5_R_EINVAL ? "EINVAL"
                                 : "EUNSPEC";
}

static int read_only(uint64_t seed)
{
    solo5_result_t r;

    if (check(seed, 1) != 0)
        return 1;
    r = solo5_block_write(disk, 0, buf, info.block_size);
    spt_printf("WRITE %s\n", result_name(r));
    return r == SOLO5_R_OK ? 1 : 0;
}

static int late_write(uint64_t ms)
{
    solo5_time_t until = solo5_clock_monotonic() + ms * 1000000ULL;
    solo5_result_t r;

    while (solo5_clock_monotonic() < until)
        solo5_yield(until, NULL);
    for (uint64_t k = 0; k < info.block_size; k++)
        buf[k] = 0xee;
    r = solo5_block_write(disk, info.capacity - info.block_size, buf,
                          info.block_size);
    spt_printf("LATE WRITE %s\n", result_name(r));
    return 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    char mode[16], arg[24] = "1";

    if (!g_word(&p, mode, sizeof mode))
        return 2;
    g_word(&p, arg, sizeof arg);
    if (solo5_block_acquire("storage", &disk, &info) != SOLO5_R_OK)
        return 3;
    spt_printf("capacity %llu block %llu\n",
               (unsigned long long)info.capacity,
               (unsigned long long)info.block_size);
    if (g_streq(mode, "fill"))
        return fill(g_number(arg)) || check(g_number(arg), 3);
    if (g_streq(mode, "check"))
        return check(g_number(arg), 5);
    if (g_streq(mode, "rejects"))
        return rejects();
    if (g_streq(mode, "ro"))
        return read_only(g_number(arg));
    if (g_streq(mode, "late"))
        return late_write(g_number(arg));
    return 2;
}
