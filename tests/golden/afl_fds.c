/*
 * afl_fds: run a command with descriptors 198 and 199 open, as afl-fuzz
 * leaves them for its fork server (a POSIX shell cannot open descriptors
 * above 9). For test_golden.sh: the allowlist solo5-spt --x-fuzz prints
 * when it would serve.
 *
 *   afl_fds COMMAND [ARG...]
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int null = open("/dev/null", O_RDWR);

    if (argc < 2) {
        fprintf(stderr, "usage: afl_fds COMMAND [ARG...]\n");
        return 2;
    }
    if (null < 0 || dup2(null, 198) != 198 || dup2(null, 199) != 199) {
        perror("afl_fds: descriptors 198 and 199");
        return 2;
    }
    close(null);
    execv(argv[1], argv + 1);
    perror(argv[1]);
    return 127;
}
