/*
 * test_block.c: block devices end to end (spec sections 3, 5, 6): data on
 * disk, multi-block I/O with and without our extension record, every
 * refusal, and raw system calls the policy must kill.
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
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "files.h"
#include "run.h"
#include "../guests/blk_pattern.h"

static char tender[PATH_MAX], guests[PATH_MAX], tmp[PATH_MAX];

static const char *in(const char *dir, const char *name)
{
    static char p[16][PATH_MAX];
    static int next;
    char *s = p[next++ % 16];

    snprintf(s, PATH_MAX, "%s/%s", dir, name);
    return s;
}

static void make_image(const char *path, off_t size)
{
    assert_int_equal(image_make(path, size), 0);
}

static void run_argv(const char *const *argv, struct run_result *r)
{
    assert_int_equal(run(argv, NULL, r), 0);
    assert_false(r->timed_out);
}

static void expect_ok(const struct run_result *r)
{
    if (r->status != 0)
        print_error("status %d\n%s%s", r->status, r->out, r->err);
    assert_int_equal(r->status, 0);
}

/* The image holds blk_pattern(., seed) everywhere. */
static void expect_pattern(const char *path, uint64_t size, uint64_t seed)
{
    uint8_t *data = malloc(size);
    FILE *f = fopen(path, "rb");
    struct stat st;

    assert_non_null(data);
    assert_non_null(f);
    assert_int_equal(fread(data, 1, size, f), size);
    fclose(f);
    for (uint64_t i = 0; i < size; i++)
        if (data[i] != blk_pattern(i, seed)) {
            print_error("%s: byte %llu wrong\n", path,
                        (unsigned long long)i);
            fail();
        }
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, size); /* never grown */
    free(data);
}

static void round_trip(const char *sector, uint64_t size)
{
    const char *img = in(tmp, "rt.img"), *spare = in(tmp, "spare.img");
    char opt_s[PATH_MAX + 32], opt_o[PATH_MAX + 32], opt_b[64];
    struct run_result r;

    make_image(img, (off_t)size);
    make_image(spare, 512 * 1024);
    snprintf(opt_s, sizeof opt_s, "--block:storage=%s", img);
    snprintf(opt_o, sizeof opt_o, "--block:spare=%s", spare);
    snprintf(opt_b, sizeof opt_b, "--block-sector-size:storage=%s", sector);
    {
        const char *fill[] = {tender, opt_b, opt_s, opt_o, in(guests, "blk.spt"),
                              "--solo5:quiet", "fill", "41", NULL};
        const char *check[] = {tender, opt_s, opt_o, opt_b, in(guests, "blk.spt"),
                               "--solo5:quiet", "check", "41", NULL};

        run_argv(fill, &r);
        expect_ok(&r);
        assert_non_null(strstr(r.out, "block "));
        assert_non_null(strstr(r.out, sector));
        run_free(&r);
        expect_pattern(img, size, 41);
        /* A second run reads what the first wrote. */
        run_argv(check, &r);
        expect_ok(&r);
        run_free(&r);
    }
}

static void test_round_trip_512(void **state)
{
    (void)state;
    round_trip("512", 3 * 1024 * 1024 + 512);
}

static void test_round_trip_4096(void **state)
{
    (void)state;
    round_trip("4096", 2 * 1024 * 1024 + 4096 * 3);
}

/*
 * pread64/pwrite64 sizes seen by strace: with our record the SDK issues
 * multi-block requests; with --x-no-extensions (what the Solo5 tender
 * offers) only single blocks, and the guest still works.
 */
static int block_fd(const char *const *argv_print);

static void io_sizes(bool extensions, unsigned *single, unsigned *multi)
{
    char img[PATH_MAX], spare[PATH_MAX], log[PATH_MAX], prefix[2][32];
    char opt_s[PATH_MAX + 32], opt_o[PATH_MAX + 32], line[512];
    struct run_result r;
    FILE *f;
    int fd;

    snprintf(img, sizeof img, "%s", in(tmp, "mb.img"));
    snprintf(spare, sizeof spare, "%s", in(tmp, "mbs.img"));
    snprintf(log, sizeof log, "%s", in(tmp, "strace.log"));
    make_image(img, 2 * 1024 * 1024);
    make_image(spare, 512 * 1024);
    snprintf(opt_s, sizeof opt_s, "--block:storage=%s", img);
    snprintf(opt_o, sizeof opt_o, "--block:spare=%s", spare);
    {
        const char *pp[] = {tender, "--x-print-policy", opt_s, opt_o,
                            in(guests, "blk.spt"), NULL};

        fd = block_fd(pp);
    }
    snprintf(prefix[0], sizeof prefix[0], "pread64(%d, ", fd);
    snprintf(prefix[1], sizeof prefix[1], "pwrite64(%d, ", fd);
    {
        const char *argv[] = {"/usr/bin/strace", "-o", log, "-e",
                              "trace=pread64,pwrite64", tender, opt_s, opt_o,
                              extensions ? "--" : "--x-no-extensions",
                              in(guests, "blk.spt"), "--solo5:quiet", "fill",
                              "9", NULL};

        if (!extensions) { /* "--" must come last of the options */
            argv[8] = "--x-no-extensions";
        }
        run_argv(argv, &r);
        expect_ok(&r);
        run_free(&r);
    }
    expect_pattern(img, 2 * 1024 * 1024, 9);
    *single = *multi = 0;
    f = fopen(log, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f)) {
        const char *ret = strrchr(line, '=');
        unsigned long n;

        /* Only the guest's calls on the device, not the loader's. */
        if (strncmp(line, prefix[0], strlen(prefix[0])) != 0 &&
            strncmp(line, prefix[1], strlen(prefix[1])) != 0)
            continue;
        assert_non_null(ret);
        n = strtoul(ret + 1, NULL, 10);
        if (n == 512)
            (*single)++;
        else if (n > 512)
            (*multi)++;
    }
    fclose(f);
}

static void test_multi_block(void **state)
{
    unsigned single, multi;

    (void)state;
    if (access("/usr/bin/strace", X_OK) != 0) {
        print_error("strace is needed to count system calls\n");
        fail();
    }
    io_sizes(true, &single, &multi);
    print_message("with the record: %u single-block, %u multi-block calls\n",
                  single, multi);
    assert_true(multi > 0);
    io_sizes(false, &single, &multi);
    print_message("without it: %u single-block, %u multi-block calls\n",
                  single, multi);
    assert_int_equal(multi, 0);
    assert_true(single >= 2 * 2 * 1024 * 1024 / 512); /* written, read */
}

static void test_sdk_rejects(void **state)
{
    const char *img = in(tmp, "rj.img"), *spare = in(tmp, "rjs.img");
    char opt_s[PATH_MAX + 32], opt_o[PATH_MAX + 32];
    struct run_result r;

    (void)state;
    make_image(img, 64 * 1024);
    make_image(spare, 4096);
    snprintf(opt_s, sizeof opt_s, "--block:storage=%s", img);
    snprintf(opt_o, sizeof opt_o, "--block:spare=%s", spare);
    {
        const char *argv[] = {tender, opt_s, opt_o, in(guests, "blk.spt"),
                              "--solo5:quiet", "rejects", NULL};

        run_argv(argv, &r);
    }
    expect_ok(&r);
    assert_int_equal(count_lines_with(r.out, "WRONG"), 0);
    assert_int_equal(count_lines_with(r.out, ": EINVAL"), 14);
    run_free(&r);
}

/* solo5-spt refuses; one line on stderr naming the cause. */
static void expect_refusal(const char *const *argv, const char *what)
{
    struct run_result r;

    run_argv(argv, &r);
    if (r.status != 1 || !strstr(r.err, what))
        print_error("status %d, stderr: %s(expected %s)\n", r.status, r.err,
                    what);
    assert_int_equal(r.status, 1);
    assert_int_equal(count_lines_with(r.err, ""), 1);
    assert_non_null(strstr(r.err, what));
    run_free(&r);
}

static void test_tender_refusals(void **state)
{
    char odd[PATH_MAX + 32], tiny[PATH_MAX + 32], good[PATH_MAX + 32];
    char spare[PATH_MAX + 32], dir[PATH_MAX + 32], missing[PATH_MAX + 32];
    const char *blk = in(guests, "blk.spt");

    (void)state;
    make_image(in(tmp, "odd.img"), 4096 + 100);
    make_image(in(tmp, "tiny.img"), 256);
    make_image(in(tmp, "good.img"), 8192);
    make_image(in(tmp, "spare.img"), 8192);
    snprintf(odd, sizeof odd, "--block:storage=%s", in(tmp, "odd.img"));
    snprintf(tiny, sizeof tiny, "--block:storage=%s", in(tmp, "tiny.img"));
    snprintf(good, sizeof good, "--block:storage=%s", in(tmp, "good.img"));
    snprintf(spare, sizeof spare, "--block:spare=%s", in(tmp, "spare.img"));
    snprintf(dir, sizeof dir, "--block:storage=%s", tmp);
    snprintf(missing, sizeof missing, "--block:storage=%s/none", tmp);
    {
        const char *a1[] = {tender, odd, spare, blk, NULL};
        const char *a2[] = {tender, tiny, spare, blk, NULL};
        const char *a3[] = {tender, "--block-sector-size:storage=16384", good,
                            spare, blk, NULL};
        const char *a4[] = {tender, "--block-sector-size:storage=1000", good,
                            spare, blk, NULL};
        const char *a5[] = {tender, "--block-sector-size:storage=65536", good,
                            spare, blk, NULL};
        const char *a6[] = {tender, dir, spare, blk, NULL};
        const char *a7[] = {tender, missing, spare, blk, NULL};
        const char *a8[] = {tender, "--block:storage=/dev/null", spare, blk,
                            NULL};
        const char *a9[] = {tender, good, blk, NULL};
        const char *a10[] = {tender, good, spare, "--block:other=/dev/null",
                             blk, NULL};
        const char *a11[] = {tender, good, spare, "--net:storage=tap0", blk,
                             NULL};
        const char *a12[] = {tender, good, good, spare, blk, NULL};

        expect_refusal(a1, "not a multiple of the block size");
        expect_refusal(a2, "smaller than one block");
        expect_refusal(a3, "smaller than one block");
        expect_refusal(a4, "not a power of two from 512 to 32768");
        expect_refusal(a5, "not a power of two from 512 to 32768");
        expect_refusal(a6, "cannot open read-write: Is a directory");
        expect_refusal(a7, "cannot open read-write: No such file");
        expect_refusal(a8, "not a regular file or block device");
        expect_refusal(a9, "not attached: --block:spare=PATH");
        expect_refusal(a10, "declares no BLOCK_BASIC device named 'other'");
        expect_refusal(a11, "'storage' is a BLOCK_BASIC device");
        expect_refusal(a12, "--block:storage given twice");
        {
            char fifo[PATH_MAX + 32];
            const char *a13[] = {tender, fifo, spare, blk, NULL};

            assert_int_equal(mkfifo(in(tmp, "disk.fifo"), 0600), 0);
            snprintf(fifo, sizeof fifo, "--block-ro:storage=%s",
                     in(tmp, "disk.fifo"));
            expect_refusal(a13, "not a regular file or block device");
        }
    }
}


static void test_not_writable(void **state)
{
    char good[PATH_MAX + 32], spare[PATH_MAX + 32], t[PATH_MAX], g[PATH_MAX];
    struct run_result r;

    (void)state;
    if (geteuid() != 0)
        skip();
    /* nobody must reach the programs: the build tree may be private. */
    snprintf(t, sizeof t, "%s", in(tmp, "solo5-spt"));
    snprintf(g, sizeof g, "%s", in(tmp, "blk.spt"));
    assert_int_equal(file_copy(tender, t, 0755), 0);
    assert_int_equal(file_copy(in(guests, "blk.spt"), g, 0755), 0);
    make_image(in(tmp, "ro.img"), 8192);
    make_image(in(tmp, "ro2.img"), 8192);
    chmod(in(tmp, "ro.img"), 0444);
    chmod(tmp, 0755);
    snprintf(good, sizeof good, "--block:storage=%s", in(tmp, "ro.img"));
    snprintf(spare, sizeof spare, "--block:spare=%s", in(tmp, "ro2.img"));
    {
        /* As nobody, a file it may read but not write is refused. */
        const char *argv[] = {"/usr/bin/setpriv", "--reuid=65534",
                              "--regid=65534", "--clear-groups", t, good,
                              spare, g, NULL};

        run_argv(argv, &r);
    }
    if (r.status != 1)
        print_error("status %d: %s%s", r.status, r.out, r.err);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "cannot open read-write: Permission denied"));
    run_free(&r);
}

/* The fd of the first block rule in the policy printout. */
static int block_fd(const char *const *argv_print)
{
    struct run_result r;
    const char *p;
    int fd;

    run_argv(argv_print, &r);
    expect_ok(&r);
    p = strstr(r.out, "allow pread64(17) if fd == ");
    assert_non_null(p);
    fd = atoi(p + strlen("allow pread64(17) if fd == "));
    run_free(&r);
    return fd;
}

/* The whole file, which must be exactly size bytes. */
static void file_snapshot(const char *path, uint8_t *data, size_t size)
{
    assert_int_equal(file_read_exact(path, data, size), 0);
}

/* A raw call the policy must kill; the images must not change. */
static void expect_killed(const char *s_opt, const char *o_opt,
                          const char *img, const char *const words[])
{
    static uint8_t before[65536], after[65536];
    const char *argv[16] = {tender, s_opt, o_opt, in(guests, "syscall_blk.spt"),
                            "--solo5:quiet"};
    struct run_result r;
    int n = 5;

    file_snapshot(img, before, sizeof before);
    for (int i = 0; words[i]; i++)
        argv[n++] = words[i];
    argv[n] = NULL;
    run_argv(argv, &r);
    if (r.signal != SIGSYS)
        print_error("%s %s %s %s: status %d %s\n", words[0], words[1],
                    words[2], words[3], r.status, r.out);
    assert_int_equal(r.signal, SIGSYS);
    assert_null(strstr(r.out, "RETURNED"));
    run_free(&r);
    file_snapshot(img, after, sizeof after);
    assert_memory_equal(before, after, sizeof before);
}

static void test_raw_calls(void **state)
{
    char img[PATH_MAX], other[PATH_MAX];
    char s_opt[PATH_MAX + 32], o_opt[PATH_MAX + 32], fd[16], ofd[16];
    struct run_result r;
    int bfd;

    (void)state;
    snprintf(img, sizeof img, "%s", in(tmp, "raw.img"));
    snprintf(other, sizeof other, "%s", in(tmp, "raw2.img"));
    make_image(img, 65536);
    make_image(other, 4096);
    snprintf(s_opt, sizeof s_opt, "--block:storage=%s", img);
    snprintf(o_opt, sizeof o_opt, "--block:other=%s", other);
    {
        const char *pp[] = {tender, "--x-print-policy", s_opt, o_opt,
                            in(guests, "syscall_blk.spt"), NULL};

        bfd = block_fd(pp);
    }
    snprintf(fd, sizeof fd, "%d", bfd);
    snprintf(ofd, sizeof ofd, "%d", bfd + 1);
    {
        /* pwrite64(fd, buf, count, offset): buf is the program's memory. */
        const char *ok[] = {tender, s_opt, o_opt,
                            in(guests, "syscall_blk.spt"), "--solo5:quiet",
                            "18", fd, "0x100000", "512", "65024", NULL};
        const char *k1[] = {"18", fd, "0x100000", "512", "65536", NULL};
        const char *k2[] = {"18", fd, "0x100000", "512", "65025", NULL};
        const char *k3[] = {"18", fd, "0x100000", "1024", "65024", NULL};
        const char *k4[] = {"18", fd, "0x100000", "513", "0", NULL};
        const char *k5[] = {"17", fd, "0x100000", "512", "-512", NULL};
        const char *k6[] = {"18", fd, "0x100000", "512", "0x8000000000000000",
                            NULL};
        const char *k7[] = {"18", fd, "0x100000", "512", "1048576", NULL};
        const char *k8[] = {"0", fd, "0x100000", "512", NULL};  /* read */
        const char *k9[] = {"1", fd, "0x100000", "512", NULL};  /* write */
        const char *k10[] = {"18", "2", "0x100000", "512", "0", NULL};
        const char *k11[] = {"18", ofd, "0x100000", "512", "4096", NULL};
        const char *k12[] = {"77", fd, "0", NULL}; /* ftruncate */
        const char *k13[] = {"285", fd, "0", "0", "1048576", NULL};

        /* The control: the last block may be written. */
        run_argv(ok, &r);
        expect_ok(&r);
        assert_non_null(strstr(r.out, "RETURNED 512"));
        run_free(&r);
        expect_killed(s_opt, o_opt, img, k1);
        expect_killed(s_opt, o_opt, img, k2);
        expect_killed(s_opt, o_opt, img, k3);
        expect_killed(s_opt, o_opt, img, k4);
        expect_killed(s_opt, o_opt, img, k5);
        expect_killed(s_opt, o_opt, img, k6);
        expect_killed(s_opt, o_opt, img, k7);
        expect_killed(s_opt, o_opt, img, k8);
        expect_killed(s_opt, o_opt, img, k9);
        expect_killed(s_opt, o_opt, img, k10);
        expect_killed(s_opt, o_opt, img, k11);
        expect_killed(s_opt, o_opt, img, k12);
        expect_killed(s_opt, o_opt, img, k13);
    }
}

static void test_63_devices(void **state)
{
    const char *argv[70] = {tender};
    static char opts[63][PATH_MAX + 32];
    struct run_result r;
    int n = 1;

    (void)state;
    for (int i = 0; i < 63; i++) {
        char name[32];

        snprintf(name, sizeof name, "d%d.img", i);
        make_image(in(tmp, name), 4096);
        snprintf(opts[i], sizeof opts[i], "--block:d%d=%s", i, in(tmp, name));
        argv[n++] = opts[i];
    }
    argv[n++] = in(guests, "blk63.spt");
    argv[n++] = "--solo5:quiet";
    argv[n] = NULL;
    run_argv(argv, &r);
    expect_ok(&r);
    assert_non_null(strstr(r.out, "SUCCESS 63"));
    run_free(&r);
    for (int i = 0; i < 63; i++) {
        uint8_t data[4096];
        char name[32];

        snprintf(name, sizeof name, "d%d.img", i);
        file_snapshot(in(tmp, name), data, sizeof data);
        for (int k = 0; k < 512; k++) {
            assert_int_equal(data[k], (uint8_t)(i + k));
            assert_int_equal(data[4096 - 512 + k], (uint8_t)(i + k));
        }
    }
}

int main(void)
{
    const char *build = getenv("SPT_BUILD") ? getenv("SPT_BUILD") : "build";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_512),
        cmocka_unit_test(test_round_trip_4096),
        cmocka_unit_test(test_multi_block),
        cmocka_unit_test(test_sdk_rejects),
        cmocka_unit_test(test_tender_refusals),
        cmocka_unit_test(test_not_writable),
        cmocka_unit_test(test_raw_calls),
        cmocka_unit_test(test_63_devices),
    };
    int rc;

    snprintf(tender, sizeof tender, "%s/bin/solo5-spt", build);
    snprintf(guests, sizeof guests, "%s/tests/guests", build);
    if (tmpdir_make(tmp, "block-test") != 0)
        return 1;
    rc = cmocka_run_group_tests_name("block", tests, NULL, NULL);
    if (rc == 0 && tmpdir_remove(tmp) != 0)
        rc = 1;
    return rc;
}
