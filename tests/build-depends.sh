#!/bin/sh
# The package names of debian/control's Build-Depends, one a line, for the
# install step (tests/install-deps.sh): no versions, architectures,
# profiles or alternatives; debhelper-compat is provided by debhelper.
set -e
control=${1:-$(dirname "$0")/../debian/control}
sed -n '/^Build-Depends:/,/^[^ ]/{s/^Build-Depends://;/^[^ ]/d;p;}' "$control" |
	tr ',' '\n' | sed -e 's/|.*//' -e 's/[[(<:].*//' -e 's/^[[:space:]]*//' \
		-e 's/[[:space:]]*$//' -e 's/^debhelper-compat$/debhelper/' | grep -v '^$'
