/*
 * blk_image: the host side of the block guest's pattern, for tests that
 * drive tests/guests/blk.c from a shell script.
 *
 *   blk_image make FILE SIZE SEED   create FILE: SIZE bytes of the pattern
 *   blk_image check FILE SEED       exit 0 when every byte of FILE is the
 *                                   pattern, 1 (naming the first wrong
 *                                   byte) otherwise
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../guests/blk_pattern.h"

static int number(const char *s, uint64_t *out)
{
    char *end;

    *out = strtoull(s, &end, 0);
    return *s == '\0' || *end != '\0' ? -1 : 0;
}

static int make(const char *path, uint64_t size, uint64_t seed)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        return perror(path), 1;
    for (uint64_t i = 0; i < size; i++)
        putc(blk_pattern(i, seed), f);
    if (fclose(f) != 0)
        return perror(path), 1;
    return 0;
}

static int check(const char *path, uint64_t seed)
{
    FILE *f = fopen(path, "rb");
    uint64_t i = 0;
    int c;

    if (f == NULL)
        return perror(path), 1;
    for (; (c = getc(f)) != EOF; i++)
        if (c != blk_pattern(i, seed)) {
            fprintf(stderr,
                    "%s: byte %" PRIu64 " is 0x%02x, expected "
                    "0x%02x\n",
                    path, i, c, blk_pattern(i, seed));
            fclose(f);
            return 1;
        }
    fclose(f);
    if (i == 0) {
        fprintf(stderr, "%s: empty\n", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t size, seed;

    if (argc == 5 && strcmp(argv[1], "make") == 0 &&
        number(argv[3], &size) == 0 && number(argv[4], &seed) == 0)
        return make(argv[2], size, seed);
    if (argc == 4 && strcmp(argv[1], "check") == 0 &&
        number(argv[3], &seed) == 0)
        return check(argv[2], seed);
    fprintf(stderr, "usage: blk_image make FILE SIZE SEED | "
                    "check FILE SEED\n");
    return 1;
}
