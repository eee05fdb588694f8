/*
 * test_guests.c: SDK-built guests run under the real solo5-spt, checking
 * exit statuses and output (spec sections 4, 5, 7, 8).
 *
 * SPT_BUILD names the build directory (default "build").
 */
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "allowlist.h"
#include "e2e.h"

/* Run solo5-spt with the given words (NULL-terminated). */
static void spt(struct run_result *r, const struct run_opts *o, ...)
{
    const char *argv[64] = {e2e.tender};
    int n = 1;
    va_list ap;

    va_start(ap, o);
    while ((argv[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    run_checked(argv, o, r);
}

static void test_hello(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("hello"), "one", "two", "three", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS\n"));
    assert_non_null(strstr(r.out, "cmdline=[one two three]\n"));
    assert_true(count_lines_with(r.out, "Solo5:") >= 2); /* the banner */
    assert_non_null(strstr(r.out, "Solo5: solo5_exit(0) called"));
    run_free(&r);
}

static void test_hello_no_args(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, "--mem=2", "--", guest("hello"), NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "cmdline=[]\n"));
    run_free(&r);
}

static void test_quiet(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("hello"), "--solo5:quiet", "--solo5:x", "a", NULL);
    expect_status(&r, 0);
    assert_int_equal(count_lines_with(r.out, "Solo5:"), 0);
    /* Only the log-level words are stripped. */
    assert_non_null(strstr(r.out, "cmdline=[--solo5:x a]\n"));
    assert_non_null(strstr(r.out, "SUCCESS"));
    run_free(&r);
}

static void test_log_level_debug_then_quiet(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("hello"), "--solo5:debug", "--solo5:quiet", NULL);
    expect_status(&r, 0);
    assert_int_equal(count_lines_with(r.out, "Solo5:"), 0);
    assert_non_null(strstr(r.out, "cmdline=[]\n"));
    run_free(&r);
}

static void test_cmdline_limit(void **state)
{
    char *word = malloc(8193);
    struct run_result r;

    (void)state;
    assert_non_null(word);
    memset(word, 'x', 8191);
    word[8191] = '\0';
    spt(&r, NULL, guest("hello"), word, NULL);
    expect_status(&r, 0);
    run_free(&r);
    /* 8191 characters with the joining space: one too many. */
    word[8190] = '\0';
    spt(&r, NULL, guest("hello"), "y", word, NULL);
    expect_refusal(&r, "longer than 8191");
    run_free(&r);
    free(word);
}

static void test_globals(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("globals"), "--solo5:quiet", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS"));
    run_free(&r);
}

static void expect_segv(const char *mode, const char *const *extra)
{
    const char *argv[8] = {e2e.tender};
    struct run_result r;
    int n = 1;

    while (extra && *extra)
        argv[n++] = *extra++;
    argv[n++] = guest("fault");
    argv[n++] = "--solo5:quiet";
    argv[n++] = mode;
    argv[n] = NULL;
    assert_int_equal(run(argv, NULL, &r), 0);
    if (r.signal != SIGSEGV)
        print_error("fault %s: status %d\n%s%s", mode, r.status, r.out, r.err);
    assert_int_equal(r.signal, SIGSEGV);
    assert_int_equal(r.status, 139);
    assert_null(strstr(r.out, "SURVIVED"));
    run_free(&r);
}

static void test_faults(void **state)
{
    static const char *const modes[] = {
        "read-null",  "write-null", "read-low",  "bad-pointer", "write-code",
        "write-rodata", "exec-data", "exec-heap", "exec-stack"};

    (void)state;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        expect_segv(modes[i], NULL);
}

static void test_exec_heap_flag(void **state)
{
    static const char *const flag[] = {"--x-exec-heap", NULL};
    struct run_result r;

    (void)state;
    spt(&r, NULL, "--x-exec-heap", guest("fault"), "exec-heap", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SURVIVED"));
    run_free(&r);
    /* Code segments stay read-only even then. */
    expect_segv("write-code", flag);
}

static void test_tls(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("tls"), "ok", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS"));
    run_free(&r);
    spt(&r, NULL, guest("tls"), "nosetup", NULL);
    assert_int_equal(r.signal, SIGSEGV);
    assert_null(strstr(r.out, "SURVIVED"));
    run_free(&r);
}

static void test_stack_smash(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("smash"), "--solo5:quiet", NULL);
    expect_status(&r, 255);
    assert_int_equal(count_lines_with(r.out, "ABORT"), 1);
    assert_non_null(strstr(r.out, "stack smashing"));
    assert_null(strstr(r.out, "SURVIVED"));
    run_free(&r);
}

static void test_sdk_printf(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("fmt"), "--solo5:quiet", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS"));
    run_free(&r);
}

static void test_fpu(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("fpu"), NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS"));
    run_free(&r);
}

static uint64_t host_wall_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void test_time(void **state)
{
    uint64_t before = host_wall_ns(), after, wall;
    unsigned long long slept;
    struct run_result r;
    const char *line;

    (void)state;
    spt(&r, NULL, guest("time"), NULL);
    after = host_wall_ns();
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS"));
    line = strstr(r.out, "WALL ");
    assert_non_null(line);
    wall = strtoull(line + 5, NULL, 10);
    /* The guest read the wall clock between our two readings. */
    assert_true(wall + 1000000000ULL >= before && wall <= after + 1000000000ULL);
    line = strstr(r.out, "SLEPT ");
    assert_non_null(line);
    slept = strtoull(line + 6, NULL, 10);
    assert_true(slept >= 200);
    run_free(&r);
}

static void test_fast_clock(void **state)
{
    static const char *const modes[2] = {"--", "--x-no-extensions"};
    struct run_result r;

    (void)state;
    for (int i = 0; i < 2; i++) {
        spt(&r, NULL, modes[i], guest("clock"), "--solo5:quiet", "bracket",
            NULL);
        expect_status(&r, 0);
        assert_non_null(strstr(r.out, "SUCCESS"));
        run_free(&r);
    }
}

/* clock_gettime system calls made by 1000 solo5_clock_monotonic(). */
static unsigned clock_syscalls(const char *mode)
{
    const char *argv[] = {"/usr/bin/strace", "-f", "-qq", "-c", "-U",
                          "calls,name", "-e", "trace=clock_gettime", e2e.tender,
                          mode, guest("clock"), "--solo5:quiet", "loop",
                          "1000", NULL};
    struct run_result r;
    const char *line;
    unsigned n = 0;

    assert_int_equal(run(argv, NULL, &r), 0);
    expect_status(&r, 0);
    line = strstr(r.err, "clock_gettime");
    if (line) { /* "  1000 clock_gettime": the count precedes the name */
        while (line > r.err && line[-1] == ' ')
            line--;
        while (line > r.err && line[-1] >= '0' && line[-1] <= '9')
            line--;
        n = (unsigned)strtoul(line, NULL, 10);
    }
    run_free(&r);
    return n;
}

static void test_fast_clock_no_syscalls(void **state)
{
    unsigned fast, slow;

    (void)state;
    if (access("/usr/bin/strace", X_OK) != 0)
        fail_msg("strace is needed to count system calls");
    fast = clock_syscalls("--");
    slow = clock_syscalls("--x-no-extensions");
    print_message("clock_gettime system calls: %u with the record, %u "
                  "without\n", fast, slow);
    assert_int_equal(fast, 0);
    assert_true(slow >= 1000);
}

static unsigned long canary(const char *mode)
{
    struct run_result r;
    unsigned long value;
    const char *p;

    spt(&r, NULL, mode, guest("clock"), "--solo5:quiet", "canary", NULL);
    expect_status(&r, 0);
    p = strstr(r.out, "CANARY ");
    assert_non_null(p);
    value = strtoul(p + 7, NULL, 16);
    run_free(&r);
    return value;
}

static void test_canary(void **state)
{
    unsigned long a, b, c;

    (void)state;
    a = canary("--");
    b = canary("--");
    c = canary("--x-no-extensions"); /* the time-stamp counter fallback */
    assert_true(a != b && a != 0 && b != 0 && c != 0);
    assert_int_equal(a & 0xff, 0);
    assert_int_equal(c & 0xff, 0);
}

static void test_forbidden_syscall(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("syscall"), "--solo5:quiet", "39", NULL); /* getpid */
    assert_int_equal(r.signal, SIGSYS);
    assert_int_equal(r.status, 159);
    assert_null(strstr(r.out, "RETURNED"));
    run_free(&r);
    /* The control: an allowed call gets through. */
    spt(&r, NULL, guest("syscall"), "--solo5:quiet", "1", "1", "0x100000",
        "1", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "RETURNED 1"));
    run_free(&r);
}

static void test_exits(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("exit"), "--solo5:quiet", "return", "7", NULL);
    expect_status(&r, 7);
    run_free(&r);
    spt(&r, NULL, guest("exit"), "exit", "7", NULL);
    expect_status(&r, 7);
    assert_non_null(strstr(r.out, "solo5_exit(7) called"));
    run_free(&r);
    spt(&r, NULL, guest("exit"), "--solo5:quiet", "exit", "254", NULL);
    expect_status(&r, 254);
    run_free(&r);
}

static void test_abort(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("exit"), "abort", NULL);
    expect_status(&r, 255);
    assert_true(r.exited);
    assert_int_equal(count_lines_with(r.out, "ABORT"), 1);
    run_free(&r);
}

static void test_assert_quiet(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, guest("exit"), "--solo5:quiet", "assert", NULL);
    expect_status(&r, 255);
    assert_int_equal(count_lines_with(r.out, "Solo5:"), 1);
    assert_int_equal(count_lines_with(r.out, "Solo5: ABORT"), 1);
    assert_non_null(strstr(r.out, "assertion"));
    run_free(&r);
}

/* Descriptors of a running process, as readlink targets. */
static int fd_targets(pid_t pid, char targets[][128], int max)
{
    char dir[64], link[96];
    struct dirent *d;
    DIR *dh;
    int n = 0;

    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    dh = opendir(dir);
    if (dh == NULL)
        return -1;
    while ((d = readdir(dh)) != NULL && n < max) {
        ssize_t len;

        if (d->d_name[0] == '.')
            continue;
        snprintf(link, sizeof link, "%s/%s", dir, d->d_name);
        len = readlink(link, targets[n], 127);
        if (len < 0)
            continue;
        targets[n][len] = '\0';
        n++;
    }
    closedir(dh);
    return n;
}

static bool has_target(char t[][128], int n, const char *what)
{
    for (int i = 0; i < n; i++)
        if (strstr(t[i], what))
            return true;
    return false;
}

/* Wait until the guest runs: the kernel file closed, the epoll fd open. */
static int guest_fds(pid_t pid, char t[][128], int max)
{
    for (int tries = 0; tries < 200; tries++) {
        int n = fd_targets(pid, t, max);

        if (n > 0 && has_target(t, n, "eventpoll") &&
            !has_target(t, n, ".spt"))
            return n;
        usleep(10000);
    }
    return -1;
}

static void open_fd7(void *arg)
{
    int fd = open((const char *)arg, O_RDONLY);

    if (fd >= 0 && fd != 7) {
        dup2(fd, 7);
        close(fd);
    }
}

static void test_descriptors(void **state)
{
    const char *argv[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "1500",
                          NULL};
    struct run_opts o = {.child_setup = open_fd7, .child_arg = "/etc/hostname"};
    char t[16][128], fd1[64], target[128];
    struct run_result r;
    ssize_t len;
    pid_t pid;
    int n;

    (void)state;
    pid = run_start(argv, &o);
    assert_true(pid > 0);
    n = guest_fds(pid, t, 16);
    /* 0, 1, 2, the epoll fd and the timerfd: nothing else. */
    assert_int_equal(n, 5);
    assert_true(has_target(t, n, "eventpoll"));
    assert_true(has_target(t, n, "timerfd"));
    assert_false(has_target(t, n, "hostname")); /* inherited fd 7 closed */
    assert_int_equal(run_wait(pid, 5000, &r), 0);
    expect_status(&r, 0);

    /* Started with stdout closed: fd 1 is /dev/null, not a tender file. */
    o.child_setup = NULL;
    o.close_stdout = true;
    pid = run_start(argv, &o);
    n = guest_fds(pid, t, 16);
    assert_int_equal(n, 5);
    snprintf(fd1, sizeof fd1, "/proc/%d/fd/1", (int)pid);
    len = readlink(fd1, target, sizeof target - 1);
    assert_true(len > 0);
    target[len] = '\0';
    assert_string_equal(target, "/dev/null");
    assert_int_equal(run_wait(pid, 5000, &r), 0);
    expect_status(&r, 0);
}

static void test_stdout_closed(void **state)
{
    struct run_opts o = {.close_stdout = true};
    struct stat before, after;
    struct run_result r;

    (void)state;
    assert_int_equal(stat(guest("hello"), &before), 0);
    spt(&r, &o, guest("hello"), NULL);
    expect_status(&r, 0);
    assert_string_equal(r.out, "");
    assert_int_equal(stat(guest("hello"), &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
    run_free(&r);
}

/*
 * The allowlist is printed and the guest does not run: stdout holds the
 * JSON document and nothing after it (allowlist_load checks).
 */
static void test_print_policy(void **state)
{
    const char *words[] = {guest("hello"), NULL};
    const struct allowlist_cond console[] = {{"fd", "==", 1}, {NULL}};
    json_t *policy = allowlist_load(words);

    (void)state;
    assert_non_null(allowlist_rule(policy, "write", "console", console));
    assert_non_null(allowlist_rule(policy, "exit_group", NULL, NULL));
    json_decref(policy);
}

static void test_help_version(void **state)
{
    struct run_result r;

    (void)state;
    spt(&r, NULL, "--help", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "Usage: solo5-spt"));
    assert_non_null(strstr(r.out, "--block:NAME=PATH"));
    run_free(&r);
    spt(&r, NULL, "--version", NULL);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "solo5-spt "));
    run_free(&r);
}

static void test_refusals(void **state)
{
    const char *text = tmp_path("not-elf.txt");
    const char *fifo = tmp_path("kernel.fifo");
    struct run_result r;
    FILE *f;

    (void)state;
    spt(&r, NULL, "/nonexistent/app.spt", NULL);
    expect_refusal(&r, "cannot open");
    run_free(&r);
    f = fopen(text, "w");
    assert_non_null(f);
    for (int i = 0; i < 20; i++)
        fputs("This is a text file, not an executable.\n", f);
    fclose(f);
    spt(&r, NULL, text, NULL);
    expect_refusal(&r, "not an ELF file");
    run_free(&r);
    unlink(text);
    spt(&r, NULL, "/bin/sh", NULL);
    expect_refusal(&r, "ET_EXEC");
    run_free(&r);
    spt(&r, NULL, "/", NULL);
    expect_refusal(&r, "not a regular file");
    run_free(&r);
    /* A FIFO is refused at once, not waited on for a writer. */
    assert_int_equal(mkfifo(fifo, 0600), 0);
    spt(&r, NULL, fifo, NULL);
    expect_refusal(&r, "not a regular file");
    run_free(&r);
    unlink(fifo);
    spt(&r, NULL, "--frobnicate", guest("hello"), NULL);
    expect_refusal(&r, "unknown option '--frobnicate'");
    run_free(&r);
    spt(&r, NULL, "--mem=1", guest("hello"), NULL);
    expect_refusal(&r, "--mem");
    run_free(&r);
    spt(&r, NULL, "--block:storage=/dev/null", guest("hello"), NULL);
    expect_refusal(&r, "declares no BLOCK_BASIC device named 'storage'");
    run_free(&r);
    spt(&r, NULL, NULL);
    expect_refusal(&r, "no KERNEL");
    run_free(&r);
}

/* A copy of hello.spt whose ABI1 note says another target or version. */
static void make_abi_variant(const char *path, uint32_t target,
                             uint32_t version)
{
    static const uint8_t hdr[] = {6, 0, 0, 0, 16, 0, 0, 0, 'A', 'B', 'I', '1',
                                  'S', 'o', 'l', 'o', '5', 0, 0, 0};
    FILE *in = fopen(guest("hello"), "rb"), *out;
    static uint8_t buf[1 << 20];
    size_t n;
    uint8_t *note;

    assert_non_null(in);
    n = fread(buf, 1, sizeof buf, in);
    fclose(in);
    note = memmem(buf, n, hdr, sizeof hdr);
    assert_non_null(note);
    memcpy(note + 20, &target, 4);
    memcpy(note + 24, &version, 4);
    out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(out);
}

static void test_abi_refusals(void **state)
{
    const char *path = tmp_path("abi-variant.spt");
    struct run_result r;

    (void)state;
    make_abi_variant(path, 1, 2);
    spt(&r, NULL, path, NULL);
    expect_refusal(&r, "Solo5 hvt unikernel");
    run_free(&r);
    make_abi_variant(path, 3, 2);
    spt(&r, NULL, path, NULL);
    expect_refusal(&r, "Solo5 virtio unikernel");
    run_free(&r);
    make_abi_variant(path, 2, 1);
    spt(&r, NULL, path, NULL);
    expect_refusal(&r, "spt ABI version 1 is not supported");
    run_free(&r);
    make_abi_variant(path, 2, 2); /* the control: unchanged, it runs */
    spt(&r, NULL, path, NULL);
    expect_status(&r, 0);
    run_free(&r);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hello),
        cmocka_unit_test(test_hello_no_args),
        cmocka_unit_test(test_quiet),
        cmocka_unit_test(test_log_level_debug_then_quiet),
        cmocka_unit_test(test_cmdline_limit),
        cmocka_unit_test(test_globals),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_exec_heap_flag),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_stack_smash),
        cmocka_unit_test(test_fpu),
        cmocka_unit_test(test_sdk_printf),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_fast_clock),
        cmocka_unit_test(test_fast_clock_no_syscalls),
        cmocka_unit_test(test_canary),
        cmocka_unit_test(test_forbidden_syscall),
        cmocka_unit_test(test_exits),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_assert_quiet),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_stdout_closed),
        cmocka_unit_test(test_print_policy),
        cmocka_unit_test(test_help_version),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_abi_refusals),
    };

    return e2e_run("guests", tests, NULL, NULL);
}
