#!/bin/sh
# busybox udhcpc event script for the test "phone" (busybox ships none):
# apply the lease, point resolv.conf ($PB_PHONE_DIR/resolv.conf) at the DNS
# servers it names, and keep every option it was given in lease.env.
case "$1" in
deconfig)
	ip addr flush dev "$interface"
	;;
bound|renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	for r in $router; do
		ip route replace default via "$r" dev "$interface"
	done
	: > "$PB_PHONE_DIR/resolv.conf"
	for d in $dns; do
		echo "nameserver $d" >> "$PB_PHONE_DIR/resolv.conf"
	done
	env | grep -E '^(interface|ip|mask|router|dns|serverid|lease|opt[0-9a-fx]+)=' \
		> "$PB_PHONE_DIR/lease.env"
	;;
esac
exit 0
