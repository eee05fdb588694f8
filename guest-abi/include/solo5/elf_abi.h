/*
 * elf_abi.h: the Solo5 ELF notes an spt executable carries.
 *
 * Self-contained: C99 types only. Shared by the guest SDK, the loader and
 * the tools, so every side agrees on one definition of the bytes.
 */
#ifndef SOLO5_ELF_ABI_H
#define SOLO5_ELF_ABI_H

#include <stdint.h>

/* Every Solo5 note is named "Solo5": n_namesz 6, name padded to 8 bytes. */
#define SOLO5_NOTE_NAME       "Solo5"
#define SOLO5_NOTE_NAMESZ     6
#define SOLO5_NOTE_HDR_SIZE   20 /* n_namesz, n_descsz, n_type, name[8] */
#define SOLO5_NOTE_MIN_PHDR   12 /* a PT_NOTE shorter than this is refused */

/* n_type values, the ASCII tag read as a little-endian word. */
#define SOLO5_NOTE_ABI        0x31494241u /* "ABI1" */
#define SOLO5_NOTE_MANIFEST   0x3154464du /* "MFT1" */

/* ABI1: the descriptor the SDK emits, and the sizes Solo5 accepts. */
struct solo5_abi1 {
    uint32_t abi_target;
    uint32_t abi_version;
    uint32_t reserved0;
    uint32_t reserved1;
};

#define SOLO5_ABI1_DESC_MIN   1
#define SOLO5_ABI1_DESC_MAX   32

/* Targets as numbered by the Solo5 toolchains. */
#define SOLO5_ABI_TARGET_HVT    1
#define SOLO5_ABI_TARGET_SPT    2
#define SOLO5_ABI_TARGET_VIRTIO 3
#define SOLO5_ABI_TARGET_MUEN   4
#define SOLO5_ABI_TARGET_GENODE 5
#define SOLO5_ABI_TARGET_XEN    6

#define SOLO5_SPT_ABI_VERSION 2

/*
 * MFT1: the manifest starts 8-byte aligned, so the descriptor opens with
 * 4 bytes of padding that n_descsz counts.
 */
#define SOLO5_MFT_NOTE_PAD      4
#define SOLO5_MFT_NOTE_DESC_MAX 6668 /* 4 + 8 + 64 * 104 */

/* The interpreter path that keeps the host kernel from exec'ing a guest. */
#define SOLO5_SPT_INTERP "/nonexistent/solo5/"

#endif /* SOLO5_ELF_ABI_H */
