/*
 * compile.c: the one place the rule list becomes BPF, and where it is
 * installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/seccomp.h>
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
    if (size / sizeof(struct sock_filter) > BPF_MAXINSNS)
        goto out;
    rc = -ENOMEM;
    out->prog.filter = malloc((size_t)size);
    if (out->prog.filter == NULL)
        goto out;
    rc = -EIO;
    if (pread(fd, out->prog.filter, (size_t)size, 0) != size) {
        free(out->prog.filter);
        out->prog.filter = NULL;
        goto out;
    }
    out->prog.len = (unsigned short)(size / sizeof(struct sock_filter));
    rc = 0;
out:
    close(fd);
    return rc;
}

static int filter_build(scmp_filter_ctx ctx, const struct policy *p,
                        char *err, size_t errlen)
{
    /* Only native x86_64 calls are filtered in; i386 and x32 die. */
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
                              SCMP_ACT_KILL_PROCESS);

    if (rc != 0) {
        snprintf(err, errlen, "seccomp filter attribute: %s", strerror(-rc));
        return -1;
    }
    for (size_t i = 0; i < p->n; i++) {
        rc = rule_add(ctx, &p->rules[i]);
        if (rc != 0) {
            snprintf(err, errlen, "seccomp rule for %s: %s", p->rules[i].call,
                     strerror(-rc));
            return -1;
        }
    }
    return 0;
}

int policy_compile(const struct policy *p, struct policy_bpf *out, char *err,
                   size_t errlen)
{
    scmp_filter_ctx ctx;
    int rc;

    memset(out, 0, sizeof *out);
    ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL) {
        snprintf(err, errlen, "seccomp_init failed");
        return -1;
    }
    rc = filter_build(ctx, p, err, errlen);
    if (rc == 0) {
        rc = export_bpf(ctx, out);
        if (rc == -E2BIG)
            snprintf(err, errlen, "the seccomp filter does not fit in %d BPF "
                     "instructions", BPF_MAXINSNS);
        else if (rc != 0)
            snprintf(err, errlen, "cannot export the seccomp filter: %s",
                     strerror(-rc));
    }
    seccomp_release(ctx);
    return rc == 0 ? 0 : -1;
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
