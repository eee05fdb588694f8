/*
 * test_fuzzmode.c: solo5-spt --x-fuzz as AFL++ sees it. A protocol driver
 * of our own (tests/lib/forksrv.h) plays afl-fuzz's side of the fork
 * server against the real tender, with the fuzzmode guest, whose input
 * says what each run does (tests/guests/fuzzmode.c):
 *
 *   - the hello: the map size attached, shm test cases when offered;
 *   - every status as afl-fuzz must see it: an exit as an exit, SIGSEGV
 *     and SIGSYS as signals, an abort as SIGABRT;
 *   - a hang: killed by the driver, and the server goes on;
 *   - the server killed mid-run: its child dies with it;
 *   - a hundred runs with the same coverage for the same input, another
 *     for another input;
 *   - no timer of one run fires, or is armed, in the next;
 *   - input in shm and on standard input, read-only for the guest;
 *   - the child's descriptors: 198 and 199 closed;
 *   - persistent mode: kept children, the cap, a fresh child after a
 *     crash or a hang;
 *   - end of file on the control pipe: the server ends, no child left;
 *   - outside a fuzzer, one run on standard input or on FILE, with the
 *     normal statuses;
 *   - nothing weakens normal runs: 198 and 199 never reach a normal guest,
 *     and what fuzzing cannot take is refused in one line.
 *
 * Timing decides nothing: a run that must end has a generous timeout, and
 * only the hang guest, which never ends, is ever killed on one.
 *
 * SPT_BUILD names the build directory (default "build").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "e2e.h"
#include "files.h"
#include "forksrv.h"

#define MAP_SIZE     65536
#define RUN_TIMEOUT  10000 /* ms: a run that must end; generous */
#define HANG_TIMEOUT 300   /* ms: the hang guest never ends, whatever this is */
#define GONE_TIMEOUT 10000 /* ms: for a process that must end */

/* Inputs (tests/guests/fuzzmode.c). */
#define IN(s) s, sizeof s - 1

static const char *out_path(void)
{
    static unsigned n;
    char name[32];

    snprintf(name, sizeof name, "server%u.out", n++);
    return tmp_path(name);
}

/*
 * Start the fork server: solo5-spt MODE fuzzmode [loop], with a map of
 * map_size (0: none), test cases in shm or on standard input; the server's
 * output goes to a file of its own.
 */
static void start(struct forksrv *s, const char *mode, bool loop,
                  size_t map_size, bool shm, const char **out)
{
    const char *argv[] = {e2e.tender,           mode,
                          guest("fuzzmode"),    "--solo5:quiet",
                          loop ? "loop" : NULL, NULL};
    struct forksrv_opts o = {
        .map_size = map_size, .shm_input = shm, .out = out_path()};

    if (out)
        *out = o.out;
    assert_int_equal(forksrv_start(s, argv, &o), 0);
}

/* The server ends at end of file on its control pipe, with status 0. */
static void stop(struct forksrv *s)
{
    int status = forksrv_close(s, GONE_TIMEOUT);

    if (status != 0)
        print_error("server: %s, expected exit 0\n", status_text(status));
    assert_int_equal(status, 0);
}

static void run_ok(struct forksrv *s, const void *data, size_t len,
                   struct forksrv_run *r)
{
    assert_int_equal(forksrv_run(s, data, len, RUN_TIMEOUT, r), 0);
    assert_false(r->timed_out);
    assert_true(r->child > 0 && r->child != s->pid);
}

static void expect_wstatus(int got, int want, const char *what)
{
    if (got != want) {
        char want_text[64];

        snprintf(want_text, sizeof want_text, "%s", status_text(want));
        print_error("%s: %s, expected %s\n", what, status_text(got), want_text);
    }
    assert_int_equal(got, want);
}

#define EXITED(n)   ((n) << 8)
#define SIGNALED(n) (n)

/* What the server's output file has gained since *pos. */
static char *out_since(const char *path, off_t *pos)
{
    FILE *f = fopen(path, "r");
    char *text;
    long end;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    end = ftell(f);
    assert_true(end >= *pos);
    text = calloc(1, (size_t)(end - *pos) + 1);
    assert_non_null(text);
    assert_int_equal(fseek(f, *pos, SEEK_SET), 0);
    assert_int_equal(fread(text, 1, (size_t)(end - *pos), f),
                     (size_t)(end - *pos));
    fclose(f);
    *pos = end;
    return text;
}

/* ---- the hello ---- */

static void test_hello(void **state)
{
    const char *argv[] = {e2e.tender, "--x-fuzz", guest("fuzzmode"), NULL};
    /* The map attached, not AFL_MAP_SIZE; a larger one is used for the
     * 64 KiB the guest counts in (AFL++'s own default), so that AFL++ does
     * not clear and scan megabytes on every run. */
    const struct {
        unsigned map_size, announced;
    } maps[] = {{MAP_SIZE, MAP_SIZE}, {1 << 20, 1 << 16}, {1 << 12, 1 << 12}};
    struct forksrv_opts o = {.shm_input = true, .afl_map_size = "8388608"};
    struct forksrv s;

    (void)state;
    /* Shared-memory test cases when offered. */
    for (size_t i = 0; i < sizeof maps / sizeof maps[0]; i++) {
        o.map_size = maps[i].map_size;
        assert_int_equal(forksrv_start(&s, argv, &o), 0);
        assert_int_equal(s.hello, FS_OPT_ENABLED | FS_OPT_MAPSIZE |
                                      FS_OPT_SET_MAPSIZE(maps[i].announced) |
                                      FS_OPT_SHDMEM_FUZZ);
        stop(&s);
    }
    /* No map, input on standard input: nothing but "enabled". */
    o = (struct forksrv_opts){0};
    assert_int_equal(forksrv_start(&s, argv, &o), 0);
    assert_int_equal(s.hello, FS_OPT_ENABLED);
    stop(&s);
}

/* ---- statuses ---- */

static const struct {
    const char *input;
    size_t len;
    int status; /* raw, as the server must report it */
    const char *what;
} outcomes[] = {
    {IN("x"), EXITED(0), "a clean end"},
    {IN("x\7"), EXITED(7), "exit 7"},
    {IN("s"), SIGNALED(SIGSEGV), "a fault"},
    {IN("y"), SIGNALED(SIGSYS), "a forbidden call"},
    {IN("a"), SIGNALED(SIGABRT), "an abort"},
    {IN("w"), SIGNALED(SIGSEGV), "a write to the input"},
    {IN("x\377"), SIGNALED(SIGABRT), "exit 255, the abort status"},
};

#define NOUTCOMES (sizeof outcomes / sizeof outcomes[0])

/* Every outcome, twice over in one server: each child is a new one. */
static void statuses(bool shm)
{
    pid_t pids[2 * NOUTCOMES];
    struct forksrv_run r;
    struct forksrv s;
    unsigned n = 0;

    start(&s, "--x-fuzz", false, MAP_SIZE, shm, NULL);
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < NOUTCOMES; i++) {
            run_ok(&s, outcomes[i].input, outcomes[i].len, &r);
            expect_wstatus(r.status, outcomes[i].status, outcomes[i].what);
            for (unsigned k = 0; k < n; k++)
                assert_int_not_equal(pids[k], r.child);
            pids[n++] = r.child;
        }
    stop(&s);
}

static void test_statuses_shm(void **state)
{
    (void)state;
    statuses(true);
}

static void test_statuses_stdin(void **state)
{
    (void)state;
    statuses(false);
}

/* ---- hangs ---- */

static void test_hang(void **state)
{
    struct forksrv_run r;
    struct forksrv s;
    pid_t hung;

    (void)state;
    start(&s, "--x-fuzz", false, MAP_SIZE, true, NULL);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(forksrv_run(&s, IN("h"), HANG_TIMEOUT, &r), 0);
        assert_true(r.timed_out);
        expect_wstatus(r.status, SIGNALED(SIGKILL), "a hang, killed");
        hung = r.child;
        /* was_killed = 1 goes with the next request: served as usual. */
        assert_true(s.last_timed_out);
        run_ok(&s, IN("x\5"), &r);
        expect_wstatus(r.status, EXITED(5), "the run after a hang");
        assert_int_not_equal(r.child, hung);
        assert_false(s.last_timed_out);
    }
    run_ok(&s, IN("s"), &r);
    expect_wstatus(r.status, SIGNALED(SIGSEGV), "a fault after hangs");
    stop(&s);
}

/* ---- the child's descriptors ---- */

/* The descriptors of pid: how many, and whether fd is among them. */
static int fd_count(pid_t pid, int fd, bool *has_fd)
{
    char dir[64];
    struct dirent *d;
    DIR *dh;
    int n = 0;

    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    dh = opendir(dir);
    assert_non_null(dh);
    *has_fd = false;
    while ((d = readdir(dh)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        if (atoi(d->d_name) == fd)
            *has_fd = true;
        n++;
    }
    closedir(dh);
    return n;
}

/*
 * A running guest's descriptors: 0, 1, 2, its epoll set and timerfd, and
 * extra others; never the fork server's 198 and 199.
 */
static void expect_guest_fds(pid_t pid, int extra)
{
    bool has198, has199;
    int n;

    assert_true(guest_running(pid));
    n = fd_count(pid, FORKSRV_CTL_FD, &has198);
    fd_count(pid, FORKSRV_ST_FD, &has199);
    assert_false(has198);
    assert_false(has199);
    assert_int_equal(n, 5 + extra);
}

static void test_child_descriptors(void **state)
{
    const char *modes[] = {"--x-fuzz", "--x-fuzz-persistent"};
    struct forksrv_run r;
    struct forksrv s;
    pid_t child;

    (void)state;
    for (int m = 0; m < 2; m++) {
        start(&s, modes[m], m == 1, MAP_SIZE, true, NULL);
        assert_int_equal(forksrv_begin(&s, IN("h"), &child), 0);
        /* Persistent mode: the ends of its two pipes, besides. */
        expect_guest_fds(child, m == 1 ? 2 : 0);
        /* The server still has them: it serves on. */
        assert_int_equal(forksrv_end(&s, child, HANG_TIMEOUT, &r), 0);
        assert_true(r.timed_out);
        run_ok(&s, IN("x"), &r);
        expect_wstatus(r.status, m == 1 ? FS_STATUS_STOPPED : EXITED(0),
                       "after the look");
        stop(&s);
    }
}

/*
 * What a child of the fork server has mapped, against tests/golden: the
 * same as any guest's (README, "What the guest can see"), with AFL++'s
 * test case and coverage map besides. The tender's own mappings were gone
 * before the first fork.
 */
static void test_child_maps(void **state)
{
    char text[4096];
    struct forksrv_run r;
    struct forksrv s;
    pid_t child;

    (void)state;
    start(&s, "--x-fuzz", false, MAP_SIZE, true, NULL);
    assert_int_equal(forksrv_begin(&s, IN("h"), &child), 0);
    assert_true(guest_running(child));
    maps_normalised(child, guest("fuzzmode"), 512UL << 20, text, sizeof text);
    assert_int_equal(forksrv_end(&s, child, HANG_TIMEOUT, &r), 0);
    assert_true(r.timed_out);
    stop(&s);
    expect_golden("maps-fork-server.txt", text);
}

/* ---- the server killed ---- */

/* The process pid, ours (we are a subreaper), ends within the bound. */
static void expect_gone(pid_t pid, int status, const char *what)
{
    int got = wait_child(pid, GONE_TIMEOUT);

    if (got == -1) {
        print_error("%s: process %d still there\n", what, (int)pid);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    expect_wstatus(got, status, what);
}

/*
 * SIGKILL for the server while its child runs (a hang), and while a
 * persistent child waits for its next input: the child must not outlive
 * it. We are a child subreaper, so the orphan would be ours to see.
 */
static void test_server_killed(void **state)
{
    const char *modes[] = {"--x-fuzz", "--x-fuzz-persistent"};
    struct forksrv_run r;
    struct forksrv s;
    pid_t child;
    int got;

    (void)state;
    for (int m = 0; m < 2; m++) {
        start(&s, modes[m], m == 1, MAP_SIZE, true, NULL);
        assert_int_equal(forksrv_begin(&s, IN("h"), &child), 0);
        assert_true(guest_running(child));
        forksrv_kill(&s);
        expect_gone(child, SIGNALED(SIGKILL), "a running child");
    }
    start(&s, "--x-fuzz-persistent", true, MAP_SIZE, true, NULL);
    run_ok(&s, IN("x"), &r);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "a kept child");
    forksrv_kill(&s);
    /* The server's exit closes the "next" pipe before the kernel sends the
     * death signal: the kept child may read end of file first and end on
     * its own. Either way it is gone. */
    got = wait_child(r.child, GONE_TIMEOUT);
    if (got == -1) {
        kill(r.child, SIGKILL);
        waitpid(r.child, NULL, 0);
        fail_msg("a kept child: process %d still there", (int)r.child);
    }
    if (got != SIGNALED(SIGKILL))
        expect_wstatus(got, EXITED(0), "a kept child");
}

/* ---- coverage ---- */

static unsigned map_bytes_set(const uint8_t *map)
{
    unsigned n = 0;

    for (size_t i = 0; i < MAP_SIZE; i++)
        n += map[i] != 0;
    return n;
}

/* The map a run of input leaves, into map. */
static void cover(struct forksrv *s, const void *in, size_t len, uint8_t *map)
{
    struct forksrv_run r;

    run_ok(s, in, len, &r);
    assert_true(r.status == EXITED(0) || r.status == FS_STATUS_STOPPED);
    memcpy(map, s->map, MAP_SIZE);
}

#define COVERAGE_RUNS 100

static void test_coverage_stable(void **state)
{
    static const char a[] = "cHello, Zfuzzer \x81\x02\xff";
    static const char b[] = "c0123456789";
    static uint8_t first[MAP_SIZE], map[MAP_SIZE], other[MAP_SIZE];
    const char *modes[] = {"--x-fuzz", "--x-fuzz-persistent=7"};
    struct forksrv s;

    (void)state;
    start(&s, "--x-fuzz", false, MAP_SIZE, true, NULL);
    cover(&s, IN(a), first);
    assert_true(map_bytes_set(first) >= 5);
    for (int i = 1; i < COVERAGE_RUNS; i++) {
        cover(&s, IN(a), map);
        if (memcmp(map, first, MAP_SIZE) != 0)
            fail_msg("run %d of the same input: another map", i + 1);
    }
    cover(&s, IN(b), other);
    assert_true(map_bytes_set(other) > 0);
    assert_memory_not_equal(other, first, MAP_SIZE);
    cover(&s, IN(a), map);
    assert_memory_equal(map, first, MAP_SIZE);
    stop(&s);
    print_message("%d runs of one input: one map (%u bytes set); another "
                  "input: another map (%u bytes set)\n",
                  COVERAGE_RUNS + 1, map_bytes_set(first),
                  map_bytes_set(other));

    /* The same maps from persistent children, kept or fresh, and from
     * standard input. */
    for (int m = 0; m < 2; m++) {
        start(&s, modes[m], true, MAP_SIZE, m == 0, NULL);
        for (int i = 0; i < 20; i++) {
            cover(&s, IN(a), map);
            assert_memory_equal(map, first, MAP_SIZE);
            cover(&s, IN(b), map);
            assert_memory_equal(map, other, MAP_SIZE);
        }
        stop(&s);
    }
}

/* ---- timers ---- */

/*
 * A run arms the yield timer an hour ahead, or lets it fire unread, then
 * ends; the next run probes its own timer (fuzzmode's "p": armed? fired?).
 * The probe is shown to see both in persistent mode, where one process
 * takes both inputs and its timer is meant to carry over.
 */
static void test_timers_do_not_leak(void **state)
{
    struct forksrv_run r;
    struct forksrv s;
    const char *out;
    off_t pos = 0;
    char *text;

    (void)state;
    start(&s, "--x-fuzz", false, MAP_SIZE, true, &out);
    for (int i = 0; i < 3; i++) {
        run_ok(&s, IN("t"), &r);
        expect_wstatus(r.status, EXITED(0), "arm the timer");
        run_ok(&s, IN("p"), &r);
        expect_wstatus(r.status, EXITED(0), "a timer armed by the last run");
        run_ok(&s, IN("e"), &r);
        expect_wstatus(r.status, EXITED(0), "let the timer fire");
        run_ok(&s, IN("p"), &r);
        expect_wstatus(r.status, EXITED(0), "a timer fired in the last run");
    }
    stop(&s);
    text = out_since(out, &pos);
    assert_int_equal(count_lines_with(text, "TIMER QUIET"), 6);
    assert_int_equal(count_lines_with(text, "TIMER"), 6);
    free(text);

    /* The control: the probe sees a timer of its own process. */
    start(&s, "--x-fuzz-persistent", true, MAP_SIZE, true, &out);
    pos = 0;
    run_ok(&s, IN("t"), &r);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "arm the timer, kept");
    run_ok(&s, IN("p"), &r);
    expect_wstatus(r.status, EXITED(3), "the same process's armed timer");
    run_ok(&s, IN("e"), &r);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "let it fire, kept");
    run_ok(&s, IN("p"), &r);
    expect_wstatus(r.status, EXITED(3), "the same process's fired timer");
    /* And a fresh child after one that armed it: quiet again. */
    run_ok(&s, IN("t"), &r);
    run_ok(&s, IN("y"), &r);
    expect_wstatus(r.status, SIGNALED(SIGSYS), "the child that armed it");
    run_ok(&s, IN("p"), &r);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "a fresh child's timer");
    stop(&s);
    text = out_since(out, &pos);
    assert_int_equal(count_lines_with(text, "TIMER ARMED"), 1);
    assert_int_equal(count_lines_with(text, "TIMER FIRED"), 1);
    assert_int_equal(count_lines_with(text, "TIMER QUIET"), 1);
    free(text);
}

/* ---- input ---- */

static uint32_t fnv1a(const uint8_t *p, size_t len)
{
    uint32_t h = 2166136261u;

    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/*
 * Inputs of several lengths, longer and shorter in turn: the guest copies
 * each into the map and prints its length and checksum (fuzzmode's "i").
 * Nothing of a longer input may stay behind a shorter one.
 */
static void input_delivery(const char *mode, bool loop, bool shm)
{
    static const size_t lengths[] = {1, 5000, 2, 60000, 3, 1024 * 1024, 7};
    static uint8_t in[1024 * 1024];
    struct forksrv_run r;
    struct forksrv s;
    const char *out;
    off_t pos = 0;

    start(&s, mode, loop, MAP_SIZE, shm, &out);
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        size_t len = lengths[i],
               shown = len < MAP_SIZE - 4 ? len : MAP_SIZE - 4;
        uint32_t len32;
        char want[64], *text;

        in[0] = 'i';
        for (size_t k = 1; k < len; k++)
            in[k] = (uint8_t)(k * 7 + i);
        run_ok(&s, in, len, &r);
        assert_true(r.status == EXITED(0) || r.status == FS_STATUS_STOPPED);
        memcpy(&len32, s.map, 4);
        assert_int_equal(len32, len);
        assert_memory_equal(s.map + 4, in, shown);
        if (4 + len < MAP_SIZE)
            assert_int_equal(s.map[4 + len], 0);
        snprintf(want, sizeof want, "input %zu %08x\n", len, fnv1a(in, len));
        text = out_since(out, &pos);
        if (strcmp(text, want) != 0)
            fail_msg("%zu bytes: printed '%s', expected '%s'", len, text, want);
        free(text);
    }
    stop(&s);
}

static void test_input_shm(void **state)
{
    (void)state;
    input_delivery("--x-fuzz", false, true);
    input_delivery("--x-fuzz-persistent", true, true);
}

static void test_input_stdin(void **state)
{
    (void)state;
    input_delivery("--x-fuzz", false, false);
    input_delivery("--x-fuzz-persistent", true, false);
}

/* ---- persistent mode ---- */

/* One "n" run: its pid, its status, the inputs its process has taken. */
static uint32_t count_run(struct forksrv *s, struct forksrv_run *r)
{
    uint32_t taken;

    run_ok(s, IN("n"), r);
    memcpy(&taken, s->map, 4);
    return taken;
}

static void expect_kept(struct forksrv *s, pid_t pid, uint32_t taken)
{
    struct forksrv_run r;

    assert_int_equal(count_run(s, &r), taken);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "a persistent iteration");
    assert_int_equal(r.child, pid);
}

/* A fresh child takes its first input; returns its pid. */
static pid_t expect_fresh(struct forksrv *s, pid_t old)
{
    struct forksrv_run r;

    assert_int_equal(count_run(s, &r), 1);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "a fresh child's first");
    assert_int_not_equal(r.child, old);
    /* The old one is gone, reaped by the server. */
    assert_int_equal(kill(old, 0), -1);
    assert_int_equal(errno, ESRCH);
    return r.child;
}

#define CAP 3

static void test_persistent(void **state)
{
    struct forksrv_run r;
    struct forksrv s;
    pid_t pid;

    (void)state;
    start(&s, "--x-fuzz-persistent=3", true, MAP_SIZE, true, NULL);
    assert_int_equal(count_run(&s, &r), 1);
    pid = r.child;
    /* The cap: CAP inputs a child, then a fresh one. */
    for (int round = 0; round < 3; round++) {
        for (uint32_t k = 2; k <= CAP; k++)
            expect_kept(&s, pid, k);
        pid = expect_fresh(&s, pid);
    }
    /* A crash, an abort, an exit: each ends the child; the next is new. */
    for (size_t i = 0; i < NOUTCOMES; i++) {
        if (outcomes[i].status == EXITED(0))
            continue;
        run_ok(&s, outcomes[i].input, outcomes[i].len, &r);
        expect_wstatus(r.status, outcomes[i].status, outcomes[i].what);
        assert_int_equal(r.child, pid);
        pid = expect_fresh(&s, pid);
    }
    /* A hang: killed by us, was_killed = 1, a fresh child. */
    expect_kept(&s, pid, 2);
    assert_int_equal(forksrv_run(&s, IN("h"), HANG_TIMEOUT, &r), 0);
    assert_true(r.timed_out);
    expect_wstatus(r.status, SIGNALED(SIGKILL), "a persistent hang");
    assert_int_equal(r.child, pid);
    pid = expect_fresh(&s, pid);
    expect_kept(&s, pid, 2);
    /*
     * A timeout that raced with the child's "done": afl-fuzz killed the
     * child it was told was kept, and says so with the next request.
     */
    kill(pid, SIGKILL);
    s.last_timed_out = true;
    pid = expect_fresh(&s, pid);
    expect_kept(&s, pid, 2);
    stop(&s);

    /*
     * Without persistent mode, the looping guest takes one input each; so
     * does a guest that does not loop, in persistent mode.
     */
    for (int m = 0; m < 2; m++) {
        start(&s, m == 0 ? "--x-fuzz" : "--x-fuzz-persistent", m == 0, MAP_SIZE,
              true, NULL);
        pid = -1;
        for (int i = 0; i < 3; i++) {
            assert_int_equal(count_run(&s, &r), 1);
            expect_wstatus(r.status, EXITED(0), "one input, then the end");
            assert_int_not_equal(r.child, pid);
            pid = r.child;
        }
        stop(&s);
    }
}

/*
 * The pipes of persistent mode are new for each child: words a child
 * leaves in them reach no other. Here one says "done" on its own and
 * exits, so the server takes it for kept (STOPPED), and the next request
 * finds it ended, leaving a "next" word unread. Its successor must count
 * its inputs from 1, each exactly once; one that read the old word would
 * take its first input twice and count ahead.
 */
static void test_persistent_pipes_renewed(void **state)
{
    struct forksrv_run r;
    struct forksrv s;
    pid_t pid;

    (void)state;
    start(&s, "--x-fuzz-persistent", true, MAP_SIZE, true, NULL);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(count_run(&s, &r), 1);
        pid = r.child;
        expect_kept(&s, pid, 2);
        run_ok(&s, IN("D"), &r);
        expect_wstatus(r.status, FS_STATUS_STOPPED, "a done of its own");
        assert_int_equal(r.child, pid);
        assert_int_equal(count_run(&s, &r), 0);
        expect_wstatus(r.status, EXITED(0), "the next, found ended");
        assert_int_equal(r.child, pid);
        pid = expect_fresh(&s, pid);
        for (uint32_t k = 2; k <= 5; k++)
            expect_kept(&s, pid, k);
        run_ok(&s, IN("s"), &r);
        expect_wstatus(r.status, SIGNALED(SIGSEGV), "the end of the round");
    }
    stop(&s);
}

/* The default cap is large: a child takes many inputs. */
static void test_persistent_default(void **state)
{
    struct forksrv_run r;
    struct forksrv s;
    pid_t pid;

    (void)state;
    start(&s, "--x-fuzz-persistent", true, MAP_SIZE, false, NULL);
    assert_int_equal(count_run(&s, &r), 1);
    pid = r.child;
    for (uint32_t k = 2; k <= 200; k++)
        expect_kept(&s, pid, k);
    stop(&s);
}

/* ---- end of file ---- */

/*
 * The control pipe closed: between runs, and with a persistent child kept.
 * The server exits 0 and leaves nothing running: the kept child would be
 * ours, as subreaper, and must be dead.
 */
static void test_eof(void **state)
{
    struct forksrv_run r;
    struct forksrv s;

    (void)state;
    start(&s, "--x-fuzz", false, 0, false, NULL);
    stop(&s); /* before any run */
    start(&s, "--x-fuzz", false, MAP_SIZE, true, NULL);
    run_ok(&s, IN("x"), &r);
    run_ok(&s, IN("s"), &r);
    stop(&s);
    assert_int_equal(kill(r.child, 0), -1);
    start(&s, "--x-fuzz-persistent", true, MAP_SIZE, true, NULL);
    run_ok(&s, IN("x"), &r);
    expect_wstatus(r.status, FS_STATUS_STOPPED, "kept");
    stop(&s);
    expect_gone(r.child, SIGNALED(SIGKILL), "the kept child at the end");
}

/* ---- outside a fuzzer ---- */

static void stdin_from(void *path)
{
    int fd = open((const char *)path, O_RDONLY);

    if (fd >= 0 && fd != 0) {
        dup2(fd, 0);
        close(fd);
    }
}

static const char *input_file(const char *name, const void *data, size_t len)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/* A shell's statuses: what a replay of each outcome must end with. */
static int shell_status(int wstatus)
{
    if (wstatus == SIGNALED(SIGABRT))
        return 255; /* what the guest did: abort */
    return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

static void test_one_run(void **state)
{
    const char *modes[] = {"--x-fuzz", "--x-fuzz-persistent", NULL};
    struct run_result r;

    (void)state;
    for (size_t i = 0; i < NOUTCOMES; i++) {
        const char *file =
            input_file("case", outcomes[i].input, outcomes[i].len);
        char input_opt[PATH_MAX + 32];
        int want = shell_status(outcomes[i].status);

        snprintf(input_opt, sizeof input_opt, "--x-fuzz-input=%s", file);
        for (int m = 0; modes[m]; m++) {
            /* On standard input, as afl-fuzz hands it over by default. */
            const char *argv[] = {e2e.tender,
                                  modes[m],
                                  guest("fuzzmode"),
                                  "--solo5:quiet",
                                  m == 1 ? "loop" : NULL,
                                  NULL};
            struct run_opts o = {.child_setup = stdin_from,
                                 .child_arg = (void *)file};

            run_checked(argv, &o, &r);
            expect_status(&r, want);
            run_free(&r);
        }
        {
            /* From FILE: the replay of a saved case. */
            const char *argv[] = {e2e.tender, input_opt, guest("fuzzmode"),
                                  "--solo5:quiet", NULL};

            run_checked(argv, NULL, &r);
            expect_status(&r, want);
            run_free(&r);
        }
    }
    print_message("%zu outcomes, each on stdin (--x-fuzz, "
                  "--x-fuzz-persistent) and from FILE: 139 for SIGSEGV, 159 "
                  "for SIGSYS, 255 for an abort\n",
                  NOUTCOMES);
}

static void test_one_run_input(void **state)
{
    const char *file = input_file("echo", IN("ihello"));
    char input_opt[PATH_MAX + 32], want[64];
    struct run_opts o = {.child_setup = stdin_from, .child_arg = (void *)file};
    struct run_result r;

    (void)state;
    snprintf(want, sizeof want, "input 6 %08x\n",
             fnv1a((const uint8_t *)"ihello", 6));
    snprintf(input_opt, sizeof input_opt, "--x-fuzz-input=%s", file);
    {
        const char *argv[] = {e2e.tender, input_opt, guest("fuzzmode"),
                              "--solo5:quiet", NULL};

        run_checked(argv, NULL, &r);
        expect_status(&r, 0);
        assert_string_equal(r.out, want);
        run_free(&r);
    }
    {
        const char *argv[] = {e2e.tender, "--x-fuzz", guest("fuzzmode"),
                              "--solo5:quiet", NULL};

        run_checked(argv, &o, &r);
        expect_status(&r, 0);
        assert_string_equal(r.out, want);
        run_free(&r);
    }
    {
        /* A normal run has no input. */
        const char *argv[] = {e2e.tender, guest("fuzzmode"), "--solo5:quiet",
                              NULL};

        run_checked(argv, &o, &r);
        expect_status(&r, 0);
        assert_string_equal(r.out, "NO INPUT\n");
        run_free(&r);
    }
}

/* ---- nothing weakens normal runs ---- */

struct afl_fds {
    const char *stdin_path; /* or NULL */
    bool st;                /* 199 too, not only 198 */
};

/* In the child: 198 and 199 open, as afl-fuzz leaves them. */
static void open_afl_fds(void *arg)
{
    const struct afl_fds *a = arg;
    int p[2];

    if (a->stdin_path)
        stdin_from((void *)a->stdin_path);
    if (pipe(p) == 0) {
        dup2(p[0], FORKSRV_CTL_FD);
        if (a->st)
            dup2(p[1], FORKSRV_ST_FD);
    }
}

/*
 * A guest started with 198 and 199 open, in a normal run and in one-run
 * fuzzing modes (--x-fuzz-input; --x-fuzz with 198 alone is no fork
 * server): neither reaches it.
 */
static void test_afl_fds_not_inherited(void **state)
{
    const char *file = input_file("hang", IN("h"));
    char input_opt[PATH_MAX + 32];
    const char *normal[] = {e2e.tender, guest("sleep"), "--solo5:quiet",
                            "60000", NULL};
    const char *replay[] = {e2e.tender, input_opt, guest("fuzzmode"),
                            "--solo5:quiet", NULL};
    const char *fuzz[] = {e2e.tender, "--x-fuzz", guest("fuzzmode"),
                          "--solo5:quiet", NULL};
    const struct {
        const char *const *argv;
        struct afl_fds fds;
    } runs[] = {
        {normal, {NULL, true}},
        {replay, {NULL, true}},
        {fuzz, {NULL, false}},
    };
    struct run_result r;

    (void)state;
    snprintf(input_opt, sizeof input_opt, "--x-fuzz-input=%s", file);
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        struct afl_fds fds = runs[i].fds;
        struct run_opts o = {.child_setup = open_afl_fds, .child_arg = &fds};
        pid_t pid;

        if (runs[i].argv == fuzz)
            fds.stdin_path = file;
        pid = run_start(runs[i].argv, &o);
        assert_true(pid > 0);
        expect_guest_fds(pid, 0);
        kill(pid, SIGTERM);
        assert_int_equal(run_wait(pid, GONE_TIMEOUT, &r), 0);
        expect_status(&r, 128 + SIGTERM);
    }
}

/* What fuzzing cannot take, refused in one line, in every fuzzing mode. */
static void test_refusals(void **state)
{
    const char *img = tmp_path("storage.img");
    char blk[PATH_MAX + 32], blk_ro[PATH_MAX + 32], input_opt[PATH_MAX + 32];
    /* Each mode, and the name the refusals give it. */
    const char *modes[][2] = {{"--x-fuzz", "--x-fuzz"},
                              {"--x-fuzz-persistent=5", "--x-fuzz"},
                              {input_opt, "--x-fuzz-input"}};
    const struct {
        const char *opt, *what; /* %s: the mode's name */
    } refused[] = {
        {blk, "writable, not with %s"},
        {"--net:service=tap0", "not with %s"},
        {"--x-supervise", "--x-supervise is not for %s"},
        {"--x-user=nobody", "--x-user is not for %s"},
        {"--x-no-extensions", "--x-no-extensions is not for %s"},
    };
    struct run_result r;

    (void)state;
    make_image(img, 64 * 1024);
    snprintf(blk, sizeof blk, "--block:storage=%s", img);
    snprintf(blk_ro, sizeof blk_ro, "--block-ro:storage=%s", img);
    snprintf(input_opt, sizeof input_opt, "--x-fuzz-input=%s",
             input_file("exit", IN("x\7")));
    for (size_t m = 0; m < 3; m++)
        for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
            const char *argv[] = {e2e.tender, modes[m][0], refused[i].opt,
                                  guest("fuzzmode_blk"), NULL};
            char what[128];

            snprintf(what, sizeof what, refused[i].what, modes[m][1]);
            expect_run_refused(argv, what);
        }
    {
        /* Read-only block devices are fine. */
        const char *argv[] = {e2e.tender,      input_opt,
                              blk_ro,          guest("fuzzmode_blk"),
                              "--solo5:quiet", NULL};

        run_checked(argv, NULL, &r);
        expect_status(&r, 7);
        run_free(&r);
    }
}

static int setup(void **state)
{
    (void)state;
    /* A child a server leaves behind becomes ours, to see and to reap. */
    return prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    /* --update-golden (make golden-update): only what has golden copies. */
    const struct CMUnitTest golden[] = {
        cmocka_unit_test(test_child_maps),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_statuses_shm),
        cmocka_unit_test(test_statuses_stdin),
        cmocka_unit_test(test_hang),
        cmocka_unit_test(test_child_descriptors),
        cmocka_unit_test(test_child_maps),
        cmocka_unit_test(test_server_killed),
        cmocka_unit_test(test_coverage_stable),
        cmocka_unit_test(test_timers_do_not_leak),
        cmocka_unit_test(test_input_shm),
        cmocka_unit_test(test_input_stdin),
        cmocka_unit_test(test_persistent),
        cmocka_unit_test(test_persistent_pipes_renewed),
        cmocka_unit_test(test_persistent_default),
        cmocka_unit_test(test_eof),
        cmocka_unit_test(test_one_run),
        cmocka_unit_test(test_one_run_input),
        cmocka_unit_test(test_afl_fds_not_inherited),
        cmocka_unit_test(test_refusals),
    };

    if (!e2e_golden_args(argc, argv))
        return 2;
    if (e2e_update_golden)
        return e2e_run("fuzzmode", golden, setup, NULL);
    return e2e_run("fuzzmode", tests, setup, NULL);
}
