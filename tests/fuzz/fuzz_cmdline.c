/*
 * fuzz_cmdline.c: the solo5-spt command line on arbitrary words (libFuzzer
 * harness).
 *
 * The input is split at newlines into the words after "solo5-spt" (so the
 * seeds are readable text), each word in a buffer of its exact length.
 * cmdline_parse must refuse with one line, or accept with every field in
 * range (spec sections 6 and 7); cmdline_guest must then rebuild the
 * guest's words joined by single spaces, writing nothing past them. Every
 * word is also tried as a MAC.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmdline.h"
#include "device.h"
#include "fuzz_check.h"
#include "solo5/spt_abi.h"

#define ERR_SIZE  512 /* what the tender gives cmdline_parse */
#define MAX_WORDS 4096

struct words {
    int argc;
    char **argv; /* argc + 1 entries, NULL-terminated */
};

/* "a\nb\n" is the two words a and b; "a\n\nb" has an empty one between. */
static void words_split(const uint8_t *data, size_t size, struct words *w)
{
    size_t start = 0;

    w->argv = calloc(MAX_WORDS + 2, sizeof *w->argv);
    fuzz_require(w->argv != NULL);
    w->argv[0] = strdup("solo5-spt");
    fuzz_require(w->argv[0] != NULL);
    w->argc = 1;
    while (start < size && w->argc <= MAX_WORDS) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl ? (size_t)(nl - data) : size;
        char *word = malloc(end - start + 1);

        fuzz_require(word != NULL);
        memcpy(word, data + start, end - start);
        word[end - start] = '\0';
        w->argv[w->argc++] = word;
        start = end + 1;
    }
}

static void words_free(struct words *w)
{
    for (int i = 0; i < w->argc; i++)
        free(w->argv[i]);
    free(w->argv);
}

static bool is_pow2(uint64_t x)
{
    return x != 0 && (x & (x - 1)) == 0;
}

/* A MAC accepted is exactly what it prints as. */
static void fuzz_mac(const char *word)
{
    char again[18];
    uint8_t mac[6];

    if (cmdline_parse_mac(word, mac) == -1)
        return;
    fuzz_require(strlen(word) == 17);
    snprintf(again, sizeof again, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0],
             mac[1], mac[2], mac[3], mac[4], mac[5]);
    fuzz_require(strcasecmp(again, word) == 0);
}

static bool is_kind(const struct device_ops *ops)
{
    for (const struct device_ops *const *k = device_kinds; *k; k++)
        if (*k == ops)
            return true;
    return false;
}

static void require_devices(const struct spt_opts *o)
{
    fuzz_require(o->ndevopt <= SPT_MAX_DEVICES);
    for (unsigned i = 0; i < o->ndevopt; i++) {
        const struct dev_opt *d = &o->devopt[i];
        size_t len = strnlen(d->name, sizeof d->name);
        bool block, net;

        fuzz_require(is_kind(d->ops));
        block = strcmp(d->ops->option, "--block") == 0;
        net = strcmp(d->ops->option, "--net") == 0;
        fuzz_require(len >= 1 && len <= MFT_NAME_MAX);
        fuzz_require(d->value != NULL && d->value[0] != '\0');
        fuzz_require(is_pow2(d->sector_size) && d->sector_size >= 512 &&
                     d->sector_size <= 32768);
        fuzz_require(d->has_sector_size || d->sector_size == 512);
        fuzz_require(block || !d->has_sector_size);
        fuzz_require(block || !d->readonly);
        fuzz_require(net || !d->has_mac);
        if (d->has_mac)
            fuzz_require((d->mac[0] & 1) == 0); /* unicast */
        if (net && d->value[0] == '@')
            fuzz_require(d->fd > 2);
        else
            fuzz_require(d->fd == -1);
        for (unsigned j = 0; j < i; j++) {
            fuzz_require(o->devopt[j].ops != d->ops ||
                         strcmp(o->devopt[j].name, d->name) != 0);
            fuzz_require(d->fd == -1 || o->devopt[j].fd != d->fd);
        }
    }
}

/* cmdline_guest's line, read back word by word: each word in turn, single
 * spaces between them, a NUL, and nothing written past it. */
static void require_guest_line(const struct spt_opts *o)
{
    char *buf = malloc(SPT_CMDLINE_SIZE);
    const char *at;

    fuzz_require(buf != NULL);
    memset(buf, 'X', SPT_CMDLINE_SIZE);
    cmdline_guest(o, buf);
    at = buf;
    for (int i = 0; i < o->guest_argc; i++) {
        size_t n = strlen(o->guest_argv[i]);

        if (i > 0)
            fuzz_require(*at++ == ' ');
        fuzz_require((size_t)(at - buf) + n < SPT_CMDLINE_SIZE);
        fuzz_require(memcmp(at, o->guest_argv[i], n) == 0);
        at += n;
    }
    fuzz_require(*at == '\0');
    for (at++; at < buf + SPT_CMDLINE_SIZE; at++)
        fuzz_require(*at == 'X');
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct spt_opts *opts = malloc(sizeof *opts);
    char *err = malloc(ERR_SIZE);
    struct words w;
    int rc, k;

    fuzz_require(opts != NULL && err != NULL);
    words_split(data, size, &w);
    for (int i = 1; i < w.argc; i++)
        fuzz_mac(w.argv[i]);

    rc = cmdline_parse(w.argc, w.argv, opts, err, ERR_SIZE);
    if (rc == -1) {
        fuzz_require_message(err, ERR_SIZE, NULL);
    } else if (!opts->help && !opts->version) {
        fuzz_require(rc == 0);
        fuzz_require(opts->kernel != NULL && opts->kernel[0] != '\0');
        for (k = 1; k < w.argc && w.argv[k] != opts->kernel; k++)
            ;
        fuzz_require(k < w.argc);
        fuzz_require(opts->guest_argv == w.argv + k + 1);
        fuzz_require(opts->guest_argc == w.argc - k - 1);
        fuzz_require(opts->mem_size % (1ULL << 20) == 0);
        fuzz_require(opts->mem_size >= (uint64_t)SPT_MIN_MEM_MB << 20);
        fuzz_require(opts->mem_size <= 1ULL << 47);
        require_devices(opts);
        require_guest_line(opts);
    }
    words_free(&w);
    free(err);
    free(opts);
    return 0;
}
