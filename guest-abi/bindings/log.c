/*
 * log.c: the console and the bindings' own "Solo5:" lines.
 */
#include "bindings.h"
#include "sys.h"

enum spt_log_level spt_log_level = LOG_INFO;

void solo5_console_write(const char *buf, size_t size)
{
    /* Best effort: a short write or an error loses output, nothing else. */
    (void)sys_call3(SYS_write, 1, (uint64_t)(uintptr_t)buf, size);
}

/* "Solo5: " + the formatted message, cut to one buffer. */
static size_t log_format(char *line, size_t size, const char *prefix,
                         const char *fmt, va_list ap)
{
    size_t n = (size_t)spt_snprintf(line, size, "%s", prefix);

    n += (size_t)spt_vsnprintf(line + n, size - n, fmt, ap);
    return n < size ? n : size - 1;
}

void spt_log(enum spt_log_level level, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    size_t n;

    if (level > spt_log_level)
        return;
    va_start(ap, fmt);
    n = log_format(line, sizeof line, "Solo5: ", fmt, ap);
    va_end(ap);
    solo5_console_write(line, n);
}

/* ABORT lines are printed at every log level, --solo5:quiet included. */
void spt_abort(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    n = log_format(line, sizeof line - 1, "Solo5: ABORT: ", fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    solo5_console_write(line, n);
    sys_call3(SYS_exit_group, SOLO5_EXIT_ABORT, 0, 0);
    __builtin_unreachable();
}
