/*
 * syscall: makes the raw system call its command line names and says if
 * it returned:
 *
 *     [x32|int80|vsyscall] NR [A0 [A1 ... A5]]
 *
 * NR and the arguments are decimal, 0x-hex, or negative. With no leading
 * word the call goes through the x86_64 "syscall" instruction. The other
 * ways in, each of which the policy must close:
 *
 *     x32       the same instruction with the x32 ABI bit (0x40000000)
 *               set in NR;
 *     int80     "int $0x80": NR is an i386 number, the arguments are cut
 *               to 32 bits (ebx, ecx, edx, esi, edi, ebp);
 *     vsyscall  a call into the legacy vsyscall page, which the kernel
 *               emulates: NR is the entry (0 gettimeofday, 1 time,
 *               2 getcpu), A0..A2 its arguments.
 *
 * So that a call would succeed if the policy let it through, an argument
 * may also be
 *
 *     s:TEXT    the address of a NUL-terminated copy of TEXT (a path, bytes
 *               to write) in guest memory, below 4 GiB;
 *     heap      the first page-aligned address of the heap: writable
 *               memory nothing else uses, for buffers and structures.
 *
 * "CALLING" is printed just before the call, so a test can tell that a
 * kill came from the call and not from something earlier.
 *
 * Driven by tests/e2e/test_guests.c (test_forbidden_syscall) and
 * test_process.c (test_supervise_names_call). Also built as syscall_blk,
 * with two block devices (syscall_blk.json), for the escape matrix
 * (tests/e2e/test_escape.c) and test_block.c (test_raw_calls).
 */
#include "guest_util.h"

#define X32_SYSCALL_BIT 0x40000000ULL
#define VSYSCALL_PAGE   0xffffffffff600000ULL
#define VSYSCALL_ENTRY  0x400
#define TEXT_ARG_SIZE   256
#define PAGE_SIZE       4096

enum entry { ENTRY_SYSCALL, ENTRY_X32, ENTRY_INT80, ENTRY_VSYSCALL };

/* One buffer per argument: a call may take several strings. */
static char text_args[6][TEXT_ARG_SIZE];

static long raw_syscall(uint64_t nr, const uint64_t a[6])
{
    long ret;
    register uint64_t r10 __asm__("r10") = a[3];
    register uint64_t r8 __asm__("r8") = a[4];
    register uint64_t r9 __asm__("r9") = a[5];

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a[0]), "S"(a[1]), "d"(a[2]),
                           "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
    return ret;
}

/*
 * The sixth i386 argument goes in ebp, which is our frame pointer and
 * cannot be an asm operand: swap it in and out around the trap, without
 * touching the stack. Kernels before 4.17 zeroed r8-r11 on int $0x80.
 */
static long int80_syscall(uint64_t nr, const uint64_t a[6])
{
    uint32_t ret;
    uint64_t a5 = (uint32_t)a[5];

    __asm__ __volatile__("xchg %[a5], %%rbp\n\t"
                         "int $0x80\n\t"
                         "xchg %[a5], %%rbp"
                         : "=a"(ret), [a5] "+r"(a5)
                         : "0"((uint32_t)nr), "b"((uint32_t)a[0]),
                           "c"((uint32_t)a[1]), "d"((uint32_t)a[2]),
                           "S"((uint32_t)a[3]), "D"((uint32_t)a[4])
                         : "r8", "r9", "r10", "r11", "memory");
    return (int32_t)ret;
}

/*
 * A plain function call into the vsyscall page. The call pushes a return
 * address: step over the red zone first, as this leaf function may keep
 * data there.
 */
static long vsyscall_call(uint64_t entry, const uint64_t a[6])
{
    long ret;
    register uint64_t rdi __asm__("rdi") = a[0];
    register uint64_t rsi __asm__("rsi") = a[1];
    register uint64_t rdx __asm__("rdx") = a[2];

    __asm__ __volatile__("sub $128, %%rsp\n\t"
                         "call *%%rax\n\t"
                         "add $128, %%rsp"
                         : "=a"(ret), "+r"(rdi), "+r"(rsi), "+r"(rdx)
                         : "a"(VSYSCALL_PAGE + entry * VSYSCALL_ENTRY)
                         : "rcx", "r8", "r9", "r10", "r11", "memory");
    return ret;
}

static uint64_t argument(const char *w, unsigned i,
                         const struct solo5_start_info *si)
{
    if (w[0] == 's' && w[1] == ':') {
        size_t n = 0;

        for (w += 2; w[n] && n + 1 < TEXT_ARG_SIZE; n++)
            text_args[i][n] = w[n];
        text_args[i][n] = '\0';
        return (uint64_t)(uintptr_t)text_args[i];
    }
    if (g_streq(w, "heap"))
        return (si->heap_start + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
    return g_number(w);
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    enum entry entry = ENTRY_SYSCALL;
    uint64_t nr, a[6] = {0};
    char w[TEXT_ARG_SIZE + 2];
    long ret;

    if (!g_word(&p, w, sizeof w))
        return 2;
    if (g_streq(w, "x32"))
        entry = ENTRY_X32;
    else if (g_streq(w, "int80"))
        entry = ENTRY_INT80;
    else if (g_streq(w, "vsyscall"))
        entry = ENTRY_VSYSCALL;
    if (entry != ENTRY_SYSCALL && !g_word(&p, w, sizeof w))
        return 2;
    nr = g_number(w);
    for (unsigned i = 0; i < 6 && g_word(&p, w, sizeof w); i++)
        a[i] = argument(w, i, si);
    g_puts("CALLING\n");
    switch (entry) {
    case ENTRY_X32:
        ret = raw_syscall(nr | X32_SYSCALL_BIT, a);
        break;
    case ENTRY_INT80:
        ret = int80_syscall(nr, a);
        break;
    case ENTRY_VSYSCALL:
        ret = vsyscall_call(nr, a);
        break;
    default:
        ret = raw_syscall(nr, a);
        break;
    }
    spt_printf("RETURNED %ld\n", ret);
    return 0;
}
