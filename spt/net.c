/*
 * net.c: network devices (--net:NAME=IFACE, --net:NAME=@FD).
 */
#include <stdio.h>

#include "tender.h"

static int net_attach(struct device *d, char *err, size_t errlen)
{
    snprintf(err, errlen, "--net:%s: network devices are not supported yet",
             d->opt->name);
    return -1;
}

static int net_add_rules(const struct device *d, struct policy *p)
{
    return policy_add_net(p, d->fd, d->opt->name);
}

const struct device_ops net_ops = {
    .kind = DEV_NET,
    .mft_type = MFT_DEV_NET_BASIC,
    .type_name = "NET_BASIC",
    .value_hint = "IFACE",
    .attach = net_attach,
    .add_rules = net_add_rules,
    .polled = true,
};
