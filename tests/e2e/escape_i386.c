/*
 * escape_i386.c: i386 system call numbers by name, taken from the kernel's
 * own header. It has a file of its own because the i386 and the x86_64
 * headers define the same macro names with different values.
 */
#include <string.h>
#include <asm/unistd_32.h>

#include "escape_i386.h"

/* clang-format off */
#define I386(name) {#name, __NR_##name}
/* clang-format on */

static const struct {
    const char *name;
    long nr;
} i386_calls[] = {
    I386(arch_prctl),
    I386(brk),
    I386(chroot),
    I386(clock_getres),
    I386(clock_gettime),
    I386(clock_gettime64),
    I386(clock_nanosleep),
    I386(clone),
    I386(clone3),
    I386(close),
    I386(connect),
    I386(copy_file_range),
    I386(creat),
    I386(dup2),
    I386(epoll_ctl),
    I386(epoll_pwait),
    I386(epoll_pwait2),
    I386(epoll_wait),
    I386(execve),
    I386(execveat),
    I386(exit),
    I386(exit_group),
    I386(fallocate),
    I386(fcntl),
    I386(fork),
    I386(fsync),
    I386(ftruncate),
    I386(futex),
    I386(getpid),
    I386(getrandom),
    I386(gettimeofday),
    I386(io_uring_setup),
    I386(ioctl),
    I386(ioperm),
    I386(iopl),
    I386(kill),
    I386(lseek),
    I386(madvise),
    I386(memfd_create),
    I386(mkdir),
    I386(mmap2),
    I386(modify_ldt),
    I386(mprotect),
    I386(mremap),
    I386(munmap),
    I386(nanosleep),
    I386(open),
    I386(openat),
    I386(personality),
    I386(pidfd_open),
    I386(pipe2),
    I386(prctl),
    I386(pread64),
    I386(preadv),
    I386(process_vm_writev),
    I386(ptrace),
    I386(pwrite64),
    I386(pwritev),
    I386(pwritev2),
    I386(read),
    I386(rt_sigaction),
    I386(rt_sigprocmask),
    I386(rt_sigreturn),
    I386(seccomp),
    I386(sendfile),
    I386(set_thread_area),
    I386(sigaltstack),
    I386(sigreturn),
    I386(socket),
    I386(socketcall),
    I386(symlink),
    I386(tgkill),
    I386(time),
    I386(timerfd_create),
    I386(timerfd_settime),
    I386(truncate),
    I386(unlink),
    I386(unshare),
    I386(userfaultfd),
    I386(bpf),
    I386(vfork),
    I386(write),
    I386(writev),
};

long escape_i386_nr(const char *name)
{
    for (size_t i = 0; i < sizeof i386_calls / sizeof i386_calls[0]; i++)
        if (strcmp(i386_calls[i].name, name) == 0)
            return i386_calls[i].nr;
    return -1;
}
