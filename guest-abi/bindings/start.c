/*
 * start.c: from the tender's hand-over to solo5_app_main().
 *
 * Compiled without the stack protector: this is where the canary is set.
 */
#include "bindings.h"

const struct spt_boot_info *spt_bi;
const struct spt_ext_block *spt_ext_block;
const struct spt_ext_clock *spt_ext_clock;
const struct spt_ext_fuzz *spt_ext_fuzz;
static struct spt_ext_random *ext_random;

/* The stack-protector guard (-mstack-protector-guard=global). */
uintptr_t __stack_chk_guard;

/* The end of the program, .bss included; from the linker script. */
extern char _end[];
extern char __spt_text_start[], __spt_text_end[];
extern char __spt_rodata_start[], __spt_rodata_end[];
extern char __spt_data_start[];

#define MIN_HEAP (512 * 1024) /* as the Solo5 bindings require */

static struct solo5_start_info start_info;

/*
 * Our extension records between the boot info and the manifest. Under the
 * Solo5 tender the gap is empty and nothing is found.
 */
static void ext_scan(void)
{
    uint64_t at = SPT_EXT_BASE, end = (uint64_t)(uintptr_t)spt_bi->mft;

    /* The records lie in the boot data (spec section 4), wherever the
     * manifest pointer says it starts. */
    if (end > SPT_LOW_MEM_END)
        end = SPT_LOW_MEM_END;

    while (at < end && end - at >= sizeof(struct spt_ext_header)) {
        const struct spt_ext_header *h = (const void *)(uintptr_t)at;

        if (h->size < sizeof *h || h->size % 8 != 0 || h->size > end - at)
            break;
        if (h->magic == SPT_EXT_BLOCK_MAGIC &&
            h->size >= sizeof(struct spt_ext_block))
            spt_ext_block = (const void *)h;
        else if (h->magic == SPT_EXT_CLOCK_MAGIC &&
                 h->size >= sizeof(struct spt_ext_clock))
            spt_ext_clock = (const void *)h;
        else if (h->magic == SPT_EXT_FUZZ_MAGIC &&
                 h->size >= sizeof(struct spt_ext_fuzz))
            spt_ext_fuzz = (const void *)h;
        else if (h->magic == SPT_EXT_RANDOM_MAGIC &&
                 h->size >= sizeof(struct spt_ext_random))
            ext_random = (void *)(uintptr_t)h;
        at += h->size;
    }
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    __asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

/*
 * The canary comes from the kernel's random bytes when our tender hands
 * them over, else (under the Solo5 tender) from the time-stamp counter.
 * Its low byte is zero, so a string overflow cannot reproduce it.
 */
static void canary_init(void)
{
    uint64_t x = 0;

    if (ext_random) {
        for (int i = 0; i < 8; i++)
            x |= (uint64_t)ext_random->bytes[i] << (8 * i);
        /* Used once: leave nothing for a later read of low memory. */
        for (size_t i = 0; i < sizeof ext_random->bytes; i++)
            ((volatile uint8_t *)ext_random->bytes)[i] = 0;
    } else {
        x = rdtsc() * 0x9e3779b97f4a7c15ULL;
        x ^= x >> 29;
    }
    __stack_chk_guard = (uintptr_t)(x & ~0xffULL);
}

/* Leading --solo5:LEVEL words set the log level and are not passed on. */
static const char *cmdline_options(const char *p)
{
    static const struct {
        const char *word;
        enum spt_log_level level;
    } levels[] = {
        {"--solo5:quiet", LOG_ERROR}, {"--solo5:error", LOG_ERROR},
        {"--solo5:warn", LOG_WARN},   {"--solo5:info", LOG_INFO},
        {"--solo5:debug", LOG_DEBUG},
    };

    for (;;) {
        size_t i, n = 0;

        while (p[n] != '\0' && p[n] != ' ')
            n++;
        for (i = 0; i < sizeof levels / sizeof levels[0]; i++)
            if (spt_strlen(levels[i].word) == n &&
                spt_strncmp(p, levels[i].word, n) == 0)
                break;
        if (i == sizeof levels / sizeof levels[0])
            return p;
        spt_log_level = levels[i].level;
        p += n;
        if (*p == ' ')
            p++;
    }
}

static void banner(uintptr_t heap_start)
{
    spt_log(LOG_INFO, "solo5-spt SDK bindings, spt ABI version %d\n",
            SOLO5_SPT_ABI_VERSION);
    spt_log(LOG_INFO, "Memory map: %llu MB addressable:\n",
            (unsigned long long)(spt_bi->mem_size >> 20));
    spt_log(LOG_INFO, "  reserved @ (0x0 - 0x%lx)\n", SPT_LOW_MEM_END - 1);
    spt_log(LOG_INFO, "      text @ (0x%lx - 0x%lx)\n",
            (unsigned long)__spt_text_start,
            (unsigned long)__spt_text_end - 1);
    spt_log(LOG_INFO, "    rodata @ (0x%lx - 0x%lx)\n",
            (unsigned long)__spt_rodata_start,
            (unsigned long)__spt_rodata_end - 1);
    spt_log(LOG_INFO, "      data @ (0x%lx - 0x%lx)\n",
            (unsigned long)__spt_data_start, (unsigned long)_end - 1);
    spt_log(LOG_INFO, "      heap >= 0x%lx < stack < 0x%llx\n",
            (unsigned long)heap_start,
            (unsigned long long)spt_bi->mem_size);
}

void spt_start(const struct spt_boot_info *bi) __attribute__((noreturn));

void spt_start(const struct spt_boot_info *bi)
{
    uintptr_t heap_start = ((uintptr_t)_end + SPT_PAGE_SIZE - 1) &
                           ~(SPT_PAGE_SIZE - 1);

    spt_bi = bi;
    ext_scan();
    canary_init();
    start_info.cmdline = cmdline_options(bi->cmdline);
    banner(heap_start);
    if (heap_start >= bi->mem_size || bi->mem_size - heap_start < MIN_HEAP)
        spt_abort("not enough memory: %llu bytes after the program, at "
                  "least %d needed",
                  heap_start < bi->mem_size
                      ? (unsigned long long)(bi->mem_size - heap_start)
                      : 0ULL,
                  MIN_HEAP);
    start_info.heap_start = heap_start;
    start_info.heap_size = bi->mem_size - heap_start;
    spt_block_init();
    spt_clock_init();
    solo5_exit(solo5_app_main(&start_info));
}
