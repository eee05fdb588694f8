/*
 * blk_pattern.h: the bytes the block tests write; the host-side test
 * computes the same function to check the image files.
 */
#ifndef BLK_PATTERN_H
#define BLK_PATTERN_H

#include <stdint.h>

static inline uint8_t blk_pattern(uint64_t offset, uint64_t seed)
{
    uint64_t x = (offset >> 3) * 0x9e3779b97f4a7c15ULL + seed;

    return (uint8_t)((x >> 29) ^ (offset & 7) ^ seed);
}

#endif /* BLK_PATTERN_H */
