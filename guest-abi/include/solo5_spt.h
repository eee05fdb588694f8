/*
 * solo5_spt.h: conveniences of the solo5-spt SDK beyond the Solo5 API.
 *
 * Code that uses them builds only with this SDK, but still runs under
 * either tender: they are implemented on top of solo5_console_write() and
 * solo5_abort() semantics.
 */
#ifndef SOLO5_SPT_H_INCLUDED
#define SOLO5_SPT_H_INCLUDED

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * printf-style formatting: %d %i %u %x %X %o %c %s %p %% with the
 * length modifiers l, ll, z and h/hh; field width, '-' and '0' flags.
 */
int spt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int spt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* To the console; at most 1023 bytes per call. */
int spt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "Solo5: ABORT: FILE:LINE: assertion `EXPR' failed" and exit 255,
 * even under --solo5:quiet. */
void spt_assert_fail(const char *file, int line, const char *expr)
    __attribute__((noreturn));

#define SPT_ASSERT(expr)                                                       \
    ((expr) ? (void)0 : spt_assert_fail(__FILE__, __LINE__, #expr))

/*
 * Fuzzing. Under solo5-spt --x-fuzz (or --x-fuzz-input=FILE), this run's
 * input: true with *data and *len set (the bytes are read-only); false in
 * a normal run, or under the Solo5 tender.
 */
bool spt_fuzz_input(const uint8_t **data, size_t *len);

/*
 * Persistent fuzzing: loop "while (spt_fuzz_next(&data, &len)) { ... }".
 * The first call gives this run's input, as spt_fuzz_input() does; each
 * later one waits for the fuzzer's next input (--x-fuzz-persistent) and is
 * false when there is none, or at once outside persistent mode.
 */
bool spt_fuzz_next(const uint8_t **data, size_t *len);

#endif /* SOLO5_SPT_H_INCLUDED */
