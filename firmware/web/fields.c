/* Request bodies checked against field tables (pb_fields.h), and the
 * answer for the first field that fails. */
#include "web.h"

enum MHD_Result pb_respond_field(struct pb_req *r, const struct pb_field_error *e)
{
	if (e->field == NULL)
		return pb_respond_error(r, e->status, e->code, e->message);
	return pb_respond_json_with(r, e->status, json_pack("{s:s, s:s, s:s, s:s}",
		"error", e->code, "field", e->field, "message", pb_msg(r, e->code, e->message),
		"lang", pb_msg_lang(r, e->code)), NULL);
}

int pb_fields_take(struct pb_req *r, const json_t *in, const struct pb_fields *t, void *out,
		   enum MHD_Result *ret)
{
	const struct pb_field_error *e;

	if (pb_fields_check(t, in, out, &e, NULL) == 0)
		return 0;
	*ret = pb_respond_field(r, e);
	return -1;
}

json_t *pb_body_fields(struct pb_req *r, const struct pb_fields *t, void *out,
		       enum MHD_Result *ret)
{
	json_t *in = pb_body_json(r, ret);

	if (in != NULL && pb_fields_take(r, in, t, out, ret) != 0) {
		json_decref(in);
		return NULL;
	}
	return in;
}
