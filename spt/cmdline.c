/*
 * cmdline.c: parsing the solo5-spt command line, first pass.
 *
 * Options come before KERNEL and "--" ends them. Every value is checked
 * here, so a malformed one is refused before any file is opened.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cmdline.h"
#include "errf.h"
#include "solo5/spt_abi.h"

const char cmdline_usage[] =
    "Usage: solo5-spt [OPTION]... [--] KERNEL [ARGS]...\n"
    "Run the Solo5 spt unikernel KERNEL as a sandboxed Linux process.\n"
    "\n"
    "The words ARGS, joined with single spaces, are the unikernel's command\n"
    "line (at most 8191 characters). Options must come before KERNEL.\n"
    "\n"
    "Options:\n"
    "  --mem=MB                  guest memory in MiB (default 512, at "
    "least 2)\n"
    "  --block:NAME=PATH         attach the file or block device PATH as "
    "the\n"
    "                            block device NAME of the manifest\n"
    "  --block-ro:NAME=PATH      attach PATH read-only: the guest's writes\n"
    "                            fail (an error result, nothing written)\n"
    "  --block-sector-size:NAME=N\n"
    "                            block size of NAME: a power of two, 512 to\n"
    "                            32768 (default 512)\n"
    "  --net:NAME=IFACE          attach the existing, up tap interface IFACE "
    "as\n"
    "                            the network device NAME of the manifest\n"
    "  --net:NAME=@FD            use the open tap descriptor FD instead\n"
    "  --net-mac:NAME=MAC        guest MAC address of NAME, as "
    "xx:xx:xx:xx:xx:xx\n"
    "                            (default: random, locally administered)\n"
    "  --x-exec-heap             make memory outside the program's code\n"
    "                            executable (for guests that generate code)\n"
    "  --x-print-policy          do everything up to starting the guest, "
    "then\n"
    "                            print the seccomp allowlist and exit 0\n"
    "  --x-no-extensions         show the guest exactly what the Solo5 tender\n"
    "                            does: no extension records, one block per\n"
    "                            block I/O call (for compatibility testing)\n"
    "  --x-user=USER             after attaching the devices, run as USER\n"
    "                            (a name from /etc/passwd, or UID[:GID]);\n"
    "                            as root, capabilities are dropped anyway\n"
    "  --x-supervise             run the guest under a supervisor process\n"
    "                            that names the forbidden call that killed\n"
    "                            it (status still 159)\n"
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

const char *cmdline_kind_option(enum dev_kind kind)
{
    return kind == DEV_BLOCK ? "--block" : "--net";
}

/* A decimal number without sign, spaces or leading garbage. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
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
static int split_name_value(const char *arg, const char *opt, char *name,
                            const char **value, char *err, size_t errlen)
{
    const char *eq = strchr(arg, '=');
    size_t len;

    if (eq == NULL || eq[1] == '\0')
        return errf(err, errlen, "%s:%s: expected %s:NAME=VALUE", opt, arg,
                    opt);
    len = (size_t)(eq - arg);
    if (len == 0)
        return errf(err, errlen, "%s:%s: the device name is empty", opt, arg);
    if (len > MFT_NAME_MAX)
        return errf(err, errlen, "%s: device name of %zu characters, at "
                    "most %d allowed", opt, len, MFT_NAME_MAX);
    memcpy(name, arg, len);
    name[len] = '\0';
    *value = eq + 1;
    return 0;
}

static struct dev_opt *dev_find(struct spt_opts *o, enum dev_kind kind,
                                const char *name)
{
    for (unsigned i = 0; i < o->ndev; i++)
        if (o->dev[i].kind == kind && strcmp(o->dev[i].name, name) == 0)
            return &o->dev[i];
    return NULL;
}

static int parse_net_fd(const char *value, int *fd, char *err, size_t errlen)
{
    uint64_t v;

    if (parse_u64(value + 1, INT_MAX, &v) == -1)
        return errf(err, errlen, "--net: '%s' is not @FD with FD a "
                    "descriptor number", value);
    if (v <= 2)
        return errf(err, errlen, "--net: descriptor %llu is stdin, stdout "
                    "or stderr, not a tap", (unsigned long long)v);
    *fd = (int)v;
    return 0;
}

static int add_device(struct spt_opts *o, enum dev_kind kind, bool readonly,
                      const char *arg, char *err, size_t errlen)
{
    const char *opt = readonly ? "--block-ro" : cmdline_kind_option(kind);
    struct dev_opt d = {.kind = kind, .fd = -1, .readonly = readonly,
                        .sector_size = SPT_DEFAULT_SECTOR};

    if (split_name_value(arg, opt, d.name, &d.value, err, errlen) == -1)
        return -1;
    if (dev_find(o, kind, d.name))
        return errf(err, errlen, "%s:%s given twice", opt, d.name);
    if (o->ndev == SPT_MAX_DEVICES)
        return errf(err, errlen, "more than %d devices", SPT_MAX_DEVICES);
    if (kind == DEV_NET && d.value[0] == '@') {
        if (parse_net_fd(d.value, &d.fd, err, errlen) == -1)
            return -1;
        for (unsigned i = 0; i < o->ndev; i++)
            if (o->dev[i].fd == d.fd)
                return errf(err, errlen, "--net: descriptor %d named twice",
                            d.fd);
    }
    o->dev[o->ndev++] = d;
    return 0;
}

/*
 * Modifiers may come before or after their device option, so they are
 * kept aside and applied once every option has been read.
 */
struct modifier {
    enum dev_kind kind;
    const char *opt; /* "--block-sector-size", "--net-mac" */
    char name[MFT_NAME_SIZE];
    const char *value;
};

static int modifier_apply(struct spt_opts *o, const struct modifier *m,
                          char *err, size_t errlen)
{
    struct dev_opt *d = dev_find(o, m->kind, m->name);
    uint64_t v;

    if (d == NULL)
        return errf(err, errlen, "%s:%s given without %s:%s", m->opt, m->name,
                    cmdline_kind_option(m->kind), m->name);
    if (m->kind == DEV_NET) {
        if (d->has_mac)
            return errf(err, errlen, "%s:%s given twice", m->opt, m->name);
        if (cmdline_parse_mac(m->value, d->mac) == -1)
            return errf(err, errlen, "%s:%s: '%s' is not a MAC address "
                        "xx:xx:xx:xx:xx:xx", m->opt, m->name, m->value);
        if (d->mac[0] & 1)
            return errf(err, errlen, "%s:%s: %s is a multicast address",
                        m->opt, m->name, m->value);
        d->has_mac = true;
        return 0;
    }
    if (d->has_sector_size)
        return errf(err, errlen, "%s:%s given twice", m->opt, m->name);
    if (parse_u64(m->value, 32768, &v) == -1 || v < 512 || (v & (v - 1)))
        return errf(err, errlen, "%s:%s: '%s' is not a power of two from "
                    "512 to 32768", m->opt, m->name, m->value);
    d->sector_size = (uint32_t)v;
    d->has_sector_size = true;
    return 0;
}

static int parse_mem(const char *value, struct spt_opts *o, bool *seen,
                     char *err, size_t errlen)
{
    uint64_t mb;

    if (*seen)
        return errf(err, errlen, "--mem given twice");
    *seen = true;
    /* The guest's top must stay a valid user address: 2^47 bytes. */
    if (parse_u64(value, (1ULL << 47) >> 20, &mb) == -1)
        return errf(err, errlen, "--mem=%s: expected a number of MiB", value);
    if (mb < SPT_MIN_MEM_MB)
        return errf(err, errlen, "--mem=%s: at least %d MiB are needed",
                    value, SPT_MIN_MEM_MB);
    o->mem_size = mb << 20;
    return 0;
}

static bool starts(const char *s, const char *prefix, const char **rest)
{
    size_t n = strlen(prefix);

    if (strncmp(s, prefix, n) != 0)
        return false;
    *rest = s + n;
    return true;
}

static int parse_option(const char *a, struct spt_opts *o,
                        struct modifier *mods, unsigned *nmods, bool *mem_seen,
                        char *err, size_t errlen)
{
    const char *rest;
    struct modifier *m;

    if (starts(a, "--mem=", &rest))
        return parse_mem(rest, o, mem_seen, err, errlen);
    if (starts(a, "--block:", &rest))
        return add_device(o, DEV_BLOCK, false, rest, err, errlen);
    if (starts(a, "--block-ro:", &rest))
        return add_device(o, DEV_BLOCK, true, rest, err, errlen);
    if (starts(a, "--net:", &rest))
        return add_device(o, DEV_NET, false, rest, err, errlen);
    if (starts(a, "--x-user=", &rest)) {
        if (o->user)
            return errf(err, errlen, "--x-user given twice");
        if (*rest == '\0')
            return errf(err, errlen, "--x-user=: expected a user name or "
                        "UID[:GID]");
        o->user = rest;
        return 0;
    }
    if (strcmp(a, "--x-dumpcore") == 0) {
        o->dumpcore = true;
        return 0;
    }
    if (strcmp(a, "--x-hugepages") == 0) {
        o->hugepages = true;
        return 0;
    }
    if (strcmp(a, "--x-supervise") == 0) {
        o->supervise = true;
        return 0;
    }
    if (strcmp(a, "--x-exec-heap") == 0) {
        o->exec_heap = true;
        return 0;
    }
    if (strcmp(a, "--x-print-policy") == 0) {
        o->print_policy = true;
        return 0;
    }
    if (strcmp(a, "--x-no-extensions") == 0) {
        o->no_extensions = true;
        return 0;
    }
    m = &mods[*nmods];
    if (starts(a, "--block-sector-size:", &rest)) {
        *m = (struct modifier){.kind = DEV_BLOCK,
                               .opt = "--block-sector-size"};
    } else if (starts(a, "--net-mac:", &rest)) {
        *m = (struct modifier){.kind = DEV_NET, .opt = "--net-mac"};
    } else {
        return errf(err, errlen, "unknown option '%s' (see --help)", a);
    }
    if (split_name_value(rest, m->opt, m->name, &m->value, err, errlen) == -1)
        return -1;
    (*nmods)++;
    return 0;
}

int cmdline_parse(int argc, char **argv, struct spt_opts *o, char *err,
                  size_t errlen)
{
    struct modifier mods[2 * SPT_MAX_DEVICES];
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
        if (nmods == sizeof mods / sizeof mods[0])
            return errf(err, errlen, "too many device options");
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
    if (cmdline_guest(o, NULL, 0) == -1)
        return errf(err, errlen, "the guest command line is longer than %d "
                    "characters", SPT_CMDLINE_SIZE - 1);
    return 0;
}

int cmdline_guest(const struct spt_opts *o, char *buf, size_t size)
{
    size_t len = 0;

    for (int i = 0; i < o->guest_argc; i++) {
        size_t n = strlen(o->guest_argv[i]), sep = i > 0;

        if (len + sep + n > SPT_CMDLINE_SIZE - 1)
            return -1;
        if (buf && len + sep + n >= size)
            return -1; /* the caller's buffer is too small */
        if (buf && sep)
            buf[len] = ' ';
        if (buf)
            memcpy(buf + len + sep, o->guest_argv[i], n);
        len += sep + n;
    }
    if (buf && size > 0)
        buf[len] = '\0';
    return 0;
}
