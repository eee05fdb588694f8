/*
 * run.c: run a program, capture its output, wait for it with a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "run.h"

struct buf {
    char *data;
    size_t len, cap;
};

static void buf_append(struct buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL)
            abort();
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void child_exec(const char *const argv[], const struct run_opts *o,
                       int out_fd, int err_fd)
{
    if (out_fd >= 0)
        dup2(out_fd, 1);
    if (err_fd >= 0)
        dup2(err_fd, 2);
    if (o && o->close_stdout)
        close(1);
    if (o && o->child_setup)
        o->child_setup(o->child_arg);
    execv(argv[0], (char *const *)argv);
    _exit(127);
}

static void result_of(int wstatus, struct run_result *r)
{
    r->exited = WIFEXITED(wstatus);
    r->signal = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
    r->status = r->exited ? WEXITSTATUS(wstatus) : 128 + r->signal;
}

/* Read both pipes until they close or the deadline passes. */
static void collect(int fds[2], struct buf out[2], long deadline,
                    bool *timed_out)
{
    int open_count = 2;

    while (open_count > 0) {
        struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        long left = deadline - now_ms();
        char chunk[4096];

        if (left <= 0) {
            *timed_out = true;
            return;
        }
        if (poll(p, 2, (int)left) < 0 && errno != EINTR)
            return;
        for (int i = 0; i < 2; i++) {
            ssize_t n;

            if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(fds[i], chunk, sizeof chunk);
            if (n > 0) {
                buf_append(&out[i], chunk, (size_t)n);
            } else {
                close(fds[i]);
                fds[i] = -1;
                open_count--;
            }
        }
    }
}

int run(const char *const argv[], const struct run_opts *o,
        struct run_result *r)
{
    int out_pipe[2], err_pipe[2], fds[2], wstatus;
    struct buf bufs[2] = {{0}, {0}};
    int timeout = o && o->timeout_ms ? o->timeout_ms : 30000;
    pid_t pid;

    memset(r, 0, sizeof *r);
    if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC))
        return -1;
    pid = fork();
    if (pid == -1)
        return -1;
    if (pid == 0)
        child_exec(argv, o, out_pipe[1], err_pipe[1]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    fds[0] = out_pipe[0];
    fds[1] = err_pipe[0];
    collect(fds, bufs, now_ms() + timeout, &r->timed_out);
    if (r->timed_out)
        kill(pid, SIGKILL);
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    while (waitpid(pid, &wstatus, 0) == -1 && errno == EINTR)
        ;
    result_of(wstatus, r);
    buf_append(&bufs[0], "", 0);
    buf_append(&bufs[1], "", 0);
    r->out = bufs[0].data;
    r->err = bufs[1].data;
    return 0;
}

pid_t run_start(const char *const argv[], const struct run_opts *o)
{
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        child_exec(argv, o, null, null);
    }
    return pid;
}

int run_wait(pid_t pid, int timeout_ms, struct run_result *r)
{
    long deadline = now_ms() + timeout_ms;
    int wstatus;

    memset(r, 0, sizeof *r);
    for (;;) {
        pid_t got = waitpid(pid, &wstatus, WNOHANG);

        if (got == pid)
            break;
        if (got == -1 && errno != EINTR)
            return -1;
        if (now_ms() >= deadline) {
            r->timed_out = true;
            kill(pid, SIGKILL);
            waitpid(pid, &wstatus, 0);
            break;
        }
        usleep(2000);
    }
    result_of(wstatus, r);
    return 0;
}

void run_free(struct run_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

int count_lines_with(const char *s, const char *needle)
{
    int n = 0;

    while (s && *s) {
        const char *eol = strchr(s, '\n');
        size_t len = eol ? (size_t)(eol - s) : strlen(s);
        char *line = strndup(s, len);

        if (line && strstr(line, needle))
            n++;
        free(line);
        s += len + (eol != NULL);
    }
    return n;
}
