/* libcurl loaded when first called, for pbctl.
 *
 * Linked at start, libcurl brings some thirty more shared libraries (TLS,
 * Kerberos, LDAP, SSH, ...) that the loader maps and relocates at every
 * start: that was most of the processor time of a pbctl start. Yet only a
 * few pbctl verbs (enrol, sync, update's health check) talk HTTP. pbctl is
 * therefore linked without libcurl and with this file (the daemons link
 * libcurl as usual); the libcurl functions it and libpb.a call are
 * defined here and call the real ones, looked up in libcurl (the same
 * library, by its soname) on the first call. A libcurl function used in
 * pbctl and not listed here fails its link (it is linked without -lcurl):
 * add it here. When libcurl cannot be loaded, the calls fail the way
 * libcurl's own do when out of memory, and the reason is logged once. */
#define CURL_DISABLE_TYPECHECK  /* the definitions below have libcurl's names */
#include <curl/curl.h>

#include "pb_log.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

/* The soname of the libcurl these programs are built against (libcurl4-openssl-dev). */
#define CURL_SONAME "libcurl.so.4"

static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_reset)(CURL *);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
} fn;

/* Each field is named after its function, curl_ left off. */
#define ENTRY(f) { "curl_" #f, offsetof(__typeof__(fn), f) }
static const struct {
	const char *name;
	size_t off;
} names[] = {
	ENTRY(global_init), ENTRY(global_cleanup), ENTRY(easy_init), ENTRY(easy_setopt),
	ENTRY(easy_perform), ENTRY(easy_getinfo), ENTRY(easy_reset), ENTRY(easy_cleanup),
	ENTRY(easy_strerror), ENTRY(slist_append), ENTRY(slist_free_all), ENTRY(easy_escape),
	ENTRY(free),
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;              /* 1 once every function above is found */

static void load(void)
{
	void *lib = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL) {
		pb_log(LOG_ERR, "cannot load %s: %s", CURL_SONAME, dlerror());
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *sym = dlsym(lib, names[i].name);

		if (sym == NULL) {
			pb_log(LOG_ERR, "%s has no %s", CURL_SONAME, names[i].name);
			return;         /* the library stays loaded: exit unloads it */
		}
		/* POSIX: a function's address fits a void * (dlsym) */
		*(void **)((char *)&fn + names[i].off) = sym;
	}
	loaded = 1;
}

static int ready(void)
{
	return pthread_once(&load_once, load) == 0 && loaded;
}

CURLcode curl_global_init(long flags)
{
	return ready() ? fn.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
	if (ready())
		fn.global_cleanup();
}

CURL *curl_easy_init(void)
{
	return ready() ? fn.easy_init() : NULL;
}

/* The one argument is read as libcurl reads it: its type follows from the
 * option's number (CURLOPTTYPE_*, curl/curl.h). */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	CURLcode rc = CURLE_FAILED_INIT;
	va_list ap;

	if (!ready())
		return rc;
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(h, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		rc = fn.easy_setopt(h, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = fn.easy_setopt(h, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(h, option, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(h, option, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
	return ready() ? fn.easy_perform(h) : CURLE_FAILED_INIT;
}

/* Every CURLINFO_* takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	void *answer;

	va_start(ap, info);
	answer = va_arg(ap, void *);
	va_end(ap);
	return ready() ? fn.easy_getinfo(h, info, answer) : CURLE_FAILED_INIT;
}

void curl_easy_reset(CURL *h)
{
	if (ready())
		fn.easy_reset(h);
}

void curl_easy_cleanup(CURL *h)
{
	if (ready())
		fn.easy_cleanup(h);
}

const char *curl_easy_strerror(CURLcode code)
{
	return ready() ? fn.easy_strerror(code) : "libcurl cannot be loaded";
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	return ready() ? fn.slist_append(list, s) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (ready())
		fn.slist_free_all(list);
}

char *curl_easy_escape(CURL *h, const char *s, int len)
{
	return ready() ? fn.easy_escape(h, s, len) : NULL;
}

void curl_free(void *p)
{
	if (ready())
		fn.free(p);
}
