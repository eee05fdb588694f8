/*
 * fuzz: a unikernel to fuzz, with a bug planted in it.
 *
 * It parses "TL" documents, a small length-prefixed record format:
 *
 *   'T' 'L' VERSION COUNT    a header: version 1, then COUNT records,
 *   TYPE LENGTH VALUE...     each a type byte, a length byte, and LENGTH
 *                            bytes of value, up to the end of the input:
 *
 *   'n'  a name, at most 32 bytes
 *   'i'  an unsigned integer, 1 to 8 bytes, little-endian
 *   'l'  a list of byte values, which are added up
 *   'b'  a blob, kept in a buffer of 64 bytes: an encoding byte, then
 *        'r' the data, or 'h' a tag byte, a flags byte and the data
 *
 * The 'h' blob has the bug (see blob()): AFL++ finds it from the seeds in
 * examples/fuzz/seeds, none of which has an 'h' blob (make fuzz-demo).
 *
 * Built with solo5-spt-cc --fuzz and run by AFL++ through solo5-spt
 * --x-fuzz (or --x-fuzz-persistent), it parses each input it is given and
 * exits 0 if the last one is a document, 2 if not; so it does for the one
 * input of --x-fuzz-input=FILE. Run without them, it parses a sample of
 * its own and prints what it holds.
 */
#include "solo5.h"
#include "solo5_spt.h"

#define NAME_MAX 32
#define BLOB_MAX 64

struct doc {
    unsigned int records;
    char name[NAME_MAX + 1];
    uint64_t integer;
    unsigned int sum;
    uint8_t blob[BLOB_MAX];
    size_t blob_len;
    uint8_t blob_tag, blob_flags;
};

static int blob(struct doc *d, const uint8_t *v, int len)
{
    int n;

    if (len < 1)
        return -1;
    switch (v[0]) {
    case 'r':
        n = len - 1;
        if (n > BLOB_MAX)
            return -1;
        __builtin_memcpy(d->blob, v + 1, (size_t)n);
        break;
    case 'h':
        /*
         * THE BUG: a value of 1 or 2 bytes has no room for the tag and
         * the flags, n is negative, the check lets it through, and as a
         * size_t it is huge: the copy runs off the end of memory
         * (SIGSEGV). The fix: if (len < 3) return -1.
         */
        n = len - 3;
        if (n > BLOB_MAX)
            return -1;
        d->blob_tag = v[1];
        d->blob_flags = v[2];
        __builtin_memcpy(d->blob, v + 3, (size_t)n);
        break;
    default:
        return -1;
    }
    d->blob_len = (size_t)n;
    return 0;
}

static int record(struct doc *d, uint8_t type, const uint8_t *v, int len)
{
    switch (type) {
    case 'n':
        if (len > NAME_MAX)
            return -1;
        __builtin_memcpy(d->name, v, (size_t)len);
        d->name[len] = '\0';
        return 0;
    case 'i':
        if (len < 1 || len > 8)
            return -1;
        d->integer = 0;
        for (int i = len - 1; i >= 0; i--)
            d->integer = d->integer << 8 | v[i];
        return 0;
    case 'l':
        for (int i = 0; i < len; i++)
            d->sum += v[i];
        return 0;
    case 'b':
        return blob(d, v, len);
    default:
        return -1;
    }
}

/* 0 if p holds a whole document, -1 if not. */
static int parse(struct doc *d, const uint8_t *p, size_t size)
{
    size_t at = 4;
    unsigned int count;

    *d = (struct doc){.records = 0};
    if (size < 4 || p[0] != 'T' || p[1] != 'L' || p[2] != 1)
        return -1;
    count = p[3];
    while (d->records < count) {
        uint8_t type;
        int len;

        if (size - at < 2)
            return -1;
        type = p[at];
        len = p[at + 1];
        at += 2;
        if ((size_t)len > size - at || record(d, type, p + at, len) == -1)
            return -1;
        at += (size_t)len;
        d->records++;
    }
    return at == size ? 0 : -1;
}

/* Four records: the name "hello", the integer 1337, a list adding up to 6
 * and a raw blob of 4 bytes. */
static const char sample[] = "TL\x01\x04"
                             "n\x05hello"
                             "i\x02\x39\x05"
                             "l\x03\x01\x02\x03"
                             "b\x05r\xde\xad\xbe\xef";

int solo5_app_main(const struct solo5_start_info *si)
{
    const uint8_t *data;
    size_t size;
    struct doc d;
    int rc = 0;

    (void)si;
    if (!spt_fuzz_next(&data, &size)) {
        if (parse(&d, (const uint8_t *)sample, sizeof sample - 1) == -1)
            return 1;
        spt_printf("sample: %u records: name \"%s\", integer %llu, "
                   "sum %u, blob of %zu bytes\n",
                   d.records, d.name, (unsigned long long)d.integer, d.sum,
                   d.blob_len);
        return 0;
    }
    do
        rc = parse(&d, data, size) == 0 ? 0 : 2;
    while (spt_fuzz_next(&data, &size));
    return rc;
}
