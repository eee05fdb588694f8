/*
 * policy.c: building the allowlist (spec section 5) as a list of rules.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <asm/prctl.h>
#include <sys/syscall.h>

#include "policy.h"

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
        return -1;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        struct policy_rule *r = realloc(p->rules, cap * sizeof *r);

        if (r == NULL)
            return -1;
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

static int allow_eq(struct policy *p, int nr, const char *call,
                    const char *argname, uint64_t value, const char *why)
{
    struct policy_rule r = {
        .nr = nr, .call = call, .nargs = 1, .why = why};

    r.arg[0] = arg_eq(0, argname, value);
    return policy_add(p, &r);
}

int policy_add_core(struct policy *p, int epollfd, int timerfd)
{
    struct policy_rule exit_rule = {
        .nr = SYS_exit_group, .call = "exit_group", .why = "exit"};
    int rc = 0;

    rc |= allow_eq(p, SYS_write, "write", "fd", 1, "console");
    rc |= allow_eq(p, SYS_clock_gettime, "clock_gettime", "clock",
                   CLOCK_MONOTONIC, "monotonic clock");
    rc |= allow_eq(p, SYS_clock_gettime, "clock_gettime", "clock",
                   CLOCK_REALTIME, "wall clock");
    rc |= allow_eq(p, SYS_epoll_pwait, "epoll_pwait", "epfd",
                   (uint64_t)epollfd, "yield");
    rc |= allow_eq(p, SYS_timerfd_settime, "timerfd_settime", "fd",
                   (uint64_t)timerfd, "yield deadline");
    rc |= allow_eq(p, SYS_arch_prctl, "arch_prctl", "code", ARCH_SET_FS,
                   "TLS base");
    rc |= policy_add(p, &exit_rule);
    return rc ? -1 : 0;
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
 * past the end, so none can grow the file. The guest splits a request that
 * reaches into the device's last max_io bytes into single blocks.
 */
uint64_t policy_block_max_io(uint64_t capacity)
{
    return capacity >= POLICY_BLOCK_MAX_IO ? POLICY_BLOCK_MAX_IO : 0;
}

static int allow_block_io(struct policy *p, int nr, const char *call, int fd,
                          struct policy_arg count, uint64_t max_offset,
                          const char *why)
{
    struct policy_rule r = {.nr = nr, .call = call, .nargs = 3, .why = why};

    r.arg[0] = arg_eq(0, "fd", (uint64_t)fd);
    r.arg[1] = count;
    r.arg[2] = (struct policy_arg){.index = 3, .cmp = POLICY_LE,
                                   .value = max_offset, .name = "offset"};
    return policy_add(p, &r);
}

int policy_add_block(struct policy *p, int fd, uint64_t capacity,
                     uint64_t block_size, uint64_t max_io, const char *name)
{
    static const struct {
        int nr;
        const char *call;
    } calls[] = {{SYS_pread64, "pread64"}, {SYS_pwrite64, "pwrite64"}};
    int rc = 0;

    if (block_size == 0 || (block_size & (block_size - 1)) != 0 ||
        capacity < block_size)
        return -1;
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        rc |= allow_block_io(p, calls[i].nr, calls[i].call, fd,
                             arg_eq(2, "count", block_size),
                             capacity - block_size, name);
        if (max_io < 2 * block_size || max_io > capacity ||
            (max_io & (max_io - 1)) != 0)
            continue;
        rc |= allow_block_io(
            p, calls[i].nr, calls[i].call, fd,
            (struct policy_arg){.index = 2, .cmp = POLICY_MASKED_EQ,
                                .mask = ~(max_io - 1) | (block_size - 1),
                                .value = 0, .name = "count"},
            capacity - max_io, name);
        rc |= allow_block_io(p, calls[i].nr, calls[i].call, fd,
                             arg_eq(2, "count", max_io), capacity - max_io,
                             name);
    }
    return rc ? -1 : 0;
}

/* Network devices: frames are read and written whole on the tap fd. */
int policy_add_net(struct policy *p, int fd, const char *name)
{
    int rc = 0;

    rc |= allow_eq(p, SYS_read, "read", "fd", (uint64_t)fd, name);
    rc |= allow_eq(p, SYS_write, "write", "fd", (uint64_t)fd, name);
    return rc ? -1 : 0;
}
