/*
 * tapfd: open a tap the way an orchestrator would, then run a command with
 * it on a given descriptor:  tapfd [--tun|--vnet-hdr] IFACE FD CMD [ARG]...
 * --tun and --vnet-hdr open it wrongly, for the tender to refuse.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>

int main(int argc, char **argv)
{
    short flags = IFF_TAP | IFF_NO_PI;
    struct ifreq ifr = {0};
    int i = 1, fd, want;

    if (argc > 1 && strcmp(argv[1], "--tun") == 0) {
        flags = IFF_TUN | IFF_NO_PI;
        i++;
    } else if (argc > 1 && strcmp(argv[1], "--vnet-hdr") == 0) {
        flags |= IFF_VNET_HDR;
        i++;
    }
    if (argc - i < 3) {
        fprintf(stderr, "usage: tapfd [--tun|--vnet-hdr] IFACE FD CMD...\n");
        return 2;
    }
    fd = open("/dev/net/tun", O_RDWR);
    if (fd == -1)
        return perror("/dev/net/tun"), 1;
    ifr.ifr_flags = flags;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", argv[i]);
    if (ioctl(fd, TUNSETIFF, &ifr) == -1)
        return perror("TUNSETIFF"), 1;
    want = atoi(argv[i + 1]);
    if (fd != want && (dup2(fd, want) == -1 || close(fd) == -1))
        return perror("dup2"), 1;
    execv(argv[i + 2], argv + i + 2);
    perror(argv[i + 2]);
    return 127;
}
