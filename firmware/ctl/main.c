/* pbctl: set up and look after a Pusat Belajar box. */
#include "ctl.h"

#include "pb_db.h"
#include "pb_log.h"
#include "pb_opts.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct verb {
	const char *name;
	int (*fn)(struct pb_ctl *c, int argc, char **argv);
	int needs_box;          /* open config, database and store first */
	const char *help;
};

static const struct verb verbs[] = {
	{ "init", cmd_init, 1, "init                      create the database and store" },
	{ "status", cmd_status, 1, "status                    what the box holds" },
	{ "content", cmd_content, 1, "content import DIR | list  module files from a folder or USB stick" },
	{ "user", cmd_user, 1, "user add NAME --role R [--kind K] [--name TEXT] [--nip NIP] | set NAME [--name TEXT] [--nip NIP] | import FILE.json|- | passwd NAME | assign|unassign NAME --session ID|--module M | disable NAME | enable NAME | list" },
	{ "roster", cmd_roster, 1, "roster import SESSION FILE.csv  participants of a session" },
	{ "rates", cmd_rates, 1, "rates import FILE.csv      a new version of the rate table (SBM)" },
	{ "claims", cmd_claims, 1, "claims paid CLAIM_UID REF | apply  a payment; the hub's rates and payments" },
	{ "demo", cmd_demo, 0, "demo DIR                  create a demo box in DIR" },
	{ "net", cmd_net, 0, "net render OUTDIR | check [OUTDIR] | poster [OUT.html]  the hotspot" },
	{ "sync", cmd_sync, 1, "sync now | status         wake pb-sync, or show the uplink status" },
	{ "enrol", cmd_enrol, 1, "enrol [--token T | --bundle FILE]  register the box at the hub" },
	{ "outbox", cmd_outbox, 1, "outbox add TYPE JSON [N] | add TYPE - | verify | export DIR | import-ack DIR  records for upstream; on a USB stick" },
	{ "clock", cmd_clock, 1, "clock set ISO8601 | suspects  set the box clock; records to review" },
	{ "purge", cmd_purge, 1, "purge [--dry-run] [--as-of MS]  remove personal data past retention" },
	{ "firstboot", cmd_firstboot, 0, "firstboot BUNDLE          apply a provisioning bundle (pusat-belajar.json)" },
	{ "data", cmd_data, 0, "data check | mend          the data folder's group and modes (mend: as root)" },
	{ "update", cmd_update, 1, "update status | check | apply [--force] [--retry] [--no-reboot] | commit|rollback [--no-reboot]  signed software releases, A/B roots" },
	{ "config-keys", cmd_config_keys, 0, "config-keys               print every configuration key" },
	{ NULL, NULL, 0, NULL },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pbctl [-c FILE] VERB …\n  -c FILE  box configuration "
		"(default %s)\n"
		"  -V, --version  print the version\n"
		"  -h, --help     print this help\n"
		"verbs:\n", PBCTL_DEFAULT_CONFIG);
	for (const struct verb *v = verbs; v->name != NULL; v++)
		fprintf(f, "  %s\n", v->help);
}

int ctl_open(struct pb_ctl *c)
{
	char dbp[PATH_MAX], store[PATH_MAX], err[PB_DB_ERR_LEN];

	if (pb_config_load(&c->cfg, c->config_path) != 0) {
		pb_config_print_errors(&c->cfg, stderr);
		return -1;
	}
	if (mkdir(c->cfg.data_dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "pbctl: cannot create %s: %s\n", c->cfg.data_dir, strerror(errno));
		return -1;
	}
	if (pb_config_db_path(&c->cfg, dbp, sizeof(dbp)) != 0 ||
	    pb_config_store_path(&c->cfg, store, sizeof(store)) != 0) {
		fprintf(stderr, "pbctl: data_dir path too long\n");
		return -1;
	}
	if (pb_db_open(dbp, PB_DB_CREATE | c->db_flags, &c->db, err, sizeof(err)) != 0) {
		fprintf(stderr, "pbctl: %s: %s\n", dbp, err);
		return -1;
	}
	if (pb_store_open(&c->store, store) != 0) {
		fprintf(stderr, "pbctl: cannot open the store %s: %s\n", store, strerror(errno));
		return -1;
	}
	return 0;
}

void ctl_close(struct pb_ctl *c)
{
	pb_db_close(c->db);
	c->db = NULL;
}

char *ctl_read_file(const char *path, long max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	char *buf = NULL;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > max)
		goto out;
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL)
		goto out;
	*len = fread(buf, 1, (size_t)sb.st_size, f);
	buf[*len] = '\0';
out:
	fclose(f);
	return buf;
}

int ctl_read_secret(char *buf, size_t len)
{
	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	if (strchr(buf, '\n') == NULL && !feof(stdin))
		return -1;                  /* longer than the buffer */
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

int cmd_config_keys(struct pb_ctl *c, int argc, char **argv)
{
	(void)c;
	(void)argc;
	(void)argv;
	pb_config_print_keys(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct pb_ctl c;
	const struct verb *v;
	int opt, rc;

	pb_log_init("pbctl");
	memset(&c, 0, sizeof(c));
	c.config_path = getenv("PB_CONFIG") ? getenv("PB_CONFIG") : PBCTL_DEFAULT_CONFIG;
	while ((opt = getopt_long(argc, argv, "+c:hV", pb_opts_long, NULL)) != -1) {
		switch (opt) {
		case 'c': c.config_path = optarg; break;
		case 'V': printf("pbctl %s\n", PB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "pbctl: libsodium cannot start\n");
		return 1;
	}
	for (v = verbs; v->name != NULL; v++)
		if (strcmp(v->name, argv[optind]) == 0)
			break;
	if (v->name == NULL) {
		fprintf(stderr, "pbctl: unknown verb '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (v->fn == cmd_update && ctl_update_unmigrated(argc - optind, argv + optind))
		c.db_flags = PB_DB_NOMIGRATE;
	if (v->needs_box && ctl_open(&c) != 0) {
		ctl_close(&c);
		return 1;
	}
	rc = v->fn(&c, argc - optind, argv + optind);
	ctl_close(&c);
	return rc;
}
