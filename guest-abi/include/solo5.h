/*
 * solo5.h: the Solo5 guest API, as provided by the solo5-spt SDK.
 *
 * Names, types and semantics are those of Solo5's public header, so code
 * written for Solo5 compiles unchanged against this SDK, and binaries built
 * with it run under both the Solo5 spt tender and ours.
 */
#ifndef SOLO5_H_INCLUDED
#define SOLO5_H_INCLUDED

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Results. Callers must not rely on EINVAL/EUNSPEC: an implementation may
 * abort instead of returning them. */
typedef enum {
    SOLO5_R_OK = 0,  /* done */
    SOLO5_R_AGAIN,   /* nothing now; the same call may succeed later */
    SOLO5_R_EINVAL,  /* invalid argument */
    SOLO5_R_EUNSPEC  /* failed for another reason */
} solo5_result_t;

/*
 * The application's entry point. heap_start/heap_size describe one
 * contiguous read/write, non-executable region; its top is also the initial
 * stack. Returning from solo5_app_main() is solo5_exit(return value).
 */
struct solo5_start_info {
    const char *cmdline;
    uintptr_t heap_start;
    size_t heap_size;
};

int solo5_app_main(const struct solo5_start_info *info);

/* Exit statuses; 255 and above belong to Solo5. */
#define SOLO5_EXIT_SUCCESS 0
#define SOLO5_EXIT_FAILURE 1
#define SOLO5_EXIT_ABORT   255

void solo5_exit(int status) __attribute__((noreturn));
void solo5_abort(void) __attribute__((noreturn));

/*
 * Thread-local storage, local-exec model, x86_64 variant II: the thread
 * pointer sits right after the TLS block and points at itself.
 *
 *   uintptr_t tls = <solo5_tls_size() bytes, 16-byte aligned>;
 *   solo5_tls_init(tls);
 *   solo5_set_tls_base(solo5_tls_tp_offset(tls));
 */
size_t solo5_tls_size(void);
uintptr_t solo5_tls_tp_offset(uintptr_t tls); /* the thread pointer for tls */
solo5_result_t solo5_tls_init(uintptr_t tls);
solo5_result_t solo5_set_tls_base(uintptr_t base);

/* Time, in nanoseconds. */
typedef uint64_t solo5_time_t;

solo5_time_t solo5_clock_monotonic(void); /* the host's CLOCK_MONOTONIC */
solo5_time_t solo5_clock_wall(void);      /* UTC since 1970-01-01 */

/* Handles are manifest entry indexes; a set holds up to 64 of them. */
typedef uint64_t solo5_handle_t;
typedef uint64_t solo5_handle_set_t;

/*
 * Sleep until monotonic time reaches deadline or a network device has
 * input. If ready_set is not NULL it receives (1 << handle) for every
 * device that is ready.
 */
void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set);

/* Best effort: output may be lost, the call always returns. */
void solo5_console_write(const char *buf, size_t size);

/* Network devices. */
#define SOLO5_NET_ALEN 6  /* Ethernet address */
#define SOLO5_NET_HLEN 14 /* Ethernet header: destination, source, type */

struct solo5_net_info {
    uint8_t mac_address[SOLO5_NET_ALEN];
    size_t mtu; /* without the Ethernet header */
};

/* Once per manifest name; later calls return SOLO5_R_EINVAL. */
solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info);
/* One frame with its Ethernet header, size <= mtu + SOLO5_NET_HLEN. */
solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size);
/* size >= mtu + SOLO5_NET_HLEN; SOLO5_R_AGAIN when nothing is waiting. */
solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size);

/* Block devices. */
typedef uint64_t solo5_off_t;

struct solo5_block_info {
    solo5_off_t capacity;   /* bytes */
    solo5_off_t block_size; /* the unit of I/O, bytes */
};

/* Once per manifest name; later calls return SOLO5_R_EINVAL. */
solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info);
/*
 * offset and size must be multiples of block_size and lie inside the
 * device, else SOLO5_R_EINVAL. Transfers are never short.
 */
solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size);
solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size);

#endif /* SOLO5_H_INCLUDED */
