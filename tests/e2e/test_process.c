/*
 * test_process.c: the tender as a well-mannered process (issue "container
 * grade"): signals, core dumps and debugging, what the guest can read,
 * privileges, memory, disks; and the --x-supervise diagnostics.
 * Root-only cases skip when not root; CI runs as root.
 */
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
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "e2e.h"
#include "files.h"

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static pid_t start(const char *const *argv, const struct run_opts *o)
{
    pid_t pid = run_start(argv, o);

    assert_true(pid > 0);
    assert_true(guest_running(pid));
    return pid;
}

static void finish(pid_t pid, int status)
{
    struct run_result r;

    assert_int_equal(run_wait(pid, 10000, &r), 0);
    assert_false(r.timed_out);
    if (r.status != status)
        print_error("status %d, expected %d\n", r.status, status);
    assert_int_equal(r.status, status);
}

/* ---- signals ---------------------------------------------------------- */

static void test_signals_end_guest(void **state)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    const char *argv[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "30000",
                          NULL};

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        pid_t pid = start(argv, NULL);

        kill(pid, sigs[i]);
        finish(pid, 128 + sigs[i]);
    }
}

/* The child of unshare: PID 1 of the new namespace. */
static pid_t child_of(pid_t parent)
{
    for (int i = 0; i < 300; i++) {
        char path[64];
        long child = 0;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)parent,
                 (int)parent);
        f = fopen(path, "r");
        if (f && fscanf(f, "%ld", &child) == 1 && child > 0) {
            fclose(f);
            return (pid_t)child;
        }
        if (f)
            fclose(f);
        usleep(10000);
    }
    return -1;
}

static void test_sigterm_as_pid1(void **state)
{
    const char *argv[] = {"/usr/bin/unshare", "--pid", "--fork", e2e.tender,
                          guest("sleep"), "--solo5:quiet", "60000", NULL};
    struct run_result r;
    pid_t outer, init;
    long t0;

    (void)state;
    if (geteuid() != 0)
        skip();
    outer = run_start(argv, NULL);
    init = child_of(outer);
    assert_true(init > 0);
    assert_true(guest_running(init));
    assert_non_null(strstr(proc_line(init, "status", "NSpid:"), "\t1\n"));
    t0 = now_ms();
    kill(init, SIGTERM);
    assert_int_equal(run_wait(outer, 5000, &r), 0);
    assert_false(r.timed_out);
    assert_int_equal(r.status, 128 + SIGTERM);
    assert_true(now_ms() - t0 < 1000);
    print_message("PID 1 ended by SIGTERM in %ld ms\n", now_ms() - t0);
}

static void stdout_reader_gone(void *arg)
{
    int p[2];

    (void)arg;
    if (pipe(p) == 0) {
        close(p[0]);
        dup2(p[1], 1);
        close(p[1]);
    }
}

static void test_sigpipe_ignored(void **state)
{
    const char *argv[] = {e2e.tender, guest("sleep"), "300", NULL};
    struct run_opts o = {.child_setup = stdout_reader_gone};
    long t0 = now_ms();
    pid_t pid;

    (void)state;
    /* The banner and AWAKE go to a pipe nobody reads: EPIPE, not death. */
    pid = run_start(argv, &o);
    finish(pid, 0);
    assert_true(now_ms() - t0 >= 300);
}

/* ---- core dumps and debugging ----------------------------------------- */

static void big_core_limit(void *arg)
{
    struct rlimit r = {4096 * 1024, RLIM_INFINITY};

    (void)arg;
    setrlimit(RLIMIT_CORE, &r);
}

static void test_no_core_by_default(void **state)
{
    const char *plain[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "60000",
                           NULL};
    const char *dump[] = {e2e.tender, "--x-dumpcore", guest("sleep"),
                          "--solo5:quiet", "60000", NULL};
    struct run_opts o = {.child_setup = big_core_limit};
    const char *line;
    pid_t pid;

    (void)state;
    pid = start(plain, &o);
    line = proc_line(pid, "limits", "Max core file size");
    assert_non_null(strstr(line, " 0 "));
    assert_null(strstr(line, "4194304"));
    kill(pid, SIGTERM);
    finish(pid, 143);
    pid = start(dump, &o);
    assert_non_null(strstr(proc_line(pid, "limits", "Max core file size"),
                           "4194304"));
    kill(pid, SIGTERM);
    finish(pid, 143);
}

static void test_gdb(void **state)
{
    char add[PATH_MAX + 32];
    const char *argv[] = {"/usr/bin/gdb", "-q", "-batch", "-nx",
                          "-ex", "break launch_go", "-ex", "run",
                          "-ex", add, "-ex", "break solo5_app_main",
                          "-ex", "continue", "-ex", "bt",
                          "-ex", "print si->cmdline", "-ex", "continue",
                          "--args", e2e.tender, guest("exit"), "--solo5:quiet",
                          "return", "5", NULL};
    struct run_result r;

    (void)state;
    if (access(argv[0], X_OK) != 0)
        fail_msg("gdb is needed for this test");
    snprintf(add, sizeof add, "add-symbol-file %s", guest("exit"));
    assert_int_equal(run(argv, NULL, &r), 0);
    if (!strstr(r.out, "exited with code 05"))
        print_error("%s%s", r.out, r.err);
    assert_non_null(strstr(r.out, "solo5_app_main (si="));
    assert_non_null(strstr(r.out, "tests/guests/exit.c:"));
    assert_non_null(strstr(r.out, "in spt_start"));
    assert_non_null(strstr(r.out, "\"return 5\""));
    assert_non_null(strstr(r.out, "exited with code 05"));
    run_free(&r);
}

/* ---- what the guest can read ------------------------------------------ */

/* Every readable mapping of pid searched for each needle. */
static void memory_scan(pid_t pid, const char *const *needles, bool *found)
{
    char path[64], line[512];
    FILE *maps;
    int mem;

    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    mem = open(path, O_RDONLY);
    assert_non_null(maps);
    assert_true(mem >= 0);
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perm[8];
        uint8_t *data;
        ssize_t n;

        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) != 3 ||
            perm[0] != 'r' || strstr(line, "[vvar") || strstr(line, "[vsys"))
            continue;
        data = malloc(hi - lo);
        assert_non_null(data);
        n = pread(mem, data, hi - lo, (off_t)lo);
        for (int i = 0; needles[i] && n > 0; i++)
            if (memmem(data, (size_t)n, needles[i], strlen(needles[i])))
                found[i] = true;
        free(data);
    }
    fclose(maps);
    close(mem);
}

static void secret_env(void *arg)
{
    (void)arg;
    setenv("SPT_TEST_SECRET", "ENVSECRET_7f3a9", 1);
}

static void test_host_data_wiped(void **state)
{
    const char *dir = tmp_path("PATHSECRET_d41c");
    const char *img = path_in(dir, "disk.img");
    char opt[PATH_MAX + 32];
    const char *needles[] = {"ENVSECRET_7f3a9", "SPT_TEST_SECRET",
                             "PATHSECRET_d41c", "sleep_blk.spt",
                             "GUESTWORD_b2e8", NULL};
    bool found[5] = {false};
    const char *argv[] = {e2e.tender, opt, guest("sleep_blk"), "--solo5:quiet",
                          "60000", "GUESTWORD_b2e8", NULL};
    struct run_opts o = {.child_setup = secret_env};
    pid_t pid;

    (void)state;
    mkdir(dir, 0755);
    make_image(img, 65536);
    snprintf(opt, sizeof opt, "--block:storage=%s", img);
    pid = start(argv, &o);
    memory_scan(pid, needles, found);
    kill(pid, SIGTERM);
    finish(pid, 143);
    assert_false(found[0]); /* the environment */
    assert_false(found[1]);
    assert_false(found[2]); /* a device path */
    assert_false(found[3]); /* the kernel path */
    assert_true(found[4]);  /* the control: the guest's own word remains */
}

/* ---- privileges -------------------------------------------------------- */

static void test_capabilities_dropped(void **state)
{
    static const char *const keys[] = {"CapInh:", "CapPrm:", "CapEff:",
                                       "CapBnd:", "CapAmb:"};
    const char *argv[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "60000",
                          NULL};
    pid_t pid;

    (void)state;
    if (geteuid() != 0)
        skip();
    pid = start(argv, NULL);
    for (size_t i = 0; i < 5; i++)
        assert_non_null(strstr(proc_line(pid, "status", keys[i]),
                               "0000000000000000"));
    assert_non_null(strstr(proc_line(pid, "status", "NoNewPrivs:"), "1"));
    assert_non_null(strstr(proc_line(pid, "status", "Seccomp:"), "2"));
    assert_non_null(strstr(proc_line(pid, "status", "Threads:"), "\t1\n"));
    kill(pid, SIGTERM);
    finish(pid, 143);
}

static void test_user_switch(void **state)
{
    const char *by_name[] = {e2e.tender, "--x-user=nobody", guest("sleep"),
                             "--solo5:quiet", "60000", NULL};
    const char *by_id[] = {e2e.tender, "--x-user=65534:65533", guest("sleep"),
                           "--solo5:quiet", "60000", NULL};
    const char *unknown[] = {e2e.tender, "--x-user=no_such_user_x",
                             guest("hello"), NULL};
    pid_t pid;

    (void)state;
    if (geteuid() != 0)
        skip();
    pid = start(by_name, NULL);
    assert_non_null(strstr(proc_line(pid, "status", "Uid:"),
                           "65534\t65534\t65534\t65534"));
    assert_non_null(strstr(proc_line(pid, "status", "CapBnd:"),
                           "0000000000000000"));
    /* No supplementary group left: no digit on the line. */
    assert_null(strpbrk(proc_line(pid, "status", "Groups:") + 7,
                        "0123456789"));
    kill(pid, SIGTERM);
    finish(pid, 143);
    pid = start(by_id, NULL);
    assert_non_null(strstr(proc_line(pid, "status", "Gid:"),
                           "65533\t65533\t65533\t65533"));
    kill(pid, SIGTERM);
    finish(pid, 143);
    expect_run_refused(unknown, "no such user");
}

static void test_block_guest_unprivileged(void **state)
{
    const char *t = tmp_path("solo5-spt"), *g = tmp_path("blk.spt");
    const char *img = tmp_path("nobody.img"), *spare = tmp_path("nobody2.img");
    char o1[PATH_MAX + 32], o2[PATH_MAX + 32];
    const char *argv[] = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                          "--clear-groups", "--inh-caps=-all", t, o1, o2, g,
                          "--solo5:quiet", "fill", "3", NULL};
    struct run_result r;

    (void)state;
    if (geteuid() != 0)
        skip();
    assert_int_equal(file_copy(e2e.tender, t, 0755), 0);
    assert_int_equal(file_copy(guest("blk"), g, 0755), 0);
    make_image(img, 262144);
    make_image(spare, 4096);
    assert_int_equal(chown(img, 65534, 65534), 0);
    assert_int_equal(chown(spare, 65534, 65534), 0);
    chmod(e2e.tmp, 0755);
    snprintf(o1, sizeof o1, "--block:storage=%s", img);
    snprintf(o2, sizeof o2, "--block:spare=%s", spare);
    assert_int_equal(run(argv, NULL, &r), 0);
    if (r.status != 0)
        print_error("%s%s", r.out, r.err);
    assert_int_equal(r.status, 0);
    run_free(&r);
}

/* ---- memory ------------------------------------------------------------ */

static void test_100_idle_guests(void **state)
{
    const char *argv[] = {e2e.tender, "--mem=512", guest("sleep"),
                          "--solo5:quiet", "60000", NULL};
    pid_t pids[100];
    long rss = 0;

    (void)state;
    for (int i = 0; i < 100; i++) {
        pids[i] = run_start(argv, NULL);
        assert_true(pids[i] > 0);
    }
    for (int i = 0; i < 100; i++) {
        assert_true(guest_running(pids[i]));
        rss += atol(proc_line(pids[i], "status", "VmRSS:") + 6);
    }
    print_message("100 idle guests of 512 MiB: %ld KiB resident in all\n",
                  rss);
    for (int i = 0; i < 100; i++)
        kill(pids[i], SIGTERM);
    for (int i = 0; i < 100; i++)
        finish(pids[i], 143);
}

static bool thp_available(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    char line[128] = "";

    if (f) {
        if (fgets(line, sizeof line, f) == NULL)
            line[0] = '\0';
        fclose(f);
    }
    return line[0] && !strstr(line, "[never]");
}

static void test_hugepages(void **state)
{
    const char *plain[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "60000",
                           NULL};
    const char *huge[] = {e2e.tender, "--x-hugepages", guest("sleep"),
                          "--solo5:quiet", "60000", NULL};
    pid_t pid;

    (void)state;
    pid = start(plain, NULL);
    assert_int_equal(atol(proc_line(pid, "smaps_rollup", "AnonHugePages:") +
                          14), 0);
    kill(pid, SIGTERM);
    finish(pid, 143);
    if (!thp_available())
        return;
    pid = start(huge, NULL);
    assert_true(atol(proc_line(pid, "smaps_rollup", "AnonHugePages:") + 14) >
                0);
    kill(pid, SIGTERM);
    finish(pid, 143);
}

static void test_memory_too_large(void **state)
{
    /* 64 TiB: a --mem written in bytes (64 MiB) instead of MiB. */
    const char *argv[] = {e2e.tender, "--mem=67108864", guest("hello"), NULL};

    (void)state;
    expect_run_refused(argv, "--mem=67108864: more than this host can give: "
                             "at most ");
}

/* ---- disks ------------------------------------------------------------- */

static void test_image_locked(void **state)
{
    const char *img = tmp_path("locked.img");
    char rw[PATH_MAX + 32], ro[PATH_MAX + 32];
    const char *first[] = {e2e.tender, rw, guest("sleep_blk"), "--solo5:quiet",
                           "60000", NULL};
    const char *second_rw[] = {e2e.tender, rw, guest("sleep_blk"), NULL};
    const char *second_ro[] = {e2e.tender, ro, guest("sleep_blk"), NULL};
    const char *after[] = {e2e.tender, rw, guest("sleep_blk"), "--solo5:quiet",
                           "0", NULL};
    struct run_result r;
    pid_t pid;

    (void)state;
    make_image(img, 65536);
    snprintf(rw, sizeof rw, "--block:storage=%s", img);
    snprintf(ro, sizeof ro, "--block-ro:storage=%s", img);
    pid = start(first, NULL);
    expect_run_refused(second_rw, "in use: attached by another guest");
    expect_run_refused(second_ro, "in use");
    kill(pid, SIGTERM);
    finish(pid, 143);
    /* Released with the guest. */
    assert_int_equal(run(after, NULL, &r), 0);
    assert_int_equal(r.status, 0);
    run_free(&r);
}

static void test_read_only(void **state)
{
    static uint8_t before[65536], after[65536];
    const char *img = tmp_path("ro.img"), *spare = tmp_path("ro-spare.img");
    char o1[PATH_MAX + 32], o2[PATH_MAX + 32], o3[PATH_MAX + 32];
    const char *fill[] = {e2e.tender, o1, o2, guest("blk"), "--solo5:quiet",
                          "fill", "6", NULL};
    const char *ro[] = {e2e.tender, o3, o2, guest("blk"), "--solo5:quiet", "ro",
                        "6", NULL};
    struct run_result r;
    pid_t a, b;

    (void)state;
    make_image(img, 65536);
    make_image(spare, 4096);
    snprintf(o1, sizeof o1, "--block:storage=%s", img);
    snprintf(o2, sizeof o2, "--block-ro:spare=%s", spare);
    snprintf(o3, sizeof o3, "--block-ro:storage=%s", img);
    assert_int_equal(run(fill, NULL, &r), 0);
    assert_int_equal(r.status, 0);
    run_free(&r);
    file_snapshot(img, before, sizeof before);
    assert_int_equal(run(ro, NULL, &r), 0);
    assert_int_equal(r.status, 0);          /* not killed */
    assert_non_null(strstr(r.out, "WRITE EUNSPEC")); /* an error result */
    run_free(&r);
    file_snapshot(img, after, sizeof after);
    assert_memory_equal(before, after, sizeof before);
    /* Two read-only guests may share an image. */
    a = run_start(ro, NULL);
    b = run_start(ro, NULL);
    finish(a, 0);
    finish(b, 0);
}

static void test_truncated_image(void **state)
{
    const char *img = tmp_path("shrunk.img");
    const char *spare = tmp_path("shrunk-spare.img");
    char o1[PATH_MAX + 32], o2[PATH_MAX + 32];
    const char *argv[] = {e2e.tender, o1, o2, guest("blk"), "--solo5:quiet",
                          "late", "300", NULL};
    struct stat st;
    pid_t pid;

    (void)state;
    make_image(img, 65536);
    make_image(spare, 4096);
    snprintf(o1, sizeof o1, "--block:storage=%s", img);
    snprintf(o2, sizeof o2, "--block:spare=%s", spare);
    pid = start(argv, NULL);
    assert_int_equal(truncate(img, 4096), 0); /* shrunk under the guest */
    finish(pid, 0);
    /* Its bounds stay those it was attached with: never past them. */
    assert_int_equal(stat(img, &st), 0);
    assert_true(st.st_size <= 65536);
}

/* ---- --x-supervise ------------------------------------------------------ */

static void test_supervise_names_call(void **state)
{
    const char *argv[] = {e2e.tender, "--x-supervise", guest("syscall"),
                          "--solo5:quiet", "257", "-100", "0x100000", "0",
                          NULL};
    const char *ok[] = {e2e.tender, "--x-supervise", guest("exit"),
                        "--solo5:quiet", "return", "7", NULL};
    struct run_result r;

    (void)state;
    assert_int_equal(run(argv, NULL, &r), 0);
    assert_int_equal(r.signal, SIGSYS);
    assert_int_equal(r.status, 159);
    assert_non_null(strstr(r.err, "forbidden system call: openat("
                                  "0xffffffffffffff9c, 0x100000, 0x0"));
    assert_non_null(strstr(r.err, "[nr 257]"));
    assert_null(strstr(r.out, "RETURNED"));
    run_free(&r);
    /* A guest that ends at once races the supervisor fetching its
     * listener; that race once lost half the time: run it often. */
    for (int i = 0; i < 100; i++) {
        assert_int_equal(run(ok, NULL, &r), 0);
        assert_int_equal(r.status, 7);
        assert_string_equal(r.err, "");
        run_free(&r);
    }
}

static void test_supervise_forwards_signals(void **state)
{
    const char *argv[] = {e2e.tender, "--x-supervise", guest("sleep"),
                          "--solo5:quiet", "30000", NULL};
    pid_t pid = run_start(argv, NULL), child;

    (void)state;
    child = child_of(pid);
    assert_true(child > 0);
    assert_true(guest_running(child));
    /* The guest is one thread; its supervisor another process. */
    assert_non_null(strstr(proc_line(child, "status", "Threads:"), "\t1\n"));
    assert_non_null(strstr(proc_line(child, "status", "Seccomp:"), "2"));
    assert_non_null(strstr(proc_line(pid, "status", "Seccomp:"), "0"));
    kill(pid, SIGTERM);
    finish(pid, 143);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals_end_guest),
        cmocka_unit_test(test_sigterm_as_pid1),
        cmocka_unit_test(test_sigpipe_ignored),
        cmocka_unit_test(test_no_core_by_default),
        cmocka_unit_test(test_gdb),
        cmocka_unit_test(test_host_data_wiped),
        cmocka_unit_test(test_capabilities_dropped),
        cmocka_unit_test(test_user_switch),
        cmocka_unit_test(test_block_guest_unprivileged),
        cmocka_unit_test(test_100_idle_guests),
        cmocka_unit_test(test_hugepages),
        cmocka_unit_test(test_memory_too_large),
        cmocka_unit_test(test_image_locked),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_truncated_image),
        cmocka_unit_test(test_supervise_names_call),
        cmocka_unit_test(test_supervise_forwards_signals),
    };

    return e2e_run("process", tests, NULL, NULL);
}
