/* pbctl demo DIR: a complete demo box — a centre, staff accounts, and a
 * USB-stick-style folder of sample modules imported the normal way. */
#include "ctl.h"

#include "pb_hash.h"
#include "pb_clock.h"
#include "pb_ids.h"
#include "pb_rates.h"
#include "pb_staff.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEMO_PASSWORD_LEN 12
#define DEMO_VIDEO "video-contoh.mp4"
#define DEMO_CAPTIONS "video-contoh.id.vtt"     /* its Indonesian captions */

struct demo_module {
	const char *id, *title, *kk, *subject, *level, *desc;
	int video;
};

static const struct demo_module demo_modules[] = {
	{ "kk-a-pedagogik-karakteristik", "Karakteristik Peserta Didik", "A",
	  "Pedagogik", "Semua jenjang",
	  "Mengenali karakteristik fisik, moral, sosial, kultural, emosional dan "
	  "intelektual peserta didik.", 1 },
	{ "kk-a-matematika-bilangan", "Bilangan dan Operasinya", "A", "Matematika", "SMP",
	  "Bilangan bulat, pecahan dan operasi hitung dengan contoh soal.", 0 },
	{ "kk-b-matematika-aljabar", "Aljabar dan Persamaan Linear", "B", "Matematika", "SMP",
	  "Bentuk aljabar, persamaan dan pertidaksamaan linear satu variabel.", 1 },
	{ "kk-b-bahasa-indonesia-teks", "Teks Deskripsi dan Narasi", "B",
	  "Bahasa Indonesia", "SMP",
	  "Struktur dan kaidah kebahasaan teks deskripsi dan narasi.", 0 },
	{ "kk-c-ipa-energi", "Energi dalam Sistem Kehidupan", "C", "IPA", "SMP",
	  "Bentuk energi, perubahan energi dan metabolisme.", 0 },
	{ "kk-d-guru-kelas-literasi", "Literasi Membaca di Kelas Awal", "D",
	  "Guru Kelas SD", "SD",
	  "Strategi membaca permulaan dan membaca pemahaman untuk kelas 1-3.", 1 },
	{ "kk-e-penilaian", "Penilaian Proses dan Hasil Belajar", "E", "Pedagogik",
	  "Semua jenjang", "Merancang instrumen penilaian dan mengolah hasilnya.", 0 },
	{ "kk-j-bahasa-inggris-speaking", "Teaching Speaking Skills", "J",
	  "Bahasa Inggris", "SMA",
	  "Activities and assessment for speaking in the English classroom.", 0 },
};

#define NDEMO (sizeof(demo_modules) / sizeof(demo_modules[0]))

static const char *source_path(const char *env, const char *rel, const char *installed,
			       char *buf, size_t len)
{
	struct stat sb;

	if (getenv(env) != NULL)
		return getenv(env);
	if (PB_SOURCE_DIR[0] == '\0')      /* an installed build: no source tree */
		return installed;
	snprintf(buf, len, "%s/%s", PB_SOURCE_DIR, rel);
	if (stat(buf, &sb) == 0)
		return buf;
	return installed;
}

/* A one-page PDF with a title and lines of text (PDF 1.4, Helvetica).
 * Only ASCII reaches the page; other bytes become '?'. */
static int write_pdf(const char *path, const char *title, const char *const lines[], int n)
{
	char content[4096];
	size_t c = 0;
	long off[6];
	FILE *f;
	int y = 780;

#define PUT(...) c += (size_t)snprintf(content + c, sizeof(content) - c, __VA_ARGS__)
	PUT("BT /F1 20 Tf 56 %d Td (", y);
	for (const char *p = title; *p && c < sizeof(content) - 8; p++)
		PUT("%s%c", (*p == '(' || *p == ')' || *p == '\\') ? "\\" : "",
		    (*p & 0x80) ? '?' : *p);
	PUT(") Tj ET\n");
	for (int i = 0; i < n && c < sizeof(content) - 200; i++) {
		y -= (i == 0) ? 40 : 18;
		PUT("BT /F1 11 Tf 56 %d Td (", y);
		for (const char *p = lines[i]; *p && c < sizeof(content) - 8; p++)
			PUT("%s%c", (*p == '(' || *p == ')' || *p == '\\') ? "\\" : "",
			    (*p & 0x80) ? '?' : *p);
		PUT(") Tj ET\n");
	}
#undef PUT
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	fprintf(f, "%%PDF-1.4\n");
	off[1] = ftell(f);
	fprintf(f, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
	off[2] = ftell(f);
	fprintf(f, "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
	off[3] = ftell(f);
	fprintf(f, "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
		"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >> endobj\n");
	off[4] = ftell(f);
	fprintf(f, "4 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj\n");
	off[5] = ftell(f);
	fprintf(f, "5 0 obj << /Length %zu >> stream\n%s\nendstream endobj\n", c + 1, content);
	{
		long xref = ftell(f);
		fprintf(f, "xref\n0 6\n0000000000 65535 f \n");
		for (int i = 1; i <= 5; i++)
			fprintf(f, "%010ld 00000 n \n", off[i]);
		fprintf(f, "trailer << /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", xref);
	}
	return fclose(f) == 0 ? 0 : -1;
}

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

static int copy_file(const char *src, const char *dst)
{
	unsigned char buf[16384];
	FILE *in = fopen(src, "rb"), *out;
	size_t n;
	int rc = 0;

	if (in == NULL)
		return -1;
	out = fopen(dst, "wb");
	if (out == NULL) {
		fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			rc = -1;
	fclose(in);
	if (fclose(out) != 0)
		rc = -1;
	return rc;
}

static json_t *file_entry(const char *usb, const char *rel, const char *name)
{
	char path[PATH_MAX], hex[PB_SHA256_HEX_LEN + 1];

	snprintf(path, sizeof(path), "%s/%s", usb, rel);
	if (pb_sha256_file(path, hex, NULL) != 0)
		return NULL;
	return json_pack("{s:s, s:s, s:s}", "path", rel, "name", name, "sha256", hex);
}

/* The tests and worksheets of a demo module, from demo/belajar-ID.json
 * when there is one: merged into its manifest entry. 0/-1. */
static int demo_learning(json_t *mod, const char *demo_src, const char *id)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *doc;
	int rc;

	snprintf(path, sizeof(path), "%s/belajar-%s.json", demo_src, id);
	if (access(path, F_OK) != 0)
		return 0;
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fprintf(stderr, "pbctl: %s: line %d: %s\n", path, jerr.line, jerr.text);
		return -1;
	}
	rc = json_object_update(mod, doc);
	json_decref(doc);
	return rc;
}

/* Write the sample content and its manifest into usb/. */
static int make_usb(const char *usb, const char *demo_src)
{
	char path[PATH_MAX], rel[PATH_MAX], name[PATH_MAX], video[PATH_MAX], captions[PATH_MAX];
	json_t *mods = json_array(), *root;
	int rc = -1;

	if (mkdir(usb, 0755) != 0 && errno != EEXIST)
		goto out;
	snprintf(video, sizeof(video), "%s/%s", demo_src, DEMO_VIDEO);
	snprintf(path, sizeof(path), "%s/%s", usb, DEMO_VIDEO);
	if (copy_file(video, path) != 0) {
		fprintf(stderr, "pbctl: cannot copy the demo video %s\n", video);
		goto out;
	}
	snprintf(captions, sizeof(captions), "%s/%s", demo_src, DEMO_CAPTIONS);
	snprintf(path, sizeof(path), "%s/%s", usb, DEMO_CAPTIONS);
	if (copy_file(captions, path) != 0) {
		fprintf(stderr, "pbctl: cannot copy the demo captions %s\n", captions);
		goto out;
	}
	for (size_t i = 0; i < NDEMO; i++) {
		const struct demo_module *d = &demo_modules[i];
		const char *lines[] = {
			d->desc,
			"Modul contoh untuk kotak demo Pusat Belajar.",
			"Kegiatan belajar 1: baca uraian materi, lalu kerjakan latihan.",
			"Kegiatan belajar 2: diskusikan hasilnya dengan fasilitator.",
		};
		char worksheet[1024];
		json_t *files = json_array(), *fe, *mod;

		snprintf(rel, sizeof(rel), "%s.pdf", d->id);
		snprintf(path, sizeof(path), "%s/%s", usb, rel);
		snprintf(name, sizeof(name), "Modul %s - %s.pdf", d->kk, d->title);
		if (write_pdf(path, d->title, lines, 4) != 0 ||
		    (fe = file_entry(usb, rel, name)) == NULL)
			goto out;
		json_array_append_new(files, fe);

		snprintf(rel, sizeof(rel), "%s-lembar-kerja.txt", d->id);
		snprintf(path, sizeof(path), "%s/%s", usb, rel);
		snprintf(worksheet, sizeof(worksheet),
			 "LEMBAR KERJA — %s\n\nKelompok Kompetensi %s, %s (%s)\n\n"
			 "1. Tuliskan tiga hal penting dari modul ini.\n"
			 "2. Rancang satu kegiatan kelas yang memakai materi ini.\n"
			 "3. Bagaimana Anda menilai keberhasilan kegiatan itu?\n",
			 d->title, d->kk, d->subject, d->level);
		snprintf(name, sizeof(name), "Lembar Kerja - %s.txt", d->title);
		if (write_text(path, worksheet) != 0 || (fe = file_entry(usb, rel, name)) == NULL)
			goto out;
		json_array_append_new(files, fe);

		if (d->video) {
			snprintf(name, sizeof(name), "Video - %s.mp4", d->title);
			if ((fe = file_entry(usb, DEMO_VIDEO, name)) == NULL)
				goto out;
			json_array_append_new(files, fe);
			/* named like the video plus ".id": the module page pairs them */
			snprintf(name, sizeof(name), "Video - %s.id.vtt", d->title);
			if ((fe = file_entry(usb, DEMO_CAPTIONS, name)) == NULL)
				goto out;
			json_array_append_new(files, fe);
		}
		mod = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}",
			"id", d->id, "title", d->title, "kk", d->kk, "subject", d->subject,
			"level", d->level, "description", d->desc, "files", files);
		if (mod == NULL || demo_learning(mod, demo_src, d->id) != 0) {
			json_decref(mod);
			goto out;
		}
		json_array_append_new(mods, mod);
	}
	root = json_pack("{s:i, s:O}", "format", 1, "modules", mods);
	snprintf(path, sizeof(path), "%s/manifest.json", usb);
	rc = json_dump_file(root, path, JSON_INDENT(2)) == 0 ? 0 : -1;
	json_decref(root);
out:
	json_decref(mods);
	return rc;
}

static int write_config(const char *dir, const char *conf)
{
	char webbuf[PATH_MAX];
	const char *webapp = source_path("PB_WEBAPP_DIR", "webapp",
					 "/usr/share/pusat-belajar/webapp", webbuf, sizeof(webbuf));
	struct stat sb;
	FILE *f;

	(void)dir;
	if (stat(conf, &sb) == 0)
		return 0;                 /* keep an operator's edits */
	f = fopen(conf, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "# Demo box made by pbctl demo. Every key: docs/configuration.md\n"
		"[box]\ncentre_id = PB-DEMO-001\n"
		"centre_name = Pusat Belajar Demo — SMP Negeri 1 Contoh\n"
		"data_dir = data\nlanguage = id\n\n"
		"[web]\nlisten = 127.0.0.1:8080\nwebapp_dir = %s\n\n"
		"[claims]\nprovince = Jawa Timur\n", webapp);
	return fclose(f) == 0 ? 0 : -1;
}

/* Example rates (not official figures) for this year, so the claims pages
 * work in the demo; only when the box has no rate table yet. */
static int demo_rates(struct pb_ctl *c)
{
	char csv[1024];
	time_t now = (time_t)(pb_clock_wall_ms() / 1000);
	struct tm tm;
	json_t *rep = NULL;
	int version = 0, year, n;
	enum pb_rates_result rr;

	if (pb_rates_version(c->db) != 0)
		return 0;
	localtime_r(&now, &tm);
	year = tm.tm_year + 1900;
	n = snprintf(csv, sizeof(csv), "tahun,provinsi,item,asal,jumlah\n"
		     "%d,Jawa Timur,uang_harian,,150000\n%d,Jawa Timur,uang_makan,,50000\n"
		     "%d,Jawa Timur,penginapan,,400000\n%d,Jawa Timur,transport,Kota Malang,100000\n"
		     "%d,Jawa Timur,transport,Kabupaten Malang,150000\n"
		     "%d,Jawa Timur,transport,Kota Batu,120000\n", year, year, year, year, year, year);
	rr = pb_rates_import(c->db, csv, (size_t)n, "demo", "pbctl", "", &version, &rep);
	json_decref(rep);
	if (rr != PB_RATES_OK) {
		fprintf(stderr, "pbctl: demo rates: %s\n", pb_rates_strerror(rr));
		return -1;
	}
	printf("== tarif contoh (bukan SBM resmi) / example rates: versi %d\n", version);
	return 0;
}

/* Create the account, or give it a fresh password if it exists. */
static int demo_account(struct pb_ctl *c, const char *name, const char *role,
			const char *kind, char *pw)
{
	enum pb_staff_result r;

	pb_password_generate(pw, DEMO_PASSWORD_LEN);
	r = pb_staff_add(c->db, name, role, kind, pw);
	if (r == PB_STAFF_EXISTS)
		r = pb_staff_passwd(c->db, name, pw);
	if (r != PB_STAFF_OK) {
		fprintf(stderr, "pbctl: demo account %s: %s\n", name, pb_staff_strerror(r));
		return -1;
	}
	return 0;
}

int cmd_demo(struct pb_ctl *c, int argc, char **argv)
{
	char conf[PATH_MAX], usb[PATH_MAX], srcbuf[PATH_MAX];
	char fpw[DEMO_PASSWORD_LEN + 1], apw[DEMO_PASSWORD_LEN + 1];
	const char *demo_src;

	if (argc != 2) {
		fprintf(stderr, "usage: pbctl demo DIR\n");
		return 2;
	}
	demo_src = source_path("PB_DEMO_DIR", "firmware/ctl/demo",
			       "/usr/share/pusat-belajar/demo", srcbuf, sizeof(srcbuf));
	if (mkdir(argv[1], 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "pbctl: cannot create %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	snprintf(conf, sizeof(conf), "%s/box.conf", argv[1]);
	snprintf(usb, sizeof(usb), "%s/usb", argv[1]);
	if (write_config(argv[1], conf) != 0) {
		fprintf(stderr, "pbctl: cannot write %s\n", conf);
		return 1;
	}
	if (make_usb(usb, demo_src) != 0) {
		fprintf(stderr, "pbctl: cannot write the demo modules into %s\n", usb);
		return 1;
	}
	c->config_path = conf;
	if (ctl_open(c) != 0)
		return 1;
	printf("== modul contoh / sample modules\n");
	if (ctl_content_import(c, usb, stdout) != 0)
		return 1;
	if (demo_account(c, "fasilitator", "fasilitator", "instruktur", fpw) != 0 ||
	    demo_account(c, "admin", "admin", "", apw) != 0 || demo_rates(c) != 0)
		return 1;
	printf("== daftar hadir / attendance\n");
	if (ctl_demo_attendance(c) != 0)
		return 1;
	printf("\n== Kotak demo siap / demo box ready\n"
	       "   konfigurasi:  %s\n"
	       "   alamat:       http://%s:%u/\n"
	       "   fasilitator:  nama fasilitator  kata sandi %s\n"
	       "   admin:        nama admin        kata sandi %s\n"
	       "   daftar hadir: http://%s:%u/presensi.html, fasilitator: /petugas.html\n"
	       "   klaim:        http://%s:%u/klaim.html, persetujuan: /klaim-petugas.html\n",
	       conf, c->cfg.listen_host, c->cfg.listen_port, fpw, apw,
	       c->cfg.listen_host, c->cfg.listen_port, c->cfg.listen_host, c->cfg.listen_port);
	return 0;
}
