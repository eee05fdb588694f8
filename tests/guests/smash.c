/*
 * smash: overflows a stack buffer; the stack protector must catch it.
 *
 * Driven by tests/e2e/test_guests.c (test_stack_smash).
 */
#include "guest_util.h"

static void __attribute__((noinline)) overflow(size_t n)
{
    char buf[16];

    for (size_t i = 0; i < n; i++)
        ((volatile char *)buf)[i] = 'A';
    __asm__ __volatile__("" : : "r"(buf) : "memory"); /* keep buf */
}

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    overflow(64);
    g_puts("SURVIVED\n");
    return 0;
}
