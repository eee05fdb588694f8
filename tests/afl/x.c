/*
 * x: a bug any fuzzer finds at once, for the AFL++ smoke run
 * (afl_test.sh): an input whose first byte is 'X' writes below guest
 * memory and faults (SIGSEGV). Inputs starting with 'a', with 'b' or with
 * anything else take paths of their own, which afl-showmap tells apart.
 * It loops on spt_fuzz_next(), so persistent mode works too; without an
 * input it says so and exits 0.
 */
#include "solo5.h"
#include "solo5_spt.h"

static volatile unsigned int seen[3];

int solo5_app_main(const struct solo5_start_info *si)
{
    const uint8_t *data;
    size_t len;

    (void)si;
    if (!spt_fuzz_next(&data, &len)) {
        spt_printf("no input\n");
        return 0;
    }
    do {
        if (len == 0)
            continue;
        switch (data[0]) {
        case 'X': /* 0x8000: below guest memory, never mapped */
            *(volatile uint8_t *)(uintptr_t)0x8000 = 1;
            break;
        case 'a':
            seen[0]++;
            break;
        case 'b':
            seen[1]++;
            break;
        default:
            seen[2]++;
            break;
        }
    } while (spt_fuzz_next(&data, &len));
    return 0;
}
