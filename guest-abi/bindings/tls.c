/*
 * tls.c: thread-local storage, x86_64 variant II.
 *
 * The TLS block holds .tdata then .tbss, rounded up to the TLS alignment;
 * the thread pointer follows it and points at itself (%fs:0 is read by
 * local-exec code that takes a TLS variable's address).
 */
#include "bindings.h"
#include "sys.h"

/* From the linker script. */
extern char __spt_tdata_start[], __spt_tdata_end[];
extern char __spt_tls_memsz[], __spt_tls_align[];

static uintptr_t tls_block_size(void)
{
    uintptr_t align = (uintptr_t)__spt_tls_align;

    return ((uintptr_t)__spt_tls_memsz + align - 1) & ~(align - 1);
}

size_t solo5_tls_size(void)
{
    return tls_block_size() + sizeof(uintptr_t);
}

uintptr_t solo5_tls_tp_offset(uintptr_t tls)
{
    return tls + tls_block_size();
}

solo5_result_t solo5_tls_init(uintptr_t tls)
{
    size_t tdata = (size_t)(__spt_tdata_end - __spt_tdata_start);
    uintptr_t tp = solo5_tls_tp_offset(tls);
    uint8_t *p = (uint8_t *)tls;

    if (tls == 0 || tp % (uintptr_t)__spt_tls_align != 0)
        return SOLO5_R_EINVAL;
    for (size_t i = 0; i < tdata; i++)
        p[i] = (uint8_t)__spt_tdata_start[i];
    for (size_t i = tdata; i < tls_block_size(); i++)
        p[i] = 0;
    *(uintptr_t *)tp = tp;
    return SOLO5_R_OK;
}

solo5_result_t solo5_set_tls_base(uintptr_t base)
{
    if (sys_call3(SYS_arch_prctl, ARCH_SET_FS, base, 0) != 0)
        return SOLO5_R_EINVAL;
    return SOLO5_R_OK;
}
