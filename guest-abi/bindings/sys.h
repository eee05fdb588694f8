/*
 * sys.h: raw Linux system calls, the only way the guest reaches the host.
 *
 * The allowlist compares every argument as a full 64-bit value, so every
 * argument is passed as a zero-extended uint64_t: an int fd must not carry
 * sign-extension or garbage in its upper half.
 */
#ifndef SPT_SYS_H
#define SPT_SYS_H

#include <stdint.h>

#define SYS_read            0
#define SYS_write           1
#define SYS_pread64         17
#define SYS_pwrite64        18
#define SYS_arch_prctl      158
#define SYS_clock_gettime   228
#define SYS_exit_group      231
#define SYS_epoll_pwait     281
#define SYS_timerfd_settime 286

#define ARCH_SET_FS        0x1002
#define CLOCK_REALTIME     0
#define CLOCK_MONOTONIC    1
#define TFD_TIMER_ABSTIME  1
#define EINTR              4
#define EAGAIN             11

static inline long sys_call6(long n, uint64_t a1, uint64_t a2, uint64_t a3,
                             uint64_t a4, uint64_t a5, uint64_t a6)
{
    long ret;
    register uint64_t r10 __asm__("r10") = a4;
    register uint64_t r8 __asm__("r8") = a5;
    register uint64_t r9 __asm__("r9") = a6;

    __asm__ __volatile__("syscall"
                         : "=a"(ret)
                         : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
                           "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
    return ret;
}

static inline long sys_call3(long n, uint64_t a1, uint64_t a2, uint64_t a3)
{
    return sys_call6(n, a1, a2, a3, 0, 0, 0);
}

/* fds are non-negative ints: widen through uint32_t, never sign-extend. */
static inline uint64_t sys_fd(int fd)
{
    return (uint64_t)(uint32_t)fd;
}

struct sys_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct sys_itimerspec {
    struct sys_timespec it_interval;
    struct sys_timespec it_value;
};

struct sys_epoll_event {
    uint32_t events;
    uint64_t data;
} __attribute__((packed));

#endif /* SPT_SYS_H */
