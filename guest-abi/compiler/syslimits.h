/*
 * syslimits.h: in the compiler's own headers, this file stands for the C
 * library's <limits.h>, which the compiler's <limits.h> goes on to read
 * (#include_next). A unikernel has no C library: here it stands for
 * nothing, and the compiler's <limits.h> is complete on its own.
 */
