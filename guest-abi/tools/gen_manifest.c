/*
 * mft_tool.c: solo5-spt-mft, the manifest tool of the SDK.
 *
 *   gen MANIFEST.json OUTPUT.c   the MFT1 note as a C source to link in
 *   query-abi BINARY             the ABI1 note of any Solo5 binary, as JSON
 *   query-manifest BINARY        the manifest of any Solo5 binary, as JSON
 *
 * JSON is parsed and printed with jansson; binaries are read through the
 * loader, the same code the tender trusts.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>

#include "loader.h"

#ifndef SPT_VERSION
#define SPT_VERSION "unknown"
#endif

static const char usage[] =
    "Usage: solo5-spt-mft gen MANIFEST.json OUTPUT.c\n"
    "       solo5-spt-mft query-abi BINARY\n"
    "       solo5-spt-mft query-manifest BINARY\n"
    "\n"
    "gen             compile a Solo5 JSON manifest into the C source of its\n"
    "                MFT1 note, to be linked into the unikernel\n"
    "query-abi       print the ABI1 note of a Solo5 executable as JSON\n"
    "query-manifest  print the manifest of a Solo5 executable as JSON\n"
    "\n"
    "A manifest looks like:\n"
    "  {\"type\": \"solo5.manifest\", \"version\": 1, \"devices\": [\n"
    "    {\"name\": \"storage\", \"type\": \"BLOCK_BASIC\"},\n"
    "    {\"name\": \"service\", \"type\": \"NET_BASIC\"}]}\n"
    "Device names are 1 to 67 letters and digits, unique; at most 63.\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
    va_list ap;

    fputs("solo5-spt-mft: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > MFT_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

static uint32_t device_type(const char *s)
{
    if (strcmp(s, "BLOCK_BASIC") == 0)
        return MFT_DEV_BLOCK_BASIC;
    if (strcmp(s, "NET_BASIC") == 0)
        return MFT_DEV_NET_BASIC;
    return 0;
}

static void device_parse(const char *file, size_t i, json_t *dev,
                         struct mft *m)
{
    struct mft_entry *e = &m->e[i + 1];
    const char *key, *name, *type;
    json_t *val;

    if (!json_is_object(dev))
        fail("%s: devices[%zu] is not an object", file, i);
    json_object_foreach(dev, key, val)
    {
        if (strcmp(key, "name") != 0 && strcmp(key, "type") != 0)
            fail("%s: devices[%zu]: unknown key \"%s\"", file, i, key);
    }
    name = json_string_value(json_object_get(dev, "name"));
    type = json_string_value(json_object_get(dev, "type"));
    if (name == NULL) /* jansson refuses \u0000 inside strings */
        fail("%s: devices[%zu]: \"name\" must be a string", file, i);
    if (!name_ok(name))
        fail("%s: devices[%zu]: name \"%s\" must be 1 to %d letters and "
             "digits", file, i, name, MFT_NAME_MAX);
    if (type == NULL || device_type(type) == 0)
        fail("%s: devices[%zu] (%s): \"type\" must be \"BLOCK_BASIC\" or "
             "\"NET_BASIC\"", file, i, name);
    for (size_t k = 1; k <= i; k++)
        if (strcmp(m->e[k].name, name) == 0)
            fail("%s: devices[%zu]: name \"%s\" is used twice", file, i, name);
    strcpy(e->name, name);
    e->type = device_type(type);
}

/* JSON → a validated manifest, entry 0 reserved. */
static size_t manifest_parse(const char *file, struct mft *m)
{
    json_error_t jerr;
    json_t *root, *devices, *val;
    const char *key;
    size_t n;

    root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        fail("%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
    if (!json_is_object(root))
        fail("%s: the manifest must be a JSON object", file);
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "type") && strcmp(key, "version") &&
            strcmp(key, "devices"))
            fail("%s: unknown key \"%s\"", file, key);
    }
    val = json_object_get(root, "type");
    if (!json_is_string(val) ||
        strcmp(json_string_value(val), "solo5.manifest") != 0)
        fail("%s: \"type\" must be \"solo5.manifest\"", file);
    val = json_object_get(root, "version");
    if (!json_is_integer(val) || json_integer_value(val) != MFT_VERSION)
        fail("%s: \"version\" must be %d", file, MFT_VERSION);
    devices = json_object_get(root, "devices");
    if (!json_is_array(devices))
        fail("%s: \"devices\" must be an array", file);
    n = json_array_size(devices);
    if (n > MFT_MAX_ENTRIES - 1)
        fail("%s: %zu devices, at most %d allowed", file, n,
             MFT_MAX_ENTRIES - 1);
    m->version = MFT_VERSION;
    m->entries = (uint32_t)n + 1;
    m->e[0].type = MFT_RESERVED_FIRST;
    for (size_t i = 0; i < n; i++)
        device_parse(file, i, json_array_get(devices, i), m);
    json_decref(root);
    return MFT_SIZE(m->entries);
}

static void note_emit(FILE *out, const uint8_t *bytes, size_t size)
{
    for (size_t i = 0; i < size; i++)
        fprintf(out, "%s0x%02x,%s", i % 12 ? " " : "    ", bytes[i],
                i % 12 == 11 || i + 1 == size ? "\n" : "");
}

/* The biggest manifest fills the note's descriptor exactly. */
_Static_assert(SOLO5_MFT_NOTE_DESC_MAX >= SOLO5_MFT_NOTE_PAD + MFT_MAX_SIZE,
               "a 64-entry manifest fits the MFT1 note");

static int cmd_gen(const char *json, const char *outname)
{
    static uint8_t note[SOLO5_NOTE_HDR_SIZE + SOLO5_MFT_NOTE_DESC_MAX];
    struct mft *m = (struct mft *)(note + SOLO5_NOTE_HDR_SIZE +
                                   SOLO5_MFT_NOTE_PAD);
    uint32_t hdr[3];
    size_t size = manifest_parse(json, m), total;
    FILE *out;

    hdr[0] = SOLO5_NOTE_NAMESZ;
    hdr[1] = (uint32_t)(SOLO5_MFT_NOTE_PAD + size);
    hdr[2] = SOLO5_NOTE_MANIFEST;
    memcpy(note, hdr, sizeof hdr);
    memcpy(note + sizeof hdr, SOLO5_NOTE_NAME, SOLO5_NOTE_NAMESZ);
    total = SOLO5_NOTE_HDR_SIZE + SOLO5_MFT_NOTE_PAD + size;

    out = fopen(outname, "w");
    if (out == NULL)
        fail("%s: cannot create: %s", outname, strerror(errno));
    /* The JSON path is not echoed: it could hold a comment's end. */
    fprintf(out, "/* A Solo5 MFT1 note, made by solo5-spt-mft gen. */\n");
    fprintf(out, "__attribute__((section(\".note.solo5.manifest\"), "
                 "aligned(8), used))\n"
                 "static const unsigned char solo5_manifest_note[%zu] = {\n",
            total);
    note_emit(out, note, total);
    fprintf(out, "};\n");
    if (fclose(out) != 0)
        fail("%s: write error", outname);
    return 0;
}

static void binary_open(const char *file, struct loader_src *src,
                        struct elf_image *img)
{
    struct loader_err err;
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* FIFO: no wait */

    if (fd == -1)
        fail("%s: cannot open: %s", file, strerror(errno));
    if (loader_src_from_fd(src, fd, file, &err) == -1 ||
        elf_image_read(src, img, &err) == -1)
        fail("%s", err.msg);
}

static void json_print(json_t *j)
{
    if (json_dumpf(j, stdout, JSON_INDENT(4) | JSON_PRESERVE_ORDER) != 0)
        fail("cannot write JSON");
    putchar('\n');
    json_decref(j);
}

static int cmd_query_abi(const char *file)
{
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    uint8_t desc[SOLO5_ABI1_DESC_MAX] = {0};
    struct solo5_abi1 abi;
    size_t size;
    const char *target;
    int rc;

    binary_open(file, &src, &img);
    rc = solo5_note_find(&src, &img, SOLO5_NOTE_ABI, 0, SOLO5_ABI1_DESC_MIN,
                         sizeof desc, desc, sizeof desc, &size, &err);
    if (rc == -1)
        fail("%s", err.msg);
    if (rc == 1)
        fail("%s: no Solo5 ABI1 note: not a Solo5 unikernel", file);
    memcpy(&abi, desc, sizeof abi);
    target = solo5_abi_target_name(abi.abi_target);
    json_print(json_pack("{s:s, s:s?, s:I, s:I}", "type", "solo5.abi",
                         "target", target, "target_id",
                         (json_int_t)abi.abi_target, "version",
                         (json_int_t)abi.abi_version));
    return 0;
}

static int cmd_query_manifest(const char *file)
{
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    struct mft *m = calloc(1, MFT_MAX_SIZE);
    json_t *devices = json_array();
    size_t size;

    if (m == NULL || devices == NULL)
        fail("out of memory");
    binary_open(file, &src, &img);
    if (solo5_manifest_read(&src, &img, m, &size, &err) == -1)
        fail("%s", err.msg);
    for (uint32_t i = 1; i < m->entries; i++) {
        const char *type = mft_type_name(m->e[i].type);
        json_t *dev = json_pack("{s:s, s:s}", "name", m->e[i].name, "type",
                                type ? type : "RESERVED");

        /* jansson refuses a name that is not UTF-8: say so, don't drop it */
        if (dev == NULL || json_array_append_new(devices, dev) == -1)
            fail("%s: manifest entry %u: name is not valid UTF-8", file, i);
    }
    json_print(json_pack("{s:s, s:i, s:o}", "type", "solo5.manifest",
                         "version", (int)m->version, "devices", devices));
    free(m);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("solo5-spt-mft %s\n", SPT_VERSION);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "gen") == 0)
        return cmd_gen(argv[2], argv[3]);
    if (argc == 3 && strcmp(argv[1], "query-abi") == 0)
        return cmd_query_abi(argv[2]);
    if (argc == 3 && strcmp(argv[1], "query-manifest") == 0)
        return cmd_query_manifest(argv[2]);
    fputs(usage, stderr);
    return 1;
}
