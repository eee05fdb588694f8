/*
 * clock: the SDK clocks against the raw clock_gettime system call.
 *   bracket   each SDK read lies between two system-call reads, and each
 *             system-call read between two SDK reads; the clock never
 *             goes back
 *   loop N    N reads of solo5_clock_monotonic(), nothing else
 *   canary    print the stack-protector guard
 *
 * Driven by tests/e2e/test_guests.c (test_fast_clock,
 * test_fast_clock_no_syscalls, test_canary).
 */
#include "guest_util.h"

extern uintptr_t __stack_chk_guard;

static uint64_t sys_clock(uint64_t clock)
{
    struct {
        int64_t sec, nsec;
    } ts;
    long ret;

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(228), "D"(clock), "S"(&ts)
                         : "rcx", "r11", "memory");
    SPT_ASSERT(ret == 0);
    return (uint64_t)ts.sec * 1000000000ULL + (uint64_t)ts.nsec;
}

static int bracket(void)
{
    uint64_t last = 0;

    for (int i = 0; i < 2000; i++) {
        uint64_t a = sys_clock(1), b = solo5_clock_monotonic();
        uint64_t c = sys_clock(1), d = solo5_clock_monotonic();
        uint64_t w0 = sys_clock(0), w = solo5_clock_wall(), w1 = sys_clock(0);

        SPT_ASSERT(a <= b && b <= c);   /* SDK read between system calls */
        SPT_ASSERT(b <= c && c <= d);   /* system call between SDK reads */
        SPT_ASSERT(w0 <= w && w <= w1); /* the wall clock too */
        SPT_ASSERT(last <= b);
        last = d;
    }
    g_puts("SUCCESS\n");
    return 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    char mode[16], arg[16] = "1000";

    if (!g_word(&p, mode, sizeof mode))
        return 2;
    g_word(&p, arg, sizeof arg);
    if (g_streq(mode, "bracket"))
        return bracket();
    if (g_streq(mode, "loop")) {
        uint64_t n = g_number(arg), last = 0;

        for (uint64_t i = 0; i < n; i++) {
            uint64_t t = solo5_clock_monotonic();

            SPT_ASSERT(t >= last);
            last = t;
        }
        return 0;
    }
    if (g_streq(mode, "canary")) {
        spt_printf("CANARY %lx\n", (unsigned long)__stack_chk_guard);
        return 0;
    }
    return 2;
}
