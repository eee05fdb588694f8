/*
 * run.h: run a program, capture its output, wait for it with a timeout.
 */
#ifndef SPT_TEST_RUN_H
#define SPT_TEST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_opts {
    int timeout_ms;      /* 0: 30 s; on expiry the child gets SIGKILL */
    bool close_stdout;   /* start the child with fd 1 closed */
    /* Called in the child before exec (open extra fds, setsid, ...). */
    void (*child_setup)(void *arg);
    void *child_arg;
};

struct run_result {
    bool exited;    /* exited normally (else killed by a signal) */
    int status;     /* exit status, or 128 + signal as a shell reports */
    int signal;     /* the terminating signal, or 0 */
    bool timed_out;
    char *out, *err; /* NUL-terminated captured stdout and stderr */
};

/* Run argv[0] with argv; returns -1 if it could not be started. */
int run(const char *const argv[], const struct run_opts *opts,
        struct run_result *r);

/* Start argv without waiting; stdout/stderr go to /dev/null. */
pid_t run_start(const char *const argv[], const struct run_opts *opts);
/* Wait for a started child; same result fields (no output captured). */
int run_wait(pid_t pid, int timeout_ms, struct run_result *r);

void run_free(struct run_result *r);

/* Number of lines of s that contain needle. */
int count_lines_with(const char *s, const char *needle);

#endif /* SPT_TEST_RUN_H */
