/*
 * signals.c: how the guest's process meets signals and crashes.
 *
 * - SIGTERM, SIGINT, SIGHUP end the guest with status 128 + signal, even
 *   as PID 1 of a container (where default actions are ignored). The
 *   handler lives in the launch region and needs no C library.
 * - It runs on the signal stack with SS_AUTODISARM: wherever the guest
 *   points its stack pointer (the signal stack included), the kernel puts
 *   the frame at the top of that stack.
 * - SIGPIPE is ignored: console output is best effort, a closed reader
 *   must not kill the guest.
 * - Every other signal, 1 to 64, gets its default action back and all are
 *   unblocked, whatever the parent had ignored or blocked. The C library
 *   hides two real-time signals it keeps for itself, so this talks to the
 *   kernel directly.
 * - No core dumps unless asked: a core holds all of guest memory.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "errf.h"
#include "tender.h"

#define NSIG_KERNEL 64
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31) /* Linux 4.7; glibc 2.36 does not name it */
#endif
#define SA_RESTORER_FLAG 0x04000000 /* x86_64 signals need a restorer */

/* The kernel's struct sigaction on x86_64. */
struct kernel_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

static int set_action(int sig, uint64_t handler, uint64_t flags,
                      uint64_t restorer, uint64_t mask)
{
    struct kernel_sigaction sa = {handler, flags, restorer, mask};

    return (int)syscall(SYS_rt_sigaction, sig, &sa, NULL, sizeof sa.mask);
}

static bool ends_guest(int sig)
{
    return sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
}

int signals_setup(const struct launch *l, bool dumpcore, char *err,
                  size_t errlen)
{
    struct rlimit no_core = {0, 0};
    stack_t alt = {.ss_sp = l->stack,
                   .ss_size = l->stack_size,
                   .ss_flags = (int)SS_AUTODISARM};
    uint64_t none = 0;

    if (sigaltstack(&alt, NULL) == -1)
        goto fail;
    for (int sig = 1; sig <= NSIG_KERNEL; sig++) {
        int rc = 0;

        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (ends_guest(sig))
            rc = set_action(sig, launch_handler(l),
                            SA_ONSTACK | SA_RESTORER_FLAG, launch_restorer(l),
                            ~0ULL);
        else
            rc = set_action(sig,
                            (uint64_t)(uintptr_t)(sig == SIGPIPE ? SIG_IGN
                                                                 : SIG_DFL),
                            SA_RESTORER_FLAG, launch_restorer(l), 0);
        if (rc == -1)
            goto fail;
    }
    /* Both: a core_pattern that pipes to a program ignores the limit. */
    if (!dumpcore && (setrlimit(RLIMIT_CORE, &no_core) == -1 ||
                      prctl(PR_SET_DUMPABLE, 0) == -1))
        goto fail;
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof none) ==
        -1)
        goto fail;
    return 0;
fail:
    return errf(err, errlen, "cannot set up signals: %s", strerror(errno));
}
