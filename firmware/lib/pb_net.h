/* pb_net: the box's own network: the hotspot ([wifi]) and its addresses
 * ([net]). Checks the settings, writes hostapd.conf, dnsmasq.conf and the
 * systemd-networkd files, makes the Wi-Fi join QR code and the poster, and
 * reads the DHCP lease file. pbctl and pb-web share it. */
#ifndef PB_NET_H
#define PB_NET_H

#include <stdint.h>
#include <stdio.h>

#include "pb_config.h"

/* Limits of the 802.11 and WPA2 formats. */
#define PB_WIFI_SSID_MAX        32   /* bytes */
#define PB_WIFI_PASS_MIN        8    /* WPA2 passphrase characters */
#define PB_WIFI_PASS_MAX        63
/* What each radio serves. The onboard Broadcom/Cypress firmware of the Pi
 * accepts about 7-10 phones in AP mode. */
#define PB_RADIO_ONBOARD_DEFAULT 8
#define PB_RADIO_ONBOARD_MAX     10
#define PB_RADIO_USB_DEFAULT     32
#define PB_RADIO_EXTERNAL_DEFAULT 64
/* The admin page warns from this share of the capacity (percent). */
#define PB_RADIO_WARN_PERCENT    80
#define PB_NET_DHCP_STATIONS_MAX 4096 /* stations the DHCP guard keeps a rate for */
/* RFC 8908 API path and the portal page, both on the box itself. */
#define PB_CAPTIVE_API_PATH      "/api/captive"
#define PB_PORTAL_PATH           "/portal"
/* Windows' DNS half of its connectivity check, and the answer it expects. */
#define PB_NCSI_DNS_NAME         "dns.msftncsi.com"
#define PB_NCSI_DNS_ADDRESS      "131.107.255.255"
/* Lease file lines kept in memory by readers. */
#define PB_LEASES_MAX            512
#define PB_LEASE_LINE_MAX        512     /* bytes of one lease file line */
/* The Wi-Fi join payload: "WIFI:T:WPA;S:…;P:…;;" with the SSID and passphrase
 * fields (128 bytes each in struct pb_config) escaped, each byte at most doubled. */
#define PB_WIFI_QR_MAX           (2 * 128 + 2 * 128 + 32)
#define PB_NET_URL_MAX           160

enum pb_radio {
	PB_RADIO_ONBOARD = 0,
	PB_RADIO_USB,
	PB_RADIO_EXTERNAL,
};

/* Check [wifi] and [net]. strict also demands what rendering needs (a
 * passphrase for WPA2). Writes up to max messages ("FILE: [sec] key: …")
 * into errs and returns how many problems there are. */
int pb_net_check(const struct pb_config *cfg, int strict,
		 char errs[][PB_CONFIG_ERROR_LEN], int max);

/* Provisioning (docs/hotspot.md): first boot leaves the centre's Wi-Fi in
 * <data_dir>/provision/bundle.json ({"wifi": {"ssid", "passphrase",
 * "country"}}), or, on a box never provisioned, setup.json ({"mode":
 * "setup", "ssid", "page"}) for an open setup network. They fill the [wifi]
 * keys that box.conf leaves at their defaults. */
#define PB_PROVISION_DIR    "provision"
#define PB_PROVISION_MAX    65536        /* bytes of either file */
enum pb_provision {
	PB_PROVISION_NONE = 0,           /* neither file: box.conf alone */
	PB_PROVISION_BUNDLE,
	PB_PROVISION_SETUP,
	PB_PROVISION_ERROR,              /* a file is there but unusable: err says why */
};
/* Apply them to cfg; in setup mode page gets the page phones are sent to
 * (else it is left alone). */
enum pb_provision pb_net_provision(struct pb_config *cfg, char *page, size_t page_len,
				   char *err, size_t err_len);

enum pb_radio pb_net_radio(const struct pb_config *cfg);
const char *pb_net_radio_name(enum pb_radio r);
/* Stations the radio takes: [wifi] max_clients or the radio's default. */
unsigned pb_net_capacity(const struct pb_config *cfg);
/* The interface phones are on (the AP side) and the backhaul. */
const char *pb_net_ap_interface(const struct pb_config *cfg);
const char *pb_net_uplink_interface(const struct pb_config *cfg);
int pb_net_sharing(const struct pb_config *cfg);
/* http://ADDRESS[:PORT] of the box on the hotspot, without a slash. */
int pb_net_box_url(const struct pb_config *cfg, char *out, size_t len);

/* Write the rendered files into dir (created if missing):
 * hostapd.conf (not for an external access point), dnsmasq.conf,
 * 10-pb-ap.network, 20-pb-uplink.network. Returns 0 or -1 with errno. */
int pb_net_render(const struct pb_config *cfg, const char *dir);
int pb_net_write_hostapd(const struct pb_config *cfg, FILE *f);
int pb_net_write_dnsmasq(const struct pb_config *cfg, FILE *f);
/* The DHCP guard (nftables): DHCP packets to the box on the phones' side
 * are limited per sending station (its Ethernet source address, which a
 * Wi-Fi station cannot change without associating anew) to
 * [net] dhcp_station_burst, then dhcp_station_per_min a minute. One phone
 * inventing client addresses then holds at most about
 * dhcp_station_per_min * lease_minutes leases, not the whole pool. */
int pb_net_write_dhcp_guard(const struct pb_config *cfg, FILE *f);

/* The Wi-Fi join payload WIFI:T:WPA;S:…;P:…;; with \ ; , : " escaped. */
int pb_wifi_qr_payload(const struct pb_config *cfg, char *out, size_t len);
/* Escape one field of that payload. Returns 0, or -1 if out is too small. */
int pb_wifi_qr_escape(const char *in, char *out, size_t len);
/* A QR code of text as an SVG document; malloc'd, NULL on failure. */
char *pb_qr_svg(const char *text);
/* The printable A4 poster (HTML with the QR code inline). Its stylesheet is
 * webapp/PB_POSTER_CSS: linked for pb-web, copied in when inline_css (a
 * file that prints anywhere). */
#define PB_POSTER_CSS "css/poster.css"
int pb_net_write_poster(const struct pb_config *cfg, FILE *f, int inline_css);

/* One line of dnsmasq's lease file. */
struct pb_lease {
	int64_t expires;          /* unix seconds, 0 = infinite */
	char mac[18];
	char ip[46];
	char hostname[64];
};

/* Read up to max leases. Returns the count, 0 when the file is missing,
 * -1 when it cannot be read. */
int pb_leases_read(const char *path, struct pb_lease *out, int max);
/* Call fn for each lease in the first max_lines lines, until it returns
 * nonzero. Returns the leases seen, 0 when the file is missing, -1 when it
 * cannot be read. */
int pb_leases_each(const char *path, int max_lines,
		   int (*fn)(const struct pb_lease *l, void *ctx), void *ctx);
/* The MAC the lease file gives ip, into mac[18]. 0 found, -1 not. */
int pb_lease_mac(const char *path, const char *ip, char *mac);

#endif
