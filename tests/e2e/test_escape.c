/*
 * test_escape.c: the escape matrix (spec section 5). The syscall_blk guest
 * makes one forbidden system call per run, with both its block devices
 * attached: natively, through the x32 ABI, through int $0x80 and through
 * the vsyscall page. Every run must die of SIGSYS before the call does
 * anything: the guest prints nothing after "CALLING", the disk images stay
 * byte-for-byte the same, and no file and no process is left behind.
 * Allowed calls are the controls: natively they must get through.
 *
 * With --supervise the whole matrix runs again under --x-supervise, whose
 * filter notifies a supervisor instead of killing: the calls must still
 * never run, the supervisor must name each native one and say another
 * ABI for the rest, and neither process may be left behind.
 *
 * With --fuzz the whole matrix runs again under --x-fuzz, each call made
 * by FUZZ_RUNS children in turn of the fork server, driven as afl-fuzz
 * drives it (tests/lib/forksrv.h). Not as one run of --x-fuzz-input=FILE:
 * that run installs the allowlist on the very path of a normal run, so it
 * would only repeat the first matrix. The fork server is the new path,
 * the one afl-fuzz takes: a parent that stays unfiltered forks children
 * that must each install the allowlist themselves before the jump. So
 * every call is made there, by a first child and by the next one, forked
 * after the first died: each must die as a normal run does, the server
 * must report it so (SIGSYS as a signal) and serve on, and end with
 * status 0 at end of file, with nothing left behind. Writable block
 * devices are refused under --x-fuzz, so both are attached read-only;
 * --block-ro keeps the same pread64/pwrite64 rules (the kernel refuses
 * the writes), so the bounds tried are the same.
 *
 * Arguments are ones the call would succeed with if it were let through:
 * the block device's real fd, paths into a witness directory, buffers in
 * guest memory ("heap", "s:TEXT": see tests/guests/syscall.c).
 *
 * SPT_BUILD names the build directory (default "build").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "policy.h" /* POLICY_BLOCK_MAX_IO */
#include "allowlist.h"
#include "e2e.h"
#include "escape_i386.h"
#include "forksrv.h"

/* Big enough for the multi-block rules; the other device is not. */
#define STORAGE_SIZE (1024 * 1024)
#define OTHER_SIZE   (64 * 1024)
#define BLOCK_SIZE   512
/* What the console writes print: it may only ever come from the control. */
#define MARKER "WRITTEN"
/* A hung guest is a failure too; don't wait the default 30 s for it. */
#define RUN_TIMEOUT_MS 10000
/* Under --fuzz: the children of one fork server that make each call. */
#define FUZZ_RUNS 2

enum entry { NATIVE, X32, INT80, VSYSCALL, ENTRIES };

static const char *const entry_word[ENTRIES] = {NULL, "x32", "int80",
                                                "vsyscall"};
static const char *const entry_name[ENTRIES] = {"native", "x32", "int $0x80",
                                                "vsyscall"};

enum case_kind {
    FORBIDDEN,  /* killed whichever way it is made */
    CONTROL,    /* allowed natively: must return; x32, int $0x80: killed */
    NOT_NATIVE, /* allowed natively, but would end or break the guest: only
                 * made through x32 and int $0x80 */
};

struct escape_case {
    const char *what;
    enum case_kind kind;
    const char *call;   /* x86_64 call name and arguments, or NULL */
    const char *call32; /* i386 call name and arguments, or NULL */
    const char *output; /* controls: what the guest prints after CALLING */
};

/* clang-format off */
#define FORBID(what, call, call32) {what, FORBIDDEN, call, call32, NULL}
#define ALLOW(what, call, call32, output) {what, CONTROL, call, call32, output}
#define SKIP_NATIVE(what, call, call32) {what, NOT_NATIVE, call, call32, NULL}
/* clang-format on */

/*
 * Argument tokens, replaced before the run: @fd/@ofd the storage/other
 * block fds, @fdhi the storage fd with a bit set in its upper half, @epfd
 * and @tfd the yield fds, @w the witness directory, @img the storage
 * image, @exec the program execve is asked to run (exec_witness.S, whose
 * output contains MARKER); offsets and sizes on the storage device: @size its
 * capacity,
 * @last its last block, @straddle one byte past that (a block there
 * crosses the end), @max_io the largest multi-block request, @oversize
 * one block more, @multi_over one block past where a @max_io request may
 * start; @osize the other device's capacity.
 */
static const struct escape_case cases[] = {
    /*
     * Files: anything that ran would leave a trace in the witness dir.
     * 0x41 is O_WRONLY | O_CREAT; 420 and 493 are modes 0644 and 0755.
     */
    FORBID("open creating a file", "open s:@w/open 0x41 420",
           "open s:@w/open 0x41 420"),
    FORBID("openat creating a file", "openat -100 s:@w/openat 0x41 420",
           "openat -100 s:@w/openat 0x41 420"),
    FORBID("creat", "creat s:@w/creat 420", "creat s:@w/creat 420"),
    FORBID("mkdir", "mkdir s:@w/mkdir 493", "mkdir s:@w/mkdir 493"),
    FORBID("symlink", "symlink s:/etc/passwd s:@w/symlink",
           "symlink s:/etc/passwd s:@w/symlink"),
    FORBID("open the disk image read-write", "open s:@img 2", "open s:@img 2"),
    FORBID("unlink the disk image", "unlink s:@img", "unlink s:@img"),
    FORBID("truncate the disk image", "truncate s:@img 0", "truncate s:@img 0"),
    FORBID("chroot", "chroot s:@w", "chroot s:@w"),

    /* Network. */
    FORBID("socket", "socket 1 1 0", "socket 1 1 0"),
    FORBID("connect", "connect 0 heap 110", "connect 0 heap 110"),
    FORBID("socketcall socket", NULL, "socketcall 1 heap"),

    /*
     * Processes: a child would print RETURNED and be left to reap. 17 is
     * SIGCHLD, 0x10000000 CLONE_NEWUSER.
     */
    FORBID("execve", "execve s:@exec 0 0", "execve s:@exec 0 0"),
    FORBID("execveat", "execveat -100 s:@exec 0 0 0",
           "execveat -100 s:@exec 0 0 0"),
    FORBID("fork", "fork", "fork"),
    FORBID("vfork", "vfork", "vfork"),
    FORBID("clone like fork", "clone 17 0 0 0 0", "clone 17 0 0 0 0"),
    FORBID("clone3", "clone3 heap 88", "clone3 heap 88"),
    FORBID("kill with signal 0", "kill 1 0", "kill 1 0"),
    FORBID("tgkill with signal 0", "tgkill 1 1 0", "tgkill 1 1 0"),
    FORBID("ptrace PTRACE_TRACEME", "ptrace 0 0 0 0", "ptrace 0 0 0 0"),
    FORBID("process_vm_writev", "process_vm_writev 1 heap 1 heap 1 0",
           "process_vm_writev 1 heap 1 heap 1 0"),
    FORBID("unshare a user namespace", "unshare 0x10000000",
           "unshare 0x10000000"),
    FORBID("personality PER_LINUX32", "personality 8", "personality 8"),
    FORBID("prctl PR_GET_SECCOMP", "prctl 21", "prctl 21"),
    FORBID("seccomp SECCOMP_GET_ACTION_AVAIL", "seccomp 2 0 heap",
           "seccomp 2 0 heap"),
    FORBID("pidfd_open", "pidfd_open 1 0", "pidfd_open 1 0"),
    FORBID("getpid", "getpid", "getpid"),

    /* Memory. 0x22 is MAP_PRIVATE | MAP_ANONYMOUS. */
    FORBID("mmap PROT_READ|PROT_EXEC", "mmap 0 4096 5 0x22 -1 0",
           "mmap2 0 4096 5 0x22 -1 0"),
    FORBID("mmap PROT_READ|PROT_WRITE", "mmap 0 4096 3 0x22 -1 0",
           "mmap2 0 4096 3 0x22 -1 0"),
    FORBID("mprotect the heap PROT_READ|PROT_EXEC", "mprotect heap 4096 5",
           "mprotect heap 4096 5"),
    FORBID("mprotect the code PROT_READ|PROT_WRITE|PROT_EXEC",
           "mprotect 0x100000 4096 7", "mprotect 0x100000 4096 7"),
    FORBID("brk", "brk 0", "brk 0"),
    FORBID("munmap", "munmap heap 4096", "munmap heap 4096"),
    FORBID("mremap", "mremap heap 4096 8192 1", "mremap heap 4096 8192 1"),
    FORBID("madvise MADV_DONTNEED", "madvise heap 4096 4",
           "madvise heap 4096 4"),
    FORBID("modify_ldt", "modify_ldt 1 heap 16", "modify_ldt 1 heap 16"),
    FORBID("memfd_create", "memfd_create s:escape 0",
           "memfd_create s:escape 0"),
    FORBID("userfaultfd", "userfaultfd 0", "userfaultfd 0"),
    FORBID("io_uring_setup", "io_uring_setup 8 heap", "io_uring_setup 8 heap"),
    FORBID("bpf BPF_MAP_CREATE", "bpf 0 heap 72", "bpf 0 heap 72"),
    FORBID("iopl", "iopl 3", "iopl 3"),
    FORBID("ioperm", "ioperm 0x80 1 1", "ioperm 0x80 1 1"),
    FORBID("getrandom", "getrandom heap 16 0", "getrandom heap 16 0"),
    FORBID("futex FUTEX_WAKE", "futex heap 1 1", "futex heap 1 1"),

    /* The console and other descriptors. */
    ALLOW("write to the console", "write 1 s:" MARKER " 7",
          "write 1 s:" MARKER " 7", MARKER "RETURNED 7\n"),
    FORBID("write to fd 0", "write 0 s:" MARKER " 7", "write 0 s:" MARKER " 7"),
    FORBID("write to fd 2", "write 2 s:" MARKER " 7", "write 2 s:" MARKER " 7"),
    FORBID("write to fd 1 with a bit set in its upper half",
           "write 0x100000001 s:" MARKER " 7", NULL),
    FORBID("writev to the console", "writev 1 heap 1", "writev 1 heap 1"),
    FORBID("read from fd 0", "read 0 heap 16", "read 0 heap 16"),
    FORBID("ioctl TCGETS", "ioctl 1 0x5401 heap", "ioctl 1 0x5401 heap"),
    FORBID("dup2 the disk onto the console", "dup2 @fd 1", "dup2 @fd 1"),
    FORBID("close the disk", "close @fd", "close @fd"),
    FORBID("fcntl F_GETFD", "fcntl @fd 1", "fcntl @fd 1"),
    FORBID("pipe2", "pipe2 heap 0", "pipe2 heap 0"),

    /* The block devices. i386 passes 64-bit offsets as two halves. */
    ALLOW("pread64 of the first block", "pread64 @fd heap 512 0",
          "pread64 @fd heap 512 0 0", "RETURNED 512\n"),
    FORBID("read on the block fd", "read @fd heap 512", "read @fd heap 512"),
    FORBID("write on the block fd", "write @fd s:" MARKER " 7",
           "write @fd s:" MARKER " 7"),
    FORBID("pwrite64 of 513 bytes", "pwrite64 @fd 0x100000 513 0",
           "pwrite64 @fd 0x100000 513 0 0"),
    FORBID("pwrite64 of 511 bytes", "pwrite64 @fd 0x100000 511 0",
           "pwrite64 @fd 0x100000 511 0 0"),
    FORBID("pwrite64 of two blocks at the last block",
           "pwrite64 @fd 0x100000 1024 @last",
           "pwrite64 @fd 0x100000 1024 @last 0"),
    FORBID("pwrite64 at the end", "pwrite64 @fd 0x100000 512 @size",
           "pwrite64 @fd 0x100000 512 @size 0"),
    FORBID("pwrite64 across the end", "pwrite64 @fd 0x100000 512 @straddle",
           "pwrite64 @fd 0x100000 512 @straddle 0"),
    FORBID("pwrite64 at 1 GiB", "pwrite64 @fd 0x100000 512 0x40000000",
           "pwrite64 @fd 0x100000 512 0x40000000 0"),
    FORBID("pwrite64 at 2^63", "pwrite64 @fd 0x100000 512 0x8000000000000000",
           "pwrite64 @fd 0x100000 512 0 0x80000000"),
    FORBID("pread64 at -512", "pread64 @fd heap 512 -512",
           "pread64 @fd heap 512 -512 -1"),
    FORBID("pwrite64 at -1", "pwrite64 @fd 0x100000 512 -1",
           "pwrite64 @fd 0x100000 512 -1 -1"),
    FORBID("pwrite64 one block over the largest request",
           "pwrite64 @fd 0x100000 @oversize 0",
           "pwrite64 @fd 0x100000 @oversize 0 0"),
    FORBID("pwrite64 of the largest request past its last offset",
           "pwrite64 @fd 0x100000 @max_io @multi_over",
           "pwrite64 @fd 0x100000 @max_io @multi_over 0"),
    FORBID("pwrite64 of three blocks past the multi-block limit",
           "pwrite64 @fd 0x100000 1536 @multi_over",
           "pwrite64 @fd 0x100000 1536 @multi_over 0"),
    FORBID("pwrite64 with a bit set in the count's upper half",
           "pwrite64 @fd 0x100000 0x100000200 0", NULL),
    FORBID("pwrite64 with a bit set in the fd's upper half",
           "pwrite64 @fdhi 0x100000 512 0", NULL),
    FORBID("pwrite64 on the other device at its end",
           "pwrite64 @ofd 0x100000 512 @osize",
           "pwrite64 @ofd 0x100000 512 @osize 0"),
    FORBID("pwrite64 of two blocks on the other device",
           "pwrite64 @ofd 0x100000 1024 0", "pwrite64 @ofd 0x100000 1024 0 0"),
    FORBID("pwrite64 on fd 2", "pwrite64 2 0x100000 512 0",
           "pwrite64 2 0x100000 512 0 0"),
    FORBID("preadv", "preadv @fd heap 1 0", "preadv @fd heap 1 0 0"),
    FORBID("pwritev", "pwritev @fd heap 1 0", "pwritev @fd heap 1 0 0"),
    FORBID("pwritev2", "pwritev2 @fd heap 1 0 0 0",
           "pwritev2 @fd heap 1 0 0 0"),
    FORBID("copy_file_range between the devices",
           "copy_file_range @ofd 0 @fd 0 512 0",
           "copy_file_range @ofd 0 @fd 0 512 0"),
    FORBID("sendfile between the devices", "sendfile @fd @ofd 0 512",
           "sendfile @fd @ofd 0 512"),
    FORBID("lseek", "lseek @fd 0 2", "lseek @fd 0 2"),
    FORBID("ftruncate", "ftruncate @fd 0", "ftruncate @fd 0"),
    FORBID("fallocate to twice the size", "fallocate @fd 0 0 2097152",
           "fallocate @fd 0 0 0 2097152 0"),
    FORBID("fsync", "fsync @fd", "fsync @fd"),

    /* Yield: only epoll_pwait and timerfd_settime on their own fds. */
    ALLOW("epoll_pwait on the epoll fd", "epoll_pwait @epfd heap 1 0 0 8",
          "epoll_pwait @epfd heap 1 0 0 8", "RETURNED 0\n"),
    FORBID("epoll_pwait on another fd", "epoll_pwait @fd heap 1 0 0 8",
           "epoll_pwait @fd heap 1 0 0 8"),
    FORBID("epoll_wait", "epoll_wait @epfd heap 1 0",
           "epoll_wait @epfd heap 1 0"),
    FORBID("epoll_pwait2", "epoll_pwait2 @epfd heap 1 heap 0 8",
           "epoll_pwait2 @epfd heap 1 heap 0 8"),
    FORBID("epoll_ctl EPOLL_CTL_ADD", "epoll_ctl @epfd 1 0 heap",
           "epoll_ctl @epfd 1 0 heap"),
    ALLOW("timerfd_settime on the timerfd", "timerfd_settime @tfd 0 heap 0",
          "timerfd_settime @tfd 0 heap 0", "RETURNED 0\n"),
    FORBID("timerfd_settime on another fd", "timerfd_settime @epfd 0 heap 0",
           "timerfd_settime @epfd 0 heap 0"),
    FORBID("timerfd_create", "timerfd_create 1 0", "timerfd_create 1 0"),

    /* Clocks: CLOCK_REALTIME (0) and CLOCK_MONOTONIC (1) only. */
    ALLOW("clock_gettime CLOCK_MONOTONIC", "clock_gettime 1 heap",
          "clock_gettime 1 heap", "RETURNED 0\n"),
    ALLOW("clock_gettime CLOCK_REALTIME", "clock_gettime 0 heap",
          "clock_gettime 0 heap", "RETURNED 0\n"),
    FORBID("clock_gettime CLOCK_PROCESS_CPUTIME_ID", "clock_gettime 2 heap",
           "clock_gettime 2 heap"),
    FORBID("clock_gettime CLOCK_THREAD_CPUTIME_ID", "clock_gettime 3 heap",
           "clock_gettime 3 heap"),
    FORBID("clock_gettime CLOCK_MONOTONIC_RAW", "clock_gettime 4 heap",
           "clock_gettime 4 heap"),
    FORBID("clock_gettime CLOCK_REALTIME_COARSE", "clock_gettime 5 heap",
           "clock_gettime 5 heap"),
    FORBID("clock_gettime CLOCK_BOOTTIME", "clock_gettime 7 heap",
           "clock_gettime 7 heap"),
    FORBID("clock_gettime CLOCK_TAI", "clock_gettime 11 heap",
           "clock_gettime 11 heap"),
    FORBID("clock_gettime with a bit set in the clock's upper half",
           "clock_gettime 0x100000001 heap", NULL),
    FORBID("clock_gettime64 CLOCK_MONOTONIC", NULL, "clock_gettime64 1 heap"),
    FORBID("clock_getres", "clock_getres 1 heap", "clock_getres 1 heap"),
    FORBID("clock_nanosleep", "clock_nanosleep 1 0 heap 0",
           "clock_nanosleep 1 0 heap 0"),
    FORBID("nanosleep", "nanosleep heap 0", "nanosleep heap 0"),
    FORBID("gettimeofday", "gettimeofday heap 0", "gettimeofday heap 0"),
    FORBID("time", "time 0", "time 0"),

    /* TLS: arch_prctl(ARCH_SET_FS) only. */
    SKIP_NATIVE("arch_prctl ARCH_SET_FS", "arch_prctl 0x1002 heap",
                "arch_prctl 0x1002 heap"),
    FORBID("arch_prctl ARCH_SET_FS with a bit set in the code's upper half",
           "arch_prctl 0x100001002 heap", NULL),
    FORBID("arch_prctl ARCH_GET_FS", "arch_prctl 0x1003 heap",
           "arch_prctl 0x1003 heap"),
    FORBID("arch_prctl ARCH_SET_GS", "arch_prctl 0x1001 heap",
           "arch_prctl 0x1001 heap"),
    FORBID("arch_prctl ARCH_GET_GS", "arch_prctl 0x1004 heap",
           "arch_prctl 0x1004 heap"),
    FORBID("arch_prctl ARCH_GET_CPUID", "arch_prctl 0x1011 0",
           "arch_prctl 0x1011 0"),
    FORBID("arch_prctl ARCH_SET_CPUID", "arch_prctl 0x1012 0",
           "arch_prctl 0x1012 0"),
    FORBID("set_thread_area", NULL, "set_thread_area heap"),

    /* Signals. */
    FORBID("rt_sigaction SIGSYS", "rt_sigaction 31 heap 0 8",
           "rt_sigaction 31 heap 0 8"),
    FORBID("rt_sigprocmask", "rt_sigprocmask 0 heap 0 8",
           "rt_sigprocmask 0 heap 0 8"),
    FORBID("sigaltstack", "sigaltstack 0 heap", "sigaltstack 0 heap"),
    FORBID("rt_sigreturn", "rt_sigreturn", "rt_sigreturn"),
    FORBID("sigreturn", NULL, "sigreturn"),

    /* Exits: had exit run, the status would be 0. */
    FORBID("exit (the thread only)", "exit 0", "exit 0"),
    SKIP_NATIVE("exit_group", "exit_group 0", "exit_group 0"),
};

/* The vsyscall page's entries: 0 gettimeofday, 1 time, 2 getcpu. */
static const struct escape_case vsyscall_cases[] = {
    FORBID("vsyscall gettimeofday", "0 heap 0", NULL),
    FORBID("vsyscall time", "1 heap", NULL),
    FORBID("vsyscall getcpu", "2 heap heap 0", NULL),
};

/* clang-format off */
#define X86_64(name) {#name, SYS_##name}
/* clang-format on */

static const struct {
    const char *name;
    long nr;
} x86_64_calls[] = {
    X86_64(arch_prctl),
    X86_64(bpf),
    X86_64(brk),
    X86_64(chroot),
    X86_64(clock_getres),
    X86_64(clock_gettime),
    X86_64(clock_nanosleep),
    X86_64(clone),
    X86_64(clone3),
    X86_64(close),
    X86_64(connect),
    X86_64(copy_file_range),
    X86_64(creat),
    X86_64(dup2),
    X86_64(epoll_ctl),
    X86_64(epoll_pwait),
    X86_64(epoll_pwait2),
    X86_64(epoll_wait),
    X86_64(execve),
    X86_64(execveat),
    X86_64(exit),
    X86_64(exit_group),
    X86_64(fallocate),
    X86_64(fcntl),
    X86_64(fork),
    X86_64(fsync),
    X86_64(ftruncate),
    X86_64(futex),
    X86_64(getpid),
    X86_64(getrandom),
    X86_64(gettimeofday),
    X86_64(io_uring_setup),
    X86_64(ioctl),
    X86_64(ioperm),
    X86_64(iopl),
    X86_64(kill),
    X86_64(lseek),
    X86_64(madvise),
    X86_64(memfd_create),
    X86_64(mkdir),
    X86_64(mmap),
    X86_64(modify_ldt),
    X86_64(mprotect),
    X86_64(mremap),
    X86_64(munmap),
    X86_64(nanosleep),
    X86_64(open),
    X86_64(openat),
    X86_64(personality),
    X86_64(pidfd_open),
    X86_64(pipe2),
    X86_64(prctl),
    X86_64(pread64),
    X86_64(preadv),
    X86_64(process_vm_writev),
    X86_64(ptrace),
    X86_64(pwrite64),
    X86_64(pwritev),
    X86_64(pwritev2),
    X86_64(read),
    X86_64(rt_sigaction),
    X86_64(rt_sigprocmask),
    X86_64(rt_sigreturn),
    X86_64(seccomp),
    X86_64(sendfile),
    X86_64(sigaltstack),
    X86_64(socket),
    X86_64(symlink),
    X86_64(tgkill),
    X86_64(time),
    X86_64(timerfd_create),
    X86_64(timerfd_settime),
    X86_64(truncate),
    X86_64(unlink),
    X86_64(unshare),
    X86_64(userfaultfd),
    X86_64(vfork),
    X86_64(write),
    X86_64(writev),
};

static long x86_64_nr(const char *name)
{
    for (size_t i = 0; i < sizeof x86_64_calls / sizeof x86_64_calls[0]; i++)
        if (strcmp(x86_64_calls[i].name, name) == 0)
            return x86_64_calls[i].nr;
    return -1;
}

#define MAX_TOKENS 16

static struct {
    const char *guest, *exec_witness, *witness, *img, *other_img;
    char storage_opt[PATH_MAX + 32], other_opt[PATH_MAX + 32];
    uint8_t *storage_data, *other_data; /* what the images must hold */
    struct {
        const char *name;
        char value[PATH_MAX];
    } tokens[MAX_TOKENS];
    unsigned ntokens;
    /* int $0x80 runs here (IA32 emulation), so it must meet SIGSYS. */
    bool int80_runs;
    bool vsyscall_mapped;
    bool supervise; /* every run under --x-supervise */
    bool fuzz;      /* every call in children of the --x-fuzz fork server */
    /* Under --fuzz: each child's raw wait status, the server's own. */
    int fuzz_status[FUZZ_RUNS], server_status;
    unsigned runs[ENTRIES], controls;
    bool run_failed;      /* the current run broke out somehow */
    unsigned failed_runs; /* runs that did */
} m;

/* Bytes no run may change: a different one at each offset, per device. */
static void fill_pattern(uint8_t *data, size_t size, unsigned seed)
{
    for (size_t i = 0; i < size; i++)
        data[i] = (uint8_t)((i * 131 + (i >> 9) * 7 + seed) ^ (i >> 17));
}

static int write_image(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, data, size);
    close(fd);
    return n == (ssize_t)size ? 0 : -1;
}

/* The image is exactly data (size and content); if not, say how. */
static bool image_intact(const char *path, const uint8_t *data, size_t size,
                         char *why, size_t whylen)
{
    uint8_t *now = malloc(size + 1);
    struct stat st;
    bool intact = false;
    FILE *f;

    if (now == NULL || stat(path, &st) != 0 ||
        (f = fopen(path, "rb")) == NULL) {
        snprintf(why, whylen, "%s: gone (%s)", path, strerror(errno));
        free(now);
        return false;
    }
    if ((size_t)st.st_size != size) {
        snprintf(why, whylen, "%s: size %lld, was %zu", path,
                 (long long)st.st_size, size);
    } else if (fread(now, 1, size + 1, f) != size) {
        snprintf(why, whylen, "%s: cannot read it back", path);
    } else if (memcmp(now, data, size) != 0) {
        size_t i = 0;

        while (now[i] == data[i])
            i++;
        snprintf(why, whylen, "%s: byte %zu changed", path, i);
    } else {
        intact = true;
    }
    fclose(f);
    free(now);
    return intact;
}

/* Names what is in the witness directory, and empties it. */
static bool witness_empty(char *why, size_t whylen)
{
    DIR *d = opendir(m.witness);
    struct dirent *e;
    bool empty = true;

    if (d == NULL) {
        snprintf(why, whylen, "%s: gone", m.witness);
        return false;
    }
    while ((e = readdir(d)) != NULL) {
        char path[2 * PATH_MAX];

        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(why, whylen, "%s/%s appeared", m.witness, e->d_name);
        snprintf(path, sizeof path, "%s/%s", m.witness, e->d_name);
        if (unlink(path) != 0)
            rmdir(path);
        empty = false;
    }
    closedir(d);
    return empty;
}

/*
 * We are a child subreaper: a process the guest forked would be ours once
 * the tender died. There must be none; reap any that there is.
 */
static bool no_process_left(char *why, size_t whylen)
{
    for (int tries = 0; tries < 100; tries++) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);

        if (pid == -1 && errno == ECHILD)
            return tries == 0;
        snprintf(why, whylen, "a child process was left behind");
        if (pid == 0)
            usleep(10000);
    }
    return false;
}

/* Replace the @tokens in word (longest name first). */
static void expand(const char *word, char *out, size_t size)
{
    size_t n = 0;

    while (*word && n + 1 < size) {
        const char *value = NULL;
        size_t best = 0;

        if (*word == '@') {
            for (unsigned i = 0; i < m.ntokens; i++) {
                size_t len = strlen(m.tokens[i].name);

                if (len > best &&
                    strncmp(word + 1, m.tokens[i].name, len) == 0) {
                    best = len;
                    value = m.tokens[i].value;
                }
            }
        }
        if (value == NULL) {
            out[n++] = *word++;
            continue;
        }
        for (; *value && n + 1 < size; value++)
            out[n++] = *value;
        word += 1 + best;
    }
    out[n] = '\0';
}

static void add_token(const char *name, const char *fmt, ...)
{
    va_list ap;

    assert_true(m.ntokens < MAX_TOKENS);
    m.tokens[m.ntokens].name = name;
    va_start(ap, fmt);
    vsnprintf(m.tokens[m.ntokens].value, PATH_MAX, fmt, ap);
    va_end(ap);
    m.ntokens++;
}

static void report(enum entry e, const struct escape_case *c, const char *words,
                   const char *fmt, ...)
{
    va_list ap;
    char msg[PATH_MAX];

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    print_error("ESCAPE %s %s (%s): %s\n", entry_name[e], c->what, words, msg);
    m.run_failed = true;
}

/*
 * Under --fuzz: start argv as a fork server, have FUZZ_RUNS children make
 * the call, close the pipes and wait for the server to end. r is the
 * first child's end, as a shell would see it, with all the children
 * printed (stdout and stderr together, in r->out and r->err alike);
 * m.fuzz_status and m.server_status the rest (check_fuzz).
 */
static void fuzz_run(const char *const *argv, struct run_result *r)
{
    struct forksrv_opts o = {
        .map_size = 65536, .shm_input = true, .out = tmp_path("fuzz.out")};
    int first;
    struct forksrv s;
    FILE *f;
    long size;

    memset(r, 0, sizeof *r);
    unlink(o.out);
    assert_int_equal(forksrv_start(&s, argv, &o), 0);
    for (int i = 0; i < FUZZ_RUNS; i++) {
        struct forksrv_run fr;

        assert_int_equal(forksrv_run(&s, "", 0, RUN_TIMEOUT_MS, &fr), 0);
        r->timed_out |= fr.timed_out;
        m.fuzz_status[i] = fr.status;
    }
    m.server_status = forksrv_close(&s, RUN_TIMEOUT_MS);
    first = m.fuzz_status[0];
    r->exited = WIFEXITED(first);
    r->signal = WIFSIGNALED(first) ? WTERMSIG(first) : 0;
    r->status = r->exited ? WEXITSTATUS(first) : 128 + r->signal;
    f = fopen(o.out, "r");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    r->out = calloc(1, (size_t)size + 1);
    assert_non_null(r->out);
    assert_int_equal(fread(r->out, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    r->err = strdup(r->out);
    assert_non_null(r->err);
}

/*
 * Run the guest with one call. Returns false, after saying why, when the
 * call's words cannot even be built (an unknown name).
 */
static bool run_call(enum entry e, const char *call, struct run_result *r,
                     char *words, size_t wordslen)
{
    static char expanded[8][PATH_MAX + 64];
    const char *argv[16] = {e2e.tender};
    struct run_opts opts = {.timeout_ms = RUN_TIMEOUT_MS};
    char copy[PATH_MAX], *save = NULL, *w;
    int argc = 1, nw = 0;

    if (m.supervise)
        argv[argc++] = "--x-supervise";
    if (m.fuzz)
        argv[argc++] = "--x-fuzz";
    argv[argc++] = m.storage_opt;
    argv[argc++] = m.other_opt;
    argv[argc++] = m.guest;
    argv[argc++] = "--solo5:quiet";

    if (entry_word[e])
        argv[argc++] = entry_word[e];
    snprintf(copy, sizeof copy, "%s", call);
    words[0] = '\0';
    for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        assert_true(nw < 8);
        if (nw == 0 && e != VSYSCALL) {
            long nr = e == INT80 ? escape_i386_nr(w) : x86_64_nr(w);

            if (nr < 0) {
                print_error("no %s number for %s\n", entry_name[e], w);
                return false;
            }
            snprintf(expanded[nw], sizeof expanded[nw], "%ld", nr);
        } else {
            expand(w, expanded[nw], sizeof expanded[nw]);
        }
        argv[argc++] = expanded[nw];
        snprintf(words + strlen(words), wordslen - strlen(words), "%s%s",
                 nw ? " " : "", expanded[nw]);
        nw++;
    }
    argv[argc] = NULL;
    if (m.fuzz)
        fuzz_run(argv, r);
    else
        assert_int_equal(run(argv, &opts, r), 0);
    return true;
}

/* What any run must leave as it found: images, witness dir, processes. */
static void check_host(enum entry e, const struct escape_case *c,
                       const char *words)
{
    char why[2 * PATH_MAX];

    if (!image_intact(m.img, m.storage_data, STORAGE_SIZE, why, sizeof why)) {
        report(e, c, words, "%s", why);
        assert_int_equal(write_image(m.img, m.storage_data, STORAGE_SIZE), 0);
    }
    if (!image_intact(m.other_img, m.other_data, OTHER_SIZE, why, sizeof why)) {
        report(e, c, words, "%s", why);
        assert_int_equal(write_image(m.other_img, m.other_data, OTHER_SIZE), 0);
    }
    if (!witness_empty(why, sizeof why))
        report(e, c, words, "%s", why);
    if (!no_process_left(why, sizeof why))
        report(e, c, words, "%s", why);
}

static bool killed_as_expected(enum entry e, const struct run_result *r)
{
    if (r->exited)
        return false;
    if (r->signal == SIGSYS)
        return true;
    /*
     * Without IA32 emulation int $0x80 faults instead, as does a call into
     * a vsyscall page the kernel does not map: the call never ran either.
     */
    if (r->signal == SIGSEGV)
        return (e == INT80 && !m.int80_runs) ||
               (e == VSYSCALL && !m.vsyscall_mapped);
    return false;
}

/*
 * Under --x-supervise: a native call is named by its number; one through
 * another ABI never reaches the supervisor, the kernel kills it first.
 */
static void check_supervisor_report(enum entry e, const struct escape_case *c,
                                     const char *words,
                                     const struct run_result *r)
{
    const char *said = e == NATIVE ? "forbidden system call: "
                                   : "through another ABI";
    char nr[32];

    if (e == VSYSCALL)
        return; /* the vsyscall page makes a native call, or faults */
    if (strstr(r->err, said) == NULL)
        report(e, c, words, "the supervisor did not say \"%s\": %s", said,
               r->err);
    /* A native call's words start with its number. */
    snprintf(nr, sizeof nr, "[nr %ld]", strtol(words, NULL, 10));
    if (e == NATIVE && strstr(r->err, nr) == NULL)
        report(e, c, words, "the supervisor did not name %s: %s", nr, r->err);
}

/*
 * Under --fuzz: every child ended as the first did, each reached the call,
 * and the server served them all and ended at end of file with status 0.
 */
static void check_fuzz(enum entry e, const struct escape_case *c,
                       const char *words, const struct run_result *r)
{
    for (int i = 1; i < FUZZ_RUNS; i++)
        if (m.fuzz_status[i] != m.fuzz_status[0])
            report(e, c, words, "child %d: %s, the first: %#x", i + 1,
                   status_text(m.fuzz_status[i]), m.fuzz_status[0]);
    if (count_lines_with(r->out, "CALLING") != FUZZ_RUNS)
        report(e, c, words, "not every child reached the call: %s", r->out);
    if (m.server_status != 0)
        report(e, c, words, "the fork server ended with %s",
               status_text(m.server_status));
}

/* The checks on a run that must be killed by the call. */
static void check_killed(enum entry e, const struct escape_case *c,
                         const char *words, const struct run_result *r)
{
    if (r->timed_out || !killed_as_expected(e, r))
        report(e, c, words, "status %d%s", r->status,
               r->timed_out ? ", hung" : "");
    /* It died at the call, not before; nothing ran after it. */
    if (strstr(r->out, "CALLING\n") == NULL)
        report(e, c, words, "never reached the call: %s", r->out);
    if (strstr(r->out, "RETURNED") != NULL)
        report(e, c, words, "the call returned: %s", r->out);
    if (strstr(r->out, MARKER) || strstr(r->err, MARKER))
        report(e, c, words, "the call wrote: %s%s", r->out, r->err);
    if (m.supervise)
        check_supervisor_report(e, c, words, r);
}

/* The checks on a control: the allowed call returned what it should. */
static void check_returned(const struct escape_case *c, const char *words,
                           const struct run_result *r)
{
    char expected[256];

    snprintf(expected, sizeof expected, "CALLING\n%s", c->output);
    if (!r->exited || r->status != 0 || strstr(r->out, expected) == NULL)
        report(NATIVE, c, words,
               "the allowed call did not get through: status %d, output: "
               "%s%s",
               r->status, r->out, r->err);
}

/* One run of one case: controls made natively return, all else dies. */
static void run_case(enum entry e, const struct escape_case *c,
                     const char *call)
{
    bool control = e == NATIVE && c->kind == CONTROL;
    struct run_result r;
    char words[PATH_MAX];

    m.run_failed = false;
    if (run_call(e, call, &r, words, sizeof words)) {
        if (control) {
            m.controls++;
            check_returned(c, words, &r);
        } else {
            m.runs[e]++;
            check_killed(e, c, words, &r);
        }
        if (m.fuzz)
            check_fuzz(e, c, words, &r);
        run_free(&r);
        check_host(e, c, words);
    } else {
        report(e, c, call, "cannot build the call");
    }
    if (m.run_failed)
        m.failed_runs++;
}

static void test_controls(void **state)
{
    unsigned failed_runs = m.failed_runs;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].kind == CONTROL)
            run_case(NATIVE, &cases[i], cases[i].call);
    assert_true(m.controls >= 2);
    assert_int_equal(m.failed_runs, failed_runs);
}

static void test_native(void **state)
{
    unsigned failed_runs = m.failed_runs;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].kind == FORBIDDEN && cases[i].call)
            run_case(NATIVE, &cases[i], cases[i].call);
    assert_int_equal(m.failed_runs, failed_runs);
}

/* x32: the x86_64 numbers with the x32 bit, allowed ones included. */
static void test_x32(void **state)
{
    unsigned failed_runs = m.failed_runs;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].call)
            run_case(X32, &cases[i], cases[i].call);
    assert_int_equal(m.failed_runs, failed_runs);
}

/*
 * i386 numbers through int $0x80. Among them write(1, "WRITTEN") and
 * open/creat/mkdir in the witness directory: had one run, its output or
 * its file would be there to see.
 */
static void test_int80(void **state)
{
    unsigned failed_runs = m.failed_runs;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].call32)
            run_case(INT80, &cases[i], cases[i].call32);
    assert_int_equal(m.failed_runs, failed_runs);
}

static void test_vsyscall(void **state)
{
    unsigned failed_runs = m.failed_runs;

    (void)state;
    for (size_t i = 0; i < sizeof vsyscall_cases / sizeof vsyscall_cases[0];
         i++)
        run_case(VSYSCALL, &vsyscall_cases[i], vsyscall_cases[i].call);
    assert_int_equal(m.failed_runs, failed_runs);
}

/* Does int $0x80 reach the kernel from a 64-bit process here? */
static bool int80_probe(void)
{
    long getpid_i386 = escape_i386_nr("getpid");
    int status;
    pid_t pid;

    assert_true(getpid_i386 > 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        long ret;

        __asm__ __volatile__("int $0x80"
                             : "=a"(ret)
                             : "0"(getpid_i386)
                             : "r8", "r9", "r10", "r11", "memory");
        _exit(ret == getpid() ? 0 : 1);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    /* Built without IA32 emulation, or booted with it off. */
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    return false;
}

static bool vsyscall_page_mapped(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool mapped = false;

    assert_non_null(f);
    while (fgets(line, sizeof line, f))
        if (strstr(line, "[vsyscall]"))
            mapped = true;
    fclose(f);
    return mapped;
}

static int setup(void **state)
{
    const uint64_t max_io = POLICY_BLOCK_MAX_IO;
    /* The multi-block cases need the multi-block rules. */
    const struct allowlist_cond max_io_rule[] = {
        {"count", "==", max_io},
        {"offset", "<=", STORAGE_SIZE - max_io},
        {NULL},
    };
    const char *const io_calls[] = {"pread64", "pwrite64"};
    struct run_result r;
    json_t *policy;
    uint64_t fd;

    (void)state;
    m.guest = guest("syscall_blk");
    m.exec_witness = path_in(e2e.build, "tests/e2e/exec_witness");
    {
        /* Run freely, it shows what an exec that got through would print. */
        const char *argv[] = {m.exec_witness, NULL};

        if (run(argv, NULL, &r) != 0 || r.status != 0 ||
            strstr(r.out, MARKER) == NULL)
            return -1;
        run_free(&r);
    }
    m.witness = tmp_path("witness");
    m.img = tmp_path("storage.img");
    m.other_img = tmp_path("other.img");
    if (mkdir(m.witness, 0777) != 0)
        return -1;
    m.storage_data = malloc(STORAGE_SIZE);
    m.other_data = malloc(OTHER_SIZE);
    if (m.storage_data == NULL || m.other_data == NULL)
        return -1;
    fill_pattern(m.storage_data, STORAGE_SIZE, 1);
    fill_pattern(m.other_data, OTHER_SIZE, 2);
    if (write_image(m.img, m.storage_data, STORAGE_SIZE) != 0 ||
        write_image(m.other_img, m.other_data, OTHER_SIZE) != 0)
        return -1;
    snprintf(m.storage_opt, sizeof m.storage_opt, "--block%s:storage=%s",
             m.fuzz ? "-ro" : "", m.img);
    snprintf(m.other_opt, sizeof m.other_opt, "--block%s:other=%s",
             m.fuzz ? "-ro" : "", m.other_img);
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        return -1;

    /* The tender opens the same fds in the same order on every run. */
    {
        const char *words[] = {"--x-fuzz", m.storage_opt, m.other_opt, m.guest,
                               NULL};

        policy = allowlist_load(m.fuzz ? words : words + 1);
    }
    fd = allowlist_eq(policy, "pread64", "storage", "fd");
    add_token("fd", "%llu", (unsigned long long)fd);
    add_token("fdhi", "%#llx", (1ULL << 32) | fd);
    add_token(
        "ofd", "%llu",
        (unsigned long long)allowlist_eq(policy, "pread64", "other", "fd"));
    add_token("epfd", "%llu",
              (unsigned long long)allowlist_eq(policy, "epoll_pwait", "yield",
                                               "epfd"));
    add_token("tfd", "%llu",
              (unsigned long long)allowlist_eq(policy, "timerfd_settime",
                                               "yield deadline", "fd"));
    for (size_t i = 0; i < 2; i++)
        if (!allowlist_rule(policy, io_calls[i], "storage", max_io_rule)) {
            print_error("no rule allowing %s for storage if count == %llu "
                        "&& offset <= %llu\n",
                        io_calls[i], (unsigned long long)max_io,
                        (unsigned long long)(STORAGE_SIZE - max_io));
            return -1;
        }
    json_decref(policy);
    add_token("w", "%s", m.witness);
    add_token("img", "%s", m.img);
    add_token("exec", "%s", m.exec_witness);
    add_token("size", "%d", STORAGE_SIZE);
    add_token("last", "%d", STORAGE_SIZE - BLOCK_SIZE);
    add_token("straddle", "%d", STORAGE_SIZE - BLOCK_SIZE + 1);
    add_token("max_io", "%llu", (unsigned long long)max_io);
    add_token("oversize", "%llu", (unsigned long long)max_io + BLOCK_SIZE);
    add_token("multi_over", "%llu",
              (unsigned long long)(STORAGE_SIZE - max_io + BLOCK_SIZE));
    add_token("osize", "%d", OTHER_SIZE);

    m.int80_runs = int80_probe();
    m.vsyscall_mapped = vsyscall_page_mapped();
    return 0;
}

static int teardown(void **state)
{
    char under[96] = "";

    (void)state;
    if (m.supervise)
        snprintf(under, sizeof under, " under --x-supervise");
    if (m.fuzz)
        snprintf(under, sizeof under,
                 " under --x-fuzz, %d children of the fork server per call",
                 FUZZ_RUNS);
    print_message("escape matrix%s: %u cases: %u forbidden calls (%u native, "
                  "%u x32, %u int $0x80, %u vsyscall) and %u allowed "
                  "controls; broke out: %u; int $0x80 here: %s\n",
                  under,
                  m.runs[NATIVE] + m.runs[X32] + m.runs[INT80] +
                      m.runs[VSYSCALL] + m.controls,
                  m.runs[NATIVE] + m.runs[X32] + m.runs[INT80] +
                      m.runs[VSYSCALL],
                  m.runs[NATIVE], m.runs[X32], m.runs[INT80], m.runs[VSYSCALL],
                  m.controls, m.failed_runs,
                  m.int80_runs ? "IA32 emulation, killed by SIGSYS"
                               : "no IA32 emulation, SIGSYS or SIGSEGV");
    free(m.storage_data);
    free(m.other_data);
    return 0;
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls), cmocka_unit_test(test_native),
        cmocka_unit_test(test_x32),      cmocka_unit_test(test_int80),
        cmocka_unit_test(test_vsyscall),
    };

    if (argc == 2 && strcmp(argv[1], "--supervise") == 0) {
        m.supervise = true;
    } else if (argc == 2 && strcmp(argv[1], "--fuzz") == 0) {
        m.fuzz = true;
    } else if (argc != 1) {
        fprintf(stderr, "usage: test_escape [--supervise | --fuzz]\n");
        return 1;
    }
    return e2e_run(m.supervise ? "escape-supervised"
                   : m.fuzz    ? "escape-fuzz"
                               : "escape",
                   tests, setup, teardown);
}
