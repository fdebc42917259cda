/* pb_slot_kernel: each root's own kernel on the shared boot partition
 * (docs/updates.md). The Pi firmware loads the kernel, the initramfs, the
 * device trees and the command line from the folder config.txt's
 * os_prefix= names; pb-slot.txt names a root's folder while it holds that
 * root's kernel:
 *
 *   slot-a/, slot-b/  vmlinuz, initrd.img, every device tree of the
 *                     kernel package (*.dtb) and cmdline-a.txt / -b.txt
 *
 * A folder is filled from a root file system's /boot: its kernel (the one
 * the root's /vmlinuz link names, else its newest /boot/vmlinuz-VERSION),
 * /boot/initrd.img-VERSION and the .dtb files of
 * /usr/lib/linux-image-VERSION/broadcom.
 * The kernel is removed first and written last, so a folder that holds it
 * is whole; each file is written whole (temporary file, fsync, rename).
 * A slot whose folder lacks its kernel boots the files at the top of the
 * partition that config.txt names, as cards made before the folders do. */
#ifndef PB_SLOT_KERNEL_H
#define PB_SLOT_KERNEL_H

#include <stddef.h>

#include "pb_slot.h"

#define PB_SLOT_KERNEL       "vmlinuz"      /* a folder's kernel (kernel=) */
#define PB_SLOT_INITRD       "initrd.img"   /* and initramfs (initramfs ...) */
#define PB_SLOT_FILES_MAX    512            /* files in one slot's folder */
#define PB_SLOT_VERSION_MAX  128            /* bytes of a kernel version */

/* "slot-a/" or "slot-b/": the os_prefix= of a slot's folder. */
const char *pb_slot_prefix(enum pb_slot s);
/* 1 when boot_dir holds the slot's folder with its kernel, else 0. */
int pb_slot_has_kernel(const char *boot_dir, enum pb_slot s);
/* The kernel version of the root file system at root (see above) into
 * version: 1, 0 when its /boot holds no kernel, -1 (errno). */
int pb_slot_root_kernel(const char *root, char *version, size_t len);
/* Fill the slot's folder in boot_dir from the root file system at root
 * (its kernel version into version): 1; 0 when the root holds no kernel
 * (the folder is left without one: the slot boots the top files); -1
 * (errno; the folder is left without a kernel). The slot's command line
 * (cmdline-a.txt / -b.txt at the top, pb_slot_prepare) goes in with it. */
int pb_slot_kernel_write(const char *boot_dir, enum pb_slot s, const char *root,
			 char *version, size_t len);

#endif
