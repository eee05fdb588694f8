/*
 * elfgen.c: build a minimal spt guest executable in memory (see elfgen.h).
 *
 * File layout, in this order: ELF header, program headers, PT_INTERP
 * string, ABI1 note (then the OpenBSD note), MFT1 note, then text, rodata
 * and data each on a page-aligned offset, then the spare bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfgen.h"

#define NOTE_HDR_SIZE     SOLO5_NOTE_HDR_SIZE /* 12 + "Solo5" padded to 8 */
#define ABI_NOTE_SIZE     (NOTE_HDR_SIZE + sizeof(struct solo5_abi1))
#define OPENBSD_NAME      "OpenBSD"
#define OPENBSD_NOTE_SIZE (sizeof(Elf64_Nhdr) + sizeof OPENBSD_NAME + 4)

static size_t round_up(size_t x, size_t align)
{
    return (x + align - 1) & ~(align - 1);
}

static bool part_present(const struct elfgen_opts *opts, enum elfgen_part part)
{
    switch (part) {
    case ELFGEN_INTERP:
        return opts->interp;
    case ELFGEN_BSS:
        return opts->bss_segment;
    case ELFGEN_EMPTY:
        return opts->empty_segment;
    default:
        return true;
    }
}

/* Program header indices: parts in enum order, then the spare ones. */
static void index_parts(struct elfgen *g, const struct elfgen_opts *opts)
{
    unsigned n = 0;

    for (int p = 0; p < ELFGEN_NPARTS; p++)
        g->ph_index[p] = part_present(opts, p) ? (int)n++ : -1;
    g->spare_ph_first = n;
    g->spare_ph_used = 0;
    g->phnum = n + opts->spare_phdrs;
}

/* Bytes no loader would invent: never zero, different in each segment. */
static void fill_pattern(uint8_t *dst, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        dst[i] = (uint8_t)(1 + (i * 13 + seed * 71) % 255);
}

static void put_ehdr(struct elfgen *g)
{
    Elf64_Ehdr *eh = elfgen_ehdr(g);

    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_ident[EI_OSABI] = ELFOSABI_NONE;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_entry = ELFGEN_ENTRY;
    eh->e_phoff = sizeof(Elf64_Ehdr);
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_phentsize = sizeof(Elf64_Phdr);
    eh->e_phnum = (Elf64_Half)g->phnum;
    eh->e_shentsize = sizeof(Elf64_Shdr);
}

static void put_phdr(struct elfgen *g, enum elfgen_part part, uint32_t type,
                     uint32_t flags, uint64_t offset, uint64_t vaddr,
                     uint64_t filesz, uint64_t memsz, uint64_t align)
{
    Elf64_Phdr *ph = elfgen_phdr(g, part);

    if (ph == NULL)
        return;
    ph->p_type = type;
    ph->p_flags = flags;
    ph->p_offset = offset;
    ph->p_vaddr = vaddr;
    ph->p_paddr = vaddr;
    ph->p_filesz = filesz;
    ph->p_memsz = memsz;
    ph->p_align = align;
}

/* A note header with its name; returns where the descriptor starts. */
static size_t put_note_hdr(struct elfgen *g, size_t off, const char *name,
                           uint32_t namesz, uint32_t descsz, uint32_t type)
{
    Elf64_Nhdr nh = {
        .n_namesz = namesz,
        .n_descsz = descsz,
        .n_type = type,
    };

    memcpy(g->buf + off, &nh, sizeof nh);
    memcpy(g->buf + off + sizeof nh, name, namesz);
    return off + sizeof nh + round_up(namesz, 4);
}

static void put_abi_note(struct elfgen *g, bool openbsd_note)
{
    struct solo5_abi1 abi = {
        .abi_target = SOLO5_ABI_TARGET_SPT,
        .abi_version = SOLO5_SPT_ABI_VERSION,
    };
    size_t desc;

    desc = put_note_hdr(g, g->abi_note_off, SOLO5_NOTE_NAME, SOLO5_NOTE_NAMESZ,
                        sizeof abi, SOLO5_NOTE_ABI);
    memcpy(g->buf + desc, &abi, sizeof abi);
    /* Type 1, four zero bytes of descriptor: the buffer is zeroed. */
    if (openbsd_note)
        put_note_hdr(g, desc + sizeof abi, OPENBSD_NAME, sizeof OPENBSD_NAME, 4,
                     1);
}

static void put_manifest(struct elfgen *g, const struct elfgen_opts *opts)
{
    struct mft *mft;

    put_note_hdr(g, g->mft_note_off, SOLO5_NOTE_NAME, SOLO5_NOTE_NAMESZ,
                 (uint32_t)(SOLO5_MFT_NOTE_PAD + g->mft_size),
                 SOLO5_NOTE_MANIFEST);
    mft = elfgen_mft(g);
    mft->version = MFT_VERSION;
    mft->entries = opts->ndevices + 1;
    /* Entry 0 is the reserved one every toolchain emits: empty name. */
    mft->e[0].type = MFT_RESERVED_FIRST;
    for (unsigned i = 0; i < opts->ndevices; i++) {
        const char *name = opts->devices[i].name;

        memcpy(mft->e[i + 1].name, name, strnlen(name, MFT_NAME_MAX));
        mft->e[i + 1].type = opts->devices[i].type;
    }
}

/*
 * The loadable segments. The data segment's p_memsz covers .bss unless
 * .bss has a segment of its own, which then starts right after .data, in
 * the same page, as a linker places it.
 */
static void put_segments(struct elfgen *g, const struct elfgen_opts *opts,
                         size_t text_off, size_t rodata_off, size_t data_off)
{
    uint64_t data_memsz = ELFGEN_DATA_FILESZ;
    uint64_t data_end = data_off + ELFGEN_DATA_FILESZ;

    if (!opts->bss_segment)
        data_memsz += ELFGEN_BSS_SIZE;
    put_phdr(g, ELFGEN_TEXT, PT_LOAD, PF_R | PF_X, text_off, ELFGEN_TEXT_VADDR,
             ELFGEN_TEXT_SIZE, ELFGEN_TEXT_SIZE, ELFGEN_PAGE);
    put_phdr(g, ELFGEN_RODATA, PT_LOAD, PF_R, rodata_off, ELFGEN_RODATA_VADDR,
             ELFGEN_RODATA_SIZE, ELFGEN_RODATA_SIZE, ELFGEN_PAGE);
    put_phdr(g, ELFGEN_DATA, PT_LOAD, PF_R | PF_W, data_off, ELFGEN_DATA_VADDR,
             ELFGEN_DATA_FILESZ, data_memsz, ELFGEN_PAGE);
    put_phdr(g, ELFGEN_BSS, PT_LOAD, PF_R | PF_W, data_end,
             ELFGEN_DATA_VADDR + ELFGEN_DATA_FILESZ, 0, ELFGEN_BSS_SIZE,
             ELFGEN_PAGE);
    put_phdr(g, ELFGEN_EMPTY, PT_LOAD, PF_R, data_end, 0, 0, 0, ELFGEN_PAGE);
    fill_pattern(g->buf + text_off, ELFGEN_TEXT_SIZE, ELFGEN_TEXT);
    fill_pattern(g->buf + rodata_off, ELFGEN_RODATA_SIZE, ELFGEN_RODATA);
    fill_pattern(g->buf + data_off, ELFGEN_DATA_FILESZ, ELFGEN_DATA);
}

int elfgen_build(struct elfgen *g, const struct elfgen_opts *opts)
{
    static const struct elfgen_opts defaults;
    size_t off, interp_off, abi_note_size, text_off, rodata_off, data_off;

    if (opts == NULL)
        opts = &defaults;
    memset(g, 0, sizeof *g);
    index_parts(g, opts);

    off = sizeof(Elf64_Ehdr) + g->phnum * sizeof(Elf64_Phdr);
    interp_off = off;
    if (opts->interp)
        off += sizeof SOLO5_SPT_INTERP;
    abi_note_size = ABI_NOTE_SIZE;
    if (opts->openbsd_note)
        abi_note_size += OPENBSD_NOTE_SIZE;
    g->abi_note_off = round_up(off, 8);
    /* 8-aligned, so the manifest after header and pad is 8-aligned too. */
    g->mft_note_off = round_up(g->abi_note_off + abi_note_size, 8);
    g->mft_off = g->mft_note_off + NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD;
    g->mft_size = MFT_SIZE(opts->ndevices + 1);
    text_off = round_up(g->mft_off + g->mft_size, ELFGEN_PAGE);
    rodata_off = round_up(text_off + ELFGEN_TEXT_SIZE, ELFGEN_PAGE);
    data_off = round_up(rodata_off + ELFGEN_RODATA_SIZE, ELFGEN_PAGE);
    g->spare_off = round_up(data_off + ELFGEN_DATA_FILESZ, 8);
    g->size = g->spare_off + opts->spare_bytes;

    g->buf = calloc(1, g->size);
    if (g->buf == NULL)
        return -1;
    put_ehdr(g);
    put_phdr(g, ELFGEN_INTERP, PT_INTERP, PF_R, interp_off, 0,
             sizeof SOLO5_SPT_INTERP, sizeof SOLO5_SPT_INTERP, 1);
    if (opts->interp)
        memcpy(g->buf + interp_off, SOLO5_SPT_INTERP, sizeof SOLO5_SPT_INTERP);
    put_phdr(g, ELFGEN_NOTE_ABI, PT_NOTE, PF_R, g->abi_note_off, 0,
             abi_note_size, abi_note_size, 4);
    put_abi_note(g, opts->openbsd_note);
    put_phdr(g, ELFGEN_NOTE_MFT, PT_NOTE, PF_R, g->mft_note_off, 0,
             NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD + g->mft_size,
             NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD + g->mft_size, 8);
    put_manifest(g, opts);
    put_segments(g, opts, text_off, rodata_off, data_off);
    return 0;
}

void elfgen_free(struct elfgen *g)
{
    free(g->buf);
    g->buf = NULL;
    g->size = 0;
}

Elf64_Ehdr *elfgen_ehdr(struct elfgen *g)
{
    return (Elf64_Ehdr *)g->buf;
}

Elf64_Phdr *elfgen_phdr_at(struct elfgen *g, unsigned i)
{
    if (i >= g->phnum)
        return NULL;
    return (Elf64_Phdr *)(g->buf + sizeof(Elf64_Ehdr)) + i;
}

Elf64_Phdr *elfgen_phdr(struct elfgen *g, enum elfgen_part part)
{
    if (part >= ELFGEN_NPARTS || g->ph_index[part] < 0)
        return NULL;
    return elfgen_phdr_at(g, (unsigned)g->ph_index[part]);
}

Elf64_Nhdr *elfgen_note(struct elfgen *g, enum elfgen_part part)
{
    if (part == ELFGEN_NOTE_ABI)
        return (Elf64_Nhdr *)(g->buf + g->abi_note_off);
    if (part == ELFGEN_NOTE_MFT)
        return (Elf64_Nhdr *)(g->buf + g->mft_note_off);
    return NULL;
}

char *elfgen_note_name(Elf64_Nhdr *nh)
{
    return (char *)(nh + 1);
}

struct solo5_abi1 *elfgen_abi(struct elfgen *g)
{
    return (struct solo5_abi1 *)(g->buf + g->abi_note_off + NOTE_HDR_SIZE);
}

struct mft *elfgen_mft(struct elfgen *g)
{
    return (struct mft *)(g->buf + g->mft_off);
}

void elfgen_swap_phdrs(struct elfgen *g, enum elfgen_part a, enum elfgen_part b)
{
    Elf64_Phdr *pa = elfgen_phdr(g, a), *pb = elfgen_phdr(g, b), tmp;
    int index;

    if (pa == NULL || pb == NULL)
        return;
    tmp = *pa;
    *pa = *pb;
    *pb = tmp;
    index = g->ph_index[a];
    g->ph_index[a] = g->ph_index[b];
    g->ph_index[b] = index;
}

Elf64_Phdr *elfgen_add_note(struct elfgen *g, const void *bytes, size_t len)
{
    size_t off = g->spare_off + round_up(g->spare_used, 8);
    Elf64_Phdr *ph;

    ph = elfgen_phdr_at(g, g->spare_ph_first + g->spare_ph_used);
    if (ph == NULL || off > g->size || len > g->size - off)
        return NULL;
    memcpy(g->buf + off, bytes, len);
    g->spare_used = off + len - g->spare_off;
    g->spare_ph_used++;
    memset(ph, 0, sizeof *ph);
    ph->p_type = PT_NOTE;
    ph->p_flags = PF_R;
    ph->p_offset = off;
    ph->p_filesz = len;
    ph->p_memsz = len;
    ph->p_align = 4;
    return ph;
}

int elfgen_write(const struct elfgen *g, int fd)
{
    size_t done = 0;

    while (done < g->size) {
        ssize_t n = write(fd, g->buf + done, g->size - done);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}
