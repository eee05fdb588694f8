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

#define SYS_write          1
#define SYS_munmap         11
#define SYS_prctl          157
#define SYS_arch_prctl     158
#define SYS_exit_group     231
#define SYS_seccomp        317
#define PR_SET_NO_NEW_PRIVS 38
#define ARCH_SET_GS        0x1001
#define ARCH_SET_FS        0x1002
#define SECCOMP_SET_MODE_FILTER 1

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
    rc = syscall5(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
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
