/* Unit tests: the uplink protocol (pb_proto) and its agreement with the
 * outbox hash chain (pb_outbox) on a real SQLite database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pb_db.h"
#include "pb_outbox.h"
#include "pb_proto.h"

static const char box[] = "0123456789abcdef0123456789abcdef";

static void chain(struct pb_proto_record *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].seq = (int64_t)i + 1;
		snprintf(r[i].id, sizeof(r[i].id), "%032zx", i + 1);
		snprintf(r[i].type, sizeof(r[i].type), "attendance.checkin");
		r[i].payload = "{\"session_id\":\"S1\",\"nuptk\":\"1234567890123456\"}";
		r[i].wall_ms = 1795000000000 + (int64_t)i;
		snprintf(r[i].clock_source, sizeof(r[i].clock_source), "ntp");
		snprintf(r[i].boot_id, sizeof(r[i].boot_id), "boot");
		r[i].mono_ms = 1000 + (int64_t)i;
		memcpy(r[i].prev_hash, i == 0 ? PB_PROTO_GENESIS : r[i - 1].hash,
		       PB_SHA256_HEX_LEN + 1);
		pb_proto_record_hash(box, &r[i], r[i].hash);
	}
}

static void test_batch_round_trip(void **state)
{
	struct pb_proto_record r[50];
	struct pb_proto_batch b;
	unsigned char *body;
	size_t len, used;
	char why[256];

	(void)state;
	chain(r, 50);
	assert_int_equal(pb_proto_batch_build(box, r, 50, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(used, 50);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)), PB_PROTO_OK);
	assert_int_equal(b.n, 50);
	assert_string_equal(b.records[49].hash, r[49].hash);
	assert_string_equal(b.records[7].payload, r[7].payload);
	pb_proto_batch_free(&b);
	/* another box's name in the header */
	assert_int_equal(pb_proto_batch_parse(body, len, "ffffffffffffffffffffffffffffffff", &b,
					      why, sizeof(why)), PB_PROTO_BOX_MISMATCH);
	free(body);
	/* a byte limit takes fewer records, never none */
	assert_int_equal(pb_proto_batch_build(box, r, 50, 600, &body, &len, &used), 0);
	assert_true(used >= 1 && used < 50);
	assert_true(len <= 600 || used == 1);
	free(body);
}

static void test_batch_refusals(void **state)
{
	struct pb_proto_record r[5];
	struct pb_proto_batch b;
	unsigned char *body;
	size_t len, used;
	char why[256];

	(void)state;
	chain(r, 5);
	r[2].payload = "{\"edited\":true}";                  /* hash no longer fits */
	assert_int_equal(pb_proto_batch_build(box, r, 5, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)),
			 PB_PROTO_BAD_HASH);
	free(body);
	chain(r, 5);
	r[3] = r[4];                                         /* seq 4 missing */
	assert_int_equal(pb_proto_batch_build(box, r, 4, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)), PB_PROTO_GAP);
	free(body);
	assert_int_equal(pb_proto_batch_parse("junk", 4, box, &b, why, sizeof(why)),
			 PB_PROTO_MALFORMED);
}

/* Random byte changes, to the compressed body and to the JSON inside: the
 * parser never crashes, and never accepts a batch whose records differ. */
#define MUTATIONS 3000

static void test_mutations(void **state)
{
	struct pb_proto_record r[8];
	struct pb_proto_batch b;
	unsigned char *body, *gz;
	char *json, why[256];
	size_t len, used, jlen, gzlen;
	int accepted = 0;

	(void)state;
	chain(r, 8);
	assert_int_equal(pb_proto_batch_build(box, r, 8, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(pb_proto_gunzip(body, len, 1 << 20, &json, &jlen), 0);
	for (int i = 0; i < MUTATIONS; i++) {
		int inside = i % 2;
		unsigned char *m = malloc(inside ? jlen : len);
		size_t mlen = inside ? jlen : len;
		enum pb_proto_err e;

		memcpy(m, inside ? (unsigned char *)json : body, mlen);
		for (int k = 0; k < 1 + (int)randombytes_uniform(3); k++)
			m[randombytes_uniform((uint32_t)mlen)] = (unsigned char)randombytes_uniform(256);
		if (inside) {
			assert_int_equal(pb_proto_gzip(m, mlen, &gz, &gzlen), 0);
			e = pb_proto_batch_parse(gz, gzlen, box, &b, why, sizeof(why));
			free(gz);
		} else {
			e = pb_proto_batch_parse(m, mlen, box, &b, why, sizeof(why));
		}
		if (e == PB_PROTO_OK) {
			accepted++;
			assert_int_equal(b.n, 8);
			for (size_t j = 0; j < b.n; j++) {
				assert_string_equal(b.records[j].hash, r[j].hash);
				assert_string_equal(b.records[j].payload, r[j].payload);
			}
			pb_proto_batch_free(&b);
		}
		free(m);
	}
	print_message("%d of %d mutations still parsed (unchanged records)\n", accepted,
		      MUTATIONS);
	free(json);
	free(body);
}

static void test_gunzip_limit(void **state)
{
	char *big = malloc(1 << 20), *out;
	unsigned char *gz;
	size_t gzlen, outlen;

	(void)state;
	memset(big, 'a', 1 << 20);
	assert_int_equal(pb_proto_gzip(big, 1 << 20, &gz, &gzlen), 0);
	assert_true(gzlen < 10000);
	assert_int_equal(pb_proto_gunzip(gz, gzlen, 1 << 20, &out, &outlen), 0);
	assert_int_equal(outlen, 1 << 20);
	free(out);
	assert_int_equal(pb_proto_gunzip(gz, gzlen, (1 << 20) - 1, &out, &outlen), -1);
	assert_int_equal(pb_proto_gunzip(gz, gzlen - 4, 1 << 20, &out, &outlen), -1);
	free(gz);
	free(big);
}

static void test_keys_and_signatures(void **state)
{
	char dir[] = "/tmp/pbproto-XXXXXX", path[64], pk[PB_PROTO_PK_HEX_LEN + 1];
	char sig[PB_PROTO_SIG_HEX_LEN + 1];
	unsigned char sk[crypto_sign_SECRETKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	struct stat sb;
	int created;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sync.key", dir);
	assert_int_equal(pb_proto_key_load_or_create(path, sk, &created), 0);
	assert_int_equal(created, 1);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(pb_proto_key_load_or_create(path, sk2, &created), 0);
	assert_int_equal(created, 0);
	assert_memory_equal(sk, sk2, sizeof(sk));
	pb_proto_public_hex(sk, pk);
	pb_proto_sign(sk, "batch", 5, sig);
	assert_int_equal(pb_proto_verify(pk, "batch", 5, sig), 0);
	assert_int_equal(pb_proto_verify(pk, "batcH", 5, sig), -1);
	sig[0] = sig[0] == '0' ? '1' : '0';
	assert_int_equal(pb_proto_verify(pk, "batch", 5, sig), -1);
	assert_int_equal(pb_proto_verify("zz", "batch", 5, sig), -1);
	unlink(path);
	rmdir(dir);
}

/* The outbox and the protocol hash the same bytes. */
/* Every error has its own wire code that maps back, an HTTP status and
 * words in both languages; the hub's busy answers are 429 and 503. */
static void test_error_table(void **state)
{
	(void)state;
	for (int e = PB_PROTO_OK; e <= PB_PROTO_UNAVAILABLE; e++) {
		const char *code = pb_proto_err_code((enum pb_proto_err)e);

		assert_int_equal(pb_proto_err_from_code(code), e);
		assert_true(pb_proto_err_http((enum pb_proto_err)e) >= 200);
		assert_true(strlen(pb_proto_err_message((enum pb_proto_err)e)) > 0);
		assert_true(strlen(pb_proto_err_words((enum pb_proto_err)e)) > 0);
	}
	assert_int_equal(pb_proto_err_http(PB_PROTO_RATE_LIMITED), 429);
	assert_int_equal(pb_proto_err_http(PB_PROTO_UNAVAILABLE), 503);
	assert_int_equal(pb_proto_err_from_code("no_such_code"), PB_PROTO_INTERNAL);
}

static void test_outbox_agrees(void **state)
{
	char dir[] = "/tmp/pbproto-XXXXXX", path[64], err[256], box_id[64];
	sqlite3 *db;
	sqlite3_stmt *st;
	struct pb_proto_record r;
	char want[PB_SHA256_HEX_LEN + 1];
	int64_t seq, bad;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	assert_int_equal(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	assert_int_equal(pb_outbox_append(db, "claim.submit", "{\"amount_rp\":1}", &seq, NULL), 0);
	assert_int_equal(pb_outbox_append(db, "claim.decision", "{\"ok\":1}", &seq, NULL), 0);
	assert_int_equal(pb_outbox_verify(db, &bad), 0);
	assert_int_equal(pb_box_id(db, box_id, sizeof(box_id)), 0);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT seq, id, type, payload, wall_ms, "
		"clock_source, boot_id, mono_ms, prev_hash, hash FROM outbox WHERE seq = 2",
		-1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	memset(&r, 0, sizeof(r));
	r.seq = sqlite3_column_int64(st, 0);
	snprintf(r.id, sizeof(r.id), "%s", sqlite3_column_text(st, 1));
	snprintf(r.type, sizeof(r.type), "%s", sqlite3_column_text(st, 2));
	r.payload = (const char *)sqlite3_column_text(st, 3);
	r.wall_ms = sqlite3_column_int64(st, 4);
	snprintf(r.clock_source, sizeof(r.clock_source), "%s", sqlite3_column_text(st, 5));
	snprintf(r.boot_id, sizeof(r.boot_id), "%s", sqlite3_column_text(st, 6));
	r.mono_ms = sqlite3_column_int64(st, 7);
	snprintf(r.prev_hash, sizeof(r.prev_hash), "%s", sqlite3_column_text(st, 8));
	pb_proto_record_hash(box_id, &r, want);
	assert_string_equal(want, (const char *)sqlite3_column_text(st, 9));
	sqlite3_finalize(st);
	pb_db_close(db);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	assert_int_equal(system(err), 0);
}

/* The hub and the box judge a receipt photo by the same first bytes. */
static void test_photo_mime(void **state)
{
	static const unsigned char jpeg[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10 };
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0 };
	(void)state;
	assert_string_equal(pb_proto_photo_mime(jpeg, sizeof(jpeg)), "image/jpeg");
	assert_string_equal(pb_proto_photo_mime(png, sizeof(png)), "image/png");
	assert_null(pb_proto_photo_mime(jpeg, 2));
	assert_null(pb_proto_photo_mime(png, 7));
	assert_null(pb_proto_photo_mime((const unsigned char *)"GIF89a", 6));
	assert_null(pb_proto_photo_mime(jpeg, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_round_trip),
		cmocka_unit_test(test_batch_refusals),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_gunzip_limit),
		cmocka_unit_test(test_keys_and_signatures),
		cmocka_unit_test(test_outbox_agrees),
		cmocka_unit_test(test_photo_mime),
		cmocka_unit_test(test_error_table),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
