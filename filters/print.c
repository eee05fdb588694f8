/*
 * print.c: the allowlist for humans and for programs (solo5-spt
 * --x-print-policy[=json]). Call names come from libseccomp's table.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <jansson.h>
#include <seccomp.h>

#include "policy.h"

static const char *const cmp_ops[] = {
    [POLICY_EQ] = "==",
    [POLICY_LE] = "<=",
    [POLICY_MASKED_EQ] = "masked==",
};

char *policy_call_name(int nr)
{
    return seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
}

static const char *default_action(const struct policy *p)
{
    return p->notify ? "notify" : "kill_process";
}

static void arg_print(const struct policy_arg *a, FILE *out)
{
    if (a->cmp == POLICY_MASKED_EQ)
        fprintf(out, "(%s & 0x%" PRIx64 ") == %" PRIu64, a->name, a->mask,
                a->value);
    else
        fprintf(out, "%s %s %" PRIu64, a->name, cmp_ops[a->cmp], a->value);
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
        char *name = policy_call_name(r->nr);

        fprintf(out, "allow %s(%d)", name ? name : "unknown", r->nr);
        free(name);
        for (unsigned j = 0; j < r->nargs; j++) {
            fputs(j == 0 ? " if " : " && ", out);
            arg_print(&r->arg[j], out);
        }
        fprintf(out, "    # %s\n", r->why);
    }
}

/* A mask is a bit pattern, written in hex as a string: it may use all 64
 * bits, which JSON integers (jansson's are signed) cannot hold. */
static json_t *arg_json(const struct policy_arg *a)
{
    json_t *arg = json_pack("{s:i, s:s, s:s, s:I}", "index", (int)a->index,
                            "name", a->name, "op", cmp_ops[a->cmp], "value",
                            (json_int_t)a->value);
    char mask[19];

    if (arg == NULL || a->cmp != POLICY_MASKED_EQ)
        return arg;
    snprintf(mask, sizeof mask, "0x%016" PRIx64, a->mask);
    if (json_object_set_new(arg, "mask", json_string(mask)) != 0) {
        json_decref(arg);
        return NULL;
    }
    return arg;
}

static json_t *rule_json(const struct policy_rule *r)
{
    char *name = policy_call_name(r->nr);
    json_t *args = json_array(), *rule = NULL;

    for (unsigned j = 0; args && j < r->nargs; j++)
        if (json_array_append_new(args, arg_json(&r->arg[j])) != 0)
            goto out;
    rule = json_pack("{s:s, s:i, s:O, s:s}", "call", name ? name : "unknown",
                     "nr", r->nr, "args", args, "why", r->why);
out:
    json_decref(args);
    free(name);
    return rule;
}

/* The program as the kernel gets it, an instruction a line: "code jt jf k"
 * in hex, so that a golden copy pins every byte and still reads as text. */
static json_t *bpf_json(const struct policy_bpf *bpf)
{
    json_t *insns = json_array();
    char text[32];

    for (unsigned i = 0; insns && bpf && i < bpf->prog.len; i++) {
        const struct sock_filter *f = &bpf->prog.filter[i];

        snprintf(text, sizeof text, "%04x %02x %02x %08x", f->code, f->jt,
                 f->jf, f->k);
        if (json_array_append_new(insns, json_string(text)) != 0) {
            json_decref(insns);
            return NULL;
        }
    }
    return insns;
}

/*
 * One JSON object: the default action, the rules in order, the program's
 * length and the program itself. Argument values are the unsigned numbers
 * the rules compare with (fds, sizes, offsets, all below 2^63).
 */
int policy_print_json(const struct policy *p, const struct policy_bpf *bpf,
                      FILE *out)
{
    json_t *rules = json_array(), *doc;
    int rc;

    for (size_t i = 0; rules && i < p->n; i++)
        if (json_array_append_new(rules, rule_json(&p->rules[i])) != 0) {
            json_decref(rules);
            return -ENOMEM;
        }
    doc = json_pack("{s:s, s:s, s:b, s:i, s:o, s:o*}", "default",
                    default_action(p), "other_abis", "kill_process",
                    "no_new_privs", 1, "bpf_instructions",
                    bpf ? (int)bpf->prog.len : 0, "rules", rules, "bpf",
                    bpf_json(bpf));
    if (doc == NULL)
        return -ENOMEM;
    rc = json_dumpf(doc, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF)
        return -EIO;
    return 0;
}
