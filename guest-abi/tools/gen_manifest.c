/*
 * gen_manifest.c: solo5-elftool gen-manifest, a Solo5 JSON manifest to the
 * C source of its MFT1 note.
 *
 * The C is the one Solo5's solo5-elftool writes: it defines MFT_ENTRIES,
 * includes "mft_abi.h" and declares the note with MFT1_NOTE_DECLARE_BEGIN
 * and _END, so it compiles with Solo5's headers as with ours. The JSON is
 * checked here, stricter than Solo5 does (unique names, known types), so
 * that a bad manifest is refused on one line rather than by the compiler.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>

#include "loader.h"
#include "elftool.h"

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

/* The type named s (the loader's names, which start at 1), or 0. */
static uint32_t device_type(const char *s)
{
    for (uint32_t t = 1; mft_type_name(t) != NULL; t++)
        if (strcmp(s, mft_type_name(t)) == 0)
            return t;
    return 0;
}

static void device_parse(const char *file, size_t i, json_t *dev, struct mft *m)
{
    struct mft_entry *e = &m->e[i + 1];
    const char *key, *name, *type;
    json_t *val;

    if (!json_is_object(dev))
        elftool_fail("%s: devices[%zu] is not an object", file, i);
    json_object_foreach(dev, key, val)
    {
        if (strcmp(key, "name") != 0 && strcmp(key, "type") != 0)
            elftool_fail("%s: devices[%zu]: unknown key \"%s\"", file, i, key);
    }
    name = json_string_value(json_object_get(dev, "name"));
    type = json_string_value(json_object_get(dev, "type"));
    if (name == NULL) /* jansson refuses \u0000 inside strings */
        elftool_fail("%s: devices[%zu]: \"name\" must be a string", file, i);
    if (!name_ok(name))
        elftool_fail(
            "%s: devices[%zu]: name \"%s\" must be 1 to %d letters and "
            "digits",
            file, i, name, MFT_NAME_MAX);
    if (type == NULL || device_type(type) == 0)
        elftool_fail(
            "%s: devices[%zu] (%s): \"type\" must be \"BLOCK_BASIC\" or "
            "\"NET_BASIC\"",
            file, i, name);
    for (size_t k = 1; k <= i; k++)
        if (strcmp(m->e[k].name, name) == 0)
            elftool_fail("%s: devices[%zu]: name \"%s\" is used twice", file, i,
                         name);
    strcpy(e->name, name);
    e->type = device_type(type);
}

/* JSON → a validated manifest, entry 0 reserved. */
static void manifest_parse(const char *file, struct mft *m)
{
    json_error_t jerr;
    json_t *root, *devices, *val;
    const char *key;
    size_t n;

    root = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL && jerr.line < 1) /* not read at all */
        elftool_fail("%s: %s", file, jerr.text);
    if (root == NULL)
        elftool_fail("%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
    if (!json_is_object(root))
        elftool_fail("%s: the manifest must be a JSON object", file);
    json_object_foreach(root, key, val)
    {
        if (strcmp(key, "type") && strcmp(key, "version") &&
            strcmp(key, "devices"))
            elftool_fail("%s: unknown key \"%s\"", file, key);
    }
    val = json_object_get(root, "type");
    if (!json_is_string(val) ||
        strcmp(json_string_value(val), "solo5.manifest") != 0)
        elftool_fail("%s: \"type\" must be \"solo5.manifest\"", file);
    val = json_object_get(root, "version");
    if (!json_is_integer(val) || json_integer_value(val) != MFT_VERSION)
        elftool_fail("%s: \"version\" must be %d", file, MFT_VERSION);
    devices = json_object_get(root, "devices");
    if (!json_is_array(devices))
        elftool_fail("%s: \"devices\" must be an array", file);
    n = json_array_size(devices);
    if (n > MFT_MAX_ENTRIES - 1)
        elftool_fail("%s: %zu devices, at most %d allowed", file, n,
                     MFT_MAX_ENTRIES - 1);
    m->version = MFT_VERSION;
    m->entries = (uint32_t)n + 1;
    m->e[0].type = MFT_RESERVED_FIRST;
    for (size_t i = 0; i < n; i++)
        device_parse(file, i, json_array_get(devices, i), m);
    json_decref(root);
}

/* The manifest's devices as the C that declares its note. */
static void note_write(FILE *out, const struct mft *m)
{
    /* The JSON path is not echoed: it could hold a comment's end. */
    fprintf(out,
            "/* The MFT1 note of a Solo5 manifest, written by "
            "solo5-elftool gen-manifest (solo5-spt %s). */\n\n",
            SPT_VERSION);
    fprintf(out, "#define MFT_ENTRIES %u\n#include \"mft_abi.h\"\n\n",
            m->entries);
    fprintf(out, "MFT1_NOTE_DECLARE_BEGIN\n{\n");
    fprintf(out, "  .version = MFT_VERSION, .entries = %u,\n  .e = {\n",
            m->entries);
    fprintf(out, "    { .name = \"\", .type = MFT_RESERVED_FIRST },\n");
    for (uint32_t i = 1; i < m->entries; i++)
        fprintf(out, "    { .name = \"%s\", .type = MFT_DEV_%s },\n",
                m->e[i].name, mft_type_name(m->e[i].type));
    fprintf(out, "  }\n}\nMFT1_NOTE_DECLARE_END\n");
}

int elftool_gen_manifest(const char *json, const char *out_c)
{
    struct mft *m = calloc(1, MFT_MAX_SIZE);
    struct stat st;
    bool regular;
    FILE *out;

    if (m == NULL)
        elftool_fail("out of memory");
    manifest_parse(json, m);
    out = fopen(out_c, "w");
    if (out == NULL)
        elftool_fail("%s: cannot create: %s", out_c, strerror(errno));
    note_write(out, m);
    /* No half-written source left for make to take as up to date (but a
     * device or a pipe named as the output is not ours to remove). */
    regular = fstat(fileno(out), &st) == 0 && S_ISREG(st.st_mode);
    if ((ferror(out) | fclose(out)) != 0) {
        if (regular)
            remove(out_c);
        elftool_fail("%s: write error", out_c);
    }
    free(m);
    return 0;
}
