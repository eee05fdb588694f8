/*
 * fuzzmode: a fuzzing target whose input says what each run does, for the
 * protocol driver of tests/fuzzmode/test_fuzzmode.c (solo5-spt --x-fuzz,
 * --x-fuzz-persistent and --x-fuzz-input). The input's first byte:
 *
 *   x [N]  end the run with status N (the second byte; 0 without one)
 *   s      SIGSEGV: a write to address 0
 *   y      SIGSYS: a forbidden system call (getpid)
 *   a      solo5_abort(): status 255
 *   h      hang: loop forever
 *   w      write to the input, which is read-only: SIGSEGV
 *   c ...  count "edges" into the coverage map by hand, as instrumented
 *          code would: a few branches on each byte that follows
 *   i      copy the input into the map (its length as a uint32_t, then
 *          its bytes) and print "input LEN SUM" (SUM: FNV-1a of the bytes)
 *   n      put the number of inputs this process has taken (a uint32_t)
 *          at the start of the map: 1 but in persistent mode
 *   t      arm the yield timer one hour ahead, then end the run
 *   e      yield 1 ms: the timer fires, and is left unread
 *   p      probe for a timer from an earlier run: status 3, with "TIMER
 *          ARMED" or "TIMER FIRED" printed, if this process's yield timer
 *          is armed or has fired; else "TIMER QUIET" and status 0
 *   D      persistent mode: write a "done" word of its own, then exit 0,
 *          leaving the server's "next" word to come unread
 *
 * A run that ends normally returns 0. With "loop" on the command line the
 * guest takes its inputs with spt_fuzz_next (persistent mode), where a
 * normal end goes on to the next input and "x N" with N > 0 exits.
 * Without an input (not a fuzzing run) it prints "NO INPUT", status 0.
 *
 * The coverage map comes from the fuzzing record, found the way any
 * runtime would (solo5/spt_abi.h): walking the records after the boot
 * info. Driven by tests/fuzzmode/test_fuzzmode.c, which also runs it as
 * fuzzmode_blk, with a block device (fuzzmode_blk.json), for the
 * refusals of writable devices.
 */
#include "guest_util.h"
#include "solo5/spt_abi.h"

#define SYS_write           1
#define SYS_getpid          39
#define SYS_epoll_pwait     281
#define SYS_timerfd_settime 286

static uint8_t *cov;
static uint64_t cov_size;
static uint32_t prev_loc;
static uint32_t inputs_taken;
static int32_t done_fd = -1;

struct timespec64 {
    int64_t sec, nsec;
};

struct itimerspec64 {
    struct timespec64 interval, value;
};

static long sys4(long nr, long a, long b, long c, long d)
{
    register long r10 __asm__("r10") = d;
    long ret;

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                         : "rcx", "r11", "memory");
    return ret;
}

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
                           "r"(r9)
                         : "rcx", "r11", "memory");
    return ret;
}

static const struct spt_boot_info *boot_info(void)
{
    return (const struct spt_boot_info *)SPT_BOOT_INFO_BASE;
}

/* The fuzzing record's coverage map and "done" descriptor, if any. */
static void cov_find(void)
{
    uint64_t at = SPT_EXT_BASE, end = (uint64_t)(uintptr_t)boot_info()->mft;

    while (at < end && end - at >= sizeof(struct spt_ext_header)) {
        const struct spt_ext_header *h = (const void *)(uintptr_t)at;

        if (h->size < sizeof *h || h->size % 8 != 0 || h->size > end - at)
            return;
        if (h->magic == SPT_EXT_FUZZ_MAGIC &&
            h->size >= sizeof(struct spt_ext_fuzz)) {
            const struct spt_ext_fuzz *f = (const void *)h;

            cov = (uint8_t *)(uintptr_t)f->cov_map;
            cov_size = cov ? f->cov_map_size : 0;
            done_fd = f->done_fd;
            return;
        }
        at += h->size;
    }
}

/* One edge, as AFL's instrumentation counts it. */
static void edge(uint32_t loc)
{
    if (cov_size == 0)
        return;
    cov[(loc ^ prev_loc) % cov_size]++;
    prev_loc = loc >> 1;
}

static void count_edges(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];

        if (b < 0x40)
            edge(0x1d3a);
        else if (b < 0x80)
            edge(0x2b71);
        else
            edge(0x0e95);
        if (b & 1)
            edge(0x3c08);
        if (b == 'Z')
            edge(0x16f4);
    }
    edge(0x3a5e);
}

static void echo_input(const uint8_t *data, size_t len)
{
    uint32_t sum = 2166136261u, len32 = (uint32_t)len;

    for (size_t i = 0; i < len; i++)
        sum = (sum ^ data[i]) * 16777619u;
    spt_printf("input %u %08x\n", (unsigned)len32, (unsigned)sum);
    if (cov_size < 4)
        return;
    for (size_t i = 0; i < 4; i++)
        cov[i] = (uint8_t)(len32 >> (8 * i));
    for (size_t i = 0; i < len && 4 + i < cov_size; i++)
        cov[4 + i] = data[i];
}

static void put_count(void)
{
    for (size_t i = 0; i < 4 && i < cov_size; i++)
        cov[i] = (uint8_t)(inputs_taken >> (8 * i));
}

static void timer_arm(void)
{
    struct itimerspec64 it = {{0, 0}, {3600, 0}};

    SPT_ASSERT(
        sys4(SYS_timerfd_settime, boot_info()->timerfd, 0, (long)&it, 0) == 0);
}

static void timer_expire(void)
{
    solo5_time_t deadline = solo5_clock_monotonic() + 1000000;

    while (solo5_clock_monotonic() < deadline)
        solo5_yield(deadline, NULL);
}

/*
 * Has a timer fired (the timerfd is readable: epoll sees it at once) or is
 * one armed (timerfd_settime hands back the old setting)? Disarms it.
 */
static int timer_probe(void)
{
    struct itimerspec64 off = {{0, 0}, {0, 0}}, old;
    uint64_t events[2];
    long n;

    n = sys6(SYS_epoll_pwait, boot_info()->epollfd, (long)events, 1, 0, 0, 8);
    SPT_ASSERT(n >= 0);
    SPT_ASSERT(sys4(SYS_timerfd_settime, boot_info()->timerfd, 0, (long)&off,
                    (long)&old) == 0);
    if (n > 0) {
        g_puts("TIMER FIRED\n");
        return 3;
    }
    if (old.value.sec != 0 || old.value.nsec != 0) {
        g_puts("TIMER ARMED\n");
        return 3;
    }
    g_puts("TIMER QUIET\n");
    return 0;
}

/* One input: the status to end with, or 0 (in a loop: go on). */
static int run(const uint8_t *data, size_t len)
{
    inputs_taken++;
    prev_loc = 0;
    if (len == 0)
        return 0;
    switch (data[0]) {
    case 'x':
        return len > 1 ? data[1] : 0;
    case 's':
        *(volatile int *)(uintptr_t)0 = 1;
        break;
    case 'y':
        sys4(SYS_getpid, 0, 0, 0, 0);
        break;
    case 'a':
        solo5_abort();
    case 'h':
        for (;;)
            __asm__ __volatile__("pause");
    case 'w':
        *(volatile uint8_t *)(uintptr_t)data = 0;
        break;
    case 'c':
        count_edges(data + 1, len - 1);
        return 0;
    case 'i':
        echo_input(data, len);
        return 0;
    case 'n':
        put_count();
        return 0;
    case 't':
        timer_arm();
        return 0;
    case 'e':
        timer_expire();
        return 0;
    case 'p':
        return timer_probe();
    case 'D':
        SPT_ASSERT(sys4(SYS_write, done_fd, (long)&inputs_taken, 4, 0) == 4);
        solo5_exit(0);
    }
    g_puts("SURVIVED\n");
    return 2;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const uint8_t *data;
    size_t len;
    int rc;

    cov_find();
    if (!g_streq(si->cmdline, "loop")) {
        if (!spt_fuzz_input(&data, &len)) {
            g_puts("NO INPUT\n");
            return 0;
        }
        return run(data, len);
    }
    while (spt_fuzz_next(&data, &len))
        if ((rc = run(data, len)) != 0)
            return rc;
    return 0;
}
