/*
 * escape_i386.h: i386 system call numbers by name, for test_escape.c.
 */
#ifndef SPT_TEST_ESCAPE_I386_H
#define SPT_TEST_ESCAPE_I386_H

/* The i386 number of the named call, or -1 if the table lacks it. */
long escape_i386_nr(const char *name);

#endif /* SPT_TEST_ESCAPE_I386_H */
