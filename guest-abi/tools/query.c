/*
 * query.c: solo5-elftool query-abi and query-manifest.
 *
 * The binary is read through the loader, the code the tender trusts, and
 * the JSON is printed as Solo5's solo5-elftool prints it, byte for byte:
 * two-space indents, one device per line. Two differences only where
 * Solo5's would not be JSON: a device name that is not plain text (only a
 * hand-made manifest has one) is printed with \u escapes, and reserved
 * entries after the first leave no dangling comma.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "elftool.h"

static void binary_open(const char *file, struct loader_src *src,
                        struct elf_image *img)
{
    struct loader_err err;
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* FIFO: no wait */

    if (fd == -1)
        elftool_fail("%s: cannot open: %s", file, strerror(errno));
    if (loader_src_from_fd(src, fd, file, &err) == -1 ||
        elf_image_read(src, img, &err) == -1)
        elftool_fail("%s", err.msg);
}

static void output_flush(void)
{
    if (fflush(stdout) != 0 || ferror(stdout))
        elftool_fail("cannot write the output: %s", strerror(errno));
}

int elftool_query_abi(const char *file)
{
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    uint8_t desc[SOLO5_ABI1_DESC_MAX] = {0};
    struct solo5_abi1 abi;
    const char *target;
    size_t size;
    int rc;

    binary_open(file, &src, &img);
    rc = solo5_note_find(&src, &img, SOLO5_NOTE_ABI, 0, SOLO5_ABI1_DESC_MIN,
                         sizeof desc, desc, sizeof desc, &size, &err);
    if (rc == -1)
        elftool_fail("%s", err.msg);
    if (rc == 1)
        elftool_fail("%s: no Solo5 ABI1 note: not a Solo5 executable", file);
    memcpy(&abi, desc, sizeof abi);
    target = solo5_abi_target_name(abi.abi_target);
    printf("{\n"
           "  \"type\": \"solo5.abi\",\n"
           "  \"target\": \"%s\",\n"
           "  \"version\": %u\n"
           "}\n",
           target ? target : "unknown", abi.abi_version);
    output_flush();
    elf_image_free(&img);
    close(src.fd);
    return 0;
}

/* A JSON string of the name's bytes: quotes, backslashes and every byte
 * outside printable ASCII escaped. */
static void json_string_print(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void devices_print(const struct mft *m)
{
    const char *sep = "";

    for (uint32_t i = 0; i < m->entries; i++) {
        if (m->e[i].type >= MFT_RESERVED_FIRST)
            continue;
        printf("%s    { \"name\": ", sep);
        json_string_print(m->e[i].name);
        printf(", \"type\": \"%s\" }", mft_type_name(m->e[i].type));
        sep = ",\n";
    }
    if (*sep != '\0')
        putchar('\n');
}

int elftool_query_manifest(const char *file)
{
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    struct mft *m = calloc(1, MFT_MAX_SIZE);
    size_t size;

    if (m == NULL)
        elftool_fail("out of memory");
    binary_open(file, &src, &img);
    if (solo5_manifest_read(&src, &img, m, &size, &err) == -1)
        elftool_fail("%s", err.msg);
    printf("{\n"
           "  \"type\": \"solo5.manifest\",\n"
           "  \"version\": %u,\n"
           "  \"devices\": [\n",
           m->version);
    devices_print(m);
    printf("  ]\n"
           "}\n");
    output_flush();
    free(m);
    elf_image_free(&img);
    close(src.fd);
    return 0;
}
