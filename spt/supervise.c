/*
 * supervise.c: --x-supervise, a supervisor that names the forbidden call.
 *
 * By default the tender stays one process (what urunc and fuzzers want)
 * and a forbidden call kills it with SIGSYS, unexplained. With the flag,
 * the tender forks just before installing the allowlist: the child
 * becomes the guest, and its filter's default action is "notify" instead
 * of "kill". The notification fd is held by the parent, a separate process
 * the guest cannot reach; the child's address space gains no thread and
 * no handler. On a notification the parent prints the call with its
 * arguments and kills the child with SIGSYS; it never lets a call run. It
 * then ends as the child did: status 159 for SIGSYS. If the parent dies
 * first, the child is killed (PR_SET_PDEATHSIG); a pending call then
 * fails, it does not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "solo5/spt_abi.h"
#include "policy.h"
#include "tender.h"

#define HIGH_FD 900 /* out of the way of the listener's number */

static volatile pid_t guest_pid;

static void forward(int sig)
{
    kill(guest_pid, sig);
}

/*
 * The listener will be the lowest free descriptor: find it, tell it. The
 * pipe moves high first, so that closing it frees nothing below.
 */
static void child_prepare(int pipe_w, pid_t parent)
{
    int high = fcntl(pipe_w, F_DUPFD_CLOEXEC, HIGH_FD), probe;

    if (high == -1) /* a descriptor limit below HIGH_FD: keep it low */
        high = pipe_w;
    else
        close(pipe_w);
    /* signals_setup cleared "dumpable" (so does a uid change), without
     * which the parent, with no capabilities, could not fetch the
     * listener. The README says what this leaves open. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
        prctl(PR_SET_DUMPABLE, 1) == -1 || getppid() != parent)
        _exit(1);
    probe = fcntl(0, F_DUPFD, 3);
    if (probe == -1) /* no descriptor free for the listener either */
        _exit(1);
    close(probe);
    if (high < probe) /* the pipe sits below: the listener takes its place */
        probe = high;
    if (write(high, &probe, sizeof probe) != sizeof probe)
        _exit(1);
    close(high);
}

/* One notification: report it, then kill; the call is never answered. */
static bool notification(int listener)
{
    char call[256];

    if (policy_notif_receive(listener, call, sizeof call) == 0)
        fprintf(stderr, "solo5-spt: the guest made a forbidden system call: "
                "%s; killing it with SIGSYS\n", call);
    /* SIGKILL, not SIGSYS: no core dump of the child; we end as SIGSYS. */
    kill(guest_pid, SIGKILL);
    return true;
}

/* End the way the guest ended; a reported call ends as SIGSYS. */
static void __attribute__((noreturn)) mirror(int wstatus, bool reported)
{
    struct rlimit no_core = {0, 0};
    int sig;

    if (WIFEXITED(wstatus) && !reported)
        exit(WEXITSTATUS(wstatus));
    sig = reported ? SIGSYS : WTERMSIG(wstatus);
    if (sig == SIGSYS && !reported)
        fprintf(stderr, "solo5-spt: the guest was killed by SIGSYS: a system "
                "call through another ABI (i386 int 0x80 or x32)\n");
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0);
    signal(sig, SIG_DFL);
    raise(sig);
    exit(128 + sig); /* as PID 1, raise() does not end us */
}

static bool guest_exited(void)
{
    siginfo_t info = {0};

    /* WNOWAIT: look, but leave the status for mirror(). */
    return waitid(P_PID, (id_t)guest_pid, &info,
                  WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == guest_pid;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The child installs its filter right after fork: give it ten seconds.
 * EBADF means not yet. ESRCH means the guest is exiting: it made no
 * forbidden call (one would have waited for us), so there is nothing to
 * fetch. Any other error will not go away. Returns the listener, or -1
 * with errno, ESRCH when the guest ended first.
 */
static int listener_fetch(int pidfd, int target)
{
    double deadline = now_s() + 10;

    for (;;) {
        int fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);

        if (fd >= 0)
            return fd;
        if (errno != EBADF)
            return -1;
        if (guest_exited()) {
            errno = ESRCH;
            return -1;
        }
        if (now_s() > deadline) {
            errno = ETIMEDOUT;
            return -1;
        }
        usleep(200);
    }
}

/* Without the listener a forbidden call would wait forever: refuse. */
static void __attribute__((noreturn)) setup_failed(const char *what)
{
    int wstatus;

    kill(guest_pid, SIGKILL);
    while (waitpid(guest_pid, &wstatus, 0) == -1 && errno == EINTR)
        ;
    fprintf(stderr, "solo5-spt: --x-supervise: cannot reach the guest's "
            "seccomp listener: %s\n", what);
    exit(1);
}

static void __attribute__((noreturn)) parent_run(int pipe_r, uint64_t mem_size)
{
    struct sigaction sa = {.sa_handler = forward};
    int target = -1, pidfd, listener, wstatus;
    bool reported = false;

    /* Guest memory and devices are the child's; we keep only stderr. */
    munmap((void *)SPT_HOST_MEM_BASE, mem_size - SPT_HOST_MEM_BASE);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (read(pipe_r, &target, sizeof target) != sizeof target)
        target = -1;
    close(pipe_r);
    pidfd = (int)syscall(SYS_pidfd_open, guest_pid, 0);
    if (pidfd < 0)
        setup_failed(strerror(errno));
    if (target < 0) /* the child ended before telling: mirror it */
        listener = -1;
    else if ((listener = listener_fetch(pidfd, target)) < 0 && errno != ESRCH)
        setup_failed(strerror(errno));
    for (;;) {
        struct pollfd p[2] = {{pidfd, POLLIN, 0}, {listener, POLLIN, 0}};

        if (poll(p, listener >= 0 ? 2 : 1, -1) == -1 && errno != EINTR)
            break;
        if (listener >= 0 && (p[1].revents & POLLIN))
            reported |= notification(listener);
        if (p[0].revents & POLLIN)
            break;
    }
    while (waitpid(guest_pid, &wstatus, 0) == -1 && errno == EINTR)
        ;
    mirror(wstatus, reported);
}

void supervise_fork(const struct tender *t)
{
    int fds[2];
    pid_t parent = getpid(), child;

    if (pipe2(fds, O_CLOEXEC) == -1)
        die("--x-supervise: pipe: %s", strerror(errno));
    child = fork();
    if (child == -1)
        die("--x-supervise: fork: %s", strerror(errno));
    if (child == 0) {
        close(fds[0]);
        child_prepare(fds[1], parent);
        return;
    }
    guest_pid = child;
    close(fds[1]);
    close_from_to(3, (unsigned)fds[0] - 1);
    close_from_to((unsigned)fds[0] + 1, ~0U);
    parent_run(fds[0], t->opts.mem_size);
}
