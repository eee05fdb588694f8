/*
 * net_shim.c: the Solo5 calls examples/net makes, implemented directly over
 * Linux, so that the same responder source runs as a native process: the
 * network limit.
 *
 *   net_native TAP MAC [ARGS]...
 *
 * Every device the application acquires is the tap TAP with address MAC.
 * The calls are those of the spt bindings (guest-abi/bindings): read and
 * write on the non-blocking tap, and a yield that arms a timerfd and waits
 * in epoll_pwait; only the seccomp filter and the tender are missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "solo5.h"
#include "solo5_spt.h"

#define NSEC_PER_SEC 1000000000ULL
#define TAP_HANDLE   1
#define TIMER_EVENT  0xfffffffeULL

static const char *tap_name;
static uint8_t tap_mac[SOLO5_NET_ALEN];
static int tap_fd = -1, epoll_fd = -1, timer_fd = -1;
static size_t tap_mtu;

static void __attribute__((noreturn)) fail(const char *what)
{
    fprintf(stderr, "net_native: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void tap_open(void)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TAP_HANDLE};
    struct ifreq ifr = {0};
    int s;

    tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (tap_fd == -1)
        fail("/dev/net/tun");
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", tap_name);
    if (ioctl(tap_fd, TUNSETIFF, &ifr) == -1)
        fail(tap_name);
    (void)ioctl(tap_fd, TUNSETOFFLOAD, 0); /* as the tender does */
    s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s == -1 || ioctl(s, SIOCGIFMTU, &ifr) == -1)
        fail("reading the MTU");
    close(s);
    tap_mtu = (size_t)ifr.ifr_mtu;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, tap_fd, &ev) == -1)
        fail("epoll_ctl");
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    (void)name;
    if (tap_fd != -1)
        return SOLO5_R_EINVAL;
    tap_open();
    memcpy(info->mac_address, tap_mac, SOLO5_NET_ALEN);
    info->mtu = tap_mtu;
    *handle = TAP_HANDLE;
    return SOLO5_R_OK;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size)
{
    ssize_t ret;

    if (handle != TAP_HANDLE || size == 0 || size > tap_mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    do {
        ret = write(tap_fd, buf, size);
    } while (ret == -1 && errno == EINTR);
    return ret == (ssize_t)size ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size)
{
    ssize_t ret;

    if (handle != TAP_HANDLE || size < tap_mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    do {
        ret = read(tap_fd, buf, size);
    } while (ret == -1 && errno == EINTR);
    if (ret == -1 && errno == EAGAIN)
        return SOLO5_R_AGAIN;
    if (ret <= 0)
        return SOLO5_R_EUNSPEC;
    *read_size = (size_t)ret;
    return SOLO5_R_OK;
}

solo5_time_t solo5_clock_monotonic(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (solo5_time_t)ts.tv_sec * NSEC_PER_SEC + (solo5_time_t)ts.tv_nsec;
}

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    struct epoll_event events[64];
    solo5_handle_set_t ready = 0;
    int timeout = -1, n;

    if (deadline <= solo5_clock_monotonic()) {
        timeout = 0;
    } else {
        struct itimerspec it = {.it_value = {(time_t)(deadline / NSEC_PER_SEC),
                                             (long)(deadline % NSEC_PER_SEC)}};

        if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &it, NULL) != 0)
            fail("timerfd_settime");
    }
    do {
        n = epoll_pwait(epoll_fd, events, 64, timeout, NULL);
    } while (n == -1 && errno == EINTR);
    if (n < 0)
        fail("epoll_pwait");
    for (int i = 0; i < n; i++)
        if (events[i].data.u64 != TIMER_EVENT && events[i].data.u64 < 64)
            ready |= 1ULL << events[i].data.u64;
    if (ready_set)
        *ready_set = ready;
}

/* The responder's --disk option; the benchmark never passes it. */
solo5_result_t solo5_block_acquire(const char *name, solo5_handle_t *handle,
                                   struct solo5_block_info *info)
{
    (void)name;
    (void)handle;
    (void)info;
    return SOLO5_R_EINVAL;
}

solo5_result_t solo5_block_write(solo5_handle_t handle, solo5_off_t offset,
                                 const uint8_t *buf, size_t size)
{
    (void)handle;
    (void)offset;
    (void)buf;
    (void)size;
    return SOLO5_R_EINVAL;
}

solo5_result_t solo5_block_read(solo5_handle_t handle, solo5_off_t offset,
                                uint8_t *buf, size_t size)
{
    (void)handle;
    (void)offset;
    (void)buf;
    (void)size;
    return SOLO5_R_EINVAL;
}

static int parse_mac(const char *s, uint8_t mac[SOLO5_NET_ALEN])
{
    unsigned v[SOLO5_NET_ALEN];
    char end;

    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
               &v[5], &end) != 6)
        return -1;
    for (int i = 0; i < SOLO5_NET_ALEN; i++) {
        if (v[i] > 0xff)
            return -1;
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TIMER_EVENT};
    struct solo5_start_info si = {0};
    static char cmdline[8192];
    size_t len = 0;

    if (argc < 3 || parse_mac(argv[2], tap_mac) == -1) {
        fprintf(stderr, "usage: net_native TAP MAC [ARGS]...\n");
        return 1;
    }
    tap_name = argv[1];
    /* The command line as the tender hands it over: words joined by
     * single spaces. */
    for (int i = 3; i < argc; i++) {
        int n = snprintf(cmdline + len, sizeof cmdline - len, "%s%s",
                         len ? " " : "", argv[i]);

        if (n < 0 || (size_t)n >= sizeof cmdline - len) {
            fprintf(stderr, "net_native: command line too long\n");
            return 1;
        }
        len += (size_t)n;
    }
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_fd == -1 || timer_fd == -1 ||
        epoll_ctl(epoll_fd, EPOLL_CTL_ADD, timer_fd, &ev) == -1)
        fail("epoll/timerfd");
    si.cmdline = cmdline;
    return solo5_app_main(&si);
}
