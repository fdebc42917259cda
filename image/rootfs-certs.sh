#!/bin/sh
# image/rootfs-certs.sh ROOT
#
# /etc/ssl/certs of the arm64 root at ROOT, made by the root's own
# update-ca-certificates (a sh script) run by the build machine's sh and
# tools instead of under qemu-user, where it starts sed, basename, ln,
# openssl and more once or more per certificate, and each emulated start is
# slow. rootfs.sh keeps the root's copy a no-op while the packages install
# and calls this at the end.
#
# The script is the image's, whatever version of ca-certificates the build
# machine has: it runs in a mount namespace of its own where the root's
# certificate directories, its ca-certificates.conf and its hooks directory
# sit over the build machine's (which ca-certificates must have made), so
# the links it writes name the paths they have on the box, and it reads
# only the root's certificates. It runs as the package's trigger does
# (plain update-ca-certificates). Without ca-certificates or openssl on the
# build machine, or with hooks of the root's own, the root's copy runs
# under qemu-user as before (slower, the same result), and a line says why.
# Needs root and unshare.
set -eu

root=${1:?usage: rootfs-certs.sh ROOT}
prog=/usr/sbin/update-ca-certificates

# Why the root's script cannot run natively; empty: it can.
why_not() {
	if ! dpkg-query -W -f '${Status}' ca-certificates 2>/dev/null | grep -q "ok installed"; then
		echo "ca-certificates is not installed on the build machine"
	elif ! command -v openssl >/dev/null; then
		echo "openssl is not installed on the build machine"
	elif [ -n "$(ls -A "$root/etc/ca-certificates/update.d")" ]; then
		echo "the image has update-ca-certificates hooks"
	fi
}

why=$(why_not)
if [ -n "$why" ]; then
	echo "rootfs-certs: $why: the image's own update-ca-certificates runs (emulated, slower)" >&2
	chroot "$root" update-ca-certificates >/dev/null
	exit 0
fi

unshare -m sh -eu -c '
	root=$1 prog=$2
	for p in /etc/ssl/certs /usr/share/ca-certificates \
		/usr/local/share/ca-certificates /etc/ca-certificates.conf \
		/etc/ca-certificates; do
		mount --bind "$root$p" "$p"
	done
	sh -e "$root$prog" >/dev/null
' rootfs-certs "$root" "$prog"
