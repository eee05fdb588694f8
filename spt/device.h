/*
 * device.h: device kinds, and the devices attached to a guest.
 *
 * A kind (block.c, net.c) is one struct device_ops: how its option is
 * written and parsed, its lines of --help, the manifest type it serves, how
 * it is attached and which calls it adds to the allowlist. device_kinds[]
 * lists them; nothing else in the tender names a kind.
 */
#ifndef SPT_DEVICE_H
#define SPT_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "solo5/mft_abi.h"

struct device;
struct policy;

struct device_ops {
    /* OPTION:NAME=VALUE attaches one; RO_OPTION (or NULL) read-only. */
    const char *option;
    const char *ro_option;
    const char *value_hint; /* "PATH": what VALUE is, for messages */
    /* MODIFIER:NAME=VALUE (or NULL) sets a detail of NAME's attachment. */
    const char *modifier;
    const char *modifier_hint; /* "MAC": what its VALUE is */
    const char *usage; /* its lines of --help */
    /* Check VALUE as given, filling in the option; NULL: any value. */
    int (*check_value)(struct dev_opt *d, char *err, size_t errlen);
    int (*apply_modifier)(struct dev_opt *d, const char *value, char *err,
                          size_t errlen);
    /* May it be attached for fuzzing (mode: "--x-fuzz", ...)? NULL: no. */
    int (*fuzz_check)(const struct dev_opt *d, const char *mode, char *err,
                      size_t errlen);
    uint32_t mft_type; /* the manifest entries it attaches to */
    /* Open the host side and fill the manifest entry. */
    int (*attach)(struct device *dev, char *err, size_t errlen);
    /* Add the device's rules to the allowlist; 0 or -errno. */
    int (*add_rules)(const struct device *dev, const struct spt_opts *opts,
                     struct policy *p);
    bool polled; /* its fd goes in the guest's epoll set */
};

/* The kinds, NULL-terminated. */
extern const struct device_ops *const device_kinds[];

struct device {
    const struct device_ops *ops;
    const struct dev_opt *opt;
    struct mft_entry *entry; /* in the tender's manifest copy */
    unsigned index;          /* manifest index = the guest's handle */
    int fd;
};

/*
 * An attach refused: "OPTION:NAME=VALUE: <message>" into err, and the
 * descriptor the attach opened closed. Returns -1.
 */
int device_refuse(struct device *d, char *err, size_t errlen, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* block.c: what the block extension record offers (0: one block only). */
uint64_t block_max_io_offered(const struct spt_opts *opts);

#endif /* SPT_DEVICE_H */
