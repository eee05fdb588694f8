/*
 * mft_abi.h: the application manifest, version 1.
 *
 * Self-contained: C99 types only. The layout is fixed by the Solo5
 * toolchains (little-endian, natural alignment); the static assertions
 * below pin every offset, so a compiler or a careless edit cannot move one.
 */
#ifndef SOLO5_MFT_ABI_H
#define SOLO5_MFT_ABI_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define MFT_VERSION      1
#define MFT_MAX_ENTRIES  64 /* entry 0 is reserved: at most 63 devices */
#define MFT_NAME_SIZE    68 /* including the terminating NUL */
#define MFT_NAME_MAX     (MFT_NAME_SIZE - 1)

enum mft_type {
    MFT_DEV_BLOCK_BASIC = 1,
    MFT_DEV_NET_BASIC = 2,
    MFT_RESERVED_FIRST = 0x40000000 /* types from here on need no device */
};

struct mft_block_basic {
    uint64_t capacity;   /* bytes */
    uint16_t block_size; /* bytes */
};

struct mft_net_basic {
    uint8_t mac[6];
    uint16_t mtu; /* without the 14-byte Ethernet header */
};

struct mft_entry {
    char name[MFT_NAME_SIZE];
    uint32_t type; /* enum mft_type */
    union {
        struct mft_block_basic block_basic;
        struct mft_net_basic net_basic;
    } u;
    union {
        int hostfd;
        void *handle;
    } b;
    bool attached;
};

struct mft {
    uint32_t version;
    uint32_t entries;
    struct mft_entry e[];
};

#define MFT_SIZE(entries) (sizeof(struct mft) + (entries) * sizeof(struct mft_entry))
#define MFT_MAX_SIZE      MFT_SIZE(MFT_MAX_ENTRIES)

_Static_assert(sizeof(struct mft_entry) == 104, "mft_entry is 104 bytes");
_Static_assert(offsetof(struct mft_entry, type) == 68, "type at 68");
_Static_assert(offsetof(struct mft_entry, u) == 72, "device data at 72");
_Static_assert(offsetof(struct mft_entry, u.block_basic.block_size) == 80,
               "block_size at 80");
_Static_assert(offsetof(struct mft_entry, u.net_basic.mtu) == 78, "mtu at 78");
_Static_assert(offsetof(struct mft_entry, b) == 88, "hostfd at 88");
_Static_assert(offsetof(struct mft_entry, attached) == 96, "attached at 96");
_Static_assert(sizeof(struct mft) == 8, "manifest header is 8 bytes");

#endif /* SOLO5_MFT_ABI_H */
