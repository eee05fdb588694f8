/*
 * bpf_sim.c: a classic BPF interpreter for seccomp filters, for tests.
 *
 * Semantics are the kernel's for seccomp: A and X start at 0, arithmetic
 * is unsigned 32-bit, absolute loads read native-endian words of struct
 * seccomp_data, jumps only go forward, and the program ends by returning.
 * The load-time rules are the kernel's too, so that a test cannot pass on
 * a program the kernel would refuse.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "bpf_sim.h"

#define ALL_SCRATCH_WORDS ((1u << BPF_MEMWORDS) - 1)

/* The instructions seccomp accepts: classic BPF without packet access. */
static bool opcode_allowed(uint16_t code)
{
    if (code > 0xff)
        return false;
    switch (BPF_CLASS(code)) {
    case BPF_LD:
        return code == (BPF_LD | BPF_W | BPF_ABS) ||
               code == (BPF_LD | BPF_W | BPF_LEN) ||
               code == (BPF_LD | BPF_IMM) || code == (BPF_LD | BPF_MEM);
    case BPF_LDX:
        return code == (BPF_LDX | BPF_W | BPF_LEN) ||
               code == (BPF_LDX | BPF_IMM) || code == (BPF_LDX | BPF_MEM);
    case BPF_ST:
    case BPF_STX:
        return code == BPF_CLASS(code);
    case BPF_ALU:
        switch (BPF_OP(code)) {
        case BPF_ADD:
        case BPF_SUB:
        case BPF_MUL:
        case BPF_DIV:
        case BPF_OR:
        case BPF_AND:
        case BPF_LSH:
        case BPF_RSH:
        case BPF_XOR:
            return true;
        case BPF_NEG:
            return BPF_SRC(code) == BPF_K;
        default: /* BPF_MOD included: seccomp refuses it */
            return false;
        }
    case BPF_JMP:
        switch (BPF_OP(code)) {
        case BPF_JA:
            return BPF_SRC(code) == BPF_K;
        case BPF_JEQ:
        case BPF_JGT:
        case BPF_JGE:
        case BPF_JSET:
            return true;
        default:
            return false;
        }
    case BPF_RET:
        return code == (BPF_RET | BPF_K) || code == (BPF_RET | BPF_A);
    case BPF_MISC:
        return code == (BPF_MISC | BPF_TAX) || code == (BPF_MISC | BPF_TXA);
    default:
        return false;
    }
}

static bool uses_scratch(uint16_t code)
{
    return code == (BPF_LD | BPF_MEM) || code == (BPF_LDX | BPF_MEM) ||
           code == BPF_ST || code == BPF_STX;
}

/* The operands of one allowed instruction, at index pc of len. */
static enum bpf_sim_status check_operands(const struct sock_filter *insn,
                                          uint32_t pc, uint32_t len)
{
    uint16_t code = insn->code;
    uint64_t next = (uint64_t)pc + 1;

    if (code == (BPF_LD | BPF_W | BPF_ABS) &&
        (insn->k >= sizeof(struct seccomp_data) || insn->k % 4 != 0))
        return BPF_SIM_BAD_LOAD;
    if (uses_scratch(code) && insn->k >= BPF_MEMWORDS)
        return BPF_SIM_BAD_MEM;
    if (code == (BPF_ALU | BPF_DIV | BPF_K) && insn->k == 0)
        return BPF_SIM_BAD_CONST;
    if ((code == (BPF_ALU | BPF_LSH | BPF_K) ||
         code == (BPF_ALU | BPF_RSH | BPF_K)) &&
        insn->k >= 32)
        return BPF_SIM_BAD_CONST;
    if (code == (BPF_JMP | BPF_JA) && next + insn->k >= len)
        return BPF_SIM_BAD_JUMP;
    if (BPF_CLASS(code) == BPF_JMP && code != (BPF_JMP | BPF_JA) &&
        (next + insn->jt >= len || next + insn->jf >= len))
        return BPF_SIM_BAD_JUMP;
    return BPF_SIM_OK;
}

/*
 * A scratch word may be read only where every path to the read stored it.
 * Jumps go forward, so one pass in program order sees every way into an
 * instruction before the instruction itself: stored_into[pc] is what all
 * jumps into pc have stored, and a jump ends the straight-line path.
 */
static enum bpf_sim_status check_scratch_stores(const struct sock_filter *insns,
                                                uint32_t len)
{
    uint16_t stored_into[BPF_MAXINSNS];
    uint16_t stored = 0;

    for (uint32_t pc = 0; pc < len; pc++)
        stored_into[pc] = ALL_SCRATCH_WORDS;
    for (uint32_t pc = 0; pc < len; pc++) {
        const struct sock_filter *insn = &insns[pc];

        stored &= stored_into[pc];
        if (insn->code == BPF_ST || insn->code == BPF_STX) {
            stored |= 1u << insn->k;
        } else if (uses_scratch(insn->code)) {
            if (!(stored & (1u << insn->k)))
                return BPF_SIM_UNSET_MEM;
        } else if (insn->code == (BPF_JMP | BPF_JA)) {
            stored_into[pc + 1 + insn->k] &= stored;
            stored = ALL_SCRATCH_WORDS;
        } else if (BPF_CLASS(insn->code) == BPF_JMP) {
            stored_into[pc + 1 + insn->jt] &= stored;
            stored_into[pc + 1 + insn->jf] &= stored;
            stored = ALL_SCRATCH_WORDS;
        }
    }
    return BPF_SIM_OK;
}

enum bpf_sim_status bpf_sim_check(const struct sock_fprog *prog)
{
    enum bpf_sim_status status;

    if (prog == NULL || prog->filter == NULL || prog->len == 0)
        return BPF_SIM_EMPTY;
    if (prog->len > BPF_MAXINSNS)
        return BPF_SIM_TOO_LONG;
    for (uint32_t pc = 0; pc < prog->len; pc++) {
        if (!opcode_allowed(prog->filter[pc].code))
            return BPF_SIM_BAD_OPCODE;
        status = check_operands(&prog->filter[pc], pc, prog->len);
        if (status != BPF_SIM_OK)
            return status;
    }
    if (BPF_CLASS(prog->filter[prog->len - 1].code) != BPF_RET)
        return BPF_SIM_NO_RETURN;
    return check_scratch_stores(prog->filter, prog->len);
}

/* What an LD or LDX instruction loads. */
static uint32_t load_value(const struct sock_filter *insn,
                           const struct seccomp_data *data,
                           const uint32_t *scratch)
{
    uint32_t word;

    switch (BPF_MODE(insn->code)) {
    case BPF_ABS:
        memcpy(&word, (const unsigned char *)data + insn->k, sizeof word);
        return word;
    case BPF_LEN:
        return sizeof(struct seccomp_data);
    case BPF_MEM:
        return scratch[insn->k];
    case BPF_IMM:
    default:
        return insn->k;
    }
}

/*
 * A = A op operand. Returns false on division by zero, where the kernel
 * ends the filter with return value 0. Shift counts are taken modulo 32,
 * as x86_64 does.
 */
static bool alu_apply(uint16_t code, uint32_t *a, uint32_t operand)
{
    switch (BPF_OP(code)) {
    case BPF_ADD:
        *a += operand;
        break;
    case BPF_SUB:
        *a -= operand;
        break;
    case BPF_MUL:
        *a *= operand;
        break;
    case BPF_DIV:
        if (operand == 0)
            return false;
        *a /= operand;
        break;
    case BPF_OR:
        *a |= operand;
        break;
    case BPF_AND:
        *a &= operand;
        break;
    case BPF_LSH:
        *a <<= operand % 32;
        break;
    case BPF_RSH:
        *a >>= operand % 32;
        break;
    case BPF_XOR:
        *a ^= operand;
        break;
    case BPF_NEG:
        *a = -*a;
        break;
    }
    return true;
}

/* How many instructions a jump skips. */
static uint32_t jump_skip(const struct sock_filter *insn, uint32_t a,
                          uint32_t operand)
{
    bool taken;

    switch (BPF_OP(insn->code)) {
    case BPF_JA:
        return insn->k;
    case BPF_JEQ:
        taken = a == operand;
        break;
    case BPF_JGT:
        taken = a > operand;
        break;
    case BPF_JGE:
        taken = a >= operand;
        break;
    case BPF_JSET:
    default:
        taken = (a & operand) != 0;
        break;
    }
    return taken ? insn->jt : insn->jf;
}

enum bpf_sim_status bpf_sim_run(const struct sock_fprog *prog,
                                const struct seccomp_data *data,
                                uint32_t *result)
{
    uint32_t a = 0, x = 0, scratch[BPF_MEMWORDS] = {0};
    enum bpf_sim_status status = bpf_sim_check(prog);
    uint32_t pc = 0;

    if (status != BPF_SIM_OK)
        return status;
    /* The check rules out running past the end; the bound stays anyway. */
    while (pc < prog->len) {
        const struct sock_filter *insn = &prog->filter[pc++];
        uint32_t operand = BPF_SRC(insn->code) == BPF_X ? x : insn->k;

        switch (BPF_CLASS(insn->code)) {
        case BPF_LD:
            a = load_value(insn, data, scratch);
            break;
        case BPF_LDX:
            x = load_value(insn, data, scratch);
            break;
        case BPF_ST:
            scratch[insn->k] = a;
            break;
        case BPF_STX:
            scratch[insn->k] = x;
            break;
        case BPF_ALU:
            if (!alu_apply(insn->code, &a, operand)) {
                *result = 0;
                return BPF_SIM_OK;
            }
            break;
        case BPF_JMP:
            pc += jump_skip(insn, a, operand);
            break;
        case BPF_RET:
            *result = BPF_RVAL(insn->code) == BPF_A ? a : insn->k;
            return BPF_SIM_OK;
        case BPF_MISC:
            if (BPF_MISCOP(insn->code) == BPF_TAX)
                x = a;
            else
                a = x;
            break;
        }
    }
    return BPF_SIM_NO_RETURN;
}

const char *bpf_sim_status_name(enum bpf_sim_status status)
{
    static const char *const names[] = {
        [BPF_SIM_OK] = "ok",
        [BPF_SIM_EMPTY] = "empty program",
        [BPF_SIM_TOO_LONG] = "more than BPF_MAXINSNS instructions",
        [BPF_SIM_BAD_OPCODE] = "instruction seccomp refuses",
        [BPF_SIM_BAD_JUMP] = "jump out of the program",
        [BPF_SIM_BAD_LOAD] = "load outside seccomp_data or unaligned",
        [BPF_SIM_BAD_MEM] = "scratch memory index out of range",
        [BPF_SIM_UNSET_MEM] = "scratch word read before it is stored",
        [BPF_SIM_BAD_CONST] = "division by zero or shift of 32 or more",
        [BPF_SIM_NO_RETURN] = "last instruction is not a return",
    };

    if ((unsigned)status >= sizeof names / sizeof names[0])
        return "unknown status";
    return names[status];
}
