/*
 * idle: says so, then sleeps in solo5_yield() until killed. The runner
 * reads its resident memory meanwhile.
 */
#include "bench_guest.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    spt_printf("idle\n");
    for (;;)
        solo5_yield(solo5_clock_monotonic() + 3600 * 1000000000ULL, NULL);
}
