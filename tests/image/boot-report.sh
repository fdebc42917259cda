#!/bin/sh
# The boot report of the image boot tests (test-only; test_boot.py puts it
# on its copy of the card with the unit that runs it, as root, once pb-web
# is up). It prints what only the running box can say, one "PBREPORT
# key=value" line each, on the serial console.
#
# Under full-system emulation every process started costs a fraction of a
# second of the host's processor, so the facts are read with the shell's
# own builtins from /proc, /sys, /run and the data partition, and each
# program that must run runs once for all it says: one systemctl for the
# units, one find for the files, one journalctl per question.
set -f
pb=/var/lib/pb
echo boot >>$pb/system/test-boots

# The mounts (mounts.sh, beside this script on the card).
. /usr/local/lib/pb-test-mounts.sh
mount_seen() {
	case $1 in
	/) root_opts=$4 ;;
	"$pb") data_src=$2 data_type=$3 data_dev=$5 ;;
	/var/log) log_type=$3 ;;
	esac
}
mounts
echo "PBREPORT root=$root_opts"
echo "PBREPORT data=$data_src $data_type"
# the label udev read from the data partition (findmnt asks udev too)
label=
while IFS= read -r l; do
	case $l in E:ID_FS_LABEL_ENC=*) label=${l#E:ID_FS_LABEL_ENC=} ;; esac
done <"/run/udev/data/b$data_dev"
echo "PBREPORT datalabel=$label"
# the file system's size (statfs), as df -k gives it
set -- $(stat -f -c '%b %S' $pb)
echo "PBREPORT datakib=$(($1 * $2 / 1024))"
echo "PBREPORT log=$log_type"
# the journal's folders that exist (ls -d)
j=
for d in /run/log/journal /var/log/journal; do
	[ -e $d ] && j="$j $d"
done
echo "PBREPORT journal=${j# }"

# names in a folder, sorted, without the hidden ones (ls)
names() {
	set +f
	n=
	for f in "$1"/*; do
		[ -e "$f" ] || [ -L "$f" ] && n="$n ${f##*/}"
	done
	set -f
	echo "${n# }"
}
echo "PBREPORT system=$(names $pb/system)"
n=0
while read -r l; do n=$((n + 1)); done <$pb/system/test-boots
echo "PBREPORT boots=$n"
echo "PBREPORT staff=$(sqlite3 $pb/pb.db "select group_concat(name) from staff" 2>&1)"
pbuid=
while IFS=: read -r name x uid rest; do
	[ "$name" = pb ] && pbuid=$uid
done </etc/passwd
echo "PBREPORT pbuid=$pbuid"
h=
while IFS= read -r l; do
	case $l in ssid=*|wpa=*) h="$h $l" ;; esac
done </run/pb-net/hostapd.conf
echo "PBREPORT hotspot=${h# }"
echo "PBREPORT networks=$(names /run/systemd/network)"

sleep 2
# The three services, and every failed unit (the glob, with --state), in
# one call: blocks of Key=value lines, one block a unit.
unit_props=Id,ActiveState,SubState,NRestarts,WatchdogUSec,WatchdogTimestampMonotonic
unit_props=$unit_props,StatusText,MainPID,ActiveEnterTimestampMonotonic,ConditionResult
systemctl show --state=failed -p $unit_props pb-web.service pb-sync.service \
	pb-gpio.service pb-hostapd.service '*' >/run/pb-boot-report.units 2>&1
failed=
unit() {
	case $id in
	pb-web.service)
		webunit="ActiveState=$active SubState=$sub NRestarts=$restarts WatchdogUSec=$wd"
		webunit="$webunit WatchdogTimestampMonotonic=$wdts"
		webpid=$pid webenter=$enter ;;
	pb-sync.service) syncunit="ActiveState=$active SubState=$sub NRestarts=$restarts" ;;
	pb-gpio.service) gpiounit="ActiveState=$active SubState=$sub" gpiostatus=$status ;;
	pb-hostapd.service) hostapdunit="ActiveState=$active NRestarts=$restarts ConditionResult=$cond" ;;
	esac
	# systemctl --failed: a unit whose state is failed, each once
	if [ "$active" = failed ]; then
		case " $failed " in *" $id "*) ;; *) failed="$failed $id" ;; esac
	fi
	id='' active='' sub='' restarts='' wd='' wdts='' status='' pid='' enter='' cond=''
}
id='' active='' sub='' restarts='' wd='' wdts='' status='' pid='' enter='' cond=''
while IFS= read -r l; do
	case $l in
	'') unit ;;
	Id=*) id=${l#*=} ;;
	ActiveState=*) active=${l#*=} ;;
	SubState=*) sub=${l#*=} ;;
	NRestarts=*) restarts=${l#*=} ;;
	WatchdogUSec=*) wd=${l#*=} ;;
	WatchdogTimestampMonotonic=*) wdts=${l#*=} ;;
	StatusText=*) status=${l#*=} ;;
	MainPID=*) pid=${l#*=} ;;
	ActiveEnterTimestampMonotonic=*) enter=${l#*=} ;;
	ConditionResult=*) cond=${l#*=} ;;
	*) printf 'PBLOG systemctl: %s\n' "$l" ;;
	esac
done </run/pb-boot-report.units
unit
webuid=
while read -r k real rest; do
	[ "$k" = Uid: ] && webuid=$real
done <"/proc/$webpid/status"
echo "PBREPORT webuid=$webuid"
echo "PBREPORT webunit=$webunit"
echo "PBREPORT syncunit=$syncunit"
echo "PBREPORT gpiounit=$gpiounit"
echo "PBREPORT gpiostatus=$gpiostatus"
echo "PBREPORT hostapdunit=$hostapdunit"

# The database's files (group and mode) and every key file, one find.
db=
keys=
find $pb \( -name '*key*' -type f -printf 'key %p\n' \) -o \
	\( \( -path $pb/pb.db -o -path $pb/pb.db-wal -o -path $pb/pb.db-shm \) \
	-printf 'db %p:%g:%m\n' \) >/run/pb-boot-report.files 2>&1
while read -r what f; do
	case $what in
	key) keys="$keys $f" ;;
	db) db="$db $f" ;;
	*) printf 'PBLOG find: %s %s\n' "$what" "$f" ;;
	esac
done </run/pb-boot-report.files
echo "PBREPORT dbfiles=${db# }"
# Every line of this boot's journal that met a read-only database (the
# search in journalctl itself, without case as grep -i; an error of
# journalctl's is a line too, so the count is not 0).
hits=$(journalctl -b -q -o cat --no-pager --case-sensitive=false \
	-g 'readonly database' 2>&1)
IFS='
'
set -- $hits
unset IFS
echo "PBREPORT readonly=$#"
echo "PBREPORT keys=${keys# }"
echo "PBREPORT failed=${failed# }"
journalctl -b -u pb-web -n 8 -o cat --no-pager | while IFS= read -r l; do
	printf 'PBLOG pb-web: %s\n' "$l"
done
for u in $failed; do
	journalctl -b -u "$u" -n 15 -o cat --no-pager | while IFS= read -r l; do
		printf 'PBLOG %s: %s\n' "$u" "$l"
	done
done
echo "PBREPORT phases=$(systemctl show -p UserspaceTimestampMonotonic)" \
	"ActiveEnterTimestampMonotonic=$webenter"
# what this report cost the emulated processor (its unit's cgroup)
read -r cg </proc/self/cgroup
while read -r k v; do
	[ "$k" = usage_usec ] && echo "PBREPORT cpu=${v}us"
done <"/sys/fs/cgroup${cg#0::}/cpu.stat"
echo PBREPORT-END
