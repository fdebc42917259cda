#!/bin/sh
# image/rootfs.sh CACHE_DIR
#
# The Debian part of the box's root file system: bookworm arm64 minbase,
# the Raspberry Pi boot firmware, Debian's arm64 kernel with a small
# initramfs, Wi-Fi firmware, hostapd, dnsmasq, fake-hwclock and the
# libraries the box programs link. Built once and kept as a tarball in
# CACHE_DIR named after the hash of this script (which holds the whole
# package list), so a second `make image` starts from the tarball.
# Prints the tarball's path on the last line of stdout.
#
# Needs root, debootstrap and qemu-aarch64 through binfmt_misc.
set -eu

cache=${1:?usage: rootfs.sh CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
SUITE=bookworm
MIRROR=${PB_MIRROR:-$(awk '/^URIs:/ { print $2; exit }' \
	/etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# Installed by debootstrap (comma-separated).
INCLUDE=systemd-sysv,udev,kmod,iproute2,systemd-timesyncd,\
hostapd,dnsmasq,nftables,fake-hwclock,fdisk,e2fsprogs,dosfstools,adduser,\
ca-certificates,wireless-regdb,iw,sqlite3,initramfs-tools,zstd,\
firmware-brcm80211,\
libmicrohttpd12,libsqlite3-0,libjansson4,libsodium23,libcurl4,zlib1g,\
libinih1,libgpiod2,libqrencode4,libjpeg62-turbo,libpng16-16,libxlsxwriter4,libzip4,\
libzstd1
# Installed afterwards in the chroot, with /boot/firmware mounted and the
# initramfs built once at the end.
LATE="linux-image-arm64 raspi-firmware systemd-resolved"
# The initramfs holds only these (MODULES=list): SD card on the Pi, virtio
# for the emulated boot test, ext4 for the root.
MODULES="ext4 crc32c_generic mbcache jbd2 mmc_block sdhci sdhci_pltfm sdhci_iproc
bcm2835 bcm2835_dma virtio virtio_ring virtio_pci virtio_blk virtio_mmio
virtio_net usb_storage"

key=$(sha256sum "$0" | cut -c1-16)
tarball="$cache/rootfs-$SUITE-arm64-$key.tar"
if [ -s "$tarball" ]; then
	echo "$tarball"
	exit 0
fi
mkdir -p "$cache"
work="$cache/rootfs-$key.work"
root="$work/root"

cleanup() {
	for m in boot/firmware sys proc; do
		mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
	done
	return 0
}
trap 'cleanup; rm -rf "$work"' EXIT INT TERM
rm -rf "$work"
mkdir -p "$root"

t0=$(date +%s)
debootstrap --arch=arm64 --variant=minbase --components=main,non-free-firmware \
	--include="$INCLUDE" "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
	tail -30 "$work/debootstrap.log" >&2
	exit 1
}
echo "rootfs: debootstrap $(( $(date +%s) - t0 ))s" >&2

# The chroot resolves names through the host while packages install;
# the box's own resolv.conf (systemd-resolved's stub) is put back after.
resolv=$(readlink "$root/etc/resolv.conf" || true)
rm -f "$root/etc/resolv.conf"
cp /etc/resolv.conf "$root/etc/resolv.conf"

cat >"$root/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main non-free-firmware
deb $MIRROR $SUITE-updates main non-free-firmware
EOF
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mkdir -p "$root/boot/firmware"
mount --bind "$root/boot/firmware" "$root/boot/firmware"

# A small initramfs, made once: update-initramfs is a no-op while the
# kernel and the firmware package install, then runs by hand.
printf 'MODULES=list\nCOMPRESS=zstd\n' >"$root/etc/initramfs-tools/conf.d/pusat-belajar"
printf '%s\n' $MODULES >"$root/etc/initramfs-tools/modules"
chroot "$root" dpkg-divert --quiet --local --rename --add /usr/sbin/update-initramfs
ln -s /bin/true "$root/usr/sbin/update-initramfs"

t0=$(date +%s)
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends $LATE >"$work/late.log" 2>&1 || {
	tail -30 "$work/late.log" >&2
	exit 1
}
echo "rootfs: kernel and firmware $(( $(date +%s) - t0 ))s" >&2

rm "$root/usr/sbin/update-initramfs"
chroot "$root" dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
kver=$(ls "$root/lib/modules" | head -1)
t0=$(date +%s)
chroot "$root" update-initramfs -c -k "$kver" >"$work/initramfs.log" 2>&1 || {
	tail -30 "$work/initramfs.log" >&2
	exit 1
}
echo "rootfs: initramfs for $kver $(( $(date +%s) - t0 ))s" >&2

chroot "$root" apt-get clean
rm -rf "$root/var/lib/apt/lists/"* "$root/usr/sbin/policy-rc.d"
rm -f "$root/etc/resolv.conf"
ln -s "${resolv:-../run/systemd/resolve/stub-resolv.conf}" "$root/etc/resolv.conf"
cleanup
tar --numeric-owner -cf "$tarball.tmp" -C "$root" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
