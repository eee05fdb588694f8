/*
 * syscall_blk: the raw system-call guest with block devices attached
 * (see syscall.c and syscall_blk.json).
 */
#include "syscall.c"
