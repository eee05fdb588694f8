/*
 * net.c: network devices. Not yet attached by the tender: every call is
 * refused.
 */
#include "bindings.h"

void spt_net_init(void)
{
}

solo5_result_t solo5_net_acquire(const char *name, solo5_handle_t *handle,
                                 struct solo5_net_info *info)
{
    (void)name;
    (void)handle;
    (void)info;
    return SOLO5_R_EINVAL;
}

solo5_result_t solo5_net_write(solo5_handle_t handle, const uint8_t *buf,
                               size_t size)
{
    (void)handle;
    (void)buf;
    (void)size;
    return SOLO5_R_EINVAL;
}

solo5_result_t solo5_net_read(solo5_handle_t handle, uint8_t *buf, size_t size,
                              size_t *read_size)
{
    (void)handle;
    (void)buf;
    (void)size;
    (void)read_size;
    return SOLO5_R_EINVAL;
}
