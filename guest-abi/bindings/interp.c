/*
 * interp.c: a PT_INTERP that no host has, so that the host kernel refuses
 * to exec a guest directly.
 */
#include "solo5/elf_abi.h"

__attribute__((section(".interp"), used)) static const char interp[] =
    SOLO5_SPT_INTERP;
