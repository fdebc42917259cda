/* pbctl firstboot BUNDLE: make a freshly flashed box its own centre.
 *
 * BUNDLE is pusat-belajar.json on the card's boot (FAT) partition, made by
 * the fleet tool (provisioning/). It is checked completely before anything
 * changes; then the centre goes into box.conf, the facilitator accounts into
 * the database, the Wi-Fi and hub settings into <data_dir>/provision/, and
 * the bundle on the FAT partition is overwritten with zeros and removed, a
 * copy without secrets left in its place (pusat-belajar.applied.json).
 *
 * Without a bundle: a box provisioned before carries on; a box never
 * provisioned enters setup mode (an open "PusatBelajar-Setup" network and
 * the setup page), recorded in <data_dir>/provision/setup.json. */
#include "ctl.h"

#include "pb_clock.h"
#include "pb_password.h"
#include "pb_staff.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <jansson.h>
#include <libgen.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FB_FORMAT 1
#define FB_BUNDLE_MAX_BYTES (256 * 1024)   /* a bundle is a few KB; CA included */
#define FB_MAX_FACILITATORS 32
#define FB_SSID_MAX 32                     /* IEEE 802.11 */
#define FB_PASSPHRASE_MIN 8                /* WPA2-PSK */
#define FB_PASSPHRASE_MAX 63
#define FB_TOKEN_MIN 16
#define FB_TOKEN_MAX 128
#define FB_URL_MAX 512
#define FB_CA_MAX (64 * 1024)
#define FB_CONF_MAX (64 * 1024)            /* box.conf we rewrite */
#define FB_SETUP_SSID "PusatBelajar-Setup"
#define FB_APPLIED_NAME "pusat-belajar.applied.json"
#define FB_DATA_USER "pb"                  /* owner of data_dir (pb-web) */

struct bundle {
	json_t *root;
	const char *centre_id, *centre_name, *language;
	const char *ssid, *passphrase, *country;
	const char *hub_url, *hub_ca, *token;
	json_t *facilitators;
};

/* ---- checking -------------------------------------------------------- */

static int fail(const char *path, const char *what)
{
	fprintf(stderr, "pbctl firstboot: %s: %s\n", path, what);
	return -1;
}

static int printable(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int ident(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == n;
}

static int check_facilitators(const char *path, json_t *arr)
{
	size_t i;
	json_t *f;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return fail(path, "facilitators: at least one account is needed");
	if (json_array_size(arr) > FB_MAX_FACILITATORS)
		return fail(path, "facilitators: too many accounts");
	json_array_foreach(arr, i, f)
		if (ctl_account_check("pbctl firstboot", path, "facilitators", i, f) != 0)
			return -1;
	return 0;
}

/* Parse and check everything; nothing is changed here. */
static int bundle_load(struct bundle *b, const char *path)
{
	json_error_t je;
	struct stat sb;
	int format = 0;

	memset(b, 0, sizeof(*b));
	b->language = "id";
	b->country = "ID";
	b->hub_ca = "";
	if (stat(path, &sb) != 0)
		return fail(path, strerror(errno));
	if (sb.st_size > FB_BUNDLE_MAX_BYTES)
		return fail(path, "too large for a provisioning bundle");
	b->root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (b->root == NULL) {
		fprintf(stderr, "pbctl firstboot: %s:%d: %s\n", path, je.line, je.text);
		return -1;
	}
	if (json_unpack_ex(b->root, &je, 0,
			   "{s:i, s:{s:s, s:s, s?s}, s:{s:s, s:s, s?s}, "
			   "s:{s:s, s?s, s:s}, s:o}",
			   "format", &format,
			   "centre", "id", &b->centre_id, "name", &b->centre_name,
			   "language", &b->language,
			   "wifi", "ssid", &b->ssid, "passphrase", &b->passphrase,
			   "country", &b->country,
			   "hub", "url", &b->hub_url, "ca_pem", &b->hub_ca,
			   "enrolment_token", &b->token,
			   "facilitators", &b->facilitators) != 0) {
		fprintf(stderr, "pbctl firstboot: %s: %s\n", path, je.text);
		return -1;
	}
	if (format != FB_FORMAT)
		return fail(path, "format: this box reads format 1 bundles");
	if (!ident(b->centre_id, 63))
		return fail(path, "centre.id: letters, digits, '.', '_' and '-' only");
	if (!printable(b->centre_name, 1, PB_CONFIG_STR_LEN - 1))
		return fail(path, "centre.name: empty, too long or has control characters");
	if (strcmp(b->language, "id") != 0 && strcmp(b->language, "en") != 0)
		return fail(path, "centre.language: expected id or en");
	if (!printable(b->ssid, 1, FB_SSID_MAX))
		return fail(path, "wifi.ssid: 1-32 characters");
	if (!printable(b->passphrase, FB_PASSPHRASE_MIN, FB_PASSPHRASE_MAX))
		return fail(path, "wifi.passphrase: 8-63 characters (WPA2)");
	if (strlen(b->country) != 2)
		return fail(path, "wifi.country: a two-letter country code");
	if (!printable(b->hub_url, 10, FB_URL_MAX) ||
	    (strncmp(b->hub_url, "https://", 8) != 0 && strncmp(b->hub_url, "http://", 7) != 0))
		return fail(path, "hub.url: expected an http:// or https:// address");
	if (strlen(b->hub_ca) > FB_CA_MAX ||
	    (b->hub_ca[0] && strstr(b->hub_ca, "-----BEGIN CERTIFICATE-----") == NULL))
		return fail(path, "hub.ca_pem: expected a PEM certificate");
	if (!ident(b->token, FB_TOKEN_MAX) || strlen(b->token) < FB_TOKEN_MIN)
		return fail(path, "hub.enrolment_token: 16-128 letters, digits, '_' or '-'");
	return check_facilitators(path, b->facilitators);
}

/* ---- writing --------------------------------------------------------- */

/* Write LEN bytes to PATH through a temporary file, fsync, rename. */
static int write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	if (write(fd, data, len) != (ssize_t)len || fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto out;
	if (rename(tmp, path) != 0)
		goto out;
	rc = 0;
out:
	close(fd);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

struct textbuf {
	char *p;
	size_t n, size;
	int overflow;
};

static void emit(struct textbuf *t, const char *a, const char *b, const char *c)
{
	int w = snprintf(t->p + t->n, t->size - t->n, "%s%s%s", a, b, c);

	if (w < 0 || (size_t)w >= t->size - t->n)
		t->overflow = 1;
	else
		t->n += (size_t)w;
}

/* One key first boot sets in box.conf. */
struct conf_set {
	const char *section, *key, *value;
	int done;
};

#define CONF_SETS_MAX 8

/* The keys of SECTION not written yet, at the end of that section. */
static void emit_section(struct textbuf *t, struct conf_set *set, int n, const char *section)
{
	for (int k = 0; k < n; k++) {
		if (set[k].done || strcmp(set[k].section, section) != 0)
			continue;
		emit(t, set[k].key, " = ", set[k].value);
		emit(t, "\n", "", "");
		set[k].done = 1;
	}
}

/* Is LINE "[NAME]"? Copies NAME into out. */
static int section_name(const char *p, char *out, size_t len)
{
	const char *close = strchr(p, ']');
	size_t n;

	if (*p != '[' || close == NULL || (n = (size_t)(close - p - 1)) >= len)
		return 0;
	memcpy(out, p + 1, n);
	out[n] = '\0';
	return 1;
}

/* box.conf with the keys in SET written (replacing the same keys, added at
 * the end of their section, or in a new section); every other line kept as
 * it was. Returns the length, or -1. */
static int render_conf(const char *path, struct conf_set *set, int n, char *out, size_t size)
{
	struct textbuf t = { out, 0, size, 0 };
	char line[1024], section[64] = "";
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *p = line + strspn(line, " \t");
		char next[64];
		int skip = 0;

		if (section_name(p, next, sizeof(next))) {
			emit_section(&t, set, n, section);
			snprintf(section, sizeof(section), "%s", next);
		} else {
			for (int k = 0; k < n; k++) {
				size_t kl = strlen(set[k].key);

				if (strcmp(set[k].section, section) != 0 ||
				    strncmp(p, set[k].key, kl) != 0 ||
				    (p[kl] != ' ' && p[kl] != '\t' && p[kl] != '='))
					continue;
				if (!set[k].done) {
					emit(&t, set[k].key, " = ", set[k].value);
					emit(&t, "\n", "", "");
				}
				set[k].done = 1;
				skip = 1;
			}
		}
		if (!skip)
			emit(&t, line, strchr(line, '\n') ? "" : "\n", "");
	}
	fclose(f);
	emit_section(&t, set, n, section);
	for (int k = 0; k < n; k++) {
		if (set[k].done)
			continue;
		emit(&t, "\n[", set[k].section, "]\n");
		emit_section(&t, set, n, set[k].section);
	}
	if (t.overflow) {
		errno = EFBIG;
		return -1;
	}
	return (int)t.n;
}

static int provision_path(const struct pb_ctl *c, const char *name, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/provision%s%s", c->cfg.data_dir, name[0] ? "/" : "",
			 name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int apply_conf(struct pb_ctl *c, const struct bundle *b)
{
	char real[PATH_MAX], tmp[PATH_MAX], ca[PATH_MAX], *text = malloc(FB_CONF_MAX);
	struct pb_config *check = calloc(1, sizeof(*check));
	struct conf_set set[CONF_SETS_MAX] = {
		{ "box", "centre_id", b->centre_id, 0 },
		{ "box", "centre_name", b->centre_name, 0 },
		{ "box", "language", b->language, 0 },
		{ "sync", "hub_url", b->hub_url, 0 },
		{ "sync", "enrol_token", b->token, 0 },
	};
	int nset = 5;
	struct stat sb;
	int n, rc = -1;

	if (text == NULL || check == NULL)
		goto out;
	if (b->hub_ca[0]) {                 /* written by apply_provision */
		if (provision_path(c, "hub-ca.pem", ca, sizeof(ca)) != 0)
			goto out;
		set[nset++] = (struct conf_set){ "sync", "ca_file", ca, 0 };
	}
	/* The image keeps box.conf on the data partition behind a symlink. */
	if (realpath(c->config_path, real) == NULL || stat(real, &sb) != 0) {
		fprintf(stderr, "pbctl firstboot: %s: %s\n", c->config_path, strerror(errno));
		goto out;
	}
	n = render_conf(real, set, nset, text, FB_CONF_MAX);
	if (n < 0) {
		fprintf(stderr, "pbctl firstboot: cannot rewrite %s: %s\n", real, strerror(errno));
		goto out;
	}
	/* Check the new file as pb-web will read it before it replaces the old. */
	snprintf(tmp, sizeof(tmp), "%s.check", real);
	if (write_atomic(tmp, text, (size_t)n, 0600) != 0 || pb_config_load(check, tmp) != 0) {
		pb_config_print_errors(check, stderr);
		unlink(tmp);
		goto out;
	}
	unlink(tmp);
	if (write_atomic(real, text, (size_t)n, sb.st_mode & 07777) != 0 ||
	    chown(real, sb.st_uid, sb.st_gid) != 0) {
		fprintf(stderr, "pbctl firstboot: cannot write %s: %s\n", real, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(text);
	free(check);
	return rc;
}

static int apply_users(struct pb_ctl *c, const struct bundle *b)
{
	size_t i;
	json_t *f;

	json_array_foreach(b->facilitators, i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		const char *role = json_string_value(json_object_get(f, "role"));
		const char *kind = json_string_value(json_object_get(f, "kind"));
		const char *pw = json_string_value(json_object_get(f, "password"));
		enum pb_staff_result r = pb_staff_add(c->db, name, role, kind ? kind : "", pw);

		if (r == PB_STAFF_EXISTS)          /* a bundle applied again */
			r = pb_staff_passwd(c->db, name, pw);
		if (r != PB_STAFF_OK) {
			fprintf(stderr, "pbctl firstboot: user %s: %s\n", name, pb_staff_strerror(r));
			return -1;
		}
		printf("akun %s (%s) siap / account ready\n", name, role);
	}
	return 0;
}

/* Owner of data_dir and everything in it: the pb user, when it exists and
 * we may change owners (root on the box; tests run without the user). */
static uid_t own_uid;
static gid_t own_gid;

static int own_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (lchown(path, own_uid, own_gid) != 0)
		fprintf(stderr, "pbctl firstboot: chown %s: %s\n", path, strerror(errno));
	return 0;
}

static void own_data(const char *dir)
{
	struct passwd *pw = getpwnam(FB_DATA_USER);

	if (pw == NULL || geteuid() != 0)
		return;
	own_uid = pw->pw_uid;
	own_gid = pw->pw_gid;
	nftw(dir, own_one, 16, FTW_PHYS);
}


static int write_json(const char *path, json_t *j, mode_t mode)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
	int rc;

	if (s == NULL)
		return -1;
	rc = write_atomic(path, s, strlen(s), mode);
	free(s);
	return rc;
}

/* <data_dir>/provision/: settings for pbctl net render (wifi) and pb-sync
 * (hub), with the secrets they need and nothing else. */
static int apply_provision(struct pb_ctl *c, const struct bundle *b)
{
	char dir[PATH_MAX], path[PATH_MAX];
	json_t *j = NULL;
	int rc = -1;

	if (provision_path(c, "", dir, sizeof(dir)) != 0 ||
	    (mkdir(dir, 0750) != 0 && errno != EEXIST))
		goto out;
	j = json_pack("{s:i, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:{s:s, s:s, s:s}, s:I}",
		      "format", FB_FORMAT,
		      "centre", "id", b->centre_id, "name", b->centre_name,
		      "language", b->language,
		      "wifi", "ssid", b->ssid, "passphrase", b->passphrase,
		      "country", b->country,
		      "hub", "url", b->hub_url, "ca_file", b->hub_ca[0] ? "hub-ca.pem" : "",
		      "enrolment_token", b->token,
		      "applied_ms", (json_int_t)pb_clock_wall_ms());
	if (j == NULL)
		goto out;
	if (b->hub_ca[0] && (provision_path(c, "hub-ca.pem", path, sizeof(path)) != 0 ||
			     write_atomic(path, b->hub_ca, strlen(b->hub_ca), 0644) != 0))
		goto out;
	if (provision_path(c, "setup.json", path, sizeof(path)) == 0)
		unlink(path);                      /* setup mode is over */
	if (provision_path(c, "bundle.json", path, sizeof(path)) != 0 ||
	    write_json(path, j, 0640) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "pbctl firstboot: cannot write %s: %s\n", dir, strerror(errno));
	json_decref(j);
	return rc;
}

/* Overwrite the bundle's bytes with zeros (so the secrets do not linger in
 * free FAT clusters), remove it, and leave a note without secrets. */
static int scrub_bundle(const char *path, const struct bundle *b)
{
	char dirbuf[PATH_MAX], note[PATH_MAX], zero[4096];
	struct stat sb;
	json_t *names = json_array(), *j = NULL;
	size_t i;
	json_t *f;
	off_t left;
	int fd, rc = -1;

	memset(zero, 0, sizeof(zero));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0)
		goto out;
	for (left = sb.st_size; left > 0;) {
		size_t chunk = left > (off_t)sizeof(zero) ? sizeof(zero) : (size_t)left;
		ssize_t w = write(fd, zero, chunk);

		if (w <= 0)
			goto out;
		left -= w;
	}
	if (fsync(fd) != 0 || unlink(path) != 0)
		goto out;
	json_array_foreach(b->facilitators, i, f)
		json_array_append(names, json_object_get(f, "name"));
	j = json_pack("{s:i, s:{s:s, s:s}, s:s, s:s, s:O, s:I}", "format", FB_FORMAT,
		      "centre", "id", b->centre_id, "name", b->centre_name,
		      "ssid", b->ssid, "hub_url", b->hub_url, "facilitators", names,
		      "applied_ms", (json_int_t)pb_clock_wall_ms());
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	if (j == NULL || snprintf(note, sizeof(note), "%s/%s", dirname(dirbuf),
				  FB_APPLIED_NAME) >= (int)sizeof(note) ||
	    write_json(note, j, 0644) != 0)
		goto out;
	sync();                     /* the removal reaches the card before power-off */
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "pbctl firstboot: cannot remove the secrets from %s: %s\n",
			path, strerror(errno));
	if (fd >= 0)
		close(fd);
	json_decref(names);
	json_decref(j);
	return rc;
}

static int setup_mode(struct pb_ctl *c)
{
	char path[PATH_MAX];
	struct stat sb;
	json_t *j;
	int rc;

	if (provision_path(c, "bundle.json", path, sizeof(path)) == 0 && stat(path, &sb) == 0) {
		printf("kotak sudah diatur / box already provisioned\n");
		return 0;
	}
	if ((mkdir(c->cfg.data_dir, 0750) != 0 && errno != EEXIST) ||
	    provision_path(c, "", path, sizeof(path)) != 0 ||
	    (mkdir(path, 0750) != 0 && errno != EEXIST)) {
		fprintf(stderr, "pbctl firstboot: cannot create %s/provision: %s\n",
			c->cfg.data_dir, strerror(errno));
		return 1;
	}
	j = json_pack("{s:s, s:s, s:s}", "mode", "setup", "ssid", FB_SETUP_SSID,
		      "page", "/penyiapan.html");
	rc = provision_path(c, "setup.json", path, sizeof(path)) == 0 && j != NULL &&
	     write_json(path, j, 0644) == 0 ? 0 : 1;
	json_decref(j);
	if (rc == 0)
		printf("tidak ada bundel: mode penyiapan, jaringan terbuka \"%s\" / "
		       "no bundle: setup mode on the open network \"%s\"\n",
		       FB_SETUP_SSID, FB_SETUP_SSID);
	own_data(c->cfg.data_dir);
	return rc;
}

/* pbctl firstboot BUNDLE */
int cmd_firstboot(struct pb_ctl *c, int argc, char **argv)
{
	struct bundle b;
	struct stat sb;
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: pbctl firstboot BUNDLE   (pusat-belajar.json on the "
			"boot partition)\n");
		return 2;
	}
	if (stat(argv[1], &sb) != 0 && errno == ENOENT) {
		if (pb_config_load(&c->cfg, c->config_path) != 0) {
			pb_config_print_errors(&c->cfg, stderr);
			return 1;
		}
		return setup_mode(c);
	}
	if (bundle_load(&b, argv[1]) != 0) {
		fprintf(stderr, "pbctl firstboot: bundle refused, nothing changed\n");
		goto out;
	}
	if (pb_config_load(&c->cfg, c->config_path) != 0) {    /* for data_dir */
		pb_config_print_errors(&c->cfg, stderr);
		goto out;
	}
	if (apply_conf(c, &b) != 0 || ctl_open(c) != 0 || apply_users(c, &b) != 0 ||
	    apply_provision(c, &b) != 0)
		goto out;
	ctl_close(c);
	own_data(c->cfg.data_dir);
	if (scrub_bundle(argv[1], &b) != 0)
		goto out;
	printf("pusat %s (%s) siap / centre ready\n", b.centre_id, b.centre_name);
	rc = 0;
out:
	json_decref(b.root);
	return rc;
}
