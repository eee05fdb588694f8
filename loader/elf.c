/*
 * elf.c: the ELF header, program headers and loadable segments of a guest.
 *
 * The rules are those of the Solo5 spt tender (spec section 1), so that
 * every guest Solo5 loads, we load, and we refuse what it refuses. All
 * arithmetic on header fields is overflow-checked.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static int ehdr_check(const struct loader_src *src, const Elf64_Ehdr *eh,
                      struct loader_err *err)
{
    const char *n = src->name;

    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return loader_fail(err, n, "not an ELF file (bad magic)");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return loader_fail(err, n, "ELF class %u, expected ELFCLASS64 (2)",
                           eh->e_ident[EI_CLASS]);
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return loader_fail(err, n, "ELF data encoding %u, expected "
                           "little-endian (1)", eh->e_ident[EI_DATA]);
    if (eh->e_version != EV_CURRENT)
        return loader_fail(err, n, "e_version %u, expected 1",
                           eh->e_version);
    if (eh->e_machine != EM_X86_64)
        return loader_fail(err, n, "e_machine %u, expected EM_X86_64 (62)",
                           eh->e_machine);
    if (eh->e_type != ET_EXEC)
        return loader_fail(err, n, "e_type %u, expected a static "
                           "executable, ET_EXEC (2)", eh->e_type);
    if (eh->e_ehsize != sizeof(Elf64_Ehdr))
        return loader_fail(err, n, "e_ehsize %u, expected 64", eh->e_ehsize);
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return loader_fail(err, n, "e_phentsize %u, expected 56",
                           eh->e_phentsize);
    if (eh->e_phnum == 0)
        return loader_fail(err, n, "no program headers (e_phnum 0)");
    if (eh->e_phnum == PN_XNUM)
        return loader_fail(err, n, "e_phnum %u (extended numbering) is not "
                           "supported", eh->e_phnum);
    return 0;
}

int elf_image_read(const struct loader_src *src, struct elf_image *img,
                   struct loader_err *err)
{
    Elf64_Ehdr eh;
    uint64_t ph_size;

    memset(img, 0, sizeof *img);
    if (src->size < sizeof eh)
        return loader_fail(err, src->name, "file of %llu bytes is shorter "
                           "than an ELF64 header (64)",
                           (unsigned long long)src->size);
    if (src_read(src, &eh, sizeof eh, 0, "ELF header", err) == -1)
        return -1;
    if (ehdr_check(src, &eh, err) == -1)
        return -1;

    ph_size = (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr);
    if (!src_contains(src, eh.e_phoff, ph_size))
        return loader_fail(err, src->name, "program headers (%u at offset "
                           "%llu) lie past the end of the file (%llu bytes)",
                           eh.e_phnum, (unsigned long long)eh.e_phoff,
                           (unsigned long long)src->size);
    img->phdr = malloc(ph_size);
    if (img->phdr == NULL)
        return loader_fail(err, src->name, "out of memory for %u program "
                           "headers", eh.e_phnum);
    if (src_read(src, img->phdr, ph_size, eh.e_phoff, "program headers",
                 err) == -1) {
        elf_image_free(img);
        return -1;
    }
    img->phnum = eh.e_phnum;
    img->entry = eh.e_entry;
    return 0;
}

void elf_image_free(struct elf_image *img)
{
    free(img->phdr);
    img->phdr = NULL;
    img->phnum = 0;
}

static int prot_of(uint32_t p_flags)
{
    int prot = 0;

    if (p_flags & PF_R)
        prot |= PROT_READ;
    if (p_flags & PF_W)
        prot |= PROT_WRITE;
    if (p_flags & PF_X)
        prot |= PROT_EXEC;
    return prot;
}

/* The checks of one PT_LOAD with file content; *prev_end carries over. */
static int segment_check(const struct loader_src *src, unsigned i,
                         const Elf64_Phdr *ph, uint64_t mem_size,
                         uint64_t *prev_vaddr, uint64_t *prev_end,
                         uint64_t *seg_start, uint64_t *seg_end,
                         struct loader_err *err)
{
    const char *n = src->name;
    uint64_t start, end;

    if (ph->p_vaddr < LOADER_MIN_ADDR)
        return loader_fail(err, n, "segment %u: p_vaddr 0x%llx is below "
                           "0x%llx", i, (unsigned long long)ph->p_vaddr,
                           LOADER_MIN_ADDR);
    if (ph->p_vaddr < *prev_vaddr)
        return loader_fail(err, n, "segment %u: p_vaddr 0x%llx is below the "
                           "previous segment's 0x%llx (not in ascending "
                           "order)", i, (unsigned long long)ph->p_vaddr,
                           (unsigned long long)*prev_vaddr);
    if (!is_pow2(ph->p_align))
        return loader_fail(err, n, "segment %u: p_align 0x%llx is not a "
                           "non-zero power of two", i,
                           (unsigned long long)ph->p_align);
    if (ph->p_filesz > ph->p_memsz)
        return loader_fail(err, n, "segment %u: p_filesz %llu exceeds "
                           "p_memsz %llu", i,
                           (unsigned long long)ph->p_filesz,
                           (unsigned long long)ph->p_memsz);
    start = ph->p_vaddr & ~(ph->p_align - 1);
    if (start < LOADER_MIN_ADDR)
        return loader_fail(err, n, "segment %u: start 0x%llx (p_vaddr "
                           "rounded down to p_align 0x%llx) is below 0x%llx",
                           i, (unsigned long long)start,
                           (unsigned long long)ph->p_align, LOADER_MIN_ADDR);
    if (start < *prev_end)
        return loader_fail(err, n, "segment %u: start 0x%llx overlaps the "
                           "previous segment, which ends at 0x%llx", i,
                           (unsigned long long)start,
                           (unsigned long long)*prev_end);
    if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) ||
        !align_up(end, ph->p_align, &end))
        return loader_fail(err, n, "segment %u: p_vaddr 0x%llx + p_memsz "
                           "0x%llx overflows", i,
                           (unsigned long long)ph->p_vaddr,
                           (unsigned long long)ph->p_memsz);
    if (end > mem_size)
        return loader_fail(err, n, "segment %u: ends at 0x%llx, beyond "
                           "guest memory (0x%llx bytes; try a larger --mem)",
                           i, (unsigned long long)end,
                           (unsigned long long)mem_size);
    if ((start | end) & (LOADER_PAGE - 1))
        return loader_fail(err, n, "segment %u: range [0x%llx, 0x%llx) is "
                           "not 4 KiB-page aligned", i,
                           (unsigned long long)start,
                           (unsigned long long)end);
    if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
        return loader_fail(err, n, "segment %u: both writable and "
                           "executable", i);
    if (!src_contains(src, ph->p_offset, ph->p_filesz))
        return loader_fail(err, n, "segment %u: %llu bytes at offset %llu "
                           "lie past the end of the file (%llu bytes)", i,
                           (unsigned long long)ph->p_filesz,
                           (unsigned long long)ph->p_offset,
                           (unsigned long long)src->size);
    *prev_vaddr = ph->p_vaddr;
    *prev_end = end;
    *seg_start = start;
    *seg_end = end;
    return 0;
}

/*
 * Walk the PT_LOADs; with mem != NULL also load them. Segments without
 * file content (p_filesz 0: .bss on its own, an empty .tdata at address
 * 0) are skipped as the Solo5 tender skips them: guest memory is already
 * zero-filled and read/write, so they need nothing.
 */
static int segments_walk(const struct loader_src *src,
                         const struct elf_image *img, uint64_t mem_size,
                         const struct guest_region *mem, uint64_t *kernel_end,
                         struct loader_err *err)
{
    uint64_t prev_vaddr = 0, prev_end = 0;

    if (img->entry < LOADER_MIN_ADDR || img->entry >= mem_size)
        return loader_fail(err, src->name, "entry point 0x%llx lies outside "
                           "[0x%llx, 0x%llx)", (unsigned long long)img->entry,
                           LOADER_MIN_ADDR, (unsigned long long)mem_size);

    for (unsigned i = 0; i < img->phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];
        uint64_t start = 0, end = 0;

        if (ph->p_type != PT_LOAD || ph->p_filesz == 0)
            continue;
        if (segment_check(src, i, ph, mem_size, &prev_vaddr, &prev_end,
                          &start, &end, err) == -1)
            return -1;
        if (mem == NULL)
            continue;
        if (src_read(src, mem->base + (ph->p_vaddr - mem->base_addr),
                     ph->p_filesz, ph->p_offset, "segment", err) == -1)
            return -1;
        if (mem->protect(mem->protect_arg, start, end,
                         prot_of(ph->p_flags)) == -1)
            return loader_fail(err, src->name, "segment %u: cannot set "
                               "protection of [0x%llx, 0x%llx)", i,
                               (unsigned long long)start,
                               (unsigned long long)end);
    }
    if (prev_end == 0)
        return loader_fail(err, src->name, "no loadable segment with "
                           "content (PT_LOAD with p_filesz > 0)");
    *kernel_end = prev_end;
    return 0;
}

int elf_check_segments(const struct loader_src *src,
                       const struct elf_image *img, uint64_t mem_size,
                       uint64_t *kernel_end, struct loader_err *err)
{
    return segments_walk(src, img, mem_size, NULL, kernel_end, err);
}

int elf_load_segments(const struct loader_src *src,
                      const struct elf_image *img,
                      const struct guest_region *mem, uint64_t *kernel_end,
                      struct loader_err *err)
{
    if (mem->base_addr > LOADER_MIN_ADDR)
        return loader_fail(err, src->name, "guest region starts above "
                           "0x%llx", LOADER_MIN_ADDR);
    return segments_walk(src, img, mem->mem_size, mem, kernel_end, err);
}
