/*
 * test_loader.c: the loader library against spec sections 1-3.
 *
 * Every refusal test starts from an image built by elfgen (which the
 * acceptance tests show the loader takes), changes exactly one thing, and
 * checks that the function under test returns -1 with a one-line message
 * that names the file and the cause. Buffers handed to the loader are
 * exactly as long as the file they stand for, so that valgrind or a
 * sanitizer sees any read past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfgen.h"
#include "loader.h"
#include "message.h"

#define FILE_NAME         "guest.spt"
#define MEM_SIZE          0x200000ULL /* guest memory for these tests: 2 MiB */
#define MAX_PROTECT_CALLS 16

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "poke() writes the low bytes of a value: little-endian only");

struct protect_call {
    uint64_t start, end;
    int prot;
};

struct fixture {
    struct elfgen gen;
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    struct mft *mft; /* MFT_MAX_SIZE bytes */
    size_t mft_size;
    uint8_t *guest;    /* guest memory [region.base_addr, MEM_SIZE) */
    uint8_t *expected; /* what guest memory must hold after loading */
    struct guest_region region;
    struct protect_call calls[MAX_PROTECT_CALLS];
    unsigned ncalls;
    int fail_protect_call; /* index of the protect() call to fail, or -1 */
    int fd;                /* a temporary file, or -1 */
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    f->fd = -1;
    f->fail_protect_call = -1;
    f->mft = calloc(1, MFT_MAX_SIZE);
    *state = f;
    return f->mft ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    elfgen_free(&f->gen);
    elf_image_free(&f->img);
    free(f->mft);
    free(f->guest);
    free(f->expected);
    if (f->fd >= 0)
        close(f->fd);
    free(f);
    return 0;
}

/* Write the low `width` bytes of value at base + offset. */
static void poke(void *base, size_t offset, size_t width, uint64_t value)
{
    memcpy((uint8_t *)base + offset, &value, width);
}

#define FIELD(type, member) offsetof(type, member), sizeof(((type *)0)->member)

/* Refusal: -1, and a message "guest.spt: ..." holding cause, on one line. */
static bool refused_with(int rc, const struct loader_err *err,
                         const char *cause)
{
    const char *prefix = FILE_NAME ": ";

    return rc == -1 && strncmp(err->msg, prefix, strlen(prefix)) == 0 &&
           strstr(err->msg + strlen(prefix), cause) != NULL &&
           message_is_one_line(err->msg);
}

/* Macros, so that a failure reports the line of the test. */
#define assert_refused(rc, f, cause)                                           \
    do {                                                                       \
        int rc_ = (rc);                                                        \
        if (!refused_with(rc_, &(f)->err, (cause)))                            \
            fail_msg("got %d \"%s\", expected -1 \"%s: ...%s...\"", rc_,       \
                     (f)->err.msg, FILE_NAME, (cause));                        \
    } while (0)

#define assert_accepted(rc, f)                                                 \
    do {                                                                       \
        int rc_ = (rc);                                                        \
        if (rc_ != 0)                                                          \
            fail_msg("got %d \"%s\", expected 0", rc_, (f)->err.msg);          \
    } while (0)

/* A stale message must never satisfy a later assertion. */
static void clear_err(struct fixture *f)
{
    memset(&f->err, 0, sizeof f->err);
}

static void build(struct fixture *f, const struct elfgen_opts *opts)
{
    elfgen_free(&f->gen);
    assert_int_equal(elfgen_build(&f->gen, opts), 0);
}

static int read_image(struct fixture *f)
{
    loader_src_from_buf(&f->src, f->gen.buf, f->gen.size, FILE_NAME);
    elf_image_free(&f->img);
    clear_err(f);
    return elf_image_read(&f->src, &f->img, &f->err);
}

static void read_image_ok(struct fixture *f)
{
    assert_accepted(read_image(f), f);
}

static int check_segments(struct fixture *f, uint64_t mem_size,
                          uint64_t *kernel_end)
{
    read_image_ok(f);
    clear_err(f);
    return elf_check_segments(&f->src, &f->img, mem_size, kernel_end, &f->err);
}

static int abi_check(struct fixture *f, struct solo5_abi1 *abi)
{
    read_image_ok(f);
    clear_err(f);
    return solo5_abi_check(&f->src, &f->img, abi, &f->err);
}

static int manifest_read(struct fixture *f)
{
    read_image_ok(f);
    clear_err(f);
    memset(f->mft, 0, MFT_MAX_SIZE);
    return solo5_manifest_read(&f->src, &f->img, f->mft, &f->mft_size, &f->err);
}

/* The ABI1 note as the Solo5 tender looks it up: 0 found, 1 absent. */
static int abi_note_find(struct fixture *f, struct solo5_abi1 *abi,
                         size_t *size)
{
    uint8_t desc[SOLO5_ABI1_DESC_MAX] = {0};
    int rc;

    read_image_ok(f);
    clear_err(f);
    rc = solo5_note_find(&f->src, &f->img, SOLO5_NOTE_ABI, 0,
                         SOLO5_ABI1_DESC_MIN, SOLO5_ABI1_DESC_MAX, desc,
                         sizeof desc, size, &f->err);
    memcpy(abi, desc, sizeof *abi);
    return rc;
}

static int record_protect(void *arg, uint64_t start, uint64_t end, int prot)
{
    struct fixture *f = arg;
    unsigned call = f->ncalls++;

    if (call < MAX_PROTECT_CALLS)
        f->calls[call] = (struct protect_call){start, end, prot};
    return (int)call == f->fail_protect_call ? -1 : 0;
}

/* Fresh zero-filled guest memory for [base_addr, MEM_SIZE). */
static void guest_alloc(struct fixture *f, uint64_t base_addr)
{
    free(f->guest);
    f->guest = calloc(1, MEM_SIZE - base_addr);
    assert_non_null(f->guest);
    f->region = (struct guest_region){
        .base = f->guest,
        .base_addr = base_addr,
        .mem_size = MEM_SIZE,
        .protect = record_protect,
        .protect_arg = f,
    };
    f->ncalls = 0;
}

static int load_segments(struct fixture *f, uint64_t *kernel_end)
{
    read_image_ok(f);
    clear_err(f);
    return elf_load_segments(&f->src, &f->img, &f->region, kernel_end, &f->err);
}

/* What the tender does with f->src, in its order; guest memory is ready. */
static int load_src(struct fixture *f)
{
    struct solo5_abi1 abi;
    uint64_t kernel_end;

    elf_image_free(&f->img);
    clear_err(f);
    if (elf_image_read(&f->src, &f->img, &f->err) ||
        solo5_abi_check(&f->src, &f->img, &abi, &f->err) ||
        solo5_manifest_read(&f->src, &f->img, f->mft, &f->mft_size, &f->err) ||
        elf_check_segments(&f->src, &f->img, MEM_SIZE, &kernel_end, &f->err) ||
        elf_load_segments(&f->src, &f->img, &f->region, &kernel_end, &f->err))
        return -1;
    return 0;
}

static int load_buf(struct fixture *f, const void *buf, size_t size)
{
    loader_src_from_buf(&f->src, buf, size, FILE_NAME);
    return load_src(f);
}

/*
 * After loading the generated image: each segment's file bytes at its
 * p_vaddr, and zeros everywhere else (before, between, and past p_filesz).
 */
static void assert_guest_holds_image(struct fixture *f)
{
    static const enum elfgen_part loaded[] = {ELFGEN_TEXT, ELFGEN_RODATA,
                                              ELFGEN_DATA};
    uint64_t base = f->region.base_addr;
    size_t len = MEM_SIZE - base;

    free(f->expected);
    f->expected = calloc(1, len);
    assert_non_null(f->expected);
    for (size_t i = 0; i < sizeof loaded / sizeof loaded[0]; i++) {
        const Elf64_Phdr *ph = elfgen_phdr(&f->gen, loaded[i]);

        memcpy(f->expected + (ph->p_vaddr - base), f->gen.buf + ph->p_offset,
               ph->p_filesz);
    }
    assert_memory_equal(f->guest, f->expected, len);
}

static void assert_protect_call(const struct fixture *f, unsigned i,
                                uint64_t start, uint64_t end, int prot)
{
    assert_true(i < f->ncalls);
    assert_int_equal(f->calls[i].start, start);
    assert_int_equal(f->calls[i].end, end);
    assert_int_equal(f->calls[i].prot, prot);
}

/* ---- Acceptance ---- */

static void test_accepts_minimal_image(void **state)
{
    struct fixture *f = *state;

    build(f, NULL);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_buf(f, f->gen.buf, f->gen.size), f);
    assert_int_equal(f->img.entry, ELFGEN_ENTRY);
    assert_int_equal(f->img.phnum, 5);
    assert_memory_equal(f->img.phdr, elfgen_phdr_at(&f->gen, 0),
                        5 * sizeof(Elf64_Phdr));
    assert_int_equal(f->mft->entries, 1);
}

/* Everything the Solo5 toolchains emit, PT_INTERP and OpenBSD note too. */
static void test_accepts_toolchain_image(void **state)
{
    static const struct elfgen_device devices[] = {
        {"storage", MFT_DEV_BLOCK_BASIC},
        {"service", MFT_DEV_NET_BASIC},
    };
    struct elfgen_opts opts = {
        .devices = devices,
        .ndevices = 2,
        .interp = true,
        .bss_segment = true,
        .empty_segment = true,
        .openbsd_note = true,
    };
    struct fixture *f = *state;
    uint64_t kernel_end = 0;

    build(f, &opts);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_buf(f, f->gen.buf, f->gen.size), f);
    assert_int_equal(f->mft->entries, 3);
    assert_string_equal(f->mft->e[1].name, "storage");
    assert_string_equal(f->mft->e[2].name, "service");
    assert_accepted(check_segments(f, MEM_SIZE, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END_SPLIT_BSS);
}

/* EI_OSABI and EI_ABIVERSION are not checked: BSD-built guests differ. */
static void test_accepts_any_osabi(void **state)
{
    static const uint8_t osabi[] = {ELFOSABI_FREEBSD, ELFOSABI_OPENBSD,
                                    ELFOSABI_NETBSD, ELFOSABI_LINUX, 0xff};
    struct fixture *f = *state;

    guest_alloc(f, LOADER_MIN_ADDR);
    for (size_t i = 0; i < sizeof osabi; i++) {
        build(f, NULL);
        elfgen_ehdr(&f->gen)->e_ident[EI_OSABI] = osabi[i];
        elfgen_ehdr(&f->gen)->e_ident[EI_ABIVERSION] = (uint8_t)(i + 1);
        assert_accepted(load_buf(f, f->gen.buf, f->gen.size), f);
    }
}

/* The tender ignores PT_INTERP, whatever it holds. */
static void test_ignores_interp(void **state)
{
    struct elfgen_opts opts = {.interp = true};
    struct fixture *f = *state;
    Elf64_Phdr *interp;

    build(f, &opts);
    interp = elfgen_phdr(&f->gen, ELFGEN_INTERP);
    interp->p_offset = UINT64_MAX;
    interp->p_filesz = UINT64_MAX;
    interp->p_vaddr = 0;
    interp->p_align = 3;
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_buf(f, f->gen.buf, f->gen.size), f);
}

/* ---- ELF header (elf_image_read) ---- */

struct header_case {
    size_t offset, width; /* a field of Elf64_Ehdr */
    uint64_t value;
    const char *cause;
};

static const struct header_case header_cases[] = {
    {FIELD(Elf64_Ehdr, e_ident[EI_MAG0]), 0, "bad magic"},
    {FIELD(Elf64_Ehdr, e_ident[EI_MAG3]), 'G', "bad magic"},
    {FIELD(Elf64_Ehdr, e_ident[EI_CLASS]), ELFCLASS32, "ELF class 1"},
    {FIELD(Elf64_Ehdr, e_ident[EI_CLASS]), ELFCLASSNONE, "ELF class 0"},
    {FIELD(Elf64_Ehdr, e_ident[EI_DATA]), ELFDATA2MSB,
     "ELF data encoding 2, expected little-endian"},
    {FIELD(Elf64_Ehdr, e_ident[EI_DATA]), ELFDATANONE, "ELF data encoding 0"},
    {FIELD(Elf64_Ehdr, e_version), 0, "e_version 0, expected 1"},
    {FIELD(Elf64_Ehdr, e_version), 2, "e_version 2, expected 1"},
    {FIELD(Elf64_Ehdr, e_machine), EM_386, "e_machine 3, expected"},
    {FIELD(Elf64_Ehdr, e_machine), EM_AARCH64, "e_machine 183, expected"},
    {FIELD(Elf64_Ehdr, e_type), ET_DYN, "e_type 3, expected"},
    {FIELD(Elf64_Ehdr, e_type), ET_REL, "e_type 1, expected"},
    {FIELD(Elf64_Ehdr, e_type), ET_CORE, "e_type 4, expected"},
    {FIELD(Elf64_Ehdr, e_type), ET_NONE, "e_type 0, expected"},
    {FIELD(Elf64_Ehdr, e_ehsize), 52, "e_ehsize 52, expected 64"},
    {FIELD(Elf64_Ehdr, e_ehsize), 65, "e_ehsize 65, expected 64"},
    {FIELD(Elf64_Ehdr, e_phentsize), 32, "e_phentsize 32, expected 56"},
    {FIELD(Elf64_Ehdr, e_phentsize), 57, "e_phentsize 57, expected 56"},
    {FIELD(Elf64_Ehdr, e_phnum), 0, "no program headers (e_phnum 0)"},
    {FIELD(Elf64_Ehdr, e_phnum), PN_XNUM, "e_phnum 65535 (extended"},
    /* Program headers past the end of the file, or wrapping 2^64. */
    {FIELD(Elf64_Ehdr, e_phoff), 0x100000, "program headers (5 at offset"},
    {FIELD(Elf64_Ehdr, e_phoff), UINT64_MAX - 55, "program headers (5 at"},
    {FIELD(Elf64_Ehdr, e_phoff), UINT64_MAX, "program headers (5 at"},
    {FIELD(Elf64_Ehdr, e_phnum), 1000, "program headers (1000 at"},
};

static void test_refuses_bad_header(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < sizeof header_cases / sizeof header_cases[0]; i++) {
        const struct header_case *c = &header_cases[i];
        int rc;

        build(f, NULL);
        poke(elfgen_ehdr(&f->gen), c->offset, c->width, c->value);
        rc = read_image(f);
        if (!refused_with(rc, &f->err, c->cause))
            fail_msg("case %zu: got %d \"%s\", expected \"%s\"", i, rc,
                     f->err.msg, c->cause);
    }
}

/* e_phoff at or just before the end: the table does not fit. */
static void test_refuses_phdrs_past_end(void **state)
{
    struct fixture *f = *state;
    Elf64_Ehdr *eh;

    build(f, NULL);
    eh = elfgen_ehdr(&f->gen);
    eh->e_phoff = f->gen.size;
    assert_refused(read_image(f), f, "lie past the end of the file");
    eh->e_phoff = f->gen.size - 5 * sizeof(Elf64_Phdr) + 1;
    assert_refused(read_image(f), f, "lie past the end of the file");
    eh->e_phoff = f->gen.size - 5 * sizeof(Elf64_Phdr);
    assert_accepted(read_image(f), f);
}

/* Files cut short, each run through everything the tender does. */
static void test_refuses_truncated_files(void **state)
{
    static const struct {
        size_t len;
        const char *cause;
    } cases[] = {
        {0, "file of 0 bytes is shorter than an ELF64 header"},
        {1, "file of 1 bytes is shorter"},
        {63, "file of 63 bytes is shorter"},
        {64, "program headers (5 at offset 64)"},
        {64 + 2 * sizeof(Elf64_Phdr) + 3, "program headers (5 at"},
    };
    struct fixture *f = *state;
    uint8_t *copy;

    build(f, NULL);
    guest_alloc(f, LOADER_MIN_ADDR);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        copy = malloc(cases[i].len + 1);
        assert_non_null(copy);
        memcpy(copy, f->gen.buf, cases[i].len);
        if (!refused_with(load_buf(f, copy, cases[i].len), &f->err,
                          cases[i].cause)) {
            free(copy);
            fail_msg("length %zu: \"%s\"", cases[i].len, f->err.msg);
        }
        free(copy);
    }
}

/* Cut inside a note or a segment: the part that reads it says so. */
static void test_refuses_truncated_parts(void **state)
{
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    uint64_t kernel_end;
    size_t full;

    build(f, NULL);
    full = f->gen.size;

    f->gen.size = f->gen.abi_note_off + 10;
    assert_refused(abi_check(f, &abi), f, "note header: 20 bytes at offset");

    f->gen.size = f->gen.mft_off + 10;
    assert_refused(manifest_read(f), f, "note descriptor: 112 bytes at");

    f->gen.size = elfgen_phdr(&f->gen, ELFGEN_DATA)->p_offset + 1;
    assert_refused(check_segments(f, MEM_SIZE, &kernel_end), f,
                   "segment 2: 120 bytes at offset");
    f->gen.size = full;
}

/* Every length short of the whole file is refused, and nothing crashes. */
static void test_refuses_every_truncation(void **state)
{
    struct elfgen_opts opts = {
        .interp = true,
        .openbsd_note = true,
        .bss_segment = true,
        .empty_segment = true,
    };
    struct fixture *f = *state;

    build(f, &opts);
    guest_alloc(f, LOADER_MIN_ADDR);
    for (size_t len = 0; len < f->gen.size; len++) {
        /* Exactly len bytes, so that any over-read is caught. */
        uint8_t *copy = malloc(len ? len : 1);
        int rc;

        assert_non_null(copy);
        memcpy(copy, f->gen.buf, len);
        rc = load_buf(f, copy, len);
        free(copy);
        if (!refused_with(rc, &f->err, ""))
            fail_msg("length %zu of %zu: got %d \"%s\"", len, f->gen.size, rc,
                     f->err.msg);
    }
    assert_accepted(load_buf(f, f->gen.buf, f->gen.size), f);
}

/* ---- Segments (elf_check_segments, elf_load_segments) ---- */

struct segment_case {
    enum elfgen_part part;
    size_t offset, width; /* a field of Elf64_Phdr */
    uint64_t value;
    const char *cause;
};

/* Indices in the default image: text 0, rodata 1, data 2. */
static const struct segment_case segment_cases[] = {
    {ELFGEN_TEXT, FIELD(Elf64_Phdr, p_vaddr), 0xff000,
     "segment 0: p_vaddr 0xff000 is below 0x100000"},
    {ELFGEN_TEXT, FIELD(Elf64_Phdr, p_vaddr), 0,
     "segment 0: p_vaddr 0x0 is below 0x100000"},
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_align), 0,
     "segment 1: p_align 0x0 is not a non-zero power of two"},
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_align), 0x1800,
     "segment 1: p_align 0x1800 is not a non-zero power of two"},
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_align), 3,
     "segment 1: p_align 0x3 is not"},
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_memsz), ELFGEN_RODATA_SIZE - 1,
     "segment 1: p_filesz 1110 exceeds p_memsz 1109"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_memsz), UINT64_MAX - 0xfff,
     "segment 2: p_vaddr 0x103000 + p_memsz 0xfffffffffffff000 overflows"},
    /* p_vaddr + p_memsz fits; rounding it up to p_align does not. */
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_vaddr), 0xffffffffffffd000,
     "segment 2: p_vaddr 0xffffffffffffd000 + p_memsz 0x2078 overflows"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_vaddr), MEM_SIZE - 0x1000,
     "segment 2: ends at 0x202000, beyond guest memory"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_memsz), MEM_SIZE,
     "segment 2: ends at 0x303000, beyond guest memory"},
    {ELFGEN_TEXT, FIELD(Elf64_Phdr, p_align), 0x200000,
     "segment 0: start 0x0 (p_vaddr rounded down to p_align 0x200000) is "
     "below 0x100000"},
    /* Starting in the last page of text, which ends at 0x101234. */
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_vaddr), 0x101800,
     "segment 1: start 0x101000 overlaps the previous segment, which ends "
     "at 0x102000"},
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_vaddr), 0x101234,
     "segment 1: start 0x101000 overlaps"},
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_vaddr), ELFGEN_TEXT_VADDR,
     "segment 1: start 0x100000 overlaps"},
    /* Rounded out to 16 bytes only, the end is not on a page. */
    {ELFGEN_RODATA, FIELD(Elf64_Phdr, p_align), 16,
     "segment 1: range [0x102000, 0x102460) is not 4 KiB-page aligned"},
    {ELFGEN_TEXT, FIELD(Elf64_Phdr, p_flags), PF_R | PF_W | PF_X,
     "segment 0: both writable and executable"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_flags), PF_R | PF_W | PF_X,
     "segment 2: both writable and executable"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_flags), PF_W | PF_X,
     "segment 2: both writable and executable"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_offset), UINT64_MAX - 8,
     "segment 2: 120 bytes at offset 18446744073709551607 lie past the end"},
    {ELFGEN_DATA, FIELD(Elf64_Phdr, p_filesz), ELFGEN_DATA_FILESZ + 1,
     "segment 2: 121 bytes at offset"},
    {ELFGEN_TEXT, FIELD(Elf64_Phdr, p_offset), 0x100000,
     "segment 0: 4660 bytes at offset 1048576 lie past the end"},
};

static void segment_case_apply(struct fixture *f, const struct segment_case *c)
{
    build(f, NULL);
    poke(elfgen_phdr(&f->gen, c->part), c->offset, c->width, c->value);
}

/* Each rule, both before memory exists and when loading into it. */
static void test_refuses_bad_segments(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end;
    int rc;

    for (size_t i = 0; i < sizeof segment_cases / sizeof segment_cases[0];
         i++) {
        const struct segment_case *c = &segment_cases[i];

        segment_case_apply(f, c);
        rc = check_segments(f, MEM_SIZE, &kernel_end);
        if (!refused_with(rc, &f->err, c->cause))
            fail_msg("check, case %zu: got %d \"%s\", expected \"%s\"", i, rc,
                     f->err.msg, c->cause);

        segment_case_apply(f, c);
        guest_alloc(f, LOADER_MIN_ADDR);
        rc = load_segments(f, &kernel_end);
        if (!refused_with(rc, &f->err, c->cause))
            fail_msg("load, case %zu: got %d \"%s\", expected \"%s\"", i, rc,
                     f->err.msg, c->cause);
    }
}

static void test_refuses_descending_segments(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end;

    build(f, NULL);
    elfgen_swap_phdrs(&f->gen, ELFGEN_TEXT, ELFGEN_RODATA);
    assert_refused(check_segments(f, MEM_SIZE, &kernel_end), f,
                   "segment 1: p_vaddr 0x100000 is below the previous "
                   "segment's 0x102000 (not in ascending order)");
}

/* p_align 2^63: a power of two whose rounding wraps. */
static void test_refuses_huge_align(void **state)
{
    struct fixture *f = *state;
    Elf64_Phdr *data;
    uint64_t kernel_end;

    build(f, NULL);
    data = elfgen_phdr(&f->gen, ELFGEN_DATA);
    data->p_vaddr = 1ULL << 63;
    data->p_align = 1ULL << 63;
    assert_refused(check_segments(f, UINT64_MAX, &kernel_end), f,
                   "segment 2: p_vaddr 0x8000000000000000 + p_memsz 0x2078 "
                   "overflows");
}

/* p_align 16 and a p_vaddr off the page: the start is not on a page. */
static void test_refuses_unaligned_start(void **state)
{
    struct fixture *f = *state;
    Elf64_Phdr *rodata;
    uint64_t kernel_end;

    build(f, NULL);
    rodata = elfgen_phdr(&f->gen, ELFGEN_RODATA);
    rodata->p_align = 16;
    rodata->p_vaddr += 0x10;
    assert_refused(check_segments(f, MEM_SIZE, &kernel_end), f,
                   "segment 1: range [0x102010, 0x102470) is not 4 KiB");
}

static void test_refuses_segments_beyond_memory(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end = 0;

    build(f, NULL);
    assert_refused(check_segments(f, ELFGEN_KERNEL_END - 1, &kernel_end), f,
                   "segment 2: ends at 0x106000, beyond guest memory "
                   "(0x105fff bytes");
    assert_accepted(check_segments(f, ELFGEN_KERNEL_END, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END);
}

static void test_entry_point_range(void **state)
{
    static const uint64_t bad[] = {0, LOADER_MIN_ADDR - 1, MEM_SIZE,
                                   MEM_SIZE + 1, UINT64_MAX};
    static const uint64_t good[] = {LOADER_MIN_ADDR, MEM_SIZE - 1};
    struct fixture *f = *state;
    char cause[80];
    uint64_t kernel_end;
    int rc;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        build(f, NULL);
        elfgen_ehdr(&f->gen)->e_entry = bad[i];
        snprintf(cause, sizeof cause,
                 "entry point 0x%llx lies outside "
                 "[0x100000, 0x200000)",
                 (unsigned long long)bad[i]);
        rc = check_segments(f, MEM_SIZE, &kernel_end);
        if (!refused_with(rc, &f->err, cause))
            fail_msg("got %d \"%s\", expected \"%s\"", rc, f->err.msg, cause);
        guest_alloc(f, LOADER_MIN_ADDR);
        rc = load_segments(f, &kernel_end);
        if (!refused_with(rc, &f->err, cause))
            fail_msg("got %d \"%s\", expected \"%s\"", rc, f->err.msg, cause);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        build(f, NULL);
        elfgen_ehdr(&f->gen)->e_entry = good[i];
        assert_accepted(check_segments(f, MEM_SIZE, &kernel_end), f);
    }
}

static void test_refuses_no_content_segment(void **state)
{
    static const enum elfgen_part loads[] = {ELFGEN_TEXT, ELFGEN_RODATA,
                                             ELFGEN_DATA};
    struct fixture *f = *state;
    uint64_t kernel_end;

    build(f, NULL);
    for (size_t i = 0; i < 3; i++)
        elfgen_phdr(&f->gen, loads[i])->p_filesz = 0;
    assert_refused(check_segments(f, MEM_SIZE, &kernel_end), f,
                   "no loadable segment with content");

    build(f, NULL);
    for (size_t i = 0; i < 3; i++)
        elfgen_phdr(&f->gen, loads[i])->p_type = PT_NULL;
    assert_refused(check_segments(f, MEM_SIZE, &kernel_end), f,
                   "no loadable segment with content");
}

/*
 * A PT_LOAD without file content is skipped wherever it claims to be and
 * whatever it claims: not checked, not protected, not in kernel_end.
 */
static void test_ignores_segments_without_content(void **state)
{
    struct elfgen_opts opts = {.bss_segment = true, .empty_segment = true};
    struct fixture *f = *state;
    Elf64_Phdr *empty, *bss;
    uint64_t kernel_end = 0;

    build(f, &opts);
    /* Between rodata and data in the table, at 0, huge, bad align, W+X. */
    elfgen_swap_phdrs(&f->gen, ELFGEN_EMPTY, ELFGEN_DATA);
    empty = elfgen_phdr(&f->gen, ELFGEN_EMPTY);
    empty->p_vaddr = 0;
    empty->p_memsz = UINT64_MAX;
    empty->p_align = 3;
    empty->p_offset = UINT64_MAX;
    empty->p_flags = PF_R | PF_W | PF_X;
    bss = elfgen_phdr(&f->gen, ELFGEN_BSS);
    bss->p_vaddr = 0x10;
    bss->p_align = 0;

    assert_accepted(check_segments(f, MEM_SIZE, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END_SPLIT_BSS);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_segments(f, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END_SPLIT_BSS);
    assert_int_equal(f->ncalls, 3);
    assert_protect_call(f, 2, ELFGEN_DATA_VADDR, ELFGEN_KERNEL_END_SPLIT_BSS,
                        PROT_READ | PROT_WRITE);
    assert_guest_holds_image(f);
}

static void test_kernel_end(void **state)
{
    struct elfgen_opts split = {.bss_segment = true};
    struct fixture *f = *state;
    Elf64_Phdr *data;
    uint64_t kernel_end = 0;

    /* .bss inside the data segment counts. */
    build(f, NULL);
    assert_accepted(check_segments(f, MEM_SIZE, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END);

    /* .bss in a p_filesz 0 segment of its own does not. */
    build(f, &split);
    assert_accepted(check_segments(f, MEM_SIZE, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END_SPLIT_BSS);

    /* Rounded up to the segment's own p_align, not only to a page. */
    build(f, NULL);
    data = elfgen_phdr(&f->gen, ELFGEN_DATA);
    data->p_vaddr = 0x104000;
    data->p_align = 0x4000;
    assert_accepted(check_segments(f, MEM_SIZE, &kernel_end), f);
    assert_int_equal(kernel_end, 0x108000);
}

static void test_load_copies_and_protects(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end = 0;
    const uint8_t *bss;

    build(f, NULL);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_segments(f, &kernel_end), f);
    assert_int_equal(kernel_end, ELFGEN_KERNEL_END);
    assert_guest_holds_image(f);

    /* .bss: from p_filesz to the end of the rounded range, zero. */
    bss = f->guest + (ELFGEN_DATA_VADDR + ELFGEN_DATA_FILESZ - LOADER_MIN_ADDR);
    for (uint64_t i = 0;
         i < ELFGEN_KERNEL_END - ELFGEN_DATA_VADDR - ELFGEN_DATA_FILESZ; i++)
        assert_int_equal(bss[i], 0);

    assert_int_equal(f->ncalls, 3);
    assert_protect_call(f, 0, ELFGEN_TEXT_VADDR, ELFGEN_RODATA_VADDR,
                        PROT_READ | PROT_EXEC);
    assert_protect_call(f, 1, ELFGEN_RODATA_VADDR, ELFGEN_DATA_VADDR,
                        PROT_READ);
    assert_protect_call(f, 2, ELFGEN_DATA_VADDR, ELFGEN_KERNEL_END,
                        PROT_READ | PROT_WRITE);
}

/* The tender's region starts at 0x10000: guest address = offset + base. */
static void test_load_below_min_addr(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end = 0;

    build(f, NULL);
    guest_alloc(f, 0x10000);
    assert_accepted(load_segments(f, &kernel_end), f);
    assert_guest_holds_image(f);
    assert_int_equal(f->ncalls, 3);
    assert_protect_call(f, 0, ELFGEN_TEXT_VADDR, ELFGEN_RODATA_VADDR,
                        PROT_READ | PROT_EXEC);
}

/* Protections follow p_flags alone, PROT_NONE included. */
static void test_load_protection_follows_flags(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end;

    build(f, NULL);
    elfgen_phdr(&f->gen, ELFGEN_TEXT)->p_flags = PF_X;
    elfgen_phdr(&f->gen, ELFGEN_RODATA)->p_flags = 0;
    elfgen_phdr(&f->gen, ELFGEN_DATA)->p_flags = PF_W;
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_segments(f, &kernel_end), f);
    assert_int_equal(f->ncalls, 3);
    assert_int_equal(f->calls[0].prot, PROT_EXEC);
    assert_int_equal(f->calls[1].prot, PROT_NONE);
    assert_int_equal(f->calls[2].prot, PROT_WRITE);
}

static void test_load_refuses_high_region(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end;

    build(f, NULL);
    guest_alloc(f, LOADER_MIN_ADDR + LOADER_PAGE);
    assert_refused(load_segments(f, &kernel_end), f,
                   "guest region starts above 0x100000");
    assert_int_equal(f->ncalls, 0);
}

static void test_load_reports_protect_failure(void **state)
{
    struct fixture *f = *state;
    uint64_t kernel_end;

    build(f, NULL);
    guest_alloc(f, LOADER_MIN_ADDR);
    f->fail_protect_call = 1;
    assert_refused(load_segments(f, &kernel_end), f,
                   "segment 1: cannot set protection of [0x102000, "
                   "0x103000)");
    assert_int_equal(f->ncalls, 2);
}

/* ---- Notes (solo5_note_find, solo5_abi_check, solo5_manifest_read) ---- */

static void test_abi_note_accepted(void **state)
{
    struct elfgen_opts opts = {.openbsd_note = true};
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    size_t size = 0;

    build(f, &opts);
    assert_int_equal(abi_note_find(f, &abi, &size), 0);
    assert_int_equal(size, sizeof abi);
    assert_accepted(abi_check(f, &abi), f);
    assert_int_equal(abi.abi_target, SOLO5_ABI_TARGET_SPT);
    assert_int_equal(abi.abi_version, SOLO5_SPT_ABI_VERSION);
}

/* A PT_NOTE too short for a note header refuses the whole file. */
static void test_refuses_short_note_segment(void **state)
{
    static const uint64_t sizes[] = {0, 1, 4, 11};
    struct elfgen_opts opts = {.interp = true};
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    char cause[80];
    Elf64_Phdr *ph;

    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        /* The first program header, before either Solo5 note. */
        build(f, &opts);
        ph = elfgen_phdr(&f->gen, ELFGEN_INTERP);
        ph->p_type = PT_NOTE;
        ph->p_filesz = sizes[i];
        snprintf(cause, sizeof cause,
                 "program header 0: PT_NOTE of %llu "
                 "bytes is shorter than a note header (12)",
                 (unsigned long long)sizes[i]);
        assert_refused(abi_check(f, &abi), f, cause);
        assert_refused(manifest_read(f), f, cause);
    }

    /* Between the two notes: both lookups refuse. */
    build(f, &opts);
    elfgen_swap_phdrs(&f->gen, ELFGEN_INTERP, ELFGEN_NOTE_ABI);
    ph = elfgen_phdr(&f->gen, ELFGEN_INTERP);
    ph->p_type = PT_NOTE;
    ph->p_filesz = 11;
    assert_refused(abi_check(f, &abi), f, "program header 4: PT_NOTE of 11");
    assert_refused(manifest_read(f), f, "program header 4: PT_NOTE of 11");

    /* After both notes, where the Solo5 tender would not look: refused
     * too, as the spec says of any PT_NOTE. */
    build(f, &opts);
    elfgen_swap_phdrs(&f->gen, ELFGEN_INTERP, ELFGEN_NOTE_MFT);
    ph = elfgen_phdr(&f->gen, ELFGEN_INTERP);
    ph->p_type = PT_NOTE;
    ph->p_filesz = 0;
    assert_refused(abi_check(f, &abi), f, "PT_NOTE of 0 bytes");
    assert_refused(manifest_read(f), f, "PT_NOTE of 0 bytes");
}

/*
 * A PT_NOTE of 12 to 19 bytes cannot hold a Solo5 note header: skipped,
 * unread, even if it points at a real Solo5 note.
 */
static void test_skips_note_segment_of_12_to_19(void **state)
{
    struct elfgen_opts opts = {.interp = true};
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    Elf64_Phdr *ph;

    for (uint64_t size = 12; size < 20; size++) {
        build(f, &opts);
        ph = elfgen_phdr(&f->gen, ELFGEN_INTERP);
        ph->p_type = PT_NOTE;
        ph->p_offset = f->gen.abi_note_off;
        ph->p_filesz = size;
        assert_accepted(abi_check(f, &abi), f);
        ph->p_offset = f->gen.mft_note_off;
        assert_accepted(manifest_read(f), f);
    }
}

/* Only the first note of a PT_NOTE is read; the second is not found. */
static void test_reads_first_note_only(void **state)
{
    struct elfgen_opts opts = {.spare_phdrs = 1, .spare_bytes = 512};
    struct fixture *f = *state;
    uint8_t notes[512];
    Elf64_Phdr *mft_ph;
    size_t abi_len, mft_len;

    /* The MFT1 note moved after a copy of ABI1, in one PT_NOTE. */
    build(f, &opts);
    abi_len = elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI)->p_filesz;
    mft_ph = elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT);
    mft_len = mft_ph->p_filesz;
    assert_true(abi_len + mft_len <= sizeof notes);
    memcpy(notes, elfgen_note(&f->gen, ELFGEN_NOTE_ABI), abi_len);
    memcpy(notes + abi_len, elfgen_note(&f->gen, ELFGEN_NOTE_MFT), mft_len);
    mft_ph->p_type = PT_NULL;
    assert_non_null(elfgen_add_note(&f->gen, notes, abi_len + mft_len));
    assert_refused(manifest_read(f), f, "no Solo5 manifest (MFT1 note)");

    /* The same move, MFT1 alone: found. The construction is sound. */
    build(f, &opts);
    mft_ph = elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT);
    memcpy(notes, elfgen_note(&f->gen, ELFGEN_NOTE_MFT), mft_len);
    mft_ph->p_type = PT_NULL;
    assert_non_null(elfgen_add_note(&f->gen, notes, mft_len));
    assert_accepted(manifest_read(f), f);
}

static void swap_phdr_at(struct elfgen *g, unsigned i, unsigned j)
{
    Elf64_Phdr tmp = *elfgen_phdr_at(g, i);

    *elfgen_phdr_at(g, i) = *elfgen_phdr_at(g, j);
    *elfgen_phdr_at(g, j) = tmp;
}

/*
 * Two MFT1 notes: the first in program-header order wins, and the later
 * one is never read, even if it is invalid.
 */
static void test_first_matching_note_wins(void **state)
{
    static const struct elfgen_device devices[] = {
        {"first", MFT_DEV_NET_BASIC},
    };
    struct elfgen_opts opts = {
        .devices = devices,
        .ndevices = 1,
        .spare_phdrs = 1,
        .spare_bytes = 512,
    };
    struct fixture *f = *state;
    _Alignas(8) uint8_t note[512];
    struct mft *other =
        (struct mft *)(note + SOLO5_NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD);
    Elf64_Nhdr *nh = (Elf64_Nhdr *)note;
    unsigned real = 4, spare = 5; /* program header indices */
    size_t len;

    build(f, &opts);
    len = elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT)->p_filesz;
    assert_true(len <= sizeof note);
    assert_int_equal(f->gen.ph_index[ELFGEN_NOTE_MFT], real);
    memcpy(note, elfgen_note(&f->gen, ELFGEN_NOTE_MFT), len);
    strcpy(other->e[1].name, "later");
    assert_non_null(elfgen_add_note(&f->gen, note, len));
    assert_accepted(manifest_read(f), f);
    assert_string_equal(f->mft->e[1].name, "first");

    swap_phdr_at(&f->gen, real, spare);
    assert_accepted(manifest_read(f), f);
    assert_string_equal(f->mft->e[1].name, "later");

    /* An invalid MFT1 note after the valid one is not looked at... */
    build(f, &opts);
    nh->n_descsz = 0;
    assert_non_null(elfgen_add_note(&f->gen, note, len));
    assert_accepted(manifest_read(f), f);
    assert_string_equal(f->mft->e[1].name, "first");
    /* ...but before it, it is the one found, and refused. */
    swap_phdr_at(&f->gen, real, spare);
    assert_refused(manifest_read(f), f,
                   "program header 4: Solo5 note "
                   "0x3154464d has n_descsz 0");
}

/*
 * Notes that are not the Solo5 note of the wanted type are skipped: the
 * lookup reports "absent" (1), not a bad file, and a later good note is
 * found.
 */
static void test_skips_foreign_notes(void **state)
{
    static const struct {
        size_t offset, width;
        uint64_t value;
    } cases[] = {
        {FIELD(Elf64_Nhdr, n_namesz), 5},
        {FIELD(Elf64_Nhdr, n_namesz), 7},
        {FIELD(Elf64_Nhdr, n_namesz), 0},
        {FIELD(Elf64_Nhdr, n_namesz), 8},
        {sizeof(Elf64_Nhdr), 1, 's'},            /* "solo5" */
        {sizeof(Elf64_Nhdr) + 4, 1, '6'},        /* "Solo6" */
        {sizeof(Elf64_Nhdr) + 5, 1, 'X'},        /* "Solo5X" */
        {FIELD(Elf64_Nhdr, n_type), 0x32494241}, /* "ABI2" */
        {FIELD(Elf64_Nhdr, n_type), SOLO5_NOTE_MANIFEST},
    };
    struct elfgen_opts opts = {.spare_phdrs = 1, .spare_bytes = 64};
    struct fixture *f = *state;
    uint8_t good[SOLO5_NOTE_HDR_SIZE + sizeof(struct solo5_abi1)];
    struct solo5_abi1 abi;
    size_t size;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        build(f, &opts);
        memcpy(good, elfgen_note(&f->gen, ELFGEN_NOTE_ABI), sizeof good);
        poke(elfgen_note(&f->gen, ELFGEN_NOTE_ABI), cases[i].offset,
             cases[i].width, cases[i].value);
        if (abi_note_find(f, &abi, &size) != 1)
            fail_msg("case %zu: not skipped: \"%s\"", i, f->err.msg);
        assert_refused(abi_check(f, &abi), f,
                       "no Solo5 ABI1 note: not a "
                       "Solo5 unikernel");

        assert_non_null(elfgen_add_note(&f->gen, good, sizeof good));
        assert_int_equal(abi_note_find(f, &abi, &size), 0);
        assert_int_equal(abi.abi_target, SOLO5_ABI_TARGET_SPT);
        assert_accepted(abi_check(f, &abi), f);
    }
}

/* The OpenBSD note first in the PT_NOTE would hide ABI1 after it. */
static void test_abi_note_must_come_first(void **state)
{
    struct elfgen_opts opts = {
        .openbsd_note = true,
        .spare_phdrs = 1,
        .spare_bytes = 128,
    };
    struct fixture *f = *state;
    uint8_t notes[128];
    Elf64_Phdr *abi_ph;
    struct solo5_abi1 abi;
    size_t abi_len = SOLO5_NOTE_HDR_SIZE + sizeof abi, openbsd_len;

    build(f, &opts);
    abi_ph = elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI);
    openbsd_len = abi_ph->p_filesz - abi_len;
    memcpy(notes, (uint8_t *)elfgen_note(&f->gen, ELFGEN_NOTE_ABI) + abi_len,
           openbsd_len);
    memcpy(notes + openbsd_len, elfgen_note(&f->gen, ELFGEN_NOTE_ABI), abi_len);
    abi_ph->p_type = PT_NULL;
    assert_non_null(elfgen_add_note(&f->gen, notes, abi_ph->p_filesz));
    assert_refused(abi_check(f, &abi), f, "no Solo5 ABI1 note");
}

static void test_refuses_bad_descsz(void **state)
{
    static const struct {
        enum elfgen_part note;
        uint32_t descsz;
        const char *cause;
    } cases[] = {
        {ELFGEN_NOTE_ABI, 0,
         "Solo5 note 0x31494241 has n_descsz 0, "
         "expected 1..32"},
        {ELFGEN_NOTE_ABI, 33, "n_descsz 33, expected 1..32"},
        {ELFGEN_NOTE_ABI, UINT32_MAX, "n_descsz 4294967295, expected"},
        {ELFGEN_NOTE_MFT, 0,
         "Solo5 note 0x3154464d has n_descsz 0, "
         "expected 12..6668"},
        {ELFGEN_NOTE_MFT, 11, "n_descsz 11, expected 12..6668"},
        {ELFGEN_NOTE_MFT, 6669, "n_descsz 6669, expected 12..6668"},
        {ELFGEN_NOTE_MFT, UINT32_MAX, "n_descsz 4294967295, expected"},
    };
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    int rc;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        build(f, NULL);
        elfgen_note(&f->gen, cases[i].note)->n_descsz = cases[i].descsz;
        if (cases[i].note == ELFGEN_NOTE_ABI)
            rc = abi_check(f, &abi);
        else
            rc = manifest_read(f);
        if (!refused_with(rc, &f->err, cases[i].cause))
            fail_msg("case %zu: got %d \"%s\", expected \"%s\"", i, rc,
                     f->err.msg, cases[i].cause);
    }
}

/* Solo5 takes an ABI1 descriptor of 1..32 bytes. */
static void test_accepts_abi_descsz_up_to_32(void **state)
{
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    size_t size;

    build(f, NULL);
    elfgen_note(&f->gen, ELFGEN_NOTE_ABI)->n_descsz = 32;
    elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI)->p_filesz = SOLO5_NOTE_HDR_SIZE + 32;
    assert_accepted(abi_check(f, &abi), f);
    assert_int_equal(abi_note_find(f, &abi, &size), 0);
    assert_int_equal(size, 32);

    /* One byte: found; the rest of the descriptor reads as zero. */
    build(f, NULL);
    elfgen_note(&f->gen, ELFGEN_NOTE_ABI)->n_descsz = 1;
    assert_int_equal(abi_note_find(f, &abi, &size), 0);
    assert_int_equal(size, 1);
    assert_int_equal(abi.abi_target, SOLO5_ABI_TARGET_SPT);
    assert_int_equal(abi.abi_version, 0);
    assert_refused(abi_check(f, &abi), f, "spt ABI version 0 is not");
}

/* The descriptor must fit its PT_NOTE. */
static void test_refuses_note_larger_than_segment(void **state)
{
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    Elf64_Phdr *ph;

    build(f, NULL);
    ph = elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI);
    ph->p_filesz--;
    assert_refused(abi_check(f, &abi), f,
                   "program header 3: note of 36 "
                   "bytes does not fit its PT_NOTE of 35 bytes");

    build(f, NULL);
    ph = elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT);
    ph->p_filesz--;
    assert_refused(manifest_read(f), f,
                   "program header 4: note of 136 "
                   "bytes does not fit its PT_NOTE of 135 bytes");
}

/* A note whose bytes lie past the end of the file. */
static void test_refuses_note_past_end(void **state)
{
    struct elfgen_opts opts = {.spare_bytes = SOLO5_NOTE_HDR_SIZE};
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    Elf64_Phdr *ph;

    build(f, NULL);
    elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI)->p_offset = f->gen.size - 10;
    assert_refused(abi_check(f, &abi), f, "note header: 20 bytes at offset");

    build(f, NULL);
    elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI)->p_offset = UINT64_MAX - 5;
    assert_refused(abi_check(f, &abi), f,
                   "note header: 20 bytes at offset "
                   "18446744073709551610 lie past the end");

    /* The header is the file's last 20 bytes; the descriptor is beyond. */
    build(f, &opts);
    ph = elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT);
    memcpy(f->gen.buf + f->gen.spare_off, elfgen_note(&f->gen, ELFGEN_NOTE_MFT),
           SOLO5_NOTE_HDR_SIZE);
    ph->p_offset = f->gen.spare_off;
    assert_refused(manifest_read(f), f,
                   "note descriptor: 112 bytes at "
                   "offset");
}

static void test_refuses_other_abi(void **state)
{
    static const struct {
        uint32_t target, version;
        const char *cause;
    } cases[] = {
        {SOLO5_ABI_TARGET_HVT, 2, "is a Solo5 hvt unikernel (ABI target 1)"},
        {SOLO5_ABI_TARGET_VIRTIO, 2, "is a Solo5 virtio unikernel"},
        {SOLO5_ABI_TARGET_MUEN, 2, "is a Solo5 muen unikernel"},
        {SOLO5_ABI_TARGET_GENODE, 2, "is a Solo5 genode unikernel"},
        {SOLO5_ABI_TARGET_XEN, 2, "is a Solo5 xen unikernel"},
        {0, 2, "unknown Solo5 ABI target 0, expected spt (2)"},
        {7, 2, "unknown Solo5 ABI target 7"},
        {UINT32_MAX, 2, "unknown Solo5 ABI target 4294967295"},
        {2, 1, "spt ABI version 1 is not supported, expected 2"},
        {2, 3, "spt ABI version 3 is not supported"},
        {2, 0, "spt ABI version 0 is not supported"},
    };
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    int rc;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        build(f, NULL);
        elfgen_abi(&f->gen)->abi_target = cases[i].target;
        elfgen_abi(&f->gen)->abi_version = cases[i].version;
        rc = abi_check(f, &abi);
        if (!refused_with(rc, &f->err, cases[i].cause))
            fail_msg("case %zu: got %d \"%s\", expected \"%s\"", i, rc,
                     f->err.msg, cases[i].cause);
    }
}

static void test_refuses_missing_notes(void **state)
{
    struct fixture *f = *state;
    struct solo5_abi1 abi;
    size_t size;

    build(f, NULL);
    elfgen_phdr(&f->gen, ELFGEN_NOTE_ABI)->p_type = PT_NULL;
    assert_int_equal(abi_note_find(f, &abi, &size), 1);
    assert_refused(abi_check(f, &abi), f, "no Solo5 ABI1 note");
    assert_accepted(manifest_read(f), f);

    build(f, NULL);
    elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT)->p_type = PT_NULL;
    assert_accepted(abi_check(f, &abi), f);
    assert_refused(manifest_read(f), f, "no Solo5 manifest (MFT1 note)");
}

/* ---- Manifest (mft_validate, solo5_manifest_read, mft_find) ---- */

static const struct elfgen_device two_devices[] = {
    {"storage", MFT_DEV_BLOCK_BASIC},
    {"service", MFT_DEV_NET_BASIC},
};
static const struct elfgen_opts two_device_opts = {
    .devices = two_devices,
    .ndevices = 2,
};
#define TWO_DEVICE_MFT_SIZE MFT_SIZE(3) /* 320 */

#define MFT_AT(i, member)                                                      \
    (sizeof(struct mft) + (i) * sizeof(struct mft_entry) +                     \
     offsetof(struct mft_entry, member))

struct mft_case {
    size_t offset, width; /* in the manifest; width 0: no change */
    uint64_t value;
    long size_delta; /* added to the size given to mft_validate */
    const char *cause;
};

static const struct mft_case mft_cases[] = {
    {0, 0, 0, -(long)TWO_DEVICE_MFT_SIZE,
     "manifest of 0 bytes is shorter than its 8-byte header"},
    {0, 0, 0, 7 - (long)TWO_DEVICE_MFT_SIZE, "manifest of 7 bytes is"},
    {0, 0, 0, 1, "manifest is 321 bytes, expected 320 for 3 entries"},
    {0, 0, 0, -1, "manifest is 319 bytes, expected 320 for 3 entries"},
    {FIELD(struct mft, version), 0, 0, "manifest version 0, expected 1"},
    {FIELD(struct mft, version), 2, 0, "manifest version 2, expected 1"},
    {FIELD(struct mft, entries), 0, 0,
     "manifest has 0 entries, expected "
     "1..64"},
    {FIELD(struct mft, entries), 65, 0, "manifest has 65 entries"},
    {FIELD(struct mft, entries), UINT32_MAX, 0, "manifest has 4294967295"},
    {FIELD(struct mft, entries), 2, 0,
     "manifest is 320 bytes, expected 216 "
     "for 2 entries"},
    {FIELD(struct mft, entries), 4, 0, "expected 424 for 4 entries"},
    {MFT_AT(0, type), 4, MFT_DEV_BLOCK_BASIC, 0,
     "manifest entry 0 must be the reserved entry (type 0x40000000, empty "
     "name); found type 0x1"},
    {MFT_AT(0, type), 4, MFT_RESERVED_FIRST + 1, 0, "found type 0x40000001"},
    {MFT_AT(0, name), 1, 'x', 0, "manifest entry 0 must be the reserved"},
    {MFT_AT(0, name) + MFT_NAME_MAX, 1, 'x', 0,
     "manifest entry 0: name is not NUL-terminated within 68 bytes"},
    {MFT_AT(1, name) + MFT_NAME_MAX, 1, 'x', 0,
     "manifest entry 1: name is not NUL-terminated within 68 bytes"},
    {MFT_AT(2, name) + MFT_NAME_MAX, 1, 0xff, 0,
     "manifest entry 2: name is not NUL-terminated"},
    /* 'attached' is a bool in C: a 2 must be read as a byte, not UB. */
    {MFT_AT(0, attached), 1, 1, 0, "manifest entry 0: 'attached' is set"},
    {MFT_AT(1, attached), 1, 1, 0, "manifest entry 1: 'attached' is set"},
    {MFT_AT(2, attached), 1, 2, 0, "manifest entry 2: 'attached' is set"},
    {MFT_AT(2, attached), 1, 0xff, 0, "manifest entry 2: 'attached' is"},
    {MFT_AT(2, type), 4, 0, 0, "manifest entry 2: unknown device type 0"},
    {MFT_AT(2, type), 4, 3, 0, "manifest entry 2: unknown device type 3"},
    {MFT_AT(1, type), 4, MFT_RESERVED_FIRST - 1, 0,
     "manifest entry 1: unknown device type 1073741823"},
};

static void mft_case_apply(struct fixture *f, const struct mft_case *c)
{
    build(f, &two_device_opts);
    assert_int_equal(f->gen.mft_size, TWO_DEVICE_MFT_SIZE);
    if (c->width)
        poke(elfgen_mft(&f->gen), c->offset, c->width, c->value);
}

/* Each rule on mft_validate, and, for fields, on the note in the file. */
static void test_refuses_bad_manifest(void **state)
{
    struct fixture *f = *state;
    int rc;

    for (size_t i = 0; i < sizeof mft_cases / sizeof mft_cases[0]; i++) {
        const struct mft_case *c = &mft_cases[i];

        mft_case_apply(f, c);
        clear_err(f);
        rc = mft_validate(elfgen_mft(&f->gen),
                          (size_t)((long)f->gen.mft_size + c->size_delta),
                          FILE_NAME, &f->err);
        if (!refused_with(rc, &f->err, c->cause))
            fail_msg("validate, case %zu: got %d \"%s\", expected \"%s\"", i,
                     rc, f->err.msg, c->cause);
        if (c->size_delta != 0)
            continue;
        rc = manifest_read(f);
        if (!refused_with(rc, &f->err, c->cause))
            fail_msg("read, case %zu: got %d \"%s\", expected \"%s\"", i, rc,
                     f->err.msg, c->cause);
    }
}

/* The note one byte longer or shorter than its entries say. */
static void test_refuses_manifest_size_mismatch_in_file(void **state)
{
    struct fixture *f = *state;

    build(f, &two_device_opts);
    elfgen_note(&f->gen, ELFGEN_NOTE_MFT)->n_descsz++;
    elfgen_phdr(&f->gen, ELFGEN_NOTE_MFT)->p_filesz++;
    assert_refused(manifest_read(f), f,
                   "manifest is 321 bytes, expected "
                   "320 for 3 entries");

    build(f, &two_device_opts);
    elfgen_note(&f->gen, ELFGEN_NOTE_MFT)->n_descsz--;
    assert_refused(manifest_read(f), f,
                   "manifest is 319 bytes, expected "
                   "320 for 3 entries");
}

static void test_manifest_read_copies(void **state)
{
    struct fixture *f = *state;

    build(f, &two_device_opts);
    assert_accepted(manifest_read(f), f);
    assert_int_equal(f->mft_size, TWO_DEVICE_MFT_SIZE);
    assert_memory_equal(f->mft, elfgen_mft(&f->gen), TWO_DEVICE_MFT_SIZE);
    assert_int_equal(f->mft->e[1].type, MFT_DEV_BLOCK_BASIC);
    assert_int_equal(f->mft->e[2].type, MFT_DEV_NET_BASIC);
}

/* Reserved types after entry 0, and 67-character names, are fine. */
static void test_accepts_reserved_types_and_long_names(void **state)
{
    char name[MFT_NAME_SIZE];
    struct elfgen_device devices[] = {
        {"a", MFT_RESERVED_FIRST},
        {"b", MFT_RESERVED_FIRST + 1},
        {"c", UINT32_MAX},
        {name, MFT_DEV_BLOCK_BASIC},
    };
    struct elfgen_opts opts = {.devices = devices, .ndevices = 4};
    struct fixture *f = *state;

    memset(name, 'n', MFT_NAME_MAX);
    name[MFT_NAME_MAX] = '\0';
    build(f, &opts);
    clear_err(f);
    assert_accepted(
        mft_validate(elfgen_mft(&f->gen), f->gen.mft_size, FILE_NAME, &f->err),
        f);
    assert_accepted(manifest_read(f), f);
    assert_int_equal(strlen(f->mft->e[4].name), MFT_NAME_MAX);
}

/* 63 devices (64 entries, n_descsz 6668) load; 64 devices do not. */
static void test_manifest_entry_limit(void **state)
{
    struct elfgen_device devices[MFT_MAX_ENTRIES];
    char names[MFT_MAX_ENTRIES][8];
    struct elfgen_opts opts = {.devices = devices};
    struct fixture *f = *state;

    for (unsigned i = 0; i < MFT_MAX_ENTRIES; i++) {
        snprintf(names[i], sizeof names[i], "dev%u", i + 1);
        devices[i].name = names[i];
        devices[i].type = i % 2 ? MFT_DEV_NET_BASIC : MFT_DEV_BLOCK_BASIC;
    }
    opts.ndevices = MFT_MAX_ENTRIES - 1;
    build(f, &opts);
    assert_int_equal(elfgen_note(&f->gen, ELFGEN_NOTE_MFT)->n_descsz,
                     SOLO5_MFT_NOTE_DESC_MAX);
    assert_accepted(manifest_read(f), f);
    assert_int_equal(f->mft->entries, MFT_MAX_ENTRIES);
    assert_string_equal(f->mft->e[63].name, "dev63");
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_buf(f, f->gen.buf, f->gen.size), f);

    opts.ndevices = MFT_MAX_ENTRIES;
    build(f, &opts);
    assert_refused(manifest_read(f), f, "n_descsz 6772, expected 12..6668");
    clear_err(f);
    assert_refused(
        mft_validate(elfgen_mft(&f->gen), f->gen.mft_size, FILE_NAME, &f->err),
        f, "manifest has 65 entries, expected 1..64");
}

static void test_mft_find(void **state)
{
    static const struct elfgen_device devices[] = {
        {"net0", MFT_DEV_NET_BASIC},   /* entry 1 */
        {"disk", MFT_DEV_BLOCK_BASIC}, /* entry 2 */
        {"net0", MFT_DEV_BLOCK_BASIC}, /* entry 3 */
        {"net0", MFT_DEV_NET_BASIC},   /* entry 4: a duplicate of 1 */
        {"", MFT_RESERVED_FIRST},      /* entry 5 */
    };
    struct elfgen_opts opts = {.devices = devices, .ndevices = 5};
    struct fixture *f = *state;
    struct mft *mft;

    build(f, &opts);
    assert_accepted(manifest_read(f), f);
    mft = f->mft;
    assert_ptr_equal(mft_find(mft, "net0", MFT_DEV_NET_BASIC), &mft->e[1]);
    assert_ptr_equal(mft_find(mft, "net0", MFT_DEV_BLOCK_BASIC), &mft->e[3]);
    assert_ptr_equal(mft_find(mft, "disk", MFT_DEV_BLOCK_BASIC), &mft->e[2]);
    assert_null(mft_find(mft, "disk", MFT_DEV_NET_BASIC));
    assert_null(mft_find(mft, "net", MFT_DEV_NET_BASIC));
    assert_null(mft_find(mft, "net00", MFT_DEV_NET_BASIC));
    assert_null(mft_find(mft, "Net0", MFT_DEV_NET_BASIC));
    /* Entry 0 is never a device; entry 5, alike but not 0, is found. */
    assert_ptr_equal(mft_find(mft, "", MFT_RESERVED_FIRST), &mft->e[5]);
    mft->entries = 5;
    assert_null(mft_find(mft, "", MFT_RESERVED_FIRST));
}

static void test_mft_type_name(void **state)
{
    (void)state;
    assert_string_equal(mft_type_name(MFT_DEV_BLOCK_BASIC), "BLOCK_BASIC");
    assert_string_equal(mft_type_name(MFT_DEV_NET_BASIC), "NET_BASIC");
    assert_null(mft_type_name(0));
    assert_null(mft_type_name(3));
    assert_null(mft_type_name(MFT_RESERVED_FIRST));
}

/* ---- Sources ---- */

static int temp_file_with(struct fixture *f, size_t len)
{
    char path[] = "/tmp/test_loader.XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    unlink(path);
    f->fd = fd;
    assert_int_equal(elfgen_write(&f->gen, fd), 0);
    assert_int_equal(ftruncate(fd, (off_t)len), 0);
    return fd;
}

/* Read with pread: the same result as from a buffer. */
static void test_src_from_regular_file(void **state)
{
    struct fixture *f = *state;
    int fd;

    build(f, &two_device_opts);
    fd = temp_file_with(f, f->gen.size);
    clear_err(f);
    assert_accepted(loader_src_from_fd(&f->src, fd, FILE_NAME, &f->err), f);
    assert_int_equal(f->src.size, f->gen.size);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_accepted(load_src(f), f);
    assert_guest_holds_image(f);
    assert_memory_equal(f->mft, elfgen_mft(&f->gen), f->gen.mft_size);
}

static void test_src_from_short_file(void **state)
{
    struct fixture *f = *state;
    int fd;

    build(f, NULL);
    fd = temp_file_with(f, f->gen.size - 1);
    clear_err(f);
    assert_accepted(loader_src_from_fd(&f->src, fd, FILE_NAME, &f->err), f);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_refused(load_src(f), f, "segment 2: 120 bytes at offset");
}

/* The file shrinks after fstat(): a short read, not a loop or a crash. */
static void test_src_file_shrinks(void **state)
{
    struct fixture *f = *state;
    int fd;

    build(f, NULL);
    fd = temp_file_with(f, f->gen.size);
    clear_err(f);
    assert_accepted(loader_src_from_fd(&f->src, fd, FILE_NAME, &f->err), f);
    assert_int_equal(ftruncate(fd, 100), 0);
    guest_alloc(f, LOADER_MIN_ADDR);
    assert_refused(load_src(f), f,
                   "program headers: short read at offset "
                   "64 (file changed while loading?)");
}

static void test_src_refuses_directory(void **state)
{
    struct fixture *f = *state;

    f->fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(f->fd >= 0);
    clear_err(f);
    assert_refused(loader_src_from_fd(&f->src, f->fd, FILE_NAME, &f->err), f,
                   "not a regular file");
}

static void test_src_refuses_pipe(void **state)
{
    struct fixture *f = *state;
    int fds[2];
    int rc;

    assert_int_equal(pipe(fds), 0);
    clear_err(f);
    rc = loader_src_from_fd(&f->src, fds[0], FILE_NAME, &f->err);
    close(fds[0]);
    close(fds[1]);
    assert_refused(rc, f, "not a regular file");
}

static void test_src_refuses_bad_fd(void **state)
{
    struct fixture *f = *state;

    clear_err(f);
    assert_refused(loader_src_from_fd(&f->src, -1, FILE_NAME, &f->err), f,
                   "cannot stat");
}

/* Control characters in the file name cannot break the message's line. */
static void test_message_is_one_line(void **state)
{
    struct fixture *f = *state;

    build(f, NULL);
    elfgen_ehdr(&f->gen)->e_machine = EM_386;
    loader_src_from_buf(&f->src, f->gen.buf, f->gen.size, "evil\nname\x1b[2J");
    clear_err(f);
    assert_int_equal(elf_image_read(&f->src, &f->img, &f->err), -1);
    assert_string_equal(f->err.msg,
                        "evil?name?[2J: e_machine 3, expected EM_X86_64 (62)");
}

/*
 * A path may be up to 4095 bytes: the message must still end with the
 * whole cause, after as much of the name as fits (its end: the file).
 */
static void test_message_keeps_cause_with_long_name(void **state)
{
    static const char cause[] = ": file of 0 bytes is shorter than an ELF64 "
                                "header (64)";
    struct fixture *f = *state;
    char name[4096];
    size_t msg_len;

    for (size_t len = 300; len < sizeof name; len += 100) {
        memset(name, 'd', len);
        memcpy(name + len - strlen("/" FILE_NAME), "/" FILE_NAME,
               strlen("/" FILE_NAME) + 1);
        loader_src_from_buf(&f->src, "", 0, name);
        clear_err(f);
        assert_int_equal(elf_image_read(&f->src, &f->img, &f->err), -1);
        msg_len = strlen(f->err.msg);
        assert_true(msg_len > strlen(cause));
        if (strcmp(f->err.msg + msg_len - strlen(cause), cause) != 0 ||
            strstr(f->err.msg, "/" FILE_NAME ": ") == NULL)
            fail_msg("name of %zu bytes: \"%s\"", len, f->err.msg);
    }
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_accepts_minimal_image),
        TEST(test_accepts_toolchain_image),
        TEST(test_accepts_any_osabi),
        TEST(test_ignores_interp),
        TEST(test_refuses_bad_header),
        TEST(test_refuses_phdrs_past_end),
        TEST(test_refuses_truncated_files),
        TEST(test_refuses_truncated_parts),
        TEST(test_refuses_every_truncation),
        TEST(test_refuses_bad_segments),
        TEST(test_refuses_descending_segments),
        TEST(test_refuses_huge_align),
        TEST(test_refuses_unaligned_start),
        TEST(test_refuses_segments_beyond_memory),
        TEST(test_entry_point_range),
        TEST(test_refuses_no_content_segment),
        TEST(test_ignores_segments_without_content),
        TEST(test_kernel_end),
        TEST(test_load_copies_and_protects),
        TEST(test_load_below_min_addr),
        TEST(test_load_protection_follows_flags),
        TEST(test_load_refuses_high_region),
        TEST(test_load_reports_protect_failure),
        TEST(test_abi_note_accepted),
        TEST(test_refuses_short_note_segment),
        TEST(test_skips_note_segment_of_12_to_19),
        TEST(test_reads_first_note_only),
        TEST(test_first_matching_note_wins),
        TEST(test_skips_foreign_notes),
        TEST(test_abi_note_must_come_first),
        TEST(test_refuses_bad_descsz),
        TEST(test_accepts_abi_descsz_up_to_32),
        TEST(test_refuses_note_larger_than_segment),
        TEST(test_refuses_note_past_end),
        TEST(test_refuses_other_abi),
        TEST(test_refuses_missing_notes),
        TEST(test_refuses_bad_manifest),
        TEST(test_refuses_manifest_size_mismatch_in_file),
        TEST(test_manifest_read_copies),
        TEST(test_accepts_reserved_types_and_long_names),
        TEST(test_manifest_entry_limit),
        TEST(test_mft_find),
        TEST(test_mft_type_name),
        TEST(test_src_from_regular_file),
        TEST(test_src_from_short_file),
        TEST(test_src_file_shrinks),
        TEST(test_src_refuses_directory),
        TEST(test_src_refuses_pipe),
        TEST(test_src_refuses_bad_fd),
        TEST(test_message_is_one_line),
        TEST(test_message_keeps_cause_with_long_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
