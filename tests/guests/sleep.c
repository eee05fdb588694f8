/*
 * sleep: yields for the number of milliseconds on its command line, then
 * exits 0. Lets a test look at a running guest from outside.
 *
 * Driven by tests/e2e/test_process.c (signals, core dumps, privileges,
 * memory, what the guest can see, --x-supervise) and test_guests.c
 * (test_descriptors). Also built as sleep_blk, with a block device
 * (sleep_blk.json), for test_process.c (test_maps_golden,
 * test_memory_scan, test_ps, test_image_locked).
 */
#include "guest_util.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    char w[24] = "1000";
    solo5_time_t deadline;

    g_word(&p, w, sizeof w);
    deadline = solo5_clock_monotonic() + g_number(w) * 1000000ULL;
    while (solo5_clock_monotonic() < deadline)
        solo5_yield(deadline, NULL);
    g_puts("AWAKE\n");
    return 0;
}
