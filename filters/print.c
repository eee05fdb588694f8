/*
 * print.c: the allowlist for humans (solo5-spt --x-print-policy).
 */
#include <inttypes.h>

#include "policy.h"

static void arg_print(const struct policy_arg *a, FILE *out)
{
    switch (a->cmp) {
    case POLICY_EQ:
        fprintf(out, "%s == %" PRIu64, a->name, a->value);
        break;
    case POLICY_LE:
        fprintf(out, "%s <= %" PRIu64, a->name, a->value);
        break;
    case POLICY_MASKED_EQ:
        fprintf(out, "(%s & 0x%" PRIx64 ") == %" PRIu64, a->name, a->mask,
                a->value);
        break;
    }
}

void policy_print(const struct policy *p, const struct policy_bpf *bpf,
                  FILE *out)
{
    fprintf(out, "seccomp allowlist: %zu rules, %u BPF instructions\n", p->n,
            bpf ? bpf->prog.len : 0);
    fprintf(out, "default: %s; i386 and x32 calls: kill the process; "
            "no_new_privs set\n",
            p->notify ? "stop the call and notify the supervisor, which "
                        "kills the process (SIGSYS)"
                      : "kill the process (SIGSYS)");
    for (size_t i = 0; i < p->n; i++) {
        const struct policy_rule *r = &p->rules[i];

        fprintf(out, "allow %s(%d)", r->call, r->nr);
        for (unsigned j = 0; j < r->nargs; j++) {
            fputs(j == 0 ? " if " : " && ", out);
            arg_print(&r->arg[j], out);
        }
        fprintf(out, "    # %s\n", r->why);
    }
}
