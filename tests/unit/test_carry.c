/* Unit tests: the USB stick's files (pb_carry): manifest, the hub's
 * acknowledgement and its checks, atomic writes and careful reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb_carry.h"

static const char box[] = "0123456789abcdef0123456789abcdef";
static const char other[] = "fedcba9876543210fedcba9876543210";

static void test_manifest_round_trip(void **state)
{
	struct pb_carry_batch b[2];
	struct pb_carry_manifest m = { .made_ms = 1796500000000, .n = 2, .batches = b }, got;
	char why[128], *text;

	(void)state;
	memset(b, 0, sizeof(b));
	snprintf(m.box_id, sizeof(m.box_id), "%s", box);
	for (int i = 0; i < 2; i++) {
		snprintf(b[i].file, sizeof(b[i].file), "%d.batch", i);
		b[i].first = 1 + 10 * i;
		b[i].last = 10 + 10 * i;
		memset(b[i].sha256, 'a' + i, PB_SHA256_HEX_LEN);
		memset(b[i].signature, 'c', PB_PROTO_SIG_HEX_LEN);
	}
	text = pb_carry_manifest_dump(&m);
	assert_non_null(text);
	assert_int_equal(pb_carry_manifest_parse(text, strlen(text), &got, why, sizeof(why)), 0);
	assert_string_equal(got.box_id, box);
	assert_int_equal(got.n, 2);
	assert_string_equal(got.batches[1].file, "1.batch");
	assert_int_equal(got.batches[1].first, 11);
	assert_int_equal(got.batches[1].last, 20);
	assert_memory_equal(got.batches[0].sha256, b[0].sha256, PB_SHA256_HEX_LEN + 1);
	pb_carry_manifest_free(&got);
	pb_carry_manifest_free(NULL);

	/* a file name that leaves the folder, or hides in it, is refused */
	static const char *bad[] = { "../pb.db", ".x.batch", "a/b.batch", "", NULL };
	for (int i = 0; bad[i] != NULL; i++) {
		snprintf(b[0].file, sizeof(b[0].file), "%s", bad[i]);
		free(text);
		text = pb_carry_manifest_dump(&m);
		assert_int_equal(pb_carry_manifest_parse(text, strlen(text), &got, why,
							 sizeof(why)), -1);
		assert_non_null(strstr(why, "batch 1"));
	}
	free(text);
	assert_int_equal(pb_carry_manifest_parse("{\"v\":2}", 7, &got, why, sizeof(why)), -1);
	assert_int_equal(pb_carry_manifest_parse("[", 1, &got, why, sizeof(why)), -1);
	assert_int_equal(pb_carry_name_ok("000000000001-000000000009-0123456789ab.batch"), 1);
}

static char *ack_text(const char *for_box, int64_t acked, unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
	struct pb_carry_ack a;

	memset(&a, 0, sizeof(a));
	snprintf(a.box_id, sizeof(a.box_id), "%s", for_box);
	a.acked = acked;
	memset(a.hash, 'e', PB_SHA256_HEX_LEN);
	a.made_ms = 1796500000000;
	return pb_carry_ack_dump(&a, sk);
}

static void test_ack_checks(void **state)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	char hub[PB_PROTO_PK_HEX_LEN + 1], *text, *p;
	struct pb_carry_ack a;

	(void)state;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	pb_proto_public_hex(sk, hub);

	text = ack_text(box, 27, sk);
	assert_int_equal(pb_carry_ack_check(text, strlen(text), hub, box, &a), PB_CARRY_ACK_OK);
	assert_int_equal(a.acked, 27);
	assert_int_equal(pb_carry_ack_check(text, strlen(text), hub, other, &a),
			 PB_CARRY_ACK_OTHER_BOX);
	/* one digit of the count changed */
	p = strstr(text, "\"acked\": 27");
	assert_non_null(p);
	p[10] = '8';
	assert_int_equal(pb_carry_ack_check(text, strlen(text), hub, box, &a),
			 PB_CARRY_ACK_BAD_SIGNATURE);
	assert_int_equal(pb_carry_ack_check(text, strlen(text) - 2, hub, box, &a),
			 PB_CARRY_ACK_MALFORMED);
	free(text);
	/* signed by another key, which it names */
	text = ack_text(box, 27, sk2);
	assert_int_equal(pb_carry_ack_check(text, strlen(text), hub, box, &a),
			 PB_CARRY_ACK_OTHER_KEY);
	free(text);
	assert_string_equal(pb_carry_ack_strerror(PB_CARRY_ACK_OTHER_BOX),
			    "tanda terima ini untuk kotak lain (other box)");
}

static void test_files(void **state)
{
	char dir[] = "/tmp/pb-carry-XXXXXX", bdir[PATH_MAX], path[PATH_MAX], *out;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pb_carry_box_dir_make(dir, box, bdir, sizeof(bdir)), 0);
	assert_int_equal(pb_carry_box_dir_make(dir, box, bdir, sizeof(bdir)), 0);
	assert_int_equal(pb_carry_write(bdir, "x.batch", "hello", 5), 0);
	assert_int_equal(pb_carry_write(bdir, "x.batch", "again", 5), 0);
	snprintf(path, sizeof(path), "%s/.x.batch.tmp", bdir);
	assert_int_equal(access(path, F_OK), -1);          /* nothing left beside it */
	assert_int_equal(pb_carry_read(bdir, "x.batch", 5, &out, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(out, "again");
	free(out);
	assert_int_equal(pb_carry_read(bdir, "x.batch", 4, &out, &len), -1);
	assert_int_equal(errno, EFBIG);
	/* not through a link, and not a folder */
	snprintf(path, sizeof(path), "%s/link", bdir);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(pb_carry_read(bdir, "link", 4096, &out, &len), -1);
	assert_int_equal(pb_carry_read(dir, PB_CARRY_DIR, 4096, &out, &len), -1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/x.batch", bdir);
	unlink(path);
	rmdir(bdir);
	snprintf(path, sizeof(path), "%s/" PB_CARRY_DIR, dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_round_trip),
		cmocka_unit_test(test_ack_checks),
		cmocka_unit_test(test_files),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
