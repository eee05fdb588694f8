/*
 * test_policy.c: the seccomp allowlist (spec section 5), judged by the BPF
 * it compiles to.
 *
 * Each policy test builds a policy the way the tender does, compiles it,
 * and runs system calls through bpf_sim: what must be allowed is allowed,
 * and its neighbours (another fd, another clock, one byte further, garbage
 * in the upper 32 bits) kill the process. The simulator is tested first,
 * and one test makes the same calls under the real kernel to show that the
 * two agree.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <asm/prctl.h>
#include <linux/audit.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <seccomp.h>

#include "bpf_sim.h"
#include "policy.h"
#include "solo5/spt_abi.h"

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Descriptors as the tender might have them. */
#define CONSOLE_FD 1
#define EPOLL_FD   3
#define TIMER_FD   4
#define NET_FD     5
#define BLOCK_FD   6
#define UNUSED_FD  7 /* attached to nothing */

#define HIGH_WORD    (1ULL << 32) /* garbage in an argument's upper half */
#define X32_BIT      0x40000000u
#define GUEST_BUFFER 0x200000ULL /* some guest address */
#define RUN_FAILED   0xdeadbeefu /* what no filter here returns */

#define KiB 1024ULL
#define MiB (1024ULL * KiB)

/* What the tender offers a device of this geometry (solo5/spt_abi.h). */
static uint64_t offered_max_io(uint64_t capacity, uint64_t bs)
{
    return spt_block_dev_max_io(POLICY_BLOCK_MAX_IO, capacity, bs);
}

/* ---- the simulator itself ---- */

#define FPROG(insns)                                                           \
    ((struct sock_fprog){.len = ARRAY_SIZE(insns), .filter = (insns)})

static struct seccomp_data sample_data(void)
{
    return (struct seccomp_data){
        .nr = 42,
        .arch = AUDIT_ARCH_X86_64,
        .instruction_pointer = 0x0123456789abcdefULL,
        .args = {1, 2, 3, 4, 5, 0x1122334455667788ULL},
    };
}

static uint32_t run_ok(struct sock_fprog prog, const struct seccomp_data *d)
{
    uint32_t result = RUN_FAILED;
    enum bpf_sim_status status = bpf_sim_run(&prog, d, &result);

    if (status != BPF_SIM_OK)
        fail_msg("bpf_sim_run: %s", bpf_sim_status_name(status));
    return result;
}

static void test_sim_returns_constant_and_accumulator(void **state)
{
    struct sock_filter ret_k[] = {BPF_STMT(BPF_RET | BPF_K, 0x12345678)};
    struct sock_filter ret_nr[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct seccomp_data d = sample_data();

    (void)state;
    assert_int_equal(run_ok(FPROG(ret_k), &d), 0x12345678);
    assert_int_equal(run_ok(FPROG(ret_nr), &d), 42);
}

/* Words of seccomp_data are loaded in host (little-endian) order. */
static void test_sim_loads_words_of_seccomp_data(void **state)
{
    struct sock_filter load_at[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    static const struct {
        uint32_t offset, word;
    } words[] = {
        {0, 42},          {4, AUDIT_ARCH_X86_64},
        {8, 0x89abcdef},  {12, 0x01234567},
        {16, 1},          {20, 0},
        {56, 0x55667788}, {60, 0x11223344},
    };
    struct seccomp_data d = sample_data();

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
        load_at[0].k = words[i].offset;
        assert_int_equal(run_ok(FPROG(load_at), &d), words[i].word);
    }
}

/* Returns 1 if the jump at index 1 was taken, 2 if not. */
static uint32_t jump_taken_or_not(uint16_t jump, uint32_t a, uint32_t k,
                                  uint32_t x)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LDX | BPF_IMM, x),    /* X = x */
        BPF_STMT(BPF_LD | BPF_IMM, a),     /* A = a */
        BPF_JUMP(BPF_JMP | jump, k, 0, 1), /* A against k or X */
        BPF_STMT(BPF_RET | BPF_K, 1),      /* taken */
        BPF_STMT(BPF_RET | BPF_K, 2),      /* not taken */
    };
    struct seccomp_data d = sample_data();

    return run_ok(FPROG(prog), &d);
}

static void test_sim_jumps_compare_unsigned(void **state)
{
    (void)state;
    assert_int_equal(jump_taken_or_not(BPF_JEQ | BPF_K, 7, 7, 0), 1);
    assert_int_equal(jump_taken_or_not(BPF_JEQ | BPF_K, 7, 8, 0), 2);
    assert_int_equal(jump_taken_or_not(BPF_JEQ | BPF_X, 7, 0, 7), 1);
    assert_int_equal(jump_taken_or_not(BPF_JEQ | BPF_X, 7, 7, 8), 2);
    /* 0xffffffff is the largest value, not -1. */
    assert_int_equal(jump_taken_or_not(BPF_JGT | BPF_K, 0xffffffff, 1, 0), 1);
    assert_int_equal(jump_taken_or_not(BPF_JGT | BPF_K, 5, 5, 0), 2);
    assert_int_equal(jump_taken_or_not(BPF_JGT | BPF_X, 6, 0, 5), 1);
    assert_int_equal(jump_taken_or_not(BPF_JGE | BPF_K, 5, 5, 0), 1);
    assert_int_equal(jump_taken_or_not(BPF_JGE | BPF_K, 4, 5, 0), 2);
    assert_int_equal(jump_taken_or_not(BPF_JGE | BPF_X, 1, 0, 0x80000000), 2);
    assert_int_equal(jump_taken_or_not(BPF_JSET | BPF_K, 0x10, 0x30, 0), 1);
    assert_int_equal(jump_taken_or_not(BPF_JSET | BPF_K, 0x10, 0x20, 0), 2);
    assert_int_equal(jump_taken_or_not(BPF_JSET | BPF_X, 3, 0, 2), 1);
}

static void test_sim_jump_always_skips_k(void **state)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_JMP | BPF_JA, 2),
        BPF_STMT(BPF_RET | BPF_K, 1),
        BPF_STMT(BPF_RET | BPF_K, 2),
        BPF_STMT(BPF_RET | BPF_K, 3),
    };
    struct seccomp_data d = sample_data();

    (void)state;
    assert_int_equal(run_ok(FPROG(prog), &d), 3);
}

static void test_sim_arithmetic_and_scratch(void **state)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_IMM, 7),
        BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 5),    /* 12 */
        BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 3),    /* 36 */
        BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 6),    /* 30 */
        BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 4),    /* 7 */
        BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 4),    /* 112 */
        BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 1),    /* 56 */
        BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 1),     /* 57 */
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x3c), /* 56 */
        BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 0xff), /* 199 */
        BPF_STMT(BPF_ST, 3),
        BPF_STMT(BPF_LDX | BPF_IMM, 2),
        BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0), /* 398 */
        BPF_STMT(BPF_MISC | BPF_TAX, 0),        /* X = 398 */
        BPF_STMT(BPF_LD | BPF_MEM, 3),          /* 199 */
        BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0), /* 597 */
        BPF_STMT(BPF_ALU | BPF_NEG, 0),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct sock_filter lengths[] = {
        BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0), /* X = 64 */
        BPF_STMT(BPF_MISC | BPF_TXA, 0),        /* A = 64 */
        BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 1), /* A = 63 */
        BPF_STMT(BPF_STX, 15),                  /* M[15] = X = 64 */
        BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),  /* A = 64 */
        BPF_STMT(BPF_LDX | BPF_MEM, 15),        /* X = 64 */
        BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0), /* 128 */
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct sock_filter wraps[] = {
        BPF_STMT(BPF_LD | BPF_IMM, 0xffffffff),
        BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 2),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct seccomp_data d = sample_data();

    (void)state;
    assert_int_equal(run_ok(FPROG(prog), &d), (uint32_t)-597);
    assert_int_equal(run_ok(FPROG(lengths), &d), 128);
    assert_int_equal(run_ok(FPROG(wraps), &d), 1);
}

/* Classic BPF ends the filter with 0 (kill the thread) on A / 0. */
static void test_sim_division_by_zero_register_returns_zero(void **state)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_IMM, 10),
        BPF_STMT(BPF_LDX | BPF_IMM, 0),
        BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct seccomp_data d = sample_data();

    (void)state;
    assert_int_equal(run_ok(FPROG(prog), &d), 0);
}

static void test_sim_accepts_scratch_stored_on_every_path(void **state)
{
    struct sock_filter prog[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2),
        BPF_STMT(BPF_ST, 0),
        BPF_STMT(BPF_JMP | BPF_JA, 1),
        BPF_STMT(BPF_ST, 0),
        BPF_STMT(BPF_LD | BPF_MEM, 0),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    /*
     * The read at 6 comes straight after a path that stored nothing, but
     * only the jump at 3, after a store, leads to it.
     */
    struct sock_filter jumped_over[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2), /* 2 or 4 */
        BPF_STMT(BPF_ST, 0),
        BPF_STMT(BPF_JMP | BPF_JA, 2), /* to 6 */
        BPF_STMT(BPF_LD | BPF_IMM, 5),
        BPF_STMT(BPF_JMP | BPF_JA, 1), /* to 7 */
        BPF_STMT(BPF_LD | BPF_MEM, 0),
        BPF_STMT(BPF_RET | BPF_A, 0),
    };
    struct seccomp_data d = sample_data();

    (void)state;
    assert_int_equal(run_ok(FPROG(prog), &d), 42);
    assert_int_equal(run_ok(FPROG(jumped_over), &d), 5);
    d.nr = 0;
    assert_int_equal(run_ok(FPROG(jumped_over), &d), 0);
}

struct malformed {
    const char *what;
    unsigned short len;
    struct sock_filter insns[4];
    enum bpf_sim_status status;
};

#define LOAD_NR   BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0)
#define RET_ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static const struct malformed malformed_programs[] = {
    {"conditional jump past the end (taken)",
     3,
     {LOAD_NR, BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), RET_ALLOW},
     BPF_SIM_BAD_JUMP},
    {"conditional jump past the end (not taken)",
     3,
     {LOAD_NR, BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0, 0, 1), RET_ALLOW},
     BPF_SIM_BAD_JUMP},
    {"conditional jump far past the end",
     3,
     {LOAD_NR, BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 255, 255), RET_ALLOW},
     BPF_SIM_BAD_JUMP},
    {"jump always to the end",
     2,
     {BPF_STMT(BPF_JMP | BPF_JA, 1), RET_ALLOW},
     BPF_SIM_BAD_JUMP},
    {"jump always by 2^32 - 1",
     2,
     {BPF_STMT(BPF_JMP | BPF_JA, 0xffffffff), RET_ALLOW},
     BPF_SIM_BAD_JUMP},
    {"load at the end of seccomp_data",
     2,
     {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, sizeof(struct seccomp_data)),
      RET_ALLOW},
     BPF_SIM_BAD_LOAD},
    {"load straddling the end of seccomp_data",
     2,
     {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 62), RET_ALLOW},
     BPF_SIM_BAD_LOAD},
    {"unaligned load",
     2,
     {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), RET_ALLOW},
     BPF_SIM_BAD_LOAD},
    {"load at 2^32 - 4",
     2,
     {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0xfffffffc), RET_ALLOW},
     BPF_SIM_BAD_LOAD},
    {"byte load",
     2,
     {BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), RET_ALLOW},
     BPF_SIM_BAD_OPCODE},
    {"half-word load",
     2,
     {BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET_ALLOW},
     BPF_SIM_BAD_OPCODE},
    {"indirect load",
     2,
     {BPF_STMT(BPF_LD | BPF_W | BPF_IND, 0), RET_ALLOW},
     BPF_SIM_BAD_OPCODE},
    {"packet header length load",
     2,
     {BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), RET_ALLOW},
     BPF_SIM_BAD_OPCODE},
    {"modulo",
     3,
     {LOAD_NR, BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET_ALLOW},
     BPF_SIM_BAD_OPCODE},
    {"negation of X",
     3,
     {LOAD_NR, BPF_STMT(BPF_ALU | BPF_NEG | BPF_X, 0), RET_ALLOW},
     BPF_SIM_BAD_OPCODE},
    {"return X", 1, {BPF_STMT(BPF_RET | BPF_X, 0)}, BPF_SIM_BAD_OPCODE},
    {"opcode above 0xff",
     1,
     {BPF_STMT(0x100 | BPF_RET | BPF_K, 0)},
     BPF_SIM_BAD_OPCODE},
    {"scratch word 16",
     3,
     {LOAD_NR, BPF_STMT(BPF_ST, BPF_MEMWORDS), RET_ALLOW},
     BPF_SIM_BAD_MEM},
    {"scratch word never stored",
     2,
     {BPF_STMT(BPF_LD | BPF_MEM, 0), BPF_STMT(BPF_RET | BPF_A, 0)},
     BPF_SIM_UNSET_MEM},
    {"scratch word stored on one path only",
     4,
     {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), BPF_STMT(BPF_ST, 0),
      BPF_STMT(BPF_LDX | BPF_MEM, 0), RET_ALLOW},
     BPF_SIM_UNSET_MEM},
    {"division by constant zero",
     3,
     {LOAD_NR, BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET_ALLOW},
     BPF_SIM_BAD_CONST},
    {"shift by 32",
     3,
     {LOAD_NR, BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET_ALLOW},
     BPF_SIM_BAD_CONST},
    {"falling off the end", 1, {LOAD_NR}, BPF_SIM_NO_RETURN},
    {"last instruction not a return, though unreachable",
     2,
     {RET_ALLOW, LOAD_NR},
     BPF_SIM_NO_RETURN},
};

static void test_sim_refuses_malformed_programs(void **state)
{
    struct seccomp_data d = sample_data();

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(malformed_programs); i++) {
        const struct malformed *m = &malformed_programs[i];
        struct sock_filter insns[4];
        struct sock_fprog prog = {.len = m->len, .filter = insns};
        uint32_t result = RUN_FAILED;
        enum bpf_sim_status status;

        memcpy(insns, m->insns, sizeof insns);
        status = bpf_sim_run(&prog, &d, &result);
        if (status != m->status || bpf_sim_check(&prog) != m->status)
            fail_msg("%s: got '%s', expected '%s'", m->what,
                     bpf_sim_status_name(status),
                     bpf_sim_status_name(m->status));
        assert_int_equal(result, RUN_FAILED);
    }
}

static void test_sim_refuses_empty_and_too_long_programs(void **state)
{
    static struct sock_filter insns[BPF_MAXINSNS + 1];
    struct sock_fprog prog = {.len = 0, .filter = insns};
    struct seccomp_data d = sample_data();
    uint32_t result = RUN_FAILED;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(insns); i++)
        insns[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 7);
    assert_int_equal(bpf_sim_run(&prog, &d, &result), BPF_SIM_EMPTY);
    assert_int_equal(bpf_sim_check(NULL), BPF_SIM_EMPTY);
    prog.len = 1;
    prog.filter = NULL;
    assert_int_equal(bpf_sim_check(&prog), BPF_SIM_EMPTY);
    prog.filter = insns;
    prog.len = BPF_MAXINSNS + 1;
    assert_int_equal(bpf_sim_run(&prog, &d, &result), BPF_SIM_TOO_LONG);
    assert_int_equal(result, RUN_FAILED);
    prog.len = BPF_MAXINSNS;
    assert_int_equal(bpf_sim_run(&prog, &d, &result), BPF_SIM_OK);
    assert_int_equal(result, 7);
}

/* ---- policies ---- */

struct fixture {
    struct policy policy;
    struct policy_bpf bpf;
};

static int fixture_setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    policy_init(&f->policy);
    *state = f;
    return 0;
}

static int fixture_teardown(void **state)
{
    struct fixture *f = *state;

    policy_bpf_free(&f->bpf);
    policy_free(&f->policy);
    free(f);
    return 0;
}

/* Start again with an empty policy, within one test. */
static void fixture_reset(struct fixture *f)
{
    policy_bpf_free(&f->bpf);
    policy_free(&f->policy);
}

static void compile(struct fixture *f)
{
    int rc = policy_compile(&f->policy, &f->bpf);

    if (rc != 0)
        fail_msg("policy_compile: %s", strerror(-rc));
    assert_int_equal(bpf_sim_check(&f->bpf.prog), BPF_SIM_OK);
}

static void add_core(struct fixture *f)
{
    assert_int_equal(policy_add_core(&f->policy, EPOLL_FD, TIMER_FD), 0);
}

/* The action (SECCOMP_RET_ACTION_FULL) of the compiled filter on a call. */
static uint32_t action_on(const struct policy_bpf *bpf, uint32_t arch,
                          uint32_t nr, const uint64_t args[6])
{
    struct seccomp_data data = {
        .nr = (int)nr, .arch = arch, .instruction_pointer = 0x100000};
    uint32_t result = RUN_FAILED;
    enum bpf_sim_status status;

    memcpy(data.args, args, sizeof data.args);
    status = bpf_sim_run(&bpf->prog, &data, &result);
    if (status != BPF_SIM_OK)
        fail_msg("bpf_sim_run: %s", bpf_sim_status_name(status));
    return result & SECCOMP_RET_ACTION_FULL;
}

#define ARGS(...) ((const uint64_t[6]){__VA_ARGS__})
#define action_x86_64(f, nr, ...)                                              \
    action_on(&(f)->bpf, AUDIT_ARCH_X86_64, (nr), ARGS(__VA_ARGS__))
#define assert_allowed(f, nr, ...)                                             \
    assert_int_equal(action_x86_64(f, nr, __VA_ARGS__), SECCOMP_RET_ALLOW)
#define assert_killed(f, nr, ...)                                              \
    assert_int_equal(action_x86_64(f, nr, __VA_ARGS__),                        \
                     SECCOMP_RET_KILL_PROCESS)

static void test_core_console_write_only_on_fd_1(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_allowed(f, SYS_write, CONSOLE_FD, GUEST_BUFFER, 12);
    assert_allowed(f, SYS_write, CONSOLE_FD, 0, 0, 7, 8, 9);
    assert_killed(f, SYS_write, 2, GUEST_BUFFER, 12);
    assert_killed(f, SYS_write, 0, GUEST_BUFFER, 12);
    assert_killed(f, SYS_write, EPOLL_FD, GUEST_BUFFER, 12);
    assert_killed(f, SYS_write, CONSOLE_FD | HIGH_WORD, GUEST_BUFFER, 12);
    assert_killed(f, SYS_write, CONSOLE_FD | 1ULL << 63, GUEST_BUFFER, 12);
    assert_killed(f, SYS_write, UINT64_MAX, GUEST_BUFFER, 12);
    assert_killed(f, SYS_read, 0, GUEST_BUFFER, 12);
    assert_killed(f, SYS_read, CONSOLE_FD, GUEST_BUFFER, 12);
    assert_killed(f, SYS_writev, CONSOLE_FD, GUEST_BUFFER, 1);
    assert_killed(f, SYS_pwrite64, CONSOLE_FD, GUEST_BUFFER, 12, 0);
}

static void test_core_clocks_realtime_and_monotonic_only(void **state)
{
    static const uint64_t refused[] = {
        CLOCK_PROCESS_CPUTIME_ID,
        CLOCK_THREAD_CPUTIME_ID,
        CLOCK_MONOTONIC_RAW,
        CLOCK_REALTIME_COARSE,
        CLOCK_MONOTONIC_COARSE,
        CLOCK_BOOTTIME,
        CLOCK_TAI,
        CLOCK_REALTIME | HIGH_WORD,
        CLOCK_MONOTONIC | HIGH_WORD,
        UINT64_MAX,
    };
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_allowed(f, SYS_clock_gettime, CLOCK_REALTIME, GUEST_BUFFER);
    assert_allowed(f, SYS_clock_gettime, CLOCK_MONOTONIC, GUEST_BUFFER);
    for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
        assert_killed(f, SYS_clock_gettime, refused[i], GUEST_BUFFER);
    assert_killed(f, SYS_clock_getres, CLOCK_MONOTONIC, GUEST_BUFFER);
    assert_killed(f, SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, GUEST_BUFFER);
    assert_killed(f, SYS_gettimeofday, GUEST_BUFFER, 0);
}

static void test_core_epoll_pwait_only_on_the_epoll_fd(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_allowed(f, SYS_epoll_pwait, EPOLL_FD, GUEST_BUFFER, 2, 1000, 0, 8);
    assert_killed(f, SYS_epoll_pwait, TIMER_FD, GUEST_BUFFER, 2, 1000);
    assert_killed(f, SYS_epoll_pwait, 0, GUEST_BUFFER, 2, 1000);
    assert_killed(f, SYS_epoll_pwait, EPOLL_FD | HIGH_WORD, GUEST_BUFFER, 2);
    assert_killed(f, SYS_epoll_wait, EPOLL_FD, GUEST_BUFFER, 2, 1000);
    assert_killed(f, SYS_epoll_pwait2, EPOLL_FD, GUEST_BUFFER, 2, 0);
    assert_killed(f, SYS_epoll_ctl, EPOLL_FD, 1, NET_FD, GUEST_BUFFER);
    assert_killed(f, SYS_poll, GUEST_BUFFER, 1, 1000);
    assert_killed(f, SYS_ppoll, GUEST_BUFFER, 1, 0, 0);
}

static void test_core_timerfd_settime_only_on_the_timer_fd(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_allowed(f, SYS_timerfd_settime, TIMER_FD, 1, GUEST_BUFFER, 0);
    assert_killed(f, SYS_timerfd_settime, EPOLL_FD, 1, GUEST_BUFFER, 0);
    assert_killed(f, SYS_timerfd_settime, TIMER_FD | HIGH_WORD, 1, GUEST_BUFFER,
                  0);
    assert_killed(f, SYS_timerfd_gettime, TIMER_FD, GUEST_BUFFER);
    assert_killed(f, SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    assert_killed(f, SYS_read, TIMER_FD, GUEST_BUFFER, 8);
}

static void test_core_arch_prctl_only_sets_fs(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_allowed(f, SYS_arch_prctl, ARCH_SET_FS, 0);
    assert_allowed(f, SYS_arch_prctl, ARCH_SET_FS, GUEST_BUFFER);
    assert_killed(f, SYS_arch_prctl, ARCH_GET_FS, GUEST_BUFFER);
    assert_killed(f, SYS_arch_prctl, ARCH_SET_GS, GUEST_BUFFER);
    assert_killed(f, SYS_arch_prctl, ARCH_GET_GS, GUEST_BUFFER);
    assert_killed(f, SYS_arch_prctl, ARCH_SET_FS | HIGH_WORD, GUEST_BUFFER);
    assert_killed(f, SYS_arch_prctl, 0, 0);
    assert_killed(f, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1);
}

static void test_core_exit_group_always_exit_never(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_allowed(f, SYS_exit_group, 0);
    assert_allowed(f, SYS_exit_group, 255);
    assert_allowed(f, SYS_exit_group, UINT64_MAX, 1, 2, 3, 4, 5);
    assert_killed(f, SYS_exit, 0);
    assert_killed(f, SYS_exit, 255);
}

static bool core_allows_nr(uint32_t nr)
{
    static const uint32_t allowed[] = {
        SYS_write,           SYS_clock_gettime, SYS_epoll_pwait,
        SYS_timerfd_settime, SYS_arch_prctl,    SYS_exit_group,
    };

    for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
        if (allowed[i] == nr)
            return true;
    return false;
}

/*
 * Every other call number dies, whatever its arguments: try each with
 * arguments that would satisfy any rule's first condition.
 */
static void test_core_kills_every_other_call(void **state)
{
    static const uint64_t first_args[] = {
        0, CONSOLE_FD, EPOLL_FD, TIMER_FD, CLOCK_MONOTONIC, ARCH_SET_FS,
    };
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    for (uint32_t nr = 0; nr < 1024; nr++) {
        if (core_allows_nr(nr))
            continue;
        for (size_t i = 0; i < ARRAY_SIZE(first_args); i++) {
            uint32_t action = action_x86_64(f, nr, first_args[i]);

            if (action != SECCOMP_RET_KILL_PROCESS)
                fail_msg("call %u (arg %llu): action %#x", nr,
                         (unsigned long long)first_args[i], action);
        }
    }
    assert_killed(f, SYS_openat, (uint64_t)-100, GUEST_BUFFER, 0);
    assert_killed(f, SYS_mmap, 0, 4096, 7, 0x22, UINT64_MAX, 0);
    assert_killed(f, SYS_mprotect, GUEST_BUFFER, 4096, 7);
    assert_killed(f, SYS_brk, 0);
    assert_killed(f, SYS_execve, GUEST_BUFFER, 0, 0);
    assert_killed(f, SYS_rt_sigreturn, 0);
    assert_killed(f, SYS_getpid, 0);
    /* The tracer's "skip this call" number. */
    assert_killed(f, UINT32_MAX, 0);
}

/* An i386 (int 0x80) call dies whatever its number: 4 is write there. */
static void test_core_kills_other_architectures(void **state)
{
    static const uint32_t other_arches[] = {
        AUDIT_ARCH_I386,
        AUDIT_ARCH_AARCH64,
        0,
        AUDIT_ARCH_X86_64 ^ 1,
    };
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    for (size_t a = 0; a < ARRAY_SIZE(other_arches); a++) {
        for (uint32_t nr = 0; nr < 512; nr++) {
            uint32_t action =
                action_on(&f->bpf, other_arches[a], nr, ARGS(CONSOLE_FD, 0, 0));

            if (action != SECCOMP_RET_KILL_PROCESS)
                fail_msg("arch %#x call %u: action %#x", other_arches[a], nr,
                         action);
        }
    }
}

static void test_core_kills_x32_calls(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    compile(f);
    assert_killed(f, X32_BIT | SYS_write, CONSOLE_FD, GUEST_BUFFER, 1);
    assert_killed(f, X32_BIT | SYS_exit_group, 0);
    assert_killed(f, X32_BIT | SYS_clock_gettime, CLOCK_MONOTONIC, 0);
    assert_killed(f, X32_BIT | SYS_arch_prctl, ARCH_SET_FS, 0);
    assert_killed(f, X32_BIT | SYS_epoll_pwait, EPOLL_FD, 0, 1, 0);
    assert_killed(f, X32_BIT | 512, 0); /* x32 rt_sigaction */
    assert_killed(f, 0x80000000u | SYS_write, CONSOLE_FD, GUEST_BUFFER, 1);
}

static void test_net_device_reads_and_writes_its_fd_only(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    assert_int_equal(policy_add_net(&f->policy, NET_FD, "service"), 0);
    compile(f);
    assert_allowed(f, SYS_read, NET_FD, GUEST_BUFFER, 1514);
    assert_allowed(f, SYS_write, NET_FD, GUEST_BUFFER, 60);
    assert_allowed(f, SYS_write, CONSOLE_FD, GUEST_BUFFER, 60);
    assert_killed(f, SYS_read, 0, GUEST_BUFFER, 1514);
    assert_killed(f, SYS_read, UNUSED_FD, GUEST_BUFFER, 1514);
    assert_killed(f, SYS_write, UNUSED_FD, GUEST_BUFFER, 60);
    assert_killed(f, SYS_read, NET_FD | HIGH_WORD, GUEST_BUFFER, 1514);
    assert_killed(f, SYS_write, NET_FD | HIGH_WORD, GUEST_BUFFER, 60);
    assert_killed(f, SYS_pread64, NET_FD, GUEST_BUFFER, 512, 0);
    assert_killed(f, SYS_pwrite64, NET_FD, GUEST_BUFFER, 512, 0);
    assert_killed(f, SYS_readv, NET_FD, GUEST_BUFFER, 1);
    assert_killed(f, SYS_writev, NET_FD, GUEST_BUFFER, 1);
    assert_killed(f, SYS_sendto, NET_FD, GUEST_BUFFER, 60, 0, 0, 0);
    assert_killed(f, SYS_ioctl, NET_FD, 0x400454ca, 0);
}

static void test_two_net_devices_each_on_its_fd(void **state)
{
    struct fixture *f = *state;

    add_core(f);
    assert_int_equal(policy_add_net(&f->policy, NET_FD, "tap"), 0);
    assert_int_equal(policy_add_net(&f->policy, UNUSED_FD + 1, "tap2"), 0);
    compile(f);
    assert_allowed(f, SYS_read, NET_FD, GUEST_BUFFER, 1514);
    assert_allowed(f, SYS_read, UNUSED_FD + 1, GUEST_BUFFER, 1514);
    assert_allowed(f, SYS_write, UNUSED_FD + 1, GUEST_BUFFER, 60);
    assert_killed(f, SYS_read, UNUSED_FD, GUEST_BUFFER, 1514);
}

/* ---- block devices ---- */

static const struct {
    int nr;
    const char *name;
} block_calls[] = {{SYS_pread64, "pread64"}, {SYS_pwrite64, "pwrite64"}};

/* pread64 and pwrite64 of count bytes at offset on fd: allowed or killed. */
static void expect_io(const struct fixture *f, bool allowed, uint64_t fd,
                      uint64_t count, uint64_t offset)
{
    uint32_t want = allowed ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_PROCESS;

    for (size_t i = 0; i < ARRAY_SIZE(block_calls); i++) {
        uint32_t got = action_on(&f->bpf, AUDIT_ARCH_X86_64, block_calls[i].nr,
                                 ARGS(fd, GUEST_BUFFER, count, offset));

        if (got != want)
            fail_msg("%s(fd %#llx, count %llu, offset %#llx): %s, expected "
                     "%s",
                     block_calls[i].name, (unsigned long long)fd,
                     (unsigned long long)count, (unsigned long long)offset,
                     got == SECCOMP_RET_ALLOW ? "allowed" : "killed",
                     allowed ? "allowed" : "killed");
    }
}

#define io_allowed(f, count, offset) expect_io(f, true, BLOCK_FD, count, offset)
#define io_killed(f, count, offset)  expect_io(f, false, BLOCK_FD, count, offset)

/* What neither rule admits, however the device is configured. */
static void check_block_io_never_admitted(const struct fixture *f, uint64_t bs,
                                          uint64_t capacity)
{
    io_killed(f, bs, capacity - bs + 1);
    io_killed(f, bs, capacity);
    io_killed(f, bs, capacity + bs);
    io_killed(f, bs, 1ULL << 40);
    io_killed(f, bs, 1ULL << 63);
    io_killed(f, bs, 0 - bs); /* 2^64 - bs: offset + count wraps to 0 */
    io_killed(f, bs, UINT64_MAX);
    /* Same low word as the last block, garbage in the high word. */
    io_killed(f, bs, (capacity - bs) + HIGH_WORD);
    io_killed(f, bs, (capacity - bs) | 1ULL << 63);
    io_killed(f, bs + 1, 0);
    io_killed(f, bs - 1, 0);
    io_killed(f, bs | HIGH_WORD, 0);
    io_killed(f, UINT64_MAX, 0);
    expect_io(f, false, UNUSED_FD, bs, 0);
    expect_io(f, false, BLOCK_FD | HIGH_WORD, bs, 0);
    expect_io(f, false, CONSOLE_FD, bs, 0);
}

/* One block per call: the Solo5 tender's rule. */
static void check_single_block_io(struct fixture *f, uint64_t bs,
                                  uint64_t capacity)
{
    uint64_t last = capacity - bs;

    add_core(f);
    assert_int_equal(
        policy_add_block(&f->policy, BLOCK_FD, capacity, bs, 0, "storage"), 0);
    compile(f);
    io_allowed(f, bs, 0);
    io_allowed(f, bs, last);
    if (last >= bs) {
        io_allowed(f, bs, bs);
        io_allowed(f, bs, last - 1); /* unaligned, but inside */
    }
    if (last >> 32) {
        /* Lower high word, any low word: still below the last block. */
        io_allowed(f, bs, (last & ~0xffffffffULL) - 1);
        io_allowed(f, bs, last & ~0xffffffffULL);
    }
    check_block_io_never_admitted(f, bs, capacity);
    io_killed(f, 2 * bs, 0);
    io_killed(f, 0, 0);
    assert_killed(f, SYS_read, BLOCK_FD, GUEST_BUFFER, bs);
    assert_killed(f, SYS_write, BLOCK_FD, GUEST_BUFFER, bs);
    assert_killed(f, SYS_fallocate, BLOCK_FD, 0, 0, capacity + bs);
    assert_killed(f, SYS_ftruncate, BLOCK_FD, capacity + bs);
    assert_killed(f, SYS_preadv, BLOCK_FD, GUEST_BUFFER, 1, 0);
}

static void check_single_block_sizes(void **state, uint64_t bs)
{
    struct fixture *f = *state;

    check_single_block_io(f, bs, 64 * bs);
    fixture_reset(f);
    /* Past 4 GiB, offsets differ in both halves. */
    check_single_block_io(f, bs, (5ULL << 32) + 3 * bs);
    fixture_reset(f);
    check_single_block_io(f, bs, bs); /* a one-block device */
}

static void test_block_single_512(void **state)
{
    check_single_block_sizes(state, 512);
}

static void test_block_single_4096(void **state)
{
    check_single_block_sizes(state, 4096);
}

static void test_block_single_32768(void **state)
{
    check_single_block_sizes(state, 32768);
}

/* Several blocks per call, up to max_io, kept max_io away from the end. */
static void check_multi_block_io(struct fixture *f, uint64_t bs,
                                 uint64_t capacity)
{
    uint64_t max_io = offered_max_io(capacity, bs);
    uint64_t last_multi = capacity - max_io;

    assert_int_equal(max_io, POLICY_BLOCK_MAX_IO);
    add_core(f);
    assert_int_equal(
        policy_add_block(&f->policy, BLOCK_FD, capacity, bs, max_io, "storage"),
        0);
    compile(f);
    for (uint64_t count = bs; count <= max_io; count += bs) {
        io_allowed(f, count, 0);
        io_allowed(f, count, last_multi);
        io_killed(f, count + 1, 0);
        io_killed(f, count - 1, 0);
        io_killed(f, count | HIGH_WORD, 0);
        if (count > bs)
            io_killed(f, count, last_multi + 1);
    }
    io_killed(f, max_io, last_multi + 1);
    io_killed(f, max_io, last_multi + bs);
    io_killed(f, max_io + bs, 0);
    io_killed(f, 2 * max_io, 0);
    io_killed(f, 2 * bs, last_multi + bs);
    io_killed(f, max_io, 0 - max_io); /* offset + count wraps to 0 */
    io_killed(f, max_io, capacity);
    /* The last blocks are reached one at a time. */
    io_allowed(f, bs, capacity - bs);
    check_block_io_never_admitted(f, bs, capacity);
}

static void check_multi_block_sizes(void **state, uint64_t bs)
{
    struct fixture *f = *state;

    check_multi_block_io(f, bs, 4 * MiB + 3 * bs);
    fixture_reset(f);
    check_multi_block_io(f, bs, (5ULL << 32) + 3 * bs);
    fixture_reset(f);
    check_multi_block_io(f, bs, POLICY_BLOCK_MAX_IO); /* max_io = capacity */
}

static void test_block_multi_512(void **state)
{
    check_multi_block_sizes(state, 512);
}

static void test_block_multi_4096(void **state)
{
    check_multi_block_sizes(state, 4096);
}

static void test_block_multi_32768(void **state)
{
    check_multi_block_sizes(state, 32768);
}

/* The offer a device gets, at its edges (the guest computes the same). */
static void test_block_max_io_by_geometry(void **state)
{
    const uint64_t max = POLICY_BLOCK_MAX_IO;

    (void)state;
    assert_int_equal(offered_max_io(0, 512), 0);
    assert_int_equal(offered_max_io(max - 512, 512), 0);
    assert_int_equal(offered_max_io(max, 512), max);
    assert_int_equal(offered_max_io(1ULL << 40, 512), max);
    assert_int_equal(offered_max_io(1ULL << 40, max / 2), max);
    assert_int_equal(offered_max_io(1ULL << 40, max / 2 + 1), 0);
    assert_int_equal(offered_max_io(1ULL << 40, 0), 0);
    assert_int_equal(spt_block_dev_max_io(max, 1ULL << 40, 3 * 512), 0);
    assert_int_equal(spt_block_dev_max_io(3 * 512, 1ULL << 40, 512), 0);
    assert_int_equal(spt_block_dev_max_io(1024, 1024, 512), 1024);
    assert_int_equal(spt_block_dev_max_io(0, 1ULL << 40, 512), 0);
    assert_int_equal(spt_block_dev_max_io(1ULL << 63, UINT64_MAX, 512),
                     1ULL << 63);
    /* A power of two, so that a masked comparison can bound the count. */
    assert_int_equal(max & (max - 1), 0);
}

/* A max_io the masked rule cannot express leaves single blocks only. */
static void test_block_unusable_max_io_means_single_blocks(void **state)
{
    static const uint64_t bad_max_io[] = {
        3 * 512, /* not a power of two */
        512,     /* not more than one block */
        2 * MiB, /* larger than the device */
        POLICY_BLOCK_MAX_IO + 512,
    };
    struct fixture *f = *state;
    uint64_t capacity = 1 * MiB;

    for (size_t i = 0; i < ARRAY_SIZE(bad_max_io); i++) {
        fixture_reset(f);
        add_core(f);
        assert_int_equal(policy_add_block(&f->policy, BLOCK_FD, capacity, 512,
                                          bad_max_io[i], "storage"),
                         0);
        compile(f);
        io_allowed(f, 512, capacity - 512);
        io_killed(f, 1024, 0);
        if (bad_max_io[i] != 512)
            io_killed(f, bad_max_io[i], 0);
    }
}

static void test_block_refuses_impossible_geometry(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(policy_add_block(&f->policy, BLOCK_FD, 4096, 0, 0, "x"),
                     -EINVAL);
    assert_int_equal(policy_add_block(&f->policy, BLOCK_FD, 256, 512, 0, "x"),
                     -EINVAL);
    assert_int_equal(policy_add_block(&f->policy, BLOCK_FD, 4096, 768, 0, "x"),
                     -EINVAL);
    assert_int_equal(f->policy.n, 0);
}

static void test_block_devices_are_kept_apart(void **state)
{
    struct fixture *f = *state;
    uint64_t small = 1 * MiB, large = 64 * MiB;

    add_core(f);
    assert_int_equal(policy_add_block(&f->policy, BLOCK_FD, small, 512,
                                      offered_max_io(small, 512), "small"),
                     0);
    assert_int_equal(policy_add_block(&f->policy, UNUSED_FD, large, 4096,
                                      offered_max_io(large, 4096), "large"),
                     0);
    compile(f);
    expect_io(f, true, BLOCK_FD, 512, small - 512);
    expect_io(f, true, UNUSED_FD, 4096, large - 4096);
    /* Each fd has its own bounds and block size. */
    expect_io(f, false, BLOCK_FD, 4096, large - 4096);
    expect_io(f, false, BLOCK_FD, 512, small);
    expect_io(f, false, UNUSED_FD, 512, 0);
    expect_io(f, true, UNUSED_FD, 8192, large - POLICY_BLOCK_MAX_IO);
    expect_io(f, false, BLOCK_FD, 8192, large - POLICY_BLOCK_MAX_IO);
}

/* ---- block devices: random calls near the boundaries ---- */

struct rng {
    uint64_t state;
};

/* xorshift64*: enough to spread test cases, and reproducible. */
static uint64_t rng_next(struct rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * 0x2545f4914f6cdd1dULL;
}

static uint64_t rng_below(struct rng *r, uint64_t n)
{
    return rng_next(r) % n;
}

static uint64_t pick_offset(struct rng *r, uint64_t capacity, uint64_t max_io)
{
    switch (rng_below(r, 8)) {
    case 0:
        return rng_next(r);
    case 1:
        return 0 - rng_below(r, 2 * max_io); /* wraps around 2^64 */
    case 2:
        return rng_below(r, 2 * max_io);
    default: /* near the end, maybe past it, maybe before 0 */
        return capacity - rng_below(r, 2 * max_io + 4 * 32768) +
               rng_below(r, 3) - 1;
    }
}

static uint64_t pick_count(struct rng *r, uint64_t bs, uint64_t max_io)
{
    uint64_t count = bs * rng_below(r, max_io / bs + 3);

    switch (rng_below(r, 8)) {
    case 0:
        return rng_next(r);
    case 1:
        return count + rng_below(r, 3) - 1;
    case 2:
        return count | HIGH_WORD;
    default:
        return count;
    }
}

/* A block device as the policy sees it. */
struct block_dev {
    uint64_t fd, bs, capacity, max_io;
};

/*
 * What the filter must admit: what the guest's bindings believe it admits
 * (spt_block_io_admitted), for the offer the device got. Every call judged
 * below checks that the filter and the guest agree.
 */
static bool block_rules_admit(const struct block_dev *dev, uint64_t count,
                              uint64_t offset)
{
    uint64_t dev_max_io =
        spt_block_dev_max_io(dev->max_io, dev->capacity, dev->bs);

    return spt_block_io_admitted(dev_max_io, dev->capacity, dev->bs, offset,
                                 count);
}

struct io_tally {
    unsigned allowed, killed;
};

/*
 * One call through the filter. It must agree with the rules, and whatever
 * it admits must lie inside the device: offset + count <= capacity.
 */
static void judge_io(const struct fixture *f, const struct block_dev *dev,
                     uint64_t count, uint64_t offset, struct io_tally *tally)
{
    const char *call = block_calls[offset & 1].name;
    uint32_t action =
        action_on(&f->bpf, AUDIT_ARCH_X86_64, block_calls[offset & 1].nr,
                  ARGS(dev->fd, GUEST_BUFFER, count, offset));
    bool inside = count <= dev->capacity && offset <= dev->capacity - count;
    bool admit = block_rules_admit(dev, count, offset);

    if (action != SECCOMP_RET_ALLOW && action != SECCOMP_RET_KILL_PROCESS)
        fail_msg("%s: action %#x", call, action);
    if (action == SECCOMP_RET_ALLOW && !inside)
        fail_msg("%s(fd %llu, count %llu, offset %llu) admitted on a device "
                 "of %llu bytes",
                 call, (unsigned long long)dev->fd, (unsigned long long)count,
                 (unsigned long long)offset, (unsigned long long)dev->capacity);
    if ((action == SECCOMP_RET_ALLOW) != admit)
        fail_msg("%s(fd %llu, count %llu, offset %llu), block %llu, capacity "
                 "%llu, max_io %llu: %s, the rules say %s",
                 call, (unsigned long long)dev->fd, (unsigned long long)count,
                 (unsigned long long)offset, (unsigned long long)dev->bs,
                 (unsigned long long)dev->capacity,
                 (unsigned long long)dev->max_io,
                 action == SECCOMP_RET_ALLOW ? "allowed" : "killed",
                 admit ? "allowed" : "killed");
    if (action == SECCOMP_RET_ALLOW)
        tally->allowed++;
    else
        tally->killed++;
}

/* count and count + 1 bytes at the offsets where the bounds bite. */
static void judge_boundary_offsets(const struct fixture *f,
                                   const struct block_dev *dev, uint64_t count,
                                   struct io_tally *tally)
{
    uint64_t end = dev->capacity;
    const uint64_t offsets[] = {
        end - dev->max_io - 1, end - dev->max_io,
        end - dev->max_io + 1, end - count - 1,
        end - count,           end - count + 1,
        end - dev->bs - 1,     end - dev->bs,
        end - dev->bs + 1,     0,
    };

    for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
        judge_io(f, dev, count, offsets[i], tally);
        judge_io(f, dev, count + 1, offsets[i], tally);
    }
}

/* Every multiple of the block size up to past max_io. */
static void judge_boundary_grid(const struct fixture *f,
                                const struct block_dev *dev,
                                struct io_tally *tally)
{
    for (uint64_t count = 0; count <= dev->max_io + 2 * dev->bs;
         count += dev->bs)
        judge_boundary_offsets(f, dev, count, tally);
}

/* A policy with the core rules and dev, compiled. */
static void build_block_policy(struct fixture *f, const struct block_dev *dev)
{
    fixture_reset(f);
    add_core(f);
    assert_int_equal(policy_add_block(&f->policy, (int)dev->fd, dev->capacity,
                                      dev->bs, dev->max_io, "storage"),
                     0);
    compile(f);
}

#define RANDOM_CALLS 3000
#define RNG_SEED     0x5eccu

static void test_block_admitted_io_stays_inside(void **state)
{
    static const uint64_t block_sizes[] = {512, 4096, 32768};
    struct fixture *f = *state;
    struct rng rng = {.state = RNG_SEED};
    struct io_tally tally = {0, 0};

    for (size_t b = 0; b < ARRAY_SIZE(block_sizes); b++) {
        uint64_t bs = block_sizes[b];
        const uint64_t capacities[] = {
            POLICY_BLOCK_MAX_IO, 4 * MiB + 3 * bs, (5ULL << 32) + 3 * bs,
            POLICY_BLOCK_MAX_IO - bs, /* too small for multi-block */
        };

        for (size_t c = 0; c < ARRAY_SIZE(capacities); c++) {
            struct block_dev dev = {BLOCK_FD, bs, capacities[c],
                                    offered_max_io(capacities[c], bs)};

            build_block_policy(f, &dev);
            judge_boundary_grid(f, &dev, &tally);
            for (int i = 0; i < RANDOM_CALLS; i++) {
                uint64_t offset =
                    pick_offset(&rng, dev.capacity, POLICY_BLOCK_MAX_IO);
                uint64_t count = pick_count(&rng, bs, POLICY_BLOCK_MAX_IO);

                judge_io(f, &dev, count, offset, &tally);
            }
        }
    }
    print_message("block I/O near the boundaries (seed %#x): %u allowed, %u "
                  "killed, none past the end\n",
                  RNG_SEED, tally.allowed, tally.killed);
    /* Both outcomes must be common, or the property says little. */
    assert_true(tally.allowed > (tally.allowed + tally.killed) / 20);
    assert_true(tally.killed > (tally.allowed + tally.killed) / 20);
}

/* ---- size: the largest policy the tender can build ---- */

#define MANY_BLOCK_DEVICES 63
#define MANY_FIRST_FD      10

/* Device i: distinct block sizes and capacities, half of them past 4 GiB. */
static struct block_dev many_device(unsigned i)
{
    static const uint64_t sizes[] = {512, 4096, 32768};
    uint64_t capacity = ((uint64_t)(i / 2) << 32) + (i + 1) * MiB;

    uint64_t bs = sizes[i % ARRAY_SIZE(sizes)];

    return (struct block_dev){MANY_FIRST_FD + i, bs, capacity,
                              offered_max_io(capacity, bs)};
}

/* The counts where one device's rules change their answer. */
static void judge_device_bounds(const struct fixture *f,
                                const struct block_dev *dev,
                                struct io_tally *tally)
{
    const uint64_t counts[] = {
        0,           dev->bs,
        2 * dev->bs, dev->max_io - dev->bs,
        dev->max_io, dev->max_io + dev->bs,
    };

    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        judge_boundary_offsets(f, dev, counts[i], tally);
}

static void test_policy_compile_sizes(void **state)
{
    struct fixture *f = *state;
    struct block_dev first = many_device(0);
    struct block_dev last = many_device(MANY_BLOCK_DEVICES - 1);
    struct io_tally tally = {0, 0};

    add_core(f);
    compile(f);
    print_message("core policy: %zu rules, %u BPF instructions\n", f->policy.n,
                  f->bpf.prog.len);
    policy_bpf_free(&f->bpf);

    for (unsigned i = 0; i < MANY_BLOCK_DEVICES; i++) {
        struct block_dev dev = many_device(i);

        assert_int_equal(policy_add_block(&f->policy, (int)dev.fd, dev.capacity,
                                          dev.bs, dev.max_io, "disk"),
                         0);
    }
    assert_int_equal(policy_add_net(&f->policy, NET_FD, "service"), 0);
    compile(f);
    print_message("core + %d block devices (multi-block) + 1 net device: %zu "
                  "rules, %u BPF instructions (limit %d)\n",
                  MANY_BLOCK_DEVICES, f->policy.n, f->bpf.prog.len,
                  BPF_MAXINSNS);
    assert_true(f->bpf.prog.len <= BPF_MAXINSNS);

    for (unsigned i = 0; i < MANY_BLOCK_DEVICES; i++) {
        struct block_dev dev = many_device(i);

        judge_device_bounds(f, &dev, &tally);
    }
    expect_io(f, true, first.fd, first.bs, first.capacity - first.bs);
    expect_io(f, true, last.fd, last.max_io, last.capacity - last.max_io);
    /* The first device's fd does not get the last one's bounds. */
    expect_io(f, false, first.fd, last.bs, last.capacity - last.bs);
    expect_io(f, false, last.fd + 1, 512, 0);
    assert_allowed(f, SYS_read, NET_FD, GUEST_BUFFER, 1514);
    assert_allowed(f, SYS_write, NET_FD, GUEST_BUFFER, 60);
    assert_killed(f, SYS_pread64, NET_FD, GUEST_BUFFER, 512, 0);
    assert_killed(f, SYS_read, first.fd, GUEST_BUFFER, 512);
    assert_allowed(f, SYS_write, CONSOLE_FD, GUEST_BUFFER, 1);
    assert_killed(f, SYS_write, 2, GUEST_BUFFER, 1);
    assert_allowed(f, SYS_exit_group, 0);
    assert_killed(f, X32_BIT | SYS_write, CONSOLE_FD, GUEST_BUFFER, 1);
}

/* Too many rules for one filter: refused cleanly. */
static void test_policy_compile_refuses_oversized_filter(void **state)
{
    struct fixture *f = *state;

    /* About 28 instructions a device: 150 devices do not fit. */
    add_core(f);
    for (int i = 0; i < 150; i++)
        assert_int_equal(policy_add_block(&f->policy, 10 + i, 1ULL << 30, 512,
                                          POLICY_BLOCK_MAX_IO, "disk"),
                         0);
    assert_int_equal(policy_compile(&f->policy, &f->bpf), -E2BIG);
    assert_null(f->bpf.prog.filter);
    assert_int_equal(f->bpf.prog.len, 0);
}

static void test_policy_compile_reports_rule_libseccomp_refuses(void **state)
{
    struct fixture *f = *state;
    struct policy_rule bad = {.nr = SYS_write, .nargs = 1};

    bad.arg[0] = (struct policy_arg){
        .index = 6, .cmp = POLICY_EQ, .value = 1, .name = "seventh"};
    add_core(f);
    assert_int_equal(policy_add(&f->policy, &bad), 0);
    assert_true(policy_compile(&f->policy, &f->bpf) < 0);
    assert_null(f->bpf.prog.filter);
}

static void test_policy_add_refuses_too_many_conditions(void **state)
{
    struct fixture *f = *state;
    struct policy_rule r = {.nr = SYS_write, .nargs = POLICY_MAX_ARGS + 1};

    assert_int_equal(policy_add(&f->policy, &r), -EINVAL);
    assert_int_equal(f->policy.n, 0);
}

/* ---- the listing for humans ---- */

static char *print_to_string(const struct fixture *f, bool with_bpf)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    assert_non_null(out);
    policy_print(&f->policy, with_bpf ? &f->bpf : NULL, out);
    assert_int_equal(fclose(out), 0);
    return text;
}

static unsigned count_lines(const char *text)
{
    unsigned n = 0;

    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void test_policy_print_lists_every_rule(void **state)
{
    static const char *const expected[] = {
        "allow write(1) if fd == 1",
        "allow clock_gettime(228) if clock == 1",
        "allow clock_gettime(228) if clock == 0",
        "allow epoll_pwait(281) if epfd == 3",
        "allow timerfd_settime(286) if fd == 4",
        "allow arch_prctl(158) if code == 4098",
        "allow exit_group(231)",
        "allow read(0) if fd == 5",
        "allow write(1) if fd == 5",
        "allow pread64(17) if fd == 6 && count == 512 && offset <= 1048064",
        "allow pwrite64(18) if fd == 6 && count == 512 && offset <= 1048064",
        "allow pread64(17) if fd == 6 && (count & 0xfffffffffffc01ff) == 0 "
        "&& offset <= 786432",
        "allow pwrite64(18) if fd == 6 && count == 262144 && offset <= 786432",
        "# storage",
        "# console",
        "# service",
    };
    struct fixture *f = *state;
    char *text;

    add_core(f);
    assert_int_equal(policy_add_net(&f->policy, NET_FD, "service"), 0);
    assert_int_equal(policy_add_block(&f->policy, BLOCK_FD, 1 * MiB, 512,
                                      offered_max_io(1 * MiB, 512), "storage"),
                     0);
    compile(f);
    text = print_to_string(f, true);
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
        if (strstr(text, expected[i]) == NULL)
            fail_msg("'%s' missing from:\n%s", expected[i], text);
    /* A two-line header, then one line per rule. */
    assert_int_equal(count_lines(text), 2 + f->policy.n);
    {
        char header[128];

        snprintf(header, sizeof header, "%zu rules, %u BPF instructions",
                 f->policy.n, f->bpf.prog.len);
        assert_non_null(strstr(text, header));
    }
    free(text);

    text = print_to_string(f, false);
    assert_non_null(strstr(text, "0 BPF instructions"));
    free(text);
}

/* ---- the kernel agrees with the simulator ---- */

/* Descriptors no test process has open: an admitted call gets EBADF. */
#define K_EPOLL_FD 900
#define K_TIMER_FD 901
#define K_NET_FD   902
#define K_BLOCK_FD 903
#define K_CAPACITY (1 * MiB)

#define CHILD_NO_SECCOMP 97

enum verdict {
    VERDICT_ALLOWED,
    VERDICT_KILLED,
    VERDICT_NO_SECCOMP,
    VERDICT_OTHER
};

struct kernel_call {
    const char *what;
    bool int80; /* i386 system call: nr is i386's */
    uint32_t nr;
    uint64_t args[6];
};

/* A call of the native (x86_64) convention. */
#define NATIVE(what, nr, ...)                                                  \
    ((struct kernel_call){(what), false, (nr), {__VA_ARGS__}})

static uint64_t current_fs_base(void)
{
    uint64_t base = 0;

    assert_int_equal(syscall(SYS_arch_prctl, ARCH_GET_FS, &base), 0);
    return base;
}

static void __attribute__((noreturn))
child_make_call(const struct policy_bpf *bpf, const struct kernel_call *c)
{
    struct rlimit no_core = {0, 0};

    /* The calls that die must not leave core files behind. */
    setrlimit(RLIMIT_CORE, &no_core);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (policy_install(bpf) != 0)
        syscall(SYS_exit_group, CHILD_NO_SECCOMP);
    if (c->int80) {
        long nr = c->nr;

        __asm__ volatile("int $0x80"
                         : "+a"(nr)
                         :
                         : "memory", "r8", "r9", "r10", "r11");
    } else {
        syscall(c->nr, c->args[0], c->args[1], c->args[2], c->args[3],
                c->args[4], c->args[5]);
    }
    syscall(SYS_exit_group, 0);
    _exit(CHILD_NO_SECCOMP); /* not reached: exit_group is allowed */
}

static enum verdict kernel_verdict(const struct policy_bpf *bpf,
                                   const struct kernel_call *c)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid != -1);
    if (pid == 0)
        child_make_call(bpf, c);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return VERDICT_ALLOWED;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_SECCOMP)
        return VERDICT_NO_SECCOMP;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
        return VERDICT_KILLED;
    /* A kernel without 32-bit emulation faults int 0x80 instead. */
    if (c->int80 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
        return VERDICT_KILLED;
    return VERDICT_OTHER;
}

static void test_kernel_agrees_with_simulator(void **state)
{
    static const int closed_fds[] = {K_EPOLL_FD, K_TIMER_FD, K_NET_FD,
                                     K_BLOCK_FD};
    struct fixture *f = *state;
    struct timespec ts;
    /* The child keeps its own TLS: ARCH_SET_FS to the base it has. */
    uint64_t fs_base = current_fs_base(), buf = (uintptr_t)&ts;
    uint64_t bs = 512, max_io = offered_max_io(K_CAPACITY, bs);
    const struct kernel_call calibrate =
        NATIVE("exit_group(0)", SYS_exit_group, 0);
    const struct kernel_call calls[] = {
        NATIVE("write(1, buf, 0)", SYS_write, 1, buf, 0),
        NATIVE("write(2, buf, 0)", SYS_write, 2, buf, 0),
        NATIVE("write(1 | 1 << 32)", SYS_write, 1 | HIGH_WORD, buf, 0),
        NATIVE("read(0, buf, 0)", SYS_read, 0, buf, 0),
        NATIVE("read(net fd)", SYS_read, K_NET_FD, buf, 0),
        NATIVE("write(net fd)", SYS_write, K_NET_FD, buf, 0),
        NATIVE("clock_gettime(REALTIME)", SYS_clock_gettime, 0, buf),
        NATIVE("clock_gettime(MONOTONIC)", SYS_clock_gettime, 1, buf),
        NATIVE("clock_gettime(MONOTONIC_RAW)", SYS_clock_gettime, 4, buf),
        NATIVE("epoll_pwait(epoll fd)", SYS_epoll_pwait, K_EPOLL_FD, buf, 1, 0,
               0, 8),
        NATIVE("epoll_pwait(timer fd)", SYS_epoll_pwait, K_TIMER_FD, buf, 1, 0,
               0, 8),
        NATIVE("epoll_wait(epoll fd)", SYS_epoll_wait, K_EPOLL_FD, buf, 1),
        NATIVE("timerfd_settime(timer fd)", SYS_timerfd_settime, K_TIMER_FD, 0,
               buf, 0),
        NATIVE("arch_prctl(ARCH_SET_FS, same base)", SYS_arch_prctl,
               ARCH_SET_FS, fs_base),
        NATIVE("arch_prctl(ARCH_GET_FS)", SYS_arch_prctl, ARCH_GET_FS, buf),
        NATIVE("pread64(block, one block, last)", SYS_pread64, K_BLOCK_FD, buf,
               bs, K_CAPACITY - bs),
        NATIVE("pread64(block, one block, past the end)", SYS_pread64,
               K_BLOCK_FD, buf, bs, K_CAPACITY - bs + 1),
        NATIVE("pwrite64(block, max_io, last)", SYS_pwrite64, K_BLOCK_FD, buf,
               max_io, K_CAPACITY - max_io),
        NATIVE("pwrite64(block, max_io, past the end)", SYS_pwrite64,
               K_BLOCK_FD, buf, max_io, K_CAPACITY - max_io + bs),
        NATIVE("pwrite64(block, offset 2^63)", SYS_pwrite64, K_BLOCK_FD, buf,
               bs, 1ULL << 63),
        NATIVE("exit(0)", SYS_exit, 0),
        NATIVE("getpid()", SYS_getpid, 0),
        NATIVE("x32 write(1)", X32_BIT | SYS_write, 1, buf, 0),
        {"i386 getpid()", true, 20, {0}},
    };
    enum verdict v;

    for (size_t i = 0; i < ARRAY_SIZE(closed_fds); i++) {
        if (fcntl(closed_fds[i], F_GETFD) != -1) {
            print_message("kernel check skipped: fd %d is open\n",
                          closed_fds[i]);
            skip();
        }
    }
    assert_int_equal(policy_add_core(&f->policy, K_EPOLL_FD, K_TIMER_FD), 0);
    assert_int_equal(policy_add_net(&f->policy, K_NET_FD, "service"), 0);
    assert_int_equal(policy_add_block(&f->policy, K_BLOCK_FD, K_CAPACITY, bs,
                                      max_io, "storage"),
                     0);
    compile(f);

    v = kernel_verdict(&f->bpf, &calibrate);
    if (v != VERDICT_ALLOWED) {
        /* No seccomp here, or something (valgrind) makes calls of its own. */
        print_message("kernel check skipped: exit_group under the filter %s\n",
                      v == VERDICT_NO_SECCOMP ? "could not be installed"
                                              : "did not exit cleanly");
        skip();
    }
    for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
        const struct kernel_call *c = &calls[i];
        uint32_t arch = c->int80 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
        uint32_t sim = action_on(&f->bpf, arch, c->nr, c->args);

        v = kernel_verdict(&f->bpf, c);
        if (v != (sim == SECCOMP_RET_ALLOW ? VERDICT_ALLOWED : VERDICT_KILLED))
            fail_msg("%s: the simulator says %s, the kernel %s", c->what,
                     sim == SECCOMP_RET_ALLOW ? "allowed" : "killed",
                     v == VERDICT_ALLOWED  ? "allowed"
                     : v == VERDICT_KILLED ? "killed"
                                           : "neither");
    }
}

#define POLICY_TEST(t)                                                         \
    cmocka_unit_test_setup_teardown(t, fixture_setup, fixture_teardown)

/*
 * libseccomp asks the kernel which actions it may use, and without an
 * answer (valgrind does not know seccomp(2)) refuses SCMP_ACT_KILL_PROCESS.
 * These tests compile and simulate; the kernel test skips itself where
 * the kernel cannot take a filter. Level 3 is every kernel since 4.14, and
 * the BPF for these policies is the same as at any higher level.
 */
static void seccomp_api_at_least_kill_process(void)
{
    if (seccomp_api_get() < 3 && seccomp_api_set(3) != 0)
        fprintf(stderr, "cannot set the libseccomp API level\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sim_returns_constant_and_accumulator),
        cmocka_unit_test(test_sim_loads_words_of_seccomp_data),
        cmocka_unit_test(test_sim_jumps_compare_unsigned),
        cmocka_unit_test(test_sim_jump_always_skips_k),
        cmocka_unit_test(test_sim_arithmetic_and_scratch),
        cmocka_unit_test(test_sim_division_by_zero_register_returns_zero),
        cmocka_unit_test(test_sim_accepts_scratch_stored_on_every_path),
        cmocka_unit_test(test_sim_refuses_malformed_programs),
        cmocka_unit_test(test_sim_refuses_empty_and_too_long_programs),
        POLICY_TEST(test_core_console_write_only_on_fd_1),
        POLICY_TEST(test_core_clocks_realtime_and_monotonic_only),
        POLICY_TEST(test_core_epoll_pwait_only_on_the_epoll_fd),
        POLICY_TEST(test_core_timerfd_settime_only_on_the_timer_fd),
        POLICY_TEST(test_core_arch_prctl_only_sets_fs),
        POLICY_TEST(test_core_exit_group_always_exit_never),
        POLICY_TEST(test_core_kills_every_other_call),
        POLICY_TEST(test_core_kills_other_architectures),
        POLICY_TEST(test_core_kills_x32_calls),
        POLICY_TEST(test_net_device_reads_and_writes_its_fd_only),
        POLICY_TEST(test_two_net_devices_each_on_its_fd),
        POLICY_TEST(test_block_single_512),
        POLICY_TEST(test_block_single_4096),
        POLICY_TEST(test_block_single_32768),
        POLICY_TEST(test_block_multi_512),
        POLICY_TEST(test_block_multi_4096),
        POLICY_TEST(test_block_multi_32768),
        cmocka_unit_test(test_block_max_io_by_geometry),
        POLICY_TEST(test_block_unusable_max_io_means_single_blocks),
        POLICY_TEST(test_block_refuses_impossible_geometry),
        POLICY_TEST(test_block_devices_are_kept_apart),
        POLICY_TEST(test_block_admitted_io_stays_inside),
        POLICY_TEST(test_policy_compile_sizes),
        POLICY_TEST(test_policy_compile_refuses_oversized_filter),
        POLICY_TEST(test_policy_compile_reports_rule_libseccomp_refuses),
        POLICY_TEST(test_policy_add_refuses_too_many_conditions),
        POLICY_TEST(test_policy_print_lists_every_rule),
        POLICY_TEST(test_kernel_agrees_with_simulator),
    };

    seccomp_api_at_least_kill_process();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
