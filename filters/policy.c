/*
 * policy.c: building the allowlist (spec section 5) as a list of rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "policy.h"
#include "solo5/spt_abi.h"

void policy_init(struct policy *p)
{
    memset(p, 0, sizeof *p);
}

void policy_free(struct policy *p)
{
    free(p->rules);
    policy_init(p);
}

int policy_add(struct policy *p, const struct policy_rule *rule)
{
    if (rule->nargs > POLICY_MAX_ARGS)
        return -EINVAL;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct policy_rule *r = realloc(p->rules, cap * sizeof *r);

        if (r == NULL)
            return -ENOMEM;
        p->rules = r;
        p->cap = cap;
    }
    p->rules[p->n++] = *rule;
    return 0;
}

static struct policy_arg arg_eq(unsigned index, const char *name,
                                uint64_t value)
{
    return (struct policy_arg){
        .index = index, .cmp = POLICY_EQ, .value = value, .name = name};
}

static int allow_eq(struct policy *p, int nr, const char *argname,
                    uint64_t value, const char *why)
{
    struct policy_rule r = {.nr = nr, .nargs = 1, .why = why};

    r.arg[0] = arg_eq(0, argname, value);
    return policy_add(p, &r);
}

int policy_add_core(struct policy *p, int epollfd, int timerfd)
{
    const struct {
        int nr;
        const char *argname;
        uint64_t value;
        const char *why;
    } core[] = {
        {SYS_write, "fd", 1, "console"},
        {SYS_clock_gettime, "clock", CLOCK_MONOTONIC, "monotonic clock"},
        {SYS_clock_gettime, "clock", CLOCK_REALTIME, "wall clock"},
        {SYS_epoll_pwait, "epfd", (uint64_t)epollfd, "yield"},
        {SYS_timerfd_settime, "fd", (uint64_t)timerfd, "yield deadline"},
        {SYS_arch_prctl, "code", ARCH_SET_FS, "TLS base"},
    };
    struct policy_rule exit_rule = {.nr = SYS_exit_group, .why = "exit"};

    /* In this order: the printed policy and its golden copies follow it. */
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++) {
        int rc = allow_eq(p, core[i].nr, core[i].argname, core[i].value,
                          core[i].why);

        if (rc != 0)
            return rc;
    }
    return policy_add(p, &exit_rule);
}

/*
 * Block devices. libseccomp compares each argument with a constant, so a
 * bound on offset + count has to be written as two separate bounds:
 *
 *  - one block (what the Solo5 tender admits, and all a Solo5-built guest
 *    issues): count == block_size at offset <= capacity - block_size;
 *  - several blocks: count a multiple of block_size no larger than max_io
 *    (a masked comparison for count < max_io, an equality for max_io
 *    itself) at offset <= capacity - max_io.
 *
 * Either way offset + count <= capacity: no admitted call reads or writes
 * past the end, so none can grow the file. spt_block_io_admitted() says
 * the same in C, for the guest and for the tests.
 */
static int allow_block_io(struct policy *p, int nr, int fd,
                          struct policy_arg count, uint64_t max_offset,
                          const char *why)
{
    struct policy_rule r = {.nr = nr, .nargs = 3, .why = why};

    r.arg[0] = arg_eq(0, "fd", (uint64_t)fd);
    r.arg[1] = count;
    r.arg[2] = (struct policy_arg){.index = 3, .cmp = POLICY_LE,
                                   .value = max_offset, .name = "offset"};
    return policy_add(p, &r);
}

static int allow_block_call(struct policy *p, int nr, int fd,
                            uint64_t capacity, uint64_t block_size,
                            uint64_t max_io, const char *name)
{
    struct policy_arg up_to_max = {
        .index = 2, .cmp = POLICY_MASKED_EQ,
        .mask = ~(max_io - 1) | (block_size - 1), .value = 0,
        .name = "count"};
    int rc = allow_block_io(p, nr, fd, arg_eq(2, "count", block_size),
                            capacity - block_size, name);

    if (rc != 0 || max_io == 0)
        return rc;
    rc = allow_block_io(p, nr, fd, up_to_max, capacity - max_io, name);
    if (rc != 0)
        return rc;
    return allow_block_io(p, nr, fd, arg_eq(2, "count", max_io),
                          capacity - max_io, name);
}

int policy_add_block(struct policy *p, int fd, uint64_t capacity,
                     uint64_t block_size, uint64_t max_io, const char *name)
{
    int rc;

    if (block_size == 0 || (block_size & (block_size - 1)) != 0 ||
        capacity < block_size)
        return -EINVAL;
    /* What the guest will make of the same offer (and of a bad one). */
    max_io = spt_block_dev_max_io(max_io, capacity, block_size);
    rc = allow_block_call(p, SYS_pread64, fd, capacity, block_size, max_io,
                          name);
    if (rc != 0)
        return rc;
    return allow_block_call(p, SYS_pwrite64, fd, capacity, block_size, max_io,
                            name);
}

/* Network devices: frames are read and written whole on the tap fd. */
int policy_add_net(struct policy *p, int fd, const char *name)
{
    int rc = allow_eq(p, SYS_read, "fd", (uint64_t)fd, name);

    return rc != 0 ? rc : allow_eq(p, SYS_write, "fd", (uint64_t)fd, name);
}

/* Persistent fuzzing: the guest says "done" and waits for "next". */
int policy_add_fuzz(struct policy *p, int next_fd, int done_fd)
{
    struct policy_rule r = {.nr = SYS_read, .nargs = 2,
                            .why = "next fuzzing input"};
    int rc;

    r.arg[0] = arg_eq(0, "fd", (uint64_t)next_fd);
    r.arg[1] = arg_eq(2, "count", 4);
    rc = policy_add(p, &r);
    if (rc != 0)
        return rc;
    r.nr = SYS_write;
    r.why = "fuzzing input done";
    r.arg[0] = arg_eq(0, "fd", (uint64_t)done_fd);
    return policy_add(p, &r);
}
