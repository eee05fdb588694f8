/*
 * supervise.c: --x-supervise, a supervisor that names the forbidden call.
 *
 * By default the tender stays one process (what urunc and fuzzers want)
 * and a forbidden call kills it with SIGSYS, unexplained. With the flag,
 * the tender clones itself just before the launch: the child becomes the
 * guest, and its filter's default action is "notify" instead of "kill".
 * The parent, a separate process the guest cannot reach, holds the
 * notification fd; the child's address space gains no thread and no
 * handler. On a notification the parent prints the call with its
 * arguments and kills the child with SIGSYS; it never lets a call run. It
 * then ends as the child did: status 159 for SIGSYS. If the parent dies
 * first, the child is killed (PR_SET_PDEATHSIG); a pending call then
 * fails, it does not run.
 *
 * The two share their descriptor table (CLONE_FILES) until the child has
 * installed its filter: the listener the kernel gives the child appears in
 * the parent too, and the parent then takes a private copy of the table.
 * So the guest stays undumpable: nobody needs to reach into it.
 */
#include <errno.h>
#include <sched.h>
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

static volatile pid_t guest_pid;

static void forward(int sig)
{
    kill(guest_pid, sig);
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
 * The child installs its filter right after the clone: give it ten
 * seconds. Until then nothing in the shared table may change, so this only
 * looks. Returns 0 once the listener is there, -1 with errno ESRCH when the
 * guest ended first (it made no forbidden call: one would have waited for
 * us), ETIMEDOUT if it never came.
 */
static int listener_wait(int listener)
{
    double deadline = now_s() + 10;

    for (;;) {
        if (fcntl(listener, F_GETFD) != -1)
            return 0;
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

static void __attribute__((noreturn)) parent_run(int listener,
                                                 uint64_t mem_size)
{
    struct sigaction sa = {.sa_handler = forward};
    int pidfd, wstatus;
    bool reported = false;

    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (listener_wait(listener) == -1) {
        if (errno != ESRCH)
            setup_failed(strerror(errno));
        listener = -1; /* the guest ended first: mirror it */
    }
    /* Our own table from here on: the guest keeps the shared one. */
    if (unshare(CLONE_FILES) == -1)
        setup_failed(strerror(errno));
    if (listener >= 0) {
        close_from_to(3, (unsigned)listener - 1);
        close_from_to((unsigned)listener + 1, ~0U);
    } else {
        close_from_to(3, ~0U);
    }
    /* Guest memory and devices are the child's; we keep only stderr. */
    munmap((void *)SPT_HOST_MEM_BASE, mem_size - SPT_HOST_MEM_BASE);
    pidfd = (int)syscall(SYS_pidfd_open, guest_pid, 0);
    if (pidfd < 0)
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

/* The lowest free descriptor: where the child's listener will land. */
static int lowest_free_fd(void)
{
    int fd = fcntl(0, F_DUPFD, 0);

    if (fd >= 0)
        close(fd);
    return fd;
}

void supervise_fork(const struct tender *t)
{
    pid_t parent = getpid(), child;
    int listener = lowest_free_fd();

    if (listener == -1)
        die("--x-supervise: no descriptor left for the listener: %s",
            strerror(errno));
    child = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL,
                           0);
    if (child == -1)
        die("--x-supervise: clone: %s", strerror(errno));
    if (child == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
            _exit(1);
        return;
    }
    guest_pid = child;
    parent_run(listener, t->opts.mem_size);
}
