/* pbctl sync now|status, pbctl enrol: the uplink from the admin's side. */
#include "ctl.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_hubclient.h"
#include "pb_outbox.h"
#include "pb_wake.h"

#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_BUNDLE_MAX (64 * 1024)

static int wake(struct pb_ctl *c)
{
	enum pb_wake_result w = pb_sync_wake(c->cfg.data_dir);

	if (w != PB_WAKE_OK) {
		fprintf(stderr, "pbctl: %s (%s/run/sync-wake.sock)\n", pb_wake_strerror(w),
			c->cfg.data_dir);
		return 1;
	}
	printf("pb-sync dibangunkan / woken\n");
	return 0;
}

static void meta(struct pb_ctl *c, const char *key, char *out, size_t len, const char *def)
{
	if (pb_db_meta_get(c->db, key, out, len) != 0 || out[0] == '\0')
		snprintf(out, len, "%s", def);
}

static int status(struct pb_ctl *c)
{
	char state[32], last[32], err[512], up[32], down[32], centre[128];
	long long last_ms;

	meta(c, "sync.state", state, sizeof(state), "never ran");
	meta(c, "sync.last_success_ms", last, sizeof(last), "");
	meta(c, "sync.last_error", err, sizeof(err), "-");
	meta(c, "sync.bytes_up", up, sizeof(up), "0");
	meta(c, "sync.bytes_down", down, sizeof(down), "0");
	meta(c, "sync.centre", centre, sizeof(centre), "not enrolled");
	printf("hub:          %s\n", c->cfg.sync_hub_url[0] ? c->cfg.sync_hub_url : "(none)");
	printf("enrolled:     %s\n", centre);
	printf("state:        %s\n", state);
	if (last[0] != '\0') {
		last_ms = strtoll(last, NULL, 10);
		printf("last success: %s (%lld s ago)\n", last,
		       (long long)(pb_clock_wall_ms() - last_ms) / 1000);
	} else {
		printf("last success: never\n");
	}
	printf("pending:      %lld\n", ctl_count(c->db, "SELECT count(*) FROM outbox WHERE acked = 0"));
	printf("acknowledged: %lld\n", ctl_count(c->db, "SELECT count(*) FROM outbox WHERE acked = 1"));
	printf("photos:       %lld receipt photo(s) not yet held by the hub\n", ctl_count(c->db,
	       "SELECT count(DISTINCT receipt_sha256) FROM claim WHERE receipt_sha256 IS NOT NULL "
	       "AND receipt_sha256 NOT IN (SELECT sha256 FROM receipt_upload)"));
	printf("              %lld worksheet photo(s) not yet held by the hub\n", ctl_count(c->db,
	       "SELECT count(DISTINCT sha256) FROM learning_photo WHERE sha256 NOT IN "
	       "(SELECT sha256 FROM receipt_upload)"));
	printf("bytes up:     %s\n", up);
	printf("bytes down:   %s\n", down);
	printf("last error:   %s\n", err);
	return 0;
}

int cmd_sync(struct pb_ctl *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "now") == 0)
		return wake(c);
	if (argc >= 2 && strcmp(argv[1], "status") == 0)
		return status(c);
	fprintf(stderr, "usage: pbctl sync now | status\n");
	return 2;
}

/* The token from a provisioning bundle file: {"token": …, "centre_id": …}. */
static int bundle_token(struct pb_ctl *c, const char *path, char *token, size_t len)
{
	json_error_t jerr;
	json_t *b = json_load_file(path, 0, &jerr);
	const char *t, *centre = NULL;
	int rc = -1;

	if (b == NULL) {
		fprintf(stderr, "pbctl: %s: %s\n", path, jerr.text);
		return -1;
	}
	if (json_unpack(b, "{s:s, s?s}", "token", &t, "centre_id", &centre) != 0 ||
	    strlen(t) == 0 || strlen(t) >= len) {
		fprintf(stderr, "pbctl: %s has no usable \"token\"\n", path);
		goto out;
	}
	if (centre != NULL && strcmp(centre, c->cfg.centre_id) != 0) {
		fprintf(stderr, "pbctl: the bundle is for centre %s, this box is %s\n", centre,
			c->cfg.centre_id);
		goto out;
	}
	snprintf(token, len, "%s", t);
	rc = 0;
out:
	json_decref(b);
	return rc;
}

int cmd_enrol(struct pb_ctl *c, int argc, char **argv)
{
	char token[PB_CONFIG_STR_LEN] = "", key[PATH_MAX], box_id[64], centre[128];
	struct pb_hubc hc;
	int refused, rc = 1;

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--token") == 0)
			snprintf(token, sizeof(token), "%s", argv[i + 1]);
		else if (strcmp(argv[i], "--bundle") == 0 &&
			 bundle_token(c, argv[i + 1], token, sizeof(token)) != 0)
			return 1;
	}
	if (token[0] == '\0')
		snprintf(token, sizeof(token), "%s", c->cfg.sync_enrol_token);
	if (token[0] == '\0') {
		fprintf(stderr, "usage: pbctl enrol [--token T | --bundle FILE] "
			"(or [sync] enrol_token)\n");
		return 2;
	}
	if (pb_box_id(c->db, box_id, sizeof(box_id)) != 0 ||
	    pb_hubc_key_path(&c->cfg, key, sizeof(key)) != 0)
		return 1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pb_hubc_init(&hc, &c->cfg, box_id, key) != 0) {
		fprintf(stderr, "pbctl: %s\n", hc.err);
		goto out;
	}
	/* Run as root, pbctl may just have made the key: it belongs to the
	 * uplink's own user where there is one. */
	if (geteuid() == 0) {
		const struct passwd *pw = getpwnam(PB_SYNC_USER);
		if (pw != NULL && chown(key, pw->pw_uid, pw->pw_gid) != 0)
			fprintf(stderr, "pbctl: cannot give %s to %s: %s\n", key, PB_SYNC_USER,
				strerror(errno));
	}
	if (pb_hubc_enrol(&hc, token, centre, sizeof(centre), &refused) != 0) {
		fprintf(stderr, "pbctl: enrolment failed: %s\n", hc.err);
		/* Keep the token so pb-sync can try again when the hub is reachable. */
		if (!refused)
			pb_db_meta_set(c->db, "sync.enrol_token", token);
		goto out;
	}
	if (pb_db_meta_set(c->db, "sync.centre", centre) != 0 ||
	    (hc.hub_key[0] != '\0' && pb_db_meta_set(c->db, "sync.hub_key", hc.hub_key) != 0) ||
	    pb_db_meta_set(c->db, "sync.enrolled", "1") != 0)
		goto out;
	printf("terdaftar / enrolled: box %s, centre %s\n", box_id, centre);
	rc = 0;
out:
	pb_hubc_free(&hc);
	curl_global_cleanup();
	return rc;
}
