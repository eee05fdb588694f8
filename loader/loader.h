/*
 * loader.h: validate and load an spt guest executable.
 *
 * Every byte of the file is hostile. Nothing here exits, aborts or asserts
 * on file content: each function returns 0 on success or -1 with a one-line
 * message in a struct loader_err that names the file and the cause.
 */
#ifndef SPT_LOADER_H
#define SPT_LOADER_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5/elf_abi.h"
#include "solo5/mft_abi.h"

struct loader_err {
    char msg[400];
};

/* Where the bytes come from: a file descriptor or a buffer (fuzzing). */
struct loader_src {
    const char *name; /* for messages */
    uint64_t size;    /* bytes in the file */
    int fd;           /* >= 0: read with pread */
    const uint8_t *buf; /* else: read from here */
};

/* fstat()s fd: the file must be a regular file. */
int loader_src_from_fd(struct loader_src *src, int fd, const char *name,
                       struct loader_err *err);
void loader_src_from_buf(struct loader_src *src, const void *buf,
                         size_t size, const char *name);

/* The ELF header and program headers, validated as spec section 1 says. */
struct elf_image {
    uint64_t entry;
    uint16_t phnum;
    Elf64_Phdr *phdr; /* phnum entries, owned */
};

int elf_image_read(const struct loader_src *src, struct elf_image *img,
                   struct loader_err *err);
void elf_image_free(struct elf_image *img);

/*
 * Guest memory as the loader sees it: guest address a lives at host
 * address base + (a - base_addr), for a in [base_addr, mem_size).
 * protect() applies R/W/X (PROT_* values) to a page-aligned guest range.
 * The region must be zero-filled: the loader copies file content only, so
 * bytes past p_filesz (.bss) are the region's own zeros.
 */
struct guest_region {
    uint8_t *base;
    uint64_t base_addr;
    uint64_t mem_size;
    int (*protect)(void *arg, uint64_t start, uint64_t end, int prot);
    void *protect_arg;
};

#define LOADER_MIN_ADDR 0x100000ULL /* lowest address of program content */
#define LOADER_PAGE     0x1000ULL

/*
 * Check every PT_LOAD against mem_size without touching memory, and
 * compute kernel_end. Used before memory exists and by the loader itself.
 */
int elf_check_segments(const struct loader_src *src,
                       const struct elf_image *img, uint64_t mem_size,
                       uint64_t *kernel_end, struct loader_err *err);

/* Check, then copy each segment into the region and protect it. */
int elf_load_segments(const struct loader_src *src,
                      const struct elf_image *img,
                      const struct guest_region *mem, uint64_t *kernel_end,
                      struct loader_err *err);

/*
 * Find the Solo5 note of type n_type as the Solo5 tender does: the first
 * note of each PT_NOTE segment, in program-header order, first match wins.
 * Copies the descriptor (after pad bytes of alignment padding) into
 * out[0..*out_size). Returns 0 when found, 1 when absent, -1 on a bad file.
 */
int solo5_note_find(const struct loader_src *src, const struct elf_image *img,
                    uint32_t n_type, size_t pad, size_t desc_min,
                    size_t desc_max, void *out, size_t out_cap,
                    size_t *out_size, struct loader_err *err);

/* The ABI1 note must say spt, version 2. */
int solo5_abi_check(const struct loader_src *src, const struct elf_image *img,
                    struct solo5_abi1 *abi, struct loader_err *err);

/* Read and validate the MFT1 note. out must hold MFT_MAX_SIZE bytes. */
int solo5_manifest_read(const struct loader_src *src,
                        const struct elf_image *img, struct mft *out,
                        size_t *out_size, struct loader_err *err);

/* Validate a manifest of size bytes, as spec section 3 says. */
int mft_validate(const struct mft *mft, size_t size, const char *name,
                 struct loader_err *err);

/* First entry matching both name and type, or NULL. */
struct mft_entry *mft_find(struct mft *mft, const char *name, uint32_t type);

/* "BLOCK_BASIC", "NET_BASIC", or NULL for other types. */
const char *mft_type_name(uint32_t type);

/*
 * The address of function name in the vDSO image mapped at image (from
 * getauxval(AT_SYSINFO_EHDR)), or 0 if it has none.
 */
uint64_t vdso_symbol(const void *image, const char *name);

/* Human name of an ABI target ("hvt", "spt", ...), or NULL. */
const char *solo5_abi_target_name(uint32_t target);

#endif /* SPT_LOADER_H */
