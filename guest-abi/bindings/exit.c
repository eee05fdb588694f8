/*
 * exit.c: the ways out of a guest.
 */
#include "bindings.h"
#include "sys.h"

void solo5_exit(int status)
{
    spt_log(LOG_INFO, "solo5_exit(%d) called\n", status);
    sys_call3(SYS_exit_group, (uint64_t)(uint32_t)status, 0, 0);
    __builtin_unreachable();
}

void solo5_abort(void)
{
    spt_abort("solo5_abort() called");
}

void spt_assert_fail(const char *file, int line, const char *expr)
{
    spt_abort("%s:%d: assertion `%s' failed", file, line, expr);
}

/* Called by code built with -fstack-protector when the canary changed. */
void __stack_chk_fail(void) __attribute__((noreturn));

void __stack_chk_fail(void)
{
    spt_abort("stack smashing detected");
}
