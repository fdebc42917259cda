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
# or this stops the build. It runs in a mount namespace of its own where the
# root's certificate directories, its ca-certificates.conf and its hooks
# directory sit over the build machine's, so the links it writes name the
# paths they have on the box. It runs as the package's trigger does (plain
# update-ca-certificates, hooks included; the root has none).
# Needs root and unshare.
set -eu

root=${1:?usage: rootfs-certs.sh ROOT}
prog=/usr/sbin/update-ca-certificates

fail() {
	echo "rootfs-certs: $*" >&2
	exit 1
}

ours=$(dpkg-query -W -f '${Version}' ca-certificates 2>/dev/null) ||
	fail "ca-certificates is not installed on the build machine"
theirs=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' ca-certificates) ||
	fail "ca-certificates is not installed in $root"
[ "$ours" = "$theirs" ] ||
	fail "ca-certificates $ours here, $theirs in the image: install $theirs here"
cmp -s "$prog" "$root$prog" ||
	fail "$prog here differs from the image's"
[ -z "$(ls -A "$root/etc/ca-certificates/update.d")" ] ||
	fail "the image has update-ca-certificates hooks; they would run here"

unshare -m sh -eu -c '
	root=$1
	for p in /etc/ssl/certs /usr/share/ca-certificates \
		/usr/local/share/ca-certificates /etc/ca-certificates.conf \
		/etc/ca-certificates; do
		mount --bind "$root$p" "$p"
	done
	update-ca-certificates >/dev/null
' rootfs-certs "$root"
