#!/bin/sh
# image/mkdeb.sh ARCH VERSION OUTDIR STRIP PROGRAM...
#
# pusat-belajar_VERSION_ARCH.deb with dpkg-deb: the box programs in
# /usr/bin, the web app and the demo files in /usr/share/pusat-belajar, the
# systemd units, the first-boot helpers, the configuration template
# /etc/pusat-belajar/box.conf (a conffile) and maintainer scripts that make
# the system users. Runtime dependencies come from dpkg-shlibdeps. No key,
# password or token is put in the package: the box makes its own.
set -eu
arch=$1 version=$2 strip=$4
out=$(mkdir -p "$3" && cd "$3" && pwd)
shift 4
src=$(cd "$(dirname "$0")/.." && pwd)
pkg=pusat-belajar
stage=$out/deb/$pkg-$arch
deb=$out/${pkg}_${version}_$arch.deb

rm -rf "$stage"
install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/lib/$pkg" \
	"$stage/usr/share/$pkg/demo" "$stage/lib/systemd/system" \
	"$stage/etc/$pkg" "$stage/usr/share/doc/$pkg"
for p in "$@"; do
	install -m 755 "$p" "$stage/usr/bin/"
	"$strip" --strip-unneeded "$stage/usr/bin/$(basename "$p")"
done
cp -R "$src/webapp" "$stage/usr/share/$pkg/webapp"
cp -R "$src/firmware/ctl/demo/." "$stage/usr/share/$pkg/demo/"
install -m 644 "$src"/image/systemd/*.service "$src"/image/systemd/*.path "$stage/lib/systemd/system/"
install -m 755 "$src"/image/firstboot/pb-* "$stage/usr/lib/$pkg/"
install -m 640 "$src/image/box.conf" "$stage/etc/$pkg/box.conf"
install -m 644 "$src/README.md" "$src"/docs/*.md "$stage/usr/share/doc/$pkg/"
find "$stage/usr/share" -type d -exec chmod 755 {} +
find "$stage/usr/share" -type f -exec chmod 644 {} +

# Runtime libraries of the programs, as Debian names them.
shl=$(mktemp -d)
mkdir "$shl/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$pkg" "$pkg" >"$shl/debian/control"
depends=$(cd "$shl" && DEB_HOST_ARCH=$arch dpkg-shlibdeps -O \
	$(for p in "$@"; do printf -- '-e%s ' "$stage/usr/bin/$(basename "$p")"; done) \
	2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shl"
[ -n "$depends" ] || { echo "mkdeb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $version
Architecture: $arch
Maintainer: Pusat Belajar <pusat-belajar@localhost>
Section: net
Priority: optional
Installed-Size: $size
Depends: $depends, adduser
Recommends: hostapd, dnsmasq, fake-hwclock
Description: Pusat Belajar box: hotspot, learning modules, attendance, claims
 The software of a Pusat Belajar (teacher-training centre) box: the web
 server for the hotspot (pb-web), the admin tool (pbctl) and the other box
 daemons, their systemd units, first-boot provisioning from a bundle on the
 boot partition, and the web app.
CONTROL
echo "/etc/$pkg/box.conf" >"$stage/DEBIAN/conffiles"

cat >"$stage/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
# Users: pb (pb-web, owner of /var/lib/pb), pb-sync and pb-gpio (members of
# group pb so they share the database). No secrets are made here: pb-sync
# makes the box's key on the box, on its first start.
set -e
if [ "$1" = configure ]; then
	for u in pb pb-sync pb-gpio; do
		getent passwd "$u" >/dev/null ||
			adduser --quiet --system --group --home /var/lib/pb \
				--no-create-home --shell /usr/sbin/nologin "$u"
	done
	for u in pb-sync pb-gpio; do
		adduser --quiet "$u" pb >/dev/null
	done
	if getent group gpio >/dev/null; then
		adduser --quiet pb-gpio gpio >/dev/null
	fi
	install -d -o pb -g pb -m 2770 /var/lib/pb
	chgrp pb /etc/pusat-belajar/box.conf
	chmod 0640 /etc/pusat-belajar/box.conf
	if command -v systemctl >/dev/null; then
		systemctl --quiet enable pb-grow-data.service pb-firstboot.service \
			pb-web.service pb-sync.service pb-gpio.service pb-net.service \
			pb-hostapd.service pb-dnsmasq.service pb-poweroff.path || true
		if [ -d /run/systemd/system ]; then
			systemctl daemon-reload || true
		fi
	fi
fi
exit 0
SCRIPT
cat >"$stage/DEBIAN/prerm" <<'SCRIPT'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
	systemctl stop pb-web.service pb-sync.service pb-gpio.service \
		pb-hostapd.service pb-dnsmasq.service || true
fi
exit 0
SCRIPT
cat >"$stage/DEBIAN/postrm" <<'SCRIPT'
#!/bin/sh
# The box's data (/var/lib/pb) is never removed by the package.
set -e
if [ "$1" = remove ] && command -v systemctl >/dev/null; then
	systemctl --quiet disable pb-grow-data.service pb-firstboot.service \
		pb-web.service pb-sync.service pb-gpio.service pb-net.service \
		pb-hostapd.service pb-dnsmasq.service pb-poweroff.path 2>/dev/null || true
fi
exit 0
SCRIPT
chmod 755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' |
	LC_ALL=C sort | xargs md5sum) >"$stage/DEBIAN/md5sums"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
