/*
 * net.c: network devices (--net:NAME=IFACE, --net:NAME=@FD; spec section 6).
 *
 * The tender never creates an interface: it attaches to an existing tap
 * that is up, or uses a tap descriptor an orchestrator opened. The guest
 * reads and writes whole Ethernet frames on the non-blocking descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "device.h"
#include "errf.h"
#include "policy.h"

#define NET_FD_MTU 1500 /* what an @FD reports, as Solo5 0.8-0.9 did */

/* --net:NAME=@FD: a descriptor number, not 0-2. fds.c checks it is open. */
static int net_check_value(struct dev_opt *d, char *err, size_t errlen)
{
    uint64_t v;

    if (d->value[0] != '@')
        return 0;
    if (cmdline_parse_number(d->value + 1, INT_MAX, &v) == -1)
        return errf(err, errlen, "%s: '%s' is not @FD with FD a descriptor "
                    "number", d->ops->option, d->value);
    if (v <= 2)
        return errf(err, errlen, "%s: descriptor %llu is stdin, stdout or "
                    "stderr, not a tap", d->ops->option,
                    (unsigned long long)v);
    d->fd = (int)v;
    return 0;
}

static int mac_apply(struct dev_opt *d, const char *value, char *err,
                     size_t errlen)
{
    const char *opt = d->ops->modifier;

    if (d->has_mac)
        return errf(err, errlen, "%s:%s given twice", opt, d->name);
    if (cmdline_parse_mac(value, d->mac) == -1)
        return errf(err, errlen, "%s:%s: '%s' is not a MAC address "
                    "xx:xx:xx:xx:xx:xx", opt, d->name, value);
    if (d->mac[0] & 1)
        return errf(err, errlen, "%s:%s: %s is a multicast address", opt,
                    d->name, value);
    d->has_mac = true;
    return 0;
}

/* SIOCGIFFLAGS & co. go through any socket. */
static int iface_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

    if (s == -1)
        return -1;
    rc = ioctl(s, req, ifr);
    close(s);
    return rc;
}

static int iface_is_up(const char *name)
{
    struct ifreq ifr = {0};

    strcpy(ifr.ifr_name, name);
    if (iface_ioctl(SIOCGIFFLAGS, &ifr) == -1)
        return -1;
    /* A tap with nothing attached has no carrier but is still usable. */
    return (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) != 0;
}

/*
 * Frames are read into buffers of mtu + 14 bytes, so the host must not
 * hand the tap coalesced (GRO) or unsegmented (GSO) super-frames.
 */
static void iface_offloads_off(int tapfd, const char *name)
{
    struct ethtool_value off[] = {{.cmd = ETHTOOL_SGRO},
                                  {.cmd = ETHTOOL_SGSO}};
    struct ifreq ifr = {0};

    (void)ioctl(tapfd, TUNSETOFFLOAD, 0);
    strcpy(ifr.ifr_name, name);
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
        ifr.ifr_data = (void *)&off[i];
        (void)iface_ioctl(SIOCETHTOOL, &ifr); /* best effort */
    }
}

static int tap_open(struct device *d, char *err, size_t errlen)
{
    const char *iface = d->opt->value;
    struct ifreq ifr = {0};
    int up;

    if (strlen(iface) >= IFNAMSIZ || strchr(iface, '/') || iface[0] == '.')
        return device_refuse(d, err, errlen, "'%s' is not an interface name",
                          iface);
    if (strchr(iface, '%'))
        return device_refuse(d, err, errlen, "'%s' is a name template; name an "
                          "existing tap interface", iface);
    up = iface_is_up(iface);
    if (up == -1)
        return device_refuse(d, err, errlen, "no interface named '%s' (the tap "
                          "must exist already)", iface);
    if (up == 0)
        return device_refuse(d, err, errlen, "interface '%s' is down", iface);
    d->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (d->fd == -1)
        return device_refuse(d, err, errlen, "cannot open /dev/net/tun: %s",
                          strerror(errno));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strcpy(ifr.ifr_name, iface);
    if (ioctl(d->fd, TUNSETIFF, &ifr) == -1)
        return device_refuse(d, err, errlen,
                          errno == EBUSY ? "%s: the tap is already in use"
                                         : "%s: not a tap interface",
                          iface);
    /* TUNSETIFF would have made a new tap had ours vanished meanwhile: a
     * new one is down, and refusing closes (and removes) it. */
    if (strcmp(ifr.ifr_name, iface) != 0 || iface_is_up(iface) != 1)
        return device_refuse(d, err, errlen, "interface '%s' disappeared while "
                          "attaching", iface);
    strcpy(ifr.ifr_name, iface);
    if (iface_ioctl(SIOCGIFMTU, &ifr) == -1 || ifr.ifr_mtu <= 0 ||
        ifr.ifr_mtu > UINT16_MAX)
        return device_refuse(d, err, errlen, "cannot read the MTU of '%s'",
                          iface);
    d->entry->u.net_basic.mtu = (uint16_t)ifr.ifr_mtu;
    iface_offloads_off(d->fd, iface);
    return 0;
}

/* --net:NAME=@FD: an open tap, plain frames (no packet info, no vnet). */
static int tap_adopt(struct device *d, char *err, size_t errlen)
{
    struct ifreq ifr = {0};
    int flags;

    d->fd = d->opt->fd; /* fds.c checked it is open */
    flags = fcntl(d->fd, F_GETFL);
    if (flags == -1)
        return device_refuse(d, err, errlen, "cannot read its flags: %s",
                          strerror(errno));
    if (ioctl(d->fd, TUNGETIFF, &ifr) == -1)
        return device_refuse(d, err, errlen, "%s is not a tap descriptor",
                          d->opt->value);
    if ((ifr.ifr_flags & (IFF_TAP | IFF_TUN)) != IFF_TAP ||
        !(ifr.ifr_flags & IFF_NO_PI) || (ifr.ifr_flags & IFF_VNET_HDR))
        return device_refuse(d, err, errlen, "%s is not a tap opened with "
                          "IFF_TAP | IFF_NO_PI and no vnet header",
                          d->opt->value);
    if (fcntl(d->fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
        fcntl(d->fd, F_SETFD, FD_CLOEXEC) == -1)
        return device_refuse(d, err, errlen, "%s: cannot make it non-blocking",
                          d->opt->value);
    d->entry->u.net_basic.mtu = NET_FD_MTU;
    /* Not by name: the tap may live in another network namespace, where
     * its name means another interface here. */
    (void)ioctl(d->fd, TUNSETOFFLOAD, 0);
    return 0;
}

/* A random, locally administered, unicast MAC unless one was given. */
static int net_mac(struct device *d, char *err, size_t errlen)
{
    uint8_t *mac = d->entry->u.net_basic.mac;

    if (d->opt->has_mac) {
        memcpy(mac, d->opt->mac, 6);
        return 0;
    }
    if (getrandom(mac, 6, 0) != 6)
        return device_refuse(d, err, errlen, "cannot make a MAC address: %s",
                          strerror(errno));
    mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
    return 0;
}

static int net_attach(struct device *d, char *err, size_t errlen)
{
    int rc = d->opt->fd >= 0 ? tap_adopt(d, err, errlen)
                             : tap_open(d, err, errlen);

    if (rc == -1)
        return -1;
    return net_mac(d, err, errlen);
}

static int net_add_rules(const struct device *d, const struct spt_opts *opts,
                         struct policy *p)
{
    (void)opts;
    return policy_add_net(p, d->fd, d->opt->name);
}

const struct device_ops net_ops = {
    .option = "--net",
    .value_hint = "IFACE",
    .modifier = "--net-mac",
    .modifier_hint = "MAC",
    .usage =
        "  --net:NAME=IFACE          attach the existing, up tap interface "
        "IFACE as\n"
        "                            the network device NAME of the "
        "manifest\n"
        "  --net:NAME=@FD            use the open tap descriptor FD instead\n"
        "  --net-mac:NAME=MAC        guest MAC address of NAME, as "
        "xx:xx:xx:xx:xx:xx\n"
        "                            (default: random, locally "
        "administered)\n",
    .check_value = net_check_value,
    .apply_modifier = mac_apply,
    .mft_type = MFT_DEV_NET_BASIC,
    .attach = net_attach,
    .add_rules = net_add_rules,
    .polled = true,
};
