#!/bin/sh
# image/rootfs-certs.sh ROOT
#
# /etc/ssl/certs of the arm64 root at ROOT, made by the build machine's own
# update-ca-certificates instead of the root's, which would run under
# qemu-user: it starts sed, basename, ln, openssl and more once or more per
# certificate, and each emulated start is slow. rootfs.sh keeps the root's
# copy a no-op while the packages install and calls this at the end.
#
# The script is the same only when the package is: both must be
# ca-certificates of the same version with the same update-ca-certificates,
# and the root must have no hooks of its own. Otherwise the root's own copy
# runs under qemu-user as before (slower, the same result), and a line says
# why. The build machine's copy runs in a mount namespace of its own where
# the root's certificate directories, its ca-certificates.conf and its
# hooks directory sit over the build machine's, so the links it writes name
# the paths they have on the box. It runs as the package's trigger does
# (plain update-ca-certificates).
# Needs root and unshare.
set -eu

root=${1:?usage: rootfs-certs.sh ROOT}
prog=/usr/sbin/update-ca-certificates

# Why the build machine's copy cannot stand in for the root's; empty: it can.
why_not() {
	ours=$(dpkg-query -W -f '${Version}' ca-certificates 2>/dev/null) || {
		echo "ca-certificates is not installed on the build machine"
		return
	}
	theirs=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' ca-certificates)
	if [ "$ours" != "$theirs" ]; then
		echo "ca-certificates $ours here, $theirs in the image"
	elif ! cmp -s "$prog" "$root$prog"; then
		echo "$prog here differs from the image's"
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
	root=$1
	for p in /etc/ssl/certs /usr/share/ca-certificates \
		/usr/local/share/ca-certificates /etc/ca-certificates.conf \
		/etc/ca-certificates; do
		mount --bind "$root$p" "$p"
	done
	update-ca-certificates >/dev/null
' rootfs-certs "$root"
