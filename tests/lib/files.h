/*
 * files.h: scratch files for tests: temporary directories, disk images,
 * copies.
 */
#ifndef SPT_TEST_FILES_H
#define SPT_TEST_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Make a fresh /tmp/spt-NAME.XXXXXX (or under $TMPDIR); out: PATH_MAX. */
int tmpdir_make(char *out, const char *name);
/* Remove dir and everything below it. */
int tmpdir_remove(const char *dir);
/* Create (or truncate) path as size zero bytes. */
int image_make(const char *path, off_t size);
/* Copy a file; the copy gets mode (programs copied where others reach). */
int file_copy(const char *from, const char *to, mode_t mode);
/* Read exactly size bytes of a file that has exactly that size. */
int file_read_exact(const char *path, uint8_t *out, size_t size);

#endif /* SPT_TEST_FILES_H */
