#!/bin/sh
# image/rootfs.sh CACHE_DIR
#
# The Debian part of the box's root file system: bookworm arm64 minbase,
# the Raspberry Pi boot firmware, Debian's arm64 kernel with a small
# initramfs, Wi-Fi firmware, hostapd, dnsmasq, fake-hwclock and the
# libraries the box programs link. Built once and kept as a tarball in
# CACHE_DIR named after the hash of this script (which holds the whole
# package list) and rootfs-certs.sh, so a second `make image` starts from
# the tarball.
# Prints the tarball's path on the last line of stdout.
#
# One mmdebstrap run: one apt and dpkg pass for every package (the arm64
# programs run under qemu-user, so each pass of dpkg's scripts and each
# process started counts), downloads in parallel, dpkg without an fsync per
# file (force-unsafe-io: a failed build is thrown away whole), then the
# initramfs made once at the end, and /etc/ssl/certs by the image's
# update-ca-certificates run natively (rootfs-certs.sh: under qemu-user it
# starts several processes per certificate). dpkg-deb and
# deb-systemd-helper, which dpkg and the maintainer scripts call for each
# package, are the build machine's meanwhile (rootfs-native.sh).
#
# Needs root, mmdebstrap and qemu-aarch64 through binfmt_misc; faster with
# ca-certificates installed (rootfs-certs.sh).
set -eu

cache=${1:?usage: rootfs.sh CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
SUITE=bookworm
MIRROR=${PB_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# Installed with everything Essential and required (comma-separated).
INCLUDE=systemd-sysv,udev,kmod,iproute2,systemd-timesyncd,\
hostapd,dnsmasq,nftables,fake-hwclock,fdisk,e2fsprogs,dosfstools,adduser,\
ca-certificates,wireless-regdb,iw,sqlite3,initramfs-tools,zstd,\
firmware-brcm80211,\
libmicrohttpd12,libsqlite3-0,libjansson4,libsodium23,libcurl4,zlib1g,\
libinih1,libgpiod2,libqrencode4,libjpeg62-turbo,libpng16-16,libxlsxwriter4,libzip4,\
libzstd1
# Installed in the same run; they want /boot/firmware mounted (raspi-firmware
# insists on a mount point) and the initramfs, which they would each build,
# is built once at the end.
LATE="linux-image-arm64 raspi-firmware systemd-resolved"
# The initramfs holds only these (MODULES=list): SD card on the Pi, virtio
# for the emulated boot test, ext4 for the root.
MODULES="ext4 crc32c_generic mbcache jbd2 mmc_block sdhci sdhci_pltfm sdhci_iproc
bcm2835 bcm2835_dma virtio virtio_ring virtio_pci virtio_blk virtio_mmio
virtio_net usb_storage"

key=$(cat "$0" "$here/rootfs-certs.sh" "$here/rootfs-native.sh" | sha256sum | cut -c1-16)
tarball="$cache/rootfs-$SUITE-arm64-$key.tar"
if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
mkdir -p "$cache"
work="$cache/rootfs-$key.work"
root="$work/root"

cleanup() {
	# rootfs-native.sh's server, should mmdebstrap have failed before its stop
	[ ! -f "$root/run/pb-native/pid" ] || kill "$(cat "$root/run/pb-native/pid")" 2>/dev/null
	# mmdebstrap mounts in a namespace of its own; this is for a hook that
	# failed half-way on a system where it could not.
	for m in boot/firmware dev/pts dev sys proc; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	return 0
}
trap 'cleanup; rm -rf "$work"' EXIT INT TERM
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
root="$work/root"

# The hooks below run as sh -c with the root as $1 and read these.
export PB_HERE="$here" PB_WORK="$work" PB_MODULES="$MODULES" PB_MIRROR_URI="$MIRROR" PB_SUITE="$SUITE"

# setup: /boot/firmware a mount point before any package unpacks.
# extract (the essential packages unpacked, not installed): dpkg-deb and
# deb-systemd-helper handed to native programs (rootfs-native.sh).
# essential (dpkg is there, nothing else yet): update-initramfs diverted to
# a no-op while the kernel, initramfs-tools and raspi-firmware install, and
# update-ca-certificates while ca-certificates installs.
# customize (all installed): rootfs-native.sh's stand-ins and diversions
# gone, then both diversions gone (in this order dpkg's
# backup, diversions-old, is as it was with update-initramfs's alone);
# /etc/ssl/certs made once
# (rootfs-certs.sh); the initramfs's configuration, then the one
# initramfs (raspi-firmware's hook copies it to /boot/firmware); the box's
# own resolv.conf (systemd-resolved's stub), sources.list without
# mmdebstrap's blank line, and no trace of the build's dpkg options.
# mmdebstrap itself removes the package lists and caches, /run and /tmp.
t0=$(date +%s)
mmdebstrap --mode=root --variant=minbase --architectures=arm64 \
	--include="$INCLUDE,$(echo $LATE | tr ' ' ,)" \
	--dpkgopt=force-unsafe-io \
	--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
	--setup-hook='mkdir -p "$1/boot/firmware" && mount --bind "$1/boot/firmware" "$1/boot/firmware"' \
	--extract-hook='sh "$PB_HERE/rootfs-native.sh" start "$1"' \
	--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs' \
	--essential-hook='ln -s /bin/true "$1/usr/sbin/update-initramfs"' \
	--essential-hook='chroot "$1" dpkg-divert --quiet --local --rename --add /usr/sbin/update-ca-certificates' \
	--essential-hook='ln -s /bin/true "$1/usr/sbin/update-ca-certificates"' \
	--customize-hook='set -e
		sh "$PB_HERE/rootfs-native.sh" stop "$1"
		rm "$1/usr/sbin/update-ca-certificates"
		chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-ca-certificates
		rm "$1/usr/sbin/update-initramfs"
		chroot "$1" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
		sh "$PB_HERE/rootfs-certs.sh" "$1"
		printf "MODULES=list\nCOMPRESS=zstd\n" >"$1/etc/initramfs-tools/conf.d/pusat-belajar"
		printf "%s\n" $PB_MODULES >"$1/etc/initramfs-tools/modules"
		kver=$(ls "$1/lib/modules" | head -1)
		t0=$(date +%s)
		chroot "$1" update-initramfs -c -k "$kver" >"$PB_WORK/initramfs.log" 2>&1
		echo "rootfs: initramfs for $kver $(( $(date +%s) - t0 ))s" >"$PB_WORK/initramfs.time"
		umount "$1/boot/firmware"
		rm -f "$1/etc/resolv.conf" "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap"
		ln -s ../run/systemd/resolve/stub-resolv.conf "$1/etc/resolv.conf"
		printf "deb %s %s main non-free-firmware\n" "$PB_MIRROR_URI" "$PB_SUITE" \
			"$PB_MIRROR_URI" "$PB_SUITE-updates" >"$1/etc/apt/sources.list"' \
	"$SUITE" "$root" \
	"deb $MIRROR $SUITE main non-free-firmware" \
	"deb $MIRROR $SUITE-updates main non-free-firmware" \
	>"$work/mmdebstrap.log" 2>&1 || {
	tail -30 "$work/mmdebstrap.log" >&2
	[ ! -f "$work/initramfs.log" ] || tail -30 "$work/initramfs.log" >&2
	exit 1
}
echo "rootfs: mmdebstrap $(( $(date +%s) - t0 ))s" >&2
cat "$work/initramfs.time" >&2

tar --numeric-owner -cf "$tarball.tmp" -C "$root" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
