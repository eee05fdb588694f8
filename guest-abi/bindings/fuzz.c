/*
 * fuzz.c: this run's input, from the fuzzing record (solo5/spt_abi.h).
 *
 * Without the record (a normal run, or the Solo5 tender) there is none.
 * In persistent mode the guest says it is done with an input and waits for
 * the next on the two descriptors the record names.
 */
#include "bindings.h"
#include "sys.h"

static bool given; /* the first input was handed out */

bool spt_fuzz_input(const uint8_t **data, size_t *len)
{
    const volatile uint32_t *length;

    if (spt_ext_fuzz == NULL || spt_ext_fuzz->input == 0)
        return false;
    length = (const volatile uint32_t *)(uintptr_t)spt_ext_fuzz->input;
    *data = (const uint8_t *)(uintptr_t)(spt_ext_fuzz->input + 4);
    /* The fuzzer's length is bounded by the input's room, whoever wrote
     * it. */
    *len = *length < spt_ext_fuzz->input_max ? *length
                                             : spt_ext_fuzz->input_max;
    return true;
}

/* "Done", then wait for "next": 1 means the next input is in place. */
static bool next_input(void)
{
    uint32_t word = 0;
    long n;

    if (spt_ext_fuzz->next_fd < 0 || spt_ext_fuzz->done_fd < 0)
        return false;
    do {
        n = sys_call3(SYS_write, sys_fd(spt_ext_fuzz->done_fd),
                      (uint64_t)(uintptr_t)&word, 4);
    } while (n == -EINTR);
    if (n != 4)
        return false;
    do {
        n = sys_call3(SYS_read, sys_fd(spt_ext_fuzz->next_fd),
                      (uint64_t)(uintptr_t)&word, 4);
    } while (n == -EINTR);
    return n == 4 && word == 1;
}

bool spt_fuzz_next(const uint8_t **data, size_t *len)
{
    if (spt_ext_fuzz == NULL)
        return false;
    if (given && !next_input())
        return false;
    given = true;
    return spt_fuzz_input(data, len);
}
