/*
 * e2e.c: what every end-to-end test shares (see e2e.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "e2e.h"
#include "files.h"

struct e2e_paths e2e;

/* Every path path_in has handed out, freed by e2e_finish. */
static char **paths;
static size_t npaths;

int e2e_init(const char *name)
{
    const char *build = getenv("SPT_BUILD") ? getenv("SPT_BUILD") : "build";

    if (realpath(build, e2e.build) == NULL) {
        fprintf(stderr, "no build directory %s (SPT_BUILD)\n", build);
        return -1;
    }
    snprintf(e2e.tender, sizeof e2e.tender, "%s/bin/solo5-spt", e2e.build);
    snprintf(e2e.guests, sizeof e2e.guests, "%s/tests/guests", e2e.build);
    if (tmpdir_make(e2e.tmp, name) != 0) {
        fprintf(stderr, "cannot make a scratch directory for %s\n", name);
        return -1;
    }
    return 0;
}

int e2e_finish(int rc)
{
    if (rc == 0 && tmpdir_remove(e2e.tmp) != 0)
        rc = 1;
    for (size_t i = 0; i < npaths; i++)
        free(paths[i]);
    free(paths);
    paths = NULL;
    npaths = 0;
    return rc;
}

const char *path_in(const char *dir, const char *name)
{
    char *path, **grown;

    assert_true(asprintf(&path, "%s/%s", dir, name) >= 0);
    for (size_t i = 0; i < npaths; i++)
        if (strcmp(paths[i], path) == 0) {
            free(path);
            return paths[i];
        }
    grown = realloc(paths, (npaths + 1) * sizeof *paths);
    assert_non_null(grown);
    paths = grown;
    paths[npaths++] = path;
    return path;
}

const char *guest(const char *name)
{
    char file[NAME_MAX + 1];

    snprintf(file, sizeof file, "%s.spt", name);
    return path_in(e2e.guests, file);
}

const char *tmp_path(const char *name)
{
    return path_in(e2e.tmp, name);
}

void make_image(const char *path, off_t size)
{
    assert_int_equal(image_make(path, size), 0);
}

void file_snapshot(const char *path, uint8_t *data, size_t size)
{
    assert_int_equal(file_read_exact(path, data, size), 0);
}

void run_checked(const char *const *argv, const struct run_opts *opts,
                 struct run_result *r)
{
    assert_int_equal(run(argv, opts, r), 0);
    assert_false(r->timed_out);
}

void expect_status(const struct run_result *r, int status)
{
    if (r->status != status)
        print_error("status %d, expected %d\nstdout:\n%s\nstderr:\n%s\n",
                    r->status, status, r->out, r->err);
    assert_int_equal(r->status, status);
}

void expect_refusal(const struct run_result *r, const char *what)
{
    expect_status(r, 1);
    assert_true(r->exited);
    assert_int_equal(count_lines_with(r->err, ""), 1);
    assert_non_null(strstr(r->err, "solo5-spt: "));
    if (strstr(r->err, what) == NULL)
        print_error("stderr: %s (expected '%s')\n", r->err, what);
    assert_non_null(strstr(r->err, what));
    assert_string_equal(r->out, "");
}

void expect_run_refused(const char *const *argv, const char *what)
{
    struct run_result r;

    run_checked(argv, NULL, &r);
    expect_refusal(&r, what);
    run_free(&r);
}

const char *proc_line(pid_t pid, const char *file, const char *key)
{
    static char line[512];
    char path[64];
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    f = fopen(path, "r");
    line[0] = '\0';
    if (f == NULL)
        return line;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, key, strlen(key)) == 0) {
            fclose(f);
            return line;
        }
    fclose(f);
    line[0] = '\0';
    return line;
}

bool guest_running(pid_t pid)
{
    for (int i = 0; i < 300; i++) {
        if (strstr(proc_line(pid, "status", "Seccomp:"), "\t2\n"))
            return true;
        usleep(10000);
    }
    return false;
}
