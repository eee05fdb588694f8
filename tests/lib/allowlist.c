/*
 * allowlist.c: the allowlist as --x-print-policy=json gives it (see
 * allowlist.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "allowlist.h"
#include "e2e.h"

json_t *allowlist_load(const char *const *words)
{
    const char *argv[64] = {e2e.tender, "--x-print-policy=json"};
    size_t n = 2;
    struct run_result r;
    json_error_t error;
    json_t *policy;

    for (; *words; words++) {
        assert_true(n < sizeof argv / sizeof argv[0] - 1);
        argv[n++] = *words;
    }
    argv[n] = NULL;
    run_checked(argv, NULL, &r);
    expect_status(&r, 0);
    assert_string_equal(r.err, "");
    /* Anything after the document, such as guest output, is an error. */
    policy = json_loads(r.out, 0, &error);
    if (policy == NULL)
        print_error("--x-print-policy=json, line %d: %s\n%s\n", error.line,
                    error.text, r.out);
    assert_non_null(policy);
    assert_true(json_is_array(json_object_get(policy, "rules")));
    run_free(&r);
    return policy;
}

static bool string_is(const json_t *object, const char *key, const char *want)
{
    const char *s = json_string_value(json_object_get(object, key));

    return s != NULL && strcmp(s, want) == 0;
}

/* The argument of rule called name compared by op; NULL if none. */
static const json_t *arg_find(const json_t *rule, const char *name,
                              const char *op)
{
    const json_t *args = json_object_get(rule, "args");

    for (size_t i = 0; i < json_array_size(args); i++) {
        const json_t *arg = json_array_get(args, i);

        if (string_is(arg, "name", name) && string_is(arg, "op", op) &&
            json_is_integer(json_object_get(arg, "value")))
            return arg;
    }
    return NULL;
}

static uint64_t arg_value(const json_t *arg)
{
    return (uint64_t)json_integer_value(json_object_get(arg, "value"));
}

static bool rule_meets(const json_t *rule, const struct allowlist_cond *c)
{
    const json_t *arg = arg_find(rule, c->name, c->op);

    return arg != NULL && arg_value(arg) == c->value;
}

const json_t *allowlist_rule(const json_t *policy, const char *call,
                             const char *why,
                             const struct allowlist_cond *conds)
{
    const json_t *rules = json_object_get(policy, "rules");

    for (size_t i = 0; i < json_array_size(rules); i++) {
        const json_t *rule = json_array_get(rules, i);
        bool meets = string_is(rule, "call", call) &&
                     (why == NULL || string_is(rule, "why", why));

        for (const struct allowlist_cond *c = conds; meets && c && c->name; c++)
            meets = rule_meets(rule, c);
        if (meets)
            return rule;
    }
    return NULL;
}

uint64_t allowlist_eq(const json_t *policy, const char *call, const char *why,
                      const char *arg)
{
    const json_t *a =
        arg_find(allowlist_rule(policy, call, why, NULL), arg, "==");

    if (a == NULL) {
        print_error("no rule allowing %s for '%s' if %s == ...\n", call,
                    why ? why : "any reason", arg);
        fail();
    }
    return arg_value(a);
}
