#!/bin/sh
# The driver of the emulated update test (test-only; test_update_qemu.py
# puts it on root A of its copy of the card with the unit that runs it, as
# root, after the commit step and pb-web; apply copies both into root B).
# It reports on the serial console ("PBU key=value" lines and the markers
# the test waits for) and, as the flag files the test leaves on the data
# partition ask, makes the admin's account, waits for the admin's install
# to start, watches a copy for the power cut, and runs `pbctl update apply`.
#
# Under full-system emulation every process started costs a fraction of a
# second of the host's processor: the facts are read with the shell's
# builtins from /proc and the files, each program that must run runs once
# for all it says, and the waits start no process per turn.
set -f
pb=/var/lib/pb
sys=$pb/system
conf=/etc/pusat-belajar/box.conf
echo boot >>$sys/test-boots
sync

# The mounts as `findmnt -no SOURCE,OPTIONS` prints them, a comma for the
# space (mounts.sh, beside this script on the card).
. /usr/local/lib/pb-test-mounts.sh
mount_seen() {
	case $1 in
	/) root="$2,$4" ;;
	/run/pb-root/a) roota="$2,$4" ;;
	/run/pb-root/b) rootb="$2,$4" ;;
	esac
}
mounts
echo "PBU root=$root"
read -r cmdline </proc/cmdline
echo "PBU cmdline=$cmdline"
echo "PBU roota=$roota"
echo "PBU rootb=$rootb"
# the versions installed of the two test packages, one dpkg-query
probe=
tuning=
dpkg-query -W -f '${Package} ${Version}\n' pb-update-probe pb-web-tuning \
	>/run/pb-test-packages 2>/dev/null
while read -r p v; do
	case $p in
	pb-update-probe) probe=$v ;;
	pb-web-tuning) tuning=$v ;;
	esac
done </run/pb-test-packages
echo "PBU probe=$probe"
echo "PBU tuning=$tuning"

# The value of property $3 of unit $2 in file $1, what `systemctl show
# -p ...,Id,... UNIT...` printed: a block of Key=value lines a unit, a
# blank line between blocks, the unit's Id anywhere in its block.
prop() {
	id='' v='' found=''
	while IFS= read -r l; do
		case $l in
		'')
			[ "$id" = "$2" ] && found=$v
			id='' v=''
			;;
		Id=*) id=${l#Id=} ;;
		"$3="*) v=${l#*=} ;;
		esac
	done <"$1"
	[ "$id" = "$2" ] && found=$v
	echo "$found"
}
u=/run/pb-test-units
systemctl show -p Id,ActiveState,SubState,Result pb-update-commit.service \
	pb-update-deadline.timer >$u 2>&1
c=pb-update-commit.service
echo "PBU commit=ActiveState=$(prop $u $c ActiveState) Result=$(prop $u $c Result)"
n=0
while read -r l; do n=$((n + 1)); done <$sys/test-boots
echo "PBU boots=$n"
echo "PBU dbcheck=$(sqlite3 $pb/pb.db "PRAGMA quick_check" 2>&1)"
set +f
l=
for f in $pb/update/*; do
	[ -e "$f" ] || [ -L "$f" ] && l="$l ${f##*/}"
done
set -f
echo "PBU updatedir=${l# }"
for r in a b; do
	[ -e /run/pb-root/$r/.pb-rootcopy.unfinished ] && m=marked || m=whole
	echo "PBU mark$r=$m"
done
read -r panic </proc/sys/kernel/panic
echo "PBU panic=$panic"
echo "PBU watchdog=$(systemctl show -p RuntimeWatchdogUSec --value)"
t=pb-update-deadline.timer
echo "PBU deadline=ActiveState=$(prop $u $t ActiveState) SubState=$(prop $u $t SubState)"
journalctl -b -u pb-update-commit -o cat --no-pager | while IFS= read -r l; do
	printf 'PBLOG commit: %s\n' "$l"
done
pbctl -c $conf update status 2>&1 | while IFS= read -r l; do
	printf 'PBSTATUS %s\n' "$l"
done

if [ -s $sys/test-cut ]; then
	read -r d <$sys/test-cut
	rm -f $sys/test-cut
	sync
	# a fifo for bash's read -t: a wait that starts no process per turn
	mkfifo /run/pb-test-tick
	# once root d is marked unfinished and holds some of the bulk files
	# (ls's count: the names in the folder but the hidden ones)
	bash -c 'd=$1; exec 3<>/run/pb-test-tick; shopt -s nullglob
	until [ -e /run/pb-root/$d/.pb-rootcopy.unfinished ] &&
		f=(/run/pb-root/$d/opt/pb-bulk/*) && [ ${#f[@]} -gt 0 ]; do
		read -t 0.1 -u 3
	done
	echo "PBU-MIDCOPY root $d marked, bulk files=${#f[@]}"' sh "$d" &
fi

if [ -s $sys/test-admin ]; then
	echo "PBU admin=$(pbctl -c $conf user add adi --role admin --kind instruktur \
		<$sys/test-admin 2>&1)"
	sqlite3 $pb/pb.db <$sys/test-ready.sql
	rm -f $sys/test-admin $sys/test-ready.sql
	sync
	echo PBU-READY
	# the apply service's journal until it says it installs (journalctl
	# follows it; at most 1800 s), then the request folder and the units
	mkfifo /run/pb-test-apply
	journalctl -b -u pb-update-apply.service -o cat --no-pager -n all -f \
		>/run/pb-test-apply &
	follow=$!
	sleep 1800 && kill $follow &
	timer=$!
	j=
	while IFS= read -r l; do
		j="$j$l
"
		case $l in "installing release"*) break ;; esac
	done </run/pb-test-apply
	kill $follow $timer 2>/dev/null
	set +f
	r=
	for f in /run/pb-update/* /run/pb-update/.[!.]* /run/pb-update/..?*; do
		[ -e "$f" ] || [ -L "$f" ] && r="$r ${f##*/}"
	done
	set -f
	echo "PBU request=${r# }"
	systemctl show -p Id,ActiveState,SubState pb-update-apply.path \
		pb-update-apply.service >$u 2>&1
	p=pb-update-apply.path
	echo "PBU applypath=ActiveState=$(prop $u $p ActiveState) SubState=$(prop $u $p SubState)"
	p=pb-update-apply.service
	echo "PBU applyunit=ActiveState=$(prop $u $p ActiveState) SubState=$(prop $u $p SubState)"
	printf '%s' "$j" | while IFS= read -r l; do
		printf 'PBJ %s\n' "$l"
	done
	echo PBU-TAKEN
fi

if [ -s $sys/test-apply ]; then
	read -r n <$sys/test-apply
	if [ "$n" -gt 1 ]; then
		echo $((n - 1)) >$sys/test-apply
	else
		rm -f $sys/test-apply
	fi
	sync
	echo PBU-APPLY
	pbctl -c $conf update apply 2>&1 | while IFS= read -r l; do
		printf 'PBAPPLY %s\n' "$l"
	done
fi
echo PBU-END
