/*
 * regs: the registers as the tender hands them over, recorded by the very
 * first instruction the guest runs and printed by solo5_app_main.
 *
 * Driven by tests/e2e/test_process.c (test_registers_at_entry).
 *
 * Linked with -Wl,-e,regs_entry (tests/module.mk): regs_entry stores every
 * general register and the flags, XSAVEs every component XCR0 enables,
 * stores the x87 control word and MXCSR, then goes on to the normal
 * _start with %rdi and %rsp as they came. The manifest declares a block
 * device only so that the test can hand it a long path.
 *
 * Printed, one per line: each general register and rflags ("rax 0x0"),
 * "fcw", "mxcsr", "xcr0" and "xstate_bv" likewise; then "x87 init" or
 * "x87 fsw=... ftw=... st=zero|nonzero"; then each vector register, as
 * wide as the CPU has it (zmm0-31 with AVX-512, ymm0-15 with AVX, else
 * xmm0-15), and k0-k7 with AVX-512: "NAME 0", or "NAME BYTES |TEXT|" with
 * the bytes in memory order and their printable characters; last, each
 * other component XCR0 enables: "component N init|zero|nonzero".
 */
#include "guest_util.h"

#define XSAVE_AREA_SIZE 16384

uint64_t entry_gpr[16];
uint64_t entry_rflags;
uint16_t entry_fcw;
uint32_t entry_mxcsr;
uint8_t entry_xsave[XSAVE_AREA_SIZE] __attribute__((aligned(64)));

/* In the order of entry_gpr. */
static const char *const gpr_names[16] = {
    "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
};

/*
 * XSAVE before any x87 or SSE instruction (fnstcw, stmxcsr), so that the
 * header's XSTATE_BV shows what the tender left, not what we touched.
 * %rax and %rdx are the mask (all components XCR0 enables).
 */
__asm__(".text\n"
        ".globl regs_entry\n"
        ".type regs_entry, @function\n"
        "regs_entry:\n"
        "    mov %rax, entry_gpr+0(%rip)\n"
        "    mov %rbx, entry_gpr+8(%rip)\n"
        "    mov %rcx, entry_gpr+16(%rip)\n"
        "    mov %rdx, entry_gpr+24(%rip)\n"
        "    mov %rsi, entry_gpr+32(%rip)\n"
        "    mov %rdi, entry_gpr+40(%rip)\n"
        "    mov %rbp, entry_gpr+48(%rip)\n"
        "    mov %rsp, entry_gpr+56(%rip)\n"
        "    mov %r8, entry_gpr+64(%rip)\n"
        "    mov %r9, entry_gpr+72(%rip)\n"
        "    mov %r10, entry_gpr+80(%rip)\n"
        "    mov %r11, entry_gpr+88(%rip)\n"
        "    mov %r12, entry_gpr+96(%rip)\n"
        "    mov %r13, entry_gpr+104(%rip)\n"
        "    mov %r14, entry_gpr+112(%rip)\n"
        "    mov %r15, entry_gpr+120(%rip)\n"
        "    pushfq\n"
        "    popq entry_rflags(%rip)\n"
        "    mov $-1, %eax\n"
        "    mov $-1, %edx\n"
        "    xsave64 entry_xsave(%rip)\n"
        "    fnstcw entry_fcw(%rip)\n"
        "    stmxcsr entry_mxcsr(%rip)\n"
        "    mov entry_gpr+40(%rip), %rdi\n"
        "    jmp _start\n"
        ".size regs_entry, . - regs_entry\n");

static uint64_t xcr0(void)
{
    uint32_t lo, hi;

    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

static uint64_t xstate_bv(void)
{
    uint64_t bv;

    __builtin_memcpy(&bv, entry_xsave + 512, sizeof bv);
    return bv;
}

/* Where component i starts in the standard XSAVE format (CPUID 0xD). */
static uint32_t component_offset(unsigned i)
{
    uint32_t a, b, c, d;

    __asm__ volatile("cpuid"
                     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
                     : "a"(0xd), "c"(i));
    return b;
}

static uint32_t xsave_size(void)
{
    return component_offset(0); /* sub-leaf 0: EBX is the whole area */
}

/* n bytes of component i of register r (each r taking n bytes), or 0s. */
static void component_bytes(unsigned comp, uint32_t offset, unsigned r,
                            unsigned n, uint8_t *out)
{
    for (unsigned k = 0; k < n; k++)
        out[k] = (xstate_bv() >> comp) & 1
                     ? entry_xsave[offset + r * n + k]
                     : 0; /* the component's initial state */
}

static void print_bytes(const char *name, unsigned r, const uint8_t *b,
                        unsigned n)
{
    bool zero = true;

    for (unsigned k = 0; k < n; k++)
        zero = zero && b[k] == 0;
    if (zero) {
        spt_printf("%s%u 0\n", name, r);
        return;
    }
    spt_printf("%s%u ", name, r);
    for (unsigned k = 0; k < n; k++)
        spt_printf("%02x", b[k]);
    spt_printf(" |");
    for (unsigned k = 0; k < n; k++)
        spt_printf("%c", b[k] >= 0x20 && b[k] < 0x7f ? b[k] : '.');
    spt_printf("|\n");
}

/* The legacy area's x87 part: FSW at 2, abridged FTW at 4, ST0-7 at 32. */
static void print_x87(void)
{
    bool st_zero = true;
    uint16_t fsw;

    if (!(xstate_bv() & 1)) {
        spt_printf("x87 init\n");
        return;
    }
    for (unsigned k = 32; k < 160; k++)
        st_zero = st_zero && entry_xsave[k] == 0;
    __builtin_memcpy(&fsw, entry_xsave + 2, sizeof fsw);
    spt_printf("x87 fsw=0x%x ftw=0x%x st=%s\n", fsw, entry_xsave[4],
               st_zero ? "zero" : "nonzero");
}

/*
 * Register r, as wide as the CPU has it: xmm from the legacy area (SSE,
 * component 1), the next 128 bits from component 2 (AVX), the upper 256
 * of zmm0-15 from component 6 and all of zmm16-31 from component 7.
 */
static void print_vector(uint64_t x, unsigned r)
{
    uint8_t b[64] = {0};
    bool avx = x & (1 << 2), avx512 = (x & 0xe0) == 0xe0;

    if (r < 16) {
        component_bytes(1, 160, r, 16, b);
        if (avx)
            component_bytes(2, component_offset(2), r, 16, b + 16);
        if (avx512)
            component_bytes(6, component_offset(6), r, 32, b + 32);
    } else {
        component_bytes(7, component_offset(7), r - 16, 64, b);
    }
    print_bytes(avx512 ? "zmm" : avx ? "ymm" : "xmm", r, b,
                avx512 ? 64 : avx ? 32 : 16);
}

/* Components 2 and up the vector lines do not show (PKRU, AMX, ...). */
static void print_other_components(uint64_t x)
{
    for (unsigned i = 2; i < 64; i++) {
        uint32_t a, b, c, d;
        bool zero = true;

        if (!((x >> i) & 1) || i == 2 || (i >= 5 && i <= 7))
            continue;
        if (!((xstate_bv() >> i) & 1)) {
            spt_printf("component %u init\n", i);
            continue;
        }
        __asm__ volatile("cpuid"
                         : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
                         : "a"(0xd), "c"(i));
        for (uint32_t k = 0; k < a && b + k < XSAVE_AREA_SIZE; k++)
            zero = zero && entry_xsave[b + k] == 0;
        spt_printf("component %u %s\n", i, zero ? "zero" : "nonzero");
    }
}

int solo5_app_main(const struct solo5_start_info *si)
{
    uint64_t x = xcr0();
    bool avx512 = (x & 0xe0) == 0xe0;

    (void)si;
    SPT_ASSERT(xsave_size() <= XSAVE_AREA_SIZE);
    for (unsigned i = 0; i < 16; i++)
        spt_printf("%s 0x%lx\n", gpr_names[i], entry_gpr[i]);
    spt_printf("rflags 0x%lx\n", entry_rflags);
    spt_printf("fcw 0x%x\n", entry_fcw);
    spt_printf("mxcsr 0x%x\n", entry_mxcsr);
    spt_printf("xcr0 0x%lx\n", x);
    spt_printf("xstate_bv 0x%lx\n", xstate_bv());
    print_x87();
    for (unsigned r = 0; r < (avx512 ? 32u : 16u); r++)
        print_vector(x, r);
    if (avx512)
        for (unsigned r = 0; r < 8; r++) {
            uint8_t b[8];

            component_bytes(5, component_offset(5), r, 8, b);
            print_bytes("k", r, b, 8);
        }
    print_other_components(x);
    g_puts("DONE\n");
    return 0;
}
