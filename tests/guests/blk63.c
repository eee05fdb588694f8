/*
 * blk63: 63 block devices d0..d62 at once; writes device i's number into
 * its first and last block and reads both back.
 *
 * Driven by tests/e2e/test_block.c (test_63_devices).
 */
#include "guest_util.h"

static uint8_t block[512], back[512];

int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    for (int i = 0; i < 63; i++) {
        struct solo5_block_info info;
        solo5_handle_t h;
        char name[8];

        spt_snprintf(name, sizeof name, "d%d", i);
        if (solo5_block_acquire(name, &h, &info) != SOLO5_R_OK ||
            info.block_size != 512)
            return 10;
        for (int k = 0; k < 512; k++)
            block[k] = (uint8_t)(i + k);
        if (solo5_block_write(h, 0, block, 512) != SOLO5_R_OK ||
            solo5_block_write(h, info.capacity - 512, block, 512) !=
                SOLO5_R_OK)
            return 11;
        if (solo5_block_read(h, info.capacity - 512, back, 512) !=
            SOLO5_R_OK)
            return 12;
        for (int k = 0; k < 512; k++)
            if (back[k] != block[k])
                return 13;
    }
    g_puts("SUCCESS 63\n");
    return 0;
}
