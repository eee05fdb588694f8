/*
 * vdso.c: a symbol of the vDSO the kernel maps into every process.
 *
 * The tender hands the vDSO's clock_gettime to SDK guests (the fast-clock
 * extension record). The image comes from the kernel, but it is still
 * parsed with every offset bounded by the one PT_LOAD it is mapped from.
 */
#include <string.h>

#include "internal.h"

#define VDSO_FIRST_PAGE 4096 /* the smallest page x86_64 maps */

struct vdso {
    const uint8_t *base;
    uint64_t size;      /* bytes of the mapped image */
    uint64_t load_addr; /* p_vaddr of that PT_LOAD */
};

static bool vdso_within(const struct vdso *v, uint64_t off, uint64_t len)
{
    uint64_t end;

    return !__builtin_add_overflow(off, len, &end) && end <= v->size;
}

static int vdso_open(const void *image, struct vdso *v)
{
    const Elf64_Ehdr *eh = image;
    const Elf64_Phdr *ph;

    /* Before the PT_LOAD tells the image's size, only its first page is
     * known to be mapped: the program headers must lie in it. */
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_phentsize != sizeof *ph || eh->e_phoff > VDSO_FIRST_PAGE ||
        (uint64_t)eh->e_phnum * sizeof *ph > VDSO_FIRST_PAGE - eh->e_phoff)
        return -1;
    ph = (const Elf64_Phdr *)((const uint8_t *)image + eh->e_phoff);
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || ph[i].p_offset != 0)
            continue;
        v->base = image;
        v->size = ph[i].p_filesz;
        v->load_addr = ph[i].p_vaddr;
        /* The headers we just read must lie inside the image too. */
        return vdso_within(v, eh->e_phoff,
                           (uint64_t)eh->e_phnum * sizeof *ph)
                   ? 0
                   : -1;
    }
    return -1;
}

/* What the dynamic section says: offsets into the image. */
struct vdso_dyn {
    uint64_t symtab, strtab, strsz, nsyms;
};

static int vdso_dynamic(const struct vdso *v, struct vdso_dyn *out)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)v->base;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(v->base + eh->e_phoff);
    uint64_t hash = 0, tags = 0;
    const Elf64_Dyn *dyn = NULL;

    for (unsigned i = 0; i < eh->e_phnum && dyn == NULL; i++)
        if (ph[i].p_type == PT_DYNAMIC &&
            vdso_within(v, ph[i].p_offset, ph[i].p_filesz)) {
            dyn = (const Elf64_Dyn *)(v->base + ph[i].p_offset);
            tags = ph[i].p_filesz / sizeof *dyn;
        }
    memset(out, 0, sizeof *out);
    for (uint64_t i = 0; i < tags && dyn && dyn[i].d_tag != DT_NULL; i++) {
        uint64_t val = dyn[i].d_un.d_val - v->load_addr;

        if (dyn[i].d_tag == DT_SYMTAB)
            out->symtab = val;
        else if (dyn[i].d_tag == DT_STRTAB)
            out->strtab = val;
        else if (dyn[i].d_tag == DT_STRSZ)
            out->strsz = dyn[i].d_un.d_val;
        else if (dyn[i].d_tag == DT_HASH)
            hash = val;
    }
    if (out->symtab == 0 || out->strtab == 0)
        return -1;
    /* The symbol count is the hash table's nchain; without one, the
     * symbols run up to the strings, where linkers put them. */
    if (hash && vdso_within(v, hash, 8))
        out->nsyms = ((const uint32_t *)(v->base + hash))[1];
    else if (out->strtab > out->symtab)
        out->nsyms = (out->strtab - out->symtab) / sizeof(Elf64_Sym);
    if (out->nsyms > v->size / sizeof(Elf64_Sym) ||
        !vdso_within(v, out->symtab, out->nsyms * sizeof(Elf64_Sym)) ||
        !vdso_within(v, out->strtab, out->strsz))
        return -1;
    return 0;
}

uint64_t vdso_symbol(const void *image, const char *name)
{
    size_t len = strlen(name);
    const Elf64_Sym *sym;
    const char *strings;
    struct vdso_dyn dyn;
    struct vdso v;

    if (image == NULL || vdso_open(image, &v) == -1 ||
        vdso_dynamic(&v, &dyn) == -1)
        return 0;
    sym = (const Elf64_Sym *)(v.base + dyn.symtab);
    strings = (const char *)v.base + dyn.strtab;
    for (uint64_t i = 0; i < dyn.nsyms; i++) {
        uint64_t at = sym[i].st_name;

        if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC ||
            sym[i].st_shndx == SHN_UNDEF || at >= dyn.strsz ||
            dyn.strsz - at <= len || memcmp(strings + at, name, len + 1) != 0)
            continue;
        if (sym[i].st_value < v.load_addr ||
            sym[i].st_value - v.load_addr >= v.size)
            return 0;
        return (uint64_t)(uintptr_t)v.base + (sym[i].st_value - v.load_addr);
    }
    return 0;
}
