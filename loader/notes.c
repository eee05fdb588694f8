/*
 * notes.c: the Solo5 notes (ABI1, MFT1) of a guest executable.
 *
 * The note is chosen exactly as the Solo5 tender chooses it: only the
 * first note of each PT_NOTE segment is read, in program-header order, and
 * the first one with name "Solo5" and the wanted type wins. A PT_NOTE too
 * short for a note header refuses the whole file, wherever it is (the
 * Solo5 tender notices only those it scans before its match; refusing all
 * of them is stricter, and no Solo5 toolchain emits one).
 */
#include <string.h>

#include "internal.h"

struct solo5_nhdr {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char name[8];
};

_Static_assert(sizeof(struct solo5_nhdr) == SOLO5_NOTE_HDR_SIZE,
               "Solo5 note header is 20 bytes");

static bool is_solo5_note(const struct solo5_nhdr *nh, uint32_t n_type)
{
    return nh->n_namesz == SOLO5_NOTE_NAMESZ &&
           memcmp(nh->name, SOLO5_NOTE_NAME, SOLO5_NOTE_NAMESZ) == 0 &&
           nh->n_type == n_type;
}

static int short_notes_refuse(const struct loader_src *src,
                              const struct elf_image *img,
                              struct loader_err *err)
{
    for (unsigned i = 0; i < img->phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];

        if (ph->p_type == PT_NOTE && ph->p_filesz < SOLO5_NOTE_MIN_PHDR)
            return loader_fail(err, src->name, "program header %u: PT_NOTE "
                               "of %llu bytes is shorter than a note header "
                               "(12)", i, (unsigned long long)ph->p_filesz);
    }
    return 0;
}

int solo5_note_find(const struct loader_src *src, const struct elf_image *img,
                    uint32_t n_type, size_t pad, size_t desc_min,
                    size_t desc_max, void *out, size_t out_cap,
                    size_t *out_size, struct loader_err *err)
{
    const char *n = src->name;

    if (short_notes_refuse(src, img, err) == -1)
        return -1;
    for (unsigned i = 0; i < img->phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];
        struct solo5_nhdr nh;
        uint64_t desc_off;
        size_t len;

        if (ph->p_type != PT_NOTE)
            continue;
        if (ph->p_filesz < sizeof nh)
            continue; /* too short to be a Solo5 note */
        if (src_read(src, &nh, sizeof nh, ph->p_offset, "note header",
                     err) == -1)
            return -1;
        if (!is_solo5_note(&nh, n_type))
            continue;
        if (nh.n_descsz < desc_min || nh.n_descsz > desc_max)
            return loader_fail(err, n, "program header %u: Solo5 note 0x%x "
                               "has n_descsz %u, expected %zu..%zu", i,
                               n_type, nh.n_descsz, desc_min, desc_max);
        if (ph->p_filesz < sizeof nh + (uint64_t)nh.n_descsz)
            return loader_fail(err, n, "program header %u: note of %llu "
                               "bytes does not fit its PT_NOTE of %llu bytes",
                               i, (unsigned long long)(sizeof nh +
                                                       nh.n_descsz),
                               (unsigned long long)ph->p_filesz);
        len = nh.n_descsz - pad;
        if (len > out_cap)
            len = out_cap;
        /* p_offset + 20 + pad cannot wrap: p_offset + p_filesz fits. */
        desc_off = ph->p_offset + sizeof nh + pad;
        if (src_read(src, out, len, desc_off, "note descriptor", err) == -1)
            return -1;
        *out_size = nh.n_descsz - pad;
        return 0;
    }
    return 1;
}

const char *solo5_abi_target_name(uint32_t target)
{
    static const char *const names[] = {
        [SOLO5_ABI_TARGET_HVT] = "hvt",       [SOLO5_ABI_TARGET_SPT] = "spt",
        [SOLO5_ABI_TARGET_VIRTIO] = "virtio", [SOLO5_ABI_TARGET_MUEN] = "muen",
        [SOLO5_ABI_TARGET_GENODE] = "genode", [SOLO5_ABI_TARGET_XEN] = "xen",
    };

    if (target < sizeof names / sizeof names[0])
        return names[target];
    return NULL;
}

int solo5_abi_check(const struct loader_src *src, const struct elf_image *img,
                    struct solo5_abi1 *abi, struct loader_err *err)
{
    uint8_t desc[SOLO5_ABI1_DESC_MAX] = {0};
    size_t size;
    const char *target;
    int rc;

    rc = solo5_note_find(src, img, SOLO5_NOTE_ABI, 0, SOLO5_ABI1_DESC_MIN,
                         SOLO5_ABI1_DESC_MAX, desc, sizeof desc, &size, err);
    if (rc == -1)
        return -1;
    if (rc == 1)
        return loader_fail(err, src->name, "no Solo5 ABI1 note: not a Solo5 "
                           "unikernel");
    memcpy(abi, desc, sizeof *abi);
    if (abi->abi_target != SOLO5_ABI_TARGET_SPT) {
        target = solo5_abi_target_name(abi->abi_target);
        if (target)
            return loader_fail(err, src->name, "is a Solo5 %s unikernel "
                               "(ABI target %u); solo5-spt runs spt (target "
                               "2) unikernels", target, abi->abi_target);
        return loader_fail(err, src->name, "unknown Solo5 ABI target %u, "
                           "expected spt (2)", abi->abi_target);
    }
    if (abi->abi_version != SOLO5_SPT_ABI_VERSION)
        return loader_fail(err, src->name, "spt ABI version %u is not "
                           "supported, expected %u", abi->abi_version,
                           SOLO5_SPT_ABI_VERSION);
    return 0;
}

int solo5_manifest_read(const struct loader_src *src,
                        const struct elf_image *img, struct mft *out,
                        size_t *out_size, struct loader_err *err)
{
    int rc;

    rc = solo5_note_find(src, img, SOLO5_NOTE_MANIFEST, SOLO5_MFT_NOTE_PAD,
                         SOLO5_MFT_NOTE_PAD + sizeof(struct mft),
                         SOLO5_MFT_NOTE_DESC_MAX, out, MFT_MAX_SIZE, out_size,
                         err);
    if (rc == -1)
        return -1;
    if (rc == 1)
        return loader_fail(err, src->name, "no Solo5 manifest (MFT1 note)");
    return mft_validate(out, *out_size, src->name, err);
}
