/* Unit tests: the USB stick job queue (pb_usb) on a real database. One
 * job open at a time; pb-sync takes the oldest queued one; progress and
 * the end are recorded; a job left running by a stopped pb-sync is closed
 * as interrupted while queued ones stay; a plain folder is no stick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pb_db.h"
#include "pb_usb.h"

static char dir[64], path[96];

static sqlite3 *fresh(void)
{
	sqlite3 *db = NULL;
	char err[PB_DB_ERR_LEN];

	snprintf(dir, sizeof(dir), "%s", "/tmp/pb-test-usb-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	assert_int_equal(pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)), 0);
	return db;
}

static void gone(sqlite3 *db)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[128];

	pb_db_close(db);
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
}

static const char *latest(sqlite3 *db, const char *field)
{
	static char buf[PB_USB_MESSAGE_MAX];
	json_t *j = pb_usb_latest(db), *v;

	assert_non_null(j);
	v = json_object_get(j, field);
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, sizeof(buf), "%s", json_is_string(v) ? json_string_value(v) : "null");
	json_decref(j);
	return buf;
}

static void test_one_job_at_a_time(void **state)
{
	sqlite3 *db = fresh();
	struct pb_usb_job j;
	json_t *none;
	int64_t a = 0, b = 0;

	(void)state;
	none = pb_usb_latest(db);
	assert_true(json_is_null(none));
	json_decref(none);
	assert_int_equal(pb_usb_take(db, &j), 1);
	assert_int_equal(pb_usb_request(db, PB_USB_EXPORT, "admin", 1000, &a), PB_USB_QUEUED);
	assert_int_equal(pb_usb_request(db, PB_USB_IMPORT, "admin", 1001, &b), PB_USB_BUSY);
	assert_int_equal(pb_usb_take(db, &j), 0);
	assert_int_equal(j.id, a);
	assert_int_equal(j.kind, PB_USB_EXPORT);
	assert_string_equal(latest(db, "state"), "running");
	assert_int_equal(pb_usb_request(db, PB_USB_IMPORT, "admin", 1002, &b), PB_USB_BUSY);
	assert_int_equal(pb_usb_progress(db, a, 3, 10), 0);
	assert_string_equal(latest(db, "done"), "3");
	assert_string_equal(latest(db, "total"), "10");
	assert_int_equal(pb_usb_finish(db, a, "stick_full", "Flashdisk penuh", "", 2000), 0);
	assert_string_equal(latest(db, "state"), "failed");
	assert_string_equal(latest(db, "error"), "stick_full");
	assert_string_equal(latest(db, "finished_ms"), "2000");
	/* closed: the next may be asked for */
	assert_int_equal(pb_usb_request(db, PB_USB_IMPORT, "admin", 3000, &b), PB_USB_QUEUED);
	assert_true(b > a);
	assert_string_equal(latest(db, "kind"), "import");
	assert_int_equal(pb_usb_take(db, &j), 0);
	assert_int_equal(pb_usb_finish(db, b, NULL, "selesai", "baris", 4000), 0);
	assert_string_equal(latest(db, "state"), "done");
	assert_string_equal(latest(db, "error"), "");
	assert_string_equal(latest(db, "detail"), "baris");
	gone(db);
}

static void test_interrupted_jobs_close_queued_stay(void **state)
{
	sqlite3 *db = fresh();
	struct pb_usb_job j;
	int64_t a = 0, b = 0;

	(void)state;
	assert_int_equal(pb_usb_request(db, PB_USB_EXPORT, "admin", 1, &a), PB_USB_QUEUED);
	assert_int_equal(pb_usb_take(db, &j), 0);
	assert_int_equal(pb_usb_interrupted(db, 5), 0);       /* pb-sync started again */
	assert_string_equal(latest(db, "state"), "failed");
	assert_string_equal(latest(db, "error"), "interrupted");
	assert_int_equal(pb_usb_request(db, PB_USB_IMPORT, "admin", 6, &b), PB_USB_QUEUED);
	assert_int_equal(pb_usb_interrupted(db, 7), 0);
	assert_string_equal(latest(db, "state"), "queued");
	assert_int_equal(pb_usb_take(db, &j), 0);
	assert_int_equal(j.id, b);
	assert_int_equal(j.kind, PB_USB_IMPORT);
	gone(db);
}

static void test_a_plain_folder_is_no_stick(void **state)
{
	struct pb_usb_stick st;
	char d[64];

	(void)state;
	snprintf(d, sizeof(d), "%s", "/tmp/pb-test-stick-XXXXXX");
	assert_non_null(mkdtemp(d));
	assert_int_equal(pb_usb_stick(d, &st), 0);
	assert_int_equal(st.present, 0);
	rmdir(d);
	assert_int_equal(pb_usb_stick(d, &st), 0);           /* gone: no stick either */
	assert_int_equal(st.present, 0);
	assert_int_equal(pb_usb_stick("/", &st), 0);         /* a file system's top */
	assert_int_equal(st.present, 1);
	assert_true(st.total_bytes > 0 && st.free_bytes <= st.total_bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_job_at_a_time),
		cmocka_unit_test(test_interrupted_jobs_close_queued_stay),
		cmocka_unit_test(test_a_plain_folder_is_no_stick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
