/*
 * solo5_compat.c: would the Solo5 spt tender load this file?
 *
 * An independent check, deliberately not using loader/: it applies the
 * Solo5 tender's own rules (spec sections 1-2), which are stricter than or
 * different from ours in places, to every .spt the build produces, plus
 * the layout rules our SDK promises:
 *
 *  - the ELF header checks; e_entry in [0x100000, mem_size);
 *  - no PT_NOTE shorter than 12 bytes (Solo5 refuses the whole file);
 *  - ABI1 and MFT1 found as the FIRST note of a PT_NOTE, in program-header
 *    order, and each PT_NOTE holding exactly one note (no compiler notes);
 *  - the PT_LOAD rules, skipping p_filesz == 0 segments as Solo5 does;
 *  - kernel_end computed as Solo5 does (without a p_filesz == 0 .bss) is
 *    not what the SDK relies on: its _end lies past every segment;
 *  - PT_INTERP is /nonexistent/solo5/ and no segment is W+X.
 *
 * Usage: solo5_compat FILE.spt...   Prints one line per file; exit 1 if
 * any file fails.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_LOAD   0x100000ULL
#define MEM_SIZE   (512ULL << 20) /* the Solo5 tender's default */
#define PAGE       0x1000ULL
#define NOTE_ABI1  0x31494241u
#define NOTE_MFT1  0x3154464du

struct image {
    const char *name;
    uint8_t *data;
    size_t size;
    const Elf64_Ehdr *eh;
    const Elf64_Phdr *ph;
};

static char reason[512];

static bool fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return false;
}

static bool in_file(const struct image *im, uint64_t off, uint64_t len)
{
    return off <= im->size && len <= im->size - off;
}

static bool check_header(struct image *im)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->data;

    if (im->size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_version != EV_CURRENT)
        return fail("not an ELF64 little-endian file");
    if (eh->e_ehsize != sizeof *eh || eh->e_phentsize != sizeof(Elf64_Phdr) ||
        eh->e_phnum < 1)
        return fail("bad header sizes");
    if (eh->e_type != ET_EXEC || eh->e_machine != EM_X86_64)
        return fail("not an x86_64 ET_EXEC");
    if (eh->e_entry < MIN_LOAD || eh->e_entry >= MEM_SIZE)
        return fail("e_entry 0x%lx out of range", eh->e_entry);
    if (!in_file(im, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return fail("program headers past the end");
    im->eh = eh;
    im->ph = (const Elf64_Phdr *)(im->data + eh->e_phoff);
    return true;
}

/* Solo5's PT_LOAD rules; returns kernel_end as Solo5 computes it. */
static bool check_loads(const struct image *im, uint64_t *kernel_end)
{
    uint64_t last_vaddr = 0, end_prev = 0;

    for (unsigned i = 0; i < im->eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];
        uint64_t start, end;

        if (p->p_type != PT_LOAD)
            continue;
        if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
            return fail("segment %u is writable and executable", i);
        if (p->p_filesz == 0)
            continue; /* Solo5 skips it entirely */
        if (p->p_align == 0 || (p->p_align & (p->p_align - 1)))
            return fail("segment %u: bad p_align", i);
        if (p->p_vaddr < MIN_LOAD || p->p_vaddr < last_vaddr)
            return fail("segment %u: p_vaddr 0x%lx", i, p->p_vaddr);
        last_vaddr = p->p_vaddr;
        start = p->p_vaddr & ~(p->p_align - 1);
        if (start < MIN_LOAD || start < end_prev)
            return fail("segment %u: overlaps or below 0x100000", i);
        if (p->p_memsz < p->p_filesz ||
            __builtin_add_overflow(p->p_vaddr, p->p_memsz, &end) ||
            __builtin_add_overflow(end, p->p_align - 1, &end))
            return fail("segment %u: bad sizes", i);
        end &= ~(p->p_align - 1);
        if (end > MEM_SIZE || (start & (PAGE - 1)) || (end & (PAGE - 1)))
            return fail("segment %u: range [0x%lx, 0x%lx)", i, start, end);
        if (!in_file(im, p->p_offset, p->p_filesz))
            return fail("segment %u: content past the end", i);
        end_prev = end;
        if (end > *kernel_end)
            *kernel_end = end;
    }
    if (*kernel_end == 0)
        return fail("no PT_LOAD with content");
    return true;
}

/* One note exactly filling a PT_NOTE: its size with 4-byte padding. */
static uint64_t note_size(const uint32_t *nh)
{
    return 12 + (((uint64_t)nh[0] + 3) & ~3ULL) +
           (((uint64_t)nh[1] + 3) & ~3ULL);
}

static bool check_notes(const struct image *im, uint32_t *abi_target,
                        uint32_t *abi_version, uint32_t *mft_entries)
{
    bool abi = false, mft = false;

    for (unsigned i = 0; i < im->eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];
        const uint32_t *nh;

        if (p->p_type != PT_NOTE)
            continue;
        if (p->p_filesz < 12)
            return fail("PT_NOTE %u is shorter than 12 bytes", i);
        if (!in_file(im, p->p_offset, p->p_filesz))
            return fail("PT_NOTE %u past the end", i);
        nh = (const uint32_t *)(im->data + p->p_offset);
        if (note_size(nh) != p->p_filesz)
            return fail("PT_NOTE %u holds more than one note", i);
        if (nh[0] != 6 || memcmp(nh + 3, "Solo5", 6) != 0)
            return fail("PT_NOTE %u is not a Solo5 note", i);
        if (nh[2] == NOTE_ABI1 && !abi) {
            if (nh[1] < 1 || nh[1] > 32)
                return fail("ABI1 n_descsz %u", nh[1]);
            *abi_target = nh[5];
            *abi_version = nh[6];
            abi = true;
        } else if (nh[2] == NOTE_MFT1 && !mft) {
            if (nh[1] > 6668 || nh[1] < 12 ||
                nh[1] - 12 != 104 * (uint64_t)nh[7])
                return fail("MFT1 n_descsz %u for %u entries", nh[1], nh[7]);
            *mft_entries = nh[7];
            mft = true;
        }
    }
    if (!abi || !mft)
        return fail("no %s note", abi ? "MFT1" : "ABI1");
    return true;
}

static bool check_interp(const struct image *im)
{
    static const char want[] = "/nonexistent/solo5/";

    for (unsigned i = 0; i < im->eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];

        if (p->p_type != PT_INTERP)
            continue;
        if (p->p_filesz != sizeof want || !in_file(im, p->p_offset, sizeof want) ||
            memcmp(im->data + p->p_offset, want, sizeof want) != 0)
            return fail("PT_INTERP is not %s", want);
        return true;
    }
    return fail("no PT_INTERP");
}

/* The value of symbol name from the symbol table, or 0. */
static uint64_t symbol(const struct image *im, const char *name)
{
    const Elf64_Ehdr *eh = im->eh;
    const Elf64_Shdr *sh;

    if (eh->e_shentsize != sizeof *sh ||
        !in_file(im, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof *sh))
        return 0;
    sh = (const Elf64_Shdr *)(im->data + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        const Elf64_Shdr *strtab;
        const Elf64_Sym *sym;

        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        strtab = &sh[sh[i].sh_link];
        if (!in_file(im, sh[i].sh_offset, sh[i].sh_size) ||
            !in_file(im, strtab->sh_offset, strtab->sh_size))
            return 0;
        sym = (const Elf64_Sym *)(im->data + sh[i].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof *sym; k++)
            if (sym[k].st_name < strtab->sh_size &&
                strcmp((const char *)im->data + strtab->sh_offset +
                           sym[k].st_name, name) == 0)
                return sym[k].st_value;
    }
    return 0;
}

/* The SDK's heap starts after _end, which must lie past every segment. */
static bool check_heap_start(const struct image *im, uint64_t kernel_end,
                             uint64_t *end_sym)
{
    *end_sym = symbol(im, "_end");
    if (*end_sym == 0)
        return fail("no _end symbol");
    for (unsigned i = 0; i < im->eh->e_phnum; i++) {
        const Elf64_Phdr *p = &im->ph[i];

        if (p->p_type == PT_LOAD && p->p_memsz &&
            p->p_vaddr + p->p_memsz > *end_sym)
            return fail("segment %u ends past _end", i);
    }
    (void)kernel_end;
    return true;
}

static bool check_file(struct image *im, char *summary, size_t len)
{
    uint32_t target = 0, version = 0, entries = 0;
    uint64_t kernel_end = 0, end_sym = 0;

    if (!check_header(im) || !check_loads(im, &kernel_end) ||
        !check_notes(im, &target, &version, &entries) || !check_interp(im) ||
        !check_heap_start(im, kernel_end, &end_sym))
        return false;
    if (target != 2 || version != 2)
        return fail("ABI1 says target %u version %u", target, version);
    snprintf(summary, len, "kernel_end 0x%lx (Solo5), _end 0x%lx, %u "
             "manifest entries", kernel_end, end_sym, entries);
    return true;
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (data = malloc((size_t)n + 1)) == NULL ||
        fread(data, 1, (size_t)n, f) != (size_t)n) {
        if (f)
            fclose(f);
        free(data);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

int main(int argc, char **argv)
{
    int failed = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: solo5_compat FILE.spt...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct image im = {.name = argv[i]};
        char summary[160];

        im.data = slurp(argv[i], &im.size);
        if (im.data == NULL) {
            printf("FAIL %s: cannot read\n", argv[i]);
            failed = 1;
            continue;
        }
        if (check_file(&im, summary, sizeof summary)) {
            printf("ok   %s: %s\n", argv[i], summary);
        } else {
            printf("FAIL %s: %s\n", argv[i], reason);
            failed = 1;
        }
        free(im.data);
    }
    return failed;
}
