/*
 * cmdline.c: parsing the solo5-spt command line, first pass.
 *
 * Options come before KERNEL and "--" ends them. Every value is checked
 * here, so a malformed one is refused before any file is opened. Device
 * options are whatever device_kinds[] says they are.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "device.h"
#include "errf.h"
#include "solo5/spt_abi.h"

static const char usage_head[] =
    "Usage: solo5-spt [OPTION]... [--] KERNEL [ARGS]...\n"
    "Run the Solo5 spt unikernel KERNEL as a sandboxed Linux process.\n"
    "\n"
    "The words ARGS, joined with single spaces, are the unikernel's command\n"
    "line (at most 8191 characters). Options must come before KERNEL.\n"
    "\n"
    "Options:\n"
    "  --mem=MB                  guest memory in MiB (default 512, at "
    "least 2)\n";

static const char usage_tail[] =
    "  --x-exec-heap             make memory outside the program's code\n"
    "                            executable (for guests that generate code)\n"
    "  --x-print-policy[=json]   do everything up to starting the guest, "
    "then\n"
    "                            print the seccomp allowlist (as JSON if\n"
    "                            asked) and exit 0\n"
    "  --x-no-extensions         show the guest exactly what the Solo5 tender\n"
    "                            does: no extension records, one block per\n"
    "                            block I/O call (for compatibility testing)\n"
    "  --x-user=USER             after attaching the devices, run as USER\n"
    "                            (a name from /etc/passwd, or UID[:GID]);\n"
    "                            as root, capabilities are dropped anyway\n"
    "  --x-supervise             run the guest under a supervisor process\n"
    "                            that names the forbidden call that killed\n"
    "                            it (status still 159)\n"
    "  --x-fuzz                  under AFL++ (descriptors 198 and 199), be\n"
    "                            its fork server: one child per input, with\n"
    "                            coverage; otherwise run once on standard\n"
    "                            input (the guest reads it with\n"
    "                            spt_fuzz_input)\n"
    "  --x-fuzz-persistent[=N]   --x-fuzz, with up to N inputs (default\n"
    "                            1000) a child for a guest that loops on\n"
    "                            spt_fuzz_next\n"
    "  --x-fuzz-input=FILE       run once on the input in FILE (to replay\n"
    "                            what a fuzzer saved)\n"
    "  --x-dumpcore              allow core dumps (off by default; a core\n"
    "                            holds all guest memory)\n"
    "  --x-hugepages             back guest memory with transparent huge\n"
    "                            pages (faster for big heaps; idle guests\n"
    "                            use more memory)\n"
    "  --help                    print this help and exit\n"
    "  --version                 print the version and exit\n"
    "\n"
    "Every device the manifest declares must be attached. The guest may only\n"
    "make the system calls of its allowlist; any other call kills it.\n"
    "\n"
    "Exit status:\n"
    "  0-254  the status the guest passed to solo5_exit()\n"
    "  129, 130, 143  ended by SIGHUP, SIGINT or SIGTERM (128 + signal)\n"
    "  255    the guest aborted (solo5_abort(), failed assertion, panic)\n"
    "  1      solo5-spt refused to start the guest (message on stderr)\n"
    "  139    the guest was killed by SIGSEGV (bad memory access)\n"
    "  159    the guest was killed by SIGSYS (forbidden system call)\n";

const char *cmdline_usage(void)
{
    static char *text;
    size_t size = sizeof usage_head + sizeof usage_tail;

    if (text != NULL)
        return text;
    for (const struct device_ops *const *k = device_kinds; *k; k++)
        size += strlen((*k)->usage);
    text = malloc(size);
    if (text == NULL)
        return NULL;
    strcpy(text, usage_head);
    for (const struct device_ops *const *k = device_kinds; *k; k++)
        strcat(text, (*k)->usage);
    strcat(text, usage_tail);
    return text;
}

const char *devopt_option(const struct dev_opt *d)
{
    return d->readonly ? d->ops->ro_option : d->ops->option;
}

int vdevopt_errf(const struct dev_opt *d, char *err, size_t errlen,
                 const char *fmt, va_list ap)
{
    size_t n;

    errf(err, errlen, "%s:%s=%s: ", devopt_option(d), d->name, d->value);
    n = strlen(err);
    return verrf(err + n, errlen - n, fmt, ap);
}

int devopt_errf(const struct dev_opt *d, char *err, size_t errlen,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vdevopt_errf(d, err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int cmdline_parse_number(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (__builtin_mul_overflow(v, 10, &v) ||
            __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
            return -1;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int cmdline_parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17)
        return -1;
    for (int i = 0; i < 6; i++) {
        int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
            return -1;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/*
 * Split "NAME=VALUE" (what follows "--block:" and friends). The name must
 * fit a manifest entry; the value must not be empty.
 */
static int split_name_value(const char *arg, const char *opt,
                            const char *hint, char *name, const char **value,
                            char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    size_t len;

    if (eq == NULL)
        return errf(err, errlen, "%s:%s: expected %s:NAME=%s", opt, arg, opt,
                    hint);
    len = (size_t)(eq - arg);
    if (len == 0)
        return errf(err, errlen, "%s:%s: the device name is empty", opt, arg);
    if (len > MFT_NAME_MAX)
        return errf(err, errlen, "%s: device name of %zu characters, at "
                    "most %d allowed", opt, len, MFT_NAME_MAX);
    if (eq[1] == '\0')
        return errf(err, errlen, "%s:%s: %s is empty (expected %s:NAME=%s)",
                    opt, arg, hint, opt, hint);
    memcpy(name, arg, len);
    name[len] = '\0';
    *value = eq + 1;
    return 0;
}

static struct dev_opt *devopt_find(struct spt_opts *o,
                                   const struct device_ops *ops,
                                   const char *name)
{
    for (unsigned i = 0; i < o->ndevopt; i++)
        if (o->devopt[i].ops == ops && strcmp(o->devopt[i].name, name) == 0)
            return &o->devopt[i];
    return NULL;
}

static int add_device(struct spt_opts *o, const struct device_ops *ops,
                      bool readonly, const char *arg, char *err,
                      size_t errlen)
{
    struct dev_opt d = {.ops = ops, .fd = -1, .readonly = readonly,
                        .sector_size = SPT_DEFAULT_SECTOR};
    const char *opt = devopt_option(&d);

    if (split_name_value(arg, opt, ops->value_hint, d.name, &d.value, err,
                         errlen) == -1)
        return -1;
    if (devopt_find(o, ops, d.name))
        return errf(err, errlen, "%s:%s given twice", opt, d.name);
    if (o->ndevopt == SPT_MAX_DEVICES)
        return errf(err, errlen, "more than %d devices", SPT_MAX_DEVICES);
    if (ops->check_value && ops->check_value(&d, err, errlen) == -1)
        return -1;
    for (unsigned i = 0; d.fd >= 0 && i < o->ndevopt; i++)
        if (o->devopt[i].fd == d.fd)
            return errf(err, errlen, "%s: descriptor %d named twice", opt,
                        d.fd);
    o->devopt[o->ndevopt++] = d;
    return 0;
}

/*
 * Modifiers may come before or after their device option, so they are
 * kept aside and applied once every option has been read. Each device
 * takes one of its kind's modifier; more are refused when applied.
 */
#define MAX_MODIFIERS (2 * SPT_MAX_DEVICES)

struct modifier {
    const struct device_ops *ops; /* whose modifier */
    char name[MFT_NAME_SIZE];
    const char *value;
};

static int modifier_apply(struct spt_opts *o, const struct modifier *m,
                          char *err, size_t errlen)
{
    struct dev_opt *d = devopt_find(o, m->ops, m->name);

    if (d == NULL)
        return errf(err, errlen, "%s:%s given without %s:%s",
                    m->ops->modifier, m->name, m->ops->option, m->name);
    return m->ops->apply_modifier(d, m->value, err, errlen);
}

/* Decimal digits only: what a number of MiB looks like, if not its size. */
static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int parse_mem(const char *value, struct spt_opts *o, bool *seen,
                     char *err, size_t errlen)
{
    /* The guest's top must stay a valid user address: 2^47 bytes. */
    const uint64_t max_mb = (1ULL << 47) >> 20;
    uint64_t mb;

    if (*seen)
        return errf(err, errlen, "--mem given twice");
    *seen = true;
    if (cmdline_parse_number(value, max_mb, &mb) == -1)
        return all_digits(value)
                   ? errf(err, errlen, "--mem=%s: too large: at most %llu "
                          "MiB (--mem counts MiB, not bytes)", value,
                          (unsigned long long)max_mb)
                   : errf(err, errlen, "--mem=%s: expected a number of MiB",
                          value);
    if (mb < SPT_MIN_MEM_MB)
        return errf(err, errlen, "--mem=%s: at least %d MiB are needed",
                    value, SPT_MIN_MEM_MB);
    o->mem_size = mb << 20;
    return 0;
}

/* Does s start with "OPTION:"? Then *rest is what follows the colon. */
static bool starts(const char *s, const char *option, const char **rest)
{
    size_t n;

    if (option == NULL)
        return false;
    n = strlen(option);
    if (strncmp(s, option, n) != 0 || s[n] != ':')
        return false;
    *rest = s + n + 1;
    return true;
}

bool cmdline_attaches(const char *word, const struct device_ops *ops,
                      const char *name)
{
    size_t n = strlen(name);
    const char *rest;

    return (starts(word, ops->option, &rest) ||
            starts(word, ops->ro_option, &rest)) &&
           strncmp(rest, name, n) == 0 && rest[n] == '=';
}

/*
 * A device option: 1, with a modifier stored in *m (else m->ops is NULL);
 * not a device option: 0; a bad one: -1.
 */
static int parse_device_option(const char *a, struct spt_opts *o,
                               struct modifier *m, char *err, size_t errlen)
{
    const char *rest;
    int rc;

    m->ops = NULL;
    for (const struct device_ops *const *k = device_kinds; *k; k++) {
        const struct device_ops *ops = *k;

        if (starts(a, ops->option, &rest))
            rc = add_device(o, ops, false, rest, err, errlen);
        else if (starts(a, ops->ro_option, &rest))
            rc = add_device(o, ops, true, rest, err, errlen);
        else if (starts(a, ops->modifier, &rest)) {
            rc = split_name_value(rest, ops->modifier, ops->modifier_hint,
                                  m->name, &m->value, err, errlen);
            if (rc == 0)
                m->ops = ops;
        } else
            continue;
        return rc == 0 ? 1 : -1;
    }
    return 0;
}

static int parse_print_policy(const char *a, struct spt_opts *o, char *err,
                              size_t errlen)
{
    if (strcmp(a, "--x-print-policy") == 0 ||
        strcmp(a, "--x-print-policy=text") == 0)
        o->print_policy = PRINT_POLICY_TEXT;
    else if (strcmp(a, "--x-print-policy=json") == 0)
        o->print_policy = PRINT_POLICY_JSON;
    else
        return errf(err, errlen, "%s: expected --x-print-policy, "
                    "--x-print-policy=text or --x-print-policy=json", a);
    return 0;
}

#define FUZZ_PERSISTENT_DEFAULT 1000

static int parse_fuzz(const char *a, struct spt_opts *o, char *err,
                      size_t errlen)
{
    uint64_t n;

    if (strcmp(a, "--x-fuzz") == 0) {
        o->fuzz = true;
    } else if (strcmp(a, "--x-fuzz-persistent") == 0) {
        o->fuzz = true;
        o->fuzz_persistent = FUZZ_PERSISTENT_DEFAULT;
    } else if (strncmp(a, "--x-fuzz-persistent=", 20) == 0) {
        if (cmdline_parse_number(a + 20, UINT32_MAX, &n) == -1 || n == 0)
            return errf(err, errlen, "%s: expected a number of inputs, "
                        "1 to %u", a, UINT32_MAX);
        o->fuzz = true;
        o->fuzz_persistent = (uint32_t)n;
    } else if (strncmp(a, "--x-fuzz-input=", 15) == 0) {
        if (o->fuzz_input)
            return errf(err, errlen, "--x-fuzz-input given twice");
        if (a[15] == '\0')
            return errf(err, errlen, "--x-fuzz-input=: FILE is empty");
        o->fuzz_input = a + 15;
    } else {
        return errf(err, errlen, "unknown option '%s' (see --help)", a);
    }
    return 0;
}

/*
 * Fuzzing runs one guest after another from the same start: nothing one
 * run does may reach the next, or the host. Say which option stands in
 * the way.
 */
static int fuzz_check(const struct spt_opts *o, char *err, size_t errlen)
{
    const char *mode = o->fuzz ? "--x-fuzz" : "--x-fuzz-input";

    if (!o->fuzz && !o->fuzz_input)
        return 0;
    for (unsigned i = 0; i < o->ndevopt; i++) {
        const struct dev_opt *d = &o->devopt[i];

        if (d->ops->fuzz_check == NULL)
            return devopt_errf(d, err, errlen, "not with %s: a device of "
                               "this kind carries one run's effects to the "
                               "next", mode);
        if (d->ops->fuzz_check(d, mode, err, errlen) == -1)
            return -1;
    }
    if (o->supervise)
        return errf(err, errlen, "--x-supervise is not for %s: the fuzzer "
                    "already reports how each run ended", mode);
    if (o->user)
        return errf(err, errlen, "--x-user is not for %s: the fuzzer could "
                    "no longer end a run", mode);
    if (o->no_extensions)
        return errf(err, errlen, "--x-no-extensions is not for %s: the "
                    "guest finds its input in an extension record", mode);
    return 0;
}

static int parse_option(const char *a, struct spt_opts *o,
                        struct modifier *mods, unsigned *nmods, bool *mem_seen,
                        char *err, size_t errlen)
{
    struct modifier m;
    const char *rest;
    int rc;

    if (strncmp(a, "--mem=", 6) == 0)
        return parse_mem(a + 6, o, mem_seen, err, errlen);
    rc = parse_device_option(a, o, &m, err, errlen);
    if (rc == -1)
        return -1;
    if (rc == 1 && m.ops != NULL) {
        if (*nmods == MAX_MODIFIERS)
            return errf(err, errlen, "too many device options");
        mods[(*nmods)++] = m;
    }
    if (rc == 1)
        return 0;
    if (strncmp(a, "--x-user=", 9) == 0) {
        rest = a + 9;
        if (o->user)
            return errf(err, errlen, "--x-user given twice");
        if (*rest == '\0')
            return errf(err, errlen, "--x-user=: expected a user name or "
                        "UID[:GID]");
        o->user = rest;
        return 0;
    }
    if (strncmp(a, "--x-print-policy", 16) == 0)
        return parse_print_policy(a, o, err, errlen);
    if (strncmp(a, "--x-fuzz", 8) == 0)
        return parse_fuzz(a, o, err, errlen);

    if (strcmp(a, "--x-dumpcore") == 0)
        o->dumpcore = true;
    else if (strcmp(a, "--x-hugepages") == 0)
        o->hugepages = true;
    else if (strcmp(a, "--x-supervise") == 0)
        o->supervise = true;
    else if (strcmp(a, "--x-exec-heap") == 0)
        o->exec_heap = true;
    else if (strcmp(a, "--x-no-extensions") == 0)
        o->no_extensions = true;
    else
        return errf(err, errlen, "unknown option '%s' (see --help)", a);
    return 0;
}

/* Length of the guest's words joined by single spaces, saturating. */
static size_t guest_cmdline_len(const struct spt_opts *o)
{
    size_t len = 0;

    for (int i = 0; i < o->guest_argc && len < SPT_CMDLINE_SIZE; i++)
        len += (i > 0) + strnlen(o->guest_argv[i], SPT_CMDLINE_SIZE);
    return len;
}

int cmdline_parse(int argc, char **argv, struct spt_opts *o, char *err,
                  size_t errlen)
{
    struct modifier mods[MAX_MODIFIERS];
    unsigned nmods = 0;
    bool mem_seen = false;
    int i;

    memset(o, 0, sizeof *o);
    o->mem_size = (uint64_t)SPT_DEFAULT_MEM_MB << 20;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-')
            break;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            o->version = true;
            return 0;
        }
        if (strcmp(a, "--mem") == 0 || strcmp(a, "--x-user") == 0)
            return errf(err, errlen, "%s: the value goes after '=': %s=%s",
                        a, a, i + 1 < argc ? argv[i + 1] : "VALUE");
        if (parse_option(a, o, mods, &nmods, &mem_seen, err, errlen) == -1)
            return -1;
    }
    if (i >= argc)
        return errf(err, errlen, "no KERNEL given (see --help)");
    o->kernel = argv[i];
    if (o->kernel[0] == '\0')
        return errf(err, errlen, "KERNEL is an empty path");
    o->guest_argc = argc - i - 1;
    o->guest_argv = argv + i + 1;
    for (unsigned k = 0; k < nmods; k++)
        if (modifier_apply(o, &mods[k], err, errlen) == -1)
            return -1;
    if (fuzz_check(o, err, errlen) == -1)
        return -1;
    if (guest_cmdline_len(o) > SPT_CMDLINE_SIZE - 1)
        return errf(err, errlen, "the guest command line is longer than %d "
                    "characters", SPT_CMDLINE_SIZE - 1);
    return 0;
}

void cmdline_guest(const struct spt_opts *o, char *buf)
{
    size_t len = 0;

    for (int i = 0; i < o->guest_argc; i++) {
        size_t n = strnlen(o->guest_argv[i], SPT_CMDLINE_SIZE);

        /* Never past buf, even for opts cmdline_parse did not make. */
        if (len + (i > 0) + n > SPT_CMDLINE_SIZE - 1)
            break;
        if (i > 0)
            buf[len++] = ' ';
        memcpy(buf + len, o->guest_argv[i], n);
        len += n;
    }
    buf[len] = '\0';
}
