/* pbctl outbox add|verify (export|import-ack: carry.c) and pbctl purge. */
#include "ctl.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_outbox.h"
#include "pb_purge.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTL_OUTBOX_ADD_MAX 100000

/* One record of TYPE with the payload TEXT (JSON), in the caller's
 * transaction. 0/-1 (said on stderr). */
static int append_json(struct pb_ctl *c, const char *type, const char *text, long line)
{
	json_error_t jerr;
	json_t *p;
	char *compact;
	int64_t seq;
	int rc = -1;

	p = json_loads(text, JSON_DECODE_ANY, &jerr);
	if (p == NULL) {
		fprintf(stderr, "pbctl: line %ld: payload is not JSON: %s\n", line, jerr.text);
		return -1;
	}
	compact = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
	if (compact != NULL && pb_outbox_append(c->db, type, compact, &seq, NULL) == 0)
		rc = 0;
	else
		fprintf(stderr, "pbctl: line %ld: cannot append (type too long or payload too "
			"big?)\n", line);
	free(compact);
	json_decref(p);
	return rc;
}

/* pbctl outbox add TYPE -: one record a line of standard input (a JSON
 * payload each, empty lines skipped), all in one transaction: nothing is
 * added when a line is refused. */
static int outbox_add_lines(struct pb_ctl *c, const char *type)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	long line = 0, added = 0;
	int rc = 1;

	if (pb_db_begin(c->db) != 0)
		return 1;
	while ((len = getline(&buf, &cap, stdin)) >= 0) {
		line++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0)
			continue;
		if (len > PB_OUTBOX_PAYLOAD_MAX || added >= CTL_OUTBOX_ADD_MAX) {
			fprintf(stderr, "pbctl: line %ld: over %s\n", line, len > PB_OUTBOX_PAYLOAD_MAX ?
				"the payload limit" : "the records one add may append");
			goto out;
		}
		if (append_json(c, type, buf, line) != 0)
			goto out;
		added++;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "pbctl: cannot read standard input: %s\n", strerror(errno));
		goto out;
	}
	if (pb_db_commit(c->db) != 0)
		goto out;
	printf("%ld records added\n", added);
	rc = 0;
out:
	if (rc != 0)
		pb_db_rollback(c->db);
	free(buf);
	return rc;
}

/* pbctl outbox add TYPE JSON [COUNT]: append records by hand (for
 * checking the uplink before real records exist; COUNT copies, each with
 * "n" set to its number when the payload is an object). JSON "-": the
 * payloads are the lines of standard input. */
static int outbox_add(struct pb_ctl *c, int argc, char **argv)
{
	json_error_t jerr;
	json_t *p;
	long n = 1;
	char *end;
	int rc = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: pbctl outbox add TYPE JSON [COUNT] | add TYPE -\n");
		return 2;
	}
	if (strcmp(argv[3], "-") == 0 && argc == 4)
		return outbox_add_lines(c, argv[2]);
	p = json_loads(argv[3], JSON_DECODE_ANY, &jerr);
	if (p == NULL) {
		fprintf(stderr, "pbctl: payload is not JSON: %s\n", jerr.text);
		return 2;
	}
	if (argc >= 5) {
		errno = 0;
		n = strtol(argv[4], &end, 10);
		if (errno != 0 || *end != '\0' || n < 1 || n > CTL_OUTBOX_ADD_MAX) {
			fprintf(stderr, "pbctl: COUNT must be 1..%d\n", CTL_OUTBOX_ADD_MAX);
			goto out;
		}
	}
	if (pb_db_begin(c->db) != 0)
		goto out;
	for (long i = 1; i <= n; i++) {
		char *text;
		int64_t seq;
		int ok;

		if (n > 1 && json_is_object(p))
			json_object_set_new(p, "n", json_integer(i));
		text = json_dumps(p, JSON_COMPACT | JSON_ENCODE_ANY);
		ok = text != NULL && pb_outbox_append(c->db, argv[2], text, &seq, NULL) == 0;
		free(text);
		if (!ok) {
			fprintf(stderr, "pbctl: cannot append (type too long or payload too big?)\n");
			pb_db_rollback(c->db);
			goto out;
		}
		if (n == 1)
			printf("%" PRId64 "\n", seq);
	}
	if (pb_db_commit(c->db) != 0)
		goto out;
	if (n > 1)
		printf("%ld records added\n", n);
	rc = 0;
out:
	json_decref(p);
	return rc;
}

int cmd_outbox(struct pb_ctl *c, int argc, char **argv)
{
	int64_t bad;

	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return outbox_add(c, argc, argv);
	if (argc >= 2 && (strcmp(argv[1], "export") == 0 || strcmp(argv[1], "import-ack") == 0))
		return ctl_outbox_carry(c, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
		if (pb_outbox_verify(c->db, &bad) != 0) {
			printf("chain BROKEN at seq %" PRId64 "\n", bad);
			return 1;
		}
		printf("chain OK\n");
		return 0;
	}
	fprintf(stderr, "usage: pbctl outbox add TYPE JSON [COUNT] | verify | export DIR | "
		"import-ack DIR\n");
	return 2;
}

/* pbctl purge [--dry-run] [--as-of MS] */
int cmd_purge(struct pb_ctl *c, int argc, char **argv)
{
	struct pb_purge_report rep;
	int64_t now = pb_clock_wall_ms();
	int dry = 0;
	char *end;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry = 1;
		} else if (strcmp(argv[i], "--as-of") == 0 && i + 1 < argc) {
			errno = 0;
			now = strtoll(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || now < 0) {
				fprintf(stderr, "pbctl: --as-of wants milliseconds since 1970\n");
				return 2;
			}
		} else {
			fprintf(stderr, "usage: pbctl purge [--dry-run] [--as-of MS]\n");
			return 2;
		}
	}
	if (pb_purge_run(c->db, &c->store, now, c->cfg.sync_retention_days, dry, stdout,
			 &rep) != 0) {
		fprintf(stderr, "pbctl: purge failed: %s\n", sqlite3_errmsg(c->db));
		return 1;
	}
	printf("%s: %d session(s), %" PRId64 " row(s) (retention %u days, only what the hub "
	       "acknowledged)\n", dry ? "would purge" : "purged", rep.sessions, rep.rows,
	       c->cfg.sync_retention_days);
	printf("%s: %" PRId64 " photo file(s), %" PRId64 " byte(s); %" PRId64
	       " photo(s) kept until the hub confirms them\n",
	       dry ? "would remove" : "removed", rep.files, rep.file_bytes, rep.held);
	return 0;
}
