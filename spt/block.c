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
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "tender.h"

static int block_capacity(int fd, const struct stat *st, uint64_t *capacity)
{
    if (S_ISREG(st->st_mode)) {
        *capacity = (uint64_t)st->st_size;
        return 0;
    }
    return ioctl(fd, BLKGETSIZE64, capacity);
}

static int block_refuse(struct device *d, char *err, size_t errlen,
                        const char *why)
{
    snprintf(err, errlen, "--block%s:%s=%s: %s", d->opt->readonly ? "-ro" : "",
             d->opt->name, d->opt->value, why);
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    return -1;
}

static int block_attach(struct device *d, char *err, size_t errlen)
{
    uint64_t bs = d->opt->sector_size, capacity;
    bool ro = d->opt->readonly;
    char why[160];
    struct stat st;

    /* O_NONBLOCK until the type is known: a FIFO must not block us. */
    d->fd = open(d->opt->value,
                 (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (d->fd == -1) {
        snprintf(why, sizeof why, "cannot open %s: %s",
                 ro ? "read-only" : "read-write", strerror(errno));
        return block_refuse(d, err, errlen, why);
    }
    if (fstat(d->fd, &st) == -1 ||
        !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)))
        return block_refuse(d, err, errlen,
                            "not a regular file or block device");
    if (fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) & ~O_NONBLOCK) == -1)
        return block_refuse(d, err, errlen, "cannot set its flags");
    if (flock(d->fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB) == -1)
        return block_refuse(d, err, errlen,
                            errno == EWOULDBLOCK
                                ? "in use: attached by another guest, or "
                                  "by another device of this one (it holds "
                                  "a lock on the file)"
                                : "cannot lock the file");
    if (block_capacity(d->fd, &st, &capacity) == -1)
        return block_refuse(d, err, errlen, "cannot read its size");
    if (capacity < bs) {
        snprintf(why, sizeof why, "size %llu bytes is smaller than one "
                 "block (%llu bytes)", (unsigned long long)capacity,
                 (unsigned long long)bs);
        return block_refuse(d, err, errlen, why);
    }
    if (capacity % bs != 0) {
        snprintf(why, sizeof why, "size %llu bytes is not a multiple of the "
                 "block size (%llu bytes)", (unsigned long long)capacity,
                 (unsigned long long)bs);
        return block_refuse(d, err, errlen, why);
    }
    d->entry->u.block_basic.capacity = capacity;
    d->entry->u.block_basic.block_size = (uint16_t)bs;
    return 0;
}

static int block_add_rules(const struct device *d, struct policy *p)
{
    uint64_t capacity = d->entry->u.block_basic.capacity;

    return policy_add_block(p, d->fd, capacity,
                            d->entry->u.block_basic.block_size,
                            d->max_io ? policy_block_max_io(capacity) : 0,
                            d->opt->name);
}

const struct device_ops block_ops = {
    .kind = DEV_BLOCK,
    .mft_type = MFT_DEV_BLOCK_BASIC,
    .type_name = "BLOCK_BASIC",
    .value_hint = "PATH",
    .attach = block_attach,
    .add_rules = block_add_rules,
    .polled = false,
};
