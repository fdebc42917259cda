/* pb-hub: the upstream reference server for Pusat Belajar boxes.
 *
 *   pb-hub [-d CONNINFO] [-l HOST:PORT] [-f FILES_DIR] [-t THREADS]
 *          [-k HUB.key] [-u USER] [-S] [-L NAME=PER_MIN[/BURST]]… [-M MIB] [-A N]
 *          [-X KIB] [-w DIR] [-O NAME=N]… [-n] [VERB …]
 *
 * Without a verb it serves HTTP; verbs do the office's work on the same
 * database. CONNINFO is a libpq connection string (default: $PB_HUB_DB). */
#include "hub.h"

#include "pb_log.h"
#include "pb_opts.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_serve(struct hub *h, PGconn *pg, int argc, char **argv)
{
	int rc;

	(void)pg;
	(void)argc;
	(void)argv;
	/* read while every file may still be: serving may drop to -u */
	if (hub_office_web_load(h) != 0)
		return 1;
	rc = hub_serve(h) == 0 ? 0 : 1;
	hub_office_web_free(h);
	return rc;
}

static int cmd_migrate(struct hub *h, PGconn *pg, int argc, char **argv)
{
	char err[512];

	(void)h;
	(void)argc;
	(void)argv;
	if (hub_db_migrate(pg, err, sizeof(err)) != 0) {
		fprintf(stderr, "pb-hub: %s\n", err);
		return 1;
	}
	printf("schema at version %d (%d migrations)\n", hub_schema_top(), hub_migrations_count);
	return 0;
}

/* What a verb needs before it runs. */
enum hub_verb_needs {
	HUB_VERB_NOTHING = 0,            /* serve: connects on its own, after -u */
	HUB_VERB_DB,                     /* a connection (migrate) */
	HUB_VERB_SCHEMA,                 /* a connection to a schema at this pb-hub's version */
};

/* The verbs, in the order usage lists them; each returns an exit code. */
struct hub_verb {
	const char *name;
	int (*fn)(struct hub *h, PGconn *pg, int argc, char **argv);
	enum hub_verb_needs needs;
	const char *help;
};

static const struct hub_verb hub_verbs[] = {
	{ "serve", cmd_serve, HUB_VERB_NOTHING,
	  "serve                              serve HTTP (the default)" },
	{ "migrate", cmd_migrate, HUB_VERB_DB,
	  "migrate                            create or update the schema" },
	{ "token", hub_cmd_token, HUB_VERB_SCHEMA,
	  "token CENTRE_ID [--bundle]         make a one-time enrolment token (as bundle JSON)" },
	{ "revoke", hub_cmd_revoke, HUB_VERB_SCHEMA,
	  "revoke BOX_ID                      refuse a box from now on" },
	{ "boxes", hub_cmd_boxes, HUB_VERB_SCHEMA,
	  "boxes                              list boxes" },
	{ "conflicts", hub_cmd_conflicts, HUB_VERB_SCHEMA,
	  "conflicts                          list conflicts" },
	{ "publish", hub_cmd_publish, HUB_VERB_SCHEMA,
	  "publish roster|rates [--centre ID] < JSON   publish for boxes to pull" },
	{ "catalogue", hub_cmd_catalogue, HUB_VERB_SCHEMA,
	  "catalogue add DIR [--centre ID]    publish modules from a manifest folder" },
	{ "paid", hub_cmd_paid, HUB_VERB_SCHEMA,
	  "paid CLAIM_ID [REFERENCE]          mark an approved claim paid" },
	{ "export", hub_cmd_export, HUB_VERB_SCHEMA,
	  "export attendance|claims [--centre ID] [--session ID] [--xlsx FILE]\n"
	  "                                       CSV on stdout, or a spreadsheet\n"
	  "  export learning [--centre ID] [--session ID] [--nuptk N] [--module ID]\n"
	  "                                   scored test attempts per teacher, CSV" },
	{ "verify", hub_cmd_verify, HUB_VERB_SCHEMA,
	  "verify [BOX_ID]                    recompute stored hash chains" },
	{ "import", hub_cmd_import, HUB_VERB_SCHEMA,
	  "import DIR                         (with -k) boxes' batches from a USB stick;\n"
	  "                                     writes each box's signed acknowledgement" },
	{ "export-content", hub_cmd_export_content, HUB_VERB_SCHEMA,
	  "export-content DIR --centre ID     the centre's modules as a folder for\n"
	  "                                     pbctl content import DIR" },
	{ "office-token", hub_cmd_office_token, HUB_VERB_SCHEMA,
	  "office-token NAME                  a login for the office's HTTP routes" },
	{ "release", hub_cmd_release, HUB_VERB_SCHEMA,      /* "release key" is made earlier */
	  "release key FILE                   make the release key (Ed25519), print\n"
	  "                                     its public half for the boxes\n"
	  "  release add FILE.deb… --key FILE --version V --notes TEXT\n"
	  "                                     publish a signed box software release\n"
	  "  release list                       the releases published" },
	{ "user", hub_cmd_user, HUB_VERB_SCHEMA,
	  "user add NAME --role kantor|kantor-admin [--generate]\n"
	  "  user passwd NAME [--generate] | disable NAME | enable NAME\n"
	  "  user role NAME ROLE | list       the office's accounts for its pages\n"
	  "                                     (password on stdin, or --generate prints one)" },
	{ NULL, NULL, HUB_VERB_NOTHING, NULL },
};

static void usage(FILE *f)
{
	struct hub_office_limits d;

	hub_office_defaults(&d);
	fprintf(f,
		"usage: pb-hub [-d CONNINFO] [-l HOST:PORT] [-f FILES_DIR] [-t THREADS]\n"
		"              [-C CERT.pem -K KEY.pem] [-k HUB.key] [-u USER] [-S]\n"
		"              [-L NAME=PER_MIN[/BURST]]… [-M MIB] [-A N] [-X KIB]\n"
		"              [-w DIR] [-O NAME=N]… [-n] [VERB]\n"
		"  -d CONNINFO   PostgreSQL connection string (default $PB_HUB_DB)\n"
		"  -l HOST:PORT  listen address (default 127.0.0.1:8780)\n"
		"  -f DIR        module files by SHA-256 (default ./hub-files)\n"
		"  -t N          worker threads and database connections (default %d)\n"
		"  -C, -K        serve HTTPS with this certificate chain and key (PEM)\n"
		"  -k FILE       the hub's Ed25519 key (made when missing): signs the\n"
		"                acknowledgements import writes; boxes learn it at enrolment\n"
		"  -u USER       started as root: listen, read the key, then serve as USER\n"
		"                (pb-hub never serves as root)\n"
		"  -S            serve without the seccomp filter (debugging, valgrind)\n"
		"  -L LIMIT      a rate limit, per process: box=%d/%d (requests of one box),\n"
		"                enrol=%d/%d (refused enrolments per address), unauth=%d/%d\n"
		"                (refused authentications per address); 0 turns one off\n"
		"  -M MIB        bytes of request bodies held at once, all connections\n"
		"                together (default %d); over it 503 with Retry-After\n"
		"  -A N          connections open at once from one address (default %d,\n"
		"                0: no limit)\n"
		"  -X KIB        largest workbook the export worker takes for an XLSX\n"
		"                route, as its JSON description (default %d)\n"
		"  -w DIR        serve the office's pages (kantor.html) from this web app\n"
		"                folder, read once at start (default: none)\n"
		"  -O NAME=N     office logins: idle_s=%u max_s=%u (lifetimes), fail_max=%u\n"
		"                (wrong passwords per address and account), fail_max_client=%u,\n"
		"                fail_max_account=%u, lockout_s=%u\n"
		"  -n            check the settings and the database, print \"configuration OK\"\n"
		"  -V, --version print the version\n"
		"  -h, --help    print this help\n"
		"verbs:\n",
		HUB_THREADS_DEFAULT, HUB_RATE_BOX_PER_MIN, HUB_RATE_BOX_BURST,
		HUB_RATE_ENROL_PER_MIN, HUB_RATE_ENROL_BURST, HUB_RATE_UNAUTH_PER_MIN,
		HUB_RATE_UNAUTH_BURST, HUB_BODY_BUDGET_MIB_DEFAULT, HUB_ADDR_CONNECTIONS_DEFAULT,
		HUB_XLSX_BOOK_KIB_DEFAULT, d.idle_s, d.max_s, d.fail_max_pair, d.fail_max_client,
		d.fail_max_account, d.lockout_s);
	for (const struct hub_verb *v = hub_verbs; v->name != NULL; v++)
		fprintf(f, "  %s\n", v->help);
}

/* Read a small PEM file whole. */
static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(HUB_PEM_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, HUB_PEM_MAX + 1, f);
	fclose(f);
	if (n == 0 || n > HUB_PEM_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static int set_listen(struct hub *h, const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port;

	if (colon == NULL || (size_t)(colon - v) >= sizeof(h->listen_host) || colon == v)
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0' || port == 0 || port > 65535)
		return -1;
	memcpy(h->listen_host, v, (size_t)(colon - v));
	h->listen_host[colon - v] = '\0';
	h->listen_port = (unsigned)port;
	return 0;
}

/* The number of option -opt: lo..hi, else -1 (said, with its unit). */
static int number_opt(int opt, const char *v, unsigned long lo, unsigned long hi,
		      const char *unit, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno == 0 && v[0] >= '0' && v[0] <= '9' && *end == '\0' && *out >= lo &&
	    *out <= hi)
		return 0;
	fprintf(stderr, "pb-hub: -%c wants %lu..%lu%s\n", opt, lo, hi, unit);
	return -1;
}

int main(int argc, char **argv)
{
	static struct hub h;
	const char *verb = "serve";
	const struct hub_verb *v;
	char err[512];
	PGconn *pg = NULL;
	int opt, check = 0, rc = 1;
	unsigned long t;

	pb_log_init("pb-hub");
	snprintf(h.conninfo, sizeof(h.conninfo), "%s",
		 getenv("PB_HUB_DB") ? getenv("PB_HUB_DB") : "");
	snprintf(h.files_dir, sizeof(h.files_dir), "hub-files");
	snprintf(h.listen_host, sizeof(h.listen_host), "127.0.0.1");
	h.listen_port = 8780;
	h.threads = HUB_THREADS_DEFAULT;
	h.body_budget = (size_t)HUB_BODY_BUDGET_MIB_DEFAULT << 20;
	h.addr_connections = HUB_ADDR_CONNECTIONS_DEFAULT;
	h.xlsx.book_max = (size_t)HUB_XLSX_BOOK_KIB_DEFAULT << 10;
	hub_rate_defaults(&h);
	hub_office_defaults(&h.office);
	const char *cert_path = NULL, *key_path = NULL, *sign_path = NULL;

	while ((opt = getopt_long(argc, argv, "+d:l:f:t:C:K:k:L:M:A:X:u:w:O:SnhV", pb_opts_long,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (strlen(optarg) >= sizeof(h.conninfo)) {
				fprintf(stderr, "pb-hub: -d is too long\n");
				return 2;
			}
			snprintf(h.conninfo, sizeof(h.conninfo), "%s", optarg);
			break;
		case 'l':
			if (set_listen(&h, optarg) != 0) {
				fprintf(stderr, "pb-hub: -l wants HOST:PORT\n");
				return 2;
			}
			break;
		case 'f':
			if (strlen(optarg) >= sizeof(h.files_dir)) {
				fprintf(stderr, "pb-hub: -f is too long\n");
				return 2;
			}
			snprintf(h.files_dir, sizeof(h.files_dir), "%s", optarg);
			break;
		case 't':
			if (number_opt(opt, optarg, 1, HUB_THREADS_MAX, "", &t) != 0)
				return 2;
			h.threads = (unsigned)t;
			break;
		case 'L':
			if (hub_rate_set(&h, optarg) != 0) {
				fprintf(stderr, "pb-hub: -L wants box|enrol|unauth=PER_MIN[/BURST], "
					"e.g. box=600/100\n");
				return 2;
			}
			break;
		case 'M':
			if (number_opt(opt, optarg, 1, HUB_BODY_BUDGET_MIB_MAX, " (MiB)", &t) != 0)
				return 2;
			h.body_budget = (size_t)t << 20;
			break;
		case 'A':
			if (number_opt(opt, optarg, 0, HUB_ADDR_CONNECTIONS_MAX, "", &t) != 0)
				return 2;
			h.addr_connections = (unsigned)t;
			break;
		case 'X':
			if (number_opt(opt, optarg, 1, HUB_XLSX_BOOK_KIB_MAX, " (KiB)", &t) != 0)
				return 2;
			h.xlsx.book_max = (size_t)t << 10;
			break;
		case 'O':
			if (hub_office_set(&h.office, optarg) != 0) {
				fprintf(stderr, "pb-hub: -O wants idle_s|max_s|fail_max|"
					"fail_max_client|fail_max_account|lockout_s=N in range "
					"(pb-hub -h)\n");
				return 2;
			}
			break;
		case 'w': h.web_dir = optarg; break;
		case 'C': cert_path = optarg; break;
		case 'K': key_path = optarg; break;
		case 'k': sign_path = optarg; break;
		case 'u': h.run_user = optarg; break;
		case 'S': h.no_seccomp = 1; break;
		case 'n': check = 1; break;
		case 'V': printf("pb-hub %s\n", PB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc)
		verb = argv[optind];
	if ((cert_path == NULL) != (key_path == NULL)) {
		fprintf(stderr, "pb-hub: -C and -K go together\n");
		return 2;
	}
	if (cert_path != NULL) {
		h.tls_cert = read_pem(cert_path);
		h.tls_key = read_pem(key_path);
		if (h.tls_cert == NULL || h.tls_key == NULL) {
			fprintf(stderr, "pb-hub: cannot read %s\n",
				h.tls_cert == NULL ? cert_path : key_path);
			goto out_tls;
		}
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "pb-hub: libsodium cannot start\n");
		rc = 1;
		goto out_tls;
	}
	/* read before serve drops privileges: made when missing */
	if (sign_path != NULL) {
		int made = 0;

		if (pb_proto_key_load_or_create(sign_path, h.sign_sk, &made) != 0) {
			fprintf(stderr, "pb-hub: -k %s: %s\n", sign_path, strerror(errno));
			goto out_tls;
		}
		h.has_sign_key = 1;
		if (made)
			pb_notice("made the hub's signing key %s", sign_path);
	}
	/* a release key is made without the database */
	if (strcmp(verb, "release") == 0 && optind + 1 < argc &&
	    strcmp(argv[optind + 1], "key") == 0) {
		rc = hub_cmd_release_key(argc - optind, argv + optind);
		goto out_tls;
	}
	if (h.conninfo[0] == '\0') {
		fprintf(stderr, "pb-hub: no database: give -d CONNINFO or set PB_HUB_DB\n");
		rc = 2;
		goto out_tls;
	}
	if (check) {
		err[0] = '\0';
		pg = hub_db_connect(h.conninfo, err, sizeof(err));
		if (pg == NULL || hub_db_schema_ok(pg, err, sizeof(err)) != 0 ||
		    access(h.files_dir, R_OK | X_OK) != 0) {
			fprintf(stderr, "pb-hub: %s\n", err[0] ? err :
				"files folder is not readable");
			goto out;
		}
		if (hub_office_web_load(&h) != 0) {
			fprintf(stderr, "pb-hub: -w %s: the office's pages cannot be read\n",
				h.web_dir);
			goto out;
		}
		hub_office_web_free(&h);
		if (h.run_user != NULL && getpwnam(h.run_user) == NULL) {
			fprintf(stderr, "pb-hub: -u %s: no such user\n", h.run_user);
			goto out;
		}
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}
	for (v = hub_verbs; v->name != NULL && strcmp(v->name, verb) != 0; v++)
		;
	if (v->name == NULL) {
		fprintf(stderr, "pb-hub: unknown verb '%s'\n", verb);
		usage(stderr);
		rc = 2;
		goto out_tls;
	}
	if (v->needs != HUB_VERB_NOTHING) {
		pg = hub_db_connect(h.conninfo, err, sizeof(err));
		if (pg == NULL) {
			fprintf(stderr, "pb-hub: database: %s\n", err);
			goto out_tls;
		}
	}
	if (v->needs == HUB_VERB_SCHEMA && hub_db_schema_ok(pg, err, sizeof(err)) != 0) {
		fprintf(stderr, "pb-hub: %s\n", err);
		goto out;
	}
	rc = v->fn(&h, pg, argc - optind, argv + optind);
out:
	PQfinish(pg);
out_tls:
	if (h.tls_key != NULL)
		sodium_memzero(h.tls_key, strlen(h.tls_key));
	free(h.tls_cert);
	free(h.tls_key);
	sodium_memzero(h.sign_sk, sizeof(h.sign_sk));
	return rc;
}
