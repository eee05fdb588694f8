/*
 * policy.h: the seccomp allowlist, as data.
 *
 * The tender adds rules for what it set up (core resources, then each
 * device); policy_compile() is the one place that turns the list into BPF.
 * The tender's launch code installs it; policy_install() does the same for
 * programs of our own (benchmarks, tests).
 * System calls are named by number only: their names come from
 * libseccomp's table, wherever one is printed.
 *
 * Functions that can fail return 0 or a negative errno value: -ENOMEM,
 * -EINVAL for a rule that cannot be (a device of impossible geometry),
 * -E2BIG for a program the kernel would refuse.
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
    unsigned nargs;
    struct policy_arg arg[POLICY_MAX_ARGS];
    const char *why; /* what the rule is for: "console", "storage" */
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

/* Append a rule (copied). */
int policy_add(struct policy *p, const struct policy_rule *rule);

/* The rules every guest gets (spec section 5): console, clocks, yield,
 * TLS base, exit. */
int policy_add_core(struct policy *p, int epollfd, int timerfd);

/*
 * Block and network device rules: one device, one fd. max_io is the
 * device's largest multi-block request, from spt_block_dev_max_io()
 * (solo5/spt_abi.h), or 0 for one block per call.
 */
int policy_add_block(struct policy *p, int fd, uint64_t capacity,
                     uint64_t block_size, uint64_t max_io, const char *name);
int policy_add_net(struct policy *p, int fd, const char *name);

/* Persistent fuzzing: 4 bytes read from next_fd, 4 written to done_fd. */
int policy_add_fuzz(struct policy *p, int next_fd, int done_fd);

/* The largest multi-block request the tender offers (a power of two). */
#define POLICY_BLOCK_MAX_IO (256 * 1024ULL)

/* BPF ready for the kernel. */
struct policy_bpf {
    struct sock_fprog prog;
};

/* Build BPF with libseccomp. */
int policy_compile(const struct policy *p, struct policy_bpf *out);
void policy_bpf_free(struct policy_bpf *bpf);

/*
 * Set no_new_privs and load the filter. Makes no allocation and calls no
 * library code that could: after it returns only the allowlist remains.
 * Returns 0, or -1 with errno.
 */
int policy_install(const struct policy_bpf *bpf);

/* The rules for humans, and as JSON for programs (print.c). */
char *policy_call_name(int nr); /* x86_64 name, to be freed; NULL: none */
void policy_print(const struct policy *p, const struct policy_bpf *bpf,
                  FILE *out);
int policy_print_json(const struct policy *p, const struct policy_bpf *bpf,
                      FILE *out);

/*
 * --x-supervise (notify.c): receive the call a listener holds and describe
 * it in line ("openat(0x.., ...) [nr 257]"). Returns 0 or -errno.
 */
int policy_notif_receive(int listener, char *line, size_t size);

#endif /* SPT_POLICY_H */
