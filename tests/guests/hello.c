/*
 * hello: prints SUCCESS and its command line, between markers.
 *
 * Driven by tests/e2e/test_guests.c (command lines, log levels, the
 * tender's refusals) and test_process.c (--x-user, --mem).
 */
#include "guest_util.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    spt_printf("cmdline=[%s]\n", si->cmdline);
    g_puts("SUCCESS\n");
    return SOLO5_EXIT_SUCCESS;
}
