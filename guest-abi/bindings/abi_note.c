/*
 * abi_note.c: the ABI1 note (target spt, version 2), in a PT_NOTE of its
 * own: what makes an ELF file an spt guest. The stub bindings are the spt
 * bindings without this file.
 */
#include "solo5/elf_abi.h"

struct abi1_note {
    uint32_t n_namesz;
    uint32_t n_descsz;
    uint32_t n_type;
    char name[8];
    struct solo5_abi1 desc;
};

__attribute__((section(".note.solo5.abi"), aligned(4),
               used)) static const struct abi1_note abi1_note = {
    .n_namesz = SOLO5_NOTE_NAMESZ,
    .n_descsz = sizeof(struct solo5_abi1),
    .n_type = SOLO5_NOTE_ABI,
    .name = SOLO5_NOTE_NAME,
    .desc = {.abi_target = SOLO5_ABI_TARGET_SPT,
             .abi_version = SOLO5_SPT_ABI_VERSION},
};
