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
#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include "errf.h"
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

/*
 * Our records: what a guest built with our SDK may use and a Solo5-built
 * guest never looks at.
 */
static int ext_write(const struct tender *t, uint64_t *at, char *err,
                     size_t errlen)
{
    uint64_t vdso_clock;
    struct spt_ext_block *blk;
    struct spt_ext_random *rnd;

    if (t->opts.no_extensions)
        return 0;
    blk = ext_add(at, SPT_EXT_BLOCK_MAGIC, sizeof *blk);
    blk->max_io_size = block_max_io_offered(&t->opts);

    /* The vDSO reads the clocks without a system call; its own fallback
     * is clock_gettime, which the allowlist admits for both clocks. It
     * stays mapped for the guest only where it was found. */
    vdso_clock = t->vdso.n == 0 ? 0
                                : vdso_symbol((const void *)getauxval(
                                                  AT_SYSINFO_EHDR),
                                              "__vdso_clock_gettime");
    if (vdso_clock) {
        struct spt_ext_clock *clk =
            ext_add(at, SPT_EXT_CLOCK_MAGIC, sizeof *clk);

        clk->vdso_clock_gettime = vdso_clock;
    }

    if (t->fuzz.on) {
        struct spt_ext_fuzz *fz = ext_add(at, SPT_EXT_FUZZ_MAGIC, sizeof *fz);

        fz->input = (uint64_t)(uintptr_t)t->fuzz.input;
        fz->input_max = t->fuzz.input_ours ? SPT_FUZZ_INPUT_MAX
                                           : t->fuzz.input_size - 4;
        fz->cov_map = (uint64_t)(uintptr_t)t->fuzz.cov_map;
        fz->cov_map_size = t->fuzz.cov_size;
        fz->next_fd = t->fuzz.next_r;
        fz->done_fd = t->fuzz.done_w;
    }

    /* Seed for the guest's stack-protector canary. */
    rnd = ext_add(at, SPT_EXT_RANDOM_MAGIC, sizeof *rnd);
    if (getrandom(rnd->bytes, sizeof rnd->bytes, 0) != sizeof rnd->bytes)
        return errf(err, errlen, "cannot seed the guest: getrandom: %s",
                    strerror(errno));
    return 0;
}

int boot_write(const struct tender *t, char *err, size_t errlen)
{
    struct spt_boot_info *bi = (struct spt_boot_info *)SPT_BOOT_INFO_BASE;
    uint64_t at = SPT_EXT_BASE;
    uint8_t *mft;
    char *cmdline;

    if (ext_write(t, &at, err, errlen) == -1)
        return -1;
    mft = (uint8_t *)(uintptr_t)align8(at);
    cmdline = (char *)mft + t->mft_size;
    if ((uint64_t)(uintptr_t)cmdline + SPT_CMDLINE_SIZE > SPT_LOW_MEM_END)
        return errf(err, errlen, "boot data does not fit below 0x%lx",
                    SPT_LOW_MEM_END);
    memcpy(mft, t->mft, t->mft_size);
    cmdline_guest(&t->opts, cmdline);
    bi->mem_size = t->opts.mem_size;
    bi->kernel_end = t->kernel_end;
    bi->cmdline = cmdline;
    bi->mft = mft;
    bi->epollfd = t->epollfd;
    bi->timerfd = t->timerfd;
    return 0;
}
