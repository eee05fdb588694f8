/*
 * seeds.c: the fuzzers' seed corpus, made at build time from the guests
 * the build produces (binaries are never committed).
 *
 * Usage: fuzz_seeds OUTDIR FILE.spt...
 *
 *   OUTDIR/elf/NAME, OUTDIR/notes/NAME   each guest cut right after its
 *                                        last header, note or segment byte
 *                                        (debug sections would only make
 *                                        every mutation slower)
 *   OUTDIR/notes/NAME.mft                its manifest alone, for
 *                                        mft_validate
 *   OUTDIR/cmdline/line-NN, option-NN    command lines, one word a line:
 *                                        realistic ones, and one per option
 *                                        named in the tender's --help
 *   OUTDIR/cmdline.dict                  those option names, as a libFuzzer
 *                                        dictionary
 *
 * NAME is the guest's path with '/' replaced by '_'. A guest that does not
 * load after the cut stops the build: a seed must start the fuzzers deep
 * inside the loader, not at its first refusal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmdline.h"
#include "loader.h"

#define GUEST_MEM (512ULL << 20) /* the tender's default */

/* Command lines as operators and orchestrators write them. */
static const char *const command_lines[] = {
    "kernel.spt\n",
    "--mem=64\nkernel.spt\nfirst\nsecond word\n",
    "--mem=2\n--x-exec-heap\n--x-print-policy\n--x-no-extensions\n--\n"
    "kernel.spt\n--solo5:debug\n--help\n",
    "--block:storage=disk.img\n--block-sector-size:storage=4096\nblk.spt\n",
    "--block-sector-size:rootfs=32768\n--block:rootfs=/dev/loop0\n"
    "--block:data=data.img\nkernel.spt\n",
    "--net:service=tap0\n--net-mac:service=02:00:00:00:00:01\nnet.spt\n",
    "--net:service=@3\n--net:admin=@4\n--net-mac:admin=0A:1b:2C:3d:4E:5f\n"
    "net2.spt\n",
    /* urunc's shape */
    "--mem=128\n--net:service=tap100\n--net-mac:service=aa:bb:cc:dd:ee:fe\n"
    "--block:storage=/var/lib/urunc/disk\n/unikernel/app.spt\n"
    "--ipv4=10.0.0.2/24\n--ipv4-gateway=10.0.0.1\n",
    "--help\n",
    "--version\n",
    "--mem=1\nkernel.spt\n",
    "--net:service=@2\nkernel.spt\n",
    "--net-mac:service=01:00:5e:00:00:01\n--net:service=tap0\nkernel.spt\n",
    "--\n\n",
    "--net:a=tap0\n--net-mac:a=02:00:00:00:00:01\n--net-mac:a=02:00:00:00:00:"
    "02\n"
    "kernel.spt\n",
};

static int write_file(const char *dir, const char *name, const void *data,
                      size_t size)
{
    char path[4096];
    FILE *f;
    int ok;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    ok = fwrite(data, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "fuzz_seeds: %s: write error\n", path);
    return ok ? 0 : -1;
}

static int make_dir(const char *parent, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", parent, name);
    if (mkdir(out, 0755) == -1 && errno != EEXIST) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", out, strerror(errno));
        return -1;
    }
    return 0;
}

static uint8_t *read_all(const char *path, size_t *size)
{
    struct stat st;
    uint8_t *data;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd == -1 || fstat(fd, &st) == -1) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", path, strerror(errno));
        if (fd != -1)
            close(fd);
        return NULL;
    }
    data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
    if (data == NULL ||
        read(fd, data, (size_t)st.st_size) != (ssize_t)st.st_size) {
        fprintf(stderr, "fuzz_seeds: %s: short read\n", path);
        free(data);
        close(fd);
        return NULL;
    }
    close(fd);
    *size = (size_t)st.st_size;
    return data;
}

/* The end of the last byte anything in the program headers points at. */
static size_t content_end(const struct elf_image *img, uint64_t phoff)
{
    uint64_t end = phoff + img->phnum * sizeof(Elf64_Phdr);

    for (unsigned i = 0; i < img->phnum; i++) {
        const Elf64_Phdr *ph = &img->phdr[i];

        if (ph->p_filesz > 0 && ph->p_offset + ph->p_filesz > end)
            end = ph->p_offset + ph->p_filesz;
    }
    return (size_t)end;
}

/* The whole tender front end accepts the cut guest: open, notes, segments. */
static int loads(const struct loader_src *src, struct mft *mft,
                 size_t *mft_size, struct loader_err *err)
{
    struct elf_image img;
    struct solo5_abi1 abi;
    uint64_t kernel_end;
    int rc;

    if (elf_image_read(src, &img, err) == -1)
        return -1;
    rc = solo5_abi_check(src, &img, &abi, err);
    if (rc == 0)
        rc = solo5_manifest_read(src, &img, mft, mft_size, err);
    if (rc == 0)
        rc = elf_check_segments(src, &img, GUEST_MEM, &kernel_end, err);
    elf_image_free(&img);
    return rc;
}

static int guest_seeds(const char *path, const char *elf_dir,
                       const char *notes_dir, struct mft *mft)
{
    char name[512], mft_name[520];
    struct loader_src src;
    struct elf_image img;
    struct loader_err err;
    size_t size, cut, mft_size = 0;
    Elf64_Ehdr eh;
    uint8_t *data = read_all(path, &size);
    int rc = -1;

    if (data == NULL)
        return -1;
    snprintf(name, sizeof name, "%s", path);
    for (char *p = name; *p; p++)
        if (*p == '/')
            *p = '_';
    snprintf(mft_name, sizeof mft_name, "%s.mft", name);

    loader_src_from_buf(&src, data, size, path);
    if (elf_image_read(&src, &img, &err) == -1)
        goto refused;
    memcpy(&eh, data, sizeof eh);
    cut = content_end(&img, eh.e_phoff);
    elf_image_free(&img);
    if (cut > size)
        cut = size;
    loader_src_from_buf(&src, data, cut, path);
    if (loads(&src, mft, &mft_size, &err) == -1)
        goto refused;
    rc = write_file(elf_dir, name, data, cut) |
         write_file(notes_dir, name, data, cut) |
         write_file(notes_dir, mft_name, mft, mft_size);
    free(data);
    return rc;
refused:
    fprintf(stderr, "fuzz_seeds: not a seed: %s\n", err.msg);
    free(data);
    return -1;
}

/*
 * The limits, too long to write out: 63 devices and one more, and a guest
 * command line of 8191 characters and one more.
 */
static int limit_seeds(const char *cmdline_dir)
{
    char line[16384];
    size_t len;
    int rc = 0;

    for (int devices = 63; devices <= 64; devices++) {
        len = 0;
        for (int i = 0; i < devices; i++)
            len += (size_t)snprintf(line + len, sizeof line - len,
                                    "--block:d%d=disk%d.img\n", i, i);
        len += (size_t)snprintf(line + len, sizeof line - len, "kernel.spt\n");
        rc |= write_file(
            cmdline_dir,
            devices == 63 ? "limit-63-devices" : "limit-64-devices", line, len);
    }
    for (int extra = 0; extra <= 1; extra++) {
        /* "kernel.spt\n" then words of 99 characters and a space each. */
        len = (size_t)snprintf(line, sizeof line, "kernel.spt\n");
        for (int i = 0; i < 81; i++) {
            memset(line + len, 'a' + i % 26, 99);
            len += 99;
            line[len++] = '\n';
        }
        /* 81 * 100 - 1 = 8099 so far; 92 more reach 8191 exactly. */
        memset(line + len, 'z', 91 + extra);
        len += 91 + extra;
        rc |= write_file(cmdline_dir,
                         extra ? "limit-cmdline-8192" : "limit-cmdline-8191",
                         line, len);
    }
    return rc;
}

/*
 * The options --help names ("--mem=", "--block:", "--x-exec-heap", ...):
 * each becomes a dictionary entry and a seed, so that options added later
 * are fuzzed without anyone updating a list here.
 */
static int option_seeds(const char *cmdline_dir, const char *dict_path)
{
    FILE *dict = fopen(dict_path, "w");
    const char *p = cmdline_usage();
    unsigned n = 0;
    int rc = 0;

    if (dict == NULL) {
        fprintf(stderr, "fuzz_seeds: %s: %s\n", dict_path, strerror(errno));
        return -1;
    }
    while ((p = strstr(p, "--")) != NULL) {
        size_t len = 2;
        char opt[64], seed[128], name[32];

        while (p[len] == '-' || (p[len] >= 'a' && p[len] <= 'z') ||
               (p[len] >= '0' && p[len] <= '9'))
            len++;
        if (p[len] == ':' || p[len] == '=')
            len++;
        if (len > 2 && len < sizeof opt) {
            memcpy(opt, p, len);
            opt[len] = '\0';
            fprintf(dict, "\"%s\"\n", opt);
            snprintf(seed, sizeof seed, "%s%s\nkernel.spt\n", opt,
                     opt[len - 1] == ':' ? "dev=value" : "");
            snprintf(name, sizeof name, "option-%02u", n++);
            rc |= write_file(cmdline_dir, name, seed, strlen(seed));
        }
        p += len;
    }
    if (fclose(dict) != 0)
        rc = -1;
    return rc;
}

int main(int argc, char **argv)
{
    char elf_dir[4096], notes_dir[4096], cmdline_dir[4096], dict[4096];
    struct mft *mft = malloc(MFT_MAX_SIZE);
    int rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR FILE.spt...\n");
        return 2;
    }
    if (mft == NULL || make_dir(argv[1], "elf", elf_dir, sizeof elf_dir) ||
        make_dir(argv[1], "notes", notes_dir, sizeof notes_dir) ||
        make_dir(argv[1], "cmdline", cmdline_dir, sizeof cmdline_dir))
        return 1;
    for (int i = 2; i < argc; i++)
        rc |= guest_seeds(argv[i], elf_dir, notes_dir, mft);
    for (size_t i = 0; i < sizeof command_lines / sizeof command_lines[0];
         i++) {
        char name[32];

        snprintf(name, sizeof name, "line-%02zu", i);
        rc |= write_file(cmdline_dir, name, command_lines[i],
                         strlen(command_lines[i]));
    }
    snprintf(dict, sizeof dict, "%s/cmdline.dict", argv[1]);
    rc |= option_seeds(cmdline_dir, dict);
    rc |= limit_seeds(cmdline_dir);
    free(mft);
    return rc ? 1 : 0;
}
