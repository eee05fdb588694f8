/*
 * guest_util.h: small helpers shared by the test guests (header-only: each
 * guest is built from one .c file by solo5-spt-cc).
 */
#ifndef GUEST_UTIL_H
#define GUEST_UTIL_H

#include "solo5.h"
#include "solo5_spt.h"

static inline size_t g_strlen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

static inline void g_puts(const char *s)
{
    solo5_console_write(s, g_strlen(s));
}

/* Copy the next space-separated word of *p into w; false at the end. */
static inline bool g_word(const char **p, char *w, size_t size)
{
    size_t n = 0;

    while (**p == ' ')
        (*p)++;
    if (**p == '\0')
        return false;
    while (**p && **p != ' ') {
        if (n + 1 < size)
            w[n++] = **p;
        (*p)++;
    }
    w[n] = '\0';
    return true;
}

static inline bool g_streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* Decimal, 0x-hex, with an optional leading '-'. */
static inline uint64_t g_number(const char *s)
{
    uint64_t v = 0;
    bool neg = false;

    if (*s == '-') {
        neg = true;
        s++;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (s += 2; *s; s++) {
            int d = (*s >= '0' && *s <= '9')   ? *s - '0'
                    : (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
                    : (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10
                                               : 0;
            v = v * 16 + (uint64_t)d;
        }
    } else {
        for (; *s >= '0' && *s <= '9'; s++)
            v = v * 10 + (uint64_t)(*s - '0');
    }
    return neg ? 0 - v : v;
}

#endif /* GUEST_UTIL_H */
