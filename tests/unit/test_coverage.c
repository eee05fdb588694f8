/*
 * test_coverage.c: the guests' coverage runtime (guest-abi/coverage),
 * compiled for the host and driven directly: which map it counts in for
 * which fuzzing record (the record is hostile: a map it must not use
 * leaves the map untouched), how trace-pc and trace-pc-guard count, how
 * the guards are numbered, and what a new input resets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "solo5/spt_abi.h"

void spt_cov_start(const struct spt_ext_fuzz *fuzz, uint64_t mem_size);
void spt_cov_input(bool first);
void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc_guard(uint32_t *guard);
void __sanitizer_cov_trace_pc_guard_init(uint32_t *start, uint32_t *stop);

#define NGUARDS 10
/* What clang's trace-pc-guard makes: the linker gives the bounds. */
static uint32_t guards[NGUARDS]
    __attribute__((section("__sancov_guards"), used));

static uint8_t map[8192];

static struct spt_ext_fuzz record(uint64_t cov_map, uint64_t size)
{
    return (struct spt_ext_fuzz){
        .h = {SPT_EXT_FUZZ_MAGIC, sizeof(struct spt_ext_fuzz)},
        .cov_map = cov_map,
        .cov_map_size = size,
        .next_fd = -1,
        .done_fd = -1,
    };
}

static uint64_t map_addr(void)
{
    return (uint64_t)(uintptr_t)map;
}

/*
 * Blocks at call sites of their own: a block is known by the address its
 * call returns to (the empty asm after each call keeps it a call, not a
 * jump from which the runtime would see its caller's caller).
 */
#define AFTER_CALL __asm__ __volatile__("")

static __attribute__((noinline)) void block_a(void)
{
    __sanitizer_cov_trace_pc();
    AFTER_CALL;
}

static __attribute__((noinline)) void block_b(void)
{
    __sanitizer_cov_trace_pc();
    AFTER_CALL;
}

#define BLOCK   __sanitizer_cov_trace_pc()
#define BLOCKS8 BLOCK, BLOCK, BLOCK, BLOCK, BLOCK, BLOCK, BLOCK, BLOCK
/* 64 calls, each from a place of its own. */
static __attribute__((noinline)) void blocks64(void)
{
    BLOCKS8, BLOCKS8, BLOCKS8, BLOCKS8, BLOCKS8, BLOCKS8, BLOCKS8, BLOCKS8;
    AFTER_CALL;
}

static unsigned long counted(const uint8_t *m, size_t from, size_t to)
{
    unsigned long sum = 0;

    for (size_t i = from; i < to; i++)
        sum += m[i];
    return sum;
}

/* Every edge is counted once, below the largest power of two that fits. */
static void test_map_used(void **state)
{
    struct spt_ext_fuzz r = record(map_addr(), 1000);

    (void)state;
    memset(map, 0, sizeof map);
    spt_cov_start(&r, 0x10000);
    blocks64();
    assert_int_equal(counted(map, 0, 512), 64);
    assert_int_equal(counted(map, 512, sizeof map), 0);
    /* Without a map the same edges go elsewhere. */
    spt_cov_start(NULL, 0x10000);
    blocks64();
    assert_int_equal(counted(map, 0, sizeof map), 64);
}

/* A map the record names but the runtime must not use stays untouched. */
static void test_map_refused(void **state)
{
    const struct {
        uint64_t base, size, mem_size;
    } bad[] = {
        {0, sizeof map, 0x10000},                 /* no map */
        {map_addr(), 0, 0x10000},                 /* empty */
        {map_addr(), 1, 0x10000},                 /* too small to count */
        {map_addr(), sizeof map, map_addr() + 1}, /* inside guest memory */
        {0, sizeof map, 0},                       /* no map, even so */
        {UINT64_MAX - 4095, 8192, 0x10000},       /* wraps around */
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct spt_ext_fuzz r = record(bad[i].base, bad[i].size);

        memset(map, 0, sizeof map);
        spt_cov_start(&r, bad[i].mem_size);
        blocks64();
        for (uint32_t *g = guards; g < guards + NGUARDS; g++)
            __sanitizer_cov_trace_pc_guard(g);
        assert_int_equal(counted(map, 0, sizeof map), 0);
    }
}

/* A map larger than the runtime ever uses: only its first GiB is
 * written (a write above it would fault: nothing is mapped there). */
static void test_map_capped(void **state)
{
    size_t gib = 1UL << 30;
    uint8_t *big = mmap(NULL, gib, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    struct spt_ext_fuzz r;

    (void)state;
    assert_true(big != MAP_FAILED);
    r = record((uint64_t)(uintptr_t)big, 1ULL << 40);
    spt_cov_start(&r, 0x10000);
    for (int i = 0; i < 64; i++)
        blocks64();
    spt_cov_start(NULL, 0x10000);
    munmap(big, gib);
}

/* An edge is this block and the one before: a new input has none. */
static void test_input_resets_edge(void **state)
{
    struct spt_ext_fuzz r = record(map_addr(), sizeof map);
    uint8_t first[sizeof map];

    (void)state;
    memset(map, 0, sizeof map);
    spt_cov_start(&r, 0x10000);
    block_a();
    memcpy(first, map, sizeof map);
    block_b();
    memset(map, 0, sizeof map);
    block_a(); /* after b: another edge */
    assert_memory_not_equal(map, first, sizeof map);
    block_b();
    spt_cov_input(false);
    memset(map, 0, sizeof map);
    block_a(); /* after the start of an input: the first edge again */
    assert_memory_equal(map, first, sizeof map);
}

/* In persistent mode the first input forgets the edges before it. */
static void test_input_clears_persistent(void **state)
{
    struct spt_ext_fuzz r = record(map_addr(), sizeof map);

    (void)state;
    spt_cov_start(&r, 0x10000);
    memset(map, 0xaa, sizeof map);
    spt_cov_input(true); /* not persistent: kept */
    assert_int_equal(counted(map, 0, sizeof map), 0xaa * sizeof map);
    r.next_fd = 5;
    r.done_fd = 6;
    spt_cov_start(&r, 0x10000);
    memset(map, 0xaa, sizeof map);
    spt_cov_input(false);
    assert_int_equal(counted(map, 0, sizeof map), 0xaa * sizeof map);
    spt_cov_input(true);
    assert_int_equal(counted(map, 0, sizeof map), 0);
}

/* Guards are numbered 1, 2, ... below the map's size, once. */
static void test_guards(void **state)
{
    struct spt_ext_fuzz r = record(map_addr(), 5);
    const uint32_t want[NGUARDS] = {1, 2, 3, 4, 1, 2, 3, 4, 1, 2};

    (void)state;
    memset(guards, 0, sizeof guards);
    memset(map, 0, sizeof map);
    spt_cov_start(&r, 0x10000);
    assert_memory_equal(guards, want, sizeof want);
    __sanitizer_cov_trace_pc_guard_init(guards, guards + NGUARDS);
    assert_memory_equal(guards, want, sizeof want);
    r.cov_map_size = sizeof map;
    spt_cov_start(&r, 0x10000); /* numbered already: kept */
    assert_memory_equal(guards, want, sizeof want);

    __sanitizer_cov_trace_pc_guard(&guards[2]);
    __sanitizer_cov_trace_pc_guard(&guards[6]);
    assert_int_equal(map[3], 2);
    assert_int_equal(counted(map, 0, sizeof map), 2);
    /* A counter that wraps skips 0: the edge stays seen. */
    for (int i = 0; i < 254; i++)
        __sanitizer_cov_trace_pc_guard(&guards[2]);
    assert_int_equal(map[3], 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_used),
        cmocka_unit_test(test_map_refused),
        cmocka_unit_test(test_map_capped),
        cmocka_unit_test(test_input_resets_edge),
        cmocka_unit_test(test_input_clears_persistent),
        cmocka_unit_test(test_guards),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
