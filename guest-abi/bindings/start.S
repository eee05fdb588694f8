/*
 * start.S: the guest's entry point.
 *
 * The tender jumps here with %rsp = mem_size - 8 (call alignment) and the
 * boot info in %rdi. First %fs is set to 0, so that nothing of the
 * tender's C library can run in guest context and a guest that uses TLS
 * without setting it up faults. Then the C start-up takes over.
 */
    .text
    .globl _start
    .type _start, @function
_start:
    mov %rdi, %r12              /* boot info, callee-saved */
    mov $158, %eax              /* arch_prctl(ARCH_SET_FS, 0) */
    mov $0x1002, %edi
    xor %esi, %esi
    syscall
    mov %r12, %rdi
    xor %ebp, %ebp              /* the outermost frame, for debuggers */
    push %rbp                   /* %rsp was 8 mod 16: realign for the call */
    call spt_start              /* never returns */
    ud2
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
