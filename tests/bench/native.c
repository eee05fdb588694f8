/*
 * native: the limits the guests are measured against, the same operations
 * made by an ordinary Linux process.
 *
 *   native clock-vdso N        N clock_gettime(CLOCK_MONOTONIC), C library
 *                              (through the vDSO)
 *   native clock-syscall N     the same as raw system calls
 *   native read|write IMG SIZE N SPAN [FILTER]
 *                              N pread64/pwrite64 of SIZE bytes at offsets
 *                              walking [0, SPAN), as the blk guest does;
 *                              under no seccomp filter, or FILTER:
 *       filtered               the allowlist the tender would give a guest
 *                              with IMG as its disk
 *       allow-all              one instruction, allow: the kernel's
 *                              per-call cost of having a filter at all (it
 *                              does not even run this one: see its action
 *                              cache)
 *       fd-only                the least a filter that looks at an
 *                              argument runs: the call's number and fd
 *
 * Prints "ops N ns T" for each of BATCHES batches of N, as the guests do
 * (bench_guest.h). Under the filter only what a guest
 * may do is possible: no allocation after it is installed, output with
 * write(1), exit with exit_group.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>

#include "policy.h"
#include "solo5/spt_abi.h"

#define MAX_SIZE (256 * 1024)
#define BATCHES  50 /* as BENCH_BATCHES */

static uint8_t buf[MAX_SIZE] __attribute__((aligned(4096)));

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void report(uint64_t ops, const uint64_t *ns)
{
    for (int i = 0; i < BATCHES; i++) {
        char line[64];
        int len = snprintf(line, sizeof line, "ops %llu ns %llu\n",
                           (unsigned long long)ops, (unsigned long long)ns[i]);

        if (write(1, line, (size_t)len) != len)
            _exit(1);
    }
}

static void __attribute__((noreturn)) fail(const char *what)
{
    fprintf(stderr, "native: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int clock_bench(uint64_t n, int raw)
{
    struct timespec ts;
    uint64_t ns[BATCHES], sum = 0;
    volatile uint64_t sink;

    for (int i = 0; i < 1000; i++)
        sum += (uint64_t)clock_gettime(CLOCK_MONOTONIC, &ts);
    for (int b = 0; b < BATCHES; b++) {
        uint64_t start = now_ns();

        if (raw) {
            for (uint64_t i = 0; i < n; i++) {
                syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
                sum += (uint64_t)ts.tv_nsec;
            }
        } else {
            for (uint64_t i = 0; i < n; i++) {
                clock_gettime(CLOCK_MONOTONIC, &ts);
                sum += (uint64_t)ts.tv_nsec;
            }
        }
        ns[b] = now_ns() - start;
    }
    sink = sum;
    (void)sink;
    report(n, ns);
    return 0;
}

/*
 * What the tender installs for a guest with this one disk: the core rules
 * for its own epoll set and timerfd, then the disk's (filters/).
 */
static void filter_install(int fd, uint64_t capacity)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0xfffffffe};
    struct policy policy;
    struct policy_bpf bpf;
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

    if (epfd == -1 || tfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev))
        fail("epoll/timerfd");
    policy_init(&policy);
    if (policy_add_core(&policy, epfd, tfd) ||
        policy_add_block(&policy, fd, capacity, 512,
                         spt_block_dev_max_io(POLICY_BLOCK_MAX_IO, capacity,
                                              512),
                         "storage"))
        fail("building the policy");
    if (policy_compile(&policy, &bpf))
        fail("compiling the policy");
    policy_free(&policy);
    if (policy_install(&bpf))
        fail("installing the filter");
}

/* The two reference filters, written out by hand. */
static void reference_filter_install(const char *which, int fd, int nr)
{
    struct sock_filter allow_all[] = {
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_filter fd_only[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fd, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct policy_bpf bpf = {.prog = {1, allow_all}};

    if (strcmp(which, "fd-only") == 0)
        bpf.prog = (struct sock_fprog){6, fd_only};
    if (policy_install(&bpf))
        fail("installing the filter");
}

static int block_bench(int argc, char **argv)
{
    int write_mode = strcmp(argv[1], "write") == 0, fd;
    uint64_t size = strtoull(argv[3], NULL, 0), n = strtoull(argv[4], NULL, 0);
    uint64_t span = strtoull(argv[5], NULL, 0), offset = 0, ns[BATCHES];
    struct stat st;

    fd = open(argv[2], O_RDWR | O_CLOEXEC);
    if (fd == -1 || fstat(fd, &st) == -1)
        fail(argv[2]);
    if (size == 0 || size > MAX_SIZE || size % 512 != 0 || span < size ||
        span > (uint64_t)st.st_size || n == 0) {
        fprintf(stderr, "native: bad block parameters\n");
        return 2;
    }
    for (uint64_t i = 0; i < size; i++)
        buf[i] = (uint8_t)i;
    if (argc > 6 && strcmp(argv[6], "filtered") == 0)
        filter_install(fd, (uint64_t)st.st_size);
    else if (argc > 6)
        reference_filter_install(argv[6], fd,
                                 write_mode ? SYS_pwrite64 : SYS_pread64);

    for (uint64_t off = 0; off + size <= span; off += size)
        if (pread(fd, buf, size, (off_t)off) != (ssize_t)size)
            return 3;
    for (int b = 0; b < BATCHES; b++) {
        uint64_t start = now_ns();

        for (uint64_t i = 0; i < n; i++) {
            ssize_t r = write_mode ? pwrite(fd, buf, size, (off_t)offset)
                                   : pread(fd, buf, size, (off_t)offset);

            if (r != (ssize_t)size)
                return 3;
            offset += size;
            if (offset + size > span)
                offset = 0;
        }
        ns[b] = now_ns() - start;
    }
    report(n, ns);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "clock-vdso") == 0)
        return clock_bench(strtoull(argv[2], NULL, 0), 0);
    if (argc == 3 && strcmp(argv[1], "clock-syscall") == 0)
        return clock_bench(strtoull(argv[2], NULL, 0), 1);
    if (argc >= 6 &&
        (strcmp(argv[1], "read") == 0 || strcmp(argv[1], "write") == 0))
        _exit(block_bench(argc, argv)); /* exit_group, nothing else */
    fprintf(stderr, "usage: native clock-vdso|clock-syscall N\n"
                    "       native read|write IMG SIZE N SPAN "
                    "[filtered|allow-all|fd-only]\n");
    return 2;
}
