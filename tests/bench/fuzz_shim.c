/*
 * fuzz_shim.c: the Solo5 and SDK calls examples/fuzz makes, implemented
 * natively on AFL++'s own runtime, so that the same target source runs as
 * a native program under AFL++'s fork server: the fuzz limits.
 *
 * Compiled, with examples/fuzz/main.c, by afl-clang-fast, which provides
 * the shared-memory test case macros (__AFL_FUZZ_INIT,
 * __AFL_FUZZ_TESTCASE_BUF, __AFL_FUZZ_TESTCASE_LEN) and __AFL_LOOP, and
 * links its runtime, which serves the fork-server protocol. Built twice:
 *
 *   fuzz_native              one input per child (AFL++'s plain fork server)
 *   fuzz_native_persistent   -DPERSISTENT: spt_fuzz_next is __AFL_LOOP,
 *                            1000 inputs a child, as --x-fuzz-persistent
 *
 * Only main.c is instrumented (see tests/bench/module.mk), as only the
 * guest's own code is in a solo5-spt-cc --fuzz build.
 */
#include <stdio.h>
#include <unistd.h>

#include "solo5.h"
#include "solo5_spt.h"

#define PERSISTENT_MAX 1000 /* solo5-spt's default, --x-fuzz-persistent */

__AFL_FUZZ_INIT();

static bool given; /* the first input was handed out */

bool spt_fuzz_input(const uint8_t **data, size_t *len)
{
    *data = __AFL_FUZZ_TESTCASE_BUF;
    *len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
    return true;
}

bool spt_fuzz_next(const uint8_t **data, size_t *len)
{
#ifdef PERSISTENT
    if (!__AFL_LOOP(PERSISTENT_MAX))
        return false;
#else
    if (given)
        return false;
#endif
    given = true;
    return spt_fuzz_input(data, len);
}

int main(int argc, char **argv)
{
    struct solo5_start_info si = {.cmdline = ""};

    (void)argc;
    (void)argv;
    return solo5_app_main(&si);
}
