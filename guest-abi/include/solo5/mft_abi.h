/*
 * mft_abi.h: the application manifest, version 1.
 *
 * Self-contained: C99 types only. The layout is fixed by the Solo5
 * toolchains (little-endian, natural alignment); the static assertions
 * below pin every offset, so a compiler or a careless edit cannot move one.
 *
 * It also compiles the manifest sources that Solo5's and our
 * `solo5-elftool gen-manifest` write: they define MFT_ENTRIES, include
 * "mft_abi.h" and declare the note with MFT1_NOTE_DECLARE_BEGIN/END.
 */
#ifndef SOLO5_MFT_ABI_H
#define SOLO5_MFT_ABI_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "elf_abi.h"

#define MFT_VERSION     1
#define MFT_MAX_ENTRIES 64 /* entry 0 is reserved: at most 63 devices */
#define MFT_NAME_SIZE   68 /* including the terminating NUL */
#define MFT_NAME_MAX    (MFT_NAME_SIZE - 1)

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

/*
 * A manifest source defines MFT_ENTRIES before including this header, which
 * sizes e[] so that the note can be initialized; elsewhere e[] is flexible.
 */
#ifdef MFT_ENTRIES
_Static_assert(MFT_ENTRIES >= 1 && MFT_ENTRIES <= MFT_MAX_ENTRIES,
               "MFT_ENTRIES is 1 to 64");
#define MFT_E_COUNT MFT_ENTRIES
#else
#define MFT_E_COUNT
#endif

struct mft {
    uint32_t version;
    uint32_t entries;
    struct mft_entry e[MFT_E_COUNT];
};

#define MFT_SIZE(entries)                                                      \
    (offsetof(struct mft, e) + (entries) * sizeof(struct mft_entry))
#define MFT_MAX_SIZE MFT_SIZE(MFT_MAX_ENTRIES)

_Static_assert(sizeof(struct mft_entry) == 104, "mft_entry is 104 bytes");
_Static_assert(offsetof(struct mft_entry, type) == 68, "type at 68");
_Static_assert(offsetof(struct mft_entry, u) == 72, "device data at 72");
_Static_assert(offsetof(struct mft_entry, u.block_basic.block_size) == 80,
               "block_size at 80");
_Static_assert(offsetof(struct mft_entry, u.net_basic.mtu) == 78, "mtu at 78");
_Static_assert(offsetof(struct mft_entry, b) == 88, "hostfd at 88");
_Static_assert(offsetof(struct mft_entry, attached) == 96, "attached at 96");
_Static_assert(offsetof(struct mft, e) == 8, "manifest header is 8 bytes");

#ifdef MFT_ENTRIES
/*
 * The MFT1 note of the manifest being defined: the 20-byte Solo5 note
 * header, then the manifest at the next 8-byte boundary. The variable is
 * 4-aligned, so its PT_NOTE is too: readelf and the gABI read 4-aligned
 * notes with the layout above, and the tenders do not care where it lies.
 */
struct mft1_note {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char n_name[SOLO5_NOTE_HDR_SIZE - 12];
    struct mft m;
};

_Static_assert(offsetof(struct mft1_note, m) ==
                   SOLO5_NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD,
               "the manifest follows the note header and its padding");

#define MFT1_NOTE_DECLARE_BEGIN                                                \
    const struct mft1_note __solo5_mft1_note                                   \
        __attribute__((section(".note.solo5.manifest"), aligned(4), used)) = { \
            .n_namesz = SOLO5_NOTE_NAMESZ,                                     \
            .n_descsz = sizeof(struct mft1_note) - SOLO5_NOTE_HDR_SIZE,        \
            .n_type = SOLO5_NOTE_MANIFEST,                                     \
            .n_name = SOLO5_NOTE_NAME,                                         \
            .m =
#define MFT1_NOTE_DECLARE_END                                                  \
    }                                                                          \
    ;
#endif /* MFT_ENTRIES */

#endif /* SOLO5_MFT_ABI_H */
