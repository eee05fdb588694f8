/*
 * tls: thread-local storage through the Solo5 TLS API.
 *   ok      two TLS blocks, switched between, keep their own values
 *   nosetup a TLS variable used before any solo5_set_tls_base(): %fs is 0
 *
 * Driven by tests/e2e/test_guests.c (test_tls).
 */
#include "guest_util.h"

static __thread volatile uint64_t tdata_word = 0xC0FFEE;
static __thread volatile uint32_t tbss_word;
static __thread volatile uint8_t tbss_aligned[64] __attribute__((aligned(64)));

static bool block_ok(uint64_t expect_data, uint32_t expect_bss)
{
    return tdata_word == expect_data && tbss_word == expect_bss &&
           ((uintptr_t)tbss_aligned % 64) == 0;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    uintptr_t heap = (si->heap_start + 63) & ~(uintptr_t)63;
    uintptr_t tls1 = heap, tls2;
    char mode[16];

    if (!g_word(&p, mode, sizeof mode))
        return 2;
    if (g_streq(mode, "nosetup")) {
        tbss_word = 1; /* %fs is 0: this must fault */
        g_puts("SURVIVED\n");
        return 0;
    }
    tls2 = (tls1 + solo5_tls_size() + 63) & ~(uintptr_t)63;
    SPT_ASSERT(solo5_tls_init(tls1) == SOLO5_R_OK);
    SPT_ASSERT(solo5_tls_init(tls2) == SOLO5_R_OK);
    SPT_ASSERT(solo5_tls_init(0) == SOLO5_R_EINVAL);

    SPT_ASSERT(solo5_set_tls_base(solo5_tls_tp_offset(tls1)) == SOLO5_R_OK);
    SPT_ASSERT(block_ok(0xC0FFEE, 0));
    tdata_word = 1;
    tbss_word = 11;
    tbss_aligned[63] = 111;
    SPT_ASSERT(solo5_set_tls_base(solo5_tls_tp_offset(tls2)) == SOLO5_R_OK);
    SPT_ASSERT(block_ok(0xC0FFEE, 0));
    tdata_word = 2;
    tbss_word = 22;
    SPT_ASSERT(solo5_set_tls_base(solo5_tls_tp_offset(tls1)) == SOLO5_R_OK);
    SPT_ASSERT(block_ok(1, 11) && tbss_aligned[63] == 111);
    SPT_ASSERT(solo5_set_tls_base(solo5_tls_tp_offset(tls2)) == SOLO5_R_OK);
    SPT_ASSERT(block_ok(2, 22) && tbss_aligned[63] == 0);
    /* The variables live inside the blocks the API described. */
    SPT_ASSERT((uintptr_t)&tdata_word >= tls2 &&
               (uintptr_t)&tdata_word < tls2 + solo5_tls_size());
    g_puts("SUCCESS\n");
    return 0;
}
