/*
 * fds.c: the descriptors the guest inherits.
 *
 * The policy lets the guest write fd 1. If the tender were started with fd
 * 1 closed, the first file it opens would become fd 1 and the guest could
 * write into it; so 0-2 are made valid (on /dev/null) before anything is
 * opened. Every other inherited descriptor is closed, except the tap
 * descriptors the operator handed over with --net:NAME=@FD and, under
 * --x-fuzz, the fork-server pipes AFL++ opened as 198 and 199.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "tender.h"

void fds_make_safe(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
            continue;
        /* The lowest free descriptor is fd itself. */
        if (open("/dev/null", O_RDWR) != fd)
            _exit(1); /* no safe stderr to say so */
    }
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return (x > y) - (x < y);
}

void close_from_to(unsigned first, unsigned last)
{
    if (first > last)
        return;
    if (close_range(first, last, 0) == 0)
        return;
    /* Kernels before 5.9: close one by one up to the descriptor limit. */
    long max = sysconf(_SC_OPEN_MAX);

    for (long fd = first; fd <= (long)last && fd < max; fd++)
        close((int)fd);
}

/*
 * Before anything is opened: a closed @FD must be refused now, or the
 * next open() would take its number and be adopted as the device.
 */
int fds_close_inherited(const struct spt_opts *opts, char *err, size_t errlen)
{
    int keep[SPT_MAX_DEVICES + 2];
    unsigned n = 0, next = 3;

    /* AFL++'s control and status pipes, for the fork server alone. */
    if (fuzz_serving(opts)) {
        keep[n++] = LAUNCH_FORKSRV_CTL;
        keep[n++] = LAUNCH_FORKSRV_ST;
    }
    for (unsigned i = 0; i < opts->ndevopt; i++) {
        const struct dev_opt *d = &opts->devopt[i];

        if (d->fd < 0)
            continue;
        if (fcntl(d->fd, F_GETFD) == -1)
            return devopt_errf(d, err, errlen, "%s is not an open descriptor",
                               d->value);
        keep[n++] = d->fd;
    }
    qsort(keep, n, sizeof keep[0], cmp_int);
    for (unsigned i = 0; i < n; i++) {
        if ((unsigned)keep[i] > next)
            close_from_to(next, (unsigned)keep[i] - 1);
        next = (unsigned)keep[i] + 1;
    }
    close_from_to(next, UINT_MAX);
    return 0;
}
