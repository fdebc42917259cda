#!/bin/sh
# The mounts of the emulated box as findmnt shows them, for the image
# tests' scripts on it (boot-report.sh, update-driver.sh; sourced, so no
# process is started): `mounts` reads /proc/self/mountinfo and calls
# mount_seen DIR SOURCE FSTYPE OPTIONS MAJ:MIN, which the script defines,
# for each mount in order (of several on one folder, the one on top last).
# SOURCE is findmnt's (with [root] for a bind of a folder), OPTIONS the
# mount's own and then the file system's.
mounts() {
	while read -r id parent dev fsroot dir opts rest; do
		case $rest in
		'- '*) rest=${rest#- } ;;
		*) rest=${rest#* - } ;;
		esac
		set -- $rest
		src=$2
		[ "$fsroot" = / ] || src="${src}[$fsroot]"
		all=$opts
		IFS=,
		for o in $3; do
			case $o in ro|rw) ;; *) all="$all,$o" ;; esac
		done
		unset IFS
		mount_seen "$dir" "$src" "$1" "$all" "$dev"
	done </proc/self/mountinfo
}
