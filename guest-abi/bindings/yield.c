/*
 * yield.c: sleeping until a deadline or network input.
 *
 * The timerfd is armed with the absolute deadline and never read: re-arming
 * it clears its expiry, so a level-triggered epoll wait sees the timer only
 * once the new deadline has passed.
 */
#include "bindings.h"
#include "sys.h"

#define NSEC_PER_SEC 1000000000ULL

void solo5_yield(solo5_time_t deadline, solo5_handle_set_t *ready_set)
{
    struct sys_epoll_event events[MFT_MAX_ENTRIES];
    solo5_handle_set_t ready = 0;
    int64_t timeout = -1;
    long n;

    if (deadline <= solo5_clock_monotonic()) {
        timeout = 0; /* already due: only look for input */
    } else {
        struct sys_itimerspec it = {
            .it_value = {(int64_t)(deadline / NSEC_PER_SEC),
                         (int64_t)(deadline % NSEC_PER_SEC)}};

        if (sys_call6(SYS_timerfd_settime, sys_fd(spt_bi->timerfd),
                      TFD_TIMER_ABSTIME, (uint64_t)(uintptr_t)&it, 0, 0,
                      0) != 0)
            spt_abort("timerfd_settime failed");
    }
    do {
        n = sys_call6(SYS_epoll_pwait, sys_fd(spt_bi->epollfd),
                      (uint64_t)(uintptr_t)events, MFT_MAX_ENTRIES,
                      (uint64_t)timeout, 0, 8);
    } while (n == -EINTR);
    if (n < 0)
        spt_abort("epoll_pwait failed (%ld)", n);
    for (long i = 0; i < n; i++)
        if (events[i].data != SPT_TIMERFD_EVENT && events[i].data < 64)
            ready |= 1ULL << events[i].data;
    if (ready_set)
        *ready_set = ready;
}
