/*
 * cmdline.h: the solo5-spt command line (spec section 7), first pass.
 *
 * This pass only checks syntax; device options name manifest entries and
 * are matched against the guest's manifest once it has been read. What a
 * device option looks like is its kind's business (device.h).
 */
#ifndef SPT_CMDLINE_H
#define SPT_CMDLINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5/mft_abi.h"

#define SPT_DEFAULT_MEM_MB 512
#define SPT_MIN_MEM_MB     2
#define SPT_MAX_DEVICES    (MFT_MAX_ENTRIES - 1)
#define SPT_DEFAULT_SECTOR 512

struct device_ops;

/* One --block:NAME=… or --net:NAME=… with its modifiers. */
struct dev_opt {
    const struct device_ops *ops; /* its kind */
    char name[MFT_NAME_SIZE];
    const char *value;    /* PATH, IFACE or @FD, as given */
    int fd;               /* --net:NAME=@FD: FD; else -1 */
    uint32_t sector_size; /* --block-sector-size:NAME=N; default 512 */
    bool has_sector_size;
    bool readonly;        /* --block-ro:NAME=PATH */
    bool has_mac;         /* --net-mac:NAME=MAC given */
    uint8_t mac[6];
};

enum print_policy { PRINT_POLICY_NONE, PRINT_POLICY_TEXT, PRINT_POLICY_JSON };

struct spt_opts {
    uint64_t mem_size; /* bytes */
    bool exec_heap;    /* --x-exec-heap */
    enum print_policy print_policy; /* --x-print-policy[=text|json] */
    bool no_extensions; /* --x-no-extensions: present what Solo5 does */
    bool dumpcore;     /* --x-dumpcore: keep the inherited core limit */
    bool hugepages;    /* --x-hugepages: transparent huge pages for guest */
    bool supervise;    /* --x-supervise: report forbidden calls */
    const char *user;  /* --x-user=USER: run the guest as USER */
    bool fuzz;         /* --x-fuzz: AFL++'s fork server, or one run */
    uint32_t fuzz_persistent; /* --x-fuzz-persistent[=N]: N inputs a child */
    const char *fuzz_input;   /* --x-fuzz-input=FILE: one run on FILE */
    bool help, version;
    unsigned ndevopt;
    struct dev_opt devopt[SPT_MAX_DEVICES];
    const char *kernel;
    int guest_argc; /* words after KERNEL */
    char **guest_argv;
};

/*
 * Parse argv. Returns 0 on success, -1 with one line in err. On --help or
 * --version, returns 0 with opts->help or opts->version set and stops.
 */
int cmdline_parse(int argc, char **argv, struct spt_opts *opts, char *err,
                  size_t errlen);

/*
 * The guest's words joined with single spaces into buf, which holds
 * SPT_CMDLINE_SIZE bytes; cmdline_parse refused any longer command line
 * (the words that would not fit are left out).
 */
void cmdline_guest(const struct spt_opts *opts, char *buf);

/* A decimal number without sign, spaces or leading garbage, at most max. */
int cmdline_parse_number(const char *s, uint64_t max, uint64_t *out);

/* Whether word attaches name as an ops device would: OPTION:NAME=... or
 * RO_OPTION:NAME=... */
bool cmdline_attaches(const char *word, const struct device_ops *ops,
                      const char *name);

/* Parse "xx:xx:xx:xx:xx:xx". */
int cmdline_parse_mac(const char *s, uint8_t mac[6]);

/* The whole of --help; NULL when out of memory. */
const char *cmdline_usage(void);

/* The option as the operator wrote it: "--block-ro", "--net", ... */
const char *devopt_option(const struct dev_opt *d);

/*
 * A refusal about one device option, prefixed with the option as written
 * ("--block-ro:NAME=PATH: ..."). Returns -1, as errf() does.
 */
int devopt_errf(const struct dev_opt *d, char *err, size_t errlen,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int vdevopt_errf(const struct dev_opt *d, char *err, size_t errlen,
                 const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

#endif /* SPT_CMDLINE_H */
