/*
 * bench_guest.h: what the benchmark guests share (header-only: each guest
 * is built from one .c file by solo5-spt-cc).
 *
 * A guest reads its parameters from its command line, makes its operations
 * in BENCH_BATCHES batches, each timed with the guest's own monotonic
 * clock, and prints one line per batch, "ops N ns T": T nanoseconds for N
 * operations. The runner takes the median batch, so that a batch in which
 * the guest was preempted does not count.
 */
#ifndef BENCH_GUEST_H
#define BENCH_GUEST_H

#include "solo5.h"
#include "solo5_spt.h"

/* The next space-separated word of *p, as a decimal number (0 if none). */
static inline uint64_t bench_arg(const char **p)
{
    uint64_t v = 0;

    while (**p == ' ')
        (*p)++;
    for (; **p >= '0' && **p <= '9'; (*p)++)
        v = v * 10 + (uint64_t)(**p - '0');
    while (**p != '\0' && **p != ' ')
        (*p)++;
    return v;
}

/* The next word, copied into w (at most size - 1 characters). */
static inline void bench_word(const char **p, char *w, size_t size)
{
    size_t n = 0;

    while (**p == ' ')
        (*p)++;
    while (**p != '\0' && **p != ' ') {
        if (n + 1 < size)
            w[n++] = **p;
        (*p)++;
    }
    w[n] = '\0';
}

#define BENCH_BATCHES 50

static inline void bench_report(uint64_t ops, const solo5_time_t *ns)
{
    for (int i = 0; i < BENCH_BATCHES; i++)
        spt_printf("ops %llu ns %llu\n", (unsigned long long)ops,
                   (unsigned long long)ns[i]);
}

#endif /* BENCH_GUEST_H */
