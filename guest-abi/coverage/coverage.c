/*
 * coverage.c: the coverage runtime of guests built with solo5-spt-cc
 * --fuzz (lib/solo5-spt/solo5_spt_cov.o). Never instrumented itself.
 *
 * The compiler calls it on every edge: gcc's -fsanitize-coverage=trace-pc
 * (the default) calls __sanitizer_cov_trace_pc() at each basic block, and
 * an edge is AFL's "previous block, this block" pair, the blocks named by
 * a hash of the caller's address; clang's trace-pc-guard calls
 * __sanitizer_cov_trace_pc_guard() with a guard per edge, numbered here
 * at start-up. Either way a byte counter of the fuzzer's map goes up by
 * one, skipping 0 when it wraps (AFL++'s "never zero").
 *
 * The map is the one the fuzzing record names (solo5/spt_abi.h). Without
 * the record (a normal run, the Solo5 tender) or without a map, the
 * counters go to a small dummy: the same code, no test on any edge.
 */
#include "bindings.h"

#define DUMMY_BITS 12
/* The largest map used: guard numbers must fit in 32 bits. */
#define MAP_MAX (1ULL << 30)
/* Fibonacci hashing: the top bits of pc * 2^64/phi. */
#define HASH_MUL 0x9e3779b97f4a7c15ULL

static uint8_t dummy[1 << DUMMY_BITS];

/* What every edge reads: where to count, and how (see cov_use). */
static uint8_t *map = dummy;
static uint64_t map_size = sizeof dummy;
static unsigned int shift = 64 - DUMMY_BITS; /* hash to index, trace-pc */
static uint64_t prev;                        /* previous block >> 1 */
static bool persistent;

/* The sections of trace-pc-guard's guards (spt.ld); empty without them. */
extern uint32_t __start___sancov_guards[], __stop___sancov_guards[];

static inline void count(uint8_t *c)
{
    uint8_t v = *c + 1;

    *c = v + (v == 0);
}

void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc(void)
{
    uint64_t cur =
        (uint64_t)(uintptr_t)__builtin_return_address(0) * HASH_MUL >> shift;

    count(&map[cur ^ prev]);
    prev = cur >> 1;
}

void __sanitizer_cov_trace_pc_guard(uint32_t *guard);
void __sanitizer_cov_trace_pc_guard(uint32_t *guard)
{
    count(&map[*guard]);
}

/*
 * Number the guards 1, 2, ..., wrapping below the map's size (0 is
 * AFL's "not an edge"). Clang's module constructors would call this from
 * .init_array, which the bindings never run; spt_cov_start does, once.
 * A second call for numbered guards changes nothing.
 */
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop)
{
    uint32_t n = 0;

    if (start == stop || *start != 0)
        return;
    for (; start < stop; start++) {
        *start = n + 1;
        if (++n == map_size - 1)
            n = 0;
    }
}

/* Count into size bytes at base; size is at least 2. */
static void cov_use(uint8_t *base, uint64_t size)
{
    unsigned int bits = 0;

    while (bits < 63 && (2ULL << bits) <= size)
        bits++;
    map = base;
    map_size = size;
    /* trace-pc's indices have bits bits: below the largest power of two
     * in the map. */
    shift = 64 - bits;
}

void spt_cov_start(const struct spt_ext_fuzz *fuzz, uint64_t mem_size)
{
    cov_use(dummy, sizeof dummy);
    prev = 0;
    persistent = false;
    if (fuzz != NULL) {
        /* The record is read once; no map (0), or one that would
         * overlap guest memory or wrap around, is not used. */
        uint64_t base = fuzz->cov_map, size = fuzz->cov_map_size;

        if (size > MAP_MAX)
            size = MAP_MAX;
        if (base != 0 && base >= mem_size && size >= 2 && base + size > base)
            cov_use((uint8_t *)(uintptr_t)base, size);
        persistent = fuzz->next_fd >= 0 && fuzz->done_fd >= 0;
    }
    __sanitizer_cov_trace_pc_guard_init(__start___sancov_guards,
                                        __stop___sancov_guards);
}

/*
 * A new input. An edge never spans two inputs. In persistent mode the
 * edges from the start to the first input are forgotten, as AFL++'s own
 * runtime forgets them: later inputs of the same child do not take them.
 */
void spt_cov_input(bool first)
{
    prev = 0;
    if (first && persistent)
        for (uint64_t i = 0; i < map_size; i++)
            ((volatile uint8_t *)map)[i] = 0;
}
