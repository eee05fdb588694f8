/*
 * fuzz_elf.c: the ELF loader on arbitrary bytes (libFuzzer harness).
 *
 * The input is a whole guest file. It goes through elf_image_read, then
 * elf_check_segments and elf_load_segments into a small zero-filled guest
 * region, as the tender would call them. Besides the sanitizers, the
 * harness checks what an accepted file implies: the program headers are
 * the file's, every protect() call covers a page-aligned range inside
 * guest memory in ascending order with the segment's own protection, the
 * region holds the file's bytes at p_vaddr and zeros elsewhere, and the
 * dry run (elf_check_segments) agrees with the real load.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fuzz_check.h"
#include "loader.h"
#include "solo5/spt_abi.h"

/*
 * Small guest memory, so that loading an invalid image costs little; the
 * region ends exactly at MEM_SIZE, so a write past it is a heap overflow.
 */
#define MEM_SIZE      (4ULL << 20)
#define SMALL_MEM     (2ULL << 20)
#define BASE_ADDR     ((uint64_t)SPT_HOST_MEM_BASE)
#define PREFIX        FUZZ_FILE_NAME ": "
#define CALLS_CHECKED 64 /* protect() calls compared one by one */

struct protect_call {
    uint64_t start, end;
    int prot;
};

struct protect_log {
    unsigned calls;
    int fail_call; /* index of the call that fails, or -1 */
    bool failed;
    uint64_t lo, hi; /* the span of every range protected so far */
    struct protect_call call[CALLS_CHECKED];
};

static uint8_t *guest; /* guest addresses [BASE_ADDR, MEM_SIZE) */

static int record_protect(void *arg, uint64_t start, uint64_t end, int prot)
{
    struct protect_log *log = arg;

    fuzz_require(start < end);
    fuzz_require(((start | end) & (LOADER_PAGE - 1)) == 0);
    fuzz_require(start >= LOADER_MIN_ADDR && end <= MEM_SIZE);
    fuzz_require(log->calls == 0 || start >= log->hi);
    fuzz_require((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)) == 0);
    fuzz_require((prot & (PROT_WRITE | PROT_EXEC)) != (PROT_WRITE | PROT_EXEC));
    if (log->calls == 0)
        log->lo = start;
    log->hi = end;
    if (log->calls < CALLS_CHECKED)
        log->call[log->calls] = (struct protect_call){start, end, prot};
    if ((int)log->calls++ == log->fail_call) {
        log->failed = true;
        return -1;
    }
    return 0;
}

static uint8_t *guest_at(uint64_t addr)
{
    return guest + (addr - BASE_ADDR);
}

static void require_zero(uint64_t from, uint64_t to)
{
    static const uint8_t zeros[LOADER_PAGE];

    while (from < to) {
        uint64_t n = to - from < sizeof zeros ? to - from : sizeof zeros;

        fuzz_require(memcmp(guest_at(from), zeros, n) == 0);
        from += n;
    }
}

/* An accepted header is the file's own and follows spec section 1. */
static void require_image(const uint8_t *data, size_t size,
                          const struct elf_image *img)
{
    Elf64_Ehdr eh;

    fuzz_require(size >= sizeof eh);
    memcpy(&eh, data, sizeof eh);
    fuzz_require(memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0);
    fuzz_require(eh.e_ident[EI_CLASS] == ELFCLASS64);
    fuzz_require(eh.e_ident[EI_DATA] == ELFDATA2LSB);
    fuzz_require(eh.e_version == EV_CURRENT && eh.e_machine == EM_X86_64);
    fuzz_require(eh.e_type == ET_EXEC && eh.e_ehsize == sizeof eh);
    fuzz_require(eh.e_phentsize == sizeof(Elf64_Phdr));
    fuzz_require(img->phnum == eh.e_phnum && img->entry == eh.e_entry);
    fuzz_require(img->phnum >= 1 && img->phnum != PN_XNUM);
    fuzz_require(eh.e_phoff <= size &&
                 size - eh.e_phoff >= img->phnum * sizeof(Elf64_Phdr));
    fuzz_require(memcmp(img->phdr, data + eh.e_phoff,
                        img->phnum * sizeof(Elf64_Phdr)) == 0);
}

static int prot_of(uint32_t p_flags)
{
    return ((p_flags & PF_R) ? PROT_READ : 0) |
           ((p_flags & PF_W) ? PROT_WRITE : 0) |
           ((p_flags & PF_X) ? PROT_EXEC : 0);
}

/*
 * After a successful load: one protect() per PT_LOAD with content, over
 * the segment rounded out to p_align, with its own protection; the file's
 * bytes at p_vaddr and zeros everywhere else in the span.
 */
static void require_loaded(const uint8_t *data, size_t size,
                           const struct elf_image *img,
                           const struct protect_log *log, uint64_t kernel_end)
{
    uint64_t zero_from = log->lo;
    unsigned n = 0;

    for (unsigned i = 0; i < img->phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];

        if (ph->p_type != PT_LOAD || ph->p_filesz == 0)
            continue;
        fuzz_require(ph->p_vaddr >= LOADER_MIN_ADDR);
        fuzz_require(ph->p_filesz <= ph->p_memsz);
        fuzz_require((ph->p_flags & (PF_W | PF_X)) != (PF_W | PF_X));
        fuzz_require(ph->p_offset <= size &&
                     size - ph->p_offset >= ph->p_filesz);
        if (n < CALLS_CHECKED) {
            const struct protect_call *c = &log->call[n];
            uint64_t align = ph->p_align;

            fuzz_require(c->start == (ph->p_vaddr & ~(align - 1)));
            fuzz_require(c->end == ((ph->p_vaddr + ph->p_memsz + align - 1) &
                                    ~(align - 1)));
            fuzz_require(c->prot == prot_of(ph->p_flags));
        }
        n++;
        fuzz_require(ph->p_vaddr >= zero_from);
        require_zero(zero_from, ph->p_vaddr);
        fuzz_require(memcmp(guest_at(ph->p_vaddr), data + ph->p_offset,
                            ph->p_filesz) == 0);
        zero_from = ph->p_vaddr + ph->p_filesz;
    }
    fuzz_require(n == log->calls && n > 0);
    fuzz_require(kernel_end == log->hi);
    require_zero(zero_from, log->hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct protect_log log = {.fail_call = -1};
    struct guest_region region = {
        .base_addr = BASE_ADDR,
        .mem_size = MEM_SIZE,
        .protect = record_protect,
        .protect_arg = &log,
    };
    uint64_t end_check = 0, end_small = 0, end_load = 0;
    char check_msg[sizeof(struct loader_err)];
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    int rc_check, rc_small, rc_load;

    if (guest == NULL) {
        guest = calloc(1, MEM_SIZE - BASE_ADDR);
        fuzz_require(guest != NULL);
    }
    region.base = guest;
    loader_src_from_buf(&src, data, size, FUZZ_FILE_NAME);
    if (elf_image_read(&src, &img, &err) == -1) {
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
        fuzz_require(img.phdr == NULL && img.phnum == 0);
        return 0;
    }
    require_image(data, size, &img);

    rc_check = elf_check_segments(&src, &img, MEM_SIZE, &end_check, &err);
    if (rc_check == -1) {
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
        memcpy(check_msg, err.msg, sizeof check_msg);
    } else {
        fuzz_require(rc_check == 0);
        fuzz_require(end_check > LOADER_MIN_ADDR && end_check <= MEM_SIZE);
        fuzz_require((end_check & (LOADER_PAGE - 1)) == 0);
        fuzz_require(img.entry >= LOADER_MIN_ADDR && img.entry < MEM_SIZE);
    }
    /* Less memory never admits more. */
    rc_small = elf_check_segments(&src, &img, SMALL_MEM, &end_small, &err);
    if (rc_small == 0)
        fuzz_require(rc_check == 0 && end_small == end_check);
    else
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);

    /* Some inputs also see the second protect() fail, as mprotect may. */
    if (size % 5 == 0)
        log.fail_call = 1;
    rc_load = elf_load_segments(&src, &img, &region, &end_load, &err);
    if (log.failed) {
        fuzz_require(rc_load == -1);
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
        fuzz_require(strstr(err.msg, "cannot set protection") != NULL);
    } else if (rc_check == -1) {
        fuzz_require(rc_load == -1);
        fuzz_require(strcmp(err.msg, check_msg) == 0);
    } else {
        fuzz_require(rc_load == 0 && end_load == end_check);
        require_loaded(data, size, &img, &log, end_load);
    }
    /* Back to zeros for the next input: only protected ranges were written. */
    if (log.calls > 0)
        memset(guest_at(log.lo), 0, log.hi - log.lo);
    elf_image_free(&img);
    return 0;
}
