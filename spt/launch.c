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
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <elf.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/platform/x86.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "errf.h"
#include "launch.h"
#include "solo5/spt_abi.h"
#include "tender.h"

#define USER_TOP        0x7ffffffff000UL /* 47-bit user space */
#define SIGNAL_STACK    (64 * 1024UL)    /* the filter at most 32 KiB */
#define FPU_AREA        (512 + 64)       /* legacy area, XSAVE header */
#define MXCSR_DEFAULT   0x1f80
#define FCW_DEFAULT     0x037f
/* Left as they are: AMX tile data (off until a process asks; XRSTOR must
 * not touch it) and the protection-key rights (the kernel's default
 * denies access through keys the guest never allocated). */
#define XFEATURE_PKRU      (1ULL << 9)
#define XFEATURE_XTILEDATA (1ULL << 18)

static size_t page_round(size_t n)
{
    return (n + SPT_PAGE_SIZE - 1) & ~(SPT_PAGE_SIZE - 1);
}

/* The blob, copied to the start of the region; the guest's entry point in
 * its slot. */
static void code_copy(struct launch *l, uint64_t entry)
{
    size_t size = (size_t)(__stop_spt_launch - __start_spt_launch);
    size_t slot = (size_t)((const char *)&launch_entry_slot -
                           __start_spt_launch);

    memcpy(l->code, __start_spt_launch, size);
    memcpy((char *)l->code + slot, &entry, sizeof entry);
}

extern void *__libc_stack_end; /* glibc's: where our stack began */
extern const char __ehdr_start[]; /* the linker's: our ELF header */

/* Where blob symbol sym lives in the copy. */
static uint64_t in_code(const struct launch *l, const void *sym)
{
    return (uint64_t)(uintptr_t)l->code +
           (uint64_t)((const char *)sym - __start_spt_launch);
}

/*
 * How the CPU's vector and x87 state can be put back to its reset values.
 * glibc has asked the CPU already (CPUID is slow in a virtual machine).
 * XRSTOR with a header that asks for the initial state of a component
 * never reads that component's area, so the legacy area and the header
 * are all it reads, whatever the CPU has; RFBM is every component but the
 * two below (the CPU keeps to XCR0's).
 */
static enum launch_fpu fpu_kind(uint64_t *xsave_mask)
{
    *xsave_mask = ~(XFEATURE_XTILEDATA | XFEATURE_PKRU);
    if (CPU_FEATURE_ACTIVE(XSAVE) && CPU_FEATURE_ACTIVE(OSXSAVE))
        return LAUNCH_FPU_XRSTOR;
    return LAUNCH_FPU_FXRSTOR;
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

/* A small /proc file from its descriptor, whole, without stdio; its
 * length or -1. */
static ssize_t text_read(int fd, char *buf, size_t size)
{
    size_t len = 0;
    ssize_t n = 1;

    while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
        len += (size_t)n;
    if (n < 0)
        return -1;
    buf[len] = '\0';
    return (ssize_t)len;
}

/*
 * Point the kernel's idea of our command line at that text. PR_SET_MM_MAP
 * (allowed unprivileged) sets the other fields too: the code and data of
 * the executable, from its program headers as the kernel computed them;
 * the heap where it ends now; a stack address that was ours. If the kernel
 * refuses, ps shows an empty command line and the README says how to find
 * the guest.
 */
static void ps_show(const char *text, size_t len)
{
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    size_t phnum = getauxval(AT_PHNUM);
    struct prctl_mm_map map = {.start_code = ~0UL,
                               .start_stack =
                                   (uint64_t)(uintptr_t)__libc_stack_end,
                               .exe_fd = (uint32_t)-1};
    uint64_t bias = 0;

    /* The load bias: where the segment holding the ELF header went. */
    for (size_t i = 0; ph && i < phnum; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
            bias = (uint64_t)(uintptr_t)__ehdr_start - ph[i].p_vaddr;
    for (size_t i = 0; ph && i < phnum; i++) {
        uint64_t start = bias + ph[i].p_vaddr, end = start + ph[i].p_filesz;

        if (ph[i].p_type != PT_LOAD)
            continue;
        if ((ph[i].p_flags & PF_X) && start < map.start_code)
            map.start_code = start;
        if ((ph[i].p_flags & PF_X) && end > map.end_code)
            map.end_code = end;
        if (start > map.start_data)
            map.start_data = start;
        if (end > map.end_data)
            map.end_data = end;
    }
    map.start_brk = map.brk = (uint64_t)(uintptr_t)sbrk(0);
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
        .fuzzer = getppid(),
        .input = f->input_ours ? (uint64_t)(uintptr_t)f->input : 0,
        .input_size = f->input_ours ? f->input_size : 0,
        .input_max = SPT_FUZZ_INPUT_MAX,
        .epollfd = t->epollfd,
        .timerfd = t->timerfd,
        .done_r = f->done_r,
        .done_w = f->done_w,
        .next_r = f->next_r,
        .next_w = f->next_w,
    };
}

/* Room at the top of the signal stack for the launch code's own frames
 * and a signal's, above the filter at its bottom. */
#define STACK_ROOM (16 * 1024UL)

/* One mapping: the code, the signal stack, the plan and what follows it
 * (the FPU area, the text ps shows); each part protected once written. */
static int region_map(const struct tender *t, struct launch *l,
                      size_t plan_size)
{
    memset(l, 0, sizeof *l);
    l->code_size =
        page_round((size_t)(__stop_spt_launch - __start_spt_launch));
    l->stack_size = SIGNAL_STACK;
    l->plan_size = plan_size;
    l->code = mmap(NULL, l->code_size + l->stack_size + plan_size,
                   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (l->code == MAP_FAILED)
        return -1;
    l->stack = (char *)l->code + l->code_size;
    l->plan = (struct launch_plan *)((char *)l->stack + l->stack_size);
    code_copy(l, t->img.entry);
    return 0;
}

/* The plan's messages for a launch that fails: the launch code adds the
 * errno. */
static void plan_messages(struct launch_plan *plan)
{
    snprintf(plan->msg_unmap, LAUNCH_MSG_SIZE,
             "solo5-spt: cannot unmap the tender: errno ");
    snprintf(plan->msg_filter, LAUNCH_MSG_SIZE,
             "solo5-spt: cannot install the seccomp filter: errno ");
    snprintf(plan->msg_fork, LAUNCH_MSG_SIZE,
             "solo5-spt: fork server: cannot start a child: errno ");
    snprintf(plan->msg_child, LAUNCH_MSG_SIZE,
             "solo5-spt: fork server: cannot prepare a child: errno ");
}

/* What stays mapped: guest memory, the launch region, the vDSO when the
 * guest has its clock, and a fuzzing run's map and input. */
static int plan_unmap(const struct tender *t, const struct launch *l)
{
    struct launch_range kept[3 + LAUNCH_MAX_VDSO + 2];
    unsigned nkept = 0;

    keep(kept, &nkept, SPT_HOST_MEM_BASE, t->opts.mem_size);
    keep(kept, &nkept, (uint64_t)(uintptr_t)l->code,
         (uint64_t)(uintptr_t)l->plan + l->plan_size);
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
    return unmap_plan(l->plan, kept, nkept);
}

int launch_prepare(const struct tender *t, struct launch *l, char *err,
                   size_t errlen)
{
    size_t ps_len = ps_text(&t->opts, NULL, 0);
    struct launch_plan *plan;
    uint8_t *area;
    char *ps;

    if (region_map(t, l, page_round(sizeof *plan + 64 + FPU_AREA + ps_len)))
        return errf(err, errlen, "cannot map the launch region: %s",
                    strerror(errno));
    if (t->bpf.prog.len * sizeof(struct sock_filter) +
            sizeof(struct sock_fprog) > l->stack_size - STACK_ROOM)
        return errf(err, errlen, "the seccomp filter is too large to launch");
    plan = l->plan;
    plan->guest_sp = t->opts.mem_size - 8;
    plan->boot_info = SPT_BOOT_INFO_BASE;
    plan->stack = (struct launch_range){
        (uint64_t)(uintptr_t)l->stack,
        (uint64_t)(uintptr_t)l->stack + l->stack_size};
    plan->seccomp_flags =
        t->opts.supervise ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    filter_place(l, &t->bpf);
    area = (uint8_t *)(((uintptr_t)(plan + 1) + 63) & ~(uintptr_t)63);
    fpu_area_fill(area);
    plan->fpu = fpu_kind(&plan->xsave_mask);
    plan->fpu_area = (uint64_t)(uintptr_t)area;
    plan_messages(plan);
    fuzz_plan(t, &plan->fuzz);
    if (plan_unmap(t, l) == -1)
        return errf(err, errlen, "too many mappings to keep");
    ps = (char *)area + FPU_AREA;
    ps_text(&t->opts, ps, ps_len);
    ps_show(ps, ps_len);
    if (mprotect(l->code, l->code_size, PROT_READ | PROT_EXEC) == -1 ||
        mprotect(l->plan, l->plan_size, PROT_READ) == -1)
        return errf(err, errlen, "cannot protect the launch region: %s",
                    strerror(errno));
    return 0;
}

/* PROCMAP_QUERY (Linux 6.11, linux/fs.h): one mapping of ours, by address,
 * without the whole of /proc/self/maps formatted. */
struct procmap_query {
    uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags,
        vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)

/* The mapping at addr if its name begins with prefix. */
static int vdso_query(int maps, uint64_t addr, const char *prefix,
                      struct launch_range *r)
{
    char name[32];
    struct procmap_query q = {.size = sizeof q,
                              .query_addr = addr,
                              .vma_name_size = sizeof name,
                              .vma_name_addr = (uint64_t)(uintptr_t)name};

    if (ioctl(maps, PROCMAP_QUERY, &q) == -1)
        return -1;
    if (q.vma_name_size == 0 || strncmp(name, prefix, strlen(prefix)) != 0) {
        errno = ENOENT;
        return -1;
    }
    *r = (struct launch_range){q.vma_start, q.vma_end};
    return 0;
}

/* The same from the text of /proc/self/maps, where the ioctl is missing
 * (the tender's own maps are a few dozen lines). */
static int vdso_scan(int fd, struct launch_vdso *v)
{
    char maps[32768], *line, *next;
    ssize_t len = text_read(fd, maps, sizeof maps);
    bool vdso = false;

    if (len <= 0 || (size_t)len == sizeof maps - 1)
        return -1; /* unreadable, or more than we read */
    for (line = maps; *line; line = next) {
        char *name;
        unsigned long start, stop;

        next = strchr(line, '\n');
        next = next ? next + 1 : line + strlen(line);
        name = strstr(line, " [v");
        if (name == NULL || name >= next ||
            sscanf(line, "%lx-%lx", &start, &stop) != 2 ||
            v->n == LAUNCH_MAX_VDSO)
            continue;
        if (strncmp(name, " [vdso]", 7) == 0)
            vdso = true;
        else if (strncmp(name, " [vvar", 6) != 0)
            continue;
        v->range[v->n++] = (struct launch_range){start, stop};
    }
    /* The vDSO needs its [vvar] pages, and they are nothing without it:
     * either alone would hand out a clock that faults. */
    if (!vdso || v->n < 2)
        v->n = 0;
    return 0;
}

/*
 * The kernel's [vdso] and the [vvar] pages below it that its code reads,
 * kept for a guest handed the vDSO clock. Without /proc they cannot be
 * found: no clock record then.
 */
void launch_find_vdso(struct launch_vdso *v)
{
    uint64_t vdso = getauxval(AT_SYSINFO_EHDR);
    int maps = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

    v->n = 0;
    if (maps == -1 || vdso == 0) {
        if (maps != -1)
            close(maps);
        return;
    }
    if (vdso_query(maps, vdso, "[vdso]", &v->range[0]) == 0) {
        v->n = 1;
        while (v->n < LAUNCH_MAX_VDSO &&
               vdso_query(maps, v->range[v->n - 1].start - 1, "[vvar",
                          &v->range[v->n]) == 0)
            v->n++;
        if (v->n < 2)
            v->n = 0; /* no [vvar] pages below it */
    } else if (errno == ENOTTY || errno == EINVAL) {
        vdso_scan(maps, v);
    }
    close(maps);
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
    enter(l->plan, (uint64_t)(uintptr_t)l->stack + l->stack_size);
    __builtin_unreachable();
}
