/*
 * errf.c: refusals written as one line into a caller's buffer.
 */
#include <stdarg.h>
#include <stdio.h>

#include "errf.h"

int verrf(char *err, size_t errlen, const char *fmt, va_list ap)
{
    vsnprintf(err, errlen, fmt, ap);
    for (char *p = err; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return -1;
}

int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    verrf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
