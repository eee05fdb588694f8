/*
 * tender.h: the pieces of solo5-spt and the state they share.
 */
#ifndef SPT_TENDER_H
#define SPT_TENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cmdline.h"
#include "device.h"
#include "loader.h"
#include "launch.h"
#include "policy.h"
#include "solo5/mft_abi.h"

#define SPT_ERR_SIZE 512

/* --x-user, resolved before anything else is opened. */
struct spt_user {
    bool given;
    uid_t uid;
    gid_t gid;
};

/* The kernel's mappings that stay for the vDSO clock (none: no clock). */
#define LAUNCH_MAX_VDSO 4
struct launch_vdso {
    unsigned n;
    struct launch_range range[LAUNCH_MAX_VDSO];
};

/* fuzz.c: a fuzzing run's map, input and persistent-mode pipes. */
struct fuzz {
    bool on;        /* --x-fuzz, --x-fuzz-persistent or --x-fuzz-input */
    bool serve;     /* AFL++'s fork server (descriptors 198 and 199) */
    bool shm_input; /* inputs in AFL++'s shared memory, not ours */
    bool input_ours;
    uint8_t *cov_map; /* AFL++'s coverage map, or NULL */
    size_t cov_size;
    uint8_t *input; /* a uint32_t length, then the bytes */
    size_t input_size;
    int done_r, done_w, next_r, next_w; /* -1 outside persistent mode */
};

struct tender {
    struct spt_opts opts;
    int kernel_fd;
    struct loader_src src;
    struct elf_image img;
    struct mft *mft; /* MFT_MAX_SIZE bytes */
    size_t mft_size;
    uint64_t kernel_end;
    unsigned ndevices;
    struct device devices[SPT_MAX_DEVICES];
    int epollfd, timerfd;
    struct launch_vdso vdso;
    struct fuzz fuzz;
    struct spt_user user;
    struct policy policy;
    struct policy_bpf bpf;
};

/* Print "solo5-spt: <message>" on one line and exit 1. */
void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The same for a message already made by errf(). */
void die_with(const char *msg) __attribute__((noreturn));

/* fds.c: descriptors 0-2 open before anything else; the rest closed. */
void fds_make_safe(void);
void close_from_to(unsigned first, unsigned last);
int fds_close_inherited(const struct spt_opts *opts, char *err, size_t errlen);

/* guest_mem.c: [SPT_HOST_MEM_BASE, mem_size) at its fixed address, once
 * guest_mem_check() found the size possible on this host. */
int guest_mem_check(uint64_t mem_size, char *err, size_t errlen);
int guest_mem_map(uint64_t mem_size, bool exec, bool hugepages, char *err,
                  size_t errlen);
int guest_mem_protect(void *arg, uint64_t start, uint64_t end, int prot);

/* device.c: options matched to manifest entries, then attached. */
int devices_bind(struct tender *t, char *err, size_t errlen);
int devices_attach(struct tender *t, char *err, size_t errlen);
/* 0 or -errno. */
int devices_add_rules(const struct tender *t, struct policy *p);

/* launch.c: the launch region (launch.h), made ready, then entered. */
struct launch {
    void *code;
    size_t code_size;
    struct launch_plan *plan;
    size_t plan_size;
    void *stack; /* the signal stack */
    size_t stack_size;
};
void launch_find_vdso(struct launch_vdso *v);
int launch_prepare(const struct tender *t, struct launch *l, char *err,
                   size_t errlen);
uint64_t launch_handler(const struct launch *l);
uint64_t launch_restorer(const struct launch *l);
void launch_go(const struct launch *l) __attribute__((noreturn));

/* signals.c: exit on TERM/INT/HUP, SIGPIPE ignored, no core dumps. */
int signals_setup(const struct launch *l, bool dumpcore, char *err,
                  size_t errlen);

/* privileges.c: no capabilities; with --x-user, that uid and gid. */
int privileges_resolve(const char *user, struct spt_user *out, char *err,
                       size_t errlen);
int privileges_drop(const struct spt_user *user, char *err, size_t errlen);

/* supervise.c: fork; returns in the child, the parent supervises. */
void supervise_fork(const struct tender *t);

bool fuzz_serving(const struct spt_opts *opts);
int fuzz_setup(struct tender *t, char *err, size_t errlen);
uint32_t fuzz_hello(const struct fuzz *f); /* the fork server's hello */

/* boot.c: everything the guest finds in low memory. */
int boot_write(const struct tender *t, char *err, size_t errlen);

#endif /* SPT_TENDER_H */
