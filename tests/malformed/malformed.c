/*
 * malformed.c: the malformed-input corpus, run against the real tender.
 *
 * Usage: malformed [-j JOBS] [-r REAL_RUNS] [-s SEED]
 *                  WORKDIR ASAN_TENDER TENDER BASE.spt...
 *
 * Cases are generated in memory from valid guests (images built by
 * elfgen, and the SDK binaries named on the command line), written to
 * WORKDIR one at a time and run through ASAN_TENDER --x-print-policy, a
 * tender built with ASan and UBSan that does everything up to the jump
 * into the guest, by JOBS workers at once (default: one per CPU). The
 * ehdr, phdr and note families take two bases whose headers cover every
 * kind (the elfgen image with all its optional parts, and the first SDK
 * guest); the others take every base. The families:
 *
 *   truncate   the file cut at many lengths: every length through the
 *              ELF header, every 8 bytes through the program headers,
 *              around every segment and note boundary, and a stride;
 *   ehdr       every ELF header field (and e_ident byte) set to edge
 *              values, as many low bytes as the field has: 0, 1, page - 1,
 *              page, 0x100000 - 1, 0x100000, mem_size - 1, mem_size, 2^31,
 *              2^32 - 1, 2^63, 2^64 - 1 and the original value +- 1;
 *   phdr       the same for every field of every program header, plus
 *              the meaningful p_type and p_flags values;
 *   note       note headers with bad n_namesz/n_descsz/n_type and name
 *              bytes, ABI1 descriptors with other targets and versions;
 *   extranote  extra PT_NOTEs before and after the real ones: foreign,
 *              duplicate, huge, too short (elfgen images only);
 *   manifest   bad version, entry counts, unterminated names, bad types,
 *              'attached' set; manifests of 0, 1, 63, 64 and 65 entries;
 *   flip       seeded random byte flips in the first two pages.
 *
 * The only acceptable outcomes under the sanitized tender: status 1 with
 * exactly one line "solo5-spt: ..." on stderr and nothing on stdout, or
 * status 0 with the allowlist on stdout and nothing on stderr. Anything
 * else (a signal, a sanitizer report, an assert, more lines, a hang) is a
 * failure. Where the spec decides the outcome (a cut before the last byte
 * the loader needs, a field the spec says is checked or ignored, ...) the
 * outcome must also be the expected one.
 *
 * Then a sample of the accepted cases (at most REAL_RUNS, spread evenly)
 * is run for real under TENDER, the normal static build. A mutated guest
 * may do anything its code does, so what is accepted is: any exit status
 * (the guest's own; but not a refusal line from the tender, which already
 * accepted the file), death by a signal a guest's own code can raise
 * (SIGSEGV, SIGSYS, SIGILL, SIGBUS, SIGFPE, SIGTRAP), or still running
 * after GUEST_GRACE_MS with its seccomp filter installed (flipped code may
 * loop forever: the guest runs, the tender does not hang). A process that
 * times out without a filter is a tender that hung: a failure. The
 * unmodified SDK bases must exit 0.
 *
 * Failing cases are kept in WORKDIR/failed/ to reproduce them. Prints one
 * line per family and a summary line; exit status 1 on any failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
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
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "elfgen.h"

#define MEM_SIZE          (512ULL << 20) /* the tender's default --mem */
#define PAGE              0x1000ULL
#define MIN_LOAD          0x100000ULL
#define FLIP_SPAN         (2 * PAGE) /* "the first pages" */
#define FLIPS_PER_BASE    150
#define DISK_SIZE         (64 * 1024)
#define MAX_DISKS         4
#define CHECK_TIMEOUT_MS  20000 /* a print-policy run takes ~15 ms */
#define GUEST_GRACE_MS    2000  /* then a guest still running is killed */
#define REAL_TIMEOUT_MS   20000 /* the tender must hand over before this */
#define OUTPUT_KEPT       4096  /* bytes of stdout/stderr kept per run */
#define OUTPUT_DRAIN_MS   2000  /* output read after the process ends */
#define DEFAULT_REAL_RUNS 150
#define DEFAULT_SEED      0x5eed5eedULL

/* Exit statuses of a sanitizer report: set in main(), looked for here. */
#define ASAN_EXIT  86
#define UBSAN_EXIT 87

enum expect { EXPECT_ANY, EXPECT_REFUSED, EXPECT_ACCEPTED };

enum result {
    RESULT_NONE,
    RESULT_REFUSED,  /* status 1, one line */
    RESULT_ACCEPTED, /* status 0, the allowlist */
    RESULT_FAILED,
};

enum real_result {
    REAL_NONE,
    REAL_EXITED,   /* any status: the guest's own */
    REAL_SIGNALED, /* a fault or forbidden call of the guest */
    REAL_RUNNING,  /* filter installed, still running: killed */
    REAL_FAILED,
};

enum family {
    FAM_BASE,
    FAM_TRUNCATE,
    FAM_EHDR,
    FAM_PHDR,
    FAM_NOTE,
    FAM_EXTRANOTE,
    FAM_MANIFEST,
    FAM_FLIP,
    FAM_COUNT
};

static const char *const family_names[FAM_COUNT] = {
    "base", "truncate", "ehdr", "phdr", "note", "extranote", "manifest", "flip",
};

/* A valid guest, and where its parts are. */
struct base {
    char name[64];
    uint8_t *buf;
    size_t size;
    bool sdk;         /* real code: must run when unmodified */
    bool every_field; /* gets the ehdr, phdr and note families */
    char disks[MAX_DISKS][MFT_NAME_SIZE]; /* its block devices' names */
    unsigned ndisks;
    size_t phoff;
    unsigned phnum;
    long abi_note, mft_note; /* note header offsets, or -1 */
    unsigned mft_entries;
    size_t needed_end; /* the loader reads nothing at or past this */
};

/* One generated case, as the enumeration hands it over. */
struct gcase {
    const struct base *base; /* its device arguments */
    enum family family;
    const char *what;
    const uint8_t *buf;
    size_t size;
    enum expect expect;
};

/* Shared between the workers (MAP_SHARED): one byte per case. */
struct shared {
    unsigned ncases;
    uint8_t *result;      /* enum result */
    uint8_t *family;      /* enum family */
    uint8_t *real_wanted; /* run this one for real */
    uint8_t *real_result; /* enum real_result */
    uint8_t *real_must_succeed;
    uint8_t *real_status, *real_signal; /* of each real run */
};

struct ctx {
    const char *workdir, *asan_tender, *tender;
    struct base bases[16];
    unsigned nbases;
    uint64_t seed;
    unsigned jobs, worker;
    struct shared sh;
    enum { PASS_COUNT, PASS_CHECK, PASS_REAL } pass;
    unsigned index; /* of the next case in the enumeration */
    uint8_t *scratch;
    size_t scratch_cap;
    char case_path[4096];
};

/* ---- small helpers ---- */

static void __attribute__((noreturn, format(printf, 1, 2)))
fatal(const char *fmt, ...)
{
    va_list ap;

    fputs("malformed: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        fatal("out of memory");
    return p;
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static uint64_t get_le(const uint8_t *p, unsigned width)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, unsigned width, uint64_t v)
{
    for (unsigned i = 0; i < width; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t truncated(uint64_t v, unsigned width)
{
    return width == 8 ? v : v & ((1ULL << (8 * width)) - 1);
}

static bool is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* xorshift64*: the flips are the same on every run with the same seed. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545f4914f6cdd1dULL;
}

static int write_file(const char *path, const uint8_t *buf, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t done = 0;

    if (fd == -1)
        return -1;
    while (done < size) {
        ssize_t n = write(fd, buf + done, size - done);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    return close(fd);
}

static uint8_t *read_file(const char *path, size_t *size)
{
    struct stat st;
    uint8_t *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd == -1 || fstat(fd, &st) == -1)
        fatal("%s: %s", path, strerror(errno));
    buf = xmalloc((size_t)st.st_size);
    if (read(fd, buf, (size_t)st.st_size) != st.st_size)
        fatal("%s: short read", path);
    close(fd);
    *size = (size_t)st.st_size;
    return buf;
}

/* ---- the bases ---- */

static const Elf64_Phdr *base_phdr(const struct base *b, unsigned i,
                                   Elf64_Phdr *out)
{
    memcpy(out, b->buf + b->phoff + i * sizeof *out, sizeof *out);
    return out;
}

static bool note_is(const struct base *b, uint64_t off, uint64_t filesz,
                    uint32_t type)
{
    Elf64_Nhdr nh;

    if (filesz < SOLO5_NOTE_HDR_SIZE || off + SOLO5_NOTE_HDR_SIZE > b->size)
        return false;
    memcpy(&nh, b->buf + off, sizeof nh);
    return nh.n_namesz == SOLO5_NOTE_NAMESZ && nh.n_type == type &&
           memcmp(b->buf + off + sizeof nh, SOLO5_NOTE_NAME,
                  SOLO5_NOTE_NAMESZ) == 0;
}

static uint32_t note_descsz(const struct base *b, long off)
{
    return (uint32_t)get_le(b->buf + off + 4, 4);
}

/*
 * Find the notes as the loader does (first note of each PT_NOTE, first
 * match wins), and the last byte the loader reads: the headers, the
 * content of every PT_LOAD with some, the note headers it looks at on
 * the way and the two descriptors.
 */
static void base_locate(struct base *b)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    size_t end;

    memcpy(&eh, b->buf, sizeof eh);
    b->phoff = eh.e_phoff;
    b->phnum = eh.e_phnum;
    b->abi_note = b->mft_note = -1;
    end = b->phoff + b->phnum * sizeof ph;
    for (unsigned i = 0; i < b->phnum; i++) {
        base_phdr(b, i, &ph);
        if (ph.p_type == PT_LOAD && ph.p_filesz > 0 &&
            ph.p_offset + ph.p_filesz > end)
            end = ph.p_offset + ph.p_filesz;
        if (ph.p_type != PT_NOTE || ph.p_filesz < SOLO5_NOTE_HDR_SIZE ||
            (b->abi_note >= 0 && b->mft_note >= 0))
            continue;
        if (ph.p_offset + SOLO5_NOTE_HDR_SIZE > end)
            end = ph.p_offset + SOLO5_NOTE_HDR_SIZE;
        if (b->abi_note < 0 &&
            note_is(b, ph.p_offset, ph.p_filesz, SOLO5_NOTE_ABI))
            b->abi_note = (long)ph.p_offset;
        else if (b->mft_note < 0 &&
                 note_is(b, ph.p_offset, ph.p_filesz, SOLO5_NOTE_MANIFEST))
            b->mft_note = (long)ph.p_offset;
    }
    if (b->abi_note < 0 || b->mft_note < 0)
        fatal("%s: not a Solo5 guest (no ABI1 or MFT1 note)", b->name);
    for (int k = 0; k < 2; k++) {
        long off = k == 0 ? b->abi_note : b->mft_note;
        size_t note_end =
            (size_t)off + SOLO5_NOTE_HDR_SIZE + note_descsz(b, off);

        if (note_end > end)
            end = note_end;
    }
    b->needed_end = end;
    b->mft_entries = (uint32_t)get_le(
        b->buf + b->mft_note + SOLO5_NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD + 4, 4);
}

static struct mft_entry *base_mft_entry(uint8_t *buf, const struct base *b,
                                        unsigned i)
{
    struct mft *mft = (struct mft *)(buf + b->mft_note + SOLO5_NOTE_HDR_SIZE +
                                     SOLO5_MFT_NOTE_PAD);

    return &mft->e[i];
}

/* The block devices to attach; a network device needs a tap: refused. */
static void base_devices(struct base *b)
{
    for (unsigned i = 1; i < b->mft_entries; i++) {
        const struct mft_entry *e = base_mft_entry(b->buf, b, i);

        if (e->type >= MFT_RESERVED_FIRST)
            continue;
        if (e->type != MFT_DEV_BLOCK_BASIC)
            fatal("%s: declares a network device; use a guest without one",
                  b->name);
        if (b->ndisks == MAX_DISKS)
            fatal("%s: too many block devices", b->name);
        snprintf(b->disks[b->ndisks++], MFT_NAME_SIZE, "%s", e->name);
    }
}

/*
 * Each worker has disks of its own: the tender locks a disk while a guest
 * has it attached, and workers run guests at the same time.
 */
static void disk_path(const struct ctx *c, const char *name, char *path,
                      size_t cap)
{
    snprintf(path, cap, "%s/disk-%u-%s", c->workdir, c->worker, name);
}

static void worker_disks(const struct ctx *c)
{
    for (unsigned i = 0; i < c->nbases; i++) {
        const struct base *b = &c->bases[i];

        for (unsigned d = 0; d < b->ndisks; d++) {
            char path[4200];
            int fd;

            disk_path(c, b->disks[d], path, sizeof path);
            fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
            if (fd == -1 || ftruncate(fd, DISK_SIZE) == -1)
                fatal("%s: %s", path, strerror(errno));
            close(fd);
        }
    }
}

static void add_base(struct ctx *c, const char *name, uint8_t *buf, size_t size,
                     bool sdk, bool every_field)
{
    struct base *b = &c->bases[c->nbases++];

    snprintf(b->name, sizeof b->name, "%s", name);
    b->buf = buf;
    b->size = size;
    b->sdk = sdk;
    b->every_field = every_field;
    base_locate(b);
    base_devices(b);
    if (size > c->scratch_cap)
        c->scratch_cap = size;
}

static void add_elfgen_base(struct ctx *c, const char *name,
                            const struct elfgen_opts *opts, bool every_field)
{
    struct elfgen g;

    if (elfgen_build(&g, opts) == -1)
        fatal("out of memory");
    /* The base keeps g.buf. */
    add_base(c, name, g.buf, g.size, false, every_field);
}

/* ---- running a process ---- */

struct proc_result {
    bool exited;
    int status, sig;
    bool timed_out;     /* killed at the deadline */
    bool guest_running; /* killed after the grace period, filter on */
    char out[OUTPUT_KEPT + 1], err[OUTPUT_KEPT + 1];
    size_t out_len, err_len; /* total bytes written */
};

static void keep_output(int fd, char *kept, size_t *len, bool *open)
{
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof chunk);

    if (n <= 0) {
        if (n == 0 || errno != EINTR)
            *open = false;
        return;
    }
    if (*len < OUTPUT_KEPT) {
        size_t take =
            (size_t)n < OUTPUT_KEPT - *len ? (size_t)n : OUTPUT_KEPT - *len;

        memcpy(kept + *len, chunk, take);
        kept[*len + take] = '\0';
    }
    *len += (size_t)n;
}

/* The seccomp filter is on: the process runs guest code now. */
static bool filter_installed(pid_t pid)
{
    char path[64], line[256];
    bool on = false;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Seccomp:", 8) == 0)
            on = atoi(line + 8) == 2;
    fclose(f);
    return on;
}

/*
 * Run argv with stdin on /dev/null, no core dumps, stdout and stderr
 * captured. With grace_ms > 0, a process still running then with its
 * filter installed is a guest at work: it is killed and so reported.
 */
static void run_process(char *const argv[], int grace_ms, int timeout_ms,
                        struct proc_result *r)
{
    int out_pipe[2], err_pipe[2], pidfd, wstatus;
    bool out_open = true, err_open = true, done = false, killed = false;
    long start = now_ms(), timeout_at = start + timeout_ms;
    long grace_at = grace_ms > 0 ? start + grace_ms : -1;
    pid_t pid;

    memset(r, 0, sizeof *r);
    if (pipe2(out_pipe, O_CLOEXEC) == -1 || pipe2(err_pipe, O_CLOEXEC) == -1)
        fatal("pipe: %s", strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid == -1)
        fatal("fork: %s", strerror(errno));
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

        setrlimit(RLIMIT_CORE, &no_core);
        dup2(null, 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    pidfd = pidfd_open(pid, 0);
    if (pidfd == -1)
        fatal("pidfd_open: %s", strerror(errno));

    while (!done || out_open || err_open) {
        struct pollfd p[3] = {
            {out_open ? out_pipe[0] : -1, POLLIN, 0},
            {err_open ? err_pipe[0] : -1, POLLIN, 0},
            {done ? -1 : pidfd, POLLIN, 0},
        };
        long now = now_ms(), wait_ms = -1;
        int ready;

        /* Gone, but something it started holds the pipes: stop reading. */
        if (done)
            wait_ms = OUTPUT_DRAIN_MS;
        if (!done && !killed) {
            if (grace_at >= 0 && now >= grace_at) {
                grace_at = -1;
                if (filter_installed(pid)) {
                    r->guest_running = true;
                    killed = kill(pid, SIGKILL) == 0;
                }
            }
            if (!killed && now >= timeout_at) {
                r->timed_out = true;
                killed = kill(pid, SIGKILL) == 0;
            }
            if (!killed)
                wait_ms = (grace_at >= 0 ? grace_at : timeout_at) - now;
        }
        ready = poll(p, 3, (int)wait_ms);
        if (ready == -1 && errno != EINTR)
            fatal("poll: %s", strerror(errno));
        if (ready == 0 && done)
            break;
        if (p[0].revents)
            keep_output(out_pipe[0], r->out, &r->out_len, &out_open);
        if (p[1].revents)
            keep_output(err_pipe[0], r->err, &r->err_len, &err_open);
        if (p[2].revents)
            done = true;
    }
    while (waitpid(pid, &wstatus, 0) == -1 && errno == EINTR)
        ;
    close(pidfd);
    close(out_pipe[0]);
    close(err_pipe[0]);
    r->exited = WIFEXITED(wstatus);
    r->status = r->exited ? WEXITSTATUS(wstatus) : 0;
    r->sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
}

/* ---- judging ---- */

static const char *first_line(const char *s, char *buf, size_t cap)
{
    size_t n = strcspn(s, "\n");

    snprintf(buf, cap, "%.*s", (int)(n < cap - 1 ? n : cap - 1), s);
    return buf;
}

static void keep_failed(struct ctx *c, const struct gcase *gc)
{
    char dir[4200], path[4400];

    snprintf(dir, sizeof dir, "%s/failed", c->workdir);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%u.spt", dir, c->index);
    if (write_file(path, gc->buf, gc->size) == -1)
        fprintf(stderr, "malformed: cannot keep %s: %s\n", path,
                strerror(errno));
}

static void __attribute__((format(printf, 3, 4)))
case_failed(struct ctx *c, const struct gcase *gc, const char *fmt, ...)
{
    char why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    keep_failed(c, gc);
    fprintf(stderr,
            "malformed: FAIL case %u (%s, %s: %s): %s; kept as "
            "%s/failed/%u.spt\n",
            c->index, gc->base->name, family_names[gc->family], gc->what, why,
            c->workdir, c->index);
}

/* The one shape of a refusal: "solo5-spt: ...\n", nothing else. */
static bool one_refusal_line(const struct proc_result *r)
{
    size_t len = r->err_len;

    return r->out_len == 0 && len > 12 && len <= OUTPUT_KEPT &&
           strncmp(r->err, "solo5-spt: ", 11) == 0 &&
           strchr(r->err, '\n') == r->err + len - 1;
}

static enum result judge_check(struct ctx *c, const struct gcase *gc,
                               const struct proc_result *r)
{
    char line[200];

    first_line(r->err, line, sizeof line);
    if (r->timed_out) {
        case_failed(c, gc, "no answer within %d ms (hang)", CHECK_TIMEOUT_MS);
        return RESULT_FAILED;
    }
    if (!r->exited) {
        case_failed(c, gc, "killed by signal %d (%s): %s", r->sig,
                    strsignal(r->sig), line);
        return RESULT_FAILED;
    }
    if (r->status == ASAN_EXIT || r->status == UBSAN_EXIT ||
        strstr(r->err, "Sanitizer") || strstr(r->err, "runtime error")) {
        case_failed(c, gc, "sanitizer report (status %d): %s", r->status,
                    strstr(r->err, "runtime error")
                        ? strstr(r->err, "runtime error")
                        : r->err);
        return RESULT_FAILED;
    }
    if (r->status == 1) {
        if (!one_refusal_line(r)) {
            case_failed(c, gc,
                        "status 1 without exactly one line on stderr "
                        "(%zu bytes on stdout, %zu on stderr): %s",
                        r->out_len, r->err_len, line);
            return RESULT_FAILED;
        }
        if (gc->expect == EXPECT_ACCEPTED) {
            case_failed(c, gc, "refused, but the spec makes it valid: %s",
                        line);
            return RESULT_FAILED;
        }
        return RESULT_REFUSED;
    }
    if (r->status == 0) {
        if (r->err_len != 0 || strncmp(r->out, "seccomp allowlist:", 18) != 0) {
            case_failed(c, gc, "status 0 without the allowlist alone: %s",
                        line);
            return RESULT_FAILED;
        }
        if (gc->expect == EXPECT_REFUSED) {
            case_failed(c, gc, "accepted, but the spec says refuse");
            return RESULT_FAILED;
        }
        return RESULT_ACCEPTED;
    }
    case_failed(c, gc, "status %d: %s", r->status, line);
    return RESULT_FAILED;
}

static bool guest_fault_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGSYS || sig == SIGILL || sig == SIGBUS ||
           sig == SIGFPE || sig == SIGTRAP;
}

static enum real_result judge_real(struct ctx *c, const struct gcase *gc,
                                   const struct proc_result *r,
                                   bool must_succeed)
{
    char line[200];

    first_line(r->err, line, sizeof line);
    if (r->timed_out) {
        case_failed(c, gc,
                    "for real: no guest running after %d ms (the "
                    "tender hung)",
                    REAL_TIMEOUT_MS);
        return REAL_FAILED;
    }
    if (must_succeed && !(r->exited && r->status == 0)) {
        case_failed(c, gc,
                    "for real: the unmodified guest did not exit 0 "
                    "(status %d, signal %d): %s",
                    r->status, r->sig, line);
        return REAL_FAILED;
    }
    if (r->guest_running)
        return REAL_RUNNING;
    if (r->exited) {
        if (r->status == 1 && strncmp(r->err, "solo5-spt: ", 11) == 0) {
            case_failed(c, gc,
                        "for real: refused after --x-print-policy "
                        "accepted it: %s",
                        line);
            return REAL_FAILED;
        }
        return REAL_EXITED;
    }
    if (!guest_fault_signal(r->sig)) {
        case_failed(c, gc,
                    "for real: killed by signal %d (%s), which no "
                    "guest code raises: %s",
                    r->sig, strsignal(r->sig), line);
        return REAL_FAILED;
    }
    return REAL_SIGNALED;
}

/* ---- the enumeration: every case passes through here ---- */

static bool mine(const struct ctx *c, unsigned index)
{
    return index % c->jobs == c->worker;
}

static void emit(struct ctx *c, const struct gcase *gc)
{
    unsigned i = c->index;
    char disk_args[MAX_DISKS][4400];
    char *argv[8 + MAX_DISKS];
    unsigned n = 0;
    struct proc_result r;

    if (c->pass == PASS_COUNT || !mine(c, i) ||
        (c->pass == PASS_REAL && !c->sh.real_wanted[i])) {
        c->index++;
        return;
    }
    if (write_file(c->case_path, gc->buf, gc->size) == -1)
        fatal("%s: %s", c->case_path, strerror(errno));
    argv[n++] = (char *)(c->pass == PASS_CHECK ? c->asan_tender : c->tender);
    for (unsigned d = 0; d < gc->base->ndisks; d++) {
        char path[4200];

        disk_path(c, gc->base->disks[d], path, sizeof path);
        snprintf(disk_args[d], sizeof disk_args[d], "--block:%s=%s",
                 gc->base->disks[d], path);
        argv[n++] = disk_args[d];
    }
    if (c->pass == PASS_CHECK)
        argv[n++] = "--x-print-policy";
    argv[n++] = c->case_path;
    argv[n] = NULL;
    if (c->pass == PASS_CHECK) {
        run_process(argv, 0, CHECK_TIMEOUT_MS, &r);
        c->sh.family[i] = (uint8_t)gc->family;
        c->sh.real_must_succeed[i] = gc->family == FAM_BASE && gc->base->sdk;
        c->sh.result[i] = (uint8_t)judge_check(c, gc, &r);
    } else {
        run_process(argv, GUEST_GRACE_MS, REAL_TIMEOUT_MS, &r);
        c->sh.real_result[i] =
            (uint8_t)judge_real(c, gc, &r, c->sh.real_must_succeed[i]);
        c->sh.real_status[i] = (uint8_t)r.status;
        c->sh.real_signal[i] = (uint8_t)r.sig;
    }
    c->index++;
}

static void emit_buf(struct ctx *c, const struct base *b, enum family fam,
                     const char *what, const uint8_t *buf, size_t size,
                     enum expect expect)
{
    struct gcase gc = {b, fam, what, buf, size, expect};

    emit(c, &gc);
}

/* A copy of the base to mutate. */
static uint8_t *scratch(struct ctx *c, const struct base *b)
{
    memcpy(c->scratch, b->buf, b->size);
    return c->scratch;
}

/*
 * Set a field of width bytes at off to each edge value (as many low bytes
 * as fit), skipping repeats and the original; expect() judges each.
 */
typedef enum expect (*expect_fn)(const struct base *b, const void *arg,
                                 uint64_t value);

static void edge_values(struct ctx *c, const struct base *b, enum family fam,
                        const char *name, size_t off, unsigned width,
                        expect_fn expect, const void *arg)
{
    uint64_t orig = get_le(b->buf + off, width);
    /* clang-format off */
    const uint64_t values[] = {
        0, 1, PAGE - 1, PAGE, MIN_LOAD - 1, MIN_LOAD, MEM_SIZE - 1, MEM_SIZE,
        0x80000000ULL, 0xffffffffULL, 1ULL << 63, UINT64_MAX, orig - 1,
        orig + 1,
    };
    /* clang-format on */
    uint64_t seen[sizeof values / sizeof values[0]];
    unsigned nseen = 0;

    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        uint64_t v = truncated(values[k], width);
        char what[96];
        bool dup = v == orig;
        uint8_t *buf;

        for (unsigned s = 0; s < nseen && !dup; s++)
            dup = seen[s] == v;
        if (dup)
            continue;
        seen[nseen++] = v;
        buf = scratch(c, b);
        put_le(buf + off, width, v);
        snprintf(what, sizeof what, "%s = 0x%llx", name, (unsigned long long)v);
        emit_buf(c, b, fam, what, buf, b->size, expect(b, arg, v));
    }
}

/* ---- families ---- */

static void family_truncate(struct ctx *c, const struct base *b)
{
    size_t ph_end = b->phoff + b->phnum * sizeof(Elf64_Phdr);
    uint8_t *marks = xmalloc(b->size);
    Elf64_Phdr ph;

    /*
     * Every length through the ELF header, every 8 bytes through the
     * program headers, the bytes around each segment's and note's start
     * and end, around the last byte the loader reads, and a stride.
     */
    memset(marks, 0, b->size);
    for (size_t len = 0; len < b->size && len <= ph_end; len++)
        marks[len] = len <= sizeof(Elf64_Ehdr) || len % 8 == 0;
    for (size_t len = 0; len < b->needed_end + PAGE && len < b->size;
         len += 509)
        marks[len] = 1;
    for (unsigned i = 0; i < b->phnum; i++) {
        base_phdr(b, i, &ph);
        for (int d = -1; d <= 1; d++) {
            size_t at[2] = {ph.p_offset + d, ph.p_offset + ph.p_filesz + d};

            for (int k = 0; k < 2; k++)
                if (at[k] < b->size)
                    marks[at[k]] = 1;
        }
    }
    for (int n = 0; n < 2; n++) {
        long off = n == 0 ? b->abi_note : b->mft_note;

        for (size_t k = 0; k <= SOLO5_NOTE_HDR_SIZE + 8; k += 4)
            if ((size_t)off + k < b->size)
                marks[off + k] = 1;
    }
    for (int d = -2; d <= 0; d++)
        if (b->needed_end + d < b->size)
            marks[b->needed_end + d] = 1;
    marks[b->size - 1] = 1;

    for (size_t len = 0; len < b->size; len++) {
        char what[64];

        if (!marks[len])
            continue;
        snprintf(what, sizeof what, "cut at %zu of %zu bytes", len, b->size);
        emit_buf(c, b, FAM_TRUNCATE, what, b->buf, len,
                 len < b->needed_end ? EXPECT_REFUSED : EXPECT_ACCEPTED);
    }
    free(marks);
}

struct field {
    const char *name;
    size_t off;
    unsigned width;
    enum expect expect; /* for any change */
};

static enum expect fixed_expect(const struct base *b, const void *arg,
                                uint64_t v)
{
    const struct field *f = arg;

    (void)b;
    (void)v;
    return f->expect;
}

static enum expect phnum_expect(const struct base *b, const void *arg,
                                uint64_t v)
{
    (void)b;
    (void)arg;
    return v == 0 || v == PN_XNUM ? EXPECT_REFUSED : EXPECT_ANY;
}

static enum expect entry_expect(const struct base *b, const void *arg,
                                uint64_t v)
{
    (void)b;
    (void)arg;
    return v < MIN_LOAD || v >= MEM_SIZE ? EXPECT_REFUSED : EXPECT_ANY;
}

#define EHDR_FIELD(f, e)                                                       \
    {                                                                          \
#f, offsetof(Elf64_Ehdr, f), sizeof(((Elf64_Ehdr *)0)->f), (e)         \
    }

static void family_ehdr(struct ctx *c, const struct base *b)
{
    static const char *const ident_names[EI_NIDENT] = {
        "EI_MAG0",       "EI_MAG1",    "EI_MAG2",    "EI_MAG3",
        "EI_CLASS",      "EI_DATA",    "EI_VERSION", "EI_OSABI",
        "EI_ABIVERSION", "EI_PAD[9]",  "EI_PAD[10]", "EI_PAD[11]",
        "EI_PAD[12]",    "EI_PAD[13]", "EI_PAD[14]", "EI_PAD[15]",
    };
    /* Spec section 1: what is checked must be refused, the rest ignored. */
    static const struct field fields[] = {
        EHDR_FIELD(e_type, EXPECT_REFUSED),
        EHDR_FIELD(e_machine, EXPECT_REFUSED),
        EHDR_FIELD(e_version, EXPECT_REFUSED),
        EHDR_FIELD(e_entry, EXPECT_ANY),
        EHDR_FIELD(e_phoff, EXPECT_ANY),
        EHDR_FIELD(e_shoff, EXPECT_ACCEPTED),
        EHDR_FIELD(e_flags, EXPECT_ACCEPTED),
        EHDR_FIELD(e_ehsize, EXPECT_REFUSED),
        EHDR_FIELD(e_phentsize, EXPECT_REFUSED),
        EHDR_FIELD(e_phnum, EXPECT_ANY),
        EHDR_FIELD(e_shentsize, EXPECT_ACCEPTED),
        EHDR_FIELD(e_shnum, EXPECT_ACCEPTED),
        EHDR_FIELD(e_shstrndx, EXPECT_ACCEPTED),
    };

    for (unsigned i = 0; i < EI_NIDENT; i++) {
        /*
         * Magic, class and data are checked; the rest is not, as in the
         * Solo5 tender: EI_VERSION (only e_version is), EI_OSABI and
         * EI_ABIVERSION (BSD toolchains set them), the padding.
         */
        struct field f = {ident_names[i], i, 1,
                          i <= EI_DATA ? EXPECT_REFUSED : EXPECT_ACCEPTED};

        edge_values(c, b, FAM_EHDR, f.name, f.off, 1, fixed_expect, &f);
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const struct field *f = &fields[i];
        expect_fn fn = fixed_expect;

        if (f->off == offsetof(Elf64_Ehdr, e_phnum))
            fn = phnum_expect;
        else if (f->off == offsetof(Elf64_Ehdr, e_entry))
            fn = entry_expect;
        edge_values(c, b, FAM_EHDR, f->name, f->off, f->width, fn, f);
    }
}

struct phdr_field {
    Elf64_Phdr orig;
    size_t field_off; /* offsetof(Elf64_Phdr, ...) */
    uint64_t file_size;
};

/*
 * What spec section 1 says about one program header field: p_paddr is
 * never read; PT_NOTE only by offset and size, other types (PT_INTERP,
 * PT_TLS, PT_NULL, ...) not at all; a PT_LOAD without content is skipped;
 * a PT_LOAD with content breaks the rules in clear ways.
 */
static enum expect phdr_expect(const struct base *b, const void *arg,
                               uint64_t v)
{
    const struct phdr_field *pf = arg;
    const Elf64_Phdr *o = &pf->orig;
    size_t f = pf->field_off;

    (void)b;
    if (f == offsetof(Elf64_Phdr, p_paddr))
        return EXPECT_ACCEPTED;
    if (f == offsetof(Elf64_Phdr, p_type))
        return EXPECT_ANY;
    if (o->p_type == PT_NOTE && f == offsetof(Elf64_Phdr, p_filesz) &&
        v < SOLO5_NOTE_MIN_PHDR)
        return EXPECT_REFUSED; /* refused wherever it is */
    if (o->p_type == PT_NOTE)
        return f == offsetof(Elf64_Phdr, p_offset) ||
                       f == offsetof(Elf64_Phdr, p_filesz)
                   ? EXPECT_ANY
                   : EXPECT_ACCEPTED;
    if (o->p_type != PT_LOAD)
        return EXPECT_ACCEPTED;
    if (o->p_filesz == 0)
        return f == offsetof(Elf64_Phdr, p_filesz) ? EXPECT_ANY
                                                   : EXPECT_ACCEPTED;
    if (f == offsetof(Elf64_Phdr, p_vaddr) && v < MIN_LOAD)
        return EXPECT_REFUSED;
    if (f == offsetof(Elf64_Phdr, p_flags) && (v & PF_W) && (v & PF_X))
        return EXPECT_REFUSED;
    if (f == offsetof(Elf64_Phdr, p_align) && !is_pow2(v))
        return EXPECT_REFUSED;
    if (f == offsetof(Elf64_Phdr, p_filesz) &&
        (v > o->p_memsz ||
         (v > 0 && (v > pf->file_size || o->p_offset > pf->file_size - v))))
        return EXPECT_REFUSED;
    if (f == offsetof(Elf64_Phdr, p_memsz) && v < o->p_filesz)
        return EXPECT_REFUSED;
    if (f == offsetof(Elf64_Phdr, p_offset) &&
        (v > pf->file_size || o->p_filesz > pf->file_size - v))
        return EXPECT_REFUSED;
    return EXPECT_ANY;
}

#define PHDR_FIELD(f)                                                          \
    {                                                                          \
#f, offsetof(Elf64_Phdr, f), sizeof(((Elf64_Phdr *)0)->f)              \
    }

static void family_phdr(struct ctx *c, const struct base *b)
{
    static const struct {
        const char *name;
        size_t off;
        unsigned width;
    } fields[] = {
        PHDR_FIELD(p_type),  PHDR_FIELD(p_flags), PHDR_FIELD(p_offset),
        PHDR_FIELD(p_vaddr), PHDR_FIELD(p_paddr), PHDR_FIELD(p_filesz),
        PHDR_FIELD(p_memsz), PHDR_FIELD(p_align),
    };
    /* Types and flags that mean something, beyond the edge values. */
    static const uint32_t types[] = {PT_LOAD,    PT_NOTE, PT_INTERP,   PT_TLS,
                                     PT_DYNAMIC, PT_PHDR, PT_GNU_STACK};
    static const uint32_t flags[] = {PF_R | PF_W | PF_X, PF_W | PF_X, PF_X,
                                     PF_R | PF_W};

    for (unsigned i = 0; i < b->phnum; i++) {
        struct phdr_field pf = {.file_size = b->size};
        size_t ph_off = b->phoff + i * sizeof(Elf64_Phdr);

        base_phdr(b, i, &pf.orig);
        for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
            char name[48];

            snprintf(name, sizeof name, "phdr[%u].%s", i, fields[k].name);
            pf.field_off = fields[k].off;
            edge_values(c, b, FAM_PHDR, name, ph_off + fields[k].off,
                        fields[k].width, phdr_expect, &pf);
        }
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
            uint8_t *buf;
            char what[48];

            if (types[k] == pf.orig.p_type)
                continue;
            buf = scratch(c, b);
            put_le(buf + ph_off + offsetof(Elf64_Phdr, p_type), 4, types[k]);
            snprintf(what, sizeof what, "phdr[%u].p_type = 0x%x", i, types[k]);
            emit_buf(c, b, FAM_PHDR, what, buf, b->size, EXPECT_ANY);
        }
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
            uint8_t *buf;
            char what[48];

            if (flags[k] == pf.orig.p_flags)
                continue;
            pf.field_off = offsetof(Elf64_Phdr, p_flags);
            buf = scratch(c, b);
            put_le(buf + ph_off + pf.field_off, 4, flags[k]);
            snprintf(what, sizeof what, "phdr[%u].p_flags = 0x%x", i, flags[k]);
            emit_buf(c, b, FAM_PHDR, what, buf, b->size,
                     phdr_expect(b, &pf, flags[k]));
        }
    }
}

struct note_field {
    long note;     /* note header offset */
    uint64_t room; /* p_filesz of its PT_NOTE */
    bool abi;
};

static enum expect descsz_expect(const struct base *b, const void *arg,
                                 uint64_t v)
{
    const struct note_field *nf = arg;

    (void)b;
    /* The manifest's size is fixed by its entry count. */
    if (!nf->abi)
        return EXPECT_REFUSED;
    /* Fewer than 8 bytes leave the target or the version zero. */
    if (v < 8 || v > SOLO5_ABI1_DESC_MAX || SOLO5_NOTE_HDR_SIZE + v > nf->room)
        return EXPECT_REFUSED;
    return EXPECT_ACCEPTED;
}

static enum expect spt_field_expect(const struct base *b, const void *arg,
                                    uint64_t v)
{
    (void)b;
    (void)arg;
    return v == 2 ? EXPECT_ACCEPTED : EXPECT_REFUSED;
}

static uint64_t note_room(const struct base *b, long note)
{
    Elf64_Phdr ph;

    for (unsigned i = 0; i < b->phnum; i++)
        if (base_phdr(b, i, &ph)->p_type == PT_NOTE &&
            ph.p_offset == (uint64_t)note)
            return ph.p_filesz;
    return 0;
}

static void family_note(struct ctx *c, const struct base *b)
{
    static const uint8_t name_bytes[] = {0, 's', 0xff};

    for (int k = 0; k < 2; k++) {
        struct note_field nf = {k == 0 ? b->abi_note : b->mft_note, 0, k == 0};
        struct field namesz = {"n_namesz", nf.note, 4, EXPECT_REFUSED};
        struct field type = {"n_type", nf.note + 8, 4, EXPECT_REFUSED};
        const char *which = nf.abi ? "ABI1" : "MFT1";
        char name[48];

        nf.room = note_room(b, nf.note);
        snprintf(name, sizeof name, "%s n_namesz", which);
        edge_values(c, b, FAM_NOTE, name, nf.note, 4, fixed_expect, &namesz);
        snprintf(name, sizeof name, "%s n_descsz", which);
        edge_values(c, b, FAM_NOTE, name, nf.note + 4, 4, descsz_expect, &nf);
        snprintf(name, sizeof name, "%s n_type", which);
        edge_values(c, b, FAM_NOTE, name, nf.note + 8, 4, fixed_expect, &type);
        /* "Solo5" and its NUL are compared; the two pad bytes are not. */
        for (unsigned i = 0; i < 8; i++) {
            for (size_t v = 0; v < sizeof name_bytes; v++) {
                uint8_t *buf = scratch(c, b);
                size_t at = nf.note + 12 + i;

                if (buf[at] == name_bytes[v])
                    continue;
                buf[at] = name_bytes[v];
                snprintf(name, sizeof name, "%s name[%u] = 0x%02x", which, i,
                         name_bytes[v]);
                emit_buf(c, b, FAM_NOTE, name, buf, b->size,
                         i < SOLO5_NOTE_NAMESZ ? EXPECT_REFUSED
                                               : EXPECT_ACCEPTED);
            }
        }
    }
    /* The ABI1 descriptor: spt (2), version 2; reserved words ignored. */
    {
        size_t desc = b->abi_note + SOLO5_NOTE_HDR_SIZE;
        struct field reserved = {"ABI1 reserved", 0, 4, EXPECT_ACCEPTED};

        edge_values(c, b, FAM_NOTE, "ABI1 abi_target", desc, 4,
                    spt_field_expect, NULL);
        edge_values(c, b, FAM_NOTE, "ABI1 abi_version", desc + 4, 4,
                    spt_field_expect, NULL);
        edge_values(c, b, FAM_NOTE, "ABI1 reserved0", desc + 8, 4, fixed_expect,
                    &reserved);
        edge_values(c, b, FAM_NOTE, "ABI1 reserved1", desc + 12, 4,
                    fixed_expect, &reserved);
    }
}

static enum expect version_expect(const struct base *b, const void *arg,
                                  uint64_t v)
{
    (void)b;
    (void)arg;
    return v == MFT_VERSION ? EXPECT_ACCEPTED : EXPECT_REFUSED;
}

/*
 * Entry fields of a base's manifest. Entry 0 must stay the reserved
 * entry; a device entry renamed or retyped no longer matches the option
 * that attaches it, so the tender refuses that too.
 */
static void family_manifest(struct ctx *c, const struct base *b)
{
    size_t mft = b->mft_note + SOLO5_NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD;
    struct field entries = {"entries", 0, 4, EXPECT_REFUSED};
    static const uint32_t types[] = {
        0,          MFT_DEV_BLOCK_BASIC, MFT_DEV_NET_BASIC,      3,
        0x3fffffff, MFT_RESERVED_FIRST,  MFT_RESERVED_FIRST + 1, 0xffffffff,
    };
    static const uint8_t attached[] = {1, 0x80, 0xff};

    edge_values(c, b, FAM_MANIFEST, "mft version", mft, 4, version_expect,
                NULL);
    edge_values(c, b, FAM_MANIFEST, "mft entries", mft + 4, 4, fixed_expect,
                &entries);
    for (unsigned i = 0; i < b->mft_entries; i++) {
        const struct mft_entry *orig = base_mft_entry(b->buf, b, i);
        bool device = i > 0 && orig->type < MFT_RESERVED_FIRST;
        char what[96];

        /* 68 name bytes without a NUL; the last byte alone set. */
        for (int k = 0; k < 2; k++) {
            uint8_t *buf = scratch(c, b);
            struct mft_entry *e = base_mft_entry(buf, b, i);

            if (k == 0)
                memset(e->name, 'n', MFT_NAME_SIZE);
            else
                e->name[MFT_NAME_MAX] = 'n';
            snprintf(what, sizeof what, "entry %u: %s", i,
                     k == 0 ? "name of 68 bytes, no NUL" : "name[67] not NUL");
            emit_buf(c, b, FAM_MANIFEST, what, buf, b->size, EXPECT_REFUSED);
        }
        /* Another name: entry 0 must have none, a device is unmatched. */
        {
            uint8_t *buf = scratch(c, b);
            struct mft_entry *e = base_mft_entry(buf, b, i);

            memcpy(e->name, i == 0 ? "x" : "other", i == 0 ? 2 : 6);
            snprintf(what, sizeof what, "entry %u: renamed", i);
            emit_buf(c, b, FAM_MANIFEST, what, buf, b->size,
                     i == 0 || device ? EXPECT_REFUSED : EXPECT_ANY);
        }
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
            uint8_t *buf;

            if (types[k] == orig->type)
                continue;
            buf = scratch(c, b);
            base_mft_entry(buf, b, i)->type = types[k];
            snprintf(what, sizeof what, "entry %u: type 0x%x", i, types[k]);
            emit_buf(c, b, FAM_MANIFEST, what, buf, b->size,
                     i == 0 || device ? EXPECT_REFUSED : EXPECT_ANY);
        }
        for (size_t k = 0; k < sizeof attached; k++) {
            uint8_t *buf = scratch(c, b);
            struct mft_entry *e = base_mft_entry(buf, b, i);

            ((uint8_t *)e)[offsetof(struct mft_entry, attached)] = attached[k];
            snprintf(what, sizeof what, "entry %u: attached = 0x%02x", i,
                     attached[k]);
            emit_buf(c, b, FAM_MANIFEST, what, buf, b->size, EXPECT_REFUSED);
        }
        /* Fields the tender fills in itself: the file's values are moot. */
        {
            uint8_t *buf = scratch(c, b);
            struct mft_entry *e = base_mft_entry(buf, b, i);

            memset(&e->u, 0xff, sizeof e->u);
            memset(&e->b, 0xff, sizeof e->b);
            snprintf(what, sizeof what,
                     "entry %u: device fields and hostfd "
                     "all ones",
                     i);
            emit_buf(c, b, FAM_MANIFEST, what, buf, b->size, EXPECT_ACCEPTED);
        }
    }
}

static void family_flip(struct ctx *c, const struct base *b, unsigned count)
{
    uint64_t state = c->seed ^ (b->size * 0x9e3779b97f4a7c15ULL);
    size_t span = b->size < FLIP_SPAN ? b->size : FLIP_SPAN;

    if (state == 0)
        state = 1;
    for (unsigned n = 0; n < count; n++) {
        uint8_t *buf = scratch(c, b);
        unsigned flips = 1 + (unsigned)(next_random(&state) % 4);
        char what[160];
        int len = snprintf(what, sizeof what, "flip #%u:", n);

        for (unsigned k = 0; k < flips; k++) {
            size_t at = (size_t)(next_random(&state) % span);
            uint64_t r = next_random(&state);

            /* Half the time one bit, half the time a whole byte. */
            buf[at] = (r & 1) ? buf[at] ^ (uint8_t)(1u << ((r >> 1) % 8))
                              : (uint8_t)(r >> 8);
            if (len > 0 && (size_t)len < sizeof what)
                len += snprintf(what + len, sizeof what - len, " [%zu]=0x%02x",
                                at, buf[at]);
        }
        emit_buf(c, b, FAM_FLIP, what, buf, b->size, EXPECT_ANY);
    }
}

/* ---- cases built by elfgen itself ---- */

/* An elfgen image with room for notes, then one extra note placed. */
struct extra_note {
    const char *what;
    uint32_t namesz, descsz, type;
    const char *name;   /* 8 bytes written after the header */
    const void *desc;   /* descsz bytes, or NULL for zeros */
    uint64_t phdr_size; /* its PT_NOTE's p_filesz; 0: the note's size */
    bool first;         /* before the real notes in header order */
    enum expect expect;
};

static void emit_extra_note(struct ctx *c, const struct base *b,
                            const struct extra_note *x)
{
    struct elfgen_opts opts = {.spare_phdrs = 1, .spare_bytes = 8192};
    size_t len = 12 + 8 + (x->desc ? x->descsz : 0);
    uint8_t *note = xmalloc(len);
    Elf64_Phdr *ph, tmp;
    struct elfgen g;

    memset(note, 0, len);
    put_le(note, 4, x->namesz);
    put_le(note + 4, 4, x->descsz);
    put_le(note + 8, 4, x->type);
    memcpy(note + 12, x->name, 8);
    if (x->desc)
        memcpy(note + 20, x->desc, x->descsz);
    if (elfgen_build(&g, &opts) == -1)
        fatal("out of memory");
    ph = elfgen_add_note(&g, note, len);
    if (ph == NULL)
        fatal("elfgen: no room for an extra note");
    if (x->phdr_size)
        ph->p_filesz = ph->p_memsz = x->phdr_size;
    if (x->first) {
        Elf64_Phdr *abi = elfgen_phdr(&g, ELFGEN_NOTE_ABI);

        tmp = *abi;
        *abi = *ph;
        *ph = tmp;
    }
    emit_buf(c, b, FAM_EXTRANOTE, x->what, g.buf, g.size, x->expect);
    elfgen_free(&g);
    free(note);
}

/* Manifest descriptors (4 pad bytes first) for the extra MFT1 notes. */
static uint8_t mft_unattached[4 + MFT_SIZE(2)],
    mft_65_entries[4 + MFT_SIZE(65)];

static void extra_manifests_init(void)
{
    struct mft *m = (struct mft *)(mft_unattached + 4);

    /* A device nobody attaches. */
    m->version = MFT_VERSION;
    m->entries = 2;
    m->e[0].type = MFT_RESERVED_FIRST;
    memcpy(m->e[1].name, "other", 6);
    m->e[1].type = MFT_DEV_BLOCK_BASIC;
    /* One entry more than a manifest may have. */
    m = (struct mft *)(mft_65_entries + 4);
    m->version = MFT_VERSION;
    m->entries = 65;
    m->e[0].type = MFT_RESERVED_FIRST;
}

static const struct solo5_abi1 abi_hvt = {SOLO5_ABI_TARGET_HVT,
                                          SOLO5_SPT_ABI_VERSION, 0, 0};
static const struct solo5_abi1 abi_spt = {SOLO5_ABI_TARGET_SPT,
                                          SOLO5_SPT_ABI_VERSION, 0, 0};
#define SOLO5 "Solo5\0\0"
#define GNU   "GNU\0\0\0\0"

/* First match wins; a short PT_NOTE refuses the file wherever it is. */
static const struct extra_note extra_notes[] = {
    {"ABI1 for hvt after the real one", 6, 16, SOLO5_NOTE_ABI, SOLO5, &abi_hvt,
     0, false, EXPECT_ACCEPTED},
    {"ABI1 for hvt before the real one", 6, 16, SOLO5_NOTE_ABI, SOLO5, &abi_hvt,
     0, true, EXPECT_REFUSED},
    {"a second valid ABI1 first", 6, 16, SOLO5_NOTE_ABI, SOLO5, &abi_spt, 0,
     true, EXPECT_ACCEPTED},
    {"Solo5 note of unknown type first", 6, 16, 0x31424f46, SOLO5, &abi_spt, 0,
     true, EXPECT_ACCEPTED},
    {"GNU note first", 4, 16, SOLO5_NOTE_ABI, GNU, &abi_spt, 0, true,
     EXPECT_ACCEPTED},
    {"ABI1 with n_namesz 2^32-1 first", 0xffffffff, 16, SOLO5_NOTE_ABI, SOLO5,
     &abi_spt, 0, true, EXPECT_ACCEPTED},
    {"ABI1 with n_descsz 2^32-1 first", 6, 0xffffffff, SOLO5_NOTE_ABI, SOLO5,
     NULL, 0, true, EXPECT_REFUSED},
    {"ABI1 with n_descsz 2^32-1 last", 6, 0xffffffff, SOLO5_NOTE_ABI, SOLO5,
     NULL, 0, false, EXPECT_ACCEPTED},
    {"ABI1 with n_descsz 0 first", 6, 0, SOLO5_NOTE_ABI, SOLO5, NULL, 0, true,
     EXPECT_REFUSED},
    {"ABI1 in a PT_NOTE claiming 2^64-1 bytes first", 6, 16, SOLO5_NOTE_ABI,
     SOLO5, &abi_spt, UINT64_MAX, true, EXPECT_ANY},
    {"PT_NOTE of 11 bytes last", 6, 16, SOLO5_NOTE_ABI, SOLO5, &abi_spt, 11,
     false, EXPECT_REFUSED},
    {"PT_NOTE of 12 bytes first", 6, 16, SOLO5_NOTE_ABI, SOLO5, &abi_spt, 12,
     true, EXPECT_ACCEPTED},
    {"PT_NOTE of 19 bytes first", 6, 16, SOLO5_NOTE_ABI, SOLO5, &abi_spt, 19,
     true, EXPECT_ACCEPTED},
    {"PT_NOTE of 35 bytes for a 36-byte ABI1 first", 6, 16, SOLO5_NOTE_ABI,
     SOLO5, &abi_spt, 35, true, EXPECT_REFUSED},
    {"MFT1 with an unattached device first", 6, sizeof mft_unattached,
     SOLO5_NOTE_MANIFEST, SOLO5, mft_unattached, 0, true, EXPECT_REFUSED},
    {"MFT1 with an unattached device last", 6, sizeof mft_unattached,
     SOLO5_NOTE_MANIFEST, SOLO5, mft_unattached, 0, false, EXPECT_ACCEPTED},
    {"MFT1 of 65 entries first", 6, sizeof mft_65_entries, SOLO5_NOTE_MANIFEST,
     SOLO5, mft_65_entries, 0, true, EXPECT_REFUSED},
    {"MFT1 with n_descsz 2^32-1 first", 6, 0xffffffff, SOLO5_NOTE_MANIFEST,
     SOLO5, NULL, 0, true, EXPECT_REFUSED},
};

static void family_extranote(struct ctx *c, const struct base *b)
{
    for (size_t i = 0; i < sizeof extra_notes / sizeof extra_notes[0]; i++)
        emit_extra_note(c, b, &extra_notes[i]);
}

/* Manifests of 1 to 65 entries; devices of reserved types need nothing. */
static void family_manifest_sizes(struct ctx *c, const struct base *b)
{
    static const unsigned counts[] = {0, 1, 62, 63, 64};
    static const char *const names[] = {"1 entry", "2 entries", "63 entries",
                                        "64 entries", "65 entries"};
    struct elfgen_device devs[64];
    char dev_names[64][MFT_NAME_SIZE];

    for (unsigned i = 0; i < 64; i++) {
        /* The longest names a manifest holds: 67 characters. */
        memset(dev_names[i], 'a' + i % 26, MFT_NAME_MAX);
        snprintf(dev_names[i], 8, "d%02u", i);
        dev_names[i][3] = 'x';
        dev_names[i][MFT_NAME_MAX] = '\0';
        devs[i].name = dev_names[i];
        devs[i].type = MFT_RESERVED_FIRST + i;
    }
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
        struct elfgen_opts opts = {.devices = devs, .ndevices = counts[k]};
        struct elfgen g;

        if (elfgen_build(&g, &opts) == -1)
            fatal("out of memory");
        emit_buf(c, b, FAM_MANIFEST, names[k], g.buf, g.size,
                 counts[k] < MFT_MAX_ENTRIES ? EXPECT_ACCEPTED
                                             : EXPECT_REFUSED);
        /* The same manifest, its count set to 0 and to 2^32-1. */
        for (int z = 0; z < 2; z++) {
            char what[64];

            elfgen_mft(&g)->entries = z == 0 ? 0 : 0xffffffff;
            snprintf(what, sizeof what, "%s, count set to %s", names[k],
                     z == 0 ? "0" : "2^32-1");
            emit_buf(c, b, FAM_MANIFEST, what, g.buf, g.size, EXPECT_REFUSED);
        }
        elfgen_free(&g);
    }
}

static void enumerate(struct ctx *c)
{
    c->index = 0;
    for (unsigned i = 0; i < c->nbases; i++) {
        const struct base *b = &c->bases[i];

        emit_buf(c, b, FAM_BASE, "unmodified", b->buf, b->size,
                 EXPECT_ACCEPTED);
        family_truncate(c, b);
        if (b->every_field) {
            family_ehdr(c, b);
            family_phdr(c, b);
            family_note(c, b);
        }
        family_manifest(c, b);
        family_flip(c, b, FLIPS_PER_BASE);
    }
    /* Built from scratch: their device arguments are the first base's. */
    family_extranote(c, &c->bases[0]);
    family_manifest_sizes(c, &c->bases[0]);
}

/* ---- passes and the summary ---- */

static void *shared_bytes(size_t n)
{
    void *p = mmap(NULL, n ? n : 1, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        fatal("mmap: %s", strerror(errno));
    return p;
}

/* Fork the workers, each taking every jobs-th case; wait for them all. */
static void run_pass(struct ctx *c, int pass)
{
    pid_t pids[64];

    c->pass = pass;
    for (unsigned w = 0; w < c->jobs; w++) {
        fflush(NULL);
        pids[w] = fork();
        if (pids[w] == -1)
            fatal("fork: %s", strerror(errno));
        if (pids[w] == 0) {
            c->worker = w;
            snprintf(c->case_path, sizeof c->case_path, "%s/case-%u.spt",
                     c->workdir, w);
            worker_disks(c);
            enumerate(c);
            unlink(c->case_path);
            fflush(NULL);
            _exit(0);
        }
    }
    for (unsigned w = 0; w < c->jobs; w++) {
        int status;

        if (waitpid(pids[w], &status, 0) == -1 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            fatal("worker %u failed", w);
    }
}

/* Every (accepted / max)-th accepted case, and every unmodified base. */
static unsigned choose_real(struct ctx *c, unsigned max)
{
    unsigned accepted = 0, step, n = 0, k = 0;

    for (unsigned i = 0; i < c->sh.ncases; i++)
        accepted += c->sh.result[i] == RESULT_ACCEPTED;
    step = accepted > max ? (accepted + max - 1) / max : 1;
    for (unsigned i = 0; i < c->sh.ncases; i++) {
        bool is_base = c->sh.family[i] == FAM_BASE;

        if (c->sh.result[i] != RESULT_ACCEPTED)
            continue;
        if (is_base || k++ % step == 0) {
            c->sh.real_wanted[i] = 1;
            n++;
        }
    }
    return n;
}

/* "0 x40, 255 x13" and "SEGV x80, SYS x4": what the real runs did. */
static void real_outcomes(const struct ctx *c)
{
    unsigned statuses[256] = {0}, signals[256] = {0};
    const char *sep = "";

    for (unsigned i = 0; i < c->sh.ncases; i++) {
        if (c->sh.real_result[i] == REAL_EXITED)
            statuses[c->sh.real_status[i]]++;
        else if (c->sh.real_result[i] == REAL_SIGNALED)
            signals[c->sh.real_signal[i]]++;
    }
    printf("malformed: real runs: exit statuses");
    for (int k = 0; k < 256; k++, sep = ",")
        if (statuses[k])
            printf("%s %d x%u", sep, k, statuses[k]);
    printf("; signals");
    sep = "";
    for (int k = 0; k < 256; k++)
        if (signals[k]) {
            const char *name = sigabbrev_np(k);

            printf("%s SIG%s x%u", sep, name ? name : "?", signals[k]);
            sep = ",";
        }
    printf("\n");
}

static void summary(const struct ctx *c, unsigned nreal, long ms)
{
    unsigned fam[FAM_COUNT][4] = {{0}}, res[4] = {0}, real[5] = {0};

    for (unsigned i = 0; i < c->sh.ncases; i++) {
        fam[c->sh.family[i]][c->sh.result[i]]++;
        res[c->sh.result[i]]++;
        real[c->sh.real_result[i]]++;
    }
    for (int f = 0; f < FAM_COUNT; f++)
        printf("malformed: %-9s %5u cases: %5u refused, %5u accepted, %u "
               "failed\n",
               family_names[f],
               fam[f][RESULT_REFUSED] + fam[f][RESULT_ACCEPTED] +
                   fam[f][RESULT_FAILED] + fam[f][RESULT_NONE],
               fam[f][RESULT_REFUSED], fam[f][RESULT_ACCEPTED],
               fam[f][RESULT_FAILED] + fam[f][RESULT_NONE]);
    real_outcomes(c);
    printf("malformed: %u cases from %u bases (seed 0x%llx) through the "
           "ASan+UBSan tender: %u refused with one line, %u accepted, %u "
           "failed; %u accepted ones run for real: %u exited, %u killed by "
           "a guest fault or forbidden call, %u still running after %d ms "
           "(killed), %u failed [%ld.%01ld s]\n",
           c->sh.ncases, c->nbases, (unsigned long long)c->seed,
           res[RESULT_REFUSED], res[RESULT_ACCEPTED],
           res[RESULT_FAILED] + res[RESULT_NONE], nreal, real[REAL_EXITED],
           real[REAL_SIGNALED], real[REAL_RUNNING], GUEST_GRACE_MS,
           real[REAL_FAILED], ms / 1000, (ms % 1000) / 100);
}

int main(int argc, char **argv)
{
    static struct ctx c;
    unsigned max_real = DEFAULT_REAL_RUNS, nreal, failures = 0;
    long start = now_ms();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int opt;

    c.seed = DEFAULT_SEED;
    c.jobs = cpus > 0 ? (unsigned)cpus : 1;
    while ((opt = getopt(argc, argv, "j:r:s:")) != -1) {
        if (opt == 'j')
            c.jobs = (unsigned)strtoul(optarg, NULL, 0);
        else if (opt == 'r')
            max_real = (unsigned)strtoul(optarg, NULL, 0);
        else if (opt == 's')
            c.seed = strtoull(optarg, NULL, 0);
        else
            return 2;
    }
    if (argc - optind < 3) {
        fprintf(stderr, "usage: malformed [-j JOBS] [-r REAL_RUNS] [-s SEED] "
                        "WORKDIR ASAN_TENDER TENDER BASE.spt...\n");
        return 2;
    }
    if (c.jobs < 1 || c.jobs > 64)
        c.jobs = c.jobs < 1 ? 1 : 64;
    c.workdir = argv[optind];
    c.asan_tender = argv[optind + 1];
    c.tender = argv[optind + 2];
    /*
     * Any report ends the run with a status judge_check() recognizes. No
     * leak check: memory the tender still holds when it exits costs nothing,
     * the scan would double the time of every case, and the fuzzers check
     * the loader itself for leaks.
     */
    setenv("ASAN_OPTIONS",
           "exitcode=86:detect_leaks=0:abort_on_error=0:"
           "strict_string_checks=1",
           1);
    setenv("UBSAN_OPTIONS", "exitcode=87:halt_on_error=1:print_stacktrace=1",
           1);

    {
        struct elfgen_device storage = {"storage", MFT_DEV_BLOCK_BASIC};
        struct elfgen_opts plain = {0};
        struct elfgen_opts all = {
            .devices = &storage,
            .ndevices = 1,
            .interp = true,
            .bss_segment = true,
            .empty_segment = true,
            .openbsd_note = true,
        };

        /* Every field of every kind of header: the image with all parts,
         * and the first SDK guest (PT_TLS, notes as the SDK links them). */
        add_elfgen_base(&c, "elfgen", &plain, false);
        add_elfgen_base(&c, "elfgen-all-parts", &all, true);
    }
    for (int i = optind + 3; i < argc && c.nbases < 16; i++) {
        size_t size;
        uint8_t *buf = read_file(argv[i], &size);

        add_base(&c, argv[i], buf, size, true, i == optind + 3);
    }
    c.scratch = xmalloc(c.scratch_cap);
    extra_manifests_init();

    c.pass = PASS_COUNT;
    enumerate(&c);
    c.sh.ncases = c.index;
    c.sh.result = shared_bytes(c.sh.ncases);
    c.sh.family = shared_bytes(c.sh.ncases);
    c.sh.real_wanted = shared_bytes(c.sh.ncases);
    c.sh.real_result = shared_bytes(c.sh.ncases);
    c.sh.real_must_succeed = shared_bytes(c.sh.ncases);
    c.sh.real_status = shared_bytes(c.sh.ncases);
    c.sh.real_signal = shared_bytes(c.sh.ncases);

    run_pass(&c, PASS_CHECK);
    nreal = choose_real(&c, max_real);
    run_pass(&c, PASS_REAL);

    summary(&c, nreal, now_ms() - start);
    for (unsigned i = 0; i < c.sh.ncases; i++)
        failures += c.sh.result[i] == RESULT_FAILED ||
                    c.sh.result[i] == RESULT_NONE ||
                    c.sh.real_result[i] == REAL_FAILED;
    return failures ? 1 : 0;
}
