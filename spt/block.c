/*
 * block.c: block devices (--block:NAME=PATH, spec section 6).
 *
 * The guest gets the descriptor and calls pread64/pwrite64 itself; the
 * policy, not this file, keeps those calls inside [0, capacity).
 *
 * An advisory lock, held as long as the guest holds the descriptor, keeps
 * two tenders from attaching one image read-write: exclusive for
 * --block, shared for --block-ro. A read-only device is opened O_RDONLY and
 * gets the same rules: a pwrite64 then fails with EBADF in the kernel, so a
 * guest's write returns an error instead of killing it, and no byte moves.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "device.h"
#include "errf.h"
#include "policy.h"
#include "solo5/spt_abi.h"

uint64_t block_max_io_offered(const struct spt_opts *opts)
{
    return opts->no_extensions ? 0 : POLICY_BLOCK_MAX_IO;
}

static int sector_size_apply(struct dev_opt *d, const char *value, char *err,
                             size_t errlen)
{
    uint64_t v;

    if (d->has_sector_size)
        return errf(err, errlen, "%s:%s given twice", d->ops->modifier,
                    d->name);
    if (cmdline_parse_number(value, 32768, &v) == -1 || v < 512 ||
        (v & (v - 1)))
        return errf(err, errlen, "%s:%s: '%s' is not a power of two from "
                    "512 to 32768", d->ops->modifier, d->name, value);
    d->sector_size = (uint32_t)v;
    d->has_sector_size = true;
    return 0;
}

/* Read-only only: a run's writes would be the next run's input. */
static int block_fuzz_check(const struct dev_opt *d, const char *mode,
                            char *err, size_t errlen)
{
    if (d->readonly)
        return 0;
    return devopt_errf(d, err, errlen, "writable, not with %s: one run's "
                       "writes would reach the next (attach it with %s)",
                       mode, d->ops->ro_option);
}

static int block_capacity(int fd, const struct stat *st, uint64_t *capacity)
{
    if (S_ISREG(st->st_mode)) {
        *capacity = (uint64_t)st->st_size;
        return 0;
    }
    return ioctl(fd, BLKGETSIZE64, capacity);
}

static int block_attach(struct device *d, char *err, size_t errlen)
{
    uint64_t bs = d->opt->sector_size, capacity;
    bool ro = d->opt->readonly;
    struct stat st;
    int flags;

    /* O_NONBLOCK until the type is known: a FIFO must not block us. */
    d->fd = open(d->opt->value,
                 (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (d->fd == -1)
        return device_refuse(d, err, errlen, "cannot open %s: %s",
                            ro ? "read-only" : "read-write", strerror(errno));
    if (fstat(d->fd, &st) == -1)
        return device_refuse(d, err, errlen, "cannot stat: %s",
                            strerror(errno));
    if (!(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
        return device_refuse(d, err, errlen,
                            "not a regular file or block device");
    flags = fcntl(d->fd, F_GETFL);
    if (flags == -1 || fcntl(d->fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
        return device_refuse(d, err, errlen, "cannot set its flags: %s",
                            strerror(errno));
    if (flock(d->fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) == -1)
        return errno == EWOULDBLOCK
                   ? device_refuse(d, err, errlen,
                                  "in use: attached by another guest, or by "
                                  "another device of this one (it holds a "
                                  "lock on the file)")
                   : device_refuse(d, err, errlen, "cannot lock the file: %s",
                                  strerror(errno));
    if (block_capacity(d->fd, &st, &capacity) == -1)
        return device_refuse(d, err, errlen, "cannot read its size: %s",
                            strerror(errno));
    if (capacity < bs)
        return device_refuse(d, err, errlen, "size %llu bytes is smaller than "
                            "one block (%llu bytes)",
                            (unsigned long long)capacity,
                            (unsigned long long)bs);
    if (capacity % bs != 0)
        return device_refuse(d, err, errlen, "size %llu bytes is not a "
                            "multiple of the block size (%llu bytes)",
                            (unsigned long long)capacity,
                            (unsigned long long)bs);
    d->entry->u.block_basic.capacity = capacity;
    d->entry->u.block_basic.block_size = (uint16_t)bs;
    return 0;
}

/* policy_add_block bounds the offer as the guest will (spt_abi.h). */
static int block_add_rules(const struct device *d, const struct spt_opts *opts,
                           struct policy *p)
{
    return policy_add_block(p, d->fd, d->entry->u.block_basic.capacity,
                            d->entry->u.block_basic.block_size,
                            block_max_io_offered(opts), d->opt->name);
}

const struct device_ops block_ops = {
    .option = "--block",
    .ro_option = "--block-ro",
    .value_hint = "PATH",
    .modifier = "--block-sector-size",
    .modifier_hint = "N",
    .usage =
        "  --block:NAME=PATH         attach the file or block device PATH as "
        "the\n"
        "                            block device NAME of the manifest\n"
        "  --block-ro:NAME=PATH      attach PATH read-only: the guest's "
        "writes\n"
        "                            fail (an error result, nothing "
        "written)\n"
        "  --block-sector-size:NAME=N\n"
        "                            block size of NAME: a power of two, 512 "
        "to\n"
        "                            32768 (default 512)\n",
    .apply_modifier = sector_size_apply,
    .fuzz_check = block_fuzz_check,
    .mft_type = MFT_DEV_BLOCK_BASIC,
    .attach = block_attach,
    .add_rules = block_add_rules,
    .polled = false,
};
