#include "pb_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <limits.h>
#include <qrencode.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IFNAME_MAX 15            /* IFNAMSIZ - 1 */
#define IFNAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"
#define QR_QUIET   4             /* modules of white border the standard asks */

/* ---- radios ------------------------------------------------------------ */

struct radio_def {
	const char *name;
	enum pb_radio radio;
	unsigned default_clients;
	unsigned max_clients;     /* 0 = no limit the box knows */
	const char *ap_if;
	const char *uplink_if;
};

static const struct radio_def radios[] = {
	{ "onboard", PB_RADIO_ONBOARD, PB_RADIO_ONBOARD_DEFAULT, PB_RADIO_ONBOARD_MAX,
	  "wlan0", "eth0" },
	{ "usb", PB_RADIO_USB, PB_RADIO_USB_DEFAULT, 0, "wlan1", "eth0" },
	{ "external", PB_RADIO_EXTERNAL, PB_RADIO_EXTERNAL_DEFAULT, 0, "eth0", "usb0" },
};

static const struct radio_def *radio_of(const struct pb_config *cfg)
{
	for (size_t i = 0; i < sizeof(radios) / sizeof(radios[0]); i++)
		if (strcmp(cfg->wifi_radio, radios[i].name) == 0)
			return &radios[i];
	return &radios[0];
}

enum pb_radio pb_net_radio(const struct pb_config *cfg)
{
	return radio_of(cfg)->radio;
}

const char *pb_net_radio_name(enum pb_radio r)
{
	return (size_t)r < sizeof(radios) / sizeof(radios[0]) ? radios[r].name : "?";
}

unsigned pb_net_capacity(const struct pb_config *cfg)
{
	return cfg->wifi_max_clients != 0 ? cfg->wifi_max_clients :
		radio_of(cfg)->default_clients;
}

const char *pb_net_ap_interface(const struct pb_config *cfg)
{
	return cfg->net_interface[0] ? cfg->net_interface : radio_of(cfg)->ap_if;
}

const char *pb_net_uplink_interface(const struct pb_config *cfg)
{
	return cfg->net_uplink[0] ? cfg->net_uplink : radio_of(cfg)->uplink_if;
}

int pb_net_sharing(const struct pb_config *cfg)
{
	return strcmp(cfg->net_sharing, "on") == 0;
}

int pb_net_box_url(const struct pb_config *cfg, char *out, size_t len)
{
	int n = cfg->listen_port == 80 ?
		snprintf(out, len, "http://%s", cfg->net_address) :
		snprintf(out, len, "http://%s:%u", cfg->net_address, cfg->listen_port);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

/* ---- provisioning ------------------------------------------------------ */

/* Copy a JSON string member into dst when box.conf left dst at def. */
static int fill(json_t *obj, const char *key, char *dst, size_t size, const char *def,
		char *err, size_t err_len)
{
	json_t *v = json_object_get(obj, key);
	const char *s;

	if (v == NULL)
		return 0;
	if (!json_is_string(v) || strlen(s = json_string_value(v)) >= size) {
		snprintf(err, err_len, "\"%s\" must be a string shorter than %zu bytes", key, size);
		return -1;
	}
	if (strcmp(dst, def) == 0)
		memcpy(dst, s, strlen(s) + 1);
	return 0;
}

enum pb_provision pb_net_provision(struct pb_config *cfg, char *page, size_t page_len,
				   char *err, size_t err_len)
{
	static const char *names[] = { "bundle.json", "setup.json" };
	struct pb_config *def = calloc(1, sizeof(*def));
	enum pb_provision rc = PB_PROVISION_NONE;
	char path[PATH_MAX + 32], why[160] = "";
	json_t *j = NULL, *wifi;
	json_error_t je;

	if (def == NULL)
		return PB_PROVISION_ERROR;
	pb_config_defaults(def);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && j == NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", cfg->data_dir, PB_PROVISION_DIR, names[i]);
		if (access(path, F_OK) != 0)
			continue;
		j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
		if (j == NULL || !json_is_object(j)) {
			snprintf(why, sizeof(why), "%s", j == NULL ? je.text : "not a JSON object");
			goto bad;
		}
		rc = i == 0 ? PB_PROVISION_BUNDLE : PB_PROVISION_SETUP;
	}
	if (rc == PB_PROVISION_BUNDLE) {
		wifi = json_object_get(j, "wifi");
		if (!json_is_object(wifi)) {
			snprintf(why, sizeof(why), "no \"wifi\" object");
			goto bad;
		}
		if (fill(wifi, "ssid", cfg->wifi_ssid, sizeof(cfg->wifi_ssid), def->wifi_ssid,
			 why, sizeof(why)) != 0 ||
		    fill(wifi, "passphrase", cfg->wifi_passphrase, sizeof(cfg->wifi_passphrase),
			 def->wifi_passphrase, why, sizeof(why)) != 0 ||
		    fill(wifi, "country", cfg->wifi_country, sizeof(cfg->wifi_country),
			 def->wifi_country, why, sizeof(why)) != 0)
			goto bad;
	} else if (rc == PB_PROVISION_SETUP) {
		/* an open network, so the operator can reach the setup page */
		if (fill(j, "ssid", cfg->wifi_ssid, sizeof(cfg->wifi_ssid), def->wifi_ssid,
			 why, sizeof(why)) != 0 ||
		    fill(j, "page", page, page_len, page, why, sizeof(why)) != 0)
			goto bad;
		if (page[0] != '/' || strcspn(page, " \t\r\n\"<>\\") != strlen(page)) {
			snprintf(why, sizeof(why), "\"page\" must be a path on the box, like "
				 "/penyiapan.html");
			goto bad;
		}
		if (strcmp(cfg->wifi_passphrase, def->wifi_passphrase) == 0)
			snprintf(cfg->wifi_security, sizeof(cfg->wifi_security), "open");
	}
	goto out;
bad:
	snprintf(err, err_len, "%s: %s", path, why);
	rc = PB_PROVISION_ERROR;
out:
	json_decref(j);
	free(def);
	return rc;
}

/* ---- checks ------------------------------------------------------------ */

struct errlist {
	const struct pb_config *cfg;
	char (*errs)[PB_CONFIG_ERROR_LEN];
	int max, n;
};

static void bad(struct errlist *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void bad(struct errlist *e, const char *fmt, ...)
{
	char msg[PB_CONFIG_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (e->n < e->max)
		snprintf(e->errs[e->n], PB_CONFIG_ERROR_LEN, "%s: %s",
			 e->cfg->path[0] ? e->cfg->path : "(defaults)", msg);
	e->n++;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static const unsigned ch24[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 };
/* 5 GHz channels without radar detection (DFS), which the box does not do. */
static const unsigned ch5[] = { 36, 40, 44, 48, 149, 153, 157, 161, 165 };

static int in_list(unsigned v, const unsigned *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static int ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int valid_ifname(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= IFNAME_MAX && strspn(s, IFNAME_CHARS) == n;
}

static void check_wifi(struct errlist *e, int strict)
{
	const struct pb_config *c = e->cfg;
	size_t plen = strlen(c->wifi_passphrase);

	if (c->wifi_ssid[0] == '\0')
		bad(e, "[wifi] ssid is empty: give the network a name");
	else if (strlen(c->wifi_ssid) > PB_WIFI_SSID_MAX)
		bad(e, "[wifi] ssid '%s' is %zu bytes: a Wi-Fi name holds at most %d bytes",
		    c->wifi_ssid, strlen(c->wifi_ssid), PB_WIFI_SSID_MAX);
	else if (has_control(c->wifi_ssid))
		bad(e, "[wifi] ssid contains control characters");

	if (strcmp(c->wifi_security, "wpa2") == 0) {
		if (plen == 0 && strict)
			bad(e, "[wifi] passphrase is not set: give 8-63 characters, "
			    "or set security = open");
		else if (plen != 0 && (plen < PB_WIFI_PASS_MIN || plen > PB_WIFI_PASS_MAX))
			bad(e, "[wifi] passphrase has %zu characters: WPA2 needs %d-%d",
			    plen, PB_WIFI_PASS_MIN, PB_WIFI_PASS_MAX);
		else if (has_control(c->wifi_passphrase))
			bad(e, "[wifi] passphrase contains control characters");
	} else if (strcmp(c->wifi_security, "open") == 0) {
		if (plen != 0)
			bad(e, "[wifi] passphrase is set but security = open: remove "
			    "one of them");
	} else {
		bad(e, "[wifi] security = '%s': expected wpa2 or open", c->wifi_security);
	}

	if (strcmp(c->wifi_band, "2.4") == 0) {
		if (!in_list(c->wifi_channel, ch24, sizeof(ch24) / sizeof(ch24[0])))
			bad(e, "[wifi] channel %u is not a 2.4 GHz channel: use 1-13 "
			    "(1, 6 or 11 avoid overlap)", c->wifi_channel);
	} else if (strcmp(c->wifi_band, "5") == 0) {
		if (!in_list(c->wifi_channel, ch5, sizeof(ch5) / sizeof(ch5[0])))
			bad(e, "[wifi] channel %u is not usable on 5 GHz: use 36, 40, 44, "
			    "48, 149, 153, 157, 161 or 165 (the box does no radar "
			    "detection)", c->wifi_channel);
	} else {
		bad(e, "[wifi] band = '%s': expected 2.4 or 5", c->wifi_band);
	}

	if (strlen(c->wifi_country) != 2 ||
	    c->wifi_country[0] < 'A' || c->wifi_country[0] > 'Z' ||
	    c->wifi_country[1] < 'A' || c->wifi_country[1] > 'Z')
		bad(e, "[wifi] country = '%s': expected two capital letters, e.g. ID",
		    c->wifi_country);

	if (strcmp(radio_of(c)->name, c->wifi_radio) != 0)
		bad(e, "[wifi] radio = '%s': expected onboard, usb or external",
		    c->wifi_radio);
	else if (radio_of(c)->max_clients != 0 &&
		 c->wifi_max_clients > radio_of(c)->max_clients)
		bad(e, "[wifi] max_clients = %u: the onboard radio's firmware serves at "
		    "most about %u phones; use radio = usb or external for more",
		    c->wifi_max_clients, radio_of(c)->max_clients);
}

static void check_net(struct errlist *e)
{
	const struct pb_config *c = e->cfg;
	uint32_t addr, start, end, mask;
	int ok = 1;

	if (ipv4(c->net_address, &addr) != 0) {
		bad(e, "[net] address = '%s': expected an IPv4 address", c->net_address);
		ok = 0;
	}
	if (ipv4(c->net_dhcp_start, &start) != 0) {
		bad(e, "[net] dhcp_start = '%s': expected an IPv4 address", c->net_dhcp_start);
		ok = 0;
	}
	if (ipv4(c->net_dhcp_end, &end) != 0) {
		bad(e, "[net] dhcp_end = '%s': expected an IPv4 address", c->net_dhcp_end);
		ok = 0;
	}
	if (ok) {
		mask = c->net_prefix == 0 ? 0 : ~0u << (32 - c->net_prefix);
		if ((addr & ~mask) == 0 || (addr & ~mask) == ~mask)
			bad(e, "[net] address %s is the network or broadcast address of "
			    "/%u", c->net_address, c->net_prefix);
		if ((start & mask) != (addr & mask) || (end & mask) != (addr & mask))
			bad(e, "[net] dhcp_start and dhcp_end must lie in %s/%u",
			    c->net_address, c->net_prefix);
		else if (start > end)
			bad(e, "[net] dhcp_start %s comes after dhcp_end %s",
			    c->net_dhcp_start, c->net_dhcp_end);
		else if (addr >= start && addr <= end)
			bad(e, "[net] the box's address %s lies inside the DHCP range",
			    c->net_address);
		else if ((end & ~mask) == ~mask)
			bad(e, "[net] dhcp_end %s is the broadcast address", c->net_dhcp_end);
	}
	if (strcmp(c->net_sharing, "on") != 0 && strcmp(c->net_sharing, "off") != 0)
		bad(e, "[net] sharing = '%s': expected on or off", c->net_sharing);
	if (!valid_ifname(pb_net_ap_interface(c)))
		bad(e, "[net] interface = '%s': not an interface name", c->net_interface);
	if (!valid_ifname(pb_net_uplink_interface(c)))
		bad(e, "[net] uplink = '%s': not an interface name", c->net_uplink);
	if (strcmp(pb_net_ap_interface(c), pb_net_uplink_interface(c)) == 0)
		bad(e, "[net] interface and uplink are both %s: phones and the backhaul "
		    "need different interfaces", pb_net_ap_interface(c));
}

int pb_net_check(const struct pb_config *cfg, int strict,
		 char errs[][PB_CONFIG_ERROR_LEN], int max)
{
	struct errlist e = { cfg, errs, max, 0 };

	check_wifi(&e, strict);
	check_net(&e);
	return e.n < max ? e.n : max;
}

/* ---- rendering --------------------------------------------------------- */

static void header(const struct pb_config *cfg, FILE *f, const char *what)
{
	fprintf(f, "# %s for the Pusat Belajar hotspot, written by `pbctl net render`\n"
		"# from %s. Change that file and render again instead of editing this.\n",
		what, cfg->path[0] ? cfg->path : "the defaults");
}

static int has_high_bytes(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

int pb_net_write_hostapd(const struct pb_config *cfg, FILE *f)
{
	int five = strcmp(cfg->wifi_band, "5") == 0;
	const char *dir = cfg->net_hostapd_ctrl;

	header(cfg, f, "hostapd.conf");
	fprintf(f, "interface=%s\ndriver=nl80211\n", pb_net_ap_interface(cfg));
	fprintf(f, "ctrl_interface=%s\n", dir);
	if (getgrnam("pb") != NULL)        /* pb-web lists the phones through it */
		fprintf(f, "ctrl_interface_group=pb\n");
	fprintf(f, "ssid=%s\n", cfg->wifi_ssid);
	if (has_high_bytes(cfg->wifi_ssid))
		fprintf(f, "utf8_ssid=1\n");
	fprintf(f, "country_code=%s\nieee80211d=1\n", cfg->wifi_country);
	fprintf(f, "hw_mode=%s\nchannel=%u\n", five ? "a" : "g", cfg->wifi_channel);
	fprintf(f, "ieee80211n=1\nwmm_enabled=1\n");
	if (five)
		fprintf(f, "ieee80211ac=1\n");
	fprintf(f, "# %s radio: %u phones at most\nmax_num_sta=%u\n",
		radio_of(cfg)->name, pb_net_capacity(cfg), pb_net_capacity(cfg));
	fprintf(f, "# phones do not see each other, only the box\nap_isolate=1\n");
	fprintf(f, "auth_algs=1\nignore_broadcast_ssid=0\n");
	if (strcmp(cfg->wifi_security, "wpa2") == 0)
		fprintf(f, "wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\n"
			"wpa_passphrase=%s\n", cfg->wifi_passphrase);
	return ferror(f) ? -1 : 0;
}

static void dotted_mask(unsigned prefix, char *out, size_t len)
{
	struct in_addr a;

	a.s_addr = htonl(prefix == 0 ? 0 : ~0u << (32 - prefix));
	inet_ntop(AF_INET, &a, out, (socklen_t)len);
}

int pb_net_write_dnsmasq(const struct pb_config *cfg, FILE *f)
{
	char mask[INET_ADDRSTRLEN], url[PB_NET_URL_MAX];
	const char *a = cfg->net_address;

	dotted_mask(cfg->net_prefix, mask, sizeof(mask));
	if (pb_net_box_url(cfg, url, sizeof(url)) != 0)
		return -1;
	header(cfg, f, "dnsmasq.conf");
	fprintf(f, "# DHCP and DNS only for the phones' side; the box itself resolves\n"
		"# through its backhaul (systemd-resolved), not through this.\n");
	fprintf(f, "interface=%s\n# not on loopback: the box's own names go to its backhaul\n"
		"except-interface=lo\nbind-dynamic\nno-hosts\n", pb_net_ap_interface(cfg));
	if (pb_net_sharing(cfg)) {
		fprintf(f, "# sharing = on: names resolve upstream; the box keeps its name\n"
			"resolv-file=/run/systemd/resolve/resolv.conf\n"
			"address=/%s/%s\n", cfg->short_name, a);
	} else {
		fprintf(f, "# sharing = off: every name is the box (the captive portal);\n"
			"# AAAA, TXT and the rest get an empty answer, not REFUSED\n"
			"no-resolv\naddress=/#/%s\nlocal=/#/\n", a);
		fprintf(f, "# Windows also wants this name's published address before it calls\n"
			"# a network online (after Lanjut; the HTTP probe decides before it)\n"
			"address=/%s/%s\n", PB_NCSI_DNS_NAME, PB_NCSI_DNS_ADDRESS);
	}
	fprintf(f, "dhcp-range=%s,%s,%s,%um\n", cfg->net_dhcp_start, cfg->net_dhcp_end,
		mask, cfg->net_lease_minutes);
	fprintf(f, "dhcp-option=option:router,%s\n", a);
	fprintf(f, "dhcp-option=option:dns-server,%s\n", a);
	fprintf(f, "# RFC 8910: the captive-portal API (RFC 8908)\n"
		"dhcp-option=114,\"%s%s\"\n", url, PB_CAPTIVE_API_PATH);
	fprintf(f, "dhcp-authoritative\nno-ping\n");
	fprintf(f, "dhcp-leasefile=%s\n", cfg->net_lease_file);
	return ferror(f) ? -1 : 0;
}

int pb_net_write_dhcp_guard(const struct pb_config *cfg, FILE *f)
{
	header(cfg, f, "nftables: the DHCP guard");
	fprintf(f, "# Loaded by pb-dnsmasq.service before dnsmasq starts (nft -f). One\n"
		"# station may send %u DHCP packets, then %u a minute: a phone making up\n"
		"# client addresses holds about %u leases (lease_minutes %u), not the pool.\n",
		cfg->net_dhcp_station_burst, cfg->net_dhcp_station_per_min,
		cfg->net_dhcp_station_per_min * cfg->net_lease_minutes, cfg->net_lease_minutes);
	fprintf(f, "table inet pb_dhcp\ndelete table inet pb_dhcp\n"
		"table inet pb_dhcp {\n"
		"\tset stations {\n\t\ttype ether_addr\n\t\tflags dynamic, timeout\n"
		"\t\ttimeout %um\n\t\tsize %u\n\t}\n"
		"\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n"
		"\t\tiifname \"%s\" udp dport 67 update @stations "
		"{ ether saddr limit rate over %u/minute burst %u packets } counter drop\n"
		"\t}\n}\n", cfg->net_lease_minutes, PB_NET_DHCP_STATIONS_MAX, pb_net_ap_interface(cfg),
		cfg->net_dhcp_station_per_min, cfg->net_dhcp_station_burst);
	return ferror(f) ? -1 : 0;
}

static int write_networkd(const struct pb_config *cfg, FILE *ap, FILE *up)
{
	header(cfg, ap, "systemd-networkd: the phones' side");
	fprintf(ap, "[Match]\nName=%s\n\n[Link]\nRequiredForOnline=no\n\n"
		"[Network]\nAddress=%s/%u\nConfigureWithoutCarrier=yes\n"
		"LinkLocalAddressing=no\nIPv6AcceptRA=no\n",
		pb_net_ap_interface(cfg), cfg->net_address, cfg->net_prefix);
	if (pb_net_sharing(cfg))
		fprintf(ap, "# sharing = on: phones reach the internet through the backhaul\n"
			"IPMasquerade=ipv4\n");
	else
		fprintf(ap, "# sharing = off: nothing is forwarded\nIPForward=no\n");
	header(cfg, up, "systemd-networkd: the backhaul");
	fprintf(up, "[Match]\nName=%s\n\n[Network]\nDHCP=yes\n\n[DHCPv4]\n"
		"UseDNS=yes\nRouteMetric=100\n", pb_net_uplink_interface(cfg));
	return ferror(ap) || ferror(up) ? -1 : 0;
}

/* What pb_net_render writes, in order. */
enum { OUT_HOSTAPD, OUT_DNSMASQ, OUT_GUARD, OUT_AP, OUT_UPLINK, OUT_COUNT };
static const struct {
	const char *name;
	mode_t mode;
} outputs[OUT_COUNT] = {
	{ "hostapd.conf", 0640 },          /* the passphrase is in it: root and pb only */
	{ "dnsmasq.conf", 0644 },
	{ "dhcp-guard.nft", 0644 },
	{ "10-pb-ap.network", 0644 },
	{ "20-pb-uplink.network", 0644 },
};

static int out_path(char *buf, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s%s", dir, name, suffix);

	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Each file is written as NAME.tmp and renamed into place only when all of
 * them are complete, so a service never reads half a configuration. */
int pb_net_render(const struct pb_config *cfg, const char *dir)
{
	FILE *f[OUT_COUNT] = { NULL };
	char tmp[OUT_COUNT][PATH_MAX], final[PATH_MAX];
	int hostapd = pb_net_radio(cfg) != PB_RADIO_EXTERNAL, rc = -1, i, saved;

	memset(tmp, 0, sizeof(tmp));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -1;
	for (i = hostapd ? 0 : 1; i < OUT_COUNT; i++) {
		if (out_path(tmp[i], dir, outputs[i].name, ".tmp") != 0 ||
		    (f[i] = fopen(tmp[i], "w")) == NULL ||
		    fchmod(fileno(f[i]), outputs[i].mode) != 0)
			goto out;
	}
	if ((hostapd && pb_net_write_hostapd(cfg, f[OUT_HOSTAPD]) != 0) ||
	    pb_net_write_dnsmasq(cfg, f[OUT_DNSMASQ]) != 0 ||
	    pb_net_write_dhcp_guard(cfg, f[OUT_GUARD]) != 0 ||
	    write_networkd(cfg, f[OUT_AP], f[OUT_UPLINK]) != 0)
		goto out;
	for (i = 0; i < OUT_COUNT; i++) {
		FILE *one = f[i];
		f[i] = NULL;
		if (one != NULL && fclose(one) != 0)
			goto out;
	}
	for (i = hostapd ? 0 : 1; i < OUT_COUNT; i++)
		if (out_path(final, dir, outputs[i].name, "") != 0 || rename(tmp[i], final) != 0)
			goto out;
	/* an external access point: a hostapd.conf left from before must not start */
	if (!hostapd && out_path(final, dir, outputs[OUT_HOSTAPD].name, "") == 0 &&
	    unlink(final) != 0 && errno != ENOENT)
		goto out;
	rc = 0;
out:
	saved = errno;                     /* for the caller's message */
	for (i = 0; i < OUT_COUNT; i++) {
		if (f[i] != NULL)
			fclose(f[i]);
		if (rc != 0 && tmp[i][0] != '\0')
			unlink(tmp[i]);
	}
	errno = saved;
	return rc;
}

/* ---- Wi-Fi QR code and poster ----------------------------------------- */

int pb_wifi_qr_escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in; in++) {
		int esc = strchr("\\;,:\"", *in) != NULL;
		if (o + (size_t)esc + 1 >= len)
			return -1;
		if (esc)
			out[o++] = '\\';
		out[o++] = *in;
	}
	if (len == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

int pb_wifi_qr_payload(const struct pb_config *cfg, char *out, size_t len)
{
	char ssid[2 * sizeof(cfg->wifi_ssid)], pass[2 * sizeof(cfg->wifi_passphrase)];
	int n;

	if (pb_wifi_qr_escape(cfg->wifi_ssid, ssid, sizeof(ssid)) != 0 ||
	    pb_wifi_qr_escape(cfg->wifi_passphrase, pass, sizeof(pass)) != 0)
		return -1;
	if (strcmp(cfg->wifi_security, "open") == 0)
		n = snprintf(out, len, "WIFI:T:nopass;S:%s;;", ssid);
	else if (cfg->wifi_passphrase[0] == '\0')      /* the phone asks for it */
		n = snprintf(out, len, "WIFI:T:WPA;S:%s;;", ssid);
	else
		n = snprintf(out, len, "WIFI:T:WPA;S:%s;P:%s;;", ssid, pass);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

char *pb_qr_svg(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	char *buf = NULL;
	size_t blen = 0;
	FILE *f;
	int side;

	if (qr == NULL)
		return NULL;
	f = open_memstream(&buf, &blen);
	if (f == NULL) {
		QRcode_free(qr);
		return NULL;
	}
	side = qr->width + 2 * QR_QUIET;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		"shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR\">"
		"<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		side, side, side, side);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				fprintf(f, "M%d %dh1v1h-1z", x + QR_QUIET, y + QR_QUIET);
	fprintf(f, "\"/></svg>");
	QRcode_free(qr);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void put_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* The poster's stylesheet, from the web app, inside a <style> element. */
static void put_css(const struct pb_config *cfg, FILE *f)
{
	char path[PATH_MAX], buf[4096];
	FILE *in;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/%s", cfg->webapp_dir, PB_POSTER_CSS) >=
	    (int)sizeof(path) || (in = fopen(path, "r")) == NULL)
		return;                     /* plain but complete without it */
	fputs("<style>", f);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, f);
	fputs("</style>", f);
	fclose(in);
}

int pb_net_write_poster(const struct pb_config *cfg, FILE *f, int inline_css)
{
	char payload[PB_WIFI_QR_MAX], url[PB_NET_URL_MAX];
	char *svg;
	int open = strcmp(cfg->wifi_security, "open") == 0;

	if (pb_wifi_qr_payload(cfg, payload, sizeof(payload)) != 0 ||
	    pb_net_box_url(cfg, url, sizeof(url)) != 0)
		return -1;
	svg = pb_qr_svg(payload);
	if (svg == NULL)
		return -1;
	fputs("<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	      "<link rel=\"icon\" href=\"data:,\"><title>Wi-Fi ", f);
	put_html(f, cfg->centre_name);
	fputs("</title>", f);
	if (inline_css)
		put_css(cfg, f);
	else
		fputs("<link rel=\"stylesheet\" href=\"/" PB_POSTER_CSS "\">", f);
	fputs("</head><body><main>", f);
	fputs("<h1>Wi-Fi ", f);
	put_html(f, cfg->centre_name);
	fputs("</h1><p>Pindai kode ini untuk masuk Wi-Fi <span class=\"en\">/ scan to join "
	      "the Wi-Fi</span></p>"
	      "<div class=\"qr\">", f);
	fputs(svg, f);
	free(svg);
	fputs("</div><dl><dt>Nama Wi-Fi <span class=\"en\">/ network</span></dt><dd "
	      "id=\"ssid\">", f);
	put_html(f, cfg->wifi_ssid);
	fputs("</dd><dt>Kata sandi <span class=\"en\">/ password</span></dt><dd "
	      "id=\"password\">", f);
	if (open)
		fputs("(tanpa kata sandi / no password)", f);
	else if (cfg->wifi_passphrase[0] == '\0')
		fputs("(tanyakan petugas / ask the staff)", f);
	else
		put_html(f, cfg->wifi_passphrase);
	fputs("</dd><dt>Alamat <span class=\"en\">/ address</span></dt><dd id=\"address\">"
	      "http://", f);
	put_html(f, cfg->short_name);
	fputs("<br>", f);
	put_html(f, url);
	fputs("</dd></dl><h2>Cara bergabung</h2><ol>"
	      "<li>Pindai kode QR dengan kamera, atau pilih jaringan di atas di "
	      "pengaturan Wi-Fi. <span class=\"en\">Scan the code or pick the network.</span></li>"
	      "<li id=\"mobile-data\">Matikan <b>data seluler</b> sebentar agar HP memakai Wi-Fi "
	      "ini. <span class=\"en\">Switch mobile data off for a moment so that the phone "
	      "uses this Wi-Fi.</span></li>"
	      "<li>Halaman Pusat Belajar terbuka sendiri; ketuk <b>Lanjut</b>. "
	      "<span class=\"en\">The box's page opens; tap Lanjut.</span></li>"
	      "<li>Untuk mengunduh modul, buka browser (misalnya Chrome) di alamat di atas. "
	      "<span class=\"en\">To download modules, open your browser at the address "
	      "above.</span></li></ol></main></body></html>\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- dnsmasq leases ---------------------------------------------------- */

/* One lease line: "expiry mac ip hostname client-id". 0, or -1 if it is not. */
static int lease_parse(const char *line, struct pb_lease *l)
{
	long long exp;

	memset(l, 0, sizeof(*l));
	if (sscanf(line, "%lld %17s %45s %63s", &exp, l->mac, l->ip, l->hostname) < 3)
		return -1;
	if (strcmp(l->hostname, "*") == 0)
		l->hostname[0] = '\0';
	l->expires = exp;
	return 0;
}

int pb_leases_each(const char *path, int max_lines,
		   int (*fn)(const struct pb_lease *l, void *ctx), void *ctx)
{
	FILE *f = fopen(path, "r");
	char line[PB_LEASE_LINE_MAX];
	struct pb_lease l;
	int n = 0;

	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	for (int lines = 0; lines < max_lines && fgets(line, sizeof(line), f) != NULL; lines++)
		if (lease_parse(line, &l) == 0) {
			n++;
			if (fn(&l, ctx) != 0)
				break;
		}
	fclose(f);
	return n;
}

struct leases_out {
	struct pb_lease *out;
	int n, max;
};

static int lease_keep(const struct pb_lease *l, void *ctx)
{
	struct leases_out *o = ctx;

	o->out[o->n++] = *l;
	return o->n >= o->max;
}

int pb_leases_read(const char *path, struct pb_lease *out, int max)
{
	struct leases_out o = { out, 0, max };

	if (max <= 0)
		return 0;
	return pb_leases_each(path, INT_MAX, lease_keep, &o) < 0 ? -1 : o.n;
}

struct lease_find {
	const char *ip;
	char *mac;
};

static int lease_match(const struct pb_lease *l, void *ctx)
{
	struct lease_find *f = ctx;

	if (strcmp(l->ip, f->ip) != 0)
		return 0;
	memcpy(f->mac, l->mac, sizeof(l->mac));
	return 1;
}

int pb_lease_mac(const char *path, const char *ip, char *mac)
{
	struct lease_find f = { ip, mac };

	mac[0] = '\0';
	return pb_leases_each(path, PB_LEASES_MAX, lease_match, &f) > 0 && mac[0] != '\0' ?
		0 : -1;
}
