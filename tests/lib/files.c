/*
 * files.c: scratch files for tests.
 */
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>

#include "files.h"

int tmpdir_make(char *out, const char *name)
{
    const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    snprintf(out, PATH_MAX, "%s/spt-%s.XXXXXX", base, name);
    return mkdtemp(out) ? 0 : -1;
}

static int remove_one(const char *path, const struct stat *st, int type,
                      struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

int tmpdir_remove(const char *dir)
{
    return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int image_make(const char *path, off_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc;

    if (fd < 0)
        return -1;
    rc = ftruncate(fd, size);
    close(fd);
    return rc;
}

int file_copy(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    char buf[65536];
    ssize_t n;

    if (in < 0)
        return -1;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0)
        goto done;
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            goto done;
    rc = n == 0 && fchmod(out, mode) == 0 ? 0 : -1;
done:
    close(in);
    if (out >= 0)
        close(out);
    return rc;
}

int file_read_exact(const char *path, uint8_t *out, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t got = 0;
    struct stat st;
    ssize_t n = 1;

    if (fd < 0)
        return -1;
    while (got < size && (n = read(fd, out + got, size - got)) > 0)
        got += (size_t)n;
    if (fstat(fd, &st) != 0 || got != size || (size_t)st.st_size != size) {
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}
