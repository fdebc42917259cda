/* Unit tests: the hotspot settings, rendering, QR payload and leases (pb_net). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "pb_config.h"
#include "pb_net.h"

static char path[64];

static int load(const char *text, struct pb_config *cfg)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/pbnet-XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return pb_config_load(cfg, path);
}

/* Strict check of a config text; returns the number of problems and
 * asserts that one of them mentions needle (when given). */
static int strict(const char *text, const char *needle)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char errs[PB_CONFIG_ERRORS_MAX][PB_CONFIG_ERROR_LEN];
	int n, found = needle == NULL;

	load(text, cfg);
	n = pb_net_check(cfg, 1, errs, PB_CONFIG_ERRORS_MAX);
	for (int i = 0; i < n; i++)
		if (needle != NULL && strstr(errs[i], needle) != NULL)
			found = 1;
	if (!found)
		fail_msg("no problem mentions '%s' (%d problems, first: %s)", needle, n,
			 n > 0 ? errs[0] : "-");
	unlink(path);
	free(cfg);
	return n;
}

static void test_defaults_load_and_need_a_passphrase(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	/* pb-web starts on defaults; rendering asks for the passphrase */
	assert_int_equal(load("", cfg), 0);
	assert_string_equal(cfg->wifi_radio, "onboard");
	assert_int_equal(pb_net_capacity(cfg), PB_RADIO_ONBOARD_DEFAULT);
	assert_string_equal(pb_net_ap_interface(cfg), "wlan0");
	assert_string_equal(pb_net_uplink_interface(cfg), "eth0");
	assert_int_equal(pb_net_sharing(cfg), 0);
	unlink(path);
	free(cfg);
	assert_int_equal(strict("", "passphrase is not set"), 1);
	assert_int_equal(strict("[wifi]\npassphrase = 12345678\n", NULL), 0);
	assert_int_equal(strict("[wifi]\nsecurity = open\n", NULL), 0);
}

static void test_passphrase_length(void **state)
{
	char text[200];
	(void)state;
	strict("[wifi]\npassphrase = 1234567\n", "has 7 characters: WPA2 needs 8-63");
	snprintf(text, sizeof(text), "[wifi]\npassphrase = %0*d\n", 63, 0);
	assert_int_equal(strict(text, NULL), 0);
	snprintf(text, sizeof(text), "[wifi]\npassphrase = %0*d\n", 64, 0);
	strict(text, "has 64 characters");
	strict("[wifi]\nsecurity = open\npassphrase = 12345678\n", "security = open");
	strict("[wifi]\nsecurity = wep\n", "expected wpa2 or open");
}

static void test_ssid_bytes(void **state)
{
	(void)state;
	assert_int_equal(strict("[wifi]\nsecurity = open\nssid = "
				"12345678901234567890123456789012\n", NULL), 0);
	strict("[wifi]\nsecurity = open\nssid = 123456789012345678901234567890123\n",
	       "is 33 bytes");
	/* 17 characters, 34 bytes */
	strict("[wifi]\nsecurity = open\nssid = \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	       "\xc3\xa9\xc3\xa9\xc3\xa9\n", "is 34 bytes");
}

static void test_channel_for_band(void **state)
{
	(void)state;
	assert_int_equal(strict("[wifi]\nsecurity = open\nband = 2.4\nchannel = 13\n", NULL), 0);
	strict("[wifi]\nsecurity = open\nband = 2.4\nchannel = 14\n", "not a 2.4 GHz channel");
	strict("[wifi]\nsecurity = open\nband = 2.4\nchannel = 36\n", "not a 2.4 GHz channel");
	assert_int_equal(strict("[wifi]\nsecurity = open\nband = 5\nchannel = 149\n", NULL), 0);
	strict("[wifi]\nsecurity = open\nband = 5\nchannel = 100\n", "radar");
	strict("[wifi]\nsecurity = open\nband = 5\nchannel = 11\n", "not usable on 5 GHz");
	strict("[wifi]\nsecurity = open\nband = 60\n", "expected 2.4 or 5");
	strict("[wifi]\nsecurity = open\ncountry = id\n", "two capital letters");
}

static void test_radio_capacity(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	strict("[wifi]\nsecurity = open\nmax_clients = 11\n", "onboard radio's firmware");
	assert_int_equal(strict("[wifi]\nsecurity = open\nmax_clients = 10\n", NULL), 0);
	strict("[wifi]\nsecurity = open\nradio = pci\n", "expected onboard, usb or external");
	assert_int_equal(load("[wifi]\nradio = external\n", cfg), 0);
	assert_int_equal(pb_net_capacity(cfg), PB_RADIO_EXTERNAL_DEFAULT);
	assert_string_equal(pb_net_ap_interface(cfg), "eth0");
	assert_string_equal(pb_net_uplink_interface(cfg), "usb0");
	unlink(path);
	assert_int_equal(load("[wifi]\nradio = usb\nmax_clients = 40\n", cfg), 0);
	assert_int_equal(pb_net_capacity(cfg), 40);
	unlink(path);
	free(cfg);
}

static void test_addresses(void **state)
{
	(void)state;
	strict("[wifi]\nsecurity = open\n[net]\naddress = 10.42.0.300\n", "expected an IPv4");
	strict("[wifi]\nsecurity = open\n[net]\ndhcp_start = 10.43.0.10\n", "must lie in");
	strict("[wifi]\nsecurity = open\n[net]\ndhcp_start = 10.42.0.200\n"
	       "dhcp_end = 10.42.0.100\n", "comes after");
	strict("[wifi]\nsecurity = open\n[net]\naddress = 10.42.0.20\n",
	       "inside the DHCP range");
	strict("[wifi]\nsecurity = open\n[net]\naddress = 10.42.0.0\n", "network or broadcast");
	strict("[wifi]\nsecurity = open\n[net]\ninterface = eth0\nuplink = eth0\n",
	       "both eth0");
	strict("[wifi]\nsecurity = open\n[net]\ninterface = wlan0/x\n", "not an interface name");
	strict("[wifi]\nsecurity = open\n[net]\nsharing = yes\n", "expected on or off");
}

static void test_load_reports_wifi_errors(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	assert_int_equal(load("[wifi]\nband = 5\nchannel = 6\n", cfg), -1);
	assert_int_equal(cfg->nerrors, 1);
	assert_non_null(strstr(cfg->errors[0], "[wifi] channel 6"));
	assert_non_null(strstr(cfg->errors[0], path));
	unlink(path);
	free(cfg);
}

static void test_qr_escape(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(pb_wifi_qr_escape("a;b,c:d\\e\"f", out, sizeof(out)), 0);
	assert_string_equal(out, "a\\;b\\,c\\:d\\\\e\\\"f");
	assert_int_equal(pb_wifi_qr_escape("plain text", out, sizeof(out)), 0);
	assert_string_equal(out, "plain text");
	assert_int_equal(pb_wifi_qr_escape(";;;;", out, 8), -1);   /* needs 9 */
	assert_int_equal(pb_wifi_qr_escape(";;;", out, 7), 0);
	assert_string_equal(out, "\\;\\;\\;");
}

static void test_qr_payload(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char out[256];
	(void)state;
	assert_int_equal(load("[wifi]\nssid = PB \"Uji\"; 1\npassphrase = a:b;c,d\\e\n", cfg), 0);
	assert_int_equal(pb_wifi_qr_payload(cfg, out, sizeof(out)), 0);
	assert_string_equal(out, "WIFI:T:WPA;S:PB \\\"Uji\\\"\\; 1;P:a\\:b\\;c\\,d\\\\e;;");
	assert_int_equal(pb_wifi_qr_payload(cfg, out, 20), -1);
	unlink(path);
	assert_int_equal(load("[wifi]\nssid = Terbuka\nsecurity = open\n", cfg), 0);
	assert_int_equal(pb_wifi_qr_payload(cfg, out, sizeof(out)), 0);
	assert_string_equal(out, "WIFI:T:nopass;S:Terbuka;;");
	unlink(path);
	free(cfg);
}

static void test_qr_svg(void **state)
{
	char *a, *b;
	(void)state;
	a = pb_qr_svg("WIFI:T:WPA;S:x;P:12345678;;");
	b = pb_qr_svg("WIFI:T:WPA;S:a much longer network name here;P:and a longer password 1234;;");
	assert_non_null(a);
	assert_non_null(b);
	assert_true(strncmp(a, "<svg ", 5) == 0);
	assert_non_null(strstr(a, "</svg>"));
	/* version 2 (25 modules) + 2 x 4 quiet zone = 33; longer text, bigger code */
	assert_non_null(strstr(a, "viewBox=\"0 0 33 33\""));
	assert_null(strstr(b, "viewBox=\"0 0 33 33\""));
	free(a);
	free(b);
}

static void test_leases(void **state)
{
	struct pb_lease l[4];
	char mac[18];
	FILE *f;
	(void)state;
	snprintf(path, sizeof(path), "/tmp/pbleases-XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs("1795000000 aa:bb:cc:00:11:22 10.42.0.23 hp-guru 01:aa:bb:cc:00:11:22\n"
	      "garbage\n"
	      "0 aa:bb:cc:00:11:33 10.42.0.24 * *\n", f);
	fclose(f);
	assert_int_equal(pb_leases_read(path, l, 4), 2);
	assert_string_equal(l[0].hostname, "hp-guru");
	assert_int_equal(l[0].expires, 1795000000);
	assert_string_equal(l[1].hostname, "");
	assert_int_equal(pb_leases_read(path, l, 1), 1);
	assert_int_equal(pb_lease_mac(path, "10.42.0.24", mac), 0);
	assert_string_equal(mac, "aa:bb:cc:00:11:33");
	assert_int_equal(pb_lease_mac(path, "10.42.0.25", mac), -1);
	unlink(path);
	assert_int_equal(pb_leases_read(path, l, 4), 0);    /* no file yet: no phones */
}

static void test_render(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;
	assert_int_equal(load("[web]\nlisten = 0.0.0.0:80\n[wifi]\nsecurity = open\n", cfg), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(pb_net_write_dnsmasq(cfg, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "\naddress=/#/10.42.0.1\nlocal=/#/\n"));
	assert_non_null(strstr(buf, "\ndhcp-option=114,\"http://10.42.0.1/api/captive\"\n"));
	assert_non_null(strstr(buf, "\ndhcp-option=option:router,10.42.0.1\n"));
	assert_non_null(strstr(buf, "\nno-resolv\n"));
	assert_non_null(strstr(buf, "\nexcept-interface=lo\n"));
	free(buf);
	unlink(path);
	/* sharing: names resolve upstream, the box keeps its own name */
	assert_int_equal(load("[web]\nlisten = 0.0.0.0:8080\n[wifi]\nsecurity = open\n"
			      "[net]\nsharing = on\n", cfg), 0);
	f = open_memstream(&buf, &len);
	assert_int_equal(pb_net_write_dnsmasq(cfg, f), 0);
	fclose(f);
	assert_null(strstr(buf, "address=/#/"));
	assert_non_null(strstr(buf, "\naddress=/belajar.lan/10.42.0.1\n"));
	assert_non_null(strstr(buf, "\"http://10.42.0.1:8080/api/captive\""));
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(pb_net_write_hostapd(cfg, f), 0);
	fclose(f);
	assert_null(strstr(buf, "wpa="));
	assert_non_null(strstr(buf, "\nmax_num_sta=8\n"));
	free(buf);
	unlink(path);
	free(cfg);
}

/* Read a rendered file into buf. */
static void slurp(const char *dir, const char *name, char *buf, size_t len)
{
	char p[256];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(p);
}

static void test_render_files_and_sharing(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char dir[] = "/tmp/pbnet-render-XXXXXX", buf[4096], p[256];
	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(load("[wifi]\npassphrase = 12345678\n", cfg), 0);
	assert_int_equal(pb_net_render(cfg, dir), 0);
	slurp(dir, "10-pb-ap.network", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nName=wlan0\n"));
	assert_non_null(strstr(buf, "\nAddress=10.42.0.1/24\n"));
	assert_non_null(strstr(buf, "\nIPForward=no\n"));      /* sharing off */
	assert_null(strstr(buf, "IPMasquerade"));
	slurp(dir, "20-pb-uplink.network", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nName=eth0\n"));
	assert_non_null(strstr(buf, "\nDHCP=yes\n"));
	slurp(dir, "hostapd.conf", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nwpa_passphrase=12345678\n"));
	slurp(dir, "dnsmasq.conf", buf, sizeof(buf));
	assert_non_null(strstr(buf, ",30m\n"));                /* lease_minutes */
	/* the DHCP guard: per station on the phones' side, named limits */
	slurp(dir, "dhcp-guard.nft", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\ndelete table inet pb_dhcp\n"));
	assert_non_null(strstr(buf, "iifname \"wlan0\" udp dport 67 update @stations "
				    "{ ether saddr limit rate over 1/minute burst 10 packets } "
				    "counter drop\n"));
	assert_non_null(strstr(buf, "\t\ttimeout 30m\n"));
	unlink(path);
	/* sharing on, external access point: no hostapd.conf, NAT on the AP side */
	assert_int_equal(load("[wifi]\nradio = external\nsecurity = open\n"
			      "[net]\nsharing = on\n", cfg), 0);
	assert_int_equal(pb_net_render(cfg, dir), 0);
	snprintf(p, sizeof(p), "%s/hostapd.conf", dir);
	assert_int_equal(access(p, F_OK), -1);
	slurp(dir, "10-pb-ap.network", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nName=eth0\n"));
	assert_non_null(strstr(buf, "\nIPMasquerade=ipv4\n"));
	assert_null(strstr(buf, "IPForward=no"));
	slurp(dir, "20-pb-uplink.network", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nName=usb0\n"));
	slurp(dir, "dnsmasq.conf", buf, sizeof(buf));
	assert_non_null(strstr(buf, "\ninterface=eth0\n"));
	slurp(dir, "dhcp-guard.nft", buf, sizeof(buf));
	assert_non_null(strstr(buf, "iifname \"eth0\" udp dport 67"));
	assert_int_equal(rmdir(dir), 0);                  /* nothing else was written */
	unlink(path);
	free(cfg);
}

/* Write data_dir/provision/NAME; returns the data_dir made for it. */
static void provision_file(char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/provision", dir);
	mkdir(p, 0750);
	snprintf(p, sizeof(p), "%s/provision/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_provision(const char *dir, const char *name)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/provision/%s", dir, name);
	unlink(p);
	snprintf(p, sizeof(p), "%s/provision", dir);
	rmdir(p);
}

static void test_provision(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char dir[] = "/tmp/pbnet-prov-XXXXXX", text[512], page[64], err[512];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(text, sizeof(text), "[box]\ndata_dir = %s\n", dir);
	/* nothing provisioned: box.conf alone */
	assert_int_equal(load(text, cfg), 0);
	snprintf(page, sizeof(page), "/portal");
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_NONE);
	unlink(path);

	/* the bundle fills what box.conf leaves at the defaults */
	provision_file(dir, "bundle.json", "{\"format\": 1, \"wifi\": {\"ssid\": "
		       "\"PB-JATIM-0001\", \"passphrase\": \"rahasia-pusat\", \"country\": \"ID\"}}");
	assert_int_equal(load(text, cfg), 0);
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_BUNDLE);
	assert_string_equal(cfg->wifi_ssid, "PB-JATIM-0001");
	assert_string_equal(cfg->wifi_passphrase, "rahasia-pusat");
	assert_string_equal(page, "/portal");
	unlink(path);
	/* box.conf wins where it sets a key */
	snprintf(text, sizeof(text), "[box]\ndata_dir = %s\n[wifi]\nssid = Ruang 2\n", dir);
	assert_int_equal(load(text, cfg), 0);
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_BUNDLE);
	assert_string_equal(cfg->wifi_ssid, "Ruang 2");
	assert_string_equal(cfg->wifi_passphrase, "rahasia-pusat");
	unlink(path);
	/* an unusable bundle is an error naming the file */
	provision_file(dir, "bundle.json", "{\"wifi\": {\"ssid\": 7}}");
	assert_int_equal(load(text, cfg), 0);
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_ERROR);
	assert_non_null(strstr(err, "provision/bundle.json: \"ssid\" must be a string"));
	unlink(path);
	provision_file(dir, "bundle.json", "{\"wifi\": ");
	assert_int_equal(load(text, cfg), 0);
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_ERROR);
	unlink(path);
	remove_provision(dir, "bundle.json");

	/* never provisioned: the open setup network and its page */
	provision_file(dir, "setup.json", "{\"mode\": \"setup\", \"ssid\": "
		       "\"PusatBelajar-Setup\", \"page\": \"/penyiapan.html\"}");
	snprintf(text, sizeof(text), "[box]\ndata_dir = %s\n", dir);
	assert_int_equal(strict(text, "passphrase is not set"), 1);  /* box.conf alone */
	assert_int_equal(load(text, cfg), 0);
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_SETUP);
	assert_string_equal(cfg->wifi_ssid, "PusatBelajar-Setup");
	assert_string_equal(cfg->wifi_security, "open");
	assert_string_equal(page, "/penyiapan.html");
	unlink(path);
	provision_file(dir, "setup.json", "{\"mode\": \"setup\", \"page\": "
		       "\"http://evil.example/\"}");
	assert_int_equal(load(text, cfg), 0);
	assert_int_equal(pb_net_provision(cfg, page, sizeof(page), err, sizeof(err)),
			 PB_PROVISION_ERROR);
	assert_non_null(strstr(err, "must be a path on the box"));
	unlink(path);
	remove_provision(dir, "setup.json");
	assert_int_equal(rmdir(dir), 0);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_load_and_need_a_passphrase),
		cmocka_unit_test(test_passphrase_length),
		cmocka_unit_test(test_ssid_bytes),
		cmocka_unit_test(test_channel_for_band),
		cmocka_unit_test(test_radio_capacity),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_load_reports_wifi_errors),
		cmocka_unit_test(test_qr_escape),
		cmocka_unit_test(test_qr_payload),
		cmocka_unit_test(test_qr_svg),
		cmocka_unit_test(test_leases),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_files_and_sharing),
		cmocka_unit_test(test_provision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
