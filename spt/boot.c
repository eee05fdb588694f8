/*
 * boot.c: what the guest finds in low memory at entry (spec section 4).
 *
 *   0x11000  struct spt_boot_info (40 bytes)
 *   0x11028  our extension records (Solo5 leaves this gap empty; so do
 *            we with --x-no-extensions)
 *   ...      the manifest copy, 8-byte aligned, devices filled in
 *   ...      the command line, NUL-terminated
 *
 * All of it ends far below 0x100000, where the program begins.
 */
#include <stdio.h>
#include <string.h>

#include "solo5/spt_abi.h"
#include "tender.h"

static uint64_t align8(uint64_t x)
{
    return (x + 7) & ~7ULL;
}

/* Append a record at *at; returns it with its header filled in. */
static void *ext_add(uint64_t *at, uint64_t magic, uint64_t size)
{
    struct spt_ext_header *h = (struct spt_ext_header *)(uintptr_t)*at;

    h->magic = magic;
    h->size = align8(size);
    *at += h->size;
    return h;
}

static void ext_write(const struct tender *t, uint64_t *at)
{
    struct spt_ext_block *blk;

    if (t->opts.no_extensions)
        return;
    blk = ext_add(at, SPT_EXT_BLOCK_MAGIC, sizeof *blk);
    blk->max_io_size = t->block_max_io;
}

int boot_write(const struct tender *t, char *err, size_t errlen)
{
    struct spt_boot_info *bi = (struct spt_boot_info *)SPT_BOOT_INFO_BASE;
    uint64_t at = SPT_EXT_BASE;
    uint8_t *mft;
    char *cmdline;

    ext_write(t, &at);
    mft = (uint8_t *)(uintptr_t)align8(at);
    cmdline = (char *)mft + t->mft_size;
    if ((uint64_t)(uintptr_t)cmdline + SPT_CMDLINE_SIZE > SPT_LOW_MEM_END) {
        snprintf(err, errlen, "boot data does not fit below 0x%lx",
                 SPT_LOW_MEM_END);
        return -1;
    }
    memcpy(mft, t->mft, t->mft_size);
    if (cmdline_guest(&t->opts, cmdline, SPT_CMDLINE_SIZE) == -1) {
        snprintf(err, errlen, "the guest command line is longer than %d "
                 "characters", SPT_CMDLINE_SIZE - 1);
        return -1;
    }
    bi->mem_size = t->opts.mem_size;
    bi->kernel_end = t->kernel_end;
    bi->cmdline = cmdline;
    bi->mft = mft;
    bi->epollfd = t->epollfd;
    bi->timerfd = t->timerfd;
    return 0;
}
