/*
 * elftool.h: solo5-elftool, Solo5's manifest and ABI tool, on our loader.
 *
 * Its command lines, exit statuses and JSON are those of Solo5's
 * solo5-elftool, so build systems and scripts written for Solo5 use it
 * unchanged. Every failure is one line on stderr and status 1.
 */
#ifndef SPT_ELFTOOL_H
#define SPT_ELFTOOL_H

/* The name the tool was run as (solo5-elftool, solo5-spt-mft). */
extern const char *elftool_prog;

/* "<prog>: <message>" on stderr, then exit(1). */
void elftool_fail(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* gen_manifest.c: JSON manifest → the C source of its MFT1 note. */
int elftool_gen_manifest(const char *json, const char *out_c);

/* query.c: a Solo5 executable's ABI1 note and manifest, as JSON. */
int elftool_query_abi(const char *binary);
int elftool_query_manifest(const char *binary);

#endif /* SPT_ELFTOOL_H */
