/* Unit tests: the packed batch (pb_pack) read back by pb_proto_batch_parse,
 * the hub's reader: the same records, hashes and payload bytes as sent,
 * whatever the payloads hold; tampering refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pb_pack.h"
#include "pb_proto.h"

static const char box[] = "0123456789abcdef0123456789abcdef";

#define SIG "{\"h\":150,\"s\":[[20,100,20,-10,12,3,15,8],[150,60,5,5]],\"w\":300}"

/* Payloads as a box stores them, and some it might: each must come back
 * byte for byte. */
static const char *const payloads[] = {
	"{\"by\":\"peserta\",\"name\":\"Guru Satu\",\"signature\":" SIG ",\"status\":\"present\"}",
	"{\"signature\":" SIG ",\"amount\":45000}",                /* keys not sorted */
	"{\"signature\":null,\"why\":\"Uang makan: Rp 50.000\"}",
	"{\"signature\":\"~\",\"x\":1}",                            /* reads like a packed one */
	"{\"signature\":{\"h\":1,\"s\":[[5,5]],\"w\":1}}",         /* not a valid signature */
	"{\"a\": 1}",                                                /* not jansson's spacing */
	"{\"r\":1.5,\"u\":\"caf\\u00e9\"}",
	"[1,2,3]",
	"{\"sig\":{\"nested\":\"" SIG "\"},\"signature\":" SIG "}",
	"",
};

#define N (sizeof(payloads) / sizeof(payloads[0]) * 3)

static void chain(struct pb_proto_record *r, size_t n, int64_t first_seq, const char *prev)
{
	for (size_t i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].seq = first_seq + (int64_t)i;
		snprintf(r[i].id, sizeof(r[i].id), "%032zx", i * 7919 + 1);
		snprintf(r[i].type, sizeof(r[i].type), i % 2 ? "claim.submit" : "attendance.checkin");
		r[i].payload = payloads[i % (sizeof(payloads) / sizeof(payloads[0]))];
		/* the clock may step back; a new boot restarts mono_ms */
		r[i].wall_ms = 1795000000000 + (int64_t)(i * 37 % 11) * 1000 - 5000;
		snprintf(r[i].clock_source, sizeof(r[i].clock_source), i < 9 ? "ntp" : "rtc");
		snprintf(r[i].boot_id, sizeof(r[i].boot_id), i < 12 ? "boot-a" : (i < 20 ? "" : "b"));
		r[i].mono_ms = i < 12 ? 90000 + (int64_t)i : 10 + (int64_t)i;
		memcpy(r[i].prev_hash, i == 0 ? prev : r[i - 1].hash, PB_SHA256_HEX_LEN + 1);
		pb_proto_record_hash(box, &r[i], r[i].hash);
	}
}

static void test_pack_round_trip(void **state)
{
	static struct pb_proto_record r[N];
	struct pb_proto_batch b;
	unsigned char *body, *v1;
	size_t len, v1len, used;
	char why[256];
	const char *prev = "1111111111111111111111111111111111111111111111111111111111111111";

	(void)state;
	chain(r, N, 41, prev);
	assert_int_equal(pb_pack_build(box, r, N, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(used, N);
	assert_true(pb_pack_is(body, len));
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)), PB_PROTO_OK);
	assert_int_equal(b.n, N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(b.records[i].seq, r[i].seq);
		assert_string_equal(b.records[i].id, r[i].id);
		assert_string_equal(b.records[i].type, r[i].type);
		assert_string_equal(b.records[i].payload, r[i].payload);
		assert_int_equal(b.records[i].wall_ms, r[i].wall_ms);
		assert_int_equal(b.records[i].mono_ms, r[i].mono_ms);
		assert_string_equal(b.records[i].clock_source, r[i].clock_source);
		assert_string_equal(b.records[i].boot_id, r[i].boot_id);
		assert_string_equal(b.records[i].prev_hash, r[i].prev_hash);
		assert_string_equal(b.records[i].hash, r[i].hash);
	}
	pb_proto_batch_free(&b);
	/* smaller than the same records as version 1 */
	assert_int_equal(pb_proto_batch_build(box, r, N, 1 << 20, &v1, &v1len, &used), 0);
	assert_true(len < v1len);
	free(v1);
	/* another box */
	assert_int_equal(pb_proto_batch_parse(body, len, "ffffffffffffffffffffffffffffffff", &b,
					      why, sizeof(why)), PB_PROTO_BOX_MISMATCH);
	/* cut short, or with bytes after the frames */
	assert_int_equal(pb_proto_batch_parse(body, len - 3, box, &b, why, sizeof(why)),
			 PB_PROTO_MALFORMED);
	{
		unsigned char *longer = malloc(len + 4);
		memcpy(longer, body, len);
		memcpy(longer + len, "junk", 4);
		assert_int_equal(pb_proto_batch_parse(longer, len + 4, box, &b, why, sizeof(why)),
				 PB_PROTO_MALFORMED);
		free(longer);
	}
	/* a flipped byte anywhere never passes for the records sent */
	for (size_t i = PB_PACK_MAGIC_LEN; i < len; i += 7) {
		body[i] ^= 0x20;
		if (pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)) == PB_PROTO_OK) {
			int same = b.n == N;
			for (size_t k = 0; same && k < N; k++)
				same = strcmp(b.records[k].payload, r[k].payload) == 0 &&
				       strcmp(b.records[k].hash, r[k].hash) == 0;
			assert_true(same);
			pb_proto_batch_free(&b);
		}
		body[i] ^= 0x20;
	}
	free(body);
	/* a byte limit takes fewer records, never none */
	assert_int_equal(pb_pack_build(box, r, N, 300, &body, &len, &used), 0);
	assert_true(used >= 1 && used < N);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)), PB_PROTO_OK);
	assert_int_equal(b.n, used);
	pb_proto_batch_free(&b);
	free(body);
}

/* A record whose content does not give the head the box stated. */
static void test_pack_bad_head(void **state)
{
	struct pb_proto_record r[4];
	struct pb_proto_batch b;
	unsigned char *body;
	size_t len, used;
	char why[256];

	(void)state;
	chain(r, 4, 1, PB_PROTO_GENESIS);
	r[3].hash[0] = r[3].hash[0] == 'a' ? 'b' : 'a';
	assert_int_equal(pb_pack_build(box, r, 4, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)),
			 PB_PROTO_BAD_HASH);
	free(body);
	/* seq 1 must start from the genesis */
	chain(r, 4, 1, "2222222222222222222222222222222222222222222222222222222222222222");
	assert_int_equal(pb_pack_build(box, r, 4, 1 << 20, &body, &len, &used), 0);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)),
			 PB_PROTO_BROKEN_CHAIN);
	free(body);
}

/* Separators are counted outside strings only, escaped quotes included. */
static void test_json_marks(void **state)
{
	const char t[] = "{\"a,b:[{\":[1,2],\"q\\\"{,\":\"\\\\\",\"z\":{}}";

	(void)state;
	/* { : [ , , : , : { */
	assert_int_equal(pb_proto_json_marks(t, strlen(t)), 9);
	assert_int_equal(pb_proto_json_marks("\"[,{:\"", 6), 0);
}

/* The most records a batch may hold, each with a payload of many values
 * (or just within PB_PACK_PAYLOAD_MARKS_MAX): the hub reads the box's
 * batch whole, within PB_PROTO_BATCH_MARKS_MAX. */
static void test_pack_many_values(void **state)
{
	static struct pb_proto_record r[PB_PROTO_BATCH_RECORDS_MAX];
	static char big[8192], small[1024];
	struct pb_proto_batch b;
	unsigned char *body;
	size_t len, used, at;
	char why[256];

	(void)state;
	at = (size_t)snprintf(big, sizeof(big), "{\"a\":[0");
	for (int i = 0; i < 2000; i++)
		at += (size_t)snprintf(big + at, sizeof(big) - at, ",0");
	snprintf(big + at, sizeof(big) - at, "]}");
	at = (size_t)snprintf(small, sizeof(small), "{\"a\":[0");
	while (pb_proto_json_marks(small, at) < PB_PACK_PAYLOAD_MARKS_MAX)
		at += (size_t)snprintf(small + at, sizeof(small) - at, ",0");
	snprintf(small + at, sizeof(small) - at, "]}");
	assert_int_equal(pb_proto_json_marks(small, strlen(small)), PB_PACK_PAYLOAD_MARKS_MAX);
	chain(r, PB_PROTO_BATCH_RECORDS_MAX, 1, PB_PROTO_GENESIS);
	for (size_t i = 0; i < PB_PROTO_BATCH_RECORDS_MAX; i++) {
		r[i].payload = i % 2 ? big : small;
		memcpy(r[i].prev_hash, i == 0 ? PB_PROTO_GENESIS : r[i - 1].hash,
		       PB_SHA256_HEX_LEN + 1);
		pb_proto_record_hash(box, &r[i], r[i].hash);
	}
	assert_int_equal(pb_pack_build(box, r, PB_PROTO_BATCH_RECORDS_MAX, PB_PROTO_BATCH_GZ_MAX,
				       &body, &len, &used), 0);
	assert_int_equal(used, PB_PROTO_BATCH_RECORDS_MAX);
	assert_int_equal(pb_proto_batch_parse(body, len, box, &b, why, sizeof(why)), PB_PROTO_OK);
	assert_string_equal(b.records[0].payload, small);
	assert_string_equal(b.records[PB_PROTO_BATCH_RECORDS_MAX - 1].payload, big);
	pb_proto_batch_free(&b);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_round_trip),
		cmocka_unit_test(test_pack_bad_head),
		cmocka_unit_test(test_json_marks),
		cmocka_unit_test(test_pack_many_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
