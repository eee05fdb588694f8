/*
 * guest_mem.c: guest memory at its fixed address.
 *
 * Guest addresses are host addresses, so the guest's memory is mapped at
 * [SPT_HOST_MEM_BASE, mem_size) exactly. The tender is position-independent
 * and lives far above; MAP_FIXED_NOREPLACE makes the kernel refuse rather
 * than replace anything already there. MAP_NORESERVE: untouched pages cost
 * nothing, so many idle guests fit on one host.
 *
 * Transparent huge pages are off for guest memory unless asked for
 * (--x-hugepages): they speed up big heaps but turn an idle guest's few
 * touched pages into whole 2 MiB ones (the README has the figures).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "errf.h"
#include "solo5/spt_abi.h"
#include "tender.h"

/* The lowest address the tender itself occupies: its code or its heap. */
static uint64_t tender_low(void)
{
    uint64_t code = (uint64_t)(uintptr_t)&guest_mem_map;
    uint64_t heap = (uint64_t)(uintptr_t)sbrk(0);

    return code < heap ? code : heap;
}

/*
 * The most memory this host can give a guest: its RAM and swap. Guest
 * memory is reserved lazily (MAP_NORESERVE), so the kernel would map far
 * more; but a guest can never use more, and a --mem written in bytes
 * instead of MiB asks for terabytes.
 */
static uint64_t host_mem_mb(void)
{
    struct sysinfo si;

    if (sysinfo(&si) == -1)
        return UINT64_MAX;
    return ((uint64_t)si.totalram + si.totalswap) * si.mem_unit >> 20;
}

int guest_mem_check(uint64_t mem_size, char *err, size_t errlen)
{
    if ((mem_size >> 20) > host_mem_mb())
        return errf(err, errlen, "--mem=%llu: more than this host can give: "
                    "at most %llu MiB (its RAM and swap; --mem counts MiB)",
                    (unsigned long long)(mem_size >> 20),
                    (unsigned long long)host_mem_mb());
    if (mem_size > tender_low())
        return errf(err, errlen, "--mem: %llu MiB of guest memory would "
                    "reach the tender's own memory at 0x%llx",
                    (unsigned long long)(mem_size >> 20),
                    (unsigned long long)tender_low());
    return 0;
}

int guest_mem_map(uint64_t mem_size, bool exec, bool hugepages, char *err,
                  size_t errlen)
{
    int prot = PROT_READ | PROT_WRITE | (exec ? PROT_EXEC : 0);
    void *want = (void *)SPT_HOST_MEM_BASE;
    void *got;

    got = mmap(want, mem_size - SPT_HOST_MEM_BASE, prot,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
                   MAP_NORESERVE,
               -1, 0);
    if (got == MAP_FAILED)
        return errf(err, errlen, "cannot map %llu MiB of guest memory at "
                    "0x%lx: %s", (unsigned long long)(mem_size >> 20),
                    SPT_HOST_MEM_BASE,
                    errno == EEXIST ? "the range is already in use"
                                    : strerror(errno));
    if (got != want) { /* a kernel that ignores MAP_FIXED_NOREPLACE */
        munmap(got, mem_size - SPT_HOST_MEM_BASE);
        return errf(err, errlen, "cannot map guest memory at 0x%lx: the "
                    "range is already in use", SPT_HOST_MEM_BASE);
    }
    /* Advice only: a kernel without THP has nothing to change. */
    (void)madvise(got, mem_size - SPT_HOST_MEM_BASE,
                  hugepages ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    return 0;
}

int guest_mem_protect(void *arg, uint64_t start, uint64_t end, int prot)
{
    (void)arg;
    return mprotect((void *)(uintptr_t)start, end - start, prot);
}
