/*
 * idle_native: the memory limit, a static C program that says "idle" and
 * sleeps as an idle guest does, in epoll_pwait on a timerfd, until killed.
 */
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

int main(void)
{
    struct epoll_event ev = {.events = EPOLLIN};
    struct itimerspec it = {.it_value = {.tv_sec = 3600}};
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

    if (epfd == -1 || tfd == -1 || epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev))
        return 1;
    puts("idle");
    fflush(stdout);
    for (;;) {
        timerfd_settime(tfd, 0, &it, NULL);
        epoll_pwait(epfd, &ev, 1, -1, NULL);
    }
}
