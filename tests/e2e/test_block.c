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

#include "allowlist.h"
#include "e2e.h"
#include "files.h"
#include "../guests/blk_pattern.h"

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
    const char *img = tmp_path("rt.img"), *spare = tmp_path("spare.img");
    char opt_s[PATH_MAX + 32], opt_o[PATH_MAX + 32], opt_b[64];
    struct run_result r;

    make_image(img, (off_t)size);
    make_image(spare, 512 * 1024);
    snprintf(opt_s, sizeof opt_s, "--block:storage=%s", img);
    snprintf(opt_o, sizeof opt_o, "--block:spare=%s", spare);
    snprintf(opt_b, sizeof opt_b, "--block-sector-size:storage=%s", sector);
    {
        const char *fill[] = {e2e.tender, opt_b, opt_s, opt_o, guest("blk"),
                              "--solo5:quiet", "fill", "41", NULL};
        const char *check[] = {e2e.tender, opt_s, opt_o, opt_b, guest("blk"),
                               "--solo5:quiet", "check", "41", NULL};

        run_checked(fill, NULL, &r);
        expect_status(&r, 0);
        assert_non_null(strstr(r.out, "block "));
        assert_non_null(strstr(r.out, sector));
        run_free(&r);
        expect_pattern(img, size, 41);
        /* A second run reads what the first wrote. */
        run_checked(check, NULL, &r);
        expect_status(&r, 0);
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
static void io_sizes(bool extensions, unsigned *single, unsigned *multi)
{
    const char *img = tmp_path("mb.img"), *spare = tmp_path("mbs.img");
    const char *log = tmp_path("strace.log");
    char opt_s[PATH_MAX + 32], opt_o[PATH_MAX + 32], line[512], prefix[2][32];
    struct run_result r;
    FILE *f;
    int fd;

    make_image(img, 2 * 1024 * 1024);
    make_image(spare, 512 * 1024);
    snprintf(opt_s, sizeof opt_s, "--block:storage=%s", img);
    snprintf(opt_o, sizeof opt_o, "--block:spare=%s", spare);
    {
        const char *words[] = {opt_s, opt_o, guest("blk"), NULL};
        json_t *policy = allowlist_load(words);

        fd = (int)allowlist_eq(policy, "pread64", "storage", "fd");
        json_decref(policy);
    }
    snprintf(prefix[0], sizeof prefix[0], "pread64(%d, ", fd);
    snprintf(prefix[1], sizeof prefix[1], "pwrite64(%d, ", fd);
    {
        const char *argv[] = {"/usr/bin/strace", "-o", log, "-e",
                              "trace=pread64,pwrite64", e2e.tender, opt_s,
                              opt_o, extensions ? "--" : "--x-no-extensions",
                              guest("blk"), "--solo5:quiet", "fill", "9",
                              NULL};

        if (!extensions) { /* "--" must come last of the options */
            argv[8] = "--x-no-extensions";
        }
        run_checked(argv, NULL, &r);
        expect_status(&r, 0);
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
    const char *img = tmp_path("rj.img"), *spare = tmp_path("rjs.img");
    char opt_s[PATH_MAX + 32], opt_o[PATH_MAX + 32];
    struct run_result r;

    (void)state;
    make_image(img, 64 * 1024);
    make_image(spare, 4096);
    snprintf(opt_s, sizeof opt_s, "--block:storage=%s", img);
    snprintf(opt_o, sizeof opt_o, "--block:spare=%s", spare);
    {
        const char *argv[] = {e2e.tender, opt_s, opt_o, guest("blk"),
                              "--solo5:quiet", "rejects", NULL};

        run_checked(argv, NULL, &r);
    }
    expect_status(&r, 0);
    assert_int_equal(count_lines_with(r.out, "WRONG"), 0);
    assert_int_equal(count_lines_with(r.out, ": EINVAL"), 14);
    run_free(&r);
}

static void test_tender_refusals(void **state)
{
    char odd[PATH_MAX + 32], tiny[PATH_MAX + 32], good[PATH_MAX + 32];
    char spare[PATH_MAX + 32], dir[PATH_MAX + 32], missing[PATH_MAX + 32];
    const char *blk = guest("blk");

    (void)state;
    make_image(tmp_path("odd.img"), 4096 + 100);
    make_image(tmp_path("tiny.img"), 256);
    make_image(tmp_path("good.img"), 8192);
    make_image(tmp_path("spare.img"), 8192);
    snprintf(odd, sizeof odd, "--block:storage=%s", tmp_path("odd.img"));
    snprintf(tiny, sizeof tiny, "--block:storage=%s", tmp_path("tiny.img"));
    snprintf(good, sizeof good, "--block:storage=%s", tmp_path("good.img"));
    snprintf(spare, sizeof spare, "--block:spare=%s", tmp_path("spare.img"));
    snprintf(dir, sizeof dir, "--block:storage=%s", e2e.tmp);
    snprintf(missing, sizeof missing, "--block:storage=%s", tmp_path("none"));
    {
        const char *a1[] = {e2e.tender, odd, spare, blk, NULL};
        const char *a2[] = {e2e.tender, tiny, spare, blk, NULL};
        const char *a3[] = {e2e.tender, "--block-sector-size:storage=16384",
                            good, spare, blk, NULL};
        const char *a4[] = {e2e.tender, "--block-sector-size:storage=1000",
                            good, spare, blk, NULL};
        const char *a5[] = {e2e.tender, "--block-sector-size:storage=65536",
                            good, spare, blk, NULL};
        const char *a6[] = {e2e.tender, dir, spare, blk, NULL};
        const char *a7[] = {e2e.tender, missing, spare, blk, NULL};
        const char *a8[] = {e2e.tender, "--block:storage=/dev/null", spare, blk,
                            NULL};
        const char *a9[] = {e2e.tender, good, blk, NULL};
        const char *a10[] = {e2e.tender, good, spare, "--block:other=/dev/null",
                             blk, NULL};
        const char *a11[] = {e2e.tender, good, spare, "--net:storage=tap0", blk,
                             NULL};
        const char *a12[] = {e2e.tender, good, good, spare, blk, NULL};

        expect_run_refused(a1, "not a multiple of the block size");
        expect_run_refused(a2, "smaller than one block");
        expect_run_refused(a3, "smaller than one block");
        expect_run_refused(a4, "not a power of two from 512 to 32768");
        expect_run_refused(a5, "not a power of two from 512 to 32768");
        expect_run_refused(a6, "cannot open read-write: Is a directory");
        expect_run_refused(a7, "cannot open read-write: No such file");
        expect_run_refused(a8, "not a regular file or block device");
        expect_run_refused(a9, "not attached: --block:spare=PATH");
        expect_run_refused(a10, "declares no BLOCK_BASIC device named 'other'");
        expect_run_refused(a11, "'storage' is a BLOCK_BASIC device");
        expect_run_refused(a12, "--block:storage given twice");
        {
            char fifo[PATH_MAX + 32];
            const char *a13[] = {e2e.tender, fifo, spare, blk, NULL};

            assert_int_equal(mkfifo(tmp_path("disk.fifo"), 0600), 0);
            snprintf(fifo, sizeof fifo, "--block-ro:storage=%s",
                     tmp_path("disk.fifo"));
            expect_run_refused(a13, "not a regular file or block device");
        }
    }
}

/*
 * A device option written after KERNEL is one of the guest's words; the
 * refusal that the device is not attached says so, naming the word.
 */
static void test_option_after_kernel(void **state)
{
    const char *blk = guest("blk");
    const char *example = path_in(e2e.build, "examples/blk.spt");
    char good[PATH_MAX + 32], spare[PATH_MAX + 32], spare_ro[PATH_MAX + 32];
    char want[3 * PATH_MAX + 256];
    struct run_result r;

    (void)state;
    make_image(tmp_path("good.img"), 8192);
    make_image(tmp_path("spare.img"), 8192);
    snprintf(good, sizeof good, "--block:storage=%s", tmp_path("good.img"));
    snprintf(spare, sizeof spare, "--block:spare=%s", tmp_path("spare.img"));
    snprintf(spare_ro, sizeof spare_ro, "--block-ro:spare=%s",
             tmp_path("spare.img"));
    {
        /* The whole line, for the example: solo5-spt blk.spt --block:... */
        const char *argv[] = {e2e.tender, example, good, NULL};

        snprintf(want, sizeof want,
                 "solo5-spt: %s's manifest declares devices that are not "
                 "attached: --block:storage=PATH ('%s' comes after KERNEL, "
                 "so it is one of the guest's words: options go before "
                 "KERNEL)\n",
                 example, good);
        run_checked(argv, NULL, &r);
        expect_refusal(&r, "comes after KERNEL");
        assert_string_equal(r.err, want);
        run_free(&r);
    }
    {
        /* Among other words, and with the other option of the kind. */
        const char *after[] = {e2e.tender, good, blk, "x", spare, NULL};
        const char *after_ro[] = {e2e.tender, good, blk, spare_ro, NULL};

        snprintf(want, sizeof want,
                 "not attached: --block:spare=PATH ('%s' comes after KERNEL",
                 spare);
        expect_run_refused(after, want);
        snprintf(want, sizeof want,
                 "not attached: --block:spare=PATH ('%s' comes after KERNEL",
                 spare_ro);
        expect_run_refused(after_ro, want);
    }
    {
        /* Controls: no hint without such a word, or for another device. */
        const char *none[] = {e2e.tender, good, blk, NULL};
        const char *other[] = {e2e.tender, spare, blk, "--block:spare=x", NULL};

        run_checked(none, NULL, &r);
        expect_refusal(&r, "not attached: --block:spare=PATH");
        assert_null(strstr(r.err, "after KERNEL"));
        run_free(&r);
        run_checked(other, NULL, &r);
        expect_refusal(&r, "not attached: --block:storage=PATH");
        assert_null(strstr(r.err, "after KERNEL"));
        run_free(&r);
    }
}

static void test_not_writable(void **state)
{
    const char *t = tmp_path("solo5-spt"), *g = tmp_path("blk.spt");
    char good[PATH_MAX + 32], spare[PATH_MAX + 32];

    (void)state;
    if (geteuid() != 0)
        skip();
    /* nobody must reach the programs: the build tree may be private. */
    assert_int_equal(file_copy(e2e.tender, t, 0755), 0);
    assert_int_equal(file_copy(guest("blk"), g, 0755), 0);
    make_image(tmp_path("ro.img"), 8192);
    make_image(tmp_path("ro2.img"), 8192);
    chmod(tmp_path("ro.img"), 0444);
    chmod(e2e.tmp, 0755);
    snprintf(good, sizeof good, "--block:storage=%s", tmp_path("ro.img"));
    snprintf(spare, sizeof spare, "--block:spare=%s", tmp_path("ro2.img"));
    {
        /* As nobody, a file it may read but not write is refused. */
        const char *argv[] = {"/usr/bin/setpriv", "--reuid=65534",
                              "--regid=65534", "--clear-groups", t, good,
                              spare, g, NULL};

        expect_run_refused(argv, "cannot open read-write: Permission denied");
    }
}

/* The fd of the first block rule in the policy printout. */
/* A raw call the policy must kill; the images must not change. */
static void expect_killed(const char *s_opt, const char *o_opt,
                          const char *img, const char *const words[])
{
    static uint8_t before[65536], after[65536];
    const char *argv[16] = {e2e.tender, s_opt, o_opt, guest("syscall_blk"),
                            "--solo5:quiet"};
    struct run_result r;
    int n = 5;

    file_snapshot(img, before, sizeof before);
    for (int i = 0; words[i]; i++)
        argv[n++] = words[i];
    argv[n] = NULL;
    run_checked(argv, NULL, &r);
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
    const char *img = tmp_path("raw.img"), *other = tmp_path("raw2.img");
    char s_opt[PATH_MAX + 32], o_opt[PATH_MAX + 32], fd[16], ofd[16];
    struct run_result r;

    (void)state;
    make_image(img, 65536);
    make_image(other, 4096);
    snprintf(s_opt, sizeof s_opt, "--block:storage=%s", img);
    snprintf(o_opt, sizeof o_opt, "--block:other=%s", other);
    {
        const char *words[] = {s_opt, o_opt, guest("syscall_blk"), NULL};
        json_t *policy = allowlist_load(words);

        snprintf(fd, sizeof fd, "%llu",
                 (unsigned long long)allowlist_eq(policy, "pwrite64",
                                                  "storage", "fd"));
        snprintf(ofd, sizeof ofd, "%llu",
                 (unsigned long long)allowlist_eq(policy, "pwrite64", "other",
                                                  "fd"));
        json_decref(policy);
    }
    {
        /* pwrite64(fd, buf, count, offset): buf is the program's memory. */
        const char *ok[] = {e2e.tender, s_opt, o_opt, guest("syscall_blk"),
                            "--solo5:quiet", "18", fd, "0x100000", "512",
                            "65024", NULL};
        /* Each NULL-terminated: the longest has five words. */
        const char *killed[][6] = {
            {"18", fd, "0x100000", "512", "65536"},
            {"18", fd, "0x100000", "512", "65025"},
            {"18", fd, "0x100000", "1024", "65024"},
            {"18", fd, "0x100000", "513", "0"},
            {"17", fd, "0x100000", "512", "-512"},
            {"18", fd, "0x100000", "512", "0x8000000000000000"},
            {"18", fd, "0x100000", "512", "1048576"},
            {"0", fd, "0x100000", "512"}, /* read */
            {"1", fd, "0x100000", "512"}, /* write */
            {"18", "2", "0x100000", "512", "0"},
            {"18", ofd, "0x100000", "512", "4096"},
            {"77", fd, "0"}, /* ftruncate */
            {"285", fd, "0", "0", "1048576"},
        };

        /* The control: the last block may be written. */
        run_checked(ok, NULL, &r);
        expect_status(&r, 0);
        assert_non_null(strstr(r.out, "RETURNED 512"));
        run_free(&r);
        for (size_t i = 0; i < sizeof killed / sizeof killed[0]; i++)
            expect_killed(s_opt, o_opt, img, killed[i]);
    }
}

static void test_63_devices(void **state)
{
    const char *argv[70] = {e2e.tender};
    static char opts[63][PATH_MAX + 32];
    struct run_result r;
    int n = 1;

    (void)state;
    for (int i = 0; i < 63; i++) {
        char name[32];

        snprintf(name, sizeof name, "d%d.img", i);
        make_image(tmp_path(name), 4096);
        snprintf(opts[i], sizeof opts[i], "--block:d%d=%s", i, tmp_path(name));
        argv[n++] = opts[i];
    }
    argv[n++] = guest("blk63");
    argv[n++] = "--solo5:quiet";
    argv[n] = NULL;
    run_checked(argv, NULL, &r);
    expect_status(&r, 0);
    assert_non_null(strstr(r.out, "SUCCESS 63"));
    run_free(&r);
    for (int i = 0; i < 63; i++) {
        uint8_t data[4096];
        char name[32];

        snprintf(name, sizeof name, "d%d.img", i);
        file_snapshot(tmp_path(name), data, sizeof data);
        for (int k = 0; k < 512; k++) {
            assert_int_equal(data[k], (uint8_t)(i + k));
            assert_int_equal(data[4096 - 512 + k], (uint8_t)(i + k));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_512),
        cmocka_unit_test(test_round_trip_4096),
        cmocka_unit_test(test_multi_block),
        cmocka_unit_test(test_sdk_rejects),
        cmocka_unit_test(test_tender_refusals),
        cmocka_unit_test(test_option_after_kernel),
        cmocka_unit_test(test_not_writable),
        cmocka_unit_test(test_raw_calls),
        cmocka_unit_test(test_63_devices),
    };

    return e2e_run("block", tests, NULL, NULL);
}
