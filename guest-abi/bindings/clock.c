/*
 * clock.c: the host's clocks.
 *
 * With our tender's fast-clock record, through the host vDSO's
 * clock_gettime (no system call; its own fallback is the clock_gettime
 * the allowlist admits). Otherwise, and under the Solo5 tender, through
 * the system call.
 */
#include "bindings.h"
#include "sys.h"

typedef int (*vdso_clock_gettime_t)(long clock, struct sys_timespec *ts);

static vdso_clock_gettime_t vdso_clock_gettime;

void spt_clock_init(void)
{
    if (spt_ext_clock)
        vdso_clock_gettime =
            (vdso_clock_gettime_t)(uintptr_t)spt_ext_clock->vdso_clock_gettime;
}

static solo5_time_t clock_read(uint64_t clock)
{
    struct sys_timespec ts;

    if (vdso_clock_gettime == 0 || vdso_clock_gettime((long)clock, &ts) != 0)
        if (sys_call3(SYS_clock_gettime, clock, (uint64_t)(uintptr_t)&ts,
                      0) != 0)
            spt_abort("clock_gettime(%llu) failed",
                      (unsigned long long)clock);
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
