/*
 * clock: reads of solo5_clock_monotonic(), N per batch.
 *
 *   solo5-spt clock.spt N
 */
#include "bench_guest.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    uint64_t n = bench_arg(&p), sum = 0;
    solo5_time_t ns[BENCH_BATCHES];
    volatile uint64_t sink;

    if (n == 0)
        return 2;
    /* Warm up: the first call pages in the vDSO's data. */
    for (int i = 0; i < 1000; i++)
        sum += solo5_clock_monotonic();
    for (int b = 0; b < BENCH_BATCHES; b++) {
        solo5_time_t start = solo5_clock_monotonic();

        for (uint64_t i = 0; i < n; i++)
            sum += solo5_clock_monotonic();
        ns[b] = solo5_clock_monotonic() - start;
    }
    sink = sum; /* the reads must happen */
    (void)sink;
    bench_report(n, ns);
    return 0;
}
