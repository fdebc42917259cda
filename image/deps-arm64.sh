#!/bin/sh
# Make this (amd64 Debian) machine able to build and run arm64 programs:
# the arm64 architecture in dpkg, the cross compiler, the :arm64 -dev
# libraries, and qemu-user through binfmt_misc. Idempotent; needs root only
# when something is missing.
#   image/deps-arm64.sh PKG...   (the :arm64 and host packages to have)
set -e
here=$(dirname "$0")
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	[ "$(id -u)" = 0 ] || { echo "error: run as root: dpkg --add-architecture arm64" >&2; exit 1; }
	dpkg --add-architecture arm64
	apt-get update -qq
fi
sh "$here/../tests/install-deps.sh" "$@"
# binfmt_misc: arm64 binaries run directly through qemu-aarch64-static.
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
	mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && command -v update-binfmts >/dev/null; then
	update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
fi
if ! grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
	echo "error: binfmt_misc has no enabled qemu-aarch64 entry" >&2
	exit 1
fi
