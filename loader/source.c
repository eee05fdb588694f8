/*
 * source.c: where the loader's bytes come from, and how it reports.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errf.h"
#include "internal.h"

/*
 * At most this much of the file name goes in a message, so that the cause
 * (at most about 130 bytes) always fits after it.
 */
#define NAME_SHOWN_MAX 240

int loader_fail(struct loader_err *err, const char *name, const char *fmt, ...)
{
    size_t name_len = strlen(name), n;
    va_list ap;

    /* A long path loses its start, which says least about the file. */
    if (name_len > NAME_SHOWN_MAX)
        errf(err->msg, sizeof err->msg, "...%s: ",
             name + name_len - (NAME_SHOWN_MAX - 3));
    else
        errf(err->msg, sizeof err->msg, "%s: ", name);
    n = strlen(err->msg);
    va_start(ap, fmt);
    verrf(err->msg + n, sizeof err->msg - n, fmt, ap);
    va_end(ap);
    return -1;
}

int loader_src_from_fd(struct loader_src *src, int fd, const char *name,
                       struct loader_err *err)
{
    struct stat st;

    if (fstat(fd, &st) == -1)
        return loader_fail(err, name, "cannot stat: %s", strerror(errno));
    if (!S_ISREG(st.st_mode))
        return loader_fail(err, name, "not a regular file");
    src->name = name;
    src->size = (uint64_t)st.st_size;
    src->fd = fd;
    src->buf = NULL;
    return 0;
}

void loader_src_from_buf(struct loader_src *src, const void *buf, size_t size,
                         const char *name)
{
    src->name = name;
    src->size = size;
    src->fd = -1;
    src->buf = buf;
}

bool src_contains(const struct loader_src *src, uint64_t off, uint64_t len)
{
    uint64_t end;

    if (__builtin_add_overflow(off, len, &end))
        return false;
    return end <= src->size;
}

static int pread_full(int fd, uint8_t *dst, uint64_t len, uint64_t off)
{
    while (len > 0) {
        size_t chunk = len > 0x40000000 ? 0x40000000 : (size_t)len;
        ssize_t n = pread(fd, dst, chunk, (off_t)off);

        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        dst += n;
        off += (uint64_t)n;
        len -= (uint64_t)n;
    }
    return 0;
}

int src_read(const struct loader_src *src, void *dst, uint64_t len,
             uint64_t off, const char *what, struct loader_err *err)
{
    if (!src_contains(src, off, len) || off > INT64_MAX)
        return loader_fail(err, src->name,
                           "%s: %llu bytes at offset %llu lie past the end "
                           "of the file (%llu bytes)",
                           what, (unsigned long long)len,
                           (unsigned long long)off,
                           (unsigned long long)src->size);
    if (len == 0)
        return 0;
    if (src->buf) {
        memcpy(dst, src->buf + off, len);
        return 0;
    }
    if (pread_full(src->fd, dst, len, off) == -1)
        return loader_fail(err, src->name, "%s: short read at offset %llu "
                           "(file changed while loading?)",
                           what, (unsigned long long)off);
    return 0;
}
