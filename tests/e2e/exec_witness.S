/*
 * exec_witness: the program test_escape asks a guest to execve. A seccomp
 * filter outlives execve, so had the call got through, the new program
 * would still be confined: it makes only calls the policy admits, so that
 * its output shows the exec happened instead of its first call dying of
 * SIGSYS like a refused execve. The text contains test_escape's MARKER.
 */
    .text
    .globl _start
_start:
    mov $1, %eax                /* write(1, ...): the console */
    mov $1, %edi
    lea message(%rip), %rsi
    mov $message_end - message, %edx
    syscall
    mov $231, %eax              /* exit_group(0) */
    xor %edi, %edi
    syscall
    hlt

    .section .rodata
message:
    .ascii "WRITTEN by exec_witness\n"
message_end:

    .section .note.GNU-stack, "", @progbits
