/*
 * internal.h: helpers shared by the loader's files, not part of its API.
 */
#ifndef SPT_LOADER_INTERNAL_H
#define SPT_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "loader.h"

/* Fill err with "<src name>: <message>" on one line; returns -1. */
int loader_fail(struct loader_err *err, const char *name, const char *fmt,
                ...) __attribute__((format(printf, 3, 4)));

/* Read exactly len bytes at off; -1 with a message if the file is short. */
int src_read(const struct loader_src *src, void *dst, uint64_t len,
             uint64_t off, const char *what, struct loader_err *err);

/* True if [off, off + len) lies inside the file, overflow-checked. */
bool src_contains(const struct loader_src *src, uint64_t off, uint64_t len);

static inline bool is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* align must be a power of two; false on overflow. */
static inline bool align_up(uint64_t x, uint64_t align, uint64_t *out)
{
    uint64_t sum;

    if (__builtin_add_overflow(x, align - 1, &sum))
        return false;
    *out = sum & ~(align - 1);
    return true;
}

#endif /* SPT_LOADER_INTERNAL_H */
