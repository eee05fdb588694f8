/*
 * test_cmdline.c: the solo5-spt command line, first pass (spec sections 4,
 * 6 and 7): cmdline_parse(), cmdline_guest() and cmdline_parse_mac().
 *
 * Every refusal must come with a one-line message that names what was
 * wrong, since the tender prints it as is and exits with status 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"
#include "device.h"
#include "message.h"
#include "solo5/spt_abi.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define ERR_SIZE 512 /* what the tender gives cmdline_parse */

struct cmdline {
    char **argv; /* kept: opts.guest_argv points into it */
    struct spt_opts opts;
    char err[ERR_SIZE];
};

static int cmdline_setup(void **state)
{
    struct cmdline *c = calloc(1, sizeof *c);

    if (c == NULL)
        return -1;
    *state = c;
    return 0;
}

static int cmdline_teardown(void **state)
{
    struct cmdline *c = *state;

    free(c->argv);
    free(c);
    return 0;
}

/*
 * Parse "solo5-spt WORDS..." (nwords words). cmdline_parse never writes
 * through argv, so the caller's strings stand in for it unchanged.
 */
static int parse_n(struct cmdline *c, size_t nwords, const char *const *words)
{
    free(c->argv);
    c->argv = calloc(nwords + 2, sizeof *c->argv);
    assert_non_null(c->argv);
    c->argv[0] = (char *)"solo5-spt";
    for (size_t i = 0; i < nwords; i++)
        c->argv[i + 1] = (char *)words[i];
    memset(c->err, 0, sizeof c->err);
    return cmdline_parse((int)nwords + 1, c->argv, &c->opts, c->err,
                         sizeof c->err);
}

static size_t count_words(const char *const *words)
{
    size_t n = 0;

    while (words[n] != NULL)
        n++;
    return n;
}

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define parse(c, ...)                                                          \
    parse_n((c), count_words(WORDS(__VA_ARGS__)), WORDS(__VA_ARGS__))

static void expect_accepted(const struct cmdline *c, int rc)
{
    if (rc != 0)
        fail_msg("refused: %s", c->err);
}

static void expect_refused(const struct cmdline *c, int rc, const char *needle)
{
    if (rc != -1)
        fail_msg("accepted (rc %d), expected a refusal naming '%s'", rc,
                 needle);
    assert_one_line(c->err);
    if (strstr(c->err, needle) == NULL)
        fail_msg("message '%s' does not name '%s'", c->err, needle);
}

#define assert_accepted(c, ...) expect_accepted((c), parse((c), __VA_ARGS__))
#define assert_refused(c, needle, ...)                                         \
    expect_refused((c), parse((c), __VA_ARGS__), (needle))

/* A string of n copies of ch, freed by the caller. */
static char *repeat(char ch, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, ch, n);
    s[n] = '\0';
    return s;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *format(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    assert_true(vasprintf(&s, fmt, ap) >= 0);
    va_end(ap);
    return s;
}

/* ---- memory and flags ---- */

static void test_defaults(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "kernel.spt");
    assert_int_equal(c->opts.mem_size, 512ULL << 20);
    assert_false(c->opts.exec_heap);
    assert_false(c->opts.print_policy);
    assert_false(c->opts.help);
    assert_false(c->opts.version);
    assert_int_equal(c->opts.ndevopt, 0);
    assert_string_equal(c->opts.kernel, "kernel.spt");
    assert_int_equal(c->opts.guest_argc, 0);
}

static void test_mem_sets_mebibytes(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--mem=2", "k");
    assert_int_equal(c->opts.mem_size, 2ULL << 20);
    assert_accepted(c, "--mem=64", "k");
    assert_int_equal(c->opts.mem_size, 64ULL << 20);
    assert_accepted(c, "--mem=0512", "k");
    assert_int_equal(c->opts.mem_size, 512ULL << 20);
    /* The largest: guest memory may reach 2^47, the top of user space. */
    assert_accepted(c, "--mem=134217728", "k");
    assert_int_equal(c->opts.mem_size, 1ULL << 47);
}

static void test_mem_refuses_bad_values(void **state)
{
    static const char *const bad[] = {
        "--mem=0",
        "--mem=1",
        "--mem=-1",
        "--mem=1x",
        "--mem=",
        "--mem= 64",
        "--mem=+64",
        "--mem=0x40",
        "--mem=64M",
        "--mem=134217729",            /* past 2^47 bytes */
        "--mem=18446744073709551615", /* fits in 64 bits, MiB do not */
        "--mem=18446744073709551616", /* 2^64 */
        "--mem=99999999999999999999999999",
    };
    struct cmdline *c = *state;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        assert_refused(c, bad[i] + 2, bad[i], "k");
    assert_refused(c, "at least 2", "--mem=1", "k");
    assert_refused(c, "--mem=999999999: too large: at most 134217728 MiB",
                   "--mem=999999999", "k");
    assert_refused(c, "expected a number", "--mem=12ab", "k");
    /* The value as a word of its own: the option written out for it. */
    assert_refused(c, "--mem=2", "--mem", "2", "k");
    assert_refused(c, "--x-user=nobody", "--x-user", "nobody", "k");
}

static void test_mem_given_twice_refused(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "twice", "--mem=64", "--mem=128", "k");
    assert_refused(c, "twice", "--mem=64", "--mem=64", "k");
}

static void test_experimental_flags(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--x-exec-heap", "k");
    assert_true(c->opts.exec_heap);
    assert_int_equal(c->opts.print_policy, PRINT_POLICY_NONE);
    assert_accepted(c, "--x-print-policy", "--mem=8", "k");
    assert_int_equal(c->opts.print_policy, PRINT_POLICY_TEXT);
    assert_false(c->opts.exec_heap);
    assert_int_equal(c->opts.mem_size, 8ULL << 20);
    assert_refused(c, "--x-exec-heap=1", "--x-exec-heap=1", "k");
}

/* ---- fuzzing ---- */

static void test_fuzz_options(void **state)
{
    static const char *const bad_counts[] = {
        "--x-fuzz-persistent=0",          "--x-fuzz-persistent=",
        "--x-fuzz-persistent=-1",         "--x-fuzz-persistent=1x",
        "--x-fuzz-persistent=4294967296",
    };
    struct cmdline *c = *state;

    assert_accepted(c, "k");
    assert_false(c->opts.fuzz);
    assert_int_equal(c->opts.fuzz_persistent, 0);
    assert_null(c->opts.fuzz_input);
    assert_accepted(c, "--x-fuzz", "k");
    assert_true(c->opts.fuzz);
    assert_int_equal(c->opts.fuzz_persistent, 0);
    assert_null(c->opts.fuzz_input);
    assert_accepted(c, "--x-fuzz-persistent", "k");
    assert_true(c->opts.fuzz);
    assert_int_equal(c->opts.fuzz_persistent, 1000);
    assert_accepted(c, "--x-fuzz-persistent=1", "k");
    assert_int_equal(c->opts.fuzz_persistent, 1);
    assert_accepted(c, "--x-fuzz-persistent=4294967295", "k");
    assert_int_equal(c->opts.fuzz_persistent, UINT32_MAX);
    assert_accepted(c, "--x-fuzz-input=crash-1", "k");
    assert_false(c->opts.fuzz);
    assert_string_equal(c->opts.fuzz_input, "crash-1");
    for (size_t i = 0; i < ARRAY_SIZE(bad_counts); i++)
        assert_refused(c, "expected a number of inputs", bad_counts[i], "k");
    assert_refused(c, "--x-fuzz-input=: FILE is empty", "--x-fuzz-input=", "k");
    assert_refused(c, "--x-fuzz-input given twice", "--x-fuzz-input=a",
                   "--x-fuzz-input=b", "k");
    assert_refused(c, "unknown option '--x-fuzz=1'", "--x-fuzz=1", "k");
    assert_refused(c, "unknown option '--x-fuzzy'", "--x-fuzzy", "k");
    /* After the kernel, the guest's. */
    assert_accepted(c, "k", "--x-fuzz");
    assert_false(c->opts.fuzz);
    /* The usage names all three. */
    assert_non_null(strstr(cmdline_usage(), "--x-fuzz "));
    assert_non_null(strstr(cmdline_usage(), "--x-fuzz-persistent[=N] "));
    assert_non_null(strstr(cmdline_usage(), "--x-fuzz-input=FILE "));
}

/*
 * What would carry one run's effects to the next, or out of the sandbox,
 * is refused with fuzzing, in one line naming it and the mode, on either
 * side of the fuzzing option.
 */
static void test_fuzz_refusals(void **state)
{
    /* Each mode, and the name its refusals give it. */
    static const char *const modes[][2] = {
        {"--x-fuzz", "--x-fuzz"},
        {"--x-fuzz-persistent", "--x-fuzz"},
        {"--x-fuzz-persistent=3", "--x-fuzz"},
        {"--x-fuzz-input=crash", "--x-fuzz-input"},
    };
    static const char *const refused[][2] = {
        {"--block:d=img", "--block:d=img: writable, not with %s"},
        {"--net:n=tap0", "--net:n=tap0: not with %s"},
        {"--x-supervise", "--x-supervise is not for %s"},
        {"--x-user=nobody", "--x-user is not for %s"},
        {"--x-no-extensions", "--x-no-extensions is not for %s"},
    };
    struct cmdline *c = *state;
    char what[128];

    for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
        for (size_t i = 0; i < ARRAY_SIZE(refused); i++) {
            snprintf(what, sizeof what, refused[i][1], modes[m][1]);
            assert_refused(c, what, modes[m][0], refused[i][0], "k");
            assert_refused(c, what, refused[i][0], modes[m][0], "k");
        }
        /* A writable device among read-only ones is still named. */
        assert_refused(c, "--block:w=img: writable", modes[m][0],
                       "--block-ro:a=img", "--block:w=img", "--block-ro:b=img",
                       "k");
        /* Read-only devices, and the rest, are fine. */
        assert_accepted(c, modes[m][0], "--block-ro:d=img",
                        "--block-sector-size:d=4096", "--mem=64",
                        "--x-print-policy", "k");
        assert_int_equal(c->opts.ndevopt, 1);
    }
    /* Without fuzzing, all of it is fine. */
    assert_accepted(c, "--block:d=img", "--net:n=tap0", "--x-supervise",
                    "--x-user=nobody", "k");
    assert_accepted(c, "--x-no-extensions", "k");
}

/* ---- help, version, and where options end ---- */

static void test_help_and_version_anywhere_before_kernel(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--help");
    assert_true(c->opts.help);
    assert_accepted(c, "-h");
    assert_true(c->opts.help);
    assert_accepted(c, "--version");
    assert_true(c->opts.version);
    assert_false(c->opts.help);
    assert_accepted(c, "--mem=64", "--block:disk=f", "--help", "k");
    assert_true(c->opts.help);
    assert_accepted(c, "--net:n=tap0", "--version", "k", "a");
    assert_true(c->opts.version);
    /* They stop parsing: what follows is not judged. */
    assert_accepted(c, "--help", "--mem=0", "--bogus");
    assert_true(c->opts.help);
}

static void test_help_after_kernel_is_a_guest_argument(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "k", "--help");
    assert_false(c->opts.help);
    assert_int_equal(c->opts.guest_argc, 1);
    assert_string_equal(c->opts.guest_argv[0], "--help");
    assert_accepted(c, "--", "--version");
    assert_false(c->opts.version);
    assert_string_equal(c->opts.kernel, "--version");
}

static void test_double_dash_ends_options(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--", "-kernel.spt", "a");
    assert_string_equal(c->opts.kernel, "-kernel.spt");
    assert_int_equal(c->opts.guest_argc, 1);
    assert_string_equal(c->opts.guest_argv[0], "a");
    assert_accepted(c, "--mem=4", "--", "k", "--mem=8");
    assert_int_equal(c->opts.mem_size, 4ULL << 20);
    assert_string_equal(c->opts.guest_argv[0], "--mem=8");
    assert_accepted(c, "--", "--", "x");
    assert_string_equal(c->opts.kernel, "--");
    assert_string_equal(c->opts.guest_argv[0], "x");
    assert_refused(c, "KERNEL", "--");
    assert_refused(c, "KERNEL", "--mem=4", "--");
}

static void test_options_after_kernel_are_guest_arguments(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "k", "--mem=8", "--block:d=f", "--", "-x", "--bogus");
    assert_int_equal(c->opts.mem_size, 512ULL << 20);
    assert_int_equal(c->opts.ndevopt, 0);
    assert_int_equal(c->opts.guest_argc, 5);
    assert_string_equal(c->opts.guest_argv[0], "--mem=8");
    assert_string_equal(c->opts.guest_argv[2], "--");
    assert_string_equal(c->opts.guest_argv[4], "--bogus");
    assert_null(c->opts.guest_argv[5]);
}

static void test_unknown_option_refused_by_name(void **state)
{
    static const char *const unknown[] = {
        "--bogus",
        "-x",
        "-",
        "--memory=64",
        "--MEM=64",
        "--net",
        "--block",
        "--block-sector-size=512",
        "--net-mac=02:00:00:00:00:01",
        "--x-exec",
        "---mem=64",
        "--help=1",
    };
    struct cmdline *c = *state;

    for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
        char *quoted = format("'%s'", unknown[i]);

        assert_refused(c, quoted, unknown[i], "k");
        free(quoted);
    }
}

static void test_kernel_missing_or_empty_refused(void **state)
{
    struct cmdline *c = *state;
    char *argv[] = {(char *)"solo5-spt", NULL};

    assert_int_equal(cmdline_parse(1, argv, &c->opts, c->err, sizeof c->err),
                     -1);
    assert_one_line(c->err);
    assert_non_null(strstr(c->err, "KERNEL"));
    assert_int_equal(cmdline_parse(0, argv, &c->opts, c->err, sizeof c->err),
                     -1);
    assert_refused(c, "KERNEL", "--mem=64");
    assert_refused(c, "KERNEL", "--block:d=f", "--x-exec-heap");
    assert_refused(c, "empty", "");
    assert_refused(c, "empty", "--mem=64", "--", "");
}

/* ---- devices ---- */

static void test_block_option(void **state)
{
    struct cmdline *c = *state;
    const struct dev_opt *d = &c->opts.devopt[0];

    assert_accepted(c, "--block:storage=/var/disk.img", "k");
    assert_int_equal(c->opts.ndevopt, 1);
    assert_string_equal(d->ops->option, "--block");
    assert_string_equal(d->name, "storage");
    assert_string_equal(d->value, "/var/disk.img");
    assert_int_equal(d->fd, -1);
    assert_int_equal(d->sector_size, 512);
    assert_false(d->has_sector_size);
    /* The name ends at the first '='; the path may hold more. */
    assert_accepted(c, "--block:d=a=b", "k");
    assert_string_equal(d->name, "d");
    assert_string_equal(d->value, "a=b");
}

static void test_block_option_refuses_malformed(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "expected --block:NAME=PATH", "--block:storage", "k");
    assert_refused(c, "expected --block:NAME=PATH", "--block:", "k");
    assert_refused(c, "--block:storage=: PATH is empty", "--block:storage=",
                   "k");
    assert_refused(c, "--block-ro:storage=: PATH is empty",
                   "--block-ro:storage=", "k");
    assert_refused(c, "empty", "--block:=disk.img", "k");
    assert_refused(c, "--block:d given twice", "--block:d=a", "--block:d=b",
                   "k");
    assert_refused(c, "twice", "--block:d=a", "--block:d=a", "k");
}

/* Names fill a 68-byte manifest field, NUL included. */
static void test_device_name_length(void **state)
{
    struct cmdline *c = *state;
    char *name67 = repeat('n', MFT_NAME_MAX);
    char *name68 = repeat('n', MFT_NAME_MAX + 1);
    char *block67 = format("--block:%s=f", name67);
    char *block68 = format("--block:%s=f", name68);
    char *net68 = format("--net:%s=tap0", name68);
    char *mac68 = format("--net-mac:%s=02:00:00:00:00:01", name68);
    char *sector68 = format("--block-sector-size:%s=4096", name68);

    assert_int_equal(MFT_NAME_MAX, 67);
    assert_accepted(c, block67, "k");
    assert_string_equal(c->opts.devopt[0].name, name67);
    assert_refused(c, "68 characters", block68, "k");
    assert_refused(c, "68 characters", net68, "k");
    assert_refused(c, "68 characters", "--net:n=tap0", mac68, "k");
    assert_refused(c, "68 characters", "--block:n=f", sector68, "k");
    free(name67);
    free(name68);
    free(block67);
    free(block68);
    free(net68);
    free(mac68);
    free(sector68);
}

/* A manifest may hold a block and a net entry of the same name (spec 3). */
static void test_same_name_block_and_net_are_two_devices(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--block:x=f", "--net:x=tap0", "k");
    assert_int_equal(c->opts.ndevopt, 2);
    assert_string_equal(c->opts.devopt[0].ops->option, "--block");
    assert_string_equal(c->opts.devopt[1].ops->option, "--net");
}

static void test_sector_size_powers_of_two(void **state)
{
    struct cmdline *c = *state;

    for (unsigned size = 512; size <= 32768; size *= 2) {
        char *opt = format("--block-sector-size:d=%u", size);

        assert_accepted(c, "--block:d=f", opt, "k");
        assert_int_equal(c->opts.devopt[0].sector_size, size);
        assert_true(c->opts.devopt[0].has_sector_size);
        free(opt);
    }
}

static void test_sector_size_refuses_bad_values(void **state)
{
    static const char *const bad[] = {
        "256",
        "1000",
        "65536",
        "0",
        "",
        "abc",
        "-512",
        "512x",
        "0x200",
        "4097",
        "18446744073709551616",
        "1024 ",
    };
    struct cmdline *c = *state;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *opt = format("--block-sector-size:d=%s", bad[i]);
        int rc = parse(c, "--block:d=f", opt, "k");

        /* An empty value is a malformed option rather than a bad number. */
        expect_refused(c, rc, bad[i][0] ? "power of two" : "N is empty");
        free(opt);
    }
}

static void test_sector_size_needs_its_block_device(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "--block-sector-size:d given without --block:d",
                   "--block-sector-size:d=4096", "k");
    assert_refused(c, "without --block:d", "--block:e=f",
                   "--block-sector-size:d=4096", "k");
    assert_refused(c, "without --block:d", "--net:d=tap0",
                   "--block-sector-size:d=4096", "k");
}

static void test_sector_size_before_or_after_its_device(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--block-sector-size:b=1024", "--block:a=x",
                    "--block:b=y", "k");
    assert_int_equal(c->opts.devopt[0].sector_size, 512);
    assert_false(c->opts.devopt[0].has_sector_size);
    assert_int_equal(c->opts.devopt[1].sector_size, 1024);
    assert_accepted(c, "--block:a=x", "--block:b=y",
                    "--block-sector-size:a=32768", "k");
    assert_int_equal(c->opts.devopt[0].sector_size, 32768);
    assert_int_equal(c->opts.devopt[1].sector_size, 512);
}

static void test_sector_size_given_twice_refused(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "twice", "--block:d=f", "--block-sector-size:d=4096",
                   "--block-sector-size:d=512", "k");
    assert_refused(c, "twice", "--block-sector-size:d=4096", "--block:d=f",
                   "--block-sector-size:d=4096", "k");
}

static void test_net_option(void **state)
{
    struct cmdline *c = *state;
    const struct dev_opt *d = &c->opts.devopt[0];

    assert_accepted(c, "--net:service=tap0", "k");
    assert_int_equal(c->opts.ndevopt, 1);
    assert_string_equal(d->ops->option, "--net");
    assert_string_equal(d->name, "service");
    assert_string_equal(d->value, "tap0");
    assert_int_equal(d->fd, -1);
    assert_false(d->has_mac);
    assert_refused(c, "--net:service given twice", "--net:service=tap0",
                   "--net:service=tap1", "k");
    assert_refused(c, "--net:service=: IFACE is empty", "--net:service=", "k");
    assert_refused(c, "MAC is empty", "--net:service=tap0", "--net-mac:service=",
                   "k");
    assert_refused(c, "empty", "--net:=tap0", "k");
}

static void test_net_descriptor(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "--net:a=@3", "--net:b=@2147483647", "k");
    assert_int_equal(c->opts.devopt[0].fd, 3);
    assert_string_equal(c->opts.devopt[0].value, "@3");
    assert_int_equal(c->opts.devopt[1].fd, 2147483647);
}

static void test_net_descriptor_refuses_bad_values(void **state)
{
    static const char *const not_fd[] = {
        "@abc", "@", "@-1", "@3x", "@ 3", "@+3", "@2147483648", "@0x10",
    };
    struct cmdline *c = *state;

    for (size_t i = 0; i < ARRAY_SIZE(not_fd); i++) {
        char *opt = format("--net:n=%s", not_fd[i]);
        char *quoted = format("'%s'", not_fd[i]);

        assert_refused(c, quoted, opt, "k");
        free(opt);
        free(quoted);
    }
    assert_refused(c, "descriptor 0", "--net:n=@0", "k");
    assert_refused(c, "descriptor 1", "--net:n=@1", "k");
    assert_refused(c, "descriptor 2", "--net:n=@2", "k");
}

static void test_net_descriptor_named_twice_refused(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "descriptor 5 named twice", "--net:a=@5", "--net:b=@5",
                   "k");
    assert_refused(c, "descriptor 5 named twice", "--net:a=@5", "--block:d=f",
                   "--net:b=@05", "k");
    assert_accepted(c, "--net:a=@5", "--net:b=@6", "k");
}

static void test_net_mac(void **state)
{
    static const uint8_t lower[6] = {0x02, 0x00, 0x5e, 0x10, 0xab, 0xcd};
    static const uint8_t upper[6] = {0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
    struct cmdline *c = *state;

    assert_accepted(c, "--net:n=tap0", "--net-mac:n=02:00:5e:10:ab:cd", "k");
    assert_true(c->opts.devopt[0].has_mac);
    assert_memory_equal(c->opts.devopt[0].mac, lower, 6);
    /* Before its device, in upper case. */
    assert_accepted(c, "--net-mac:n=0A:1B:2C:3D:4E:5F", "--net:n=tap0", "k");
    assert_memory_equal(c->opts.devopt[0].mac, upper, 6);
}

static void test_net_mac_refuses_bad_addresses(void **state)
{
    static const char *const bad[] = {
        "02:00:00:00:00",     "02:00:00:00:00:01:02", "02:00:00:00:00:1",
        "02:00:00:00:00:001", "02-00-00-00-00-01",    "02:00:00:00:00-01",
        "0200:00:00:00:01:",  "02.00.00.00.00.01",    "0g:00:00:00:00:01",
        "02:00:00:00:00:0x",  " 2:00:00:00:00:01",    "020000000001",
    };
    static const char *const multicast[] = {
        "01:00:5e:00:00:01",
        "ff:ff:ff:ff:ff:ff",
        "03:00:00:00:00:00",
        "33:33:00:00:00:01",
    };
    struct cmdline *c = *state;

    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *opt = format("--net-mac:n=%s", bad[i]);

        assert_refused(c, "not a MAC address", "--net:n=tap0", opt, "k");
        free(opt);
    }
    for (size_t i = 0; i < ARRAY_SIZE(multicast); i++) {
        char *opt = format("--net-mac:n=%s", multicast[i]);

        assert_refused(c, "multicast", "--net:n=tap0", opt, "k");
        free(opt);
    }
}

static void test_net_mac_needs_its_net_device(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "--net-mac:n given without --net:n",
                   "--net-mac:n=02:00:00:00:00:01", "k");
    assert_refused(c, "without --net:n", "--block:n=f",
                   "--net-mac:n=02:00:00:00:00:01", "k");
    assert_refused(c, "twice", "--net:n=tap0", "--net-mac:n=02:00:00:00:00:01",
                   "--net-mac:n=02:00:00:00:00:02", "k");
}

static void test_parse_mac_directly(void **state)
{
    static const uint8_t want[6] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54};
    uint8_t mac[6];

    (void)state;
    assert_int_equal(cmdline_parse_mac("fe:dc:BA:98:76:54", mac), 0);
    assert_memory_equal(mac, want, 6);
    /* Multicast is the caller's business: this only reads the syntax. */
    assert_int_equal(cmdline_parse_mac("01:00:00:00:00:00", mac), 0);
    assert_int_equal(mac[0], 1);
    assert_int_equal(cmdline_parse_mac("", mac), -1);
    assert_int_equal(cmdline_parse_mac("fe:dc:ba:98:76:54:", mac), -1);
    assert_int_equal(cmdline_parse_mac("fe:dc:ba:98:76:5", mac), -1);
    assert_int_equal(cmdline_parse_mac("fe:dc:ba:98:76;54", mac), -1);
    assert_int_equal(cmdline_parse_mac("fe:dc:ba:98:76:5G", mac), -1);
}

/* Entry 0 of the manifest is reserved: at most 63 devices. */
static void check_device_count(struct cmdline *c, unsigned nblock,
                               unsigned nnet, bool accepted)
{
    unsigned n = nblock + nnet;
    char **words = calloc(n + 1, sizeof *words);
    int rc;

    assert_non_null(words);
    for (unsigned i = 0; i < n; i++)
        words[i] = i < nblock ? format("--block:b%u=f%u", i, i)
                              : format("--net:n%u=tap%u", i, i);
    words[n] = (char *)"k";
    rc = parse_n(c, n + 1, (const char *const *)words);
    if (accepted) {
        expect_accepted(c, rc);
        assert_int_equal(c->opts.ndevopt, n);
    } else {
        expect_refused(c, rc, "more than 63 devices");
    }
    for (unsigned i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

static void test_at_most_63_devices(void **state)
{
    struct cmdline *c = *state;

    assert_int_equal(SPT_MAX_DEVICES, 63);
    check_device_count(c, 63, 0, true);
    check_device_count(c, 0, 63, true);
    check_device_count(c, 62, 1, true);
    check_device_count(c, 64, 0, false);
    check_device_count(c, 32, 32, false);
    check_device_count(c, 0, 64, false);
}

/* ---- the guest's command line ---- */

static void expect_guest_cmdline(const struct cmdline *c, const char *want)
{
    static char buf[SPT_CMDLINE_SIZE];

    memset(buf, 'X', sizeof buf);
    cmdline_guest(&c->opts, buf);
    assert_string_equal(buf, want);
}

static void test_guest_words_joined_with_single_spaces(void **state)
{
    struct cmdline *c = *state;

    assert_accepted(c, "k");
    expect_guest_cmdline(c, "");
    assert_accepted(c, "k", "--solo5:quiet", "-l", "*:debug", "hello world");
    expect_guest_cmdline(c, "--solo5:quiet -l *:debug hello world");
    assert_accepted(c, "--mem=4", "--", "k", "--", "x");
    expect_guest_cmdline(c, "-- x");
}

/* Parse "k" and words of the given lengths; returns cmdline_parse's rc. */
static int parse_guest_words(struct cmdline *c, const size_t *lengths, size_t n)
{
    const char **words = calloc(n + 1, sizeof *words);
    int rc;

    assert_non_null(words);
    words[0] = "k";
    for (size_t i = 0; i < n; i++)
        words[i + 1] = repeat((char)('a' + i % 26), lengths[i]);
    rc = parse_n(c, n + 1, words);
    if (rc == 0) {
        /* Check the joined text before its words go away. */
        static char buf[SPT_CMDLINE_SIZE];
        size_t len = 0;

        cmdline_guest(&c->opts, buf);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                assert_int_equal(buf[len++], ' ');
            assert_memory_equal(buf + len, words[i + 1], lengths[i]);
            len += lengths[i];
        }
        assert_int_equal(strlen(buf), len);
    }
    for (size_t i = 0; i < n; i++)
        free((char *)words[i + 1]);
    free(words);
    return rc;
}

static void test_guest_cmdline_at_most_8191_characters(void **state)
{
    const size_t one_full[] = {8191}, one_over[] = {8192};
    const size_t two_full[] = {4095, 4095}, two_over[] = {4096, 4095};
    const size_t three_over[] = {4095, 4094, 1};
    struct cmdline *c = *state;

    assert_int_equal(SPT_CMDLINE_SIZE, 8192);
    expect_accepted(c, parse_guest_words(c, one_full, 1));
    expect_refused(c, parse_guest_words(c, one_over, 1), "8191");
    /* The joining spaces count. */
    expect_accepted(c, parse_guest_words(c, two_full, 2));
    expect_refused(c, parse_guest_words(c, two_over, 2), "8191");
    expect_refused(c, parse_guest_words(c, three_over, 3), "8191");
}

static void test_guest_cmdline_many_short_words(void **state)
{
    struct cmdline *c = *state;
    size_t lengths[4097];

    for (size_t i = 0; i < ARRAY_SIZE(lengths); i++)
        lengths[i] = 1;
    /* 4096 words of one letter: 4096 + 4095 spaces = 8191. */
    expect_accepted(c, parse_guest_words(c, lengths, 4096));
    expect_refused(c, parse_guest_words(c, lengths, 4097), "8191");
    lengths[4095] = 2;
    expect_refused(c, parse_guest_words(c, lengths, 4096), "8191");
}

/* ---- messages ---- */

/* Whatever the operator typed, the message stays on one line. */
static void test_messages_stay_on_one_line(void **state)
{
    struct cmdline *c = *state;

    assert_refused(c, "--bad?option", "--bad\noption", "k");
    assert_refused(c, "--mem=1?", "--mem=1\n", "k");
    assert_refused(c, "not a MAC", "--net:n=tap0",
                   "--net-mac:n=02:00:00:00:00\r\n", "k");
    assert_refused(c, "empty", "--block:=\x1b[2J", "k");
}

/* A small buffer gets a truncated message, still a string. */
static void test_message_fits_the_buffer(void **state)
{
    struct cmdline *c = *state;
    char *argv[] = {(char *)"solo5-spt", (char *)"--bogus-option", NULL};
    char err[8];

    memset(err, 'X', sizeof err);
    assert_int_equal(cmdline_parse(2, argv, &c->opts, err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1);
}

static void test_kind_option_and_usage(void **state)
{
    static const char *const documented[] = {
        "--mem=",           "--block:",   "--block-sector-size:",
        "--net:",           "--net-mac:", "--x-exec-heap",
        "--x-print-policy", "--help",     "--version",
        "KERNEL",           "8191",
    };

    (void)state;
    assert_string_equal(device_kinds[0]->option, "--block");
    assert_string_equal(device_kinds[1]->option, "--net");
    assert_null(device_kinds[2]);
    for (size_t i = 0; i < ARRAY_SIZE(documented); i++)
        if (strstr(cmdline_usage(), documented[i]) == NULL)
            fail_msg("usage does not mention '%s'", documented[i]);
}

#define CMDLINE_TEST(t)                                                        \
    cmocka_unit_test_setup_teardown(t, cmdline_setup, cmdline_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CMDLINE_TEST(test_defaults),
        CMDLINE_TEST(test_mem_sets_mebibytes),
        CMDLINE_TEST(test_mem_refuses_bad_values),
        CMDLINE_TEST(test_mem_given_twice_refused),
        CMDLINE_TEST(test_experimental_flags),
        CMDLINE_TEST(test_fuzz_options),
        CMDLINE_TEST(test_fuzz_refusals),
        CMDLINE_TEST(test_help_and_version_anywhere_before_kernel),
        CMDLINE_TEST(test_help_after_kernel_is_a_guest_argument),
        CMDLINE_TEST(test_double_dash_ends_options),
        CMDLINE_TEST(test_options_after_kernel_are_guest_arguments),
        CMDLINE_TEST(test_unknown_option_refused_by_name),
        CMDLINE_TEST(test_kernel_missing_or_empty_refused),
        CMDLINE_TEST(test_block_option),
        CMDLINE_TEST(test_block_option_refuses_malformed),
        CMDLINE_TEST(test_device_name_length),
        CMDLINE_TEST(test_same_name_block_and_net_are_two_devices),
        CMDLINE_TEST(test_sector_size_powers_of_two),
        CMDLINE_TEST(test_sector_size_refuses_bad_values),
        CMDLINE_TEST(test_sector_size_needs_its_block_device),
        CMDLINE_TEST(test_sector_size_before_or_after_its_device),
        CMDLINE_TEST(test_sector_size_given_twice_refused),
        CMDLINE_TEST(test_net_option),
        CMDLINE_TEST(test_net_descriptor),
        CMDLINE_TEST(test_net_descriptor_refuses_bad_values),
        CMDLINE_TEST(test_net_descriptor_named_twice_refused),
        CMDLINE_TEST(test_net_mac),
        CMDLINE_TEST(test_net_mac_refuses_bad_addresses),
        CMDLINE_TEST(test_net_mac_needs_its_net_device),
        cmocka_unit_test(test_parse_mac_directly),
        CMDLINE_TEST(test_at_most_63_devices),
        CMDLINE_TEST(test_guest_words_joined_with_single_spaces),
        CMDLINE_TEST(test_guest_cmdline_at_most_8191_characters),
        CMDLINE_TEST(test_guest_cmdline_many_short_words),
        CMDLINE_TEST(test_messages_stay_on_one_line),
        CMDLINE_TEST(test_message_fits_the_buffer),
        cmocka_unit_test(test_kind_option_and_usage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
