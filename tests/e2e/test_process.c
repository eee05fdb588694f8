/*
 * test_process.c: the tender as a well-mannered process (issue "container
 * grade"): signals, core dumps and debugging, what the guest can see (its
 * mappings, memory, registers and what ps shows: issue 10), privileges,
 * memory, disks; and the --x-supervise diagnostics.
 * Root-only cases skip when not root; CI runs as root.
 *
 *   test_process [--update-golden]   (make golden-update: tests/golden)
 */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/filter.h>
#include <cmocka.h>

#include "allowlist.h"
#include "e2e.h"
#include "files.h"
#include "solo5/spt_abi.h"

/*
 * The --mem of the runs that look at guest memory (MiB), and the size of
 * the tender's signal stack. Reading another process's maps, memory or
 * system call needs root: the guest is not dumpable.
 */
#define MEM          64
#define MEM_OPT      "--mem=64"
#define SIGNAL_STACK (64 * 1024UL)

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/*
 * Wait until pid waits in guest code: in epoll_pwait, which only the
 * guest's solo5_yield calls, so the launch code has finished. Reading
 * /proc/PID/syscall needs root. The stack pointer it waits with, if sp.
 */
static bool guest_idle(pid_t pid, uint64_t *sp)
{
    for (int i = 0; i < 300; i++) {
        const char *line = proc_line(pid, "syscall", "281 ");
        unsigned long v[8];

        if (sscanf(line, "281 %lx %lx %lx %lx %lx %lx %lx %lx", &v[0], &v[1],
                   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
            if (sp)
                *sp = v[6];
            return true;
        }
        usleep(10000);
    }
    return false;
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

static void no_aslr(void *arg)
{
    (void)arg;
    personality(ADDR_NO_RANDOMIZE);
}

/* The signal stack: the one 64 KiB rw-p mapping outside guest memory. */
static uint64_t signal_stack_of(pid_t pid)
{
    char path[64], line[512];
    uint64_t found = 0;
    int n = 0;
    FILE *maps;

    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    maps = fopen(path, "re");
    assert_non_null(maps);
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perm[8];

        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 &&
            lo >= MEM * 1024UL * 1024 && hi - lo == SIGNAL_STACK &&
            strcmp(perm, "rw-p") == 0) {
            found = lo;
            n++;
        }
    }
    fclose(maps);
    assert_int_equal(n, 1);
    return found;
}

/*
 * A guest that moves its stack pointer near the bottom of the tender's
 * signal stack (tests/guests/sigstack.c) and waits there: SIGTERM must
 * still end it with 143. The handler's stack is armed with SS_AUTODISARM,
 * so the kernel puts the frame at its top; without, the frame would go
 * below the guest's stack pointer, off the stack, and the guest die of
 * SIGSEGV (139). The address is random: a first run without address
 * randomisation shows where the stack is, a second one of the same
 * layout (the same words, as long) is told it.
 */
static void test_signal_on_guest_stack(void **state)
{
    char word[24] = "0x0000000000000000";
    const char *argv[] = {e2e.tender, MEM_OPT, guest("sigstack"),
                          "--solo5:quiet", word, NULL};
    struct run_opts o = {.child_setup = no_aslr};
    uint64_t stack, sp;
    pid_t pid;

    (void)state;
    if (geteuid() != 0)
        skip();
    pid = start(argv, &o);
    assert_true(guest_idle(pid, NULL));
    stack = signal_stack_of(pid);
    kill(pid, SIGTERM);
    finish(pid, 143);

    snprintf(word, sizeof word, "0x%016lx", (unsigned long)stack);
    pid = start(argv, &o);
    assert_true(guest_idle(pid, &sp));
    assert_int_equal(signal_stack_of(pid), stack);
    /* Waiting on it, too close to its bottom for any signal frame. */
    assert_true(sp >= stack && sp < stack + 512);
    kill(pid, SIGTERM);
    finish(pid, 143);
}

/* A parent that blocked every signal and ignored signal 40. */
static void parent_ignored_40(void *arg)
{
    sigset_t all;

    (void)arg;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    signal(40, SIG_IGN);
}

/*
 * Whatever the parent ignored or blocked: nothing blocked, only SIGPIPE
 * ignored, only SIGHUP, SIGINT and SIGTERM caught; signal 40, a real-time
 * signal the parent ignored, ends the guest.
 */
static void test_signals_reset(void **state)
{
    const char *argv[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "60000",
                          NULL};
    struct run_opts o = {.child_setup = parent_ignored_40};
    pid_t pid;

    (void)state;
    pid = start(argv, &o);
    assert_string_equal(proc_line(pid, "status", "SigBlk:"),
                        "SigBlk:\t0000000000000000\n");
    assert_string_equal(proc_line(pid, "status", "SigIgn:"),
                        "SigIgn:\t0000000000001000\n");
    assert_string_equal(proc_line(pid, "status", "SigCgt:"),
                        "SigCgt:\t0000000000004003\n");
    kill(pid, 40);
    finish(pid, 128 + 40);
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

/* ---- what the guest can see -------------------------------------------- */

/* The guest's PT_LOAD segments, page-rounded, as mapped at fixed places. */
/* Where the guest of a run of argv is: the tender, or its child. */
static pid_t guest_of(pid_t pid, bool supervised)
{
    pid_t g = supervised ? child_of(pid) : pid;

    assert_true(g > 0);
    assert_true(guest_running(g));
    assert_true(guest_idle(g, NULL));
    return g;
}

/* The maps of an idle sleep guest started with argv, against a copy. */
static void maps_check(const char *golden, const char *const *argv,
                       const struct run_opts *o, const char *kernel,
                       bool supervised)
{
    char text[4096];
    pid_t pid = run_start(argv, o), g;

    assert_true(pid > 0);
    g = guest_of(pid, supervised);
    maps_normalised(g, kernel, MEM * 1024UL * 1024, text, sizeof text);
    kill(pid, SIGTERM);
    finish(pid, 143);
    expect_golden(golden, text);
}

/* AFL++'s coverage map, a SysV segment named in __AFL_SHM_ID. */
static void afl_coverage_map(void *arg)
{
    char id[16];

    snprintf(id, sizeof id, "%d", *(int *)arg);
    setenv("__AFL_SHM_ID", id, 1);
}

/*
 * Exactly guest memory, the launch region and the kernel's mappings stay
 * (README, "What the guest can see"): tests/golden/maps.txt for a guest
 * handed the vDSO clock, alone, with a block device and under
 * --x-supervise (the guest's process); maps-no-extensions.txt without it;
 * maps-fuzz-input.txt in a fuzzing run (--x-fuzz-input, with a coverage
 * map as AFL++ would give), which keeps the input and the map too.
 */
static void test_maps_golden(void **state)
{
    char blk[PATH_MAX + 32];
    const char *plain[] = {e2e.tender, MEM_OPT, guest("sleep"),
                           "--solo5:quiet", "60000", NULL};
    const char *with_blk[] = {e2e.tender, MEM_OPT, blk, guest("sleep_blk"),
                              "--solo5:quiet", "60000", NULL};
    const char *supervised[] = {e2e.tender, MEM_OPT, "--x-supervise",
                                guest("sleep"), "--solo5:quiet", "60000",
                                NULL};
    const char *no_ext[] = {e2e.tender, MEM_OPT, "--x-no-extensions",
                            guest("sleep"), "--solo5:quiet", "60000", NULL};
    char input[PATH_MAX + 32];
    const char *fuzz[] = {e2e.tender, MEM_OPT, input, guest("sleep"),
                          "--solo5:quiet", "60000", NULL};
    int shm;
    struct run_opts afl = {.child_setup = afl_coverage_map, .child_arg = &shm};
    void *held;

    (void)state;
    if (geteuid() != 0)
        skip();
    make_image(tmp_path("maps.img"), 65536);
    snprintf(blk, sizeof blk, "--block:storage=%s", tmp_path("maps.img"));
    maps_check("maps.txt", plain, NULL, guest("sleep"), false);
    maps_check("maps.txt", with_blk, NULL, guest("sleep_blk"), false);
    maps_check("maps.txt", supervised, NULL, guest("sleep"), true);
    maps_check("maps-no-extensions.txt", no_ext, NULL, guest("sleep"),
               false);
    /* Attached here, then marked for removal: Linux still lets the
     * tender attach it, and it goes when we do, whatever happens. */
    shm = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
    assert_true(shm >= 0);
    held = shmat(shm, NULL, SHM_RDONLY);
    assert_true(held != (void *)-1);
    assert_int_equal(shmctl(shm, IPC_RMID, NULL), 0);
    make_image(tmp_path("input"), 100);
    snprintf(input, sizeof input, "--x-fuzz-input=%s", tmp_path("input"));
    maps_check("maps-fuzz-input.txt", fuzz, &afl, guest("sleep"), false);
    shmdt(held);
}

/*
 * A secret a deployment could hand the tender, and whether a scan of the
 * guest's memory found it. Each planted secret repeats a marker of 5 or 6
 * letters every 8 or 9 bytes, and the marker is what is looked for: any
 * piece of the secret of 14 bytes or more holds a whole one, so a
 * fragment is found too (the tail a vector register held, one directory
 * of a path). A needle of binary bytes has its length in len (0: a
 * string).
 */
struct needle {
    const char *what;
    char text[PATH_MAX];
    bool found;
    size_t len;
};

/* prefix, then MARKER00/MARKER01/... (with sep) up to len bytes. */
static void secret_make(char *out, size_t len, const char *prefix,
                        const char *marker, char sep)
{
    size_t n = (size_t)snprintf(out, len + 1, "%s", prefix);

    for (int i = 0; n < len; i++)
        n += (size_t)snprintf(out + n, len + 1 - n, "%s%02d%c", marker, i,
                              sep);
    out[len] = '\0';
}

static struct {
    char database_url[200], tunables[200], ld_library_path[200];
} planted;

/* In the tender's environment (a run_opts child_setup). */
static void plant_secrets(void *arg)
{
    (void)arg;
    setenv("DATABASE_URL", planted.database_url, 1);
    setenv("GLIBC_TUNABLES", planted.tunables, 1);
    setenv("LD_LIBRARY_PATH", planted.ld_library_path, 1);
}

/*
 * The secrets made (DATABASE_URL= 185 bytes, the others about 160), and
 * an image at a path of about 165 bytes: blk is the option attaching it.
 */
static void secrets_make(char *blk, size_t size)
{
    char dir[160], img[PATH_MAX];

    secret_make(planted.database_url, 172, "postgres://", "DBSEC", '/');
    secret_make(planted.tunables, 150, "glibc.", "TUNSEC", ':');
    secret_make(planted.ld_library_path, 160, "/opt/", "LDLSEC", '/');
    secret_make(dir, 130, "", "DEVSEC", '_');
    snprintf(img, sizeof img, "%s/%s", e2e.tmp, dir);
    assert_true(mkdir(img, 0755) == 0 || errno == EEXIST);
    snprintf(img, sizeof img, "%s/%s/disk.img", e2e.tmp, dir);
    make_image(img, 65536);
    snprintf(blk, size, "--block:storage=%s", img);
}

/*
 * Every mapping of pid that can be read, read whole through /proc/PID/mem
 * and searched for each needle. The kernel's [vvar] pages are its time
 * data, and cannot be read this way (EIO); everything else must be.
 */
static void memory_scan(pid_t pid, struct needle *n, size_t count)
{
    enum { CHUNK = 1 << 20, OVERLAP = PATH_MAX };
    static uint8_t buf[CHUNK + OVERLAP];
    char path[64], line[512];
    unsigned long kib = 0;
    unsigned mappings = 0;
    FILE *maps;
    int mem;

    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    maps = fopen(path, "re");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    mem = open(path, O_RDONLY | O_CLOEXEC);
    assert_non_null(maps);
    assert_true(mem >= 0);
    for (size_t i = 0; i < count; i++)
        n[i].found = false;
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perm[8];

        assert_int_equal(sscanf(line, "%lx-%lx %7s", &lo, &hi, perm), 3);
        if (perm[0] != 'r' || strstr(line, "[vvar"))
            continue;
        /* Chunks overlap by more than any needle's length. */
        for (unsigned long at = lo; at < hi; at += CHUNK) {
            size_t want = hi - at < sizeof buf ? hi - at : sizeof buf;

            assert_int_equal(pread(mem, buf, want, (off_t)at), (ssize_t)want);
            for (size_t i = 0; i < count; i++)
                if (memmem(buf, want, n[i].text,
                           n[i].len ? n[i].len : strlen(n[i].text)))
                    n[i].found = true;
        }
        mappings++;
        kib += (hi - lo) / 1024;
    }
    fclose(maps);
    close(mem);
    print_message("%u mappings, %lu KiB read:\n", mappings, kib);
    for (size_t i = 0; i < count; i++)
        print_message("  %-10s %-48s %s\n", n[i].found ? "FOUND" : "not found",
                      n[i].what, n[i].len ? "(binary)" : n[i].text);
}

/*
 * The BPF program the tender run with words (its options and KERNEL)
 * installs, as the kernel gets it, into n: the whole of it, so it cannot
 * turn up by chance.
 */
static void bpf_needle(const char *const *words, struct needle *n)
{
    json_t *policy = allowlist_load(words);
    const json_t *bpf = json_object_get(policy, "bpf");
    size_t count = json_array_size(bpf);
    struct sock_filter f;

    assert_true(count > 0 && count * sizeof f <= sizeof n->text);
    for (size_t i = 0; i < count; i++) {
        const char *s = json_string_value(json_array_get(bpf, i));
        unsigned code, jt, jf, k;

        assert_non_null(s);
        assert_int_equal(sscanf(s, "%x %x %x %x", &code, &jt, &jf, &k), 4);
        f = (struct sock_filter){code, jt, jf, k};
        memcpy(n->text + i * sizeof f, &f, sizeof f);
    }
    n->len = count * sizeof f;
    json_decref(policy);
}

/*
 * The line of /etc/passwd for user, without its newline; its "UID:GID"
 * and its shell. The C library's reader cuts a line it parses into
 * fields in place, so a copy may survive only in pieces: these.
 */
static void passwd_line(const char *user, char *line, char *ids,
                        char *shell, size_t size)
{
    FILE *f = fopen("/etc/passwd", "re");
    size_t len = strlen(user);
    char copy[PATH_MAX], *field[7], *p = copy;

    assert_non_null(f);
    line[0] = '\0';
    while (fgets(line, (int)size, f))
        if (strncmp(line, user, len) == 0 && line[len] == ':')
            break;
    fclose(f);
    assert_true(strncmp(line, user, len) == 0);
    line[strcspn(line, "\n")] = '\0';
    snprintf(copy, sizeof copy, "%s", line);
    for (int i = 0; i < 7; i++)
        assert_non_null(field[i] = strsep(&p, ":"));
    snprintf(ids, size, "%s:%s", field[2], field[3]);
    snprintf(shell, size, "%s", field[6]);
}

/*
 * As root, with the tender started as urunc would start it (secrets in
 * its environment, a long device path, --x-user): none of it may be in
 * the guest's memory, alone or under --x-supervise, nor its BPF program
 * (the tender clears its copy once the kernel has it); the guest's own
 * words are (the control, which shows the scan finds what is there).
 */
static void test_memory_scan(void **state)
{
    char blk[PATH_MAX + 32], bin[PATH_MAX];
    struct needle n[] = {
        {"DATABASE_URL (environment, marker)", "DBSEC", false, 0},
        {"its name", "DATABASE_URL", false, 0},
        {"GLIBC_TUNABLES (marker)", "TUNSEC", false, 0},
        {"its name", "GLIBC_TUNABLES", false, 0},
        {"LD_LIBRARY_PATH (marker)", "LDLSEC", false, 0},
        {"its name", "LD_LIBRARY_PATH", false, 0},
        {"the device path (marker)", "DEVSEC", false, 0},
        {"the --x-user's /etc/passwd line", "", false, 0},
        {"its UID:GID", "", false, 0},
        {"its shell", "", false, 0},
        {"the tender's directory", "", false, 0},
        {"its compiled BPF program", "", false, 0},
        {"the guest's own word (the control)", "GUESTWORD_b2e8", false, 0},
    };
    const size_t count = sizeof n / sizeof n[0];
    const char *alone[] = {e2e.tender, MEM_OPT, "--x-user=nobody", blk,
                           guest("sleep_blk"), "--solo5:quiet", "60000",
                           "GUESTWORD_b2e8", NULL};
    const char *supervised[] = {e2e.tender, MEM_OPT, "--x-supervise",
                                "--x-user=nobody", blk, guest("sleep_blk"),
                                "--solo5:quiet", "60000", "GUESTWORD_b2e8",
                                NULL};
    struct run_opts o = {.child_setup = plant_secrets};

    (void)state;
    if (geteuid() != 0)
        skip();
    secrets_make(blk, sizeof blk);
    passwd_line("nobody", n[7].text, n[8].text, n[9].text, sizeof n[7].text);
    snprintf(bin, sizeof bin, "%s", e2e.tender);
    snprintf(n[10].text, sizeof n[10].text, "%s", dirname(bin));

    for (int supervise = 0; supervise <= 1; supervise++) {
        const char *const *argv = supervise ? supervised : alone;
        pid_t pid;

        /* Its own program: --x-supervise changes the default action. */
        bpf_needle(argv + 1, &n[11]);
        pid = run_start(argv, &o);
        assert_true(pid > 0);
        print_message("%s:\n", supervise ? "--x-supervise, the guest's "
                                           "process"
                                         : "alone");
        memory_scan(guest_of(pid, supervise), n, count);
        kill(pid, SIGTERM);
        finish(pid, 143);
        for (size_t i = 0; i + 1 < count; i++)
            assert_false(n[i].found);
        assert_true(n[count - 1].found);
    }
}

/* XCR0, or 0 without XSAVE. */
static uint64_t host_xcr0(void)
{
    unsigned a, b, c, d;
    uint32_t lo, hi;

    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return 0;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

/* Whether text has the whole line fmt formats; the line is kept in line. */
static bool has_line(const char *text, char *line, size_t size,
                     const char *fmt, ...)
{
    size_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, size, fmt, ap);
    va_end(ap);
    n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    return false;
}

/*
 * The first line of the guest's dump that is not as specified (or that
 * is missing), or NULL: general registers 0 but %rdi (the boot info) and
 * %rsp (mem_size - 8), the flags 0x202 (IF and the always-set bit 1), x87
 * and SSE control at their defaults, every vector register the CPU has
 * and k0-k7 zero, every other component of XCR0 initial or zero.
 */
static const char *registers_wrong(const char *out, uint64_t xcr0)
{
    static const char *const gprs[16] = {
        "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15",
    };
    static char line[128];
    bool avx512 = (xcr0 & 0xe0) == 0xe0, avx = xcr0 & 4;
    const char *vec = avx512 ? "zmm" : avx ? "ymm" : "xmm";

    for (int i = 0; i < 16; i++)
        if (!has_line(out, line, sizeof line, "%s 0x%lx", gprs[i],
                      i == 5   ? SPT_BOOT_INFO_BASE
                      : i == 7 ? MEM * 1024UL * 1024 - 8
                               : 0UL))
            return line;
    if (!has_line(out, line, sizeof line, "rflags 0x202") ||
        !has_line(out, line, sizeof line, "fcw 0x37f") ||
        !has_line(out, line, sizeof line, "mxcsr 0x1f80") ||
        !has_line(out, line, sizeof line, "xcr0 0x%lx", (unsigned long)xcr0))
        return line;
    if (!has_line(out, line, sizeof line, "x87 init") &&
        !has_line(out, line, sizeof line, "x87 fsw=0x0 ftw=0x0 st=zero"))
        return "x87 init";
    for (unsigned i = 0; i < (avx512 ? 32u : 16u); i++)
        if (!has_line(out, line, sizeof line, "%s%u 0", vec, i))
            return line;
    for (unsigned i = 0; avx512 && i < 8; i++)
        if (!has_line(out, line, sizeof line, "k%u 0", i))
            return line;
    if (count_lines_with(out, "nonzero") != 0)
        return "component N init (or zero)";
    if (!has_line(out, line, sizeof line, "DONE"))
        return line;
    return NULL;
}

/*
 * The registers the guest's first instruction sees (tests/guests/regs.c
 * records and prints them), as registers_wrong says, with the long path
 * and the environment that the vector registers once carried into the
 * guest.
 */
static void test_registers_at_entry(void **state)
{
    char blk[PATH_MAX + 32];
    const char *argv[] = {e2e.tender, MEM_OPT, blk, guest("regs"),
                          "--solo5:quiet", NULL};
    struct run_opts o = {.child_setup = plant_secrets};
    uint64_t xcr0 = host_xcr0();
    struct run_result r;
    const char *wrong;

    (void)state;
    if (xcr0 == 0) {
        print_message("no XSAVE on this CPU: the guest cannot record\n");
        skip();
    }
    secrets_make(blk, sizeof blk);
    run_checked(argv, &o, &r);
    expect_status(&r, 0);
    wrong = registers_wrong(r.out, xcr0);
    if (wrong) {
        print_error("the guest saw:\n");
        print_text(r.out);
        fail_msg("expected a line '%s'", wrong);
    }
    run_free(&r);
}

/*
 * What `ps` shows of pid, running sleep_blk with the words "--solo5:quiet
 * 60000 GUESTWORD_b2e8": its command line is "solo5-spt" and those words,
 * no path and no option of the tender; comm is solo5-spt; as root, the
 * environment is seen to be empty.
 */
static void ps_check(pid_t pid)
{
    static const char want[] = "solo5-spt\0--solo5:quiet\00060000\0"
                               "GUESTWORD_b2e8";
    char path[64], got[4096];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    n = read(fd, got, sizeof got);
    close(fd);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(got, want, sizeof want);
    assert_string_equal(proc_line(pid, "comm", ""), "solo5-spt\n");
    if (geteuid() != 0)
        return;
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, got, sizeof got), 0);
    close(fd);
}

/* A guest alone, and under --x-supervise, where the supervisor too. */
static void test_ps(void **state)
{
    char blk[PATH_MAX + 32];
    const char *alone[] = {e2e.tender, MEM_OPT, blk, guest("sleep_blk"),
                           "--solo5:quiet", "60000", "GUESTWORD_b2e8", NULL};
    const char *supervised[] = {e2e.tender, "--x-supervise", MEM_OPT, blk,
                                guest("sleep_blk"), "--solo5:quiet", "60000",
                                "GUESTWORD_b2e8", NULL};
    pid_t pid, g;

    (void)state;
    make_image(tmp_path("ps.img"), 65536);
    snprintf(blk, sizeof blk, "--block:storage=%s", tmp_path("ps.img"));
    pid = start(alone, NULL);
    ps_check(pid);
    kill(pid, SIGTERM);
    finish(pid, 143);
    pid = run_start(supervised, NULL);
    assert_true(pid > 0);
    g = child_of(pid);
    assert_true(g > 0);
    assert_true(guest_running(g));
    ps_check(g);
    ps_check(pid);
    kill(pid, SIGTERM);
    finish(pid, 143);
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

/* The owner of /proc/PID: root's for a process that is not dumpable. */
static uid_t proc_owner(pid_t pid)
{
    char path[64];
    struct stat st;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    assert_int_equal(stat(path, &st), 0);
    return st.st_uid;
}

/*
 * Under --x-supervise the guest stays not dumpable: nothing needs to reach
 * into it (the listener reaches the supervisor through a shared descriptor
 * table), even run by an unprivileged user, for whom that reaching would
 * need it. The kernel shows it: /proc/PID of a process that is not
 * dumpable belongs to root, whatever user runs it. --x-dumpcore, which
 * leaves the guest dumpable, shows that the check sees the difference.
 */
static void test_supervised_guest_not_dumpable(void **state)
{
    const char *t = tmp_path("solo5-spt"), *g = tmp_path("sleep.spt");
    const char *supervised[] = {"/usr/bin/setpriv", "--reuid=65534",
                                "--regid=65534", "--clear-groups",
                                "--inh-caps=-all", t, "--x-supervise", g,
                                "--solo5:quiet", "60000", NULL};
    const char *dumpable[] = {"/usr/bin/setpriv", "--reuid=65534",
                              "--regid=65534", "--clear-groups",
                              "--inh-caps=-all", t, "--x-dumpcore", g,
                              "--solo5:quiet", "60000", NULL};
    pid_t pid, guest_pid;

    (void)state;
    if (geteuid() != 0)
        skip();
    assert_int_equal(file_copy(e2e.tender, t, 0755), 0);
    assert_int_equal(file_copy(guest("sleep"), g, 0755), 0);
    chmod(e2e.tmp, 0755);
    /* setpriv execs the tender: its pid is the supervisor's. */
    pid = run_start(supervised, NULL);
    assert_true(pid > 0);
    guest_pid = guest_of(pid, true);
    assert_non_null(strstr(proc_line(guest_pid, "status", "Uid:"),
                           "\t65534\t"));
    assert_int_equal(proc_owner(guest_pid), 0);
    kill(pid, SIGTERM);
    finish(pid, 143);
    pid = start(dumpable, NULL);
    assert_int_equal(proc_owner(pid), 65534);
    kill(pid, SIGTERM);
    finish(pid, 143);
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

/* Reading smaps_rollup of a guest, which is not dumpable, needs root. */
static void test_hugepages(void **state)
{
    const char *plain[] = {e2e.tender, guest("sleep"), "--solo5:quiet", "60000",
                           NULL};
    const char *huge[] = {e2e.tender, "--x-hugepages", guest("sleep"),
                          "--solo5:quiet", "60000", NULL};
    pid_t pid;

    (void)state;
    if (geteuid() != 0)
        skip();
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

int main(int argc, char **argv)
{
    /* --update-golden (make golden-update): only what has golden copies. */
    const struct CMUnitTest golden[] = {
        cmocka_unit_test(test_maps_golden),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signals_end_guest),
        cmocka_unit_test(test_sigterm_as_pid1),
        cmocka_unit_test(test_sigpipe_ignored),
        cmocka_unit_test(test_signal_on_guest_stack),
        cmocka_unit_test(test_signals_reset),
        cmocka_unit_test(test_no_core_by_default),
        cmocka_unit_test(test_gdb),
        cmocka_unit_test(test_maps_golden),
        cmocka_unit_test(test_memory_scan),
        cmocka_unit_test(test_registers_at_entry),
        cmocka_unit_test(test_ps),
        cmocka_unit_test(test_capabilities_dropped),
        cmocka_unit_test(test_user_switch),
        cmocka_unit_test(test_supervised_guest_not_dumpable),
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

    if (!e2e_golden_args(argc, argv)) {
        fprintf(stderr, "usage: %s [--update-golden]\n", argv[0]);
        return 2;
    }
    if (e2e_update_golden)
        return e2e_run("process", golden, NULL, NULL);
    return e2e_run("process", tests, NULL, NULL);
}
