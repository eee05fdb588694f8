/*
 * elftool.c: the command line of solo5-elftool (also solo5-spt-mft).
 *
 *   gen-manifest MANIFEST.json OUTPUT.c   the MFT1 note as C, to link in
 *   query-abi BINARY                      the ABI1 note, as JSON
 *   query-manifest BINARY                 the manifest, as JSON
 *
 * A missing argument, an extra one or an unknown command is named on one
 * line, then the usage follows; status 1, as Solo5's tool exits.
 */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elftool.h"
#include "errf.h"

const char *elftool_prog = "solo5-elftool";

struct command {
    const char *name;
    int nargs;
    const char *arg_names[2];
    int (*run)(char **args);
};

static int run_gen_manifest(char **args)
{
    return elftool_gen_manifest(args[0], args[1]);
}

static int run_query_abi(char **args)
{
    return elftool_query_abi(args[0]);
}

static int run_query_manifest(char **args)
{
    return elftool_query_manifest(args[0]);
}

static const struct command commands[] = {
    {"gen-manifest", 2, {"MANIFEST.json", "OUTPUT.c"}, run_gen_manifest},
    {"query-abi", 1, {"BINARY"}, run_query_abi},
    {"query-manifest", 1, {"BINARY"}, run_query_manifest},
    /* The former name of gen-manifest in solo5-spt-mft. */
    {"gen", 2, {"MANIFEST.json", "OUTPUT.c"}, run_gen_manifest},
};

static void usage(FILE *out)
{
    const char *p = elftool_prog;

    fprintf(out,
            "Usage: %s gen-manifest MANIFEST.json OUTPUT.c\n"
            "       %s query-abi BINARY\n"
            "       %s query-manifest BINARY\n"
            "\n"
            "gen-manifest    write the C source of the MFT1 note that "
            "declares the\n"
            "                manifest's devices; compile it with "
            "x86_64-solo5-none-static-cc\n"
            "                (or solo5-spt-cc) and link it into the "
            "unikernel\n"
            "query-abi       print the ABI1 note of a Solo5 executable "
            "as JSON\n"
            "query-manifest  print the manifest of a Solo5 executable "
            "as JSON\n"
            "\n"
            "A manifest looks like:\n"
            "  {\"type\": \"solo5.manifest\", \"version\": 1, \"devices\": "
            "[\n"
            "    {\"name\": \"storage\", \"type\": \"BLOCK_BASIC\"},\n"
            "    {\"name\": \"service\", \"type\": \"NET_BASIC\"}]}\n"
            "Device names are 1 to 67 letters and digits, unique; at most "
            "63.\n",
            p, p, p);
}

/* "solo5-elftool: <message>" on one line (errf makes it safe to print). */
static void print_failure(const char *fmt, va_list ap)
{
    char msg[512];

    verrf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "%s: %s\n", elftool_prog, msg);
}

void elftool_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_failure(fmt, ap);
    va_end(ap);
    exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    print_failure(fmt, ap);
    va_end(ap);
    usage(stderr);
    exit(1);
}

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct command *cmd;
    int given = argc - 2;

    if (argc > 0 && argv[0][0] != '\0')
        elftool_prog = basename(argv[0]);
    if (argc < 2)
        usage_fail("missing COMMAND");
    if (strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("%s (solo5-spt) %s\n", elftool_prog, SPT_VERSION);
        return 0;
    }
    cmd = command_find(argv[1]);
    if (cmd == NULL)
        usage_fail("unknown command '%s'", argv[1]);
    if (given < cmd->nargs)
        usage_fail("%s: missing %s", cmd->name, cmd->arg_names[given]);
    if (given > cmd->nargs)
        usage_fail("%s: unexpected argument '%s'", cmd->name,
                   argv[2 + cmd->nargs]);
    return cmd->run(argv + 2);
}
