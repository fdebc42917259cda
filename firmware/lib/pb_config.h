/* pb_config: the box configuration file (INI, read with inih).
 *
 * Every key is one row of a table in pb_config.c with its type, limits and
 * default; docs/configuration.md documents the same table. Unknown sections
 * or keys and out-of-range values are errors that name their line. */
#ifndef PB_CONFIG_H
#define PB_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#define PB_CONFIG_ERRORS_MAX 32
#define PB_CONFIG_ERROR_LEN  256
#define PB_CONFIG_STR_LEN    256

struct pb_config {
	char path[PATH_MAX];              /* the file this came from */

	/* [box] */
	char centre_id[64];
	char centre_name[PB_CONFIG_STR_LEN];
	char data_dir[PATH_MAX];           /* pb.db and store/ live here */
	char language[8];                  /* id | en: default page language */

	/* [web] */
	char listen_host[64];
	unsigned listen_port;
	char webapp_dir[PATH_MAX];
	unsigned threads;
	int listen_per_thread;             /* a listening socket per event loop */
	unsigned max_connections;
	unsigned max_connections_per_ip;
	unsigned connection_timeout;       /* seconds of inactivity */
	unsigned max_header_bytes;         /* whole request head incl. URL */
	unsigned file_map_max;             /* whole files up to this go out mapped */
	unsigned max_body_bytes;           /* request body (CSV files) */
	unsigned body_budget_bytes;        /* request bodies held at once, in all */
	unsigned body_budget_per_client_bytes; /* ... by one client address */
	unsigned body_rate_grace_s;        /* a body may take this long, then */
	unsigned body_min_rate;            /* ... must average this many bytes/s */
	unsigned answer_min_rate;          /* bytes/s a client takes of an answer ... */
	unsigned answer_rate_window_s;     /* ... over each window this long */
	char short_name[128];              /* the box's name on the hotspot */
	int seccomp;                       /* install the system call filter */

	/* [wifi] and [net]: the hotspot (checked and rendered by pb_net.c) */
	char wifi_ssid[128];
	char wifi_security[16];            /* wpa2 | open */
	char wifi_passphrase[128];
	char wifi_band[8];                 /* 2.4 | 5 */
	unsigned wifi_channel;
	char wifi_country[8];
	char wifi_radio[16];               /* onboard | usb | external */
	unsigned wifi_max_clients;         /* 0: the radio's default */
	char net_interface[32];            /* AP side; empty: by radio */
	char net_uplink[32];               /* backhaul; empty: by radio */
	char net_address[64];
	unsigned net_prefix;
	char net_dhcp_start[64];
	char net_dhcp_end[64];
	unsigned net_lease_minutes;
	unsigned net_dhcp_station_burst;   /* DHCP packets one station may send at once */
	unsigned net_dhcp_station_per_min; /* ... then this many a minute */
	char net_sharing[8];               /* off | on */
	char net_lease_file[PATH_MAX];
	char net_hostapd_ctrl[PATH_MAX];
	unsigned net_portal_hours;
	/* [sync] */
	char sync_hub_url[PB_CONFIG_STR_LEN];   /* empty: no uplink */
	char sync_ca_file[PATH_MAX];            /* pinned CA (PEM), empty: none */
	char sync_pinned_key[PB_CONFIG_STR_LEN];/* sha256//BASE64 of the hub key */
	unsigned sync_test_mode;                /* 1: plain http allowed */
	char sync_enrol_token[PB_CONFIG_STR_LEN];
	unsigned sync_batch_records;
	unsigned sync_batch_bytes;              /* compressed bytes per batch */
	unsigned sync_batch_start_bytes;        /* the first batch of an upload */
	unsigned sync_daily_budget_mb;          /* module files and releases per UTC day, 0: none */
	unsigned sync_backoff_max_s;
	unsigned sync_probe_timeout_s;          /* the hub's /healthz answers within this */
	unsigned sync_batch_probes;             /* first batch after a new route checks reachability */
	unsigned sync_rto_max_ms;               /* TCP retransmission wait at most (Linux >= 6.15) */
	unsigned sync_interval_s;               /* between rounds when all is well */
	unsigned sync_retention_days;           /* personal data after upload */
	unsigned sync_purge_interval_h;         /* pb-sync purges this often, 0: never */
	unsigned sync_health_interval_s;        /* box.health every this much uptime, 0: none */
	char sync_usb_dir[PATH_MAX];            /* a USB stick's mount point */
	/* [update] */
	char update_release_key[PB_CONFIG_STR_LEN]; /* Ed25519 public key, hex; empty: no updates */
	char update_boot_dir[PATH_MAX];          /* the Pi's boot partition */
	char update_root_a[PATH_MAX];            /* where root A is mounted */
	char update_root_b[PATH_MAX];            /* where root B is mounted */
	char update_cmdline[PATH_MAX];           /* the running kernel's command line */
	unsigned update_commit_wait_s;           /* a new root proves itself within this */
	char update_apply_request[PATH_MAX];     /* pb-web asks for an install here */
	int update_roots_mounted;                /* root_a/root_b must be mount points */

	/* [attendance] */
	unsigned login_idle_s;             /* staff login ends after this idle time */
	unsigned login_max_s;              /* staff login never lasts longer */
	unsigned login_fail_max;           /* failed logins to an account from one address */
	unsigned login_fail_max_account;   /* ... from anywhere: then slowed down */
	unsigned login_fail_max_client;    /* failed logins before a client address locks */
	unsigned login_lockout_s;          /* how long a lock lasts */
	unsigned code_period_s;            /* session code changes this often */
	unsigned code_grace_s;             /* previous code still accepted this long */
	unsigned code_fail_max;            /* wrong session codes per address or device */
	unsigned code_fail_max_session;    /* ... per session, then one try per phone */
	unsigned code_fail_window_s;       /* the window they are counted in */
	unsigned code_long_after;          /* ... box-wide, then long codes */
	unsigned code_long_s;              /* for this long */
	unsigned lookup_max;               /* check-in tickets per address in the window */
	unsigned nuptk_miss_max;           /* NUPTKs without check-in per address or device */
	unsigned nuptk_miss_max_box;       /* ... from all phones, then one try per phone */
	unsigned checkin_per_client_max;   /* teachers one phone may check in per day */
	unsigned ticket_s;                 /* a lookup's ticket is valid this long */
	unsigned late_after;               /* minutes after start_time: late */
	char clock_adjust[16];             /* settime | offset | off */

	/* [gpio]: pb-gpio, the status lights and the button */
	char gpio_chip[64];                /* gpiochip0, 0, /dev/gpiochip0 or a label */
	unsigned gpio_ready_line;          /* line offsets on that chip */
	unsigned gpio_wifi_line;
	unsigned gpio_sync_line;
	unsigned gpio_button_line;
	unsigned gpio_led_active_low;      /* 0|1 */
	unsigned gpio_button_active_low;   /* 0|1 */
	char gpio_button_bias[16];         /* pull-up | pull-down | disable | as-is */
	unsigned gpio_debounce_ms;
	unsigned gpio_short_press_ms;      /* longer is a hold, not a press */
	unsigned gpio_hold_s;              /* hold this long to shut down */
	char gpio_shutdown_command[PB_CONFIG_STR_LEN];
	char gpio_sync_command[PB_CONFIG_STR_LEN];
	unsigned gpio_health_poll_ms;
	unsigned gpio_health_timeout_ms;
	unsigned gpio_status_poll_ms;
	unsigned gpio_startup_s;           /* ready blinks this long before "down" */
	char gpio_health_url[PB_CONFIG_STR_LEN];   /* empty: from [web] listen */
	char gpio_wifi_check[16];          /* auto | hostapd | operstate | none */
	char gpio_wifi_operstate[PATH_MAX]; /* empty: /sys/class/net/<AP if>/operstate */
	char gpio_throttled_path[PATH_MAX];
	unsigned gpio_sync_grace_s;        /* unacknowledged records younger than this are fine */

	/* [claims] */
	char claims_province[PB_CONFIG_STR_LEN]; /* province of the rate table (SBM) */
	unsigned receipt_max_bytes;        /* a receipt photo after downscaling */
	unsigned receipt_max_pixels;       /* ... and its pixels, checked before decoding */
	unsigned photo_reserve_mb;         /* data folder's free space photos leave */

	/* [learning] */
	unsigned worksheet_photos_max;     /* photos with one worksheet submission */

	/* [papers]: defaults of the session paper settings (pb_paper) */
	char paper_penyelenggara[PB_CONFIG_STR_LEN];
	char paper_tempat[PB_CONFIG_STR_LEN];
	char paper_kepala_jabatan[PB_CONFIG_STR_LEN];
	char paper_kepala_nama[PB_CONFIG_STR_LEN];
	char paper_kepala_nip[PB_CONFIG_STR_LEN];
	char paper_ppk_nama[PB_CONFIG_STR_LEN];
	char paper_ppk_nip[PB_CONFIG_STR_LEN];
	char paper_bendahara_nama[PB_CONFIG_STR_LEN];
	char paper_bendahara_nip[PB_CONFIG_STR_LEN];

	/* errors found while loading */
	int nerrors;
	char errors[PB_CONFIG_ERRORS_MAX][PB_CONFIG_ERROR_LEN];
};

/* Fill with defaults only. */
void pb_config_defaults(struct pb_config *cfg);

/* Defaults, then the file. Returns 0, or -1 with cfg->errors filled. */
int pb_config_load(struct pb_config *cfg, const char *path);

/* http://HOST:PORT/healthz of pb-web on this box (a wildcard listen
 * address as loopback). 0, or -1 when too long. */
int pb_config_health_url(const struct pb_config *cfg, char *out, size_t len);
/* Parse "HOST:PORT" (or "[v6]:PORT") into listen_host/listen_port. */
int pb_config_set_listen(struct pb_config *cfg, const char *value);

/* Paths derived from data_dir. */
int pb_config_db_path(const struct pb_config *cfg, char *out, size_t len);
int pb_config_store_path(const struct pb_config *cfg, char *out, size_t len);

void pb_config_print_errors(const struct pb_config *cfg, FILE *f);

/* Write the documented key table (for docs and `pbctl config-keys`). */
void pb_config_print_keys(FILE *f);

#endif
