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

#include "launch.h"

#define SYS_read           0
#define SYS_write          1
#define SYS_close          3
#define SYS_poll           7
#define SYS_mprotect       10
#define SYS_munmap         11
#define SYS_pread64        17
#define SYS_getpid         39
#define SYS_clone          56
#define SYS_wait4          61
#define SYS_kill           62
#define SYS_getppid        110
#define SYS_prctl          157
#define SYS_arch_prctl     158
#define SYS_exit_group     231
#define SYS_epoll_ctl      233
#define SYS_timerfd_create 283
#define SYS_epoll_create1  291
#define SYS_dup3           292
#define SYS_pipe2          293
#define SYS_seccomp        317
#define SYS_pidfd_open     434
#define PR_SET_PDEATHSIG   1
#define PR_SET_NO_NEW_PRIVS 38
#define ARCH_SET_GS        0x1001
#define ARCH_SET_FS        0x1002
#define SECCOMP_SET_MODE_FILTER 1
#define EINTR              4
#define ESPIPE             29
#define SIGABRT            6
#define SIGKILL            9
#define SIGCHLD            17
#define O_CLOEXEC          02000000
#define O_NONBLOCK         04000
#define PROT_READ          1
#define CLOCK_MONOTONIC    1
#define EPOLL_CTL_ADD      1
#define EPOLLIN            1
#define POLLIN             1
#define SPT_TIMERFD_EVENT  0xfffffffeULL /* solo5/spt_abi.h */
#define FORKSRV_CTL        198           /* AFL++'s control pipe */
#define FORKSRV_ST         199           /* and its status pipe */
#define STOPPED_STATUS     0x137f        /* "stopped by SIGSTOP" */

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
        syscall3(SYS_exit_group, status, 0, 0);
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
    syscall3(SYS_write, 2, (long)msg, (long)length(msg));
    syscall3(SYS_write, 2, (long)(num + i), (long)(sizeof num - i));
    exit_group(1);
}

static void zero(uint64_t start, uint64_t end)
{
    for (volatile uint8_t *p = (volatile uint8_t *)start;
         (uint64_t)p < end; p++)
        *p = 0;
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
 * Clear what the launch code left on its stack, then become the guest:
 * %rsp and %rdi as spec section 4 says, every other general register and
 * the flags zero, and on to the entry point written into this region.
 */
static void __attribute__((noreturn)) jump(const struct launch_plan *p)
{
    uint64_t here = (uint64_t)__builtin_frame_address(0);
    uint64_t from = here - STACK_USED_MAX;
    register uint64_t sp __asm__("r8") = p->guest_sp;
    register uint64_t boot_info __asm__("r9") = p->boot_info;

    if (from < p->stack.start || from > here)
        from = p->stack.start;
    __asm__ volatile("sub %%rdi, %%rcx\n\t"
                     "xor %%eax, %%eax\n\t"
                     "rep stosb\n\t"
                     "mov %%r8, %%rsp\n\t"
                     "mov %%r9, %%rdi\n\t"
                     "xor %%eax, %%eax\n\t"
                     "xor %%ebx, %%ebx\n\t"
                     "xor %%ecx, %%ecx\n\t"
                     "xor %%edx, %%edx\n\t"
                     "xor %%esi, %%esi\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "xor %%r8d, %%r8d\n\t"
                     "xor %%r9d, %%r9d\n\t"
                     "xor %%r10d, %%r10d\n\t"
                     "xor %%r11d, %%r11d\n\t"
                     "xor %%r12d, %%r12d\n\t"
                     "xor %%r13d, %%r13d\n\t"
                     "xor %%r14d, %%r14d\n\t"
                     "xor %%r15d, %%r15d\n\t"
                     /* The flags last: xor sets ZF and PF. The slot below
                      * the guest's stack pointer is zero and stays so. */
                     "pushq $0\n\t"
                     "popfq\n\t"
                     "jmp *launch_entry_local(%%rip)"
                     :
                     : "D"(from), "c"(p->stack.end), "r"(sp), "r"(boot_info)
                     : "memory");
    __builtin_unreachable();
}

/* The allowlist, then the guest: the end of every launch. */
static void __attribute__((noreturn)) finish(const struct launch_plan *p)
{
    long rc = syscall5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

    if (rc == 0)
        rc = syscall3(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                      (long)p->seccomp_flags, (long)p->fprog);
    if (rc < 0)
        fail(p->msg_filter, rc);
    /* The filter is the kernel's now: no copy stays in reach. */
    zero(p->filter_copy.start, p->filter_copy.end);
    fpu_reset(p);
    jump(p);
}

/* ---- AFL++'s fork server (launch.h, struct launch_fuzz) ---- */

/* Exactly 4 bytes, as every message of the protocol is. */
static int io4(long nr, long fd, void *word)
{
    long n;

    do {
        n = syscall3(nr, fd, (long)word, 4);
    } while (n == -EINTR);
    return n == 4 ? 0 : -1;
}

/*
 * This run's input from standard input, where AFL++ rewrites it (a file,
 * read from its start) or a pipe: a uint32_t length, then the bytes.
 */
static void input_load(const struct launch_fuzz *f)
{
    uint8_t *data = (uint8_t *)f->input + 4;
    uint64_t max = f->input_size - 4, len = 0;

    while (len < max) {
        long n = syscall4(SYS_pread64, 0, (long)(data + len),
                          (long)(max - len), (long)len);

        if (n == -ESPIPE)
            n = syscall3(SYS_read, 0, (long)(data + len), (long)(max - len));
        if (n == -EINTR)
            continue;
        if (n <= 0)
            break;
        len += (uint64_t)n;
    }
    *(volatile uint32_t *)f->input = (uint32_t)len;
}

/* Make fd anew at number fd_at; -errno on failure. */
static long renew(long fd, long fd_at)
{
    long rc;

    if (fd < 0)
        return fd;
    rc = syscall3(SYS_dup3, fd, fd_at, O_CLOEXEC);
    syscall3(SYS_close, fd, 0, 0);
    return rc < 0 ? rc : 0;
}

/*
 * The child's own host state: an epoll set and a timerfd of its own on the
 * numbers the guest was told, so that no timer armed by one run fires in
 * the next. Then the input is read-only, and the child becomes the guest.
 */
static void __attribute__((noreturn)) child_start(const struct launch_plan *p,
                                                  long server)
{
    const struct launch_fuzz *f = &p->fuzz;
    struct __attribute__((packed)) {
        uint32_t events;
        uint64_t data;
    } ev = {EPOLLIN, SPT_TIMERFD_EVENT};
    long rc;

    /* Die with the server; it may have died before we could ask. */
    if (syscall5(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
        syscall3(SYS_getppid, 0, 0, 0) != server)
        exit_group(1);
    syscall3(SYS_close, FORKSRV_CTL, 0, 0);
    syscall3(SYS_close, FORKSRV_ST, 0, 0);
    if (f->persistent_max) {
        syscall3(SYS_close, f->done_r, 0, 0);
        syscall3(SYS_close, f->next_w, 0, 0);
    }
    rc = renew(syscall3(SYS_epoll_create1, O_CLOEXEC, 0, 0), f->epollfd);
    if (rc == 0)
        rc = renew(syscall3(SYS_timerfd_create, CLOCK_MONOTONIC,
                            O_NONBLOCK | O_CLOEXEC, 0),
                   f->timerfd);
    if (rc == 0)
        rc = syscall4(SYS_epoll_ctl, f->epollfd, EPOLL_CTL_ADD, f->timerfd,
                      (long)&ev);
    if (rc == 0 && f->input_size)
        rc = syscall3(SYS_mprotect, (long)f->input, (long)f->input_size,
                      PROT_READ);
    if (rc < 0)
        fail(p->msg_child, rc);
    finish(p);
}

/* New pipes at the old numbers: nothing a dead child left is read. */
static long pipes_renew(const struct launch_fuzz *f)
{
    int done[2], next[2];
    long rc = syscall3(SYS_pipe2, (long)done, O_CLOEXEC, 0);

    if (rc == 0)
        rc = syscall3(SYS_pipe2, (long)next, O_CLOEXEC, 0);
    if (rc == 0)
        rc = renew(done[0], f->done_r);
    if (rc == 0)
        rc = renew(done[1], f->done_w);
    if (rc == 0)
        rc = renew(next[0], f->next_r);
    if (rc == 0)
        rc = renew(next[1], f->next_w);
    return rc;
}

static int reap(long child)
{
    int status = 0;

    while (syscall4(SYS_wait4, child, (long)&status, 0, 0) == -EINTR)
        ;
    return status;
}

/*
 * How the run ended: the child's wait status, or in persistent mode a
 * stopped status once it says it is done with the input (it is then kept
 * for the next). A guest's abort (exit 255) is reported as SIGABRT so
 * that AFL++ counts it as a crash.
 */
static int run_wait(const struct launch_fuzz *f, long *child, long pidfd)
{
    struct {
        int fd;
        short events, revents;
    } fds[2] = {{(int)f->done_r, POLLIN, 0}, {(int)pidfd, POLLIN, 0}};
    uint32_t done;
    int status;

    if (f->persistent_max) {
        while (syscall3(SYS_poll, (long)fds, 2, -1) == -EINTR)
            ;
        if ((fds[0].revents & POLLIN) && io4(SYS_read, f->done_r, &done) == 0)
            return STOPPED_STATUS;
    }
    status = reap(*child);
    *child = -1;
    if ((status & 0x7f) == 0 && ((status >> 8) & 0xff) == 255)
        status = SIGABRT;
    return status;
}

static void __attribute__((noreturn)) serve(const struct launch_plan *p)
{
    const struct launch_fuzz *f = &p->fuzz;
    long server = syscall3(SYS_getpid, 0, 0, 0), child = -1, pidfd = -1;
    uint32_t msg = f->hello, was_killed, runs = 0;
    int32_t pid;
    int status;

    if (io4(SYS_write, FORKSRV_ST, &msg) == -1 ||
        (f->shm_input && io4(SYS_read, FORKSRV_CTL, &msg) == -1))
        exit_group(1);
    /* A request per run; AFL++ gone (end of file) ends the server. */
    while (io4(SYS_read, FORKSRV_CTL, &was_killed) == 0) {
        /* A kept child killed by AFL++ (a hang), or at its limit. */
        if (child > 0 && (was_killed || runs >= f->persistent_max)) {
            syscall3(SYS_kill, child, SIGKILL, 0);
            reap(child);
            child = -1;
        }
        if (f->input_size)
            input_load(f);
        if (child < 0) {
            if (pidfd >= 0)
                syscall3(SYS_close, pidfd, 0, 0);
            if (f->persistent_max && pipes_renew(f) < 0)
                fail(p->msg_fork, -1);
            child = syscall5(SYS_clone, SIGCHLD, 0, 0, 0, 0);
            if (child == 0)
                child_start(p, server);
            if (child < 0)
                fail(p->msg_fork, child);
            runs = 0;
            pidfd = f->persistent_max ? syscall3(SYS_pidfd_open, child, 0, 0)
                                      : -1;
        } else {
            msg = 1;
            io4(SYS_write, f->next_w, &msg);
        }
        pid = (int32_t)child;
        if (io4(SYS_write, FORKSRV_ST, &pid) == -1)
            break;
        status = run_wait(f, &child, pidfd);
        runs++;
        if (io4(SYS_write, FORKSRV_ST, &status) == -1)
            break;
    }
    if (child > 0)
        syscall3(SYS_kill, child, SIGKILL, 0);
    exit_group(0);
}

/* Called by launch_enter on the signal stack; the plan never changes. */
static void __attribute__((used, noinline, noreturn))
launch_main(const struct launch_plan *p)
{
    long rc;

    for (uint64_t i = 0; i < p->nunmap && i < LAUNCH_MAX_UNMAP; i++) {
        const struct launch_range *r = &p->unmap[i];

        rc = syscall3(SYS_munmap, (long)r->start, (long)(r->end - r->start),
                      0);
        if (rc < 0)
            fail(p->msg_unmap, rc);
    }
    /* The tender's TLS is gone: no base points at it. */
    syscall3(SYS_arch_prctl, ARCH_SET_FS, 0, 0);
    syscall3(SYS_arch_prctl, ARCH_SET_GS, 0, 0);
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
