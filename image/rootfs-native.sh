#!/bin/sh
# image/rootfs-native.sh start|stop ROOT
#
# Two programs dpkg runs for every package, done by the build machine's own
# (native) processor instead of under qemu-user while the arm64 root at ROOT
# installs its packages (rootfs.sh: start in mmdebstrap's essential hook,
# stop first in its customize hook):
#
# - dpkg-deb --fsys-tarfile and --control, which dpkg starts twice per
#   package: the package's files decompressed (xz) and its control files
#   unpacked, about five times slower emulated. The build machine's dpkg-deb
#   gives the same bytes: --fsys-tarfile is the package's data.tar member
#   decompressed, as it is; --control unpacks its control.tar with tar.
# - deb-systemd-helper, which the maintainer scripts of every package with a
#   systemd unit call a few times: a perl program, slow to start emulated.
#   The image's own script runs, with the build machine's perl (the same
#   upstream version, or it is not used), with DPKG_ROOT=ROOT (its way of
#   working on another root, as dpkg --root bootstrapping uses it). The
#   systemctl it calls to enable a unit is the build machine's when its
#   systemd is the image's version, else the image's own under qemu-user.
#
# The image's programs are diverted (dpkg-divert --rename) and stand-ins,
# small sh scripts, take their place: each hands its call to a process of
# this script outside the root through named pipes in ROOT/run/pb-native,
# which runs the native program on ROOT and hands back its exit status and
# output. A call the stand-in does not know, a call made while another is
# being served, and a native run that fails go to the image's own program,
# emulated, as before. stop puts the image's programs back and removes
# every trace (rootfs.sh removes the diversions in the reverse order).
# Needs root; runs inside mmdebstrap's hooks.
set -eu

cmd=${1:?usage: rootfs-native.sh start|stop ROOT}
root=${2:?usage: rootfs-native.sh start|stop ROOT}
d=$root/run/pb-native

upstream() {  # a Debian version without its revision and epoch
	v=${1%-*}
	echo "${v#*:}"
}

# The version of package $1 in the root: installed, or (before the
# essential packages install) the one mmdebstrap downloaded for it.
image_version() {
	v=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' "$1" 2>/dev/null || true)
	if [ -z "$v" ]; then
		for deb in "$root/var/cache/apt/archives/$1"_*.deb; do
			[ -f "$deb" ] && v=$(dpkg-deb -f "$deb" Version)
		done
	fi
	echo "$v"
}

# Why the image's deb-systemd-helper cannot run with this machine's perl;
# empty: it can.
perl_why_not() {
	theirs=$(image_version perl-base)
	if [ -z "$theirs" ]; then
		echo "the image has no perl-base"
		return
	fi
	ours=$(dpkg-query -W -f '${Version}' perl-base 2>/dev/null) || {
		echo "perl-base is not installed on the build machine"
		return
	}
	if [ "$(upstream "$ours")" != "$(upstream "$theirs")" ]; then
		echo "perl $ours here, $theirs in the image"
	elif [ ! -f "$root/usr/bin/deb-systemd-helper" ]; then
		echo "the image has no deb-systemd-helper"
	fi
}

# The stand-in put in place of the image's program $1 (run by the image's sh
# under qemu-user: only sh's built-ins, and cat when there is output).
stand_in() {
	cat <<EOF
#!/bin/sh
# $1 while the image's packages install (image/rootfs-native.sh): the call
# goes to the build machine's native $1; the image's own, $1.distrib,
# takes the calls it does not serve.
d=/run/pb-native
real=/usr/bin/$1.distrib
EOF
	cat <<'EOF'
nl='
'
case "$*" in *"$nl"*) exec "$real" "$@" ;; esac
EOF
	if [ "$1" = dpkg-deb ]; then
		cat <<'EOF'
case $#:$1 in
2:--fsys-tarfile|3:--control) ;;
*) exec "$real" "$@" ;;
esac
EOF
		set -- "$1" 'dpkg-deb $# "$@"'
	else
		set -- "$1" 'deb-systemd-helper $(($# + 3)) "${DPKG_MAINTSCRIPT_PACKAGE+=}${DPKG_MAINTSCRIPT_PACKAGE-}" "${_DEB_SYSTEMD_HELPER_DEBUG+=}${_DEB_SYSTEMD_HELPER_DEBUG-}" "${_DEB_SYSTEMD_HELPER_PURGE+=}${_DEB_SYSTEMD_HELPER_PURGE-}" "$@"'
	fi
	cat <<EOF
if [ -p \$d/req ] && { set -C; : >\$d/lock; } 2>/dev/null; then
	set +C
	printf '%s\n' $2 >\$d/req
EOF
	cat <<'EOF'
	read rc <$d/rc
	if [ "$rc" = 0 ] && [ -s $d/data ]; then cat $d/data || rc=1; fi
	if [ "$rc" != emulate ]; then
		if [ -s $d/out ]; then cat $d/out; fi
		if [ -s $d/err ]; then cat $d/err >&2; fi
	fi
	printf '%s\n' unlock 0 >$d/req
	read ok <$d/rc
	[ "$rc" = emulate ] || exit "$rc"
fi
exec "$real" "$@"
EOF
}

# systemctl for the image's deb-systemd-helper run natively: the build
# machine's when its systemd is the image's version, else the image's own
# in the root (--root=ROOT becomes --root=/ in the chroot).
systemctl_shim() {
	cat <<EOF
#!/bin/sh
root='$root'
EOF
	cat <<'EOF'
ours=$(dpkg-query -W -f '${Version}' systemd 2>/dev/null || true)
theirs=$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Version}' systemd 2>/dev/null || true)
if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then
	exec /usr/bin/systemctl "$@"
fi
for a; do
	shift
	if [ "$a" = "--root=$root" ]; then set -- "$@" --root=/; else set -- "$@" "$a"; fi
done
exec chroot "$root" systemctl "$@"
EOF
}

# The root's path $1 as seen from here: links followed inside the root (apt
# hands dpkg links to the packages, /tmp/apt-dpkg-install-*/NNN-NAME.deb ->
# /var/cache/apt/archives/NAME.deb); none when a folder on the way is a link.
in_root() {
	p=$1
	n=0
	while [ -L "$root$p" ]; do
		[ $n -lt 20 ] || return 1
		t=$(readlink "$root$p")
		case $t in /*) p=$t ;; *) p=${p%/*}/$t ;; esac
		n=$((n + 1))
	done
	case $p in /*) ;; *) return 1 ;; esac
	case /$p/ in */../*|*/./*) return 1 ;; esac
	up=${p%/*}
	while [ -n "$up" ]; do
		[ ! -L "$root$up" ] || return 1
		up=${up%/*}
	done
	echo "$root$p"
}

# One call of a stand-in, its answer in $d/rc: the exit status, or emulate.
serve_one() {
	tool=$1
	shift
	rm -f "$d/data" "$d/out" "$d/err"
	case $tool:${1-} in
	dpkg-deb:--fsys-tarfile)
		deb=$(in_root "$2") || { echo emulate; return; }
		dpkg-deb --fsys-tarfile "$deb" >"$d/data" 2>"$d/err" || {
			echo emulate; return; }
		echo 0 ;;
	dpkg-deb:--control)
		deb=$(in_root "$2") && dir=$(in_root "$3") || { echo emulate; return; }
		dpkg-deb --control "$deb" "$dir" >"$d/out" 2>"$d/err" || {
			echo emulate; return; }
		echo 0 ;;
	deb-systemd-helper:*)
		pkg=$1 debug=$2 purge=$3
		shift 3
		rc=0
		# shellcheck disable=SC2030
		(
			unset DPKG_MAINTSCRIPT_PACKAGE _DEB_SYSTEMD_HELPER_DEBUG _DEB_SYSTEMD_HELPER_PURGE
			case $pkg in =*) export DPKG_MAINTSCRIPT_PACKAGE="${pkg#=}" ;; esac
			case $debug in =*) export _DEB_SYSTEMD_HELPER_DEBUG="${debug#=}" ;; esac
			case $purge in =*) export _DEB_SYSTEMD_HELPER_PURGE="${purge#=}" ;; esac
			PATH="$d/bin:$PATH" DPKG_ROOT="$root" \
				exec perl "$root/usr/bin/deb-systemd-helper.distrib" "$@"
		) >"$d/out" 2>"$d/err" || rc=$?
		# systemctl --root=ROOT names the links it makes with ROOT before
		# them ("Created symlink ROOT/etc/..."): as the image's own says it
		re=$(printf '%s\n' "$root" | sed 's/[]\.*^$|[]/\\&/g')
		sed -i "s|$re/|/|g" "$d/out" "$d/err"
		echo "$rc" ;;
	*)
		echo emulate ;;
	esac
}

serve() {
	set +e
	trap 'rm -f "$d/req"' EXIT
	while :; do
		{
			IFS= read -r tool
			IFS= read -r n
			set --
			while [ "$n" -gt 0 ]; do
				IFS= read -r a
				set -- "$@" "$a"
				n=$((n - 1))
			done
		} <"$d/req"
		case $tool in
		stop) break ;;
		unlock)
			rm -f "$d/lock" "$d/data" "$d/out" "$d/err"
			echo ok >"$d/rc"
			continue ;;
		esac
		serve_one "$tool" "$@" >"$d/rc.next"
		echo "$tool $* -> $(cat "$d/rc.next")" >&2
		cat "$d/rc.next" >"$d/rc"
	done
}

case $cmd in
start)
	served=dpkg-deb
	why=$(perl_why_not)
	if [ -n "$why" ]; then
		echo "rootfs-native: $why: the image's own deb-systemd-helper runs (emulated, slower)" >&2
	else
		served="$served deb-systemd-helper"
	fi
	mkdir -p "$d/bin"
	mkfifo "$d/req" "$d/rc"
	systemctl_shim >"$d/bin/systemctl"
	chmod 755 "$d/bin/systemctl"
	echo "$served" >"$d/served"
	for t in $served; do
		chroot "$root" dpkg-divert --quiet --local --rename --add "/usr/bin/$t"
		stand_in "$t" >"$root/usr/bin/$t"
		chmod 755 "$root/usr/bin/$t"
	done
	# mmdebstrap's hook socket stays with mmdebstrap, not with the server
	if [ -n "${MMDEBSTRAP_HOOKSOCK-}" ]; then
		eval "exec $MMDEBSTRAP_HOOKSOCK>&-"
	fi
	# exec in a subshell, not redirections on the function call: for those sh
	# keeps copies of start's own stdout and stderr open in the server, and
	# whoever reads start's output would wait for them until stop
	(exec </dev/null >"${PB_WORK:-$d}/native.log" 2>&1; serve) &
	echo $! >"$d/pid"
	;;
stop)
	[ -d "$d" ] || exit 0
	pid=$(cat "$d/pid")
	if [ -p "$d/req" ] && kill -0 "$pid" 2>/dev/null; then
		printf '%s\n' stop 0 >"$d/req"
	fi
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	for t in $(cat "$d/served"); do
		rm "$root/usr/bin/$t"
		chroot "$root" dpkg-divert --quiet --local --rename --remove "/usr/bin/$t"
	done
	rm -rf "$d"
	;;
*)
	echo "usage: rootfs-native.sh start|stop ROOT" >&2
	exit 2 ;;
esac
