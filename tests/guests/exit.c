/*
 * exit: the ways out.
 *   return N | exit N | abort | assert
 *
 * Driven by tests/e2e/test_guests.c (test_exits, test_abort,
 * test_assert_quiet) and test_process.c (test_gdb, --x-supervise).
 */
#include "guest_util.h"

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    char mode[16], arg[16] = "0";

    if (!g_word(&p, mode, sizeof mode))
        return 2;
    g_word(&p, arg, sizeof arg);
    if (g_streq(mode, "return"))
        return (int)g_number(arg);
    if (g_streq(mode, "exit"))
        solo5_exit((int)g_number(arg));
    if (g_streq(mode, "abort"))
        solo5_abort();
    if (g_streq(mode, "assert"))
        SPT_ASSERT(g_streq(arg, "impossible"));
    return 2;
}
