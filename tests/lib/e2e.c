/*
 * e2e.c: what every end-to-end test shares (see e2e.h).
 */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "e2e.h"
#include "files.h"
#include "solo5/spt_abi.h"

struct e2e_paths e2e;

/* Every path path_in has handed out, freed by e2e_finish. */
static char **paths;
static size_t npaths;

bool e2e_update_golden;
/* The golden copies this run has written (--update-golden), by name. */
static char **written;
static size_t nwritten;

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
    for (size_t i = 0; i < nwritten; i++)
        free(written[i]);
    free(written);
    written = NULL;
    nwritten = 0;
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

#define GOLDEN_DIR "tests/golden"

void print_text(const char *text)
{
    for (size_t n = strlen(text), at = 0; at < n; at += 512)
        print_error("%.*s", (int)(n - at < 512 ? n - at : 512), text + at);
}

bool e2e_golden_args(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--update-golden") == 0)
        e2e_update_golden = true;
    else if (argc != 1)
        return false;
    return true;
}

/* The whole of a file, NUL-terminated, or NULL. */
static char *file_text(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text = NULL;
    size_t size = 0;
    FILE *mem;
    int c;

    if (f == NULL)
        return NULL;
    mem = open_memstream(&text, &size);
    assert_non_null(mem);
    while ((c = getc(f)) != EOF)
        putc(c, mem);
    fclose(f);
    fclose(mem);
    return text;
}

static void golden_write(const char *path, const char *name, const char *text)
{
    FILE *f = fopen(path, "we");
    char **grown;

    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    grown = realloc(written, (nwritten + 1) * sizeof *written);
    assert_non_null(grown);
    written = grown;
    written[nwritten] = strdup(name);
    assert_non_null(written[nwritten++]);
    print_message("wrote %s\n", path);
}

void expect_golden(const char *name, const char *text)
{
    const char *path = path_in(GOLDEN_DIR, name);
    char *golden;
    bool was_written = false;

    for (size_t i = 0; i < nwritten; i++)
        was_written = was_written || strcmp(written[i], name) == 0;
    if (e2e_update_golden && !was_written) {
        golden_write(path, name, text);
        return;
    }
    golden = file_text(path);
    if (golden == NULL)
        fail_msg("no %s: make golden-update writes it", path);
    if (strcmp(golden, text) != 0) {
        const char *now = tmp_path(name);
        const char *argv[] = {"/usr/bin/diff", "-u", "--label", path,
                              "--label", "seen now", path, now, NULL};
        struct run_result r;
        FILE *f = fopen(now, "we");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        run_checked(argv, NULL, &r);
        print_text(r.out);
        print_text(r.err);
        print_error("%s differs from what is seen now (above). If the change "
                    "is meant: make golden-update, and review git diff "
                    "tests/golden.\n",
                    path);
        run_free(&r);
    }
    assert_string_equal(golden, text);
    free(golden);
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

/* ---- /proc/PID/maps, normalised for a golden copy ---- */

struct layout {
    unsigned nloads;
    uint64_t start[8], end[8];
};

static void layout_read(const char *kernel, struct layout *g)
{
    int fd = open(kernel, O_RDONLY | O_CLOEXEC);
    Elf64_Ehdr eh;

    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &eh, sizeof eh, 0), sizeof eh);
    g->nloads = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;

        assert_int_equal(pread(fd, &ph, sizeof ph,
                               (off_t)(eh.e_phoff + i * sizeof ph)),
                         sizeof ph);
        if (ph.p_type != PT_LOAD)
            continue;
        assert_true(g->nloads < 8);
        g->start[g->nloads] = ph.p_vaddr & ~0xfffUL;
        g->end[g->nloads++] = (ph.p_vaddr + ph.p_memsz + 0xfff) & ~0xfffUL;
    }
    close(fd);
}

/*
 * An address in guest memory as the golden copy writes it: the start
 * ("loadN") or end ("loadN.end") of the guest's N-th PT_LOAD segment,
 * "mem_size" for the top of guest memory, otherwise in hex. The copy so
 * holds for any build of the guest, and still says which segment each
 * mapping is.
 */
static void guest_address(const struct layout *g, uint64_t mem_size,
                          uint64_t a, bool end, char *out, size_t size)
{
    for (unsigned i = 0; i < g->nloads; i++)
        if (a == (end ? g->end[i] : g->start[i])) {
            snprintf(out, size, "load%u%s", i, end ? ".end" : "");
            return;
        }
    if (end && a == mem_size)
        snprintf(out, size, "mem_size");
    else
        snprintf(out, size, "0x%lx", (unsigned long)a);
}

/*
 * /proc/PID/maps, one line per mapping, addresses normalised:
 *   guest START-END PERM      guest memory (guest_address)
 *   anonymous PERM SIZE       elsewhere and nameless
 *   [NAME] PERM               the kernel's; [vvar_vclock], split off
 *                             [vvar] by Linux 6.13, is left out so the
 *                             copy holds for older kernels too
 *   anonymous PERM SIZE       shared and anonymous too ("/dev/zero
 *                             (deleted)" to the kernel)
 *   sysv PERM SIZE            SysV shared memory ("/SYSV<key>")
 *   file PERM PATH            anything else mapped from a file
 */
void maps_normalised(pid_t pid, const char *kernel, uint64_t mem_size,
                     char *out, size_t size)
{
    char path[64], line[512];
    struct layout g;
    size_t len = 0;
    FILE *maps;

    layout_read(kernel, &g);
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    maps = fopen(path, "re");
    assert_non_null(maps);
    out[0] = '\0';
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perm[8], name[PATH_MAX] = "", a[32], b[32];
        int at = 0;

        assert_int_equal(sscanf(line, "%lx-%lx %7s %*x %*s %*u %n", &lo, &hi,
                                perm, &at),
                         3);
        assert_true(at > 0);
        sscanf(line + at, "%4095[^\n]", name);
        if (lo >= SPT_HOST_MEM_BASE && hi <= mem_size) {
            guest_address(&g, mem_size, lo, false, a, sizeof a);
            guest_address(&g, mem_size, hi, true, b, sizeof b);
            len += (size_t)snprintf(out + len, size - len, "guest %s-%s %s\n",
                                    a, b, perm);
        } else if (name[0] == '\0') {
            len += (size_t)snprintf(out + len, size - len,
                                    "anonymous %s %lu KiB\n", perm,
                                    (hi - lo) / 1024);
        } else if (strcmp(name, "/dev/zero (deleted)") == 0) {
            len += (size_t)snprintf(out + len, size - len,
                                    "anonymous %s %lu KiB\n", perm,
                                    (hi - lo) / 1024);
        } else if (strncmp(name, "/SYSV", 5) == 0) {
            len += (size_t)snprintf(out + len, size - len, "sysv %s %lu KiB\n",
                                    perm, (hi - lo) / 1024);
        } else if (strcmp(name, "[vvar_vclock]") == 0) {
            continue;
        } else if (name[0] == '[') {
            len += (size_t)snprintf(out + len, size - len, "%s %s\n", name,
                                    perm);
        } else {
            len += (size_t)snprintf(out + len, size - len, "file %s %s\n",
                                    perm, name);
        }
        assert_true(len < size);
    }
    fclose(maps);
}
