/*
 * hostdata.c: nothing of the host left for the guest to read.
 *
 * The guest can read every byte of the process. Before the jump this
 * wipes what it has no business reading: the environment, our command
 * line except the guest's own words (paths of the kernel and the devices,
 * options), the auxiliary vector's file name and random bytes, and the
 * dead part of the tender's stack (error messages, interface requests,
 * the /etc/passwd buffer). What remains is listed in the README.
 */
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "tender.h"

#define SCRUB_MAX (1024 * 1024) /* deepest the tender's stack goes, bounded */

static void wipe_string(char *s)
{
    if (s)
        explicit_bzero(s, strlen(s));
}

/*
 * How many pages the stack's mapping reaches below low (at most max), by
 * bisection: mincore() fails on a range that leaves the mapping.
 */
static size_t stack_pages(uintptr_t low, size_t page, unsigned char *vec,
                          size_t max)
{
    size_t ok = 1, bad = max + 1;

    while (bad - ok > 1) {
        size_t mid = ok + (bad - ok) / 2;

        if (mincore((void *)(low - (mid - 1) * page), mid * page, vec) == 0)
            ok = mid;
        else
            bad = mid;
    }
    return ok;
}

/*
 * Zero the resident pages of the stack below us. mincore() tells which
 * pages were ever touched, so untouched ones stay untouched; the zeroing
 * loop calls nothing, so no frame lives in what it clears.
 */
static void __attribute__((noinline)) stack_scrub(void)
{
    static unsigned char resident[SCRUB_MAX / 4096];
    size_t page = (size_t)sysconf(_SC_PAGESIZE), pages;
    volatile uint8_t here = 0;
    uintptr_t top = (uintptr_t)&here - 512;
    uintptr_t low = top & ~((uintptr_t)page - 1);
    uintptr_t bottom;

    pages = stack_pages(low, page, resident, sizeof resident);
    bottom = low - (pages - 1) * page;
    if (mincore((void *)bottom, pages * page, resident) != 0)
        return;
    /* resident[i] is the page at bottom + i * page, lowest first. */
    for (size_t i = 0; i < pages; i++) {
        volatile uint8_t *p = (volatile uint8_t *)(bottom + i * page);
        uintptr_t end = i == pages - 1 ? top : bottom + (i + 1) * page;

        if (!(resident[i] & 1))
            continue;
        for (; (uintptr_t)p < end; p++)
            *p = 0;
    }
    (void)here;
}

void host_data_wipe(int argc, char **argv, const struct spt_opts *opts)
{
    static const char name[] = "solo5-spt";
    char *execfn = (char *)getauxval(AT_EXECFN);
    uint8_t *random = (uint8_t *)getauxval(AT_RANDOM);
    int first_guest_word = argc - opts->guest_argc;
    size_t argv0_len = argc > 0 ? strlen(argv[0]) : 0;

    for (char **e = environ; e && *e; e++) {
        wipe_string(*e);
        *e = NULL;
    }
    /* The guest's own words stay: they are in its boot data anyway. */
    for (int i = 0; i < first_guest_word; i++)
        wipe_string(argv[i]);
    if (argc > 0 && argv0_len + 1 >= sizeof name)
        memcpy(argv[0], name, sizeof name); /* what ps shows */
    wipe_string(execfn);
    if (random)
        explicit_bzero(random, 16);
    malloc_trim(0); /* freed heap pages go back to the kernel */
    stack_scrub();
}
