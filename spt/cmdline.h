/*
 * cmdline.h: the solo5-spt command line (spec section 7), first pass.
 *
 * This pass only checks syntax; device options name manifest entries and
 * are matched against the guest's manifest once it has been read.
 */
#ifndef SPT_CMDLINE_H
#define SPT_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5/mft_abi.h"

#define SPT_DEFAULT_MEM_MB 512
#define SPT_MIN_MEM_MB     2
#define SPT_MAX_DEVICES    (MFT_MAX_ENTRIES - 1)
#define SPT_DEFAULT_SECTOR 512

enum dev_kind { DEV_BLOCK, DEV_NET };

/* One --block:NAME=… or --net:NAME=… with its modifiers. */
struct dev_opt {
    enum dev_kind kind;
    char name[MFT_NAME_SIZE];
    const char *value;    /* PATH, IFACE or @FD, as given */
    int fd;               /* --net:NAME=@FD: FD; else -1 */
    uint32_t sector_size; /* --block-sector-size:NAME=N; default 512 */
    bool has_sector_size;
    bool readonly;        /* --block-ro:NAME=PATH */
    bool has_mac;         /* --net-mac:NAME=MAC given */
    uint8_t mac[6];
};

struct spt_opts {
    uint64_t mem_size; /* bytes */
    bool exec_heap;    /* --x-exec-heap */
    bool print_policy; /* --x-print-policy */
    bool no_extensions; /* --x-no-extensions: present what Solo5 does */
    bool dumpcore;     /* --x-dumpcore: keep the inherited core limit */
    bool hugepages;    /* --x-hugepages: transparent huge pages for guest */
    bool supervise;    /* --x-supervise: report forbidden calls */
    const char *user;  /* --x-user=USER: run the guest as USER */
    bool help, version;
    unsigned ndev;
    struct dev_opt dev[SPT_MAX_DEVICES];
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

/* Join the guest words with single spaces into buf (SPT_CMDLINE_SIZE). */
int cmdline_guest(const struct spt_opts *opts, char *buf, size_t size);

/* Parse "xx:xx:xx:xx:xx:xx". */
int cmdline_parse_mac(const char *s, uint8_t mac[6]);

const char *cmdline_kind_option(enum dev_kind kind); /* "--block", "--net" */

extern const char cmdline_usage[];

#endif /* SPT_CMDLINE_H */
