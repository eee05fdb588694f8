/*
 * signals.c: how the guest's process meets signals and crashes.
 *
 * - SIGTERM, SIGINT, SIGHUP end the guest with status 128 + signal, even
 *   as PID 1 of a container (where default actions are ignored). The
 *   handler (launch.S) needs no C library and runs on its own stack.
 * - SIGPIPE is ignored: console output is best effort, a closed reader
 *   must not kill the guest.
 * - No core dumps unless asked: a core would hold all of guest memory and
 *   the tender's too. Other signals get their default actions back.
 * - Every signal unblocked, whatever the parent had blocked.
 */
#include <signal.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "errf.h"
#include "tender.h"

#define ALT_STACK_SIZE (64 * 1024)

void spt_signal_exit(int sig);

int signals_setup(bool dumpcore, char *err, size_t errlen)
{
    static const int ending[] = {SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa = {.sa_handler = spt_signal_exit,
                           .sa_flags = SA_ONSTACK};
    struct rlimit no_core = {0, 0};
    stack_t alt = {.ss_size = ALT_STACK_SIZE};
    sigset_t none;

    /* The guest's stack may be anything when a signal comes. */
    alt.ss_sp = mmap(NULL, ALT_STACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (alt.ss_sp == MAP_FAILED || sigaltstack(&alt, NULL) == -1)
        goto fail;
    sigfillset(&sa.sa_mask);
    /* Whatever the parent ignored gets its default action back. */
    for (int sig = 1; sig < SIGRTMIN; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            (void)signal(sig, SIG_DFL);
    for (size_t i = 0; i < sizeof ending / sizeof ending[0]; i++)
        if (sigaction(ending[i], &sa, NULL) == -1)
            goto fail;
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        goto fail;
    /* Both: a core_pattern that pipes to a program ignores the limit. */
    if (!dumpcore && (setrlimit(RLIMIT_CORE, &no_core) == -1 ||
                      prctl(PR_SET_DUMPABLE, 0) == -1))
        goto fail;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) == -1)
        goto fail;
    return 0;
fail:
    return errf(err, errlen, "cannot set up signals: %s", strerror(errno));
}
