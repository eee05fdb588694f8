/*
 * main.c: solo5-spt, the order of things.
 *
 * Parse, read the guest's notes, bind devices to its manifest, map and load
 * it, attach devices, create the host resources, build the allowlist, lay
 * out the boot data; then close what the guest must not keep, install the
 * allowlist and jump. Any refusal before the jump is one line and status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "errf.h"
#include "policy.h"
#include "solo5/spt_abi.h"
#include "tender.h"

#ifndef SPT_VERSION
#define SPT_VERSION "unknown"
#endif

void die_with(const char *msg)
{
    fprintf(stderr, "solo5-spt: %s\n", msg);
    exit(1);
}

void die(const char *fmt, ...)
{
    char msg[SPT_ERR_SIZE];
    va_list ap;

    va_start(ap, fmt);
    verrf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    die_with(msg);
}

static void guest_open(struct tender *t)
{
    struct loader_err lerr;
    struct solo5_abi1 abi;

    /* O_NONBLOCK: a FIFO must be refused, not waited on. */
    t->kernel_fd = open(t->opts.kernel,
                        O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (t->kernel_fd == -1)
        die("%s: cannot open: %s", t->opts.kernel, strerror(errno));
    t->mft = calloc(1, MFT_MAX_SIZE);
    if (t->mft == NULL)
        die("out of memory");
    if (loader_src_from_fd(&t->src, t->kernel_fd, t->opts.kernel, &lerr) ||
        elf_image_read(&t->src, &t->img, &lerr) ||
        solo5_abi_check(&t->src, &t->img, &abi, &lerr) ||
        solo5_manifest_read(&t->src, &t->img, t->mft, &t->mft_size, &lerr) ||
        elf_check_segments(&t->src, &t->img, t->opts.mem_size,
                           &t->kernel_end, &lerr))
        die_with(lerr.msg);
}

static void guest_load(struct tender *t)
{
    char err[SPT_ERR_SIZE];
    struct loader_err lerr;
    struct guest_region mem = {
        .base = (uint8_t *)SPT_HOST_MEM_BASE,
        .base_addr = SPT_HOST_MEM_BASE,
        .mem_size = t->opts.mem_size,
        .protect = guest_mem_protect,
    };

    if (guest_mem_map(t->opts.mem_size, t->opts.exec_heap, t->opts.hugepages,
                      err, sizeof err))
        die_with(err);
    if (elf_load_segments(&t->src, &t->img, &mem, &t->kernel_end, &lerr))
        die_with(lerr.msg);
}

/* The epoll set and the timerfd the guest yields on (spec section 4). */
static void host_resources(struct tender *t)
{
    struct epoll_event ev = {.events = EPOLLIN};

    t->epollfd = epoll_create1(EPOLL_CLOEXEC);
    if (t->epollfd == -1)
        die("epoll_create1: %s", strerror(errno));
    t->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (t->timerfd == -1)
        die("timerfd_create: %s", strerror(errno));
    ev.data.u64 = SPT_TIMERFD_EVENT;
    if (epoll_ctl(t->epollfd, EPOLL_CTL_ADD, t->timerfd, &ev) == -1)
        die("epoll_ctl(timerfd): %s", strerror(errno));
    for (unsigned i = 0; i < t->ndevices; i++) {
        const struct device *d = &t->devices[i];
        char err[SPT_ERR_SIZE];

        if (!d->ops->polled)
            continue;
        ev.data.u64 = d->index;
        if (epoll_ctl(t->epollfd, EPOLL_CTL_ADD, d->fd, &ev) == -1) {
            devopt_errf(d->opt, err, sizeof err,
                        "cannot poll the device: %s", strerror(errno));
            die_with(err);
        }
    }
}

static void policy_build(struct tender *t)
{
    int rc;

    policy_init(&t->policy);
    t->policy.notify = t->opts.supervise;
    rc = policy_add_core(&t->policy, t->epollfd, t->timerfd);
    if (rc == 0)
        rc = devices_add_rules(t, &t->policy);
    if (rc == 0 && t->fuzz.next_r >= 0)
        rc = policy_add_fuzz(&t->policy, t->fuzz.next_r, t->fuzz.done_w);
    if (rc != 0)
        die("cannot build the seccomp policy: %s", strerror(-rc));
    rc = policy_compile(&t->policy, &t->bpf);
    if (rc == -E2BIG)
        die("the seccomp filter does not fit in %d BPF instructions",
            BPF_MAXINSNS);
    if (rc != 0)
        die("cannot compile the seccomp filter: %s", strerror(-rc));
}

static void policy_show(const struct tender *t)
{
    int rc = 0;

    if (t->opts.print_policy == PRINT_POLICY_JSON)
        rc = policy_print_json(&t->policy, &t->bpf, stdout);
    else
        policy_print(&t->policy, &t->bpf, stdout);
    if (rc == 0 && fflush(stdout) != 0)
        rc = -errno;
    if (rc != 0)
        die("cannot print the seccomp policy: %s", strerror(-rc));
}

/*
 * The last acts: the launch region made ready, the process made safe
 * (signals, no core, no privileges), nothing the tender opened for itself
 * left open; then the launch code unmaps the tender, installs the
 * allowlist and jumps.
 */
static void __attribute__((noreturn)) guest_start(struct tender *t)
{
    char err[SPT_ERR_SIZE];
    struct launch l;

    if (launch_prepare(t, &l, err, sizeof err) == -1 ||
        signals_setup(&l, t->opts.dumpcore, err, sizeof err) == -1 ||
        privileges_drop(&t->user, err, sizeof err) == -1)
        die_with(err);
    close(t->kernel_fd);
    if (t->opts.supervise)
        supervise_fork(t); /* the parent never returns */
    launch_go(&l);
}

int main(int argc, char **argv)
{
    static struct tender t;
    char err[SPT_ERR_SIZE];

    fds_make_safe();
    if (cmdline_parse(argc, argv, &t.opts, err, sizeof err) == -1)
        die_with(err);
    if (t.opts.help) {
        const char *usage = cmdline_usage();

        if (usage == NULL)
            die("--help: out of memory");
        fputs(usage, stdout);
        return 0;
    }
    if (t.opts.version) {
        printf("solo5-spt %s (Solo5 spt ABI version %d)\n", SPT_VERSION,
               SOLO5_SPT_ABI_VERSION);
        return 0;
    }
    if (fds_close_inherited(&t.opts, err, sizeof err) == -1)
        die_with(err);
    if (privileges_resolve(t.opts.user, &t.user, err, sizeof err) == -1 ||
        guest_mem_check(t.opts.mem_size, err, sizeof err) == -1)
        die_with(err);

    guest_open(&t);
    if (devices_bind(&t, err, sizeof err) == -1)
        die_with(err);
    guest_load(&t);
    if (devices_attach(&t, err, sizeof err) == -1)
        die_with(err);
    host_resources(&t);
    if (fuzz_setup(&t, err, sizeof err) == -1)
        die_with(err);
    if (!t.opts.no_extensions)
        launch_find_vdso(&t.vdso); /* none found: no vDSO clock */
    policy_build(&t);
    if (boot_write(&t, err, sizeof err) == -1)
        die_with(err);

    if (t.opts.print_policy != PRINT_POLICY_NONE) {
        policy_show(&t);
        return 0;
    }
    guest_start(&t);
}
