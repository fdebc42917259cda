/* Unit tests: release manifests and their signature (pb_release), and the
 * A/B root choice in the boot files (pb_slot). */
#include <errno.h>
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

#include "pb_release.h"
#include "pb_slot.h"
#include "pb_slot_kernel.h"

static void test_versions(void **state)
{
	(void)state;
	assert_true(pb_release_version_valid("1"));
	assert_true(pb_release_version_valid("1.4.0"));
	assert_true(pb_release_version_valid("10.0.0.7"));
	assert_false(pb_release_version_valid(""));
	assert_false(pb_release_version_valid("1..2"));
	assert_false(pb_release_version_valid("1.2."));
	assert_false(pb_release_version_valid("1.2.3.4.5"));
	assert_false(pb_release_version_valid("1.2-rc1"));
	assert_false(pb_release_version_valid("1.0000000000"));
	assert_true(pb_release_version_cmp("1.10.0", "1.9.9") > 0);
	assert_true(pb_release_version_cmp("0.1.0", "0.1") == 0);
	assert_true(pb_release_version_cmp("0.1.0", "0.1.1") < 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(pb_release_name_valid("pusat-belajar_1.2.0_arm64.deb"));
	assert_true(pb_release_name_valid("libfoo+bar~1_all.deb"));
	assert_false(pb_release_name_valid("../evil.deb"));
	assert_false(pb_release_name_valid("a/b.deb"));
	assert_false(pb_release_name_valid(".hidden.deb"));
	assert_false(pb_release_name_valid("-rf.deb"));
	assert_false(pb_release_name_valid("x.tar"));
	assert_false(pb_release_name_valid(".deb"));
}

static json_t *signed_doc(const unsigned char *sk, const char *manifest)
{
	char sig[PB_PROTO_SIG_HEX_LEN + 1];

	pb_proto_sign(sk, manifest, strlen(manifest), sig);
	return json_pack("{ss ss}", "manifest", manifest, "signature", sig);
}

static void test_signed_manifest(void **state)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char pk2[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	char pkhex[PB_PROTO_PK_HEX_LEN + 1], err[PB_RELEASE_ERR_LEN], *text, *bad;
	static struct pb_release r, back;
	json_t *doc;

	(void)state;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(pk2, sk2);
	pb_proto_public_hex(sk, pkhex);
	memset(&r, 0, sizeof(r));
	snprintf(r.version, sizeof(r.version), "1.2.0");
	snprintf(r.notes, sizeof(r.notes), "Perbaikan");
	r.ndebs = 1;
	snprintf(r.debs[0].name, sizeof(r.debs[0].name), "pusat-belajar_1.2.0_arm64.deb");
	memset(r.debs[0].sha256, 'a', PB_SHA256_HEX_LEN);
	r.debs[0].size = 1234;
	text = pb_release_manifest(&r);
	assert_non_null(text);

	doc = signed_doc(sk, text);
	assert_int_equal(pb_release_open(doc, pkhex, &back, err, sizeof(err)), 0);
	assert_string_equal(back.version, "1.2.0");
	assert_int_equal(back.ndebs, 1);
	assert_int_equal(back.debs[0].size, 1234);
	json_decref(doc);

	/* signed by another key */
	doc = signed_doc(sk2, text);
	assert_int_equal(pb_release_open(doc, pkhex, &back, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "signature"));
	json_decref(doc);

	/* the manifest changed after signing: a bigger size */
	doc = signed_doc(sk, text);
	bad = strdup(text);
	memcpy(strstr(bad, "1234"), "9234", 4);
	json_object_set_new(doc, "manifest", json_string(bad));
	assert_int_equal(pb_release_open(doc, pkhex, &back, err, sizeof(err)), -1);
	json_decref(doc);
	free(bad);

	/* no trusted key at all */
	doc = signed_doc(sk, text);
	assert_int_equal(pb_release_open(doc, "", &back, err, sizeof(err)), -1);
	json_decref(doc);
	free(text);

	/* well signed but unsafe: a path in a name */
	snprintf(r.debs[0].name, sizeof(r.debs[0].name), "../../etc/x.deb");
	text = pb_release_manifest(&r);
	doc = signed_doc(sk, text);
	assert_int_equal(pb_release_open(doc, pkhex, &back, err, sizeof(err)), -1);
	json_decref(doc);
	free(text);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *dir, const char *name)
{
	static char buf[4096];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_slots(void **state)
{
	char dir[] = "/tmp/pb-slot-XXXXXX";
	enum pb_slot c, t;

	(void)state;
	assert_int_equal(pb_slot_of_cmdline("console=tty1 root=LABEL=PBROOTB ro"), PB_SLOT_B);
	assert_int_equal(pb_slot_of_cmdline("root=LABEL=PBROOTA\n"), PB_SLOT_A);
	assert_int_equal(pb_slot_of_cmdline("xroot=LABEL=PBROOTA"), PB_SLOT_NONE);
	assert_int_equal(pb_slot_of_cmdline("root=LABEL=PBROOTAA"), PB_SLOT_NONE);
	assert_int_equal(pb_slot_of_cmdline("root=/dev/sda2"), PB_SLOT_NONE);

	assert_non_null(mkdtemp(dir));
	put(dir, "cmdline.txt", "console=serial0 root=LABEL=PBROOT ro rootwait\n");
	assert_int_equal(pb_slot_read(dir, &c, &t), -1);      /* no pb-slot.txt yet */
	assert_int_equal(pb_slot_prepare(dir), 0);
	assert_string_equal(get(dir, "cmdline-a.txt"),
			    "console=serial0 root=LABEL=PBROOTA ro rootwait\n");
	assert_string_equal(get(dir, "cmdline-b.txt"),
			    "console=serial0 root=LABEL=PBROOTB ro rootwait\n");
	assert_int_equal(pb_slot_write(dir, PB_SLOT_A, PB_SLOT_B), 0);
	assert_int_equal(pb_slot_read(dir, &c, &t), 0);
	assert_int_equal(c, PB_SLOT_A);
	assert_int_equal(t, PB_SLOT_B);
	assert_non_null(strstr(get(dir, "cmdline.txt"), "PBROOTA"));
	assert_int_equal(pb_slot_write(dir, PB_SLOT_B, PB_SLOT_NONE), 0);
	assert_int_equal(pb_slot_read(dir, &c, &t), 0);
	assert_int_equal(c, PB_SLOT_B);
	assert_int_equal(t, PB_SLOT_NONE);
	/* the fallback follows the committed root */
	assert_non_null(strstr(get(dir, "cmdline.txt"), "PBROOTB"));
	assert_null(strstr(get(dir, PB_SLOT_FILE), "[tryboot]"));
	for (const char *n = "cmdline.txt"; n != NULL;
	     n = strcmp(n, "cmdline.txt") == 0 ? "cmdline-a.txt" :
		 strcmp(n, "cmdline-a.txt") == 0 ? "cmdline-b.txt" :
		 strcmp(n, "cmdline-b.txt") == 0 ? PB_SLOT_FILE : NULL) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, n);
		unlink(path);
	}
	rmdir(dir);
}

/* The kernel a root boots with: the one its /vmlinuz link names, else its
 * newest; pb-slot.txt names a slot's folder only while it holds its kernel. */
static void test_slot_kernels(void **state)
{
	char dir[] = "/tmp/pb-slot-kernel-XXXXXX", sub[600], ver[PB_SLOT_VERSION_MAX];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pb_slot_root_kernel(dir, ver, sizeof(ver)), 0);   /* no /boot */
	snprintf(sub, sizeof(sub), "%s/boot", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(pb_slot_root_kernel(dir, ver, sizeof(ver)), 0);   /* no kernel */
	put(sub, "vmlinuz-6.1.0-9-arm64", "k9");
	put(sub, "vmlinuz-6.1.0-10-arm64", "k10");
	put(sub, "vmlinuz-6.1.0-11-arm64.dpkg-tmp", "half");
	assert_int_equal(pb_slot_root_kernel(dir, ver, sizeof(ver)), 1);
	assert_string_equal(ver, "6.1.0-10-arm64");                        /* the newest */
	snprintf(sub, sizeof(sub), "%s/vmlinuz", dir);
	assert_int_equal(symlink("boot/vmlinuz-6.1.0-9-arm64", sub), 0);
	assert_int_equal(pb_slot_root_kernel(dir, ver, sizeof(ver)), 1);
	assert_string_equal(ver, "6.1.0-9-arm64");                         /* the linked */
	assert_int_equal(pb_slot_root_kernel(dir, ver, 4), -1);             /* too long */

	/* the boot partition: a folder only while it holds its kernel */
	put(dir, "cmdline.txt", "console=serial0 root=LABEL=PBROOTA ro\n");
	assert_int_equal(pb_slot_prepare(dir), 0);
	assert_int_equal(pb_slot_write(dir, PB_SLOT_A, PB_SLOT_B), 0);
	assert_string_equal(get(dir, PB_SLOT_FILE),
			    "# The root the Pi firmware boots (pbctl update; docs/updates.md).\n"
			    "[all]\ncmdline=cmdline-a.txt\n"
			    "# one boot of the updated root, by reboot '0 tryboot'\n"
			    "[tryboot]\ncmdline=cmdline-b.txt\n[all]\n");
	snprintf(sub, sizeof(sub), "%s/slot-b", dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(pb_slot_has_kernel(dir, PB_SLOT_B), 0);
	put(sub, PB_SLOT_KERNEL, "k");
	assert_int_equal(pb_slot_has_kernel(dir, PB_SLOT_B), 1);
	assert_int_equal(pb_slot_write(dir, PB_SLOT_A, PB_SLOT_B), 0);
	assert_non_null(strstr(get(dir, PB_SLOT_FILE),
			       "[tryboot]\nos_prefix=slot-b/\nkernel=vmlinuz\n"
			       "initramfs initrd.img followkernel\ncmdline=cmdline-b.txt\n[all]\n"));
	assert_int_equal(pb_slot_write(dir, PB_SLOT_B, PB_SLOT_NONE), 0);
	assert_string_equal(get(dir, PB_SLOT_FILE),
			    "# The root the Pi firmware boots (pbctl update; docs/updates.md).\n"
			    "[all]\nos_prefix=slot-b/\nkernel=vmlinuz\n"
			    "initramfs initrd.img followkernel\ncmdline=cmdline-b.txt\n");
	/* a trial without a kernel of its own after a folder: refused, unchanged */
	errno = 0;
	assert_int_equal(pb_slot_write(dir, PB_SLOT_B, PB_SLOT_A), -1);
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(get(dir, PB_SLOT_FILE), "[all]\nos_prefix=slot-b/"));
	assert_null(strstr(get(dir, PB_SLOT_FILE), "[tryboot]"));
	snprintf(sub, sizeof(sub), "rm -rf '%s'", dir);
	assert_int_equal(system(sub), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_signed_manifest),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_slot_kernels),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
