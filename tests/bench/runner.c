/*
 * runner: `make bench`. Measures each guest-side number against its limit
 * on this machine, in the same run, and prints the table.
 *
 *   runner BUILD WORK [TAP IP MAC]
 *
 * BUILD is the build directory, WORK a scratch directory for the disk image.
 * With TAP, IP and MAC (bench.sh passes them, inside a network namespace
 * it made) the network row is measured too.
 *
 * Machines are noisy: every row is a series of rounds, each round measures
 * both sides (in alternating order, so neither always runs first), and the
 * table gives min/median/max of each side and of the per-round ratio. A
 * target is judged on the median ratio. A sample is one exec (start-up),
 * one process's best batch of calls (clock, block: see run_ns_per_op),
 * one second of round trips (network), one group of idle processes
 * (memory), the runs of one input counted for a quarter of a second
 * (fuzz).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "forksrv.h"

extern char **environ;

#define MAX_ROUNDS  1024
#define MAX_ROWS    24
#define IDLE_GROUP  100
#define IMG_SIZE    (32ULL << 20)
#define UDP_PORT    7
#define UDP_PAYLOAD 64

/* How many times each side runs, and how long; BENCH_QUICK=1 shrinks it. */
struct plan {
    int startup_rounds; /* execs of each side */
    int rate_rounds;    /* processes of each side, clock and block */
    int net_rounds;
    int net_ms; /* round trips counted for this long per round */
    int idle_rounds;
    uint64_t clock_ops, io_ops, large_ops; /* per batch of 50 */
    int fuzz_rounds;
    int fuzz_ms; /* runs counted for this long per round and side */
};

static const struct plan full_plan = {.startup_rounds = 400,
                                      .rate_rounds = 31,
                                      .net_rounds = 10,
                                      .net_ms = 1000,
                                      .idle_rounds = 3,
                                      .clock_ops = 40000,
                                      .io_ops = 2000,
                                      .large_ops = 80,
                                      .fuzz_rounds = 11,
                                      .fuzz_ms = 250};
static const struct plan quick_plan = {.startup_rounds = 40,
                                       .rate_rounds = 5,
                                       .net_rounds = 2,
                                       .net_ms = 300,
                                       .idle_rounds = 1,
                                       .clock_ops = 10000,
                                       .io_ops = 500,
                                       .large_ops = 20,
                                       .fuzz_rounds = 3,
                                       .fuzz_ms = 100};

static const char *build_dir, *work_dir;
static int devnull = -1;

/* Children not yet waited for: killed if the runner gives up. */
static pid_t live[IDLE_GROUP + 8];
static int nlive;

static void live_kill_all(void)
{
    for (int i = 0; i < nlive; i++)
        kill(live[i], SIGKILL);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("bench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    live_kill_all();
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* "BUILD/rel", in a buffer of its own for the life of the program. */
static char *build_path(const char *rel)
{
    char *p;

    if (asprintf(&p, "%s/%s", build_dir, rel) < 0)
        die("out of memory");
    return p;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *format(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    if (vasprintf(&p, fmt, ap) < 0)
        die("out of memory");
    va_end(ap);
    return p;
}

/* ---- processes ---------------------------------------------------------- */

/* Start argv with stdout on out_fd (or /dev/null); stderr is ours. */
static pid_t spawn(char *const argv[], int out_fd)
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int rc;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd >= 0 ? out_fd : devnull, 1);
    rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        die("cannot run %s: %s", argv[0], strerror(rc));
    if (nlive < (int)(sizeof live / sizeof live[0]))
        live[nlive++] = pid;
    return pid;
}

static void reap(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) == -1)
        if (errno != EINTR)
            die("waitpid: %s", strerror(errno));
    for (int i = 0; i < nlive; i++)
        if (live[i] == pid) {
            live[i] = live[--nlive];
            break;
        }
}

static void expect_exit0(pid_t pid, char *const argv[])
{
    int status;

    reap(pid, &status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        die("%s %s ... failed (wait status 0x%x)", argv[0],
            argv[1] ? argv[1] : "", status);
}

/* Microseconds from the exec of argv to its exit, output discarded. */
static double exec_us(char *const argv[])
{
    uint64_t start = now_ns();
    pid_t pid = spawn(argv, -1);

    expect_exit0(pid, argv);
    return (double)(now_ns() - start) / 1000.0;
}

/* Read from fd until EOF or until text appears; false on timeout. */
static bool read_until(int fd, char *buf, size_t size, const char *text,
                       int timeout_ms)
{
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000ULL;
    size_t len = 0;

    buf[0] = '\0';
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int64_t left = (int64_t)(deadline - now_ns()) / 1000000;
        ssize_t n;

        if (text && strstr(buf, text))
            return true;
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return false;
        if (len == size - 1) { /* full: keep the later half */
            memmove(buf, buf + size / 2, len - size / 2 + 1);
            len -= size / 2;
        }
        n = read(fd, buf + len, size - 1 - len);
        if (n <= 0)
            return text == NULL;
        len += (size_t)n;
        buf[len] = '\0';
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/*
 * Run argv to its exit; the best of its "ops N ns T" lines (one per
 * batch), as nanoseconds per operation. Whatever else runs on the machine
 * only ever adds time to a batch, and more to some processes than others
 * (a CPU shared or not): the best batch is the process's own speed.
 */
static double run_ns_per_op(char *const argv[])
{
    static char out[16384];
    double per_op[256];
    int pipefd[2], n = 0;
    const char *line;
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) == -1)
        die("pipe: %s", strerror(errno));
    pid = spawn(argv, pipefd[1]);
    close(pipefd[1]);
    if (!read_until(pipefd[0], out, sizeof out, NULL, 120000))
        die("%s %s: no result within two minutes", argv[0], argv[1]);
    close(pipefd[0]);
    expect_exit0(pid, argv);
    for (line = strstr(out, "ops "); line && n < 256;
         line = strstr(line + 1, "ops ")) {
        unsigned long long ops, ns;

        if (sscanf(line, "ops %llu ns %llu", &ops, &ns) == 2 && ops > 0)
            per_op[n++] = (double)ns / (double)ops;
    }
    if (n == 0)
        die("%s: unexpected output: %s", argv[0], out);
    qsort(per_op, (size_t)n, sizeof per_op[0], cmp_double);
    return per_op[0];
}

/* ---- samples and rows --------------------------------------------------- */

struct samples {
    double v[MAX_ROUNDS];
    int n;
};

static void add(struct samples *s, double v)
{
    if (s->n < MAX_ROUNDS)
        s->v[s->n++] = v;
}

struct stats {
    double min, median, max;
};

static struct stats stats_of(const struct samples *s)
{
    double v[MAX_ROUNDS];
    struct stats st = {NAN, NAN, NAN};

    if (s->n == 0)
        return st;
    memcpy(v, s->v, (size_t)s->n * sizeof v[0]);
    qsort(v, (size_t)s->n, sizeof v[0], cmp_double);
    st.min = v[0];
    st.max = v[s->n - 1];
    st.median = s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
    return st;
}

enum goal { GOAL_NONE, GOAL_AT_MOST, GOAL_AT_LEAST };

struct row {
    const char *name, *unit, *limit;
    struct samples spt, lim; /* sample i of each from the same round */
    enum goal goal;
    double target;
    bool show_diff;      /* the note gives spt - limit (a cost in ns) */
    const char *skipped; /* why there are no samples */
    char note[48];       /* after the target */
};

static struct row rows[MAX_ROWS];
static int nrows;

static struct row *row_new(const char *name, const char *unit,
                           const char *limit, enum goal goal, double target)
{
    struct row *r;

    if (nrows == MAX_ROWS)
        die("more than %d rows", MAX_ROWS);
    r = &rows[nrows++];
    r->name = name;
    r->unit = unit;
    r->limit = limit;
    r->goal = goal;
    r->target = target;
    return r;
}

/* Per-round ratios spt / limit. */
static struct stats ratio_stats(const struct row *r)
{
    struct samples ratios = {.n = 0};

    for (int i = 0; i < r->spt.n && i < r->lim.n; i++)
        add(&ratios, r->spt.v[i] / r->lim.v[i]);
    return stats_of(&ratios);
}

static bool row_met(const struct row *r)
{
    double m = ratio_stats(r).median;

    return r->goal == GOAL_AT_MOST ? m <= r->target : m >= r->target;
}

static void value_cell(char *cell, size_t size, struct stats s)
{
    int digits = s.median >= 100 ? 0 : s.median >= 10 ? 1 : 2;

    snprintf(cell, size, "%.*f/%.*f/%.*f", digits, s.min, digits, s.median,
             digits, s.max);
}

#define ROW_FORMAT "%-24s %-5s %-20s %-20s %-17s %s"

/* One line, without trailing blanks. */
static void print_row(const char *name, const char *unit, const char *spt,
                      const char *lim, const char *ratio, const char *target)
{
    char line[256];
    size_t n = (size_t)snprintf(line, sizeof line, ROW_FORMAT, name, unit, spt,
                                lim, ratio, target);

    if (n >= sizeof line)
        n = sizeof line - 1;
    while (n > 0 && line[n - 1] == ' ')
        n--;
    printf("%.*s\n", (int)n, line);
}

static void print_table(void)
{
    print_row("row", "unit", "spt min/med/max", "limit min/med/max",
              "ratio min/med/max", "target");
    for (int i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];
        char spt[48], lim[48], ratio[48], target[96] = "";
        struct stats q;

        if (r->skipped) {
            printf("%-24s %-5s skipped: %s\n", r->name, r->unit, r->skipped);
            continue;
        }
        value_cell(spt, sizeof spt, stats_of(&r->spt));
        value_cell(lim, sizeof lim, stats_of(&r->lim));
        q = ratio_stats(r);
        snprintf(ratio, sizeof ratio, "%.2f/%.2f/%.2f", q.min, q.median, q.max);
        if (r->goal != GOAL_NONE)
            snprintf(target, sizeof target, "%s %.2f %s%s%s",
                     r->goal == GOAL_AT_MOST ? "<=" : ">=", r->target,
                     row_met(r) ? "met" : "NOT MET", *r->note ? " " : "",
                     r->note);
        else if (r->show_diff)
            snprintf(target, sizeof target, "(%+.0f %s)",
                     stats_of(&r->spt).median - stats_of(&r->lim).median,
                     r->unit);
        print_row(r->name, r->unit, spt, lim, ratio, target);
    }
    printf("\nlimits:\n");
    for (int i = 0; i < nrows; i++)
        printf("  %-24s %s\n", rows[i].name, rows[i].limit);
}

/*
 * One round of a comparison: run each of n measurements once, forwards on
 * even rounds and backwards on odd ones.
 */
typedef double (*measure_fn)(void *arg);

struct side {
    measure_fn measure;
    void *arg;
    struct samples *into;
    double scale; /* the sample is scale / measure() if non-zero */
};

static void round_run(struct side *sides, int n, int round)
{
    for (int k = 0; k < n; k++) {
        struct side *s = &sides[round % 2 ? n - 1 - k : k];
        double v = s->measure(s->arg);

        add(s->into, s->scale != 0 ? s->scale / v : v);
    }
}

static double measure_exec(void *argv)
{
    return exec_us(argv);
}

static double measure_rate(void *argv)
{
    return run_ns_per_op(argv);
}

/* ---- the rows ----------------------------------------------------------- */

static void bench_startup(const struct plan *p)
{
    char *spt[] = {build_path("bin/solo5-spt"),
                   build_path("examples/hello.spt"), "--solo5:quiet", NULL};
    char *native[] = {build_path("tests/bench/hello_native"), NULL};
    char *filtered[] = {native[0], "filtered", NULL};
    struct row *r = row_new("start-up (hello)", "us",
                            "exec of a static C program printing the same "
                            "lines, to its exit",
                            GOAL_AT_MOST, 1.15);
    struct row *floor = row_new("  any filter, start-up", "us",
                                "the same program loading a one-instruction "
                                "allow-all seccomp filter first",
                                GOAL_NONE, 0);
    struct samples unfiltered = {.n = 0};
    struct side sides[] = {{measure_exec, spt, &r->spt, 0},
                           {measure_exec, native, &unfiltered, 0},
                           {measure_exec, filtered, &floor->spt, 0}};

    fprintf(stderr, "bench: start-up, %d execs of each\n", p->startup_rounds);
    for (int i = 0; i < 20; i++) /* warm the page cache and the CPU */
        round_run(sides, 3, i);
    r->spt.n = unfiltered.n = floor->spt.n = 0;
    for (int i = 0; i < p->startup_rounds; i++)
        round_run(sides, 3, i);
    r->lim = unfiltered;
    floor->lim = unfiltered;
    floor->show_diff = true;
}

static void bench_clock(const struct plan *p)
{
    char *n = format("%llu", (unsigned long long)p->clock_ops);
    char *spt[] = {build_path("bin/solo5-spt"),
                   build_path("tests/bench/clock.spt"), n, NULL};
    char *vdso[] = {build_path("tests/bench/native"), "clock-vdso", n, NULL};
    char *sys[] = {build_path("tests/bench/native"), "clock-syscall", n, NULL};
    struct row *r_vdso = row_new("clock vs vDSO", "ns",
                                 "clock_gettime(CLOCK_MONOTONIC) through the "
                                 "vDSO, native",
                                 GOAL_AT_MOST, 1.5);
    struct row *r_sys = row_new("clock vs system call", "ns",
                                "clock_gettime(CLOCK_MONOTONIC) as a system "
                                "call, native",
                                GOAL_NONE, 0);
    struct samples spt_samples = {.n = 0};
    struct side sides[] = {{measure_rate, spt, &spt_samples, 0},
                           {measure_rate, vdso, &r_vdso->lim, 0},
                           {measure_rate, sys, &r_sys->lim, 0}};

    fprintf(stderr, "bench: clock, %d rounds of 50 x %s reads\n",
            p->rate_rounds, n);
    for (int i = 0; i < p->rate_rounds; i++)
        round_run(sides, 3, i);
    r_vdso->spt = spt_samples;
    r_sys->spt = spt_samples;
}

/* A disk image with data in it (no holes), read once into the cache. */
static char *image_make(void)
{
    char *path = format("%s/bench.img", work_dir);
    static char chunk[1 << 20];
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd == -1)
        die("%s: %s", path, strerror(errno));
    for (size_t i = 0; i < sizeof chunk; i++)
        chunk[i] = (char)(i * 131 + (i >> 9));
    for (uint64_t off = 0; off < IMG_SIZE; off += sizeof chunk)
        if (pwrite(fd, chunk, sizeof chunk, (off_t)off) != sizeof chunk)
            die("%s: %s", path, strerror(errno));
    for (uint64_t off = 0; off < IMG_SIZE; off += sizeof chunk)
        if (pread(fd, chunk, sizeof chunk, (off_t)off) != sizeof chunk)
            die("%s: %s", path, strerror(errno));
    close(fd);
    return path;
}

struct io_case {
    const char *mode; /* "read", "write" */
    unsigned size;
    uint64_t ops, span;
};

/*
 * One block I/O case: the guest against the native calls with no filter;
 * with filter rows, also native calls under the guest's allowlist
 * (filter_rows[0]), an allow-all filter and a one-comparison filter.
 */
static void bench_block_io(const struct plan *p, const char *img,
                           const struct io_case *c, struct row *r,
                           struct row **filter_rows, int nfilter_rows)
{
    char *size = format("%u", c->size),
         *n = format("%llu", (unsigned long long)c->ops);
    char *span = format("%llu", (unsigned long long)c->span);
    char *spt[] = {build_path("bin/solo5-spt"),
                   format("--block:storage=%s", img),
                   build_path("tests/bench/blk.spt"),
                   (char *)c->mode,
                   size,
                   n,
                   span,
                   NULL};
    char *native[] = {build_path("tests/bench/native"),
                      (char *)c->mode,
                      (char *)img,
                      size,
                      n,
                      span,
                      NULL};
    static const char *const filters[] = {"filtered", "allow-all", "fd-only"};
    char *filtered[3][9];
    /* MB/s rows: 1e3 * bytes / ns */
    double scale = r->goal == GOAL_AT_LEAST ? 1e3 * c->size : 0;
    struct samples unfiltered = {.n = 0};
    struct side sides[5] = {{measure_rate, spt, &r->spt, scale},
                            {measure_rate, native, &unfiltered, scale}};

    for (int i = 0; i < nfilter_rows; i++) {
        char *argv[] = {native[0], (char *)c->mode,    (char *)img, size, n,
                        span,      (char *)filters[i], NULL};

        memcpy(filtered[i], argv, sizeof argv);
        sides[2 + i] = (struct side){measure_rate, filtered[i],
                                     &filter_rows[i]->spt, scale};
    }
    fprintf(stderr, "bench: block %s %u B, %d rounds of 50 x %s calls\n",
            c->mode, c->size, p->rate_rounds, n);
    for (int i = 0; i < p->rate_rounds; i++)
        round_run(sides, 2 + nfilter_rows, i);
    r->lim = unfiltered;
    for (int i = 0; i < nfilter_rows; i++)
        filter_rows[i]->lim = unfiltered;
}

static void bench_block(const struct plan *p)
{
    char *img = image_make();
    const struct io_case read1 = {"read", 512, p->io_ops, 1 << 20};
    const struct io_case write1 = {"write", 512, p->io_ops, 1 << 20};
    const struct io_case large = {"read", 65536, p->large_ops, 16 << 20};
    const char *unfiltered = "pread64/pwrite64 of the same size, native, "
                             "no seccomp filter";
    struct row *r, *filter_rows[3];

    r = row_new("block read 512 B", "ns", unfiltered, GOAL_AT_MOST, 1.10);
    filter_rows[0] = row_new("  filter cost, read", "ns",
                             "native pread64 under the guest's allowlist "
                             "vs none",
                             GOAL_NONE, 0);
    filter_rows[1] = row_new("  any filter, read", "ns",
                             "native pread64 under a one-instruction "
                             "allow-all filter vs none",
                             GOAL_NONE, 0);
    filter_rows[2] = row_new("  fd-only filter, read", "ns",
                             "native pread64 under a 6-instruction filter "
                             "checking nr and fd vs none",
                             GOAL_NONE, 0);
    for (int i = 0; i < 3; i++)
        filter_rows[i]->show_diff = true;
    bench_block_io(p, img, &read1, r, filter_rows, 3);

    r = row_new("block write 512 B", "ns", unfiltered, GOAL_AT_MOST, 1.10);
    filter_rows[0] = row_new("  filter cost, write", "ns",
                             "native pwrite64 under the guest's allowlist "
                             "vs none",
                             GOAL_NONE, 0);
    filter_rows[0]->show_diff = true;
    bench_block_io(p, img, &write1, r, filter_rows, 1);

    r = row_new("block read 64 KiB", "MB/s",
                "native 64 KiB pread64 of the same cached image", GOAL_AT_LEAST,
                0.9);
    bench_block_io(p, img, &large, r, NULL, 0);
    unlink(img);
}

/* ---- network ------------------------------------------------------------ */

struct net_setup {
    const char *tap, *ip, *mac;
    int ms;
};

struct responder {
    char **argv;
    const struct net_setup *net;
    unsigned long lost; /* datagrams, over all rounds */
};

/*
 * UDP round trips per second to ip, one datagram in flight, for ms; the
 * datagrams that never came back are added to *lost.
 */
static double udp_round_trips(const char *ip, int ms, unsigned long *lost)
{
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons(UDP_PORT)};
    /* A round trip takes ~10 us: a datagram not back in 20 ms is lost. */
    struct timeval tv = {.tv_sec = 0, .tv_usec = 20000};
    uint64_t start, end, count = 0, seq = 0;
    char msg[UDP_PAYLOAD] = "spt-bench", back[UDP_PAYLOAD + 1];
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (s == -1 || inet_pton(AF_INET, ip, &to.sin_addr) != 1 ||
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
        connect(s, (struct sockaddr *)&to, sizeof to) == -1)
        die("UDP socket to %s: %s", ip, strerror(errno));
    start = now_ns();
    end = start + (uint64_t)ms * 1000000ULL;
    while (now_ns() < end) {
        ssize_t n;

        seq++;
        memcpy(msg + 16, &seq, sizeof seq);
        if (send(s, msg, sizeof msg, 0) != sizeof msg)
            die("UDP send: %s", strerror(errno));
        /* A lost datagram times out; a late one is skipped. */
        do {
            n = recv(s, back, sizeof back, 0);
        } while (n == sizeof msg && memcmp(back + 16, &seq, sizeof seq) != 0);
        if (n == sizeof msg)
            count++;
        else if (n == -1 && errno != EAGAIN && errno != EINTR)
            die("UDP recv: %s", strerror(errno));
        else
            (*lost)++;
    }
    close(s);
    return (double)count * 1e9 / (double)(now_ns() - start);
}

static double measure_responder(void *arg)
{
    struct responder *rsp = arg;
    char out[4096];
    int pipefd[2], status;
    double rate;
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) == -1)
        die("pipe: %s", strerror(errno));
    pid = spawn(rsp->argv, pipefd[1]);
    close(pipefd[1]);
    if (!read_until(pipefd[0], out, sizeof out, "net: serving", 10000)) {
        kill(pid, SIGKILL);
        die("%s did not start serving: %s", rsp->argv[0], out);
    }
    {
        unsigned long warm_up_lost = 0; /* ARP, caches */

        udp_round_trips(rsp->net->ip, 50, &warm_up_lost);
    }
    rate = udp_round_trips(rsp->net->ip, rsp->net->ms, &rsp->lost);
    kill(pid, SIGKILL);
    reap(pid, &status);
    close(pipefd[0]);
    if (rate == 0)
        die("%s answered no UDP datagram", rsp->argv[0]);
    return rate;
}

static void bench_net(const struct plan *p, const struct net_setup *net)
{
    char *spt[] = {build_path("bin/solo5-spt"),
                   format("--net:service=%s", net->tap),
                   format("--net-mac:service=%s", net->mac),
                   build_path("examples/net.spt"),
                   format("service=%s", net->ip),
                   NULL};
    char *native[] = {build_path("tests/bench/net_native"), (char *)net->tap,
                      (char *)net->mac, format("service=%s", net->ip), NULL};
    struct responder rs = {spt, net, 0}, rn = {native, net, 0};
    struct row *r = row_new("network UDP echo", "rt/s",
                            "the same responder source (examples/net) as a "
                            "native process on the same tap",
                            GOAL_AT_LEAST, 0.9);
    struct side sides[] = {{measure_responder, &rs, &r->spt, 0},
                           {measure_responder, &rn, &r->lim, 0}};

    fprintf(stderr, "bench: network, %d rounds of %d ms each\n", p->net_rounds,
            net->ms);
    for (int i = 0; i < p->net_rounds; i++)
        round_run(sides, 2, i);
    snprintf(r->note, sizeof r->note, "(lost %lu / %lu)", rs.lost, rn.lost);
}

/* ---- memory ------------------------------------------------------------- */

/* Rss and Pss of pid, in KiB. */
static void memory_of(pid_t pid, double *rss, double *pss)
{
    char path[64], line[256];
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    f = fopen(path, "re");
    if (f == NULL)
        die("%s: %s", path, strerror(errno));
    *rss = *pss = NAN;
    while (fgets(line, sizeof line, f)) {
        unsigned long kb;

        if (sscanf(line, "Rss: %lu kB", &kb) == 1)
            *rss = (double)kb;
        else if (sscanf(line, "Pss: %lu kB", &kb) == 1)
            *pss = (double)kb;
    }
    fclose(f);
}

struct idle_group {
    char **argv;
    int count;
    struct samples *rss; /* one sample per process */
};

/* Start count idle processes, wait until all say so; total Pss in MiB. */
static double measure_idle(void *arg)
{
    struct idle_group *g = arg;
    pid_t pid[IDLE_GROUP];
    int fd[IDLE_GROUP];
    double total_pss = 0;

    for (int i = 0; i < g->count; i++) {
        int pipefd[2];

        if (pipe2(pipefd, O_CLOEXEC) == -1)
            die("pipe: %s", strerror(errno));
        pid[i] = spawn(g->argv, pipefd[1]);
        close(pipefd[1]);
        fd[i] = pipefd[0];
    }
    for (int i = 0; i < g->count; i++) {
        char out[256];
        double rss, pss;

        if (!read_until(fd[i], out, sizeof out, "idle", 10000))
            die("%s did not go idle: %s", g->argv[0], out);
        memory_of(pid[i], &rss, &pss);
        add(g->rss, rss);
        total_pss += pss;
    }
    for (int i = 0; i < g->count; i++) {
        int status;

        kill(pid[i], SIGKILL);
        reap(pid[i], &status);
        close(fd[i]);
    }
    return total_pss / 1024;
}

static void bench_memory(const struct plan *p)
{
    char *spt[] = {build_path("bin/solo5-spt"),
                   build_path("tests/bench/idle.spt"), "--solo5:quiet", NULL};
    char *native[] = {build_path("tests/bench/idle_native"), NULL};
    struct row *one =
        row_new("memory, 1 idle (RSS)", "KiB",
                "a static C program asleep in epoll_pwait", GOAL_NONE, 0);
    struct row *all = row_new("memory, 100 idle (PSS)", "MiB",
                              "100 such native programs at once", GOAL_NONE, 0);
    /* Alone: the process's RSS; a hundred: their PSS added up. */
    struct samples unused = {.n = 0};
    struct idle_group alone_spt = {spt, 1, &one->spt};
    struct idle_group alone_native = {native, 1, &one->lim};
    struct idle_group many_spt = {spt, IDLE_GROUP, &unused};
    struct idle_group many_native = {native, IDLE_GROUP, &unused};
    struct side alone[] = {{measure_idle, &alone_spt, &unused, 0},
                           {measure_idle, &alone_native, &unused, 0}};
    struct side many[] = {{measure_idle, &many_spt, &all->spt, 0},
                          {measure_idle, &many_native, &all->lim, 0}};

    fprintf(stderr, "bench: memory, idle guests alone and %d at once\n",
            IDLE_GROUP);
    for (int i = 0; i < 2 * p->idle_rounds + 1; i++)
        round_run(alone, 2, i);
    for (int i = 0; i < p->idle_rounds; i++) {
        unused.n = 0;
        round_run(many, 2, i);
    }
}

/* ---- fuzzing ------------------------------------------------------------ */

/*
 * The coverage map every side gets and the driver clears before each run:
 * AFL++'s default size, and the most solo5-spt reports (spt/fuzz.c).
 */
#define FUZZ_MAP_SIZE   (64 * 1024)
#define FUZZ_WARM_RUNS  200 /* before the clock starts: caches, a child */
#define FUZZ_TIMEOUT_MS 1000

/* One way of running examples/fuzz on one fixed input. */
struct fuzz_side {
    const char *const *server; /* a fork server (forksrv.h), or NULL: */
    char *const *exec;         /* a process started per input */
    const uint8_t *input;
    size_t len;
    int ms;
};

/* A run of the fixed input must end as a document does: exit 0, or a
 * persistent child stopped for the next input. */
static void fuzz_check(const struct fuzz_side *f, int status)
{
    if (status != 0 && status != FS_STATUS_STOPPED)
        die("%s on the fuzz input: %s", f->server ? f->server[0] : f->exec[0],
            status_text(status));
}

/* One run; the child's pid if it is kept (persistent mode), else -1. */
static pid_t fuzz_run_served(struct forksrv *s, const struct fuzz_side *f)
{
    struct forksrv_run r;

    if (forksrv_run(s, f->input, f->len, FUZZ_TIMEOUT_MS, &r) != 0 ||
        r.timed_out)
        die("%s: the fork server failed (see above)", f->server[0]);
    fuzz_check(f, r.status);
    return r.status == FS_STATUS_STOPPED ? r.child : -1;
}

/*
 * Runs a second through a fork server, driven as afl-fuzz drives it
 * (tests/lib/forksrv.c: map cleared, test case in shared memory, request,
 * pid, status), counted for f->ms after a warm-up. A fresh server each
 * time: its start is not counted.
 */
static double measure_served(void *arg)
{
    const struct fuzz_side *f = arg;
    struct forksrv_opts o = {.map_size = FUZZ_MAP_SIZE, .shm_input = true};
    uint64_t start, end, now, runs = 0;
    struct forksrv s;
    pid_t kept = -1;

    if (forksrv_start(&s, f->server, &o) != 0)
        die("%s: cannot start it as a fork server", f->server[0]);
    for (int i = 0; i < FUZZ_WARM_RUNS; i++)
        fuzz_run_served(&s, f);
    start = now_ns();
    end = start + (uint64_t)f->ms * 1000000ULL;
    do {
        kept = fuzz_run_served(&s, f);
        runs++;
    } while ((now = now_ns()) < end);
    /* As afl-fuzz ends: the kept child killed, the server told (AFL++'s
     * own runtime then exits 1, solo5-spt 0). */
    if (kept > 0)
        kill(kept, SIGKILL);
    forksrv_close(&s, 5000);
    return (double)runs * 1e9 / (double)(now - start);
}

/*
 * Runs a second of one process per input, as a fuzzer without a fork
 * server makes them: the map (named in __AFL_SHM_ID) cleared, the process
 * started, waited for. afl-fuzz itself (AFL_NO_FORKSRV) forks its own,
 * larger process before each exec, which costs more than posix_spawn.
 */
static double measure_exec_per_input(void *arg)
{
    const struct fuzz_side *f = arg;
    uint64_t start, end, now, runs = 0;
    char id[16];
    uint8_t *map;
    int map_id;

    map_id = shmget(IPC_PRIVATE, FUZZ_MAP_SIZE, IPC_CREAT | IPC_EXCL | 0600);
    map = map_id == -1 ? (void *)-1 : shmat(map_id, NULL, 0);
    if (map_id != -1)
        shmctl(map_id, IPC_RMID, NULL);
    if (map == (void *)-1)
        die("coverage map: %s", strerror(errno));
    snprintf(id, sizeof id, "%d", map_id);
    setenv("__AFL_SHM_ID", id, 1);
    for (int i = 0; i < FUZZ_WARM_RUNS / 10; i++)
        expect_exit0(spawn(f->exec, -1), f->exec);
    start = now_ns();
    end = start + (uint64_t)f->ms * 1000000ULL;
    do {
        memset(map, 0, FUZZ_MAP_SIZE);
        expect_exit0(spawn(f->exec, -1), f->exec);
        runs++;
    } while ((now = now_ns()) < end);
    unsetenv("__AFL_SHM_ID");
    shmdt(map);
    return (double)runs * 1e9 / (double)(now - start);
}

static void bench_fuzz(const struct plan *p)
{
    static uint8_t input[4096];
    char *input_file = build_path("tests/bench/fuzz.input");
    char *spt = build_path("bin/solo5-spt");
    char *guest = build_path("examples/fuzz.spt");
    /* The guest's banner off, as in the start-up row: the native target
     * prints nothing either. */
    const char *forked[] = {spt, "--x-fuzz", guest, "--solo5:quiet", NULL};
    const char *persistent[] = {spt, "--x-fuzz-persistent", guest,
                                "--solo5:quiet", NULL};
    const char *native[] = {build_path("tests/bench/fuzz_native"), NULL};
    const char *native_persistent[] = {
        build_path("tests/bench/fuzz_native_persistent"), NULL};
    char *per_input[] = {spt, format("--x-fuzz-input=%s", input_file), guest,
                         "--solo5:quiet", NULL};
    struct row *r_fork = row_new("fuzz, fork server", "run/s",
                                 "the same target source natively, under "
                                 "AFL++'s fork server (afl-clang-fast)",
                                 GOAL_AT_LEAST, 1.0);
    struct row *r_pers = row_new("fuzz, persistent", "run/s",
                                 "the same natively in AFL++'s persistent "
                                 "mode (__AFL_LOOP, 1000 a child)",
                                 GOAL_AT_LEAST, 1.0);
    struct row *r_exec = row_new("fuzz, vs exec per input", "run/s",
                                 "one exec of solo5-spt --x-fuzz-input=FILE "
                                 "per input (posix_spawn)",
                                 GOAL_AT_LEAST, 8.0);
    struct samples forked_runs = {.n = 0};
    cpu_set_t all_cpus, one_cpu;
    struct fuzz_side f[5];
    struct side sides[5];
    ssize_t len;
    int fd;

    fd = open(input_file, O_RDONLY | O_CLOEXEC);
    len = fd == -1 ? -1 : read(fd, input, sizeof input);
    if (len <= 0)
        die("%s: %s", input_file, len == 0 ? "empty" : strerror(errno));
    close(fd);
    f[0] = (struct fuzz_side){forked, NULL, input, (size_t)len, p->fuzz_ms};
    f[1] = f[0];
    f[1].server = persistent;
    f[2] = f[0];
    f[2].server = native;
    f[3] = f[0];
    f[3].server = native_persistent;
    f[4] = (struct fuzz_side){NULL, per_input, input, (size_t)len, p->fuzz_ms};
    sides[0] = (struct side){measure_served, &f[0], &forked_runs, 0};
    sides[1] = (struct side){measure_served, &f[1], &r_pers->spt, 0};
    sides[2] = (struct side){measure_served, &f[2], &r_fork->lim, 0};
    sides[3] = (struct side){measure_served, &f[3], &r_pers->lim, 0};
    sides[4] = (struct side){measure_exec_per_input, &f[4], &r_exec->lim, 0};

    /*
     * afl-fuzz binds itself to one free CPU (bind_to_free_cpu) and its
     * targets inherit that: the fuzzer, the fork server and its children
     * all run on one CPU. So do all sides here.
     */
    if (sched_getaffinity(0, sizeof all_cpus, &all_cpus) != 0)
        die("sched_getaffinity: %s", strerror(errno));
    CPU_ZERO(&one_cpu);
    CPU_SET(sched_getcpu(), &one_cpu);
    if (sched_setaffinity(0, sizeof one_cpu, &one_cpu) != 0)
        die("sched_setaffinity: %s", strerror(errno));
    fprintf(stderr, "bench: fuzz, %d rounds of %d ms of runs each\n",
            p->fuzz_rounds, p->fuzz_ms);
    for (int i = 0; i < p->fuzz_rounds; i++)
        round_run(sides, 5, i);
    sched_setaffinity(0, sizeof all_cpus, &all_cpus);
    r_fork->spt = forked_runs;
    r_exec->spt = forked_runs;
}

/* BENCH_ONLY=startup,clock,block,net,memory,fuzz measures only those rows. */
static bool selected(const char *what)
{
    const char *only = getenv("BENCH_ONLY");

    return only == NULL || strstr(only, what) != NULL;
}

/* ---- the machine -------------------------------------------------------- */

static void print_machine(void)
{
    char line[256], model[256] = "unknown CPU";
    struct utsname u;
    FILE *f = fopen("/proc/cpuinfo", "re");

    while (f && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');

        if (strncmp(line, "model name", 10) == 0 && colon) {
            snprintf(model, sizeof model, "%s", colon + 2);
            model[strcspn(model, "\n")] = '\0';
            break;
        }
    }
    if (f)
        fclose(f);
    uname(&u);
    printf("machine: %s, %ld cores, Linux %s\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), u.release);
}

int main(int argc, char **argv)
{
    const struct plan *p = getenv("BENCH_QUICK") ? &quick_plan : &full_plan;
    struct net_setup net = {0};
    uint64_t start = now_ns();
    int targets = 0, met = 0;

    if (argc != 3 && argc != 6) {
        fprintf(stderr, "usage: runner BUILD WORK [TAP IP MAC]\n");
        return 2;
    }
    build_dir = argv[1];
    work_dir = argv[2];
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull == -1)
        die("/dev/null: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);

    if (selected("startup"))
        bench_startup(p);
    if (selected("clock"))
        bench_clock(p);
    if (selected("block"))
        bench_block(p);
    if (!selected("net")) {
        /* not measured */
    } else if (argc == 6) {
        net = (struct net_setup){argv[3], argv[4], argv[5], p->net_ms};
        bench_net(p, &net);
    } else {
        row_new("network UDP echo", "rt/s", "-", GOAL_AT_LEAST, 0.9)->skipped =
            "needs root (a network namespace and a tap)";
    }
    if (selected("memory"))
        bench_memory(p);
    if (selected("fuzz"))
        bench_fuzz(p);

    printf("\n");
    print_machine();
    printf("\n");
    print_table();
    for (int i = 0; i < nrows; i++) {
        if (rows[i].skipped || rows[i].goal == GOAL_NONE)
            continue;
        targets++;
        met += row_met(&rows[i]);
    }
    printf("\n%d of %d targets met; %.0f s\n", met, targets,
           (double)(now_ns() - start) / 1e9);
    return 0;
}
