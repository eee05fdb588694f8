/*
 * net: answers ARP, ICMP echo (ping) and UDP (echoed back) on every
 * network device its command line names.
 *
 *   solo5-spt --net:service=tap0 net.spt service=10.0.0.2
 *
 * Command line: NAME=A.B.C.D for each device (default service=10.0.0.2);
 * --seconds=N exits 0 after N seconds; --disk=NAME first writes, reads back
 * and checks a marker on the block device NAME.
 */
#include "solo5.h"
#include "solo5_spt.h"

#define MAX_IFACES 8
#define MAX_FRAME  (65535 + SOLO5_NET_HLEN)
#define ETH_ARP    0x0806
#define ETH_IPV4   0x0800

struct iface {
    char name[68];
    uint8_t ip[4];
    solo5_handle_t handle;
    struct solo5_net_info info;
};

static struct iface ifaces[MAX_IFACES];
static int nifaces;
static uint8_t frame[MAX_FRAME];

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void copy(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static void swap(uint8_t *a, uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t t = a[i];

        a[i] = b[i];
        b[i] = t;
    }
}

static bool same(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* The Internet checksum (RFC 1071) of n bytes. */
static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;

    for (size_t i = 0; i + 1 < n; i += 2)
        sum += get16(p + i);
    if (n & 1)
        sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* ARP request for our address: answer in place. */
static bool arp_reply(struct iface *f, uint8_t *eth, size_t len)
{
    uint8_t *arp = eth + SOLO5_NET_HLEN;

    if (len < SOLO5_NET_HLEN + 28 || get16(arp) != 1 ||
        get16(arp + 2) != ETH_IPV4 || arp[4] != 6 || arp[5] != 4 ||
        get16(arp + 6) != 1 || !same(arp + 24, f->ip, 4))
        return false;
    put16(arp + 6, 2);
    copy(arp + 18, arp + 8, 10);          /* target = the asker */
    copy(arp + 8, f->info.mac_address, 6); /* sender = us */
    copy(arp + 14, f->ip, 4);
    copy(eth, arp + 18, 6);
    return true;
}

/* IPv4 to our address: ICMP echo or UDP, answered in place. */
static bool ipv4_reply(struct iface *f, uint8_t *eth, size_t len)
{
    uint8_t *ip = eth + SOLO5_NET_HLEN, *l4;
    size_t ihl, total;

    if (len < SOLO5_NET_HLEN + 20 || (ip[0] >> 4) != 4)
        return false;
    ihl = (size_t)(ip[0] & 0xf) * 4;
    total = get16(ip + 2);
    if (ihl < 20 || total < ihl || total > len - SOLO5_NET_HLEN ||
        !same(ip + 16, f->ip, 4) || (get16(ip + 6) & 0x3fff) != 0)
        return false; /* malformed, not ours, or a fragment */
    l4 = ip + ihl;
    if (ip[9] == 1 && total - ihl >= 8 && l4[0] == 8) { /* echo request */
        l4[0] = 0;
        put16(l4 + 2, 0);
        put16(l4 + 2, checksum(l4, total - ihl));
    } else if (ip[9] == 17 && total - ihl >= 8) { /* UDP: echo it */
        swap(l4, l4 + 2, 2);
        put16(l4 + 6, 0); /* no UDP checksum: allowed over IPv4 */
    } else {
        return false;
    }
    swap(ip + 12, ip + 16, 4);
    ip[8] = 64;
    put16(ip + 10, 0);
    put16(ip + 10, checksum(ip, ihl));
    copy(eth, eth + 6, 6);
    return true;
}

static void frame_handle(struct iface *f, size_t len)
{
    bool reply = false;

    if (len < SOLO5_NET_HLEN)
        return;
    if (get16(frame + 12) == ETH_ARP)
        reply = arp_reply(f, frame, len);
    else if (get16(frame + 12) == ETH_IPV4)
        reply = ipv4_reply(f, frame, len);
    if (!reply)
        return;
    copy(frame + 6, f->info.mac_address, 6);
    solo5_net_write(f->handle, frame, len);
}

static void iface_drain(struct iface *f)
{
    size_t len;

    while (solo5_net_read(f->handle, frame, sizeof frame, &len) ==
           SOLO5_R_OK)
        frame_handle(f, len);
}

static bool parse_ip(const char *s, uint8_t ip[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;

        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || v > 255 || *s != (i < 3 ? '.' : '\0'))
            return false;
        ip[i] = (uint8_t)v;
        s += i < 3;
    }
    return true;
}

static bool prefix(const char *s, const char *p, const char **rest)
{
    while (*p && *s == *p) {
        s++;
        p++;
    }
    *rest = s;
    return *p == '\0';
}

/* One word of the command line. */
static bool option(const char *w, uint64_t *seconds, const char **disk)
{
    const char *rest;
    struct iface *f;
    size_t n = 0;

    if (prefix(w, "--seconds=", &rest)) {
        for (*seconds = 0; *rest >= '0' && *rest <= '9'; rest++)
            *seconds = *seconds * 10 + (uint64_t)(*rest - '0');
        return *rest == '\0';
    }
    if (prefix(w, "--disk=", &rest)) {
        *disk = rest;
        return *rest != '\0';
    }
    if (nifaces == MAX_IFACES)
        return false;
    f = &ifaces[nifaces];
    while (w[n] && w[n] != '=' && n < sizeof f->name - 1) {
        f->name[n] = w[n];
        n++;
    }
    if (n == 0 || w[n] != '=' || !parse_ip(w + n + 1, f->ip))
        return false;
    nifaces++;
    return true;
}

static bool parse_cmdline(const char *p, uint64_t *seconds, const char **disk)
{
    static char words[8192];
    size_t n = 0;

    for (size_t i = 0; p[i] && n < sizeof words - 1; i++)
        words[n++] = p[i] == ' ' ? '\0' : p[i];
    words[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (words[i] == '\0')
            continue;
        if (!option(&words[i], seconds, disk)) {
            spt_printf("net: bad argument '%s'\n", &words[i]);
            return false;
        }
        while (i < n && words[i] != '\0')
            i++;
    }
    if (nifaces == 0)
        return option("service=10.0.0.2", seconds, disk);
    return true;
}

/* Write a marker to the first block of the disk and read it back. */
static bool disk_check(const char *name)
{
    static uint8_t block[32768], back[32768];
    struct solo5_block_info info;
    solo5_handle_t h;

    if (solo5_block_acquire(name, &h, &info) != SOLO5_R_OK ||
        info.block_size > sizeof block)
        return false;
    for (size_t i = 0; i < info.block_size; i++)
        block[i] = (uint8_t)("SPT-NET-DISK-OK\n"[i % 16]);
    if (solo5_block_write(h, 0, block, info.block_size) != SOLO5_R_OK ||
        solo5_block_read(h, 0, back, info.block_size) != SOLO5_R_OK ||
        !same(block, back, info.block_size))
        return false;
    spt_printf("net: disk %s: %llu bytes, marker written and read back\n",
               name, (unsigned long long)info.capacity);
    return true;
}

int solo5_app_main(const struct solo5_start_info *si)
{
    const char *disk = NULL;
    uint64_t seconds = 0;
    solo5_time_t end;

    if (!parse_cmdline(si->cmdline, &seconds, &disk))
        return 1;
    if (disk && !disk_check(disk)) {
        spt_printf("net: block device '%s' does not work\n", disk);
        return 1;
    }
    for (int i = 0; i < nifaces; i++) {
        struct iface *f = &ifaces[i];
        const uint8_t *m = f->info.mac_address;

        if (solo5_net_acquire(f->name, &f->handle, &f->info) != SOLO5_R_OK) {
            spt_printf("net: no network device '%s'\n", f->name);
            return 1;
        }
        spt_printf("net: %s mac %02x:%02x:%02x:%02x:%02x:%02x mtu %llu "
                   "ip %u.%u.%u.%u\n", f->name, m[0], m[1], m[2], m[3], m[4],
                   m[5], (unsigned long long)f->info.mtu, f->ip[0], f->ip[1],
                   f->ip[2], f->ip[3]);
    }
    spt_printf("net: serving\n");
    end = seconds ? solo5_clock_monotonic() + seconds * 1000000000ULL : 0;
    for (;;) {
        solo5_time_t now = solo5_clock_monotonic();
        solo5_handle_set_t ready = 0;

        if (end && now >= end)
            break;
        solo5_yield(end ? end : now + 1000000000ULL, &ready);
        for (int i = 0; i < nifaces; i++)
            if (ready & (1ULL << ifaces[i].handle))
                iface_drain(&ifaces[i]);
    }
    spt_printf("net: done\n");
    return 0;
}
