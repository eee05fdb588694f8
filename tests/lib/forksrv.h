/*
 * forksrv.h: the fuzzer's side of AFL++'s fork-server protocol, to drive
 * solo5-spt --x-fuzz as afl-fuzz 4.04c does (its src/afl-forkserver.c,
 * include/types.h and include/config.h):
 *
 *   - the server reads requests on descriptor 198 and writes on 199;
 *   - hello: the server writes a 32-bit word of option bits; if it offers
 *     FS_OPT_SHDMEM_FUZZ or FS_OPT_AUTODICT, the fuzzer answers with one
 *     word: FS_OPT_ENABLED, and FS_OPT_SHDMEM_FUZZ if offered. The
 *     dictionary is refused, as afl-fuzz's tools that have no use for it
 *     (afl-showmap, afl-tmin) refuse it;
 *   - per run: the fuzzer writes was_killed (1 if it killed the previous
 *     child on a timeout), the server writes the child's pid, then its raw
 *     wait status (FS_STATUS_STOPPED: a persistent child, kept);
 *   - on a timeout the fuzzer kills the child with SIGKILL itself, then
 *     reads the status;
 *   - the server's environment says __AFL_PERSISTENT=1 if its binary
 *     holds AFL++'s persistent-mode signature, __AFL_DEFER_FORKSRV=1 if it
 *     holds the deferred one, as afl-fuzz says (check_binary);
 *   - the coverage map is SysV shm __AFL_SHM_ID, cleared before each run;
 *     the test case is SysV shm __AFL_SHM_FUZZ_ID (a uint32_t length, the
 *     bytes) or else the server's standard input, a file the fuzzer
 *     rewrites, truncates and seeks back to 0.
 *
 * Nothing here knows solo5-spt: any fork server can be driven. Used from
 * cmocka tests (a failure to talk is reported as -1 with the reason
 * printed, so that a test can assert it).
 */
#ifndef SPT_TEST_FORKSRV_H
#define SPT_TEST_FORKSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FORKSRV_CTL_FD 198
#define FORKSRV_ST_FD  199

#define FS_OPT_ENABLED        0x80000001u
#define FS_OPT_MAPSIZE        0x40000000u
#define FS_OPT_SHDMEM_FUZZ    0x01000000u
#define FS_OPT_AUTODICT       0x10000000u
#define FS_OPT_SET_MAPSIZE(x) (((uint32_t)(x)-1) << 1)
#define FS_OPT_MAX_MAPSIZE    (1u << 23)
#define FS_STATUS_STOPPED     0x137f /* WIFSTOPPED by SIGSTOP */

struct forksrv_opts {
    size_t map_size; /* coverage map of that size (__AFL_SHM_ID); 0: none */
    bool shm_input;  /* test cases in shm (__AFL_SHM_FUZZ_ID), else stdin */
    const char *out; /* the server's stdout and stderr (NULL: /dev/null) */
    const char *afl_map_size; /* AFL_MAP_SIZE in its environment, or NULL */
};

struct forksrv {
    pid_t pid;      /* the server */
    int ctl, st;    /* our ends of 198 (we write) and 199 (we read) */
    uint32_t hello; /* the options the server offered */
    uint8_t *map;   /* the coverage map, or NULL */
    size_t map_size;
    int map_id;
    uint8_t *shm_in; /* the shm test case, or NULL */
    size_t shm_in_size;
    int shm_in_id;
    int in_fd;           /* the server's standard input (a file), or -1 */
    bool last_timed_out; /* sent as was_killed with the next request */
    /* AFL++'s signatures in argv[0]: persistent mode, deferred start */
    bool persistent, deferred;
};

struct forksrv_run {
    pid_t child;    /* the pid the server reported */
    int status;     /* the raw wait status it reported */
    bool timed_out; /* we killed child after the timeout */
};

/*
 * Start argv[0] (argv) as a fork server with descriptors 198 and 199, the
 * map and the input as opts say, and read its hello (answering it when it
 * offers shm test cases). 0, or -1 after saying why.
 */
int forksrv_start(struct forksrv *s, const char *const argv[],
                  const struct forksrv_opts *opts);

/*
 * One run as afl-fuzz makes it: map cleared, input written, request sent
 * (was_killed: whether the last run timed out), pid and status read. A
 * child that has not ended after timeout_ms is killed with SIGKILL and its
 * status read. 0, or -1 (the server did not answer) after saying why.
 */
int forksrv_run(struct forksrv *s, const void *data, size_t len, int timeout_ms,
                struct forksrv_run *r);

/* The same in two halves, to look at the child while it runs: request
 * (map cleared, input written, pid read), then status. */
int forksrv_begin(struct forksrv *s, const void *data, size_t len,
                  pid_t *child);
int forksrv_end(struct forksrv *s, pid_t child, int timeout_ms,
                struct forksrv_run *r);

/*
 * Close our ends of both pipes (end of file for the server) and wait up to
 * timeout_ms for the server to end: its wait status, or -1 if it did not
 * (it is then killed).
 */
int forksrv_close(struct forksrv *s, int timeout_ms);

/* Kill the server (SIGKILL) and reap it; the pipes and maps go too. */
void forksrv_kill(struct forksrv *s);

/* Wait up to timeout_ms for process pid, our child, to end: its wait
 * status, or -1. */
int wait_child(pid_t pid, int timeout_ms);

/* The wait status, as a shell says it ("exit 7", "signal 11", ...). */
const char *status_text(int status);

#endif /* SPT_TEST_FORKSRV_H */
