/*
 * elfgen.h: build a minimal spt guest executable in memory.
 *
 * The image is laid out as the Solo5 toolchains lay out an spt guest (spec
 * sections 1-3): an ELF64 header, the program headers, the PT_INTERP
 * string, the ABI1 note, the MFT1 note, then the three loadable segments
 * on page-aligned file offsets. Every part can be reached through an
 * accessor, so a test (or a malformed-input generator) starts from an image
 * the loader accepts and corrupts exactly the field it is about.
 *
 * The buffer is allocated with exactly g->size bytes, so that a sanitizer
 * or valgrind catches any read past the end of the file.
 */
#ifndef SPT_TESTS_ELFGEN_H
#define SPT_TESTS_ELFGEN_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5/elf_abi.h"
#include "solo5/mft_abi.h"

/* The parts of an image, in the order of their program headers. */
enum elfgen_part {
    ELFGEN_INTERP,   /* PT_INTERP "/nonexistent/solo5/" (optional) */
    ELFGEN_TEXT,     /* PT_LOAD R+X */
    ELFGEN_RODATA,   /* PT_LOAD R */
    ELFGEN_DATA,     /* PT_LOAD R+W, p_memsz > p_filesz (.data, .bss) */
    ELFGEN_BSS,      /* PT_LOAD R+W, p_filesz 0 (optional: .bss apart) */
    ELFGEN_EMPTY,    /* PT_LOAD at 0, p_filesz = p_memsz = 0 (optional) */
    ELFGEN_NOTE_ABI, /* PT_NOTE holding the ABI1 note */
    ELFGEN_NOTE_MFT, /* PT_NOTE holding the MFT1 note */
    ELFGEN_NPARTS
};

/*
 * Where the segments go. Sizes are deliberately not page multiples, so
 * that rounding and zero-filling are exercised.
 */
#define ELFGEN_TEXT_VADDR   0x100000ULL
#define ELFGEN_TEXT_SIZE    0x1234ULL
#define ELFGEN_RODATA_VADDR 0x102000ULL
#define ELFGEN_RODATA_SIZE  0x456ULL
#define ELFGEN_DATA_VADDR   0x103000ULL
#define ELFGEN_DATA_FILESZ  0x78ULL
#define ELFGEN_BSS_SIZE     0x2000ULL
#define ELFGEN_ENTRY        (ELFGEN_TEXT_VADDR + 0x40)
#define ELFGEN_PAGE         0x1000ULL

/* kernel_end: the data segment's end, .bss included, rounded to a page. */
#define ELFGEN_KERNEL_END 0x106000ULL
/* kernel_end with opts.bss_segment: .bss, in its own segment, is left out. */
#define ELFGEN_KERNEL_END_SPLIT_BSS 0x104000ULL

struct elfgen_device {
    const char *name; /* truncated to MFT_NAME_MAX bytes */
    uint32_t type;    /* MFT_DEV_BLOCK_BASIC, MFT_DEV_NET_BASIC, ... */
};

/* All zero: a valid image without devices and without optional parts. */
struct elfgen_opts {
    const struct elfgen_device *devices; /* manifest entries 1..ndevices */
    unsigned ndevices;
    bool interp;          /* a PT_INTERP, first, as the toolchains emit */
    bool bss_segment;     /* .bss as a PT_LOAD of its own with p_filesz 0 */
    bool empty_segment;   /* an empty PT_LOAD at address 0 (empty .tdata) */
    bool openbsd_note;    /* the OpenBSD note after ABI1, in its PT_NOTE */
    unsigned spare_phdrs; /* PT_NULL entries at the end of the table */
    size_t spare_bytes;   /* zero bytes at the end of the file */
};

struct elfgen {
    uint8_t *buf;
    size_t size;
    unsigned phnum;
    int ph_index[ELFGEN_NPARTS]; /* program header of each part, -1: none */
    size_t abi_note_off;         /* the ABI1 note header */
    size_t mft_note_off;         /* the MFT1 note header */
    size_t mft_off;              /* the manifest, after 4 pad bytes */
    size_t mft_size;             /* 8 + 104 * (ndevices + 1) */
    unsigned spare_ph_first;     /* first spare program header */
    unsigned spare_ph_used;      /* spare headers taken by elfgen_add_note */
    size_t spare_off;            /* first spare byte */
    size_t spare_used;           /* spare bytes taken by elfgen_add_note */
};

/* 0, or -1 if out of memory. opts may be NULL for the defaults. */
int elfgen_build(struct elfgen *g, const struct elfgen_opts *opts);
void elfgen_free(struct elfgen *g);

Elf64_Ehdr *elfgen_ehdr(struct elfgen *g);
/* The program header of a part, or NULL if the image has none. */
Elf64_Phdr *elfgen_phdr(struct elfgen *g, enum elfgen_part part);
/* The program header at index i (0 <= i < g->phnum). */
Elf64_Phdr *elfgen_phdr_at(struct elfgen *g, unsigned i);
/* The note header of ELFGEN_NOTE_ABI or ELFGEN_NOTE_MFT, else NULL. */
Elf64_Nhdr *elfgen_note(struct elfgen *g, enum elfgen_part part);
/* The 8 name bytes that follow a Solo5 note header. */
char *elfgen_note_name(Elf64_Nhdr *nh);
struct solo5_abi1 *elfgen_abi(struct elfgen *g);
struct mft *elfgen_mft(struct elfgen *g);

/* Exchange two parts' program headers (the table order matters). */
void elfgen_swap_phdrs(struct elfgen *g, enum elfgen_part a,
                       enum elfgen_part b);

/*
 * Copy len bytes (a note, or anything else) into the spare bytes, 8-byte
 * aligned, and make the next spare program header a PT_NOTE covering
 * them. Returns that header, or NULL if the spare room is exhausted.
 */
Elf64_Phdr *elfgen_add_note(struct elfgen *g, const void *bytes, size_t len);

/* Write the whole image to fd; 0, or -1 with errno set. */
int elfgen_write(const struct elfgen *g, int fd);

#endif /* SPT_TESTS_ELFGEN_H */
