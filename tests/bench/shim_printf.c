/*
 * shim_printf.c: spt_printf for the native builds of our unikernels
 * (net_shim.c, fuzz_shim.c): the C library's printf, flushed at once as
 * the guest's console write is.
 */
#include <stdarg.h>
#include <stdio.h>

#include "solo5_spt.h"

int spt_printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    return n;
}
