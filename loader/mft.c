/*
 * mft.c: validation of the application manifest (spec section 3).
 *
 * The manifest comes from the guest file, so it is hostile: sizes, counts,
 * names and flags are all checked before anything looks an entry up.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *mft_type_name(uint32_t type)
{
    switch (type) {
    case MFT_DEV_BLOCK_BASIC:
        return "BLOCK_BASIC";
    case MFT_DEV_NET_BASIC:
        return "NET_BASIC";
    default:
        return NULL;
    }
}

/* The file's byte, not a C bool: any value may be there. */
static uint8_t attached_byte(const struct mft_entry *e)
{
    uint8_t b;

    memcpy(&b, (const uint8_t *)e + offsetof(struct mft_entry, attached), 1);
    return b;
}

static int entry_check(const struct mft_entry *e, unsigned i,
                       const char *name, struct loader_err *err)
{
    if (e->name[MFT_NAME_MAX] != '\0')
        return loader_fail(err, name, "manifest entry %u: name is not "
                           "NUL-terminated within %d bytes", i, MFT_NAME_SIZE);
    if (attached_byte(e) != 0)
        return loader_fail(err, name, "manifest entry %u: 'attached' is set "
                           "in the file", i);
    if (i == 0) {
        if (e->type != MFT_RESERVED_FIRST || e->name[0] != '\0')
            return loader_fail(err, name, "manifest entry 0 must be the "
                               "reserved entry (type 0x%x, empty name); "
                               "found type 0x%x", MFT_RESERVED_FIRST,
                               e->type);
        return 0;
    }
    if (e->type < MFT_RESERVED_FIRST && mft_type_name(e->type) == NULL)
        return loader_fail(err, name, "manifest entry %u: unknown device "
                           "type %u", i, e->type);
    return 0;
}

int mft_validate(const struct mft *mft, size_t size, const char *name,
                 struct loader_err *err)
{
    if (size < sizeof *mft)
        return loader_fail(err, name, "manifest of %zu bytes is shorter "
                           "than its 8-byte header", size);
    if (mft->version != MFT_VERSION)
        return loader_fail(err, name, "manifest version %u, expected %u",
                           mft->version, MFT_VERSION);
    if (mft->entries < 1 || mft->entries > MFT_MAX_ENTRIES)
        return loader_fail(err, name, "manifest has %u entries, expected "
                           "1..%u", mft->entries, MFT_MAX_ENTRIES);
    if (size != MFT_SIZE(mft->entries))
        return loader_fail(err, name, "manifest is %zu bytes, expected %zu "
                           "for %u entries", size, MFT_SIZE(mft->entries),
                           mft->entries);
    for (unsigned i = 0; i < mft->entries; i++)
        if (entry_check(&mft->e[i], i, name, err) == -1)
            return -1;
    return 0;
}

struct mft_entry *mft_find(struct mft *mft, const char *name, uint32_t type)
{
    for (unsigned i = 1; i < mft->entries; i++) {
        struct mft_entry *e = &mft->e[i];

        if (e->type == type && strcmp(e->name, name) == 0)
            return e;
    }
    return NULL;
}
