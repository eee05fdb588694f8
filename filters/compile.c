/*
 * compile.c: the one place the rule list becomes BPF, and where it is
 * installed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <seccomp.h>

#include "policy.h"

static enum scmp_compare scmp_op(enum policy_cmp cmp)
{
    switch (cmp) {
    case POLICY_LE:
        return SCMP_CMP_LE;
    case POLICY_MASKED_EQ:
        return SCMP_CMP_MASKED_EQ;
    case POLICY_EQ:
    default:
        return SCMP_CMP_EQ;
    }
}

static int rule_add(scmp_filter_ctx ctx, const struct policy_rule *r)
{
    struct scmp_arg_cmp cmp[POLICY_MAX_ARGS];

    for (unsigned i = 0; i < r->nargs; i++) {
        const struct policy_arg *a = &r->arg[i];

        cmp[i] = (struct scmp_arg_cmp){.arg = a->index, .op = scmp_op(a->cmp)};
        if (a->cmp == POLICY_MASKED_EQ) {
            cmp[i].datum_a = a->mask;
            cmp[i].datum_b = a->value;
        } else {
            cmp[i].datum_a = a->value;
        }
    }
    return seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, r->nr, r->nargs,
                                        cmp);
}

/*
 * When a filter is loaded, the kernel runs it once for every system call
 * number to find the calls it always allows, and caches them; that walk
 * stops at the first instruction that loads an argument. Our rules all
 * look at arguments (only exit_group does not, and it runs once), so the
 * cache would gain nothing: one leading argument load, which the next
 * instruction overwrites, spares every guest that walk at start-up.
 */
static const struct sock_filter no_cache_walk =
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args));

/*
 * libseccomp 2.5 exports only to a descriptor: use a memfd, read it back.
 * Returns 0, -E2BIG when the program exceeds the kernel's limit, or
 * another -errno.
 */
static int export_bpf(scmp_filter_ctx ctx, struct policy_bpf *out)
{
    int fd = memfd_create("spt-policy", MFD_CLOEXEC);
    off_t size;
    int rc;

    if (fd == -1)
        return -errno;
    rc = seccomp_export_bpf(ctx, fd);
    if (rc != 0)
        goto out;
    size = lseek(fd, 0, SEEK_END);
    rc = -EIO;
    if (size <= 0 || size % sizeof(struct sock_filter) != 0)
        goto out;
    rc = -E2BIG;
    if (size / sizeof(struct sock_filter) + 1 > BPF_MAXINSNS)
        goto out;
    rc = -ENOMEM;
    out->prog.filter = malloc((size_t)size + sizeof no_cache_walk);
    if (out->prog.filter == NULL)
        goto out;
    rc = -EIO;
    out->prog.filter[0] = no_cache_walk;
    if (pread(fd, out->prog.filter + 1, (size_t)size, 0) != size) {
        free(out->prog.filter);
        out->prog.filter = NULL;
        goto out;
    }
    out->prog.len = (unsigned short)(size / sizeof(struct sock_filter) + 1);
    rc = 0;
out:
    close(fd);
    return rc;
}

/*
 * The calls a busy guest makes most, decided first: block and network
 * I/O, then yielding and the clock (which the vDSO usually serves).
 */
static const int hot_calls[] = {SYS_pread64, SYS_pwrite64, SYS_read,
                                SYS_write, SYS_epoll_pwait,
                                SYS_timerfd_settime, SYS_clock_gettime};

static int filter_build(scmp_filter_ctx ctx, const struct policy *p)
{
    /* Only native x86_64 calls are filtered in; i386 and x32 die. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
                              SCMP_ACT_KILL_PROCESS);

    if (rc != 0)
        return rc;
    for (size_t i = 0; i < sizeof hot_calls / sizeof hot_calls[0]; i++)
        (void)seccomp_syscall_priority(ctx, hot_calls[i],
                                       (uint8_t)(255 - i));
    for (size_t i = 0; i < p->n; i++) {
        rc = rule_add(ctx, &p->rules[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int policy_compile(const struct policy *p, struct policy_bpf *out)
{
    scmp_filter_ctx ctx;
    int rc;

    memset(out, 0, sizeof *out);
    ctx = seccomp_init(p->notify ? SCMP_ACT_NOTIFY : SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL)
        return -ENOMEM;
    rc = filter_build(ctx, p);
    if (rc == 0)
        rc = export_bpf(ctx, out);
    seccomp_release(ctx);
    return rc;
}

void policy_bpf_free(struct policy_bpf *bpf)
{
    free(bpf->prog.filter);
    memset(bpf, 0, sizeof *bpf);
}

int policy_install(const struct policy_bpf *bpf)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &bpf->prog);
}
