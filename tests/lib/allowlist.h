/*
 * allowlist.h: the seccomp allowlist a run of the tender would install,
 * read from --x-print-policy=json (never from the text for humans), and
 * the questions tests ask of it. Used from cmocka tests only; link with
 * -ljansson.
 */
#ifndef SPT_TEST_ALLOWLIST_H
#define SPT_TEST_ALLOWLIST_H

#include <stdint.h>
#include <jansson.h>

/* One condition on an argument of a rule: "name op value". */
struct allowlist_cond {
    const char *name; /* "fd", "count", "offset", ... */
    const char *op;   /* "==", "<=", "masked==" */
    uint64_t value;
};

/*
 * Run the tender with --x-print-policy=json and words (its options and
 * KERNEL, NULL-terminated); it must exit 0 with nothing on stderr and one
 * JSON document, and nothing else, on stdout. To free with json_decref.
 */
json_t *allowlist_load(const char *const *words);

/*
 * The first rule allowing call whose reason is why (NULL: any) and whose
 * arguments meet every condition of conds (ended by a name NULL; NULL:
 * none); NULL if there is none.
 */
const json_t *allowlist_rule(const json_t *policy, const char *call,
                             const char *why,
                             const struct allowlist_cond *conds);

/*
 * The value that the first rule allowing call for why requires argument
 * arg to equal, as in the descriptor of a device:
 * allowlist_eq(p, "pread64", "storage", "fd"). Fails the test if there is
 * no such rule or condition.
 */
uint64_t allowlist_eq(const json_t *policy, const char *call, const char *why,
                      const char *arg);

#endif /* SPT_TEST_ALLOWLIST_H */
