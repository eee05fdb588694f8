/*
 * bindings.h: internals of the spt bindings, shared by their files.
 *
 * Freestanding: only the compiler's own headers and the SDK's.
 */
#ifndef SPT_BINDINGS_H
#define SPT_BINDINGS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "solo5.h"
#include "solo5_spt.h"
#include "solo5/elf_abi.h"
#include "solo5/mft_abi.h"
#include "solo5/spt_abi.h"

/* start.c: what the tender handed over, read once at start-up. */
extern const struct spt_boot_info *spt_bi;
extern const struct spt_ext_block *spt_ext_block;
extern const struct spt_ext_clock *spt_ext_clock;
extern const struct spt_ext_fuzz *spt_ext_fuzz;

/* log.c: Solo5: lines, filtered by the --solo5: log level. */
enum spt_log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };
extern enum spt_log_level spt_log_level;
void spt_log(enum spt_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* exit.c: print "Solo5: ABORT: <message>" whatever the level, exit 255. */
void spt_abort(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* block.c, clock.c: read their extension records at start-up. */
void spt_block_init(void);
void spt_clock_init(void);

/* The manifest entry of handle h if it is attached and of type, or NULL. */
struct mft_entry *spt_mft_entry(solo5_handle_t h, uint32_t type);
/* Look a device up by name for acquire; NULL if absent or acquired. */
struct mft_entry *spt_mft_acquire(const char *name, uint32_t type,
                                  solo5_handle_t *handle);

size_t spt_strlen(const char *s);
int spt_strcmp(const char *a, const char *b);
int spt_strncmp(const char *a, const char *b, size_t n);

#endif /* SPT_BINDINGS_H */
