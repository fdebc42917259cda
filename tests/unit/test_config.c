/* Unit tests: the configuration file (pb_config). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pb_config.h"

static char path[64];

static int load(const char *text, struct pb_config *cfg)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/pbconf-XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return pb_config_load(cfg, path);
}

static void has_error(const struct pb_config *cfg, const char *needle)
{
	for (int i = 0; i < cfg->nerrors; i++)
		if (strstr(cfg->errors[i], needle) != NULL)
			return;
	fail_msg("no error mentions '%s' (%d errors)", needle, cfg->nerrors);
}

static void test_defaults(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	assert_int_equal(load("", cfg), 0);
	assert_string_equal(cfg->listen_host, "0.0.0.0");
	assert_int_equal(cfg->listen_port, 80);
	assert_string_equal(cfg->data_dir, "/var/lib/pb");
	assert_int_equal(cfg->max_connections_per_ip, 64);
	assert_string_equal(cfg->language, "id");
	unlink(path);
	free(cfg);
}

static void test_values_and_relative_paths(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	assert_int_equal(load("[box]\ndata_dir = data\ncentre_name = PB Contoh\n"
			      "[web]\nlisten = [::1]:8080\nthreads = 2\n", cfg), 0);
	assert_string_equal(cfg->data_dir, "/tmp/data");
	assert_string_equal(cfg->listen_host, "::1");
	assert_int_equal(cfg->listen_port, 8080);
	assert_int_equal(cfg->threads, 2);
	assert_string_equal(cfg->centre_name, "PB Contoh");
	unlink(path);
	free(cfg);
}

static void test_errors_name_lines(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	char want[160];
	(void)state;
	assert_int_equal(load("[box]\nlanguage = fr\n[web]\nthreads = 65\nbogus = 1\n"
			      "listen = nowhere\n[nosuch]\nx = 1\n", cfg), -1);
	assert_int_equal(cfg->nerrors, 5);
	snprintf(want, sizeof(want), "%s:2: [box] language", path);
	has_error(cfg, want);
	snprintf(want, sizeof(want), "%s:4: [web] threads = '65': out of range (0 to 64)", path);
	has_error(cfg, want);
	snprintf(want, sizeof(want), "%s:5: unknown key 'bogus'", path);
	has_error(cfg, want);
	snprintf(want, sizeof(want), "%s:6:", path);
	has_error(cfg, want);
	snprintf(want, sizeof(want), "%s:8: unknown key 'x' in [nosuch]", path);
	has_error(cfg, want);
	unlink(path);
	free(cfg);
}

static void test_syntax_and_missing(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	assert_int_equal(load("[box]\nthis line has no equals sign\n", cfg), -1);
	has_error(cfg, ":2: syntax error");
	unlink(path);
	assert_int_equal(pb_config_load(cfg, "/nonexistent/box.conf"), -1);
	has_error(cfg, "cannot open");
	free(cfg);
}

static void test_listen_parse(void **state)
{
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	assert_int_equal(pb_config_set_listen(cfg, "127.0.0.1:8080"), 0);
	assert_int_equal(cfg->listen_port, 8080);
	assert_int_equal(pb_config_set_listen(cfg, "127.0.0.1:70000"), -1);
	assert_int_equal(pb_config_set_listen(cfg, "127.0.0.1"), -1);
	assert_int_equal(pb_config_set_listen(cfg, ":80"), -1);
	assert_int_equal(pb_config_set_listen(cfg, "1.2.3.4:"), -1);
	/* found by tests/fuzz/fuzz_config.c: port 0 and a host that is no address */
	assert_int_equal(pb_config_set_listen(cfg, "127.0.0.1:0"), -1);
	assert_int_equal(pb_config_set_listen(cfg, "$[:0"), -1);
	assert_int_equal(pb_config_set_listen(cfg, "nowhere:80"), -1);
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values_and_relative_paths),
		cmocka_unit_test(test_errors_name_lines),
		cmocka_unit_test(test_syntax_and_missing),
		cmocka_unit_test(test_listen_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
