/* pb-web private header: the HTTP server on the hotspot. */
#ifndef PB_WEB_H
#define PB_WEB_H

#include <jansson.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "pb_config.h"
#include "pb_store.h"

#define PB_WEB_MAX_PARAMS    4       /* '*' segments captured from a route */
#define PB_WEB_SEGMENT_MAX   256     /* bytes of one captured segment */
#define PB_WEB_STATIC_MAX    (1024 * 1024)  /* web app files served from memory */
#define PB_WEB_GZIP_MIN      1024    /* smaller bodies are sent as they are */
#define PB_WEB_PORTAL_PAGE_MAX 160   /* path of the captive portal page */
/* Connections accepted beyond [web] max_connections, only to answer 503;
 * past this the kernel's listen queue holds them. */
#define PB_WEB_CONN_HEADROOM 64

struct pb_web {
	struct pb_config cfg;
	char db_path[PATH_MAX];
	struct pb_store store;
	struct MHD_Daemon *mhd;
	pthread_key_t db_key;            /* one SQLite handle per server thread */
	int64_t started_ms;
	long open_connections;           /* updated atomically */
	char portal_page[PB_WEB_PORTAL_PAGE_MAX]; /* where the portal sends phones */
};

/* One request, from the first callback to completion. */
struct pb_req {
	struct pb_web *web;
	struct MHD_Connection *conn;
	const struct pb_route *route;
	const char *method;
	const char *url;
	char client[64];                 /* client address as text */
	int is_head;
	char params[PB_WEB_MAX_PARAMS][PB_WEB_SEGMENT_MAX];
	int nparams;
	char *body;                      /* request body, NUL-terminated */
	size_t body_len;
	int body_too_big;
};

typedef enum MHD_Result (*pb_handler)(struct pb_req *r);

enum pb_route_flags {
	ROUTE_BODY = 1 << 0,             /* takes a request body */
	ROUTE_PREFIX = 1 << 1,           /* pattern matches any path below it */
};

struct pb_route {
	const char *method;              /* "GET" also answers HEAD */
	const char *pattern;             /* '*' matches one path segment */
	pb_handler fn;
	unsigned flags;
};

/* routes.c */
extern const struct pb_route pb_routes[];
const struct pb_route *pb_route_find(const char *method, const char *url,
				     struct pb_req *r, int *path_matched);

/* server.c */
int pb_server_start(struct pb_web *w);
void pb_server_stop(struct pb_web *w);
sqlite3 *pb_web_db(struct pb_web *w);    /* this thread's handle, or NULL */

/* respond.c */
enum MHD_Result pb_queue(struct pb_req *r, unsigned status, struct MHD_Response *resp);
enum MHD_Result pb_respond_json(struct pb_req *r, unsigned status, json_t *body);
enum MHD_Result pb_respond_error(struct pb_req *r, unsigned status, const char *code,
				 const char *message);
enum MHD_Result pb_respond_buffer(struct pb_req *r, unsigned status, const char *mime,
				  void *data, size_t len, int free_it);
struct MHD_Response *pb_buffer_response(struct pb_req *r, const char *mime,
					void *data, size_t len, int free_it);
enum MHD_Result pb_respond_busy(struct pb_req *r);
enum MHD_Result pb_respond_page_error(struct pb_req *r, unsigned status,
				      const char *title, const char *text);
void pb_add_security_headers(struct MHD_Response *resp);
int pb_accepts_gzip(struct pb_req *r);
void *pb_gzip(const void *in, size_t len, size_t *out_len);   /* malloc'd or NULL */
const char *pb_header(struct pb_req *r, const char *name);
const char *pb_query(struct pb_req *r, const char *name);
int pb_etag_matches(const char *if_none_match, const char *etag);

/* handlers */
enum MHD_Result pb_handle_health(struct pb_req *r);
enum MHD_Result pb_handle_modules(struct pb_req *r);
void pb_modules_cache_free(void);
enum MHD_Result pb_handle_module(struct pb_req *r);
enum MHD_Result pb_handle_file(struct pb_req *r);
enum MHD_Result pb_handle_static(struct pb_req *r);

/* portal.c: the captive portal. The hook runs before routing: requests
 * for a Host that is not the box are answered by pb_portal_answer. */
void pb_portal_setup(struct pb_web *w);      /* provisioned Wi-Fi, setup page */
int pb_portal_foreign_host(struct pb_req *r);
enum MHD_Result pb_portal_answer(struct pb_req *r);
enum MHD_Result pb_handle_captive_api(struct pb_req *r);
enum MHD_Result pb_handle_portal_info(struct pb_req *r);
enum MHD_Result pb_handle_portal_accept(struct pb_req *r);
enum MHD_Result pb_handle_portal_page(struct pb_req *r);
/* admin_wifi.c */
enum MHD_Result pb_handle_admin_wifi(struct pb_req *r);
enum MHD_Result pb_handle_admin_wifi_poster(struct pb_req *r);

#endif
