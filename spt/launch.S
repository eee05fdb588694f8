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



/*
 * spt_signal_exit(sig): the handler for SIGTERM, SIGINT and SIGHUP. It
 * runs on whatever the guest left in %fs and memory, so it uses no C
 * library and no data: exit_group(128 + sig), the status a shell reports
 * for a process ended by that signal. It works as PID 1 too, where
 * default actions are ignored.
 */
    .text
    .globl spt_signal_exit
    .type spt_signal_exit, @function
spt_signal_exit:
    lea 128(%rdi), %edi
    mov $231, %eax
    syscall
    ud2
    .size spt_signal_exit, . - spt_signal_exit
    .section .note.GNU-stack, "", @progbits
