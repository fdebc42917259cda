/* Requests read without the database (request.h). */
#include "request.h"

#include <jansson.h>
#include <string.h>

enum pb_proto_err hub_enrol_read(const char *body, size_t len, struct hub_enrol_req *q)
{
	json_t *o = json_loadb(body != NULL ? body : "", len, 0, NULL);
	const char *box, *pk, *token, *sig;
	size_t box_n, pk_n, token_n, sig_n;
	char msg[512];
	enum pb_proto_err e = PB_PROTO_MALFORMED;

	if (json_unpack(o, "{s:s%, s:s%, s:s%, s:s%}", "box_id", &box, &box_n, "public_key",
			&pk, &pk_n, "token", &token, &token_n, "signature", &sig, &sig_n) != 0 ||
	    strlen(box) != box_n || strlen(pk) != pk_n || strlen(token) != token_n ||
	    strlen(sig) != sig_n || !pb_hex_valid(box, PB_PROTO_ID_LEN) ||
	    !pb_hex_valid(pk, PB_PROTO_PK_HEX_LEN) || token_n == 0 ||
	    token_n > PB_PROTO_TOKEN_MAX)
		goto out;
	e = PB_PROTO_BAD_SIGNATURE;
	if (pb_proto_enrol_message(box, pk, token, msg, sizeof(msg)) != 0 ||
	    pb_proto_verify(pk, msg, strlen(msg), sig) != 0)
		goto out;
	memcpy(q->box_id, box, box_n + 1);
	memcpy(q->public_key, pk, pk_n + 1);
	memcpy(q->token, token, token_n + 1);
	e = PB_PROTO_OK;
out:
	json_decref(o);
	return e;
}

int hub_path_id_ok(const char *id, size_t max)
{
	return strlen(id) <= max && hub_text_ok(id);
}

int hub_text_ok(const char *s)
{
	json_t *v = json_string(s);
	int ok = v != NULL;

	json_decref(v);
	return ok;
}
