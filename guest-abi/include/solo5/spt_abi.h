/*
 * spt_abi.h: the hand-over between the spt tender and its guest.
 *
 * Self-contained: C99 types only. Guest addresses are host addresses: the
 * guest runs inside the tender's process, in memory [0, mem_size) of which
 * the tender maps [SPT_HOST_MEM_BASE, mem_size).
 */
#ifndef SOLO5_SPT_ABI_H
#define SOLO5_SPT_ABI_H

#include <stdint.h>
#include <stddef.h>

#define SPT_HOST_MEM_BASE   0x10000UL  /* below stays unmapped: NULL faults */
#define SPT_BOOT_INFO_BASE  0x11000UL
#define SPT_LOW_MEM_END     0x100000UL /* boot data ends, program begins */
#define SPT_PAGE_SIZE       0x1000UL
#define SPT_CMDLINE_SIZE    8192       /* including the terminating NUL */
#define SPT_TIMERFD_EVENT   0xfffffffeULL /* epoll data of the timerfd */

/* %rdi at entry points here; the tender fills it in, the guest reads it. */
struct spt_boot_info {
    uint64_t mem_size;   /* bytes of guest memory, stack on top */
    uint64_t kernel_end; /* end of the highest segment with file content */
    const char *cmdline; /* NUL-terminated, SPT_CMDLINE_SIZE at most */
    const void *mft;     /* the guest's copy of the manifest */
    int epollfd;
    int timerfd;
};

_Static_assert(sizeof(struct spt_boot_info) == 40, "boot info is 40 bytes");
_Static_assert(offsetof(struct spt_boot_info, cmdline) == 16, "cmdline at 16");
_Static_assert(offsetof(struct spt_boot_info, mft) == 24, "mft at 24");
_Static_assert(offsetof(struct spt_boot_info, epollfd) == 32, "epollfd at 32");
_Static_assert(offsetof(struct spt_boot_info, timerfd) == 36, "timerfd at 36");

/*
 * Extension records: ours, not Solo5's. They sit in the gap between the
 * boot info and the manifest copy. Under the Solo5 tender the gap is empty,
 * so a guest that finds no record behaves exactly as Solo5 admits.
 *
 * Each record starts with this header; size counts the header, is a
 * multiple of 8 and never runs past the manifest. A guest walks the records
 * from SPT_EXT_BASE and ignores magics it does not know.
 */
#define SPT_EXT_BASE (SPT_BOOT_INFO_BASE + sizeof(struct spt_boot_info))

struct spt_ext_header {
    uint64_t magic;
    uint64_t size;
};

/*
 * Multi-block I/O: the tender's policy admits pread64/pwrite64 of any
 * multiple of the block size up to max_io_size bytes, on every device where
 * spt_block_dev_max_io() says so, as spt_block_io_admitted() says.
 */
#define SPT_EXT_BLOCK_MAGIC 0x314b4c4254505300ULL /* "\0SPTBLK1" */
struct spt_ext_block {
    struct spt_ext_header h;
    uint64_t max_io_size;
};

/*
 * The largest multi-block request on one device, given the tender's
 * max_io_size: 0 (one block per call) unless max_io_size is a power of two
 * of at least two blocks that fits in the device. The tender's policy and
 * the guest's bindings both compute it here, so they cannot disagree.
 */
static inline uint64_t spt_block_dev_max_io(uint64_t max_io_size,
                                            uint64_t capacity,
                                            uint64_t block_size)
{
    if (block_size == 0 || (block_size & (block_size - 1)) != 0 ||
        max_io_size / 2 < block_size ||
        (max_io_size & (max_io_size - 1)) != 0 || max_io_size > capacity)
        return 0;
    return max_io_size;
}

/*
 * Does a device's allowlist admit one pread64/pwrite64 of count bytes at
 * offset? One block anywhere in the device (what Solo5 admits); with a
 * dev_max_io from spt_block_dev_max_io(), any multiple of the block size
 * up to dev_max_io (zero included) at offsets up to capacity - dev_max_io,
 * so that no admitted call reaches past the end. block_size is a power of
 * two no larger than capacity.
 */
static inline int spt_block_io_admitted(uint64_t dev_max_io, uint64_t capacity,
                                        uint64_t block_size, uint64_t offset,
                                        uint64_t count)
{
    if (count == block_size && offset <= capacity - block_size)
        return 1;
    return dev_max_io != 0 && (count & (block_size - 1)) == 0 &&
           count <= dev_max_io && offset <= capacity - dev_max_io;
}

/* Fast clock: the host vDSO's clock_gettime, callable from the guest. */
#define SPT_EXT_CLOCK_MAGIC 0x314b4c4354505300ULL /* "\0SPTCLK1" */
struct spt_ext_clock {
    struct spt_ext_header h;
    uint64_t vdso_clock_gettime; /* int (*)(int, struct timespec *) */
};

/* Kernel-supplied random bytes, for the stack-protector canary. */
#define SPT_EXT_RANDOM_MAGIC 0x31444e5254505300ULL /* "\0SPTRND1" */
struct spt_ext_random {
    struct spt_ext_header h;
    uint8_t bytes[32];
};

/*
 * Fuzzing (solo5-spt --x-fuzz, --x-fuzz-persistent, --x-fuzz-input=FILE):
 * this run's input and, under a fuzzer, the coverage map. Only fuzzing
 * runs have this record. Plain data, for any runtime that can use it.
 *
 * input points at a uint32_t length, then the bytes (AFL++'s layout for
 * shared-memory test cases); the guest may only read it. cov_map, when not
 * 0, is cov_map_size bytes of AFL++'s coverage map, for the guest to count
 * edges in. In persistent mode (next_fd >= 0) the guest writes 4 bytes to
 * done_fd when it has finished with an input, then reads 4 bytes from
 * next_fd: the value 1 means the next input is in place; anything else, or
 * end of file, means there is none. Otherwise both are -1.
 */
#define SPT_EXT_FUZZ_MAGIC 0x315a554654505300ULL /* "\0SPTFUZ1" */
#define SPT_FUZZ_INPUT_MAX (1024 * 1024)         /* AFL++'s MAX_FILE */
struct spt_ext_fuzz {
    struct spt_ext_header h;
    uint64_t input;
    uint64_t input_max;
    uint64_t cov_map;
    uint64_t cov_map_size;
    int32_t next_fd;
    int32_t done_fd;
};

#endif /* SOLO5_SPT_ABI_H */
