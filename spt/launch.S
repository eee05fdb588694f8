/*
 * launch.S: the jump into the guest.
 *
 * spt_launch(sp, entry, boot_info): %rsp = sp, %rdi = boot_info, jump to
 * entry. The other general registers are cleared so that no tender pointer
 * is handed to the guest by accident.
 */
    .text
    .globl spt_launch
    .type spt_launch, @function
spt_launch:
    mov %rdi, %rsp
    mov %rsi, %rax
    mov %rdx, %rdi
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    jmp *%rax
    .size spt_launch, . - spt_launch

    .section .note.GNU-stack, "", @progbits
