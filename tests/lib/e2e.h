/*
 * e2e.h: what every end-to-end test shares: where the build under test
 * is, paths that stay valid, scratch files, and the checks every suite
 * makes of a run of the tender. Used from cmocka tests only.
 */
#ifndef SPT_TEST_E2E_H
#define SPT_TEST_E2E_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "run.h"

/*
 * Absolute paths, set once by e2e_init: a guest's execve, or a copy run
 * as another user, would resolve a relative one from elsewhere.
 */
struct e2e_paths {
    char build[PATH_MAX];  /* $SPT_BUILD, default "build" */
    char tender[PATH_MAX]; /* BUILD/bin/solo5-spt */
    char guests[PATH_MAX]; /* BUILD/tests/guests */
    char tmp[PATH_MAX];    /* a fresh scratch directory of this run */
};

extern struct e2e_paths e2e;

/*
 * The body of an end-to-end test's main(): run tests as the cmocka group
 * NAME, with the build found and a fresh scratch directory
 * spt-NAME.XXXXXX, removed if every test passed (a failed run keeps it to
 * look at). Returns the exit status.
 */
#define e2e_run(name, tests, setup, teardown)                                  \
    e2e_finish(e2e_init(name) == 0                                             \
                   ? cmocka_run_group_tests_name(name, tests, setup, teardown) \
                   : 1)

/* Find the build, make the scratch directory; -1: no. */
int e2e_init(const char *name);
/* Remove the scratch directory if rc is 0; returns rc, or 1 if that fails. */
int e2e_finish(int rc);

/*
 * "DIR/NAME". Each distinct path is allocated once and kept until
 * e2e_finish, so a path stays valid however many others are asked for.
 */
const char *path_in(const char *dir, const char *name);
/* The test guest NAME: "BUILD/tests/guests/NAME.spt". */
const char *guest(const char *name);
/* NAME in the scratch directory. */
const char *tmp_path(const char *name);

/*
 * Golden copies: tests/golden/NAME, relative to the directory make runs
 * in (the top of the tree), holds a reviewed text. expect_golden(NAME,
 * text) checks that text equals it, showing a diff if not; when the test
 * was run with --update-golden (make golden-update), it writes text there
 * instead, for review with `git diff tests/golden`. A copy written once
 * in a run is compared on its next use, so that runs sharing a copy must
 * agree.
 */
extern bool e2e_update_golden;
/* Sets e2e_update_golden from main's words; false if there are others. */
bool e2e_golden_args(int argc, char **argv);
void expect_golden(const char *name, const char *text);

/*
 * /proc/PID/maps of a guest, one line per mapping, addresses normalised
 * (see e2e.c): guest memory after the PT_LOAD segments of the unikernel
 * kernel and its top, mem_size; other mappings by kind, permission and
 * size; the kernel's by name.
 */
void maps_normalised(pid_t pid, const char *kernel, uint64_t mem_size,
                     char *out, size_t size);

/* All of text, as print_error prints it (which keeps 1 KiB of one call). */
void print_text(const char *text);

/* image_make and file_read_exact (files.h), which must succeed. */
void make_image(const char *path, off_t size);
void file_snapshot(const char *path, uint8_t *data, size_t size);

/* Run argv; it must start and end within its timeout. */
void run_checked(const char *const *argv, const struct run_opts *opts,
                 struct run_result *r);
/* The run ended with status; if not, show its output. */
void expect_status(const struct run_result *r, int status);
/*
 * solo5-spt refused to start: status 1, nothing on stdout, exactly one
 * line "solo5-spt: ..." on stderr containing what.
 */
void expect_refusal(const struct run_result *r, const char *what);
/* Run argv (the tender and its words) and expect that refusal. */
void expect_run_refused(const char *const *argv, const char *what);

/* A line of /proc/PID/FILE starting with key, or "" (static buffer). */
const char *proc_line(pid_t pid, const char *file, const char *key);
/*
 * Wait (up to 3 s) until pid runs guest code: its allowlist is installed,
 * which the tender does as its very last act (after wiping, dropping
 * privileges). False if it never did.
 */
bool guest_running(pid_t pid);

#endif /* SPT_TEST_E2E_H */
