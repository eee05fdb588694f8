/*
 * bpf_sim.h: a classic BPF interpreter for seccomp filters, for tests.
 *
 * The tests judge the policy by what the kernel would do with the BPF it
 * exports, not by the rule list it was built from. bpf_sim_check() refuses
 * what the kernel refuses to load as a seccomp filter; bpf_sim_run() checks
 * the program the same way, then runs it on one system call.
 */
#ifndef SPT_TESTS_BPF_SIM_H
#define SPT_TESTS_BPF_SIM_H

#include <stdint.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

enum bpf_sim_status {
    BPF_SIM_OK = 0,
    BPF_SIM_EMPTY,      /* no instructions */
    BPF_SIM_TOO_LONG,   /* more than BPF_MAXINSNS */
    BPF_SIM_BAD_OPCODE, /* not an instruction seccomp accepts */
    BPF_SIM_BAD_JUMP,   /* a jump to or past the end */
    BPF_SIM_BAD_LOAD,   /* outside seccomp_data, or not word-aligned */
    BPF_SIM_BAD_MEM,    /* a scratch word index >= BPF_MEMWORDS */
    BPF_SIM_UNSET_MEM,  /* a scratch word some path reads before storing */
    BPF_SIM_BAD_CONST,  /* division by constant zero, shift by 32 or more */
    BPF_SIM_NO_RETURN,  /* the last instruction is not a return */
};

/* Would the kernel load prog as a seccomp filter? */
enum bpf_sim_status bpf_sim_check(const struct sock_fprog *prog);

/*
 * Check prog, then run it on data. On BPF_SIM_OK, *result is the filter's
 * 32-bit return value (action in SECCOMP_RET_ACTION_FULL, data below).
 */
enum bpf_sim_status bpf_sim_run(const struct sock_fprog *prog,
                                const struct seccomp_data *data,
                                uint32_t *result);

const char *bpf_sim_status_name(enum bpf_sim_status status);

#endif /* SPT_TESTS_BPF_SIM_H */
