/*
 * fuzz_notes.c: the note reader and manifest validation on arbitrary bytes
 * (libFuzzer harness).
 *
 * Every input is tried two ways: as a whole guest file (elf_image_read,
 * solo5_abi_check, solo5_manifest_read, and solo5_note_find into a buffer
 * far smaller than any descriptor), and as a bare manifest handed to
 * mft_validate. An accepted manifest must satisfy spec section 3 field by
 * field, and mft_find must return the first entry with a given name and
 * type. Buffers are allocated at their exact size, so that any read or
 * write past them is a heap overflow.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "loader.h"

#define PREFIX        FUZZ_FILE_NAME ": "
#define TINY_OUT_SIZE 3 /* smaller than any ABI1 descriptor worth reading */

/* The file's byte: a bool holding anything but 0 or 1 must not be loaded. */
static uint8_t attached_byte(const struct mft_entry *e)
{
    uint8_t b;

    memcpy(&b, (const uint8_t *)e + offsetof(struct mft_entry, attached), 1);
    return b;
}

static bool same_device(const struct mft_entry *a, const struct mft_entry *b)
{
    return a->type == b->type && strcmp(a->name, b->name) == 0;
}

/* What an accepted manifest promises (spec section 3), and lookups in it. */
static void require_manifest(struct mft *mft, size_t size)
{
    char too_long[MFT_NAME_SIZE + 1];

    fuzz_require(mft->version == MFT_VERSION);
    fuzz_require(mft->entries >= 1 && mft->entries <= MFT_MAX_ENTRIES);
    fuzz_require(size == MFT_SIZE(mft->entries));
    fuzz_require(mft->e[0].type == MFT_RESERVED_FIRST);
    fuzz_require(mft->e[0].name[0] == '\0');
    for (unsigned i = 0; i < mft->entries; i++) {
        struct mft_entry *e = &mft->e[i], *found;

        fuzz_require(e->name[MFT_NAME_MAX] == '\0');
        fuzz_require(attached_byte(e) == 0);
        if (i == 0)
            continue;
        fuzz_require(mft_type_name(e->type) != NULL ||
                     e->type >= MFT_RESERVED_FIRST);
        found = mft_find(mft, e->name, e->type);
        fuzz_require(found != NULL && found >= &mft->e[1] && found <= e);
        fuzz_require(same_device(found, e));
        for (struct mft_entry *before = &mft->e[1]; before < found; before++)
            fuzz_require(!same_device(before, e));
    }
    /* No name in a manifest has 68 characters: this never matches. */
    memset(too_long, 'a', MFT_NAME_SIZE);
    too_long[MFT_NAME_SIZE] = '\0';
    fuzz_require(mft_find(mft, too_long, MFT_DEV_BLOCK_BASIC) == NULL);
    fuzz_require(mft_find(mft, too_long, MFT_DEV_NET_BASIC) == NULL);
}

static void fuzz_bare_manifest(const uint8_t *data, size_t size)
{
    struct mft *mft = malloc(size > 0 ? size : 1);
    struct loader_err err;

    fuzz_require(mft != NULL);
    memcpy(mft, data, size);
    if (mft_validate(mft, size, FUZZ_FILE_NAME, &err) == 0)
        require_manifest(mft, size);
    else
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
    free(mft);
}

static void fuzz_notes(const struct loader_src *src,
                       const struct elf_image *img)
{
    struct mft *mft = malloc(MFT_MAX_SIZE);
    uint8_t *tiny = malloc(TINY_OUT_SIZE);
    struct solo5_abi1 abi;
    struct loader_err err;
    size_t mft_size = 0, tiny_size = 0;
    int abi_rc, note_rc;

    fuzz_require(mft != NULL && tiny != NULL);
    abi_rc = solo5_abi_check(src, img, &abi, &err);
    if (abi_rc == 0) {
        fuzz_require(abi.abi_target == SOLO5_ABI_TARGET_SPT);
        fuzz_require(abi.abi_version == SOLO5_SPT_ABI_VERSION);
    } else {
        fuzz_require(abi_rc == -1);
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
    }

    /* The copy stops at out_cap; the size reported is the note's own. */
    note_rc = solo5_note_find(src, img, SOLO5_NOTE_ABI, 0, SOLO5_ABI1_DESC_MIN,
                              SOLO5_ABI1_DESC_MAX, tiny, TINY_OUT_SIZE,
                              &tiny_size, &err);
    if (note_rc == 0)
        fuzz_require(tiny_size >= SOLO5_ABI1_DESC_MIN &&
                     tiny_size <= SOLO5_ABI1_DESC_MAX);
    else if (note_rc == -1)
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
    else
        fuzz_require(note_rc == 1);
    /* The same search as solo5_abi_check's: it found what this found. */
    if (abi_rc == 0)
        fuzz_require(note_rc == 0);

    if (solo5_manifest_read(src, img, mft, &mft_size, &err) == 0) {
        require_manifest(mft, mft_size);
        fuzz_require(mft_validate(mft, mft_size, FUZZ_FILE_NAME, &err) == 0);
    } else {
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
    }
    free(tiny);
    free(mft);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;

    fuzz_bare_manifest(data, size);
    loader_src_from_buf(&src, data, size, FUZZ_FILE_NAME);
    if (elf_image_read(&src, &img, &err) == -1) {
        fuzz_require_message(err.msg, sizeof err.msg, PREFIX);
        return 0;
    }
    fuzz_notes(&src, &img);
    elf_image_free(&img);
    return 0;
}
