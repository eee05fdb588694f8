/*
 * sigstack: points its stack pointer near the bottom of the tender's
 * signal stack, then waits there in solo5_yield.
 *
 * Driven by tests/e2e/test_process.c (test_signal_on_guest_stack). The
 * one word on the command line is where the signal stack starts, as the
 * test found it in /proc/PID/maps of an earlier run with the same layout
 * (no address randomisation); 0 waits on the guest's own stack. With the
 * frame of solo5_yield (~850 bytes) below the new stack pointer, less
 * than any signal frame is left above the bottom: a signal delivered on
 * this stack where the guest stands would overflow it.
 */
#include "guest_util.h"

#define ABOVE_BOTTOM 1024

void wait_forever(void) __attribute__((noreturn, used));

void wait_forever(void)
{
    for (;;)
        solo5_yield(solo5_clock_monotonic() + 3600 * 1000000000ULL, NULL);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    char w[24] = "0";
    uint64_t bottom;

    g_word(&p, w, sizeof w);
    bottom = g_number(w);
    if (bottom == 0)
        wait_forever();
    /* Aligned for the call, which pushes the return address. */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "call wait_forever\n\t"
                     "ud2"
                     :
                     : "r"(bottom + ABOVE_BOTTOM)
                     : "memory");
    return 1;
}
