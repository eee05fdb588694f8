/*
 * errf.h: refusals written as one line into a caller's buffer.
 *
 * The one place messages are made safe to print: file names, device names
 * and options come from the operator or from hostile files, and may hold
 * control characters that would split a message or drive a terminal.
 */
#ifndef SPT_ERRF_H
#define SPT_ERRF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Format into err, replacing control characters so the message stays one
 * line. Returns -1, so that a refusal reads "return errf(err, errlen, ...)".
 */
int errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int verrf(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif /* SPT_ERRF_H */
