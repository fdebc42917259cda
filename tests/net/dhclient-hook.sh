#!/bin/sh
# isc-dhcp-client (dhclient -sf) event script for a test "phone": apply the
# lease, point resolv.conf ($PB_PHONE_DIR/resolv.conf) at its DNS servers,
# and keep what the server said in lease.env in udhcpc's names (ip, mask,
# router, dns, opt114 as hex) so both clients are read the same way.
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
	ip addr flush dev "$interface"
	ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
	for r in $new_routers; do
		ip route replace default via "$r" dev "$interface"
	done
	: > "$PB_PHONE_DIR/resolv.conf"
	for d in $new_domain_name_servers; do
		echo "nameserver $d" >> "$PB_PHONE_DIR/resolv.conf"
	done
	{
		echo "interface=$interface"
		echo "ip=$new_ip_address"
		echo "mask=$new_subnet_mask"
		echo "router=$new_routers"
		echo "dns=$new_domain_name_servers"
		[ -n "$new_captive_portal" ] &&
			echo "opt114=$(printf '%s' "$new_captive_portal" | od -An -tx1 | tr -d ' \n')"
	} > "$PB_PHONE_DIR/lease.env"
	;;
esac
exit 0
