/*
 * string.c: the few string and memory functions the bindings need.
 *
 * The compiler may emit calls to memcpy, memset, memmove and memcmp even
 * in freestanding code, so those are provided too, as weak symbols: an
 * application that links its own C library keeps its own.
 */
#include "bindings.h"

size_t spt_strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

int spt_strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

        if (x != y || x == '\0')
            return x - y;
    }
    return 0;
}

int spt_strcmp(const char *a, const char *b)
{
    return spt_strncmp(a, b, (size_t)-1);
}

__attribute__((weak)) void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

__attribute__((weak)) void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

__attribute__((weak)) void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;

    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

__attribute__((weak)) int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;

    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] - y[i];
    return 0;
}
