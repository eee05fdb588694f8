/*
 * policy.h: the seccomp allowlist, as data.
 *
 * The tender adds rules for what it set up (core resources, then each
 * device); policy_compile() is the one place that turns the list into BPF,
 * and policy_install() loads it as the tender's last act before the jump.
 */
#ifndef SPT_POLICY_H
#define SPT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/filter.h>

enum policy_cmp {
    POLICY_EQ,        /* arg == value */
    POLICY_LE,        /* arg <= value (unsigned) */
    POLICY_MASKED_EQ, /* (arg & mask) == value */
};

struct policy_arg {
    unsigned index; /* 0..5 */
    enum policy_cmp cmp;
    uint64_t value;
    uint64_t mask;
    const char *name; /* for humans: "fd", "count", ... */
};

#define POLICY_MAX_ARGS 3

/* One allowed system call; every argument condition must hold. */
struct policy_rule {
    int nr;
    const char *call; /* "write", ... */
    unsigned nargs;
    struct policy_arg arg[POLICY_MAX_ARGS];
    const char *why; /* what the rule is for: "console", "block storage" */
};

struct policy {
    struct policy_rule *rules;
    size_t n, cap;
    /* Default action: notify a listener (--x-supervise) instead of
     * killing. The listener only ever kills; the call never runs. */
    bool notify;
};

void policy_init(struct policy *p);
void policy_free(struct policy *p);

/* Append a rule (copied). Returns -1 when out of memory. */
int policy_add(struct policy *p, const struct policy_rule *rule);

/* The rules every guest gets (spec section 5): console, clocks, yield,
 * TLS base, exit. */
int policy_add_core(struct policy *p, int epollfd, int timerfd);

/* Block and network device rules: one device, one fd. */
int policy_add_block(struct policy *p, int fd, uint64_t capacity,
                     uint64_t block_size, uint64_t max_io, const char *name);
int policy_add_net(struct policy *p, int fd, const char *name);

/*
 * The largest multi-block request the policy admits (a power of two), and
 * what a device of that capacity gets: 0 when it is too small for any.
 */
#define POLICY_BLOCK_MAX_IO (256 * 1024ULL)
uint64_t policy_block_max_io(uint64_t capacity);

/* BPF ready for the kernel. */
struct policy_bpf {
    struct sock_fprog prog;
};

/* Build BPF with libseccomp. On error writes one line into err. */
int policy_compile(const struct policy *p, struct policy_bpf *out, char *err,
                   size_t errlen);
void policy_bpf_free(struct policy_bpf *bpf);

/*
 * Set no_new_privs and load the filter. Makes no allocation and calls no
 * library code that could: after it returns only the allowlist remains.
 */
int policy_install(const struct policy_bpf *bpf);
/* The same for a notify policy; returns the listener fd, or -1. */
int policy_install_listener(const struct policy_bpf *bpf);

/* Readable listing of the rules, and of the BPF's size. */
void policy_print(const struct policy *p, const struct policy_bpf *bpf,
                  FILE *out);

#endif /* SPT_POLICY_H */
