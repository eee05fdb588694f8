/*
 * fault: memory accesses the guest must not be able to make. The first
 * word of the command line says which; each should end in SIGSEGV.
 *
 * Driven by tests/e2e/test_guests.c (test_faults, test_exec_heap_flag).
 */
#include "guest_util.h"

static const uint8_t ret_insn[] = {0xc3}; /* x86 "ret" */
static uint8_t data_code[16] = {0xc3};

typedef void (*fn_t)(void);

void code_target(void);

__attribute__((noinline, used)) void code_target(void)
{
}

/* Copy a "ret" to p and call it: returns only if p is executable. */
static void exec_at(uint8_t *p)
{
    p[0] = ret_insn[0];
    ((fn_t)(uintptr_t)p)();
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *p = si->cmdline;
    uint8_t stack_code[16];
    char mode[32];

    if (!g_word(&p, mode, sizeof mode))
        return 2;
    spt_printf("fault: %s\n", mode);
    if (g_streq(mode, "read-null"))
        (void)*(volatile int *)(uintptr_t)0;
    else if (g_streq(mode, "write-null"))
        *(volatile int *)(uintptr_t)0 = 1;
    else if (g_streq(mode, "read-low")) /* below guest memory */
        (void)*(volatile int *)(uintptr_t)0x8000;
    else if (g_streq(mode, "bad-pointer")) /* far above guest memory */
        (void)*(volatile int *)(uintptr_t)0xdead00000000ULL;
    else if (g_streq(mode, "write-code"))
        *(volatile uint8_t *)(uintptr_t)&code_target = 0xcc;
    else if (g_streq(mode, "write-rodata"))
        *(volatile uint8_t *)(uintptr_t)ret_insn = 0;
    else if (g_streq(mode, "exec-data"))
        exec_at(data_code);
    else if (g_streq(mode, "exec-heap"))
        exec_at((uint8_t *)si->heap_start);
    else if (g_streq(mode, "exec-stack"))
        exec_at(stack_code);
    else
        return 2;
    g_puts("SURVIVED\n");
    return 0;
}
