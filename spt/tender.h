/*
 * tender.h: the pieces of solo5-spt and the state they share.
 */
#ifndef SPT_TENDER_H
#define SPT_TENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmdline.h"
#include "loader.h"
#include "policy.h"
#include "solo5/mft_abi.h"

#define SPT_ERR_SIZE 512

struct device;

/* What one kind of device does; one instance per kind (block.c, net.c). */
struct device_ops {
    enum dev_kind kind;
    uint32_t mft_type;
    const char *type_name; /* "BLOCK_BASIC" */
    const char *value_hint; /* "PATH" */
    /* Open the host side and fill the manifest entry. */
    int (*attach)(struct device *dev, char *err, size_t errlen);
    /* Add the device's rules to the allowlist. */
    int (*add_rules)(const struct device *dev, struct policy *p);
    /* Register the fd in the guest's epoll set (network devices). */
    bool polled;
};

struct device {
    const struct device_ops *ops;
    const struct dev_opt *opt;
    struct mft_entry *entry; /* in the tender's manifest copy */
    unsigned index;          /* manifest index = the guest's handle */
    int fd;
    uint64_t max_io; /* block: largest multi-block request admitted, or 0 */
};

extern const struct device_ops block_ops, net_ops;

/* --x-user, resolved before anything else is opened. */
struct spt_user {
    bool given;
    uid_t uid;
    gid_t gid;
};

struct tender {
    struct spt_opts opts;
    int kernel_fd;
    struct loader_src src;
    struct elf_image img;
    struct mft *mft; /* MFT_MAX_SIZE bytes */
    size_t mft_size;
    uint64_t kernel_end;
    uint64_t block_max_io; /* advertised to the guest; 0: one block only */
    unsigned ndev;
    struct device dev[SPT_MAX_DEVICES];
    int epollfd, timerfd;
    struct spt_user user;
    struct policy policy;
    struct policy_bpf bpf;
};

/* Print "solo5-spt: <message>" on one line and exit 1. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* fds.c: descriptors 0-2 open before anything else; the rest closed. */
void fds_make_safe(void);
void close_from_to(unsigned first, unsigned last);
int fds_close_inherited(const struct spt_opts *opts, char *err, size_t errlen);

/* guest_mem.c: [SPT_HOST_MEM_BASE, mem_size) at its fixed address. */
int guest_mem_map(uint64_t mem_size, bool exec, bool hugepages, char *err,
                  size_t errlen);
int guest_mem_protect(void *arg, uint64_t start, uint64_t end, int prot);

/* device.c: options matched to manifest entries, then attached. */
int devices_bind(struct tender *t, char *err, size_t errlen);
int devices_attach(struct tender *t, char *err, size_t errlen);
int devices_add_rules(const struct tender *t, struct policy *p);

/* signals.c: exit on TERM/INT/HUP, SIGPIPE ignored, no core dumps. */
int signals_setup(bool dumpcore, char *err, size_t errlen);

/* privileges.c: no capabilities; with --x-user, that uid and gid. */
int privileges_resolve(const char *user, struct spt_user *out, char *err,
                       size_t errlen);
int privileges_drop(const struct spt_user *user, char *err, size_t errlen);

/* hostdata.c: wipe what the guest has no business reading. */
void host_data_wipe(int argc, char **argv, const struct spt_opts *opts);

/* supervise.c: fork; returns in the child, the parent supervises. */
void supervise_fork(const struct tender *t);

/* boot.c: everything the guest finds in low memory. */
int boot_write(const struct tender *t, char *err, size_t errlen);

/* launch.S: switch to the guest's stack and jump; never returns. */
void spt_launch(uint64_t sp, uint64_t entry, uint64_t boot_info)
    __attribute__((noreturn));

#endif /* SPT_TENDER_H */
