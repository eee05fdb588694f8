/*
 * mft.c: the guest's view of its manifest, filled in by the tender.
 */
#include "bindings.h"

static uint64_t acquired; /* bit (1 << handle) once acquired */

static struct mft *mft(void)
{
    return (struct mft *)(uintptr_t)spt_bi->mft;
}

struct mft_entry *spt_mft_entry(solo5_handle_t h, uint32_t type)
{
    struct mft *m = mft();

    if (h == 0 || h >= m->entries || h >= MFT_MAX_ENTRIES)
        return NULL;
    if (m->e[h].type != type || !m->e[h].attached || !(acquired & 1ULL << h))
        return NULL;
    return &m->e[h];
}

struct mft_entry *spt_mft_acquire(const char *name, uint32_t type,
                                  solo5_handle_t *handle)
{
    struct mft *m = mft();

    for (uint32_t i = 1; i < m->entries && i < MFT_MAX_ENTRIES; i++) {
        struct mft_entry *e = &m->e[i];

        if (e->type != type || spt_strcmp(e->name, name) != 0)
            continue;
        if (!e->attached || (acquired & 1ULL << i))
            return NULL;
        acquired |= 1ULL << i;
        *handle = i;
        return e;
    }
    return NULL;
}
