/*
 * notify.c: the call a --x-supervise guest was stopped in, for the report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include "policy.h"

static void describe(const struct seccomp_notif *req, char *line,
                     size_t size)
{
    char *name = policy_call_name(req->data.nr);
    const __u64 *a = req->data.args;

    snprintf(line, size,
             "%s(0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx, 0x%llx) [nr %d]",
             name ? name : "unknown", (unsigned long long)a[0],
             (unsigned long long)a[1], (unsigned long long)a[2],
             (unsigned long long)a[3], (unsigned long long)a[4],
             (unsigned long long)a[5], req->data.nr);
    free(name);
}

int policy_notif_receive(int listener, char *line, size_t size)
{
    struct seccomp_notif_sizes sizes;
    struct seccomp_notif *req;
    int rc = 0;

    /* The kernel's structure may have grown past our headers'. */
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == -1)
        return -errno;
    req = calloc(1, sizes.seccomp_notif > sizeof *req ? sizes.seccomp_notif
                                                      : sizeof *req);
    if (req == NULL)
        return -ENOMEM;
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, req) == 0)
        describe(req, line, size);
    else
        rc = -errno;
    free(req);
    return rc;
}
