/*
 * net.c: network devices: whole Ethernet frames on a non-blocking tap.
 */
#include "bindings.h"
#include "sys.h"

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    struct mft_entry *e = spt_mft_acquire(name, MFT_DEV_NET_BASIC, handle);

    if (e == NULL)
        return SOLO5_R_EINVAL;
    for (int i = 0; i < SOLO5_NET_ALEN; i++)
        info->mac_address[i] = e->u.net_basic.mac[i];
    info->mtu = e->u.net_basic.mtu;
    return SOLO5_R_OK;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size)
{
    const struct mft_entry *e = spt_mft_entry(handle, MFT_DEV_NET_BASIC);
    long ret;

    if (e == NULL || size == 0 ||
        size > (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    do {
        ret = sys_call3(SYS_write, sys_fd(e->b.hostfd),
                        (uint64_t)(uintptr_t)buf, size);
    } while (ret == -EINTR);
    return ret == (long)size ? SOLO5_R_OK : SOLO5_R_EUNSPEC;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size)
{
    const struct mft_entry *e = spt_mft_entry(handle, MFT_DEV_NET_BASIC);
    long ret;

    if (e == NULL || size < (size_t)e->u.net_basic.mtu + SOLO5_NET_HLEN)
        return SOLO5_R_EINVAL;
    do {
        ret = sys_call3(SYS_read, sys_fd(e->b.hostfd),
                        (uint64_t)(uintptr_t)buf, size);
    } while (ret == -EINTR);
    if (ret == -EAGAIN)
        return SOLO5_R_AGAIN;
    if (ret <= 0)
        return SOLO5_R_EUNSPEC;
    *read_size = (size_t)ret;
    return SOLO5_R_OK;
}
