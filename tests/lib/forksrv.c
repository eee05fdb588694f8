/*
 * forksrv.c: the fuzzer's side of AFL++'s fork-server protocol (see
 * forksrv.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/shm.h>
#include <sys/wait.h>

#include "forksrv.h"

/* AFL++'s MAX_FILE: the largest test case, and its shm's room. */
#define MAX_FILE (1024 * 1024)

/* The signatures afl-fuzz looks for in the target (its config.h), with
 * their terminating NUL, and what it then says in the environment. */
static const char persist_sig[] = "##SIG_AFL_PERSISTENT##";
static const char defer_sig[] = "##SIG_AFL_DEFER_FORKSRV##";

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static int say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int say(const char *fmt, ...)
{
    va_list ap;

    fputs("forksrv: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/*
 * A SysV segment of size bytes, attached. It is marked for removal at
 * once, so that a failed test leaves none behind: Linux still lets others
 * attach it by its id while we hold it.
 */
static void *shm_make(size_t size, int *id)
{
    void *addr;

    *id = shmget(IPC_PRIVATE, size, IPC_CREAT | IPC_EXCL | 0600);
    if (*id == -1)
        return NULL;
    addr = shmat(*id, NULL, 0);
    shmctl(*id, IPC_RMID, NULL);
    return addr == (void *)-1 ? NULL : addr;
}

/* An unlinked scratch file: the server's standard input. */
static int input_file(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096];
    int fd;

    snprintf(path, sizeof path, "%s/spt-forksrv-input.XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/*
 * Whether the file path holds each signature, as afl-fuzz's check_binary
 * reads the target; a file that cannot be read holds none.
 */
static void signatures(const char *path, bool *persistent, bool *deferred)
{
    static char buf[1 << 16];
    size_t keep = sizeof defer_sig - 1; /* the longer, less one byte */
    size_t have = 0;
    FILE *f = fopen(path, "re");

    *persistent = *deferred = false;
    while (f) {
        size_t n = fread(buf + have, 1, sizeof buf - have, f);

        if (n == 0)
            break;
        have += n;
        *persistent |=
            memmem(buf, have, persist_sig, sizeof persist_sig) != NULL;
        *deferred |= memmem(buf, have, defer_sig, sizeof defer_sig) != NULL;
        if (have > keep) {
            memmove(buf, buf + have - keep, keep);
            have = keep;
        }
    }
    if (f)
        fclose(f);
}

static void env_id(const char *name, int id)
{
    char value[16];

    if (id < 0) {
        unsetenv(name);
        return;
    }
    snprintf(value, sizeof value, "%d", id);
    setenv(name, value, 1);
}

/* In the child, as afl-fuzz sets up its target (afl_fsrv_start). */
static void __attribute__((noreturn))
server_exec(const struct forksrv *s, const char *const argv[],
            const struct forksrv_opts *o, int ctl_r, int st_w)
{
    int out = o->out ? open(o->out, O_WRONLY | O_CREAT | O_APPEND, 0644)
                     : open("/dev/null", O_WRONLY);
    int in = s->in_fd >= 0 ? s->in_fd : open("/dev/null", O_RDONLY);

    signal(SIGPIPE, SIG_DFL);
    setsid();
    if (out < 0 || in < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
        dup2(in, 0) < 0 || dup2(ctl_r, FORKSRV_CTL_FD) < 0 ||
        dup2(st_w, FORKSRV_ST_FD) < 0)
        _exit(126);
    env_id("__AFL_SHM_ID", s->map ? s->map_id : -1);
    env_id("__AFL_SHM_FUZZ_ID", s->shm_in ? s->shm_in_id : -1);
    if (o->afl_map_size)
        setenv("AFL_MAP_SIZE", o->afl_map_size, 1);
    else
        unsetenv("AFL_MAP_SIZE");
    if (s->persistent)
        setenv("__AFL_PERSISTENT", "1", 1);
    else
        unsetenv("__AFL_PERSISTENT");
    if (s->deferred)
        setenv("__AFL_DEFER_FORKSRV", "1", 1);
    else
        unsetenv("__AFL_DEFER_FORKSRV");
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

/* Exactly 4 bytes within timeout_ms: 0, or -1 (timeout, end, error). */
static int read4(int fd, void *word, int timeout_ms, bool *timed_out)
{
    long deadline = now_ms() + timeout_ms;
    size_t got = 0;

    *timed_out = false;
    while (got < 4) {
        struct pollfd p = {fd, POLLIN, 0};
        long left = deadline - now_ms();
        ssize_t n;

        if (left <= 0) {
            *timed_out = true;
            return -1;
        }
        n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            continue;
        n = read(fd, (char *)word + got, 4 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static int write4(int fd, uint32_t word)
{
    ssize_t n;

    do {
        n = write(fd, &word, 4);
    } while (n < 0 && errno == EINTR);
    return n == 4 ? 0 : -1;
}

int forksrv_start(struct forksrv *s, const char *const argv[],
                  const struct forksrv_opts *o)
{
    int ctl[2], st[2];
    bool timed_out;

    *s = (struct forksrv){.pid = -1,
                          .ctl = -1,
                          .st = -1,
                          .map_id = -1,
                          .shm_in_id = -1,
                          .in_fd = -1};
    /* A write to a server that is gone must fail, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    if (o->map_size) {
        s->map = shm_make(o->map_size, &s->map_id);
        if (s->map == NULL)
            return say("cannot make the coverage map: %s", strerror(errno));
        s->map_size = o->map_size;
    }
    if (o->shm_input) {
        s->shm_in = shm_make(4 + MAX_FILE, &s->shm_in_id);
        if (s->shm_in == NULL)
            return say("cannot make the test case shm: %s", strerror(errno));
        s->shm_in_size = 4 + MAX_FILE;
    } else {
        s->in_fd = input_file();
        if (s->in_fd < 0)
            return say("cannot make the input file: %s", strerror(errno));
    }
    signatures(argv[0], &s->persistent, &s->deferred);
    if (pipe2(ctl, O_CLOEXEC) != 0 || pipe2(st, O_CLOEXEC) != 0)
        return say("pipe2: %s", strerror(errno));
    s->pid = fork();
    if (s->pid < 0)
        return say("fork: %s", strerror(errno));
    if (s->pid == 0)
        server_exec(s, argv, o, ctl[0], st[1]);
    close(ctl[0]);
    close(st[1]);
    s->ctl = ctl[1];
    s->st = st[0];

    if (read4(s->st, &s->hello, 10000, &timed_out) != 0)
        return say("no hello from the server%s", timed_out ? " (timeout)" : "");
    /*
     * One answer to shm test cases or a dictionary offered, or both: the
     * first taken, the second refused, as by afl-fuzz without a use for a
     * dictionary (afl_fsrv_start).
     */
    if ((s->hello & FS_OPT_ENABLED) == FS_OPT_ENABLED &&
        (s->hello & (FS_OPT_SHDMEM_FUZZ | FS_OPT_AUTODICT)) &&
        write4(s->ctl, FS_OPT_ENABLED | (s->hello & FS_OPT_SHDMEM_FUZZ)) != 0)
        return say("cannot answer the hello: %s", strerror(errno));
    return 0;
}

/* Where afl-fuzz puts a test case (write_to_testcase). */
static int input_write(struct forksrv *s, const void *data, size_t len)
{
    uint32_t len32 = (uint32_t)len;

    if (len > MAX_FILE)
        return say("a test case of %zu bytes: more than %d", len, MAX_FILE);
    if (s->shm_in) {
        memcpy(s->shm_in, &len32, 4);
        memcpy(s->shm_in + 4, data, len);
        return 0;
    }
    if (lseek(s->in_fd, 0, SEEK_SET) != 0 ||
        write(s->in_fd, data, len) != (ssize_t)len ||
        ftruncate(s->in_fd, (off_t)len) != 0 ||
        lseek(s->in_fd, 0, SEEK_SET) != 0)
        return say("cannot write the input file: %s", strerror(errno));
    return 0;
}

int forksrv_begin(struct forksrv *s, const void *data, size_t len, pid_t *child)
{
    int32_t pid;
    bool timed_out;

    *child = -1;
    if (s->map)
        memset(s->map, 0, s->map_size);
    if (input_write(s, data, len) != 0)
        return -1;
    if (write4(s->ctl, s->last_timed_out ? 1 : 0) != 0)
        return say("cannot send the request: %s", strerror(errno));
    s->last_timed_out = false;
    if (read4(s->st, &pid, 10000, &timed_out) != 0)
        return say("no child pid from the server%s",
                   timed_out ? " (timeout)" : "");
    if (pid <= 0)
        return say("the server reported child pid %d", (int)pid);
    *child = pid;
    return 0;
}

int forksrv_end(struct forksrv *s, pid_t child, int timeout_ms,
                struct forksrv_run *r)
{
    bool timed_out;

    *r = (struct forksrv_run){.child = child, .status = -1};
    if (read4(s->st, &r->status, timeout_ms, &timed_out) == 0)
        return 0;
    if (!timed_out)
        return say("no status from the server");
    /* A hang: afl-fuzz kills the child, then reads its status. */
    kill(child, SIGKILL);
    r->timed_out = true;
    s->last_timed_out = true;
    if (read4(s->st, &r->status, 10000, &timed_out) != 0)
        return say("no status after killing the hung child %d%s", (int)child,
                   timed_out ? " (timeout)" : "");
    return 0;
}

int forksrv_run(struct forksrv *s, const void *data, size_t len, int timeout_ms,
                struct forksrv_run *r)
{
    pid_t child;

    *r = (struct forksrv_run){.child = -1, .status = -1};
    if (forksrv_begin(s, data, len, &child) != 0)
        return -1;
    return forksrv_end(s, child, timeout_ms, r);
}

int wait_child(pid_t pid, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    int status;

    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);

        if (got == pid)
            return status;
        if (got < 0 && errno != EINTR)
            return -1;
        if (now_ms() >= deadline)
            return -1;
        usleep(1000);
    }
}

static void release(struct forksrv *s)
{
    if (s->ctl >= 0)
        close(s->ctl);
    if (s->st >= 0)
        close(s->st);
    if (s->in_fd >= 0)
        close(s->in_fd);
    if (s->map)
        shmdt(s->map);
    if (s->shm_in)
        shmdt(s->shm_in);
    s->ctl = s->st = s->in_fd = -1;
    s->map = s->shm_in = NULL;
}

int forksrv_close(struct forksrv *s, int timeout_ms)
{
    int status;

    release(s);
    if (s->pid <= 0)
        return -1;
    status = wait_child(s->pid, timeout_ms);
    if (status == -1) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
    }
    s->pid = -1;
    return status;
}

void forksrv_kill(struct forksrv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = -1;
    }
    release(s);
}

const char *status_text(int status)
{
    static char text[64];

    if (status == -1)
        snprintf(text, sizeof text, "none");
    else if (WIFEXITED(status))
        snprintf(text, sizeof text, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(text, sizeof text, "signal %d", WTERMSIG(status));
    else if (WIFSTOPPED(status))
        snprintf(text, sizeof text, "stopped by signal %d (%#x)",
                 WSTOPSIG(status), status);
    else
        snprintf(text, sizeof text, "raw status %#x", status);
    return text;
}
