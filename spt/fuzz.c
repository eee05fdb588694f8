/*
 * fuzz.c: --x-fuzz, --x-fuzz-persistent, --x-fuzz-input: what a fuzzing
 * run needs before the launch.
 *
 * Under AFL++ (descriptors 198 and 199 open) the launch code becomes its
 * fork server (launch_blob.c). Here: its coverage map attached (SysV shm
 * __AFL_SHM_ID), the test case it writes to shared memory attached
 * read-only (__AFL_SHM_FUZZ_ID), or else a region of our own that the
 * input is read into (from FILE, or from standard input, where AFL++ puts
 * it by default), and for persistent mode the two pipes a guest waits on.
 * The guest finds all of it in its fuzzing record (spt_abi.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>

#include "errf.h"
#include "solo5/spt_abi.h"
#include "tender.h"

/* AFL++'s fork-server options (its include/types.h). */
#define FS_OPT_ENABLED     0x80000001u
#define FS_OPT_MAPSIZE     0x40000000u
#define FS_OPT_SHDMEM_FUZZ 0x01000000u
#define FS_OPT_MAX_MAPSIZE (1u << 23)

/*
 * The part of AFL++'s map a guest counts in, and the size the hello
 * reports: AFL++ clears and scans as much as we report on every run, and
 * afl-fuzz 4.04c attaches 8 MiB. 64 KiB is AFL++'s own default size; a
 * guest with more edges than that shares counters between some of them.
 */
#define FUZZ_MAP_MAX (64 * 1024)

static uint32_t fs_opt_set_mapsize(uint64_t size)
{
    return (uint32_t)((size - 1) << 1);
}

/* An shm segment AFL++ named in variable name: attached, and its size. */
static int shm_attach(const char *name, int flags, void **addr,
                      size_t *size, char *err, size_t errlen)
{
    const char *value = getenv(name);
    struct shmid_ds ds;
    uint64_t id;

    if (cmdline_parse_number(value, INT32_MAX, &id) == -1)
        return errf(err, errlen, "%s=%s: not a shared memory id", name,
                    value);
    *addr = shmat((int)id, NULL, flags);
    if (*addr == (void *)-1 || shmctl((int)id, IPC_STAT, &ds) == -1)
        return errf(err, errlen, "%s=%s: cannot attach the shared memory: "
                    "%s", name, value, strerror(errno));
    *size = ds.shm_segsz;
    return 0;
}

/* Up to max bytes of fd into the input region; more is refused. */
static int input_read(struct fuzz *f, int fd, const char *what, char *err,
                      size_t errlen)
{
    uint8_t *data = f->input + 4;
    size_t max = SPT_FUZZ_INPUT_MAX, len = 0;
    uint32_t len32;
    char extra;

    for (;;) {
        ssize_t n = read(fd, data + len, max - len);

        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            return errf(err, errlen, "%s: cannot read: %s", what,
                        strerror(errno));
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == max) {
            if (read(fd, &extra, 1) > 0)
                return errf(err, errlen, "%s: more than the %d bytes a "
                            "fuzzing input may have", what,
                            SPT_FUZZ_INPUT_MAX);
            break;
        }
    }
    len32 = (uint32_t)len;
    memcpy(f->input, &len32, sizeof len32);
    return 0;
}

static int input_from_file(struct fuzz *f, const char *path, char *err,
                           size_t errlen)
{
    /* O_NONBLOCK: a FIFO must be refused, not waited on. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), rc;
    struct stat st;

    if (fd == -1)
        return errf(err, errlen, "--x-fuzz-input=%s: cannot open: %s", path,
                    strerror(errno));
    if (fstat(fd, &st) == -1) {
        errf(err, errlen, "--x-fuzz-input=%s: cannot stat: %s", path,
             strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return errf(err, errlen, "--x-fuzz-input=%s: not a regular file",
                    path);
    }
    rc = input_read(f, fd, path, err, errlen);
    close(fd);
    return rc;
}

/* The region the input is read into: shared, so that the fork server can
 * fill it for each child, and read-only for the guest. The kernel rounds
 * its size up to whole pages. */
static int input_region(struct fuzz *f, char *err, size_t errlen)
{
    f->input_size = 4 + SPT_FUZZ_INPUT_MAX;
    f->input = mmap(NULL, f->input_size, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (f->input == MAP_FAILED)
        return errf(err, errlen, "cannot map the fuzzing input: %s",
                    strerror(errno));
    f->input_ours = true;
    return 0;
}

/* Persistent mode: the child writes "done" on one pipe, reads "next" on
 * the other; the server renews both for every child. */
static int pipes_open(struct fuzz *f, char *err, size_t errlen)
{
    int done[2], next[2];

    if (pipe2(done, O_CLOEXEC) == -1 || pipe2(next, O_CLOEXEC) == -1)
        return errf(err, errlen, "cannot make the persistent-mode pipes: %s",
                    strerror(errno));
    f->done_r = done[0];
    f->done_w = done[1];
    f->next_r = next[0];
    f->next_w = next[1];
    return 0;
}

bool fuzz_serving(const struct spt_opts *opts)
{
    return opts->fuzz && opts->fuzz_input == NULL &&
           fcntl(LAUNCH_FORKSRV_CTL, F_GETFD) != -1 &&
           fcntl(LAUNCH_FORKSRV_ST, F_GETFD) != -1;
}

int fuzz_setup(struct tender *t, char *err, size_t errlen)
{
    struct fuzz *f = &t->fuzz;
    const struct spt_opts *o = &t->opts;
    size_t size;
    void *addr;

    *f = (struct fuzz){.done_r = -1, .done_w = -1, .next_r = -1,
                       .next_w = -1};
    if (!o->fuzz && !o->fuzz_input)
        return 0;
    f->on = true;
    f->serve = fuzz_serving(o);
    if (getenv("__AFL_SHM_ID")) {
        if (shm_attach("__AFL_SHM_ID", 0, &addr, &size, err, errlen))
            return -1;
        f->cov_map = addr;
        f->cov_size = size < FUZZ_MAP_MAX ? size : FUZZ_MAP_MAX;
    }
    if (f->serve && getenv("__AFL_SHM_FUZZ_ID")) {
        if (shm_attach("__AFL_SHM_FUZZ_ID", SHM_RDONLY, &addr, &size, err,
                       errlen))
            return -1;
        if (size < 4)
            return errf(err, errlen, "__AFL_SHM_FUZZ_ID: a segment of %zu "
                        "bytes holds no test case", size);
        f->input = addr;
        f->input_size = size;
        f->shm_input = true;
    } else if (input_region(f, err, errlen) == -1) {
        return -1;
    }
    if (o->fuzz_input && input_from_file(f, o->fuzz_input, err, errlen))
        return -1;
    if (!o->fuzz_input && !f->serve && !o->print_policy &&
        input_read(f, 0, "standard input", err, errlen) == -1)
        return -1;
    if (f->serve && o->fuzz_persistent && pipes_open(f, err, errlen) == -1)
        return -1;
    /* One run: the guest only reads its input. The server's children
     * protect their own view of it. */
    if (f->input_ours && !f->serve &&
        mprotect(f->input, f->input_size, PROT_READ) == -1)
        return errf(err, errlen, "cannot protect the fuzzing input: %s",
                    strerror(errno));
    return 0;
}

uint32_t fuzz_hello(const struct fuzz *f)
{
    uint32_t hello = FS_OPT_ENABLED;

    if (f->cov_map && f->cov_size > 1 && f->cov_size <= FS_OPT_MAX_MAPSIZE)
        hello |= FS_OPT_MAPSIZE | fs_opt_set_mapsize(f->cov_size);
    if (f->shm_input)
        hello |= FS_OPT_SHDMEM_FUZZ;
    return hello;
}
