/*
 * time: the clocks and solo5_yield().
 * Prints the wall clock (ns) for the test to compare with the host's.
 *
 * Driven by tests/e2e/test_guests.c (test_time).
 */
#include "guest_util.h"

#define MS 1000000ULL

int solo5_app_main(const struct solo5_start_info *si)
{
    solo5_time_t t0, t1, deadline, wall;
    solo5_handle_set_t ready = ~0ULL;

    (void)si;
    t0 = solo5_clock_monotonic();
    for (int i = 0; i < 1000; i++) {
        t1 = solo5_clock_monotonic();
        SPT_ASSERT(t1 >= t0);
        t0 = t1;
    }
    wall = solo5_clock_wall();
    spt_printf("WALL %llu\n", (unsigned long long)wall);

    /* Sleeps until the deadline, not before. */
    deadline = solo5_clock_monotonic() + 200 * MS;
    solo5_yield(deadline, &ready);
    t1 = solo5_clock_monotonic();
    SPT_ASSERT(t1 >= deadline);
    SPT_ASSERT(ready == 0); /* no device can be ready */
    spt_printf("SLEPT %llu ms\n",
               (unsigned long long)((t1 - deadline + 200 * MS) / MS));

    /* A deadline in the past returns at once, twice in a row. */
    t0 = solo5_clock_monotonic();
    solo5_yield(0, NULL);
    solo5_yield(t0, &ready);
    SPT_ASSERT(solo5_clock_monotonic() - t0 < 100 * MS);

    /* A second sleep after the timer fired once still waits. */
    deadline = solo5_clock_monotonic() + 50 * MS;
    solo5_yield(deadline, NULL);
    SPT_ASSERT(solo5_clock_monotonic() >= deadline);
    g_puts("SUCCESS\n");
    return 0;
}
