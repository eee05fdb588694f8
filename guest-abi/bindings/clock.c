/*
 * clock.c: the host's clocks.
 */
#include "bindings.h"
#include "sys.h"

static solo5_time_t clock_read(uint64_t clock)
{
    struct sys_timespec ts;

    if (sys_call3(SYS_clock_gettime, clock, (uint64_t)(uintptr_t)&ts, 0) != 0)
        spt_abort("clock_gettime(%llu) failed", (unsigned long long)clock);
    return (solo5_time_t)ts.tv_sec * 1000000000ULL + (solo5_time_t)ts.tv_nsec;
}

solo5_time_t solo5_clock_monotonic(void)
{
    return clock_read(CLOCK_MONOTONIC);
}

solo5_time_t solo5_clock_wall(void)
{
    return clock_read(CLOCK_REALTIME);
}
