#!/bin/sh
# image/mkimage.sh DEB OUT.img
#
# The SD-card image: Debian's arm64 root file system (image/rootfs.sh,
# cached), the box package DEB installed in it, then four primary partitions
# made in a plain file without loop devices:
#   1 PBBOOT   FAT32  /boot/firmware   Pi firmware, kernel, initrd, config.txt,
#                                      the A/B boot files and each root's kernel
#                                      in slot-a/, slot-b/ (docs/updates.md); the
#                                      provisioning bundle goes here
#   2 PBROOTA  ext4   / (and /run/pb-root/a)  the system, mounted read-only
#   3 PBROOTB  ext4   /run/pb-root/b   empty, as large as A: pbctl update apply
#                                      copies the running root into it
#   4 PBDATA   ext4   /var/lib/pb      the box's data and box.conf; grows to fill
#                                      the card on first boot
# Logs live in RAM (volatile journal, capped). Needs root.
set -eu

deb=${1:?usage: mkimage.sh DEB OUT.img}
out=${2:?usage: mkimage.sh DEB OUT.img}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$(dirname "$out")" && pwd)
work=$build/image
root=$work/root

BOOT_MIB=256            # FAT boot partition
DATA_MIB=64             # data partition as shipped; grows on first boot
ROOT_SPARE_PCT=15       # free space left in the read-only root
FIRST_SECTOR=8192       # 4 MiB alignment, as SD cards like it
JOURNAL_MAX=16M         # RuntimeMaxUse of the in-RAM journal
PANIC_S=10              # a kernel panic reboots after this long (panic=)
WATCHDOG_S=15           # systemd pets the hardware watchdog; the Pi's allows ~15 s at most
# quiet: the kernel prints only warnings and worse on its consoles, and
# systemd only units that fail or are slow. A console is synchronous: at
# 115200 baud each line of a full boot log holds the boot up (the log stays
# in the journal and dmesg).
CMDLINE="console=serial0,115200 console=tty1 root=LABEL=PBROOTA ro rootfstype=ext4 fsck.repair=yes net.ifnames=0 cma=64M rootwait panic=$PANIC_S quiet"

t0=$(date +%s)
tarball=${PB_ROOTFS_TARBALL:-$(sh "$here/rootfs.sh" "$build/cache" | tail -1)}
# Root file systems of older package lists are not needed again.
for old in "$build"/cache/rootfs-*.tar; do
	[ "$old" = "$tarball" ] || rm -f "$old"
done

cleanup() {
	for m in proc; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	return 0
}
trap cleanup EXIT INT TERM
cleanup
rm -rf "$work"
mkdir -p "$root"
tar --numeric-owner -xpf "$tarball" -C "$root"

# ---- the box software ------------------------------------------------------
cp "$deb" "$root/tmp/pusat-belajar.deb"
mount -t proc proc "$root/proc"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
chroot "$root" dpkg -i /tmp/pusat-belajar.deb >"$work/dpkg.log" 2>&1 || {
	cat "$work/dpkg.log" >&2
	exit 1
}
rm -f "$root/tmp/pusat-belajar.deb" "$root/usr/sbin/policy-rc.d"

# Networking: pb-net.service renders the hotspot (hostapd, dnsmasq) and the
# networkd files for both sides into /run/pb-net at boot. Should that fail,
# this fallback still takes the Ethernet port by DHCP so the box stays
# reachable. Debian's own hostapd and dnsmasq units stay off.
mkdir -p "$root/etc/systemd/network"
cat >"$root/etc/systemd/network/90-pb-uplink-fallback.network" <<'EOF'
[Match]
Name=eth* en*

[Network]
DHCP=yes
EOF
chroot "$root" systemctl --quiet enable systemd-networkd.service
[ ! -e "$root/lib/systemd/system/systemd-resolved.service" ] ||
	chroot "$root" systemctl --quiet enable systemd-resolved.service
chroot "$root" systemctl --quiet mask hostapd.service dnsmasq.service
# e2scrub checks ext4 file systems on LVM volumes, which the box has none
# of: its units only cost each boot (the reaper runs at every start).
chroot "$root" systemctl --quiet mask e2scrub_reap.service e2scrub_all.timer
# Debian's units that load or mount, at every start, what nothing on the box
# uses: device-mapper and loop (wanted by systemd-repart, which has no
# partition definitions here: pb-grow-data grows the card), the EFI pstore
# (the Pi boots without EFI), configfs, FUSE, debugfs and tracefs. A module
# the box ever needs is still loaded on demand by the kernel.
chroot "$root" systemctl --quiet mask systemd-repart.service systemd-pstore.service \
	sys-kernel-config.mount sys-fs-fuse-connections.mount \
	sys-kernel-debug.mount sys-kernel-tracing.mount
# More of the same, each an exec (or a mount) at every start with nothing to
# do on the box: networkd's files from the kernel's ip= (none: pb-net
# renders them), binfmt_misc (no foreign binaries run here), the journal's
# flush to /var (the journal stays in RAM), hugetlbfs (nothing uses huge
# pages), logind's early load of the DRM core for graphical seats (the box
# has none; on the Pi the display driver still loads it with the hardware);
# and Debian's timers for apt and dpkg's database backup, which would write
# the read-only root (the box's software changes only through pbctl update,
# docs/updates.md).
chroot "$root" systemctl --quiet mask systemd-network-generator.service \
	systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
	systemd-journal-flush.service dev-hugepages.mount modprobe@drm.service \
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
# Generators run before any unit at every start (and at every daemon-reload)
# and these find nothing to do here: every service has a native unit (no
# SysV script to convert), no rc.local, an MBR card with root= given (no GPT
# auto-discovery), no hibernation, no offline system update (pbctl update
# installs into the other root), no encrypted, integrity or verity volumes.
# A link to /dev/null in /etc masks a generator (systemd.generator(7)).
mkdir -p "$root/etc/systemd/system-generators"
for g in sysv rc-local gpt-auto hibernate-resume system-update \
	cryptsetup integritysetup veritysetup; do
	ln -sf /dev/null "$root/etc/systemd/system-generators/systemd-$g-generator"
done
# udev reads every rules file at start and tries its rules on every device
# event (the coldplug replays one for each device): these are for what the
# Pi lacks or the box does not use: device-mapper (and e2scrub's LVM
# snapshots), optical drives, tapes, InfiniBand, FIDO keys, cameras, MTD
# flash, btrfs, joysticks, mice, touchpads, motion sensors, sound cards, and
# the RTC rule (a no-op under systemd; the Pi has no RTC, fake-hwclock keeps
# the time). A link to /dev/null in /etc/udev/rules.d masks a file (udev(7));
# USB sticks (90-pb-usb.rules), disks by label, network, input and the
# power button keep their rules.
mkdir -p "$root/etc/udev/rules.d"
for r in 55-dm 60-persistent-storage-dm 95-dm-notify 96-e2scrub 60-cdrom_id \
	60-persistent-storage-tape 60-infiniband 60-fido-id 60-persistent-v4l \
	70-camera 75-probe_mtd 64-btrfs 70-joystick 70-mouse 70-touchpad 60-sensor \
	60-persistent-alsa 78-sound-card 85-hwclock; do
	ln -sf /dev/null "$root/etc/udev/rules.d/$r.rules"
done
cleanup

# ---- read-only root, data partition, logs in RAM ---------------------------
cat >"$root/etc/fstab" <<'EOF'
# Pusat Belajar box: partitions by label, the same on the Pi (mmcblk0p1-4)
# and in the emulated boot test (vda1-4). The root (/) is not listed: the
# initramfs mounts it read-only from the kernel command line's
# root=LABEL=PBROOTA or PBROOTB, so both roots carry this same file.
# Both roots are also mounted read-only where pbctl update looks for them.
LABEL=PBBOOT  /boot/firmware  vfat   rw,noatime,umask=0077,flush   0 2
LABEL=PBDATA  /var/lib/pb     ext4   rw,noatime,nodev,nosuid       0 2
LABEL=PBROOTA /run/pb-root/a  ext4   ro,noatime,nofail             0 0
LABEL=PBROOTB /run/pb-root/b  ext4   ro,noatime,nofail             0 0
tmpfs         /tmp            tmpfs  nosuid,nodev,mode=1777,size=64m  0 0
tmpfs         /var/tmp        tmpfs  nosuid,nodev,mode=1777,size=16m  0 0
tmpfs         /var/log        tmpfs  nosuid,nodev,mode=0755,size=32m  0 0
tmpfs         /var/lib/systemd tmpfs nosuid,nodev,mode=0755,size=8m   0 0
tmpfs         /var/lib/misc   tmpfs  nosuid,nodev,mode=0755,size=4m   0 0
EOF
mkdir -p "$root/etc/systemd/journald.conf.d"
cat >"$root/etc/systemd/journald.conf.d/pusat-belajar.conf" <<EOF
# Logs stay in RAM: the SD card is not worn by them, and a power cut loses
# only the log.
[Journal]
Storage=volatile
RuntimeMaxUse=$JOURNAL_MAX
RuntimeMaxFileSize=4M
ForwardToSyslog=no
EOF
# A hung kernel or PID 1 resets the box: systemd arms the hardware
# watchdog (bcm2835-wdt on the Pi) and pets it. A root on trial that hangs
# so comes back in the committed root (docs/updates.md).
mkdir -p "$root/etc/systemd/system.conf.d"
cat >"$root/etc/systemd/system.conf.d/pusat-belajar.conf" <<EOF
[Manager]
RuntimeWatchdogSec=${WATCHDOG_S}s
EOF
echo pusat-belajar >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpusat-belajar belajar.lan\n::1\tlocalhost\n' \
	>"$root/etc/hosts"
# Each box gets its own machine id at boot (systemd keeps it in RAM).
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# The last known time survives power cuts on the data partition.
echo 'FILE=/var/lib/pb/system/fake-hwclock.data' >"$root/etc/default/fake-hwclock"
mkdir -p "$root/etc/systemd/system/fake-hwclock.service.d"
printf '[Unit]\nRequiresMountsFor=/var/lib/pb\n' \
	>"$root/etc/systemd/system/fake-hwclock.service.d/pusat-belajar.conf"
# Later kernel updates keep root A's command line (cmdline.txt, the
# firmware's fallback); pbctl update keeps cmdline-a.txt/-b.txt.
echo 'ROOTPART=LABEL=PBROOTA' >"$root/etc/default/raspi-firmware"

# Split the tree: boot files, data, and the root with empty mount points.
mkdir -p "$work/boot" "$work/data"
mv "$root/boot/firmware/"* "$work/boot/"
# A/B roots (docs/updates.md, firmware/lib/pb_slot.c): with tryboot_a_b=1
# a tryboot reads config.txt too, whose [tryboot] filter in pb-slot.txt
# then names the root on trial; [all] names the committed root.
echo "$CMDLINE" >"$work/boot/cmdline.txt"
echo "$CMDLINE" >"$work/boot/cmdline-a.txt"
echo "$CMDLINE" | sed 's/root=LABEL=PBROOTA/root=LABEL=PBROOTB/' >"$work/boot/cmdline-b.txt"
printf '[all]\ntryboot_a_b=1\nboot_partition=1\n' >"$work/boot/autoboot.txt"
# Each root boots its own kernel (firmware/lib/pb_slot_kernel.c): the
# firmware loads the kernel, initramfs, device trees and command line from
# the folder os_prefix= names. Root A's goes into slot-a/ as pbctl update
# fills a folder (the kernel /vmlinuz links to, else the newest); slot-b/
# comes with the first update. The files at the top stay: the firmware's
# own fallback should a folder lack the kernel or the board's device tree.
kernel=$(readlink "$root/vmlinuz" 2>/dev/null || true)
kver=${kernel##*/vmlinuz-}
kver=${kver#vmlinuz-}
[ -n "$kver" ] && [ -f "$root/boot/vmlinuz-$kver" ] ||
	kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | grep -v '\.dpkg-' | sort -V | tail -1)
mkdir "$work/boot/slot-a"
cp "$root/usr/lib/linux-image-$kver/broadcom/"*.dtb "$work/boot/slot-a/"
cp "$root/boot/initrd.img-$kver" "$work/boot/slot-a/initrd.img"
cp "$work/boot/cmdline-a.txt" "$work/boot/slot-a/cmdline-a.txt"
cp "$root/boot/vmlinuz-$kver" "$work/boot/slot-a/vmlinuz"
printf '%s\n' '# The root the Pi firmware boots (pbctl update; docs/updates.md).' '[all]' \
	'os_prefix=slot-a/' 'kernel=vmlinuz' 'initramfs initrd.img followkernel' \
	'cmdline=cmdline-a.txt' >"$work/boot/pb-slot.txt"
grep -q '^include pb-slot.txt$' "$work/boot/config.txt" ||
	printf '\n[all]\ninclude pb-slot.txt\n' >>"$work/boot/config.txt"
if [ -e "$root/var/lib/pb" ]; then
	cp -a "$root/var/lib/pb/." "$work/data/"
	rm -rf "$root/var/lib/pb"
fi
mkdir -p "$root/var/lib/pb"
chmod 0755 "$root/var/lib/pb"
# box.conf is box-specific: it lives on the data partition.
mkdir -p "$work/data/etc" "$work/data/system"
mv "$root/etc/pusat-belajar/box.conf" "$work/data/etc/box.conf"
ln -s /var/lib/pb/etc/box.conf "$root/etc/pusat-belajar/box.conf"
pbgid=$(chroot "$root" getent group pb | cut -d: -f3)
pbuid=$(chroot "$root" getent passwd pb | cut -d: -f3)
chown "$pbuid:$pbgid" "$work/data"
chmod 2770 "$work/data"
chown "0:$pbgid" "$work/data/etc"
chmod 0750 "$work/data/etc"
chmod 0755 "$work/data/system"
for f in "$root/var/log" "$root/var/tmp" "$root/tmp" "$root/var/lib/systemd" "$root/var/lib/misc"; do
	find "$f" -mindepth 1 -delete
done

# ---- partitions in a plain file ---------------------------------------------
root_kib=$(du -sk "$root" | cut -f1)
root_mib=$(( root_kib * (100 + ROOT_SPARE_PCT) / 100 / 1024 + 64 ))
boot_start=$FIRST_SECTOR
boot_size=$(( BOOT_MIB * 2048 ))
root_start=$(( boot_start + boot_size ))
root_size=$(( root_mib * 2048 ))
rootb_start=$(( root_start + root_size ))
data_start=$(( rootb_start + root_size ))
data_size=$(( DATA_MIB * 2048 ))
total=$(( data_start + data_size ))

rm -f "$out.tmp"
truncate -s $(( total * 512 )) "$out.tmp"
sfdisk --quiet "$out.tmp" <<EOF
label: dos
unit: sectors
start=$boot_start, size=$boot_size, type=c, bootable
start=$root_start, size=$root_size, type=83
start=$rootb_start, size=$root_size, type=83
start=$data_start, size=$data_size, type=83
EOF

mformat -i "$out.tmp@@$(( boot_start * 512 ))" -F -v PBBOOT \
	-T $boot_size -h 64 -s 32 -H $boot_start ::
mcopy -i "$out.tmp@@$(( boot_start * 512 ))" -s -p -Q "$work/boot/"* ::/
mkfs.ext4 -q -F -L PBROOTA -E offset=$(( root_start * 512 )) -d "$root" \
	"$out.tmp" $(( root_size / 2 ))k
mkfs.ext4 -q -F -L PBROOTB -E offset=$(( rootb_start * 512 )) \
	"$out.tmp" $(( root_size / 2 ))k
mkfs.ext4 -q -F -L PBDATA -E offset=$(( data_start * 512 )) -d "$work/data" \
	"$out.tmp" $(( data_size / 2 ))k
# mke2fs -d leaves the file system's top folder root-owned: /var/lib/pb
# belongs to pb (setgid, group-writable for pb-sync and pb-gpio).
for f in "uid $pbuid" "gid $pbgid" "mode 042770"; do
	debugfs -w -R "set_inode_field / $f" "$out.tmp?offset=$(( data_start * 512 ))" 2>/dev/null
done
mv "$out.tmp" "$out"
rm -rf "$work"
echo "mkimage: $out ($(( total / 2048 )) MiB: boot $BOOT_MIB, roots 2 x $root_mib, data $DATA_MIB) in $(( $(date +%s) - t0 ))s" >&2
