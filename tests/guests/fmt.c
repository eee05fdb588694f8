/*
 * fmt: the SDK's spt_snprintf against the results C's printf gives.
 *
 * Driven by tests/e2e/test_guests.c (test_sdk_printf).
 */
#include "guest_util.h"

static int failures;

static void expect(const char *got, const char *want)
{
    if (!g_streq(got, want)) {
        spt_printf("MISMATCH got [%s] want [%s]\n", got, want);
        failures++;
    }
}

int solo5_app_main(const struct solo5_start_info *si)
{
    char b[64];

    (void)si;
    spt_snprintf(b, sizeof b, "%d %i %u %x %X %o", -42, 7, 42u, 255u, 255u,
                 8u);
    expect(b, "-42 7 42 ff FF 10");
    spt_snprintf(b, sizeof b, "%hhx %hhd %hx %hd", 0x1ff, 300, 0x1ffff,
                 0x1fffe);
    expect(b, "ff 44 ffff -2");
    spt_snprintf(b, sizeof b, "%ld %lu %llx %zu", -1L, 18446744073709551615UL,
                 0x123456789abcULL, (size_t)99);
    expect(b, "-1 18446744073709551615 123456789abc 99");
    spt_snprintf(b, sizeof b, "[%5d|%-5d|%05d|%-3s|%3s|%c]", 42, 42, -42,
                 "a", "abcd", 'z');
    expect(b, "[   42|42   |-0042|a  |abcd|z]");
    {
        /* Through a variable: gcc warns at a literal NULL for %s. */
        const char *volatile none = 0;

        spt_snprintf(b, sizeof b, "%s %p %%", none, (void *)0x1000);
        expect(b, "(null) 0x1000 %");
    }
    /* Truncation: the return value is the full length, the buffer ends. */
    SPT_ASSERT(spt_snprintf(b, 5, "%s", "abcdefgh") == 8);
    expect(b, "abcd");
    if (failures == 0)
        g_puts("SUCCESS\n");
    return failures;
}
