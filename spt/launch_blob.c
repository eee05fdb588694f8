/*
 * launch_blob.c: the code that runs after the tender has gone.
 *
 * Copied byte for byte into a read+execute mapping of its own, so it must
 * be position-independent and whole: no C library, no data, no string
 * constants, no call out of this file, no relocation (the build checks the
 * object: see spt/module.mk). It runs on the signal stack and reads only
 * the plan (launch.h). Compiled with general registers only, so that it
 * leaves no trace in the vector registers it resets.
 */
#include <stddef.h>
#include <stdint.h>
#include <asm/prctl.h>
#include <asm/signal.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/poll.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <linux/time.h>

#include "launch.h"
#include "solo5/spt_abi.h"

#define STOPPED_STATUS 0x137f /* a wait status: stopped by SIGSTOP */

/* The bytes below the stack pointer the launch code may have used. */
#define STACK_USED_MAX 8192

static long syscall3(long nr, long a, long b, long c)
{
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

static long syscall5(long nr, long a, long b, long c, long d, long e)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long ret;

    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

static long syscall4(long nr, long a, long b, long c, long d)
{
    return syscall5(nr, a, b, c, d, 0);
}

static void __attribute__((noreturn)) exit_group(long status)
{
    for (;;)
        syscall3(__NR_exit_group, status, 0, 0);
}

static size_t length(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0')
        n++;
    return n;
}

/* "<msg><errno>\n" on stderr, status 1: the guest never ran. */
static void __attribute__((noreturn)) fail(const char *msg, long rc)
{
    char num[24];
    size_t i = sizeof num;
    unsigned long e = (unsigned long)-rc;

    num[--i] = '\n';
    do {
        num[--i] = (char)('0' + e % 10);
        e /= 10;
    } while (e != 0 && i > 0);
    syscall3(__NR_write, 2, (long)msg, (long)length(msg));
    syscall3(__NR_write, 2, (long)(num + i), (long)(sizeof num - i));
    exit_group(1);
}

static void zero(uint64_t start, uint64_t end)
{
    uint64_t count = end - start;

    __asm__ volatile("rep stosb"
                     : "+D"(start), "+c"(count)
                     : "a"(0)
                     : "memory");
}

static void fpu_reset(const struct launch_plan *p)
{
    void *area = (void *)p->fpu_area;

    if (p->fpu == LAUNCH_FPU_XRSTOR)
        __asm__ volatile("xrstor64 (%0)"
                         :
                         : "r"(area), "a"((uint32_t)p->xsave_mask),
                           "d"((uint32_t)(p->xsave_mask >> 32))
                         : "memory");
    else if (p->fpu == LAUNCH_FPU_FXRSTOR)
        __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

/*
 * Clear what the launch code left on its stack, then become the guest
 * (launch_become_guest, below): the registers this hands over are all it
 * needs, and it never comes back.
 */
static void __attribute__((noreturn)) jump(const struct launch_plan *p)
{
    uint64_t here = (uint64_t)__builtin_frame_address(0);
    uint64_t from = here - STACK_USED_MAX;
    register uint64_t sp __asm__("r8") = p->guest_sp;
    register uint64_t boot_info __asm__("r9") = p->boot_info;

    if (from < p->stack.start || from > here)
        from = p->stack.start;
    __asm__ volatile("jmp launch_become_guest"
                     :
                     : "D"(from), "c"(p->stack.end - from), "r"(sp),
                       "r"(boot_info)
                     : "memory");
    __builtin_unreachable();
}

/* The allowlist (no_new_privs is set: launch_main), then the guest: the
 * end of every launch. */
static void __attribute__((noreturn)) finish(const struct launch_plan *p)
{
    long rc = syscall3(__NR_seccomp, SECCOMP_SET_MODE_FILTER,
                       (long)p->seccomp_flags, (long)p->fprog);

    if (rc < 0)
        fail(p->msg_filter, rc);
    /* The filter is the kernel's now: no copy stays in reach. */
    zero(p->filter_copy.start, p->filter_copy.end);
    fpu_reset(p);
    jump(p);
}

/* ---- AFL++'s fork server (launch.h, struct launch_fuzz) ---- */

/* One word of the protocol: exactly 4 bytes, or -1. */
static int word_io(long nr, long fd, void *word)
{
    long n;

    do {
        n = syscall3(nr, fd, (long)word, 4);
    } while (n == -EINTR);
    return n == 4 ? 0 : -1;
}

/*
 * This run's input from standard input, where AFL++ rewrites it (a file,
 * read from its start) or a pipe: a uint32_t length, then at most
 * input_max bytes.
 */
static void input_load(const struct launch_fuzz *f)
{
    uint8_t *data = (uint8_t *)f->input + 4;
    uint64_t len = 0;

    while (len < f->input_max) {
        long n = syscall4(__NR_pread64, 0, (long)(data + len),
                          (long)(f->input_max - len), (long)len);

        if (n == -ESPIPE)
            n = syscall3(__NR_read, 0, (long)(data + len),
                         (long)(f->input_max - len));
        if (n == -EINTR)
            continue;
        if (n <= 0)
            break;
        len += (uint64_t)n;
    }
    *(volatile uint32_t *)f->input = (uint32_t)len;
}

/* Put descriptor fd at number at (closing what was there) and close fd. */
static long move_fd(long fd, long at)
{
    long rc;

    if (fd < 0 || fd == at)
        return fd < 0 ? fd : 0;
    rc = syscall3(__NR_dup3, fd, at, O_CLOEXEC);
    syscall3(__NR_close, fd, 0, 0);
    return rc < 0 ? rc : 0;
}

/* What each child gets anew, made by the server so that a failure is its
 * own (AFL++ hears of it) rather than a child's exit status. */
struct child_fds {
    long epollfd, timerfd;
};

/*
 * An epoll set and a timerfd of the child's own, so that no timer armed by
 * one run fires in the next; in persistent mode, new pipes too (nothing a
 * dead child left in them is read by the next). -errno on failure.
 */
static long child_fds_make(const struct launch_fuzz *f, struct child_fds *c)
{
    struct epoll_event ev = {.events = EPOLLIN, .data = SPT_TIMERFD_EVENT};
    int done[2], next[2];
    long rc = 0;

    /* New pipes onto the four numbers (all taken, so that no new
     * descriptor lands on one of them). "done" is read without blocking: a
     * guest may say it twice. */
    if (f->persistent_max) {
        rc = syscall3(__NR_pipe2, (long)done, O_CLOEXEC | O_NONBLOCK, 0);
        if (rc == 0)
            rc = move_fd(done[0], f->done_r);
        if (rc == 0)
            rc = move_fd(done[1], f->done_w);
        if (rc == 0)
            rc = syscall3(__NR_pipe2, (long)next, O_CLOEXEC, 0);
        if (rc == 0)
            rc = move_fd(next[0], f->next_r);
        if (rc == 0)
            rc = move_fd(next[1], f->next_w);
        if (rc < 0)
            return rc;
    }
    c->epollfd = syscall3(__NR_epoll_create1, O_CLOEXEC, 0, 0);
    c->timerfd = syscall3(__NR_timerfd_create, CLOCK_MONOTONIC,
                          O_NONBLOCK | O_CLOEXEC, 0);
    if (c->epollfd < 0 || c->timerfd < 0)
        return c->epollfd < 0 ? c->epollfd : c->timerfd;
    return syscall4(__NR_epoll_ctl, c->epollfd, EPOLL_CTL_ADD, c->timerfd,
                    (long)&ev);
}

/*
 * The child: dies with the server, keeps none of the server's descriptors
 * and takes its fresh ones on the numbers the guest was told; the input
 * becomes read-only, and the child becomes the guest. A failure here
 * kills the server too, so that AFL++ reports it.
 */
static void __attribute__((noreturn)) child_start(const struct launch_plan *p,
                                                  long server,
                                                  const struct child_fds *c)
{
    const struct launch_fuzz *f = &p->fuzz;
    long rc;

    if (syscall5(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
        syscall3(__NR_getppid, 0, 0, 0) != server)
        exit_group(1); /* the server is gone already */
    syscall3(__NR_close, LAUNCH_FORKSRV_CTL, 0, 0);
    syscall3(__NR_close, LAUNCH_FORKSRV_ST, 0, 0);
    if (f->persistent_max) {
        syscall3(__NR_close, f->done_r, 0, 0);
        syscall3(__NR_close, f->next_w, 0, 0);
    }
    rc = move_fd(c->epollfd, f->epollfd);
    if (rc == 0)
        rc = move_fd(c->timerfd, f->timerfd);
    if (rc == 0 && f->input_size)
        rc = syscall3(__NR_mprotect, (long)f->input, (long)f->input_size,
                      PROT_READ);
    if (rc < 0) {
        syscall3(__NR_kill, server, SIGKILL, 0);
        fail(p->msg_child, rc);
    }
    finish(p);
}

static int reap(long child)
{
    int status = 0;

    while (syscall4(__NR_wait4, child, (long)&status, 0, 0) == -EINTR)
        ;
    return status;
}

/*
 * In persistent mode, wait for the child to say it is done with the input
 * (1, with every word it wrote read) or to end (0): the server holds
 * neither end the child writes, so the child's death closes the pipe.
 */
static int persistent_done(const struct launch_fuzz *f)
{
    struct pollfd wait = {.fd = f->done_r, .events = POLLIN};
    uint32_t words[16];
    long n;
    int said = 0;

    while (syscall3(__NR_poll, (long)&wait, 1, -1) == -EINTR)
        ;
    while ((n = syscall3(__NR_read, f->done_r, (long)words,
                         sizeof words)) > 0 ||
           n == -EINTR)
        said |= n > 0;
    return said;
}

/*
 * How the run ended: a stopped status when a persistent child is done
 * with the input (it is kept for the next), else its wait status. A
 * guest's abort (exit 255) is reported as SIGABRT, for AFL++ to count it
 * as a crash.
 */
static int run_status(const struct launch_fuzz *f, long *child)
{
    int status;

    if (f->persistent_max && persistent_done(f))
        return STOPPED_STATUS;
    status = reap(*child);
    *child = -1;
    if ((status & 0x7f) == 0 && ((status >> 8) & 0xff) == 255)
        status = SIGABRT;
    return status;
}

/* A new child for this run; it does not return there. */
static long child_fork(const struct launch_plan *p, long server)
{
    const struct launch_fuzz *f = &p->fuzz;
    struct child_fds c;
    long child, rc = child_fds_make(f, &c);

    if (rc < 0)
        fail(p->msg_fork, rc);
    child = syscall5(__NR_clone, SIGCHLD, 0, 0, 0, 0);
    if (child == 0)
        child_start(p, server, &c);
    if (child < 0)
        fail(p->msg_fork, child);
    syscall3(__NR_close, c.epollfd, 0, 0);
    syscall3(__NR_close, c.timerfd, 0, 0);
    /*
     * The child's ends leave the server, so that its death closes the
     * "done" pipe; their numbers stay taken (by the server's own ends), so
     * that the next child's new descriptors cannot land on them.
     */
    if (f->persistent_max) {
        syscall3(__NR_dup3, f->done_r, f->done_w, O_CLOEXEC);
        syscall3(__NR_dup3, f->next_w, f->next_r, O_CLOEXEC);
    }
    return child;
}

/*
 * The server: dies with AFL++ (so that no child outlives a fuzzer killed
 * mid-run), says hello, then a child per request, or the kept one resumed
 * in persistent mode, until AFL++ closes the control pipe.
 */
static void __attribute__((noreturn)) serve(const struct launch_plan *p)
{
    const struct launch_fuzz *f = &p->fuzz;
    long server = syscall3(__NR_getpid, 0, 0, 0), child = -1;
    uint32_t msg = f->hello, was_killed, runs = 0;
    int32_t pid;
    int status;

    if (syscall5(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
        syscall3(__NR_getppid, 0, 0, 0) != (long)f->fuzzer)
        exit_group(1);
    if (word_io(__NR_write, LAUNCH_FORKSRV_ST, &msg) == -1 ||
        (f->shm_input && word_io(__NR_read, LAUNCH_FORKSRV_CTL, &msg) == -1))
        exit_group(1);
    while (word_io(__NR_read, LAUNCH_FORKSRV_CTL, &was_killed) == 0) {
        /* A kept child killed by AFL++ (a hang), or at its limit. */
        if (child > 0 && (was_killed || runs >= f->persistent_max)) {
            syscall3(__NR_kill, child, SIGKILL, 0);
            reap(child);
            child = -1;
        }
        if (f->input_size)
            input_load(f);
        if (child < 0) {
            child = child_fork(p, server);
            runs = 0;
        } else {
            msg = 1;
            word_io(__NR_write, f->next_w, &msg);
        }
        pid = (int32_t)child;
        if (word_io(__NR_write, LAUNCH_FORKSRV_ST, &pid) == -1)
            break;
        status = run_status(f, &child);
        runs++;
        if (word_io(__NR_write, LAUNCH_FORKSRV_ST, &status) == -1)
            break;
    }
    if (child > 0)
        syscall3(__NR_kill, child, SIGKILL, 0);
    exit_group(0);
}

/* Called by launch_enter on the signal stack; the plan never changes. */
static void __attribute__((used, noinline, noreturn))
launch_main(const struct launch_plan *p)
{
    long rc;

    for (uint64_t i = 0; i < p->nunmap && i < LAUNCH_MAX_UNMAP; i++) {
        const struct launch_range *r = &p->unmap[i];

        rc = syscall3(__NR_munmap, (long)r->start, (long)(r->end - r->start),
                      0);
        if (rc < 0)
            fail(p->msg_unmap, rc);
    }
    /* The tender's TLS is gone: no base points at it. */
    syscall3(__NR_arch_prctl, ARCH_SET_FS, 0, 0);
    syscall3(__NR_arch_prctl, ARCH_SET_GS, 0, 0);
    /* Once, for every child of a fork server too (it is inherited). */
    rc = syscall5(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
    if (rc < 0)
        fail(p->msg_filter, rc);
    if (p->fuzz.serve)
        serve(p);
    finish(p);
}

/*
 * The entry (%rdi = plan, %rsi = top of the signal stack), the handler for
 * SIGTERM, SIGINT and SIGHUP (exit_group(128 + sig): it needs no stack
 * and no data, and works as PID 1, where default actions are ignored),
 * its restorer (x86_64 signals need one; the handler never returns), and
 * the slot the tender writes the guest's entry point to.
 */
__asm__(".text\n"
        /* %rdi, %rcx: the stack to clear; %r8: the guest's stack pointer;
         * %r9: the boot info. The flags go last: xor sets ZF and PF. The
         * word pushq writes below the guest's stack pointer is zero and
         * stays so. */
        "launch_become_guest:\n"
        "    xor %eax, %eax\n"
        "    rep stosb\n"
        "    mov %r8, %rsp\n"
        "    mov %r9, %rdi\n"
        "    xor %eax, %eax\n"
        "    xor %ebx, %ebx\n"
        "    xor %ecx, %ecx\n"
        "    xor %edx, %edx\n"
        "    xor %esi, %esi\n"
        "    xor %ebp, %ebp\n"
        "    xor %r8d, %r8d\n"
        "    xor %r9d, %r9d\n"
        "    xor %r10d, %r10d\n"
        "    xor %r11d, %r11d\n"
        "    xor %r12d, %r12d\n"
        "    xor %r13d, %r13d\n"
        "    xor %r14d, %r14d\n"
        "    xor %r15d, %r15d\n"
        "    pushq $0\n"
        "    popfq\n"
        "    jmp *launch_entry_local(%rip)\n"
        ".globl launch_enter\n"
        ".type launch_enter, @function\n"
        "launch_enter:\n"
        "    mov %rsi, %rsp\n"
        "    call launch_main\n"
        "    ud2\n"
        ".size launch_enter, . - launch_enter\n"
        ".globl launch_signal_exit\n"
        ".type launch_signal_exit, @function\n"
        "launch_signal_exit:\n"
        "    lea 128(%rdi), %edi\n"
        "    mov $231, %eax\n"
        "    syscall\n"
        "    ud2\n"
        ".size launch_signal_exit, . - launch_signal_exit\n"
        ".globl launch_sigreturn\n"
        ".type launch_sigreturn, @function\n"
        "launch_sigreturn:\n"
        "    mov $15, %eax\n"
        "    syscall\n"
        "    ud2\n"
        ".size launch_sigreturn, . - launch_sigreturn\n"
        ".balign 8\n"
        "launch_entry_local:\n"
        ".globl launch_entry_slot\n"
        "launch_entry_slot:\n"
        "    .quad 0\n");
