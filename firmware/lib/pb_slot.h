/* pb_slot: which root partition (slot A or B) the Raspberry Pi firmware
 * boots, in the files it reads from the boot partition (docs/updates.md):
 *
 *   autoboot.txt  [all] tryboot_a_b=1, boot_partition=1: with the one-shot
 *                 tryboot flag the firmware still reads config.txt (not
 *                 tryboot.txt), so config.txt's [tryboot] filter decides
 *   config.txt    ends with "include pb-slot.txt"
 *   pb-slot.txt   [all] cmdline=cmdline-a.txt (the committed root) and,
 *                 while an update is on trial, [tryboot]
 *                 cmdline=cmdline-b.txt (the new root, for one boot);
 *                 each with os_prefix=slot-a/ (slot-b/), kernel= and
 *                 initramfs while that slot's folder holds its kernel
 *                 (pb_slot_kernel.h)
 *   cmdline-a.txt, cmdline-b.txt  the kernel command line of each root
 *                 (root=LABEL=PBROOTA / PBROOTB)
 *   cmdline.txt   a copy of the committed root's: what the firmware uses
 *                 should pb-slot.txt be lost
 *
 * Each file is written whole (temporary file, fsync, rename). */
#ifndef PB_SLOT_H
#define PB_SLOT_H

#include <stddef.h>

enum pb_slot {
	PB_SLOT_NONE = -1,
	PB_SLOT_A = 0,
	PB_SLOT_B = 1,
};

#define PB_SLOT_FILE        "pb-slot.txt"
#define PB_SLOT_CMDLINE_MAX 4096     /* bytes of a kernel command line file */

/* 'A' or 'B' ('-' for none); the file system label of a slot's root. */
char pb_slot_name(enum pb_slot s);
const char *pb_slot_label(enum pb_slot s);
enum pb_slot pb_slot_other(enum pb_slot s);
/* The slot a kernel command line names (root=LABEL=PBROOTA|PBROOTB). */
enum pb_slot pb_slot_of_cmdline(const char *cmdline);
/* The slot boot_dir/pb-slot.txt commits ([all] section), and the one on
 * trial ([tryboot] section, PB_SLOT_NONE when none). 0/-1 (unreadable). */
int pb_slot_read(const char *boot_dir, enum pb_slot *committed, enum pb_slot *trial);
/* "cmdline-a.txt" or "cmdline-b.txt". */
const char *pb_slot_cmdline_name(enum pb_slot s);
/* Make cmdline-a.txt and cmdline-b.txt from cmdline.txt (its root=
 * replaced) where missing. 0/-1 (errno). */
int pb_slot_prepare(const char *boot_dir);
/* Write pb-slot.txt: committed, and trial for the next tryboot
 * (PB_SLOT_NONE: none), each by its folder while that holds its kernel;
 * when the committed slot changes, cmdline.txt first becomes its command
 * line. A trial without a folder after a committed slot with one is
 * refused (ENOENT): its kernel would be the committed root's. 0/-1
 * (errno). */
int pb_slot_write(const char *boot_dir, enum pb_slot committed, enum pb_slot trial);

#endif
