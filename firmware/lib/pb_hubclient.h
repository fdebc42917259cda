/* pb_hubclient: the box's HTTP client for the hub (libcurl): TLS with the
 * pinned CA, signed requests, enrolment. Used by pb-sync and pbctl.
 * docs/sync-protocol.md is the protocol. */
#ifndef PB_HUBCLIENT_H
#define PB_HUBCLIENT_H

#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pb_config.h"
#include "pb_proto.h"

#define PB_HUBC_CONNECT_TIMEOUT_S 10
#define PB_HUBC_LOW_SPEED_BPS     16     /* slower than this … */
#define PB_HUBC_LOW_SPEED_S       60     /* … for this long: give up */
#define PB_HUBC_ANSWER_MAX        (8 * 1024 * 1024)
#define PB_HUBC_ERR_LEN           256
#define PB_HUBC_URL_MAX           1024
#define PB_HUBC_RETRY_AFTER_MAX_S 900    /* a longer Retry-After is cut to this */
#define PB_SYNC_USER              "pb-sync"  /* owns the key on a box */

struct pb_hubc {
	char base[PB_CONFIG_STR_LEN];
	char ca_file[PATH_MAX];
	char pinned_key[PB_CONFIG_STR_LEN];
	int test_mode;
	char box_id[PB_PROTO_ID_LEN + 1];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	CURL *curl;
	volatile sig_atomic_t *stop;   /* set: transfers abort */
	void (*tick)(void *arg);       /* called while a transfer runs (watchdog) */
	void *tick_arg;
	unsigned rto_max_ms;           /* [sync] rto_max_ms */
	unsigned probe_timeout_s;      /* [sync] probe_timeout_s */
	/* the last request, for the log: ms to connected, to the first answer
	 * byte, in all; TCP retransmissions on its connection so far (0 when
	 * the connection is gone) */
	long t_connect_ms, t_first_ms, t_total_ms;
	unsigned retrans;
	long status;                   /* HTTP status of the last request */
	unsigned retry_after_s;        /* its Retry-After in seconds, 0: none */
	char err[PB_HUBC_ERR_LEN];     /* plain words when a request failed */
	char why[CURL_ERROR_SIZE];     /* libcurl's own words for it */
	char hub_key[PB_PROTO_PK_HEX_LEN + 1];  /* the hub's signing key from its
					 * enrolment answer, "" when it has none */
	uint64_t bytes_up, bytes_down; /* running totals, bodies and HTTP headers */
	uint64_t last_up;              /* what the last request sent, the same way */
	uint64_t hdr_up, hdr_down;     /* header bytes of the request under way */
};

/* Set up from the config; the key is loaded (or made) at keypath.
 * Returns 0, or -1 with c->err set. */
int pb_hubc_init(struct pb_hubc *c, const struct pb_config *cfg, const char *box_id,
		 const char *keypath);
void pb_hubc_free(struct pb_hubc *c);

/* Path of the key file inside data_dir. */
int pb_hubc_key_path(const struct pb_config *cfg, char *out, size_t len);

/* GET /healthz within probe_timeout_s. 0 reachable, -1 not. */
int pb_hubc_probe(struct pb_hubc *c);

/* POST a JSON or batch body; the answer (JSON, any status) in *answer.
 * Returns the HTTP status, or -1 when no answer came (c->err says why). */
long pb_hubc_post(struct pb_hubc *c, const char *path, const char *ctype,
		  const void *body, size_t len, const char *sig, json_t **answer);

/* Signed GET of a JSON document. etag_in may be NULL; a 304 leaves
 * *answer NULL. Returns the HTTP status or -1. */
long pb_hubc_get_json(struct pb_hubc *c, const char *path, const char *query,
		      const char *etag_in, json_t **answer);

/* Signed GET of a file, appended to fd from offset, at most max_bytes
 * (0: to the end). Returns the HTTP status or -1; *got is what arrived,
 * even when the transfer broke. */
long pb_hubc_get_file(struct pb_hubc *c, const char *path, int fd, uint64_t offset,
		      uint64_t max_bytes, uint64_t *got);

/* Enrol with a one-time token. 0 enrolled (centre_out set, and c->hub_key
 * when the hub signs acknowledgements, §10), -1 with
 * c->err (and *refused = 1 when the hub said no, 0 when it was not reached). */
int pb_hubc_enrol(struct pb_hubc *c, const char *token, char *centre_out, size_t clen,
		  int *refused);

/* The error message of a hub JSON answer, in plain words. */
void pb_hubc_answer_error(struct pb_hubc *c, long status, json_t *answer);

#endif
