#include "pb_config.h"
#include "pb_learning.h"
#include "pb_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum key_type {
	KEY_STR,        /* free text, bounded by the field size */
	KEY_IDENT,      /* [A-Za-z0-9._-]+ */
	KEY_PATH,       /* relative paths are taken from the config file's folder */
	KEY_UINT,       /* decimal, within [min, max] */
	KEY_LISTEN,     /* HOST:PORT */
	KEY_LANG,       /* id | en */
	KEY_BOOL,       /* yes | no, stored as int 1 | 0 */
};

struct key_def {
	const char *section;
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;          /* field size for strings */
	unsigned long min, max;
	const char *def;      /* default, parsed like a value from the file */
	const char *doc;
};

#define STR(sec, key, field, type, def, doc) \
	{ sec, key, type, offsetof(struct pb_config, field), \
	  sizeof(((struct pb_config *)0)->field), 0, 0, def, doc }
#define NUM(sec, key, field, lo, hi, def, doc) \
	{ sec, key, KEY_UINT, offsetof(struct pb_config, field), \
	  sizeof(unsigned), lo, hi, def, doc }

static const struct key_def keys[] = {
	STR("box", "centre_id", centre_id, KEY_IDENT, "PB-BELUM-DIATUR",
	    "Centre code from the provisioning bundle"),
	STR("box", "centre_name", centre_name, KEY_STR, "Pusat Belajar",
	    "Centre name shown on every page"),
	STR("box", "data_dir", data_dir, KEY_PATH, "/var/lib/pb",
	    "Folder for pb.db (SQLite) and store/ (module files by SHA-256)"),
	STR("box", "language", language, KEY_LANG, "id",
	    "Default page language: id or en"),
	{ "web", "listen", KEY_LISTEN, 0, 0, 0, 0, "0.0.0.0:80",
	  "Address and port pb-web listens on (pb-web -l overrides)" },
	STR("web", "webapp_dir", webapp_dir, KEY_PATH,
	    "/usr/share/pusat-belajar/webapp", "Folder of the static web app"),
	NUM("web", "threads", threads, 0, 64, "0",
	    "Worker threads, each with its own event loop; 0: one per CPU core (more "
	    "threads than cores only add wake-ups and context switches)"),
	{ "web", "listen_per_thread", KEY_BOOL, offsetof(struct pb_config, listen_per_thread),
	  sizeof(int), 0, 0, "no", "yes: each event loop listens on a socket of its own "
	  "(SO_REUSEPORT) and the kernel hands each new connection to one loop, which alone "
	  "wakes, but a busy loop's connections wait for it; no: one socket shared by all "
	  "loops, each woken by every connection, the first free one accepts. A socket "
	  "handed over by systemd is always shared" },
	NUM("web", "max_connections", max_connections, 8, 4000, "1000",
	    "Open connections in total; more get 503 busy"),
	NUM("web", "max_connections_per_ip", max_connections_per_ip, 1, 1000,
	    "64", "Open connections from one client: a station (the MAC [net] lease_file "
	    "gives its address, over all its addresses), the hotspot's addresses without a "
	    "lease together (when the lease file exists), or an address of another network "
	    "alone"),
	NUM("web", "connection_timeout", connection_timeout, 1, 3600, "30",
	    "Seconds a connection may stay idle before it is closed; a request head must also "
	    "be whole within it (from the connection's start, or the answer before it), "
	    "however slowly it trickles in"),
	NUM("web", "max_header_bytes", max_header_bytes, 4096, 1048576, "8192",
	    "Bytes of a request head: the request line, each header as \"Name: value\" "
	    "CRLF, and the blank line; at most 64 header lines and 64 cookies. More gets "
	    "431 header_too_large. Each connection may hold twice this plus 14 KiB; up to "
	    "9216 that stays within 32 KiB, which libmicrohttpd takes from malloc, above it "
	    "maps fresh pages for every new connection (slower with Connection: close)"),
	NUM("web", "file_map_max", file_map_max, 0, 16777216, "524288",
	    "Bytes up to which a whole module file is sent from a memory mapping (headers "
	    "and body in one write) rather than by sendfile; 0: always sendfile"),
	NUM("web", "max_body_bytes", max_body_bytes, 1024, 67108864, "2097152",
	    "Bytes of a CSV file sent to the box (roster, rates); other requests have "
	    "smaller limits of their own (docs/api.md); larger gets 413"),
	NUM("web", "body_budget_bytes", body_budget_bytes, 65536, 1073741824, "16777216",
	    "Bytes of request bodies held at once over all connections; a request that "
	    "would go over gets 503 with Retry-After"),
	NUM("web", "body_budget_per_client_bytes", body_budget_per_client_bytes, 16384,
	    1073741824, "4194304",
	    "Bytes of body_budget_bytes one client may hold at once (a client as for "
	    "max_connections_per_ip: a station, over all its addresses; the hotspot's "
	    "addresses without a lease together; another address alone); more gets 503 "
	    "with Retry-After, so one phone cannot starve the others"),
	NUM("web", "body_rate_grace_s", body_rate_grace_s, 1, 3600, "10",
	    "Seconds a request body may take before body_min_rate applies"),
	NUM("web", "body_min_rate", body_min_rate, 1, 1048576, "512",
	    "Bytes per second a request body must average after body_rate_grace_s; "
	    "a slower one is closed (half-sent bodies would hold the budget)"),
	NUM("web", "answer_min_rate", answer_min_rate, 1, 1048576, "1024",
	    "Bytes per second a client must take of an answer (a module file above all) "
	    "over each answer_rate_window_s while bytes of it wait for the client; a slower "
	    "one is closed (an answer taken a byte at a time would hold its connection). "
	    "No bound on an answer's whole time: a slow phone may take minutes"),
	NUM("web", "answer_rate_window_s", answer_rate_window_s, 1, 3600, "60",
	    "Seconds over which answer_min_rate is measured"),
	STR("web", "short_name", short_name, KEY_IDENT, "belajar.lan",
	    "Short host name of the box on its own network"),
	{ "web", "seccomp", KEY_BOOL, offsetof(struct pb_config, seccomp), sizeof(int),
	  0, 0, "yes", "Confine pb-web to the system calls it needs once it listens "
	  "(no: under valgrind)" },
	STR("wifi", "ssid", wifi_ssid, KEY_STR, "PusatBelajar",
	    "Wi-Fi network name (1-32 bytes)"),
	STR("wifi", "security", wifi_security, KEY_IDENT, "wpa2",
	    "wpa2 (needs passphrase) or open"),
	STR("wifi", "passphrase", wifi_passphrase, KEY_STR, "",
	    "WPA2 password, 8-63 characters"),
	STR("wifi", "band", wifi_band, KEY_IDENT, "2.4", "2.4 or 5 (GHz)"),
	NUM("wifi", "channel", wifi_channel, 1, 196, "6",
	    "2.4 GHz: 1-13; 5 GHz: 36, 40, 44, 48, 149, 153, 157, 161, 165"),
	STR("wifi", "country", wifi_country, KEY_IDENT, "ID",
	    "Regulatory country (ISO 3166 two letters)"),
	STR("wifi", "radio", wifi_radio, KEY_IDENT, "onboard",
	    "onboard (about 8 phones), usb (AP-mode adapter) or external (access point on Ethernet)"),
	NUM("wifi", "max_clients", wifi_max_clients, 0, 2007, "0",
	    "Phones the radio accepts; 0 = the radio's default (onboard 8, usb 32, external 64)"),
	STR("net", "interface", net_interface, KEY_STR, "",
	    "Interface phones are on; empty = wlan0 (onboard), wlan1 (usb), eth0 (external)"),
	STR("net", "uplink", net_uplink, KEY_STR, "",
	    "Backhaul interface; empty = eth0, or usb0 with an external access point"),
	STR("net", "address", net_address, KEY_IDENT, "10.42.0.1",
	    "The box's IPv4 address on the hotspot"),
	NUM("net", "prefix", net_prefix, 16, 30, "24", "Prefix length of that network"),
	STR("net", "dhcp_start", net_dhcp_start, KEY_IDENT, "10.42.0.10",
	    "First address handed to phones"),
	STR("net", "dhcp_end", net_dhcp_end, KEY_IDENT, "10.42.0.250",
	    "Last address handed to phones"),
	NUM("net", "lease_minutes", net_lease_minutes, 2, 10080, "30",
	    "DHCP lease time; with dhcp_station_per_min it bounds the leases one phone "
	    "can hold (phones renew at half of it)"),
	NUM("net", "dhcp_station_burst", net_dhcp_station_burst, 4, 1000, "10",
	    "DHCP packets one Wi-Fi station may send to the box at once (dhcp-guard.nft)"),
	NUM("net", "dhcp_station_per_min", net_dhcp_station_per_min, 1, 1000, "1",
	    "DHCP packets a minute one station may send past dhcp_station_burst; a phone "
	    "inventing clients holds about this times lease_minutes leases"),
	STR("net", "sharing", net_sharing, KEY_IDENT, "off",
	    "on: phones may reach the internet through the backhaul (NAT); off: only the box"),
	STR("net", "lease_file", net_lease_file, KEY_PATH, "/run/pb-net/dnsmasq.leases",
	    "dnsmasq's lease file (pb-web reads it for the phone list)"),
	STR("net", "hostapd_ctrl", net_hostapd_ctrl, KEY_PATH, "/run/pb-net/hostapd",
	    "hostapd's control socket folder"),
	NUM("net", "portal_hours", net_portal_hours, 1, 720, "12",
	    "Hours a phone stays past the portal after tapping Lanjut"),
	STR("sync", "hub_url", sync_hub_url, KEY_STR, "",
	    "Base URL of the hub (https://…); empty: no uplink"),
	STR("sync", "ca_file", sync_ca_file, KEY_STR, "",
	    "PEM file of the CA that signed the hub's certificate (pinned)"),
	STR("sync", "pinned_key", sync_pinned_key, KEY_STR, "",
	    "Hub public key pin, sha256//BASE64 (optional, with ca_file)"),
	NUM("sync", "test_mode", sync_test_mode, 0, 1, "0",
	    "1 allows a plain http:// hub (tests only)"),
	STR("sync", "enrol_token", sync_enrol_token, KEY_STR, "",
	    "One-time enrolment token from the provisioning bundle"),
	NUM("sync", "batch_records", sync_batch_records, 1, 5000, "500",
	    "Records in one upload batch at most"),
	NUM("sync", "batch_bytes", sync_batch_bytes, 4096, 2097152, "262144",
	    "Compressed bytes of one upload batch at most"),
	NUM("sync", "batch_start_bytes", sync_batch_start_bytes, 4096, 2097152, "8192",
	    "Compressed bytes of an upload's first batch at most; each batch the hub "
	    "acknowledges lets the next be twice as big, up to batch_bytes"),
	NUM("sync", "daily_budget_mb", sync_daily_budget_mb, 0, 1000000, "500",
	    "MB of module files and software releases downloaded per UTC day (0: no limit); "
	    "uploads are never limited"),
	NUM("sync", "backoff_max_s", sync_backoff_max_s, 5, 900, "900",
	    "Longest wait between tries while the hub is unreachable"),
	NUM("sync", "probe_timeout_s", sync_probe_timeout_s, 2, 120, "20",
	    "Seconds pb-sync gives the hub to answer its reachability check before it backs "
	    "off; over a link that drops now and then the check goes on through the drops "
	    "and its connection then carries the upload"),
	NUM("sync", "batch_probes", sync_batch_probes, 0, 1, "1",
	    "1: once a default route appears and records wait, no separate reachability "
	    "check goes first: the first batch, one TCP segment (1 KiB compressed), is the "
	    "check, the hub's answer proves it is there, and the next batch starts at "
	    "batch_start_bytes. 0: GET /healthz first"),
	NUM("sync", "rto_max_ms", sync_rto_max_ms, 1000, 120000, "120000",
	    "Longest wait of TCP's retransmission timer on the connection to the hub, in ms "
	    "(Linux 6.15 or later; 120000 is the kernel's own): lower, a link back after a cut "
	    "carries data again sooner, but the kernel also gives a silent connection up "
	    "sooner (15 tries)"),
	NUM("sync", "interval_s", sync_interval_s, 5, 86400, "300",
	    "Seconds between sync rounds when the link is up"),
	NUM("sync", "retention_days", sync_retention_days, 1, 3650, "30",
	    "Days after a session's last record before its personal data is purged "
	    "(only once the hub acknowledged it)"),
	NUM("sync", "purge_interval_h", sync_purge_interval_h, 0, 8760, "24",
	    "Hours between pb-sync's own purges of what retention_days lets go, run after "
	    "an upload (0: only by hand, pbctl purge)"),
	NUM("sync", "health_interval_s", sync_health_interval_s, 0, 86400, "3600",
	    "Seconds of uptime between box.health reports (one also goes with each "
	    "upload of other records, at most one per round; 0: no reports)"),
	STR("sync", "usb_dir", sync_usb_dir, KEY_PATH, "/media/pb-usb",
	    "Where a USB stick is mounted (pb-usb-mount); the admin page's export and import "
	    "work there only while a file system is mounted on it"),
	STR("update", "release_key", update_release_key, KEY_STR, "",
	    "Public half of the release key (64 hex digits, as pb-hub release key prints it): "
	    "the only key whose software releases this box downloads and installs; "
	    "empty: no updates (docs/updates.md)"),
	STR("update", "boot_dir", update_boot_dir, KEY_PATH, "/boot/firmware",
	    "The Raspberry Pi's boot partition, where pbctl update writes pb-slot.txt, "
	    "the command lines of both roots and each root's kernel (slot-a/, slot-b/)"),
	STR("update", "root_a", update_root_a, KEY_PATH, "/run/pb-root/a",
	    "Where root partition A (PBROOTA) is mounted, read-only but while an update is "
	    "installed into it"),
	STR("update", "root_b", update_root_b, KEY_PATH, "/run/pb-root/b",
	    "Where root partition B (PBROOTB) is mounted, likewise"),
	STR("update", "cmdline", update_cmdline, KEY_PATH, "/proc/cmdline",
	    "The running kernel's command line: its root=LABEL= says which root booted"),
	{ "update", "roots_mounted", KEY_BOOL, offsetof(struct pb_config, update_roots_mounted),
	  sizeof(int), 0, 0, "yes", "root_a and root_b must be mount points of their own "
	  "(no: plain folders, a development layout; an update would otherwise fill the "
	  "folder's file system)" },
	NUM("update", "commit_wait_s", update_commit_wait_s, 10, 3600, "300",
	    "Seconds a newly booted root has to pass its checks (pb-web's /healthz, and "
	    "pb-sync reaching the hub unless there is no backhaul) before the box goes "
	    "back to the old root"),
	STR("update", "apply_request", update_apply_request, KEY_PATH, "/run/pb-update/apply",
	    "The file pb-web creates when the admin asks to install the downloaded release; "
	    "pb-update-apply.path (the image) sees it and runs pbctl update apply as root. "
	    "Its folder must exist and be writable by pb-web"),
	NUM("attendance", "session_idle_s", login_idle_s, 60, 86400, "1800",
	    "Seconds without a request after which a staff login ends"),
	NUM("attendance", "session_max_s", login_max_s, 300, 604800, "43200",
	    "Seconds after which a staff login ends in any case"),
	NUM("attendance", "login_fail_max", login_fail_max, 1, 100, "5",
	    "Failed logins to one account from one client address before that address is "
	    "locked out of it (other addresses still log in)"),
	NUM("attendance", "login_fail_max_account", login_fail_max_account, 1, 100000, "20",
	    "Failed logins to one account from all addresses after which an address that "
	    "failed on it waits out login_lockout_s (a right password from another address "
	    "still logs in)"),
	NUM("attendance", "login_fail_max_client", login_fail_max_client, 1, 1000, "20",
	    "Failed logins from one client address before it is locked"),
	NUM("attendance", "login_lockout_s", login_lockout_s, 1, 86400, "300",
	    "Seconds a login lock lasts (also the window failures are counted in)"),
	NUM("attendance", "code_period_s", code_period_s, 2, 3600, "60",
	    "Seconds between changes of the session code"),
	NUM("attendance", "code_grace_s", code_grace_s, 0, 3600, "30",
	    "Seconds the previous session code is still accepted after a change"),
	NUM("attendance", "late_after", late_after, 0, 600, "15",
	    "Minutes after a session's start time (start_time) from which a check-in is late (Terlambat)"),
	NUM("attendance", "ticket_s", ticket_s, 60, 86400, "600",
	    "Seconds a check-in ticket from a successful lookup stays valid (Lanjut to Hadir)"),
	NUM("attendance", "code_fail_max", code_fail_max, 1, 1000, "10",
	    "Wrong session codes one client address or one device may send in "
	    "code_fail_window_s; more get 429 until the window ends"),
	NUM("attendance", "code_fail_max_session", code_fail_max_session, 1, 1000000, "100",
	    "Wrong session codes for one session in code_fail_window_s after which a phone "
	    "that already sent a wrong one waits (a first try is always answered)"),
	NUM("attendance", "nuptk_miss_max", nuptk_miss_max, 1, 1000, "10",
	    "NUPTKs without a check-in one client address or device may try with a right "
	    "code in code_fail_window_s (claims proof); more get 429 until the window ends"),
	NUM("attendance", "nuptk_miss_max_box", nuptk_miss_max_box, 1, 1000000, "100",
	    "NUPTKs without a check-in from all phones in code_fail_window_s after which a "
	    "phone that already sent one waits (a first try is always answered)"),
	NUM("attendance", "code_fail_window_s", code_fail_window_s, 10, 86400, "300",
	    "Seconds wrong session codes are counted in"),
	NUM("attendance", "code_long_after", code_long_after, 1, 1000000, "100",
	    "Wrong session codes from all phones within code_long_s after which session "
	    "codes have 9 digits instead of 6 (guessing from many addresses)"),
	NUM("attendance", "code_long_s", code_long_s, 60, 604800, "43200",
	    "Seconds wrong codes are counted in for code_long_after, and that session codes "
	    "then keep 9 digits (a restart of pb-web returns to 6)"),
	NUM("attendance", "lookup_max", lookup_max, 1, 100000, "30",
	    "Check-in lookups with a right code (each makes a ticket) one client address may "
	    "ask for in code_fail_window_s; more get 429 until the window ends"),
	NUM("attendance", "checkin_per_client_max", checkin_per_client_max, 1, 100000, "3",
	    "Different teachers one phone (address or device) may check in per day"),
	STR("attendance", "clock_adjust", clock_adjust, KEY_IDENT, "settime",
	    "How a staff browser or an admin moves an unconfirmed clock: settime "
	    "(needs CAP_SYS_TIME), offset (an offset kept in the database) or off (never moved)"),
	STR("gpio", "chip", gpio_chip, KEY_STR, "gpiochip0",
	    "GPIO chip of the lights and the button (name, number, path or label)"),
	NUM("gpio", "ready_line", gpio_ready_line, 0, 511, "17",
	    "Line of the 'ready' LED (Pi 4: GPIO17, pin 11)"),
	NUM("gpio", "wifi_line", gpio_wifi_line, 0, 511, "27",
	    "Line of the 'Wi-Fi' LED (Pi 4: GPIO27, pin 13)"),
	NUM("gpio", "sync_line", gpio_sync_line, 0, 511, "22",
	    "Line of the 'sync' LED (Pi 4: GPIO22, pin 15)"),
	NUM("gpio", "button_line", gpio_button_line, 0, 511, "26",
	    "Line of the button (Pi 4: GPIO26, pin 37, other side to GND pin 39)"),
	NUM("gpio", "led_active_low", gpio_led_active_low, 0, 1, "0",
	    "1 when an LED lights with the line low (wired to 3.3 V)"),
	NUM("gpio", "button_active_low", gpio_button_active_low, 0, 1, "1",
	    "1 when the pressed button pulls the line low (wired to GND)"),
	STR("gpio", "button_bias", gpio_button_bias, KEY_IDENT, "pull-up",
	    "Bias of the button line: pull-up, pull-down, disable or as-is"),
	NUM("gpio", "debounce_ms", gpio_debounce_ms, 1, 1000, "30",
	    "The button must stay still this long before a change counts"),
	NUM("gpio", "short_press_ms", gpio_short_press_ms, 100, 4000, "1000",
	    "A press released sooner asks for a sync; longer starts the hold"),
	NUM("gpio", "hold_s", gpio_hold_s, 2, 60, "5",
	    "Seconds to hold the button to shut the box down"),
	STR("gpio", "shutdown_command", gpio_shutdown_command, KEY_STR,
	    "systemctl poweroff", "Run after a hold (no shell: words split on spaces)"),
	STR("gpio", "sync_command", gpio_sync_command, KEY_STR, "pbctl sync now",
	    "Run after a short press (no shell: words split on spaces)"),
	NUM("gpio", "health_poll_ms", gpio_health_poll_ms, 100, 600000, "2000",
	    "How often pb-gpio asks pb-web for /healthz"),
	NUM("gpio", "health_timeout_ms", gpio_health_timeout_ms, 50, 10000, "500",
	    "How long one /healthz request may take"),
	NUM("gpio", "status_poll_ms", gpio_status_poll_ms, 100, 600000, "2000",
	    "How often pb-gpio reads Wi-Fi, sync and power state"),
	NUM("gpio", "startup_s", gpio_startup_s, 0, 3600, "120",
	    "The ready LED blinks this long for pb-web to come up, then shows off"),
	STR("gpio", "health_url", gpio_health_url, KEY_STR, "",
	    "URL of pb-web's /healthz; empty: made from [web] listen"),
	STR("gpio", "wifi_check", gpio_wifi_check, KEY_IDENT, "auto",
	    "How the Wi-Fi LED learns the access point's state: hostapd ([net] hostapd_ctrl), "
	    "operstate, none, or auto (operstate for an external access point, else hostapd)"),
	STR("gpio", "wifi_operstate", gpio_wifi_operstate, KEY_STR, "",
	    "Interface state file for operstate; empty: that of the [net] interface"),
	STR("gpio", "throttled_path", gpio_throttled_path, KEY_PATH,
	    "/sys/devices/platform/soc/soc:firmware/get_throttled",
	    "Pi firmware's throttled flags (hex), for the power light and box.health; "
	    "missing: not shown, null in box.health"),
	NUM("gpio", "sync_grace_s", gpio_sync_grace_s, 0, 86400, "3600",
	    "Records younger than this may still wait while the sync LED shows solid"),
	STR("claims", "province", claims_province, KEY_STR, "",
	    "Province whose rates (SBM) price claims, as written in the rate table; a "
	    "session may name another"),
	NUM("claims", "receipt_max_bytes", receipt_max_bytes, 16384, 4194304, "524288",
	    "Bytes of one receipt or worksheet photo (the phone downscales it first); "
	    "larger gets 413"),
	NUM("claims", "receipt_max_pixels", receipt_max_pixels, 65536, 20000000, "4000000",
	    "Pixels (width x height) of one receipt or worksheet photo, read from its header "
	    "before it is decoded; more gets 413. Each photo is decoded and stored as a new JPEG"),
	NUM("claims", "photo_reserve_mb", photo_reserve_mb, 0, 16777216, "256",
	    "Megabytes the data folder's file system keeps free of photos: a receipt or "
	    "worksheet photo that could leave less gets 507 store_full, so check-ins, claims "
	    "without a photo and the database still have room; 0: no reserve"),
	NUM("learning", "worksheet_photos_max", worksheet_photos_max, 0, PB_LEARN_PHOTOS_MAX, "3",
	    "Photos a teacher may add to one worksheet (each checked like a receipt photo: "
	    "[claims] receipt_max_bytes and receipt_max_pixels); 0: text only"),
	STR("papers", "penyelenggara", paper_penyelenggara, KEY_STR, "",
	    "Organiser printed at the top of every paper; a session may name another"),
	STR("papers", "tempat", paper_tempat, KEY_STR, "",
	    "Place (town) of the papers' place-and-date line; a session may name another"),
	STR("papers", "kepala_jabatan", paper_kepala_jabatan, KEY_STR, "Kepala",
	    "Title of the official in charge who signs \"Mengetahui\""),
	STR("papers", "kepala_nama", paper_kepala_nama, KEY_STR, "",
	    "Full name of the official in charge (Penanggung jawab / Kepala)"),
	STR("papers", "kepala_nip", paper_kepala_nip, KEY_STR, "", "NIP of that official (18 digits)"),
	STR("papers", "ppk_nama", paper_ppk_nama, KEY_STR, "",
	    "Full name of the PPK (Pejabat Pembuat Komitmen) who approves payment"),
	STR("papers", "ppk_nip", paper_ppk_nip, KEY_STR, "", "NIP of the PPK (18 digits)"),
	STR("papers", "bendahara_nama", paper_bendahara_nama, KEY_STR, "",
	    "Full name of the Bendahara Pengeluaran who pays"),
	STR("papers", "bendahara_nip", paper_bendahara_nip, KEY_STR, "",
	    "NIP of the Bendahara (18 digits)"),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static void add_error(struct pb_config *cfg, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_error(struct pb_config *cfg, unsigned line, const char *fmt, ...)
{
	char msg[PB_CONFIG_ERROR_LEN], line_text[PB_CONFIG_ERROR_LEN];
	va_list ap;

	if (cfg->nerrors >= PB_CONFIG_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(line_text, sizeof(line_text), "%s:%u: %s", cfg->path, line, msg);
	else
		snprintf(line_text, sizeof(line_text), "%s: %s",
			 cfg->path[0] ? cfg->path : "(defaults)", msg);
	memcpy(cfg->errors[cfg->nerrors], line_text, sizeof(line_text));
	cfg->nerrors++;
}

int pb_config_set_listen(struct pb_config *cfg, const char *value)
{
	const char *colon, *host = value;
	char hostbuf[sizeof(cfg->listen_host)];
	unsigned char addr[sizeof(struct in6_addr)];
	size_t hlen;
	char *end;
	unsigned long port;

	colon = strrchr(value, ':');
	if (colon == NULL || colon == value)
		return -1;
	hlen = (size_t)(colon - value);
	if (value[0] == '[') {                 /* [::1]:8080 */
		if (hlen < 3 || value[hlen - 1] != ']')
			return -1;
		host = value + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(cfg->listen_host))
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == colon + 1 || port < 1 || port > 65535)
		return -1;
	memcpy(hostbuf, host, hlen);
	hostbuf[hlen] = '\0';
	/* A numeric address only: anything else fails later, at start. */
	if (inet_pton(AF_INET, hostbuf, addr) != 1 && inet_pton(AF_INET6, hostbuf, addr) != 1)
		return -1;
	memcpy(cfg->listen_host, hostbuf, hlen + 1);
	cfg->listen_port = (unsigned)port;
	return 0;
}

static int is_ident(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

static int set_path(struct pb_config *cfg, char *dst, size_t size, const char *value)
{
	char base[PATH_MAX];
	const char *slash;
	int n;

	if (value[0] == '\0')
		return -1;
	if (value[0] == '/' || cfg->path[0] == '\0') {
		n = snprintf(dst, size, "%s", value);
	} else {
		memcpy(base, cfg->path, sizeof(base));
		slash = strrchr(base, '/');
		if (slash == NULL)
			n = snprintf(dst, size, "%s", value);
		else
			n = snprintf(dst, size, "%.*s/%s", (int)(slash - base), base, value);
	}
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

static const char OUT_OF_RANGE[] = "out of range";

/* Apply one value. Returns NULL or a message saying what is wrong. */
static const char *apply(struct pb_config *cfg, const struct key_def *k,
			 const char *value)
{
	char *field = (char *)cfg + k->offset;
	unsigned long v;
	char *end;

	switch (k->type) {
	case KEY_STR:
		if (strlen(value) >= k->size)
			return "value too long";
		memcpy(field, value, strlen(value) + 1);
		return NULL;
	case KEY_IDENT:
		if (strlen(value) >= k->size)
			return "value too long";
		if (!is_ident(value))
			return "only letters, digits, '.', '_' and '-' are allowed";
		memcpy(field, value, strlen(value) + 1);
		return NULL;
	case KEY_PATH:
		return set_path(cfg, field, k->size, value) == 0 ? NULL :
			"empty or too long path";
	case KEY_UINT:
		errno = 0;
		if (value[0] < '0' || value[0] > '9')
			return "not a whole number";
		v = strtoul(value, &end, 10);
		if (errno != 0 || *end != '\0')
			return "not a whole number";
		if (v < k->min || v > k->max)
			return OUT_OF_RANGE;
		*(unsigned *)(void *)field = (unsigned)v;
		return NULL;
	case KEY_LISTEN:
		return pb_config_set_listen(cfg, value) == 0 ? NULL :
			"expected HOST:PORT, e.g. 0.0.0.0:80";
	case KEY_LANG:
		if (strcmp(value, "id") != 0 && strcmp(value, "en") != 0)
			return "expected id or en";
		memcpy(field, value, strlen(value) + 1);
		return NULL;
	case KEY_BOOL:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return "expected yes or no";
		*(int *)(void *)field = strcmp(value, "yes") == 0;
		return NULL;
	}
	return "unknown key type";
}

void pb_config_defaults(struct pb_config *cfg)
{
	char path[PATH_MAX];

	memcpy(path, cfg->path, sizeof(path));
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < NKEYS; i++) {
		const char *err = apply(cfg, &keys[i], keys[i].def);
		if (err != NULL)
			add_error(cfg, 0, "default of [%s] %s: %s", keys[i].section,
				  keys[i].name, err);
	}
	memcpy(cfg->path, path, sizeof(path));
}

/* inih as packaged does not pass line numbers to the handler, so the
 * reader counts the lines it hands over. */
struct parse_state {
	struct pb_config *cfg;
	FILE *fp;
	unsigned line;
	unsigned char seen[NKEYS];
};

/* One line of the file for inih, counted. A line longer than inih's buffer
 * (num - 1 characters) is an error on that line, and inih sees it blank:
 * otherwise it would take the line's start as a cut value and its rest as
 * a line of its own, a syntax error numbered after the file's real lines. */
static char *count_reader(char *str, int num, void *stream)
{
	struct parse_state *st = stream;
	char *r = fgets(str, num, st->fp);
	size_t len;
	int c;

	if (r == NULL)
		return NULL;
	st->line++;
	len = strlen(r);
	if (len + 1 < (size_t)num || r[len - 1] == '\n')
		return r;
	c = getc(st->fp);
	if (c == '\n' || c == EOF)       /* exactly num - 1 characters: it fits */
		return r;
	while (c != '\n' && c != EOF)
		c = getc(st->fp);
	add_error(st->cfg, st->line, "line longer than %d characters", num - 1);
	str[0] = '\0';
	return r;
}

static int on_value(void *user, const char *section, const char *name,
		    const char *value)
{
	struct parse_state *st = user;
	const char *err;

	if (name == NULL)           /* a bare section header */
		return 1;
	for (size_t i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) != 0 ||
		    strcmp(keys[i].name, name) != 0)
			continue;
		if (st->seen[i])
			add_error(st->cfg, st->line, "[%s] %s is set twice",
				  section, name);
		st->seen[i] = 1;
		err = apply(st->cfg, &keys[i], value);
		if (err == OUT_OF_RANGE)   /* the operator needs the bounds to mend it */
			add_error(st->cfg, st->line, "[%s] %s = '%s': %s (%lu to %lu)",
				  section, name, value, err, keys[i].min, keys[i].max);
		else if (err != NULL)
			add_error(st->cfg, st->line, "[%s] %s = '%s': %s",
				  section, name, value, err);
		return 1;
	}
	add_error(st->cfg, st->line, "unknown key '%s' in [%s]", name, section);
	return 1;
}

int pb_config_load(struct pb_config *cfg, const char *path)
{
	struct parse_state st;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (path == NULL || strlen(path) >= sizeof(cfg->path)) {
		add_error(cfg, 0, "no configuration file given");
		return -1;
	}
	memcpy(cfg->path, path, strlen(path) + 1);
	pb_config_defaults(cfg);

	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	st.fp = fopen(path, "r");
	if (st.fp == NULL) {
		add_error(cfg, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(count_reader, &st, on_value, &st);
	fclose(st.fp);
	if (rc > 0)
		add_error(cfg, (unsigned)rc, "syntax error (expected [section] or key = value)");
	else if (rc < 0)
		add_error(cfg, 0, "cannot read the file");
	if (cfg->nerrors < PB_CONFIG_ERRORS_MAX)       /* [wifi], [net] across keys */
		cfg->nerrors += pb_net_check(cfg, 0, cfg->errors + cfg->nerrors,
					     PB_CONFIG_ERRORS_MAX - cfg->nerrors);
	if (strcmp(cfg->clock_adjust, "settime") != 0 && strcmp(cfg->clock_adjust, "offset") != 0 &&
	    strcmp(cfg->clock_adjust, "off") != 0)
		add_error(cfg, 0, "[attendance] clock_adjust = '%s': expected settime, offset or off",
			  cfg->clock_adjust);
	return cfg->nerrors == 0 ? 0 : -1;
}

int pb_config_health_url(const struct pb_config *cfg, char *out, size_t len)
{
	const char *host = cfg->listen_host;
	int n, v6;

	if (strcmp(host, "0.0.0.0") == 0 || host[0] == '\0')
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	v6 = strchr(host, ':') != NULL;
	n = snprintf(out, len, "http://%s%s%s:%u/healthz", v6 ? "[" : "", host, v6 ? "]" : "",
		     cfg->listen_port);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_config_db_path(const struct pb_config *cfg, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/pb.db", cfg->data_dir);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_config_store_path(const struct pb_config *cfg, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/store", cfg->data_dir);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

void pb_config_print_errors(const struct pb_config *cfg, FILE *f)
{
	for (int i = 0; i < cfg->nerrors; i++)
		fprintf(f, "%s\n", cfg->errors[i]);
}

void pb_config_print_keys(FILE *f)
{
	const char *types[] = { "text", "name", "path", "number", "host:port", "id or en",
				"yes or no" };

	fprintf(f, "| section | key | type | default | range | meaning |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < NKEYS; i++) {
		fprintf(f, "| [%s] | `%s` | %s | `%s` | ", keys[i].section,
			keys[i].name, types[keys[i].type], keys[i].def);
		if (keys[i].type == KEY_UINT)
			fprintf(f, "%lu–%lu", keys[i].min, keys[i].max);
		fprintf(f, " | %s |\n", keys[i].doc);
	}
}
