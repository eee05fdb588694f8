/*
 * launch.c: the launch region made ready, then entered (see launch.h).
 *
 * Three mappings outlive the tender: the blob's code (read+execute, the
 * guest's entry point written into it), the plan (read-only: what to unmap,
 * where the filter is, how to reset the registers, and the text `ps` shows)
 * and the signal stack, which the launch code also runs on and whose bottom
 * holds the filter until it is installed. Everything else goes: the
 * tender's text, data, heap and stack, glibc's buffers, the environment
 * and the auxiliary vector; [vvar]/[vdso] too unless the guest was handed
 * the vDSO clock. The complement of what stays is unmapped, so nothing the
 * tender or glibc mapped can be missed.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errf.h"
#include "launch.h"
#include "solo5/spt_abi.h"
#include "tender.h"

#define PAGE            4096UL
#define USER_TOP        0x7ffffffff000UL /* 47-bit user space */
#define SIGNAL_STACK    (64 * 1024UL)    /* the filter at most 32 KiB */
#define LEGACY_AREA     512              /* FXSAVE's area */
#define XSAVE_HEADER    64
#define MXCSR_DEFAULT   0x1f80
#define FCW_DEFAULT     0x037f
/* AMX tile data: off until a process asks; XRSTOR must not touch it. */
#define XFEATURE_XTILEDATA (1ULL << 18)

static size_t page_round(size_t n)
{
    return (n + PAGE - 1) & ~(PAGE - 1);
}

static void *map_rw(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    return p == MAP_FAILED ? NULL : p;
}

/* The blob, copied; the guest's entry point in its slot. */
static int code_map(struct launch *l, uint64_t entry)
{
    size_t size = (size_t)(__stop_spt_launch - __start_spt_launch);
    size_t slot = (size_t)((const char *)&launch_entry_slot -
                           __start_spt_launch);

    l->code_size = page_round(size);
    l->code = map_rw(l->code_size);
    if (l->code == NULL)
        return -1;
    memcpy(l->code, __start_spt_launch, size);
    memcpy((char *)l->code + slot, &entry, sizeof entry);
    return mprotect(l->code, l->code_size, PROT_READ | PROT_EXEC);
}

/* Where blob symbol sym lives in the copy. */
static uint64_t in_code(const struct launch *l, const void *sym)
{
    return (uint64_t)(uintptr_t)l->code +
           (uint64_t)((const char *)sym - __start_spt_launch);
}

/* How the CPU's vector and x87 state can be put back to its reset values. */
static enum launch_fpu fpu_kind(uint64_t *xsave_mask, size_t *area_size)
{
    unsigned a, b, c, d;
    uint32_t lo, hi;

    *area_size = LEGACY_AREA;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return LAUNCH_FPU_FXRSTOR;
    if (!(c & bit_XSAVE) || !(c & bit_OSXSAVE))
        return LAUNCH_FPU_FXRSTOR;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    *xsave_mask = ((uint64_t)hi << 32 | lo) & ~XFEATURE_XTILEDATA;
    __cpuid_count(0xd, 0, a, b, c, d);
    *area_size = b > LEGACY_AREA + XSAVE_HEADER ? b
                                                : LEGACY_AREA + XSAVE_HEADER;
    return LAUNCH_FPU_XRSTOR;
}

/*
 * The legacy area with x87 and MXCSR at their defaults; a zero XSAVE
 * header asks XRSTOR for the initial state of every other component.
 */
static void fpu_area_fill(uint8_t *area)
{
    uint16_t fcw = FCW_DEFAULT;
    uint32_t mxcsr = MXCSR_DEFAULT;

    memcpy(area + 0, &fcw, sizeof fcw);
    memcpy(area + 24, &mxcsr, sizeof mxcsr);
}

/*
 * The text /proc/PID/cmdline shows once the original stack is gone:
 * "solo5-spt", then the guest's own words (never the paths or options).
 */
static size_t ps_text(const struct spt_opts *opts, char *buf, size_t size)
{
    static const char name[] = "solo5-spt";
    size_t len = sizeof name;

    if (buf)
        memcpy(buf, name, sizeof name);
    for (int i = 0; i < opts->guest_argc; i++) {
        size_t n = strlen(opts->guest_argv[i]) + 1;

        if (buf && len + n <= size)
            memcpy(buf + len, opts->guest_argv[i], n);
        len += n;
    }
    return len;
}

/*
 * Point the kernel's idea of our command line at that text; the other
 * fields keep their values (from /proc/self/stat). Unprivileged processes
 * may do this; if the kernel refuses, ps shows an empty command line and
 * the README says how to find the guest.
 */
static void ps_show(const char *text, size_t len)
{
    unsigned long v[52] = {0};
    struct prctl_mm_map map = {.exe_fd = (uint32_t)-1};
    char line[2048], *p;
    FILE *f = fopen("/proc/self/stat", "re");
    int n = 0;

    if (f == NULL)
        return;
    p = fgets(line, sizeof line, f);
    fclose(f);
    if (p == NULL || (p = strrchr(line, ')')) == NULL)
        return;
    /* Fields from 3 (state) on; v[k] is field k + 3. */
    for (p += 2; n < 52 && *p; n++) {
        v[n] = strtoul(p, &p, 10);
        while (*p == ' ')
            p++;
        if (n == 0) /* the state is a letter */
            p = strchr(p, ' ') ? strchr(p, ' ') + 1 : p + strlen(p);
    }
    if (n < 49)
        return;
    map.start_code = v[23];
    map.end_code = v[24];
    map.start_stack = v[25];
    map.start_data = v[42];
    map.end_data = v[43];
    map.start_brk = v[44];
    map.brk = (uint64_t)(uintptr_t)sbrk(0);
    map.arg_start = (uint64_t)(uintptr_t)text;
    map.arg_end = map.arg_start + len;
    map.env_start = map.env_end = map.arg_end;
    (void)prctl(PR_SET_MM, PR_SET_MM_MAP, &map, sizeof map, 0);
}

/* Sorted insertion of a range to keep. */
static void keep(struct launch_range *kept, unsigned *n, uint64_t start,
                 uint64_t end)
{
    unsigned i = *n;

    while (i > 0 && kept[i - 1].start > start) {
        kept[i] = kept[i - 1];
        i--;
    }
    kept[i] = (struct launch_range){start, end};
    (*n)++;
}

/* Everything from 0 to the top of user space but the kept ranges. */
static int unmap_plan(struct launch_plan *plan, const struct launch_range *kept,
                      unsigned nkept)
{
    uint64_t at = 0;

    plan->nunmap = 0;
    for (unsigned i = 0; i <= nkept; i++) {
        uint64_t next = i < nkept ? kept[i].start : USER_TOP;

        if (next > at) {
            if (plan->nunmap == LAUNCH_MAX_UNMAP)
                return -1;
            plan->unmap[plan->nunmap++] = (struct launch_range){at, next};
        }
        if (i < nkept && kept[i].end > at)
            at = kept[i].end;
    }
    return 0;
}

/* The filter at the bottom of the signal stack, where it will be zeroed. */
static void filter_place(struct launch *l, const struct policy_bpf *bpf)
{
    struct sock_fprog *fprog = l->stack;
    struct sock_filter *insns = (struct sock_filter *)(fprog + 1);
    size_t bytes = bpf->prog.len * sizeof *insns;

    memcpy(insns, bpf->prog.filter, bytes);
    fprog->len = bpf->prog.len;
    fprog->filter = insns;
    l->plan->fprog = (uint64_t)(uintptr_t)fprog;
    l->plan->filter_copy = (struct launch_range){
        (uint64_t)(uintptr_t)fprog, (uint64_t)(uintptr_t)(insns) + bytes};
}

/* What the fork server needs (launch.h); nothing unless it serves. */
static void fuzz_plan(const struct tender *t, struct launch_fuzz *lf)
{
    const struct fuzz *f = &t->fuzz;

    if (!f->serve)
        return;
    *lf = (struct launch_fuzz){
        .serve = 1,
        .hello = fuzz_hello(f),
        .shm_input = f->shm_input,
        .persistent_max = t->opts.fuzz_persistent,
        .input = f->input_ours ? (uint64_t)(uintptr_t)f->input : 0,
        .input_size = f->input_ours ? f->input_size : 0,
        .epollfd = t->epollfd,
        .timerfd = t->timerfd,
        .done_r = f->done_r,
        .done_w = f->done_w,
        .next_r = f->next_r,
        .next_w = f->next_w,
    };
}

int launch_prepare(const struct tender *t, struct launch *l, char *err,
                   size_t errlen)
{
    struct launch_range kept[10];
    unsigned nkept = 0;
    uint64_t xsave_mask = 0;
    size_t fpu_size, ps_len = ps_text(&t->opts, NULL, 0), size;
    enum launch_fpu fpu = fpu_kind(&xsave_mask, &fpu_size);
    uint8_t *area;

    memset(l, 0, sizeof *l);
    size = page_round(sizeof *l->plan + 64 + fpu_size + ps_len);
    l->plan = map_rw(size);
    l->stack = map_rw(SIGNAL_STACK);
    if (l->plan == NULL || l->stack == NULL || code_map(l, t->img.entry))
        return errf(err, errlen, "cannot map the launch region: %s",
                    strerror(errno));
    l->plan_size = size;
    l->stack_size = SIGNAL_STACK;
    if (t->bpf.prog.len * sizeof(struct sock_filter) +
            sizeof(struct sock_fprog) > SIGNAL_STACK / 2)
        return errf(err, errlen, "the seccomp filter is too large to launch");

    l->plan->guest_sp = t->opts.mem_size - 8;
    l->plan->boot_info = SPT_BOOT_INFO_BASE;
    l->plan->stack = (struct launch_range){
        (uint64_t)(uintptr_t)l->stack,
        (uint64_t)(uintptr_t)l->stack + SIGNAL_STACK};
    l->plan->seccomp_flags =
        t->opts.supervise ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    filter_place(l, &t->bpf);

    area = (uint8_t *)(((uintptr_t)(l->plan + 1) + 63) & ~(uintptr_t)63);
    fpu_area_fill(area);
    l->plan->fpu = fpu;
    l->plan->xsave_mask = xsave_mask;
    l->plan->fpu_area = (uint64_t)(uintptr_t)area;

    snprintf(l->plan->msg_unmap, LAUNCH_MSG_SIZE,
             "solo5-spt: cannot unmap the tender: errno ");
    snprintf(l->plan->msg_filter, LAUNCH_MSG_SIZE,
             "solo5-spt: cannot install the seccomp filter: errno ");
    snprintf(l->plan->msg_fork, LAUNCH_MSG_SIZE,
             "solo5-spt: fork server: cannot start a child: errno ");
    snprintf(l->plan->msg_child, LAUNCH_MSG_SIZE,
             "solo5-spt: fork server: cannot prepare a child: errno ");
    fuzz_plan(t, &l->plan->fuzz);

    keep(kept, &nkept, SPT_HOST_MEM_BASE, t->opts.mem_size);
    keep(kept, &nkept, (uint64_t)(uintptr_t)l->code,
         (uint64_t)(uintptr_t)l->code + l->code_size);
    keep(kept, &nkept, (uint64_t)(uintptr_t)l->plan,
         (uint64_t)(uintptr_t)l->plan + size);
    keep(kept, &nkept, l->plan->stack.start, l->plan->stack.end);
    for (unsigned i = 0; i < t->vdso.n; i++)
        keep(kept, &nkept, t->vdso.range[i].start, t->vdso.range[i].end);
    if (t->fuzz.cov_map)
        keep(kept, &nkept, (uint64_t)(uintptr_t)t->fuzz.cov_map,
             (uint64_t)(uintptr_t)t->fuzz.cov_map +
                 page_round(t->fuzz.cov_size));
    if (t->fuzz.input)
        keep(kept, &nkept, (uint64_t)(uintptr_t)t->fuzz.input,
             (uint64_t)(uintptr_t)t->fuzz.input +
                 page_round(t->fuzz.input_size));
    if (unmap_plan(l->plan, kept, nkept) == -1)
        return errf(err, errlen, "too many mappings to keep");

    ps_text(&t->opts, (char *)area + fpu_size, ps_len);
    ps_show((char *)area + fpu_size, ps_len);
    if (mprotect(l->plan, size, PROT_READ) == -1)
        return errf(err, errlen, "cannot protect the launch plan: %s",
                    strerror(errno));
    return 0;
}

/*
 * The kernel's [vvar] pages and [vdso], kept for a guest handed the vDSO
 * clock. Without /proc they cannot be found: no clock record then.
 */
int launch_find_vdso(struct launch_vdso *v)
{
    char line[512];
    FILE *f = fopen("/proc/self/maps", "re");

    v->n = 0;
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long start, end;

        if ((strstr(line, "[vvar") || strstr(line, "[vdso]")) &&
            sscanf(line, "%lx-%lx", &start, &end) == 2 &&
            v->n < LAUNCH_MAX_VDSO)
            v->range[v->n++] = (struct launch_range){start, end};
    }
    fclose(f);
    return v->n > 0 ? 0 : -1;
}

uint64_t launch_handler(const struct launch *l)
{
    return in_code(l, launch_signal_exit);
}

uint64_t launch_restorer(const struct launch *l)
{
    return in_code(l, launch_sigreturn);
}

/*
 * glibc registers a restartable-sequence area in the thread's TLS, which
 * the kernel writes on every return to the process: once the TLS is
 * unmapped that write would fail and kill us. Unregistering needs the
 * length it was registered with: glibc's __rseq_size, or 32 where newer
 * glibcs export a smaller feature size.
 */
static int rseq_unregister(void)
{
    void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

    if (__rseq_size == 0)
        return 0;
    if (syscall(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER,
                RSEQ_SIG) == 0)
        return 0;
    return (int)syscall(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG);
}

void launch_go(const struct launch *l)
{
    void (*enter)(const struct launch_plan *, uint64_t) =
        (void (*)(const struct launch_plan *, uint64_t))(uintptr_t)in_code(
            l, launch_enter);

    if (rseq_unregister() == -1)
        die("cannot unregister the C library's rseq area: %s",
            strerror(errno));
    enter(l->plan, (uint64_t)(uintptr_t)l->stack + SIGNAL_STACK);
    __builtin_unreachable();
}
