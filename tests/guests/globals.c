/*
 * globals: .data, .rodata and .bss are initialised as the program says.
 *
 * Driven by tests/e2e/test_guests.c (test_globals).
 */
#include "guest_util.h"

static volatile uint64_t data_word = 0x0123456789abcdefULL;
static volatile char data_text[] = "initialised data";
static const char rodata_text[] = "read-only data";
static volatile uint8_t bss_block[3 * 4096 + 17];
static volatile uint64_t bss_word;

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    SPT_ASSERT(data_word == 0x0123456789abcdefULL);
    SPT_ASSERT(data_text[0] == 'i' && data_text[15] == 'a');
    SPT_ASSERT(rodata_text[0] == 'r' && rodata_text[13] == 'a');
    SPT_ASSERT(bss_word == 0);
    for (size_t i = 0; i < sizeof bss_block; i++)
        SPT_ASSERT(bss_block[i] == 0);
    /* Writable, and each keeps its own value. */
    data_word = 42;
    bss_word = 43;
    bss_block[sizeof bss_block - 1] = 44;
    SPT_ASSERT(data_word == 42 && bss_word == 43);
    SPT_ASSERT(bss_block[sizeof bss_block - 1] == 44 && bss_block[0] == 0);
    g_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
