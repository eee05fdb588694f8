/*
 * launch.h: the last steps before the guest, run from a region of their own.
 *
 * The tender cannot leave itself out of the guest's address space while
 * it runs there, so its last acts are done by a few hundred bytes of code
 * with no C library (launch_blob.c), copied into a fresh read+execute
 * mapping, reading a plan from a read-only one and running on the signal
 * stack. That code unmaps everything else, installs the allowlist, resets
 * every register and jumps. What stays mapped is listed in the README.
 *
 * The plan is plain data shared by both sides: C99 types only.
 */
#ifndef SPT_LAUNCH_H
#define SPT_LAUNCH_H

#include <stdint.h>

#define LAUNCH_MAX_UNMAP 20
#define LAUNCH_MSG_SIZE  64

/* AFL++'s fork-server pipes: it reads our messages on one, we its own on
 * the other (its include/config.h FORKSRV_FD). */
#define LAUNCH_FORKSRV_CTL 198
#define LAUNCH_FORKSRV_ST  199

struct launch_range {
    uint64_t start, end;
};

/* How the vector and x87 state is reset. */
enum launch_fpu {
    LAUNCH_FPU_NONE,   /* no x87/SSE state to reset (not on x86_64) */
    LAUNCH_FPU_FXRSTOR, /* legacy area only: x87, MXCSR, xmm0-15 */
    LAUNCH_FPU_XRSTOR, /* every enabled component to its initial state */
};

/*
 * AFL++'s fork server (--x-fuzz under a fuzzer): the launch code serves
 * on descriptors 198 and 199 and each child it forks becomes the guest.
 */
struct launch_fuzz {
    uint32_t serve;
    uint32_t hello;          /* the options offered, AFL++'s first message */
    uint32_t shm_input;      /* AFL++ puts each input in shared memory */
    uint32_t persistent_max; /* inputs a child takes; 0: one each */
    int64_t fuzzer;          /* AFL++'s pid: the server dies with it */
    uint64_t input;          /* else our region: uint32_t length, bytes */
    uint64_t input_size;     /* the region's size (0: AFL++'s memory) */
    uint64_t input_max;      /* the most bytes an input has */
    int32_t epollfd, timerfd; /* made anew for each child, same numbers */
    int32_t done_r, done_w, next_r, next_w; /* persistent mode's pipes */
};

/* What launch_main() is told to do; see launch.c for who fills what. */
struct launch_plan {
    uint64_t guest_sp;  /* mem_size - 8 */
    uint64_t boot_info; /* %rdi at entry */

    /* Unmapped first: everything but guest memory, the launch region,
     * the signal stack and the kernel's [vvar]/[vdso] when kept. */
    uint64_t nunmap;
    struct launch_range unmap[LAUNCH_MAX_UNMAP];

    /* The allowlist waits at the bottom of the signal stack (a struct
     * sock_fprog, then the program) and is zeroed once installed. */
    uint64_t fprog;
    struct launch_range filter_copy;
    uint64_t seccomp_flags; /* SECCOMP_FILTER_FLAG_NEW_LISTENER or 0 */

    /* The signal stack, which the launch code runs on. */
    struct launch_range stack;

    /* Register state at entry. */
    uint64_t fpu;        /* enum launch_fpu */
    uint64_t xsave_mask; /* the components XRSTOR initialises */
    uint64_t fpu_area;   /* 64-byte aligned, in this plan's region */

    struct launch_fuzz fuzz;

    /* How each way a launch can fail begins ("solo5-spt: ...: errno "),
     * the number is added by the launch code. */
    char msg_unmap[LAUNCH_MSG_SIZE];
    char msg_filter[LAUNCH_MSG_SIZE];
    char msg_fork[LAUNCH_MSG_SIZE];
    char msg_child[LAUNCH_MSG_SIZE];
};

/*
 * In the blob (launch_blob.c), found by the tender at the same offsets in
 * its copy: the entry, which switches to stack_top and runs the plan; the
 * handler for SIGTERM, SIGINT and SIGHUP and its (never used) restorer;
 * the 8 bytes the guest's entry point is written to.
 */
void launch_enter(const struct launch_plan *plan, uint64_t stack_top)
    __attribute__((noreturn));
void launch_signal_exit(int sig);
void launch_sigreturn(void);
extern uint64_t launch_entry_slot;

/* The blob's extent in the tender (the linker names a section's ends). */
extern const char __start_spt_launch[], __stop_spt_launch[];

#endif /* SPT_LAUNCH_H */
