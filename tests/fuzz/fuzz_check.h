/*
 * fuzz_check.h: the properties every fuzz harness asserts.
 *
 * A sanitizer catches memory errors and undefined behaviour by itself; a
 * harness adds what the library promises beyond that (loader.h and
 * cmdline.h): a refusal comes with one non-empty line, an acceptance
 * means the fields really are in range. A broken promise aborts, which
 * libFuzzer reports as a crash and saves the input.
 */
#ifndef SPT_FUZZ_CHECK_H
#define SPT_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/message.h"

#define FUZZ_FILE_NAME "fuzz.spt" /* the name the loader is given */

#define fuzz_require(cond)                                                     \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, \
                    #cond);                                                    \
            abort();                                                           \
        }                                                                      \
    } while (0)

/*
 * A message the tender prints as "solo5-spt: <msg>": NUL-terminated within
 * its buffer, one line (message.h), and, when prefix is not NULL, starting
 * with it (the loader names the file first).
 */
static inline void fuzz_require_message(const char *msg, size_t cap,
                                        const char *prefix)
{
    size_t len = strnlen(msg, cap);

    fuzz_require(len < cap);
    fuzz_require(message_is_one_line(msg));
    if (prefix != NULL)
        fuzz_require(strncmp(msg, prefix, strlen(prefix)) == 0);
}

#endif /* SPT_FUZZ_CHECK_H */
