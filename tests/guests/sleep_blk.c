/*
 * sleep_blk: the sleep guest with a block device attached (see
 * sleep.c and sleep_blk.json).
 */
#include "sleep.c"
