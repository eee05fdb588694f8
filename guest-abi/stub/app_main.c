/*
 * app_main.c: what the stub bindings add to the spt bindings.
 *
 * The stub bindings (solo5_stub.o) are the spt bindings with their ABI1
 * note removed and this weak solo5_app_main added. Build systems written
 * for Solo5, such as autoconf, link their test programs with them: any
 * program links, whether it has a solo5_app_main or not, against the
 * whole Solo5 API. The result never runs: no tender accepts a file
 * without an ABI1 note, and its PT_INTERP keeps the host from exec'ing it.
 */
#include "solo5.h"

__attribute__((weak)) int solo5_app_main(const struct solo5_start_info *si)
{
    (void)si;
    return SOLO5_EXIT_FAILURE;
}
