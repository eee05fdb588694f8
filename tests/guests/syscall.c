/*
 * syscall: makes the raw system call its command line names and says if
 * it returned:  NR [A0 [A1 ... A5]]   (decimal, 0x-hex, or negative)
 */
#include "guest_util.h"

static long raw_syscall(uint64_t nr, const uint64_t a[6])
{
    long ret;
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]),
                           "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
    return ret;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    uint64_t nr, a[6] = {0};
    char w[32];

    if (!g_word(&p, w, sizeof w))
        return 2;
    nr = g_number(w);
    for (int i = 0; i < 6 && g_word(&p, w, sizeof w); i++)
        a[i] = g_number(w);
    spt_printf("RETURNED %ld\n", raw_syscall(nr, a));
    return 0;
}
