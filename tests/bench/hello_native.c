/*
 * hello_native: the start-up limit, a static C program that prints what
 * hello.spt prints under --solo5:quiet.
 *
 *   hello_native [filtered]
 *
 * "filtered" first installs a one-instruction seccomp filter that allows
 * everything: what loading any filter at all costs a process.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

static int allow_all_install(void)
{
    struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = 1, .filter = &allow};

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "filtered") == 0 &&
        allow_all_install() != 0) {
        perror("hello_native: seccomp");
        return 1;
    }
    fputs("\n**** Hello from a Solo5 spt unikernel ****\n\n"
          "Command line: \"\"\nSUCCESS\n",
          stdout);
    return 0;
}
