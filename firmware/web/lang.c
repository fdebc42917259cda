/* The language of the server's messages: Indonesian first, English when
 * the page asks for it (?lang=en, or an Accept-Language whose first
 * language is English; the web app sends the page's language). One
 * English text per error code (or per code.variant, where a code's words
 * differ by route); the Indonesian ones stay at their call. */
#include "web.h"
#include "pb_code.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct msg_en {
	const char *code;
	const char *en;
};

/* Sorted by code (bsearch). */
static const struct msg_en messages[] = {
	{ "admin_only", "Only an admin may do this" },
	{ "already_paid", "The claim is paid: its decision can no longer change" },
	{ "amount_absurd", "The amount is far above the ceiling (more than 100 times): check it" },
	{ "amount_computed", "The box computes this item from the rate table: leave the amount out" },
	{ "amount_negative", "The amount cannot be negative" },
	{ "amount_not_integer", "The amount must be whole rupiah (no dots, commas or decimals)" },
	{ "amount_not_positive", "The amount must be more than zero" },
	{ "amount_required", "Enter the actual cost in rupiah" },
	{ "amount_zero", "The amount cannot be zero" },
	{ "attempt_finished", "This test is already finished and scored" },
	{ "bad_activity", "Unknown learning activity" },
	{ "bad_address", "Unknown phone address: type it exactly as the refused phone shows it, e.g. 10.42.0.23" },
	{ "bad_allow", "Give the device address and how many more teachers (1-100)" },
	{ "bad_choice", "The answer does not fit the question" },
	{ "bad_code", "The session code must be " PB_WEB_STR(PB_CODE_DIGITS) " or "
	  PB_WEB_STR(PB_CODE_LONG_DIGITS) " digits, as on the facilitator's screen" },
	{ "bad_day", "The date must be YYYY-MM-DD" },
	{ "bad_decision", "The decision must be approve or reject" },
	{ "bad_ids", "Choose 1 to 500 claims (ids: a list of claim numbers)" },
	{ "bad_input", "The data is not valid" },
	{ "bad_item", "The claim item must be uang_harian, uang_makan, transport or penginapan" },
	{ "bad_json", "The request is not a valid JSON object" },
	{ "bad_kk", "The competence group must be one letter from A to J" },
	{ "bad_login", "Wrong user name or password" },
	{ "bad_login_request", "Enter the user name and the password" },
	{ "bad_mode", "Choose a transport mode from the list" },
	{ "bad_module", "Choose the module to remove" },
	{ "bad_name", "The name or school is not valid" },
	{ "bad_nuptk", "Give the NUPTK (16 digits) or the participant number (No Peserta)" },
	{ "bad_origin", "Choose where you come from (district/city)" },
	{ "bad_page", "limit must be 1 to 500 and offset a whole number" },
	{ "bad_photos", "Photos must be sent as a list" },
	{ "bad_proof", "This proof of attendance is unknown for this session: check in first" },
	{ "bad_proof_format", "The proof of attendance (check-in id) must be 32 hexadecimal characters" },
	{ "bad_query", "The search words are not valid or too long" },
	{ "bad_queue_status", "The status must be sent, revise or accepted" },
	{ "bad_reason", "The reason is too long or not valid" },
	{ "bad_review", "Choose needs revision or accepted, and give a score of 0-100 or a comment" },
	{ "bad_session", "The session is not valid" },
	{ "bad_settings", "Give the province (may be empty), meals_in_kind and residential (true/false)" },
	{ "bad_signature", "The signature is empty or not valid" },
	{ "bad_sitting", "This sitting is not one of the session's" },
	{ "bad_status", "The status must be present, late, excused, sick or absent" },
	{ "bad_subject", "The subject is not valid" },
	{ "bad_test_item", "This question is not in the test" },
	{ "bad_text", "Write the worksheet answer (at most 4000 characters)" },
	{ "bad_time", "client_time_ms must be a whole number (milliseconds)" },
	{ "checkin_held", "Your attendance is recorded, but the box clock is not yet confirmed: "
			  "you can claim once the facilitator opens the facilitator page" },
	{ "claim_superseded", "The teacher has filed a new claim for this item and day: decide that newer claim" },
	{ "claimed_elsewhere", "This item for that day was already claimed in another session: a day is paid once" },
	{ "clock_adjust_off", "The box clock may not be changed ([attendance] clock_adjust = off)" },
	{ "clock_ntp", "The box clock is set by NTP and is not changed from a browser" },
	{ "clock_settime", "The system clock cannot be set (needs CAP_SYS_TIME)" },
	{ "code_expired", "The session code has expired: look at the new code on the facilitator's screen" },
	{ "code_longer", "The session code now has 9 digits: type the new code on the facilitator's screen" },
	{ "csrf", "The security token (CSRF) is missing or wrong: reload the page" },
	{ "database", "The box's database cannot be read or written" },
	{ "day_locked", "The facilitator has locked today's attendance list" },
	{ "db_unavailable", "The box's database cannot be opened" },
	{ "dpr_unconfirmed", "Tick the statement of the Daftar Pengeluaran Riil" },
	{ "evidence_required", "Attach a photo of the receipt or sign the Daftar Pengeluaran Riil" },
	{ "facilitator_only", "Only a facilitator may approve or reject claims" },
	{ "internal", "Something went wrong in the box" },
	{ "io", "The file cannot be read" },
	{ "locked_out", "Too many failed logins. Try again later." },
	{ "login_required", "Please log in as a facilitator or admin" },
	{ "login_required.admin", "Please log in as the admin" },
	{ "login_required.any", "Please log in first" },
	{ "meals_in_kind", "Meals are provided by the organisers: no meal allowance is paid" },
	{ "method_not_allowed", "Method not allowed" },
	{ "missing_column", "The header line lacks a required column" },
	{ "module_in_use", "This module is in use: teachers' learning results or a mentor depend on it. It was not removed." },
	{ "name_required", "This NUPTK is not on the roster: enter name and school (extra participant)" },
	{ "need_csv", "Send the file as text/csv" },
	{ "no_attempt", "This test attempt was not found" },
	{ "no_attempts_left", "No attempts left for this test" },
	{ "no_body", "The request is empty" },
	{ "no_checkin", "You have not checked in to this session: check in first" },
	{ "no_header", "The header line is missing or unreadable" },
	{ "no_module", "Module not found" },
	{ "no_province", "The province for the rates is not set: ask the facilitator" },
	{ "no_rate", "There is no rate (SBM) for this claim yet: ask the facilitator" },
	{ "no_rows", "The rate table has no lines" },
	{ "no_session", "Session not found" },
	{ "no_session_today", "There is no session today on this box" },
	{ "no_signature", "The signature is empty or not valid" },
	{ "no_stick", "No USB stick is plugged in." },
	{ "no_submission", "Worksheet submission not found" },
	{ "no_test", "This module has no such test" },
	{ "no_worksheet", "This module has no such worksheet" },
	{ "not_attended", "You are not recorded present that day: claims are only for days present" },
	{ "not_found", "Not found" },
	{ "not_in_store", "The file is not on this box yet" },
	{ "not_locked", "Today is not locked" },
	{ "not_residential", "Lodging is only for residential sessions" },
	{ "not_session_day", "This session does not run on that day" },
	{ "not_withdrawable", "This claim is decided or withdrawn already: it cannot be withdrawn" },
	{ "nothing_paid", "The rate table pays nothing for this origin" },
	{ "other_teacher", "This proof of attendance belongs to another teacher: claims are for yourself only" },
	{ "peserta_not_on_roster", "This participant number is not on the roster of this session: check it, or enter the NUPTK (16 digits)" },
	{ "photo_encoding", "The worksheet photo is not valid base64" },
	{ "photo_missing", "Each worksheet photo needs a type and content" },
	{ "photo_not_image", "The worksheet file is not a whole JPEG or PNG photo" },
	{ "photo_too_large", "The worksheet photo is too large: take it again smaller" },
	{ "photo_too_many_pixels", "The worksheet photo has too many pixels: take it again smaller" },
	{ "store_full", "The box's storage is nearly full: it cannot take photos now. Tell the "
	  "facilitator" },
	{ "photo_type", "A worksheet photo must be JPEG or PNG" },
	{ "photo_type_mismatch", "The photo's stated type does not match its content" },
	{ "reason_required", "Write the reason" },
	{ "receipt_encoding", "The receipt photo is not valid base64" },
	{ "receipt_missing", "Attach the receipt photo (type and content)" },
	{ "receipt_not_image", "The receipt is not a JPEG or PNG photo" },
	{ "receipt_too_large", "The receipt photo is too large: take it again smaller" },
	{ "receipt_type", "The receipt photo must be JPEG or PNG" },
	{ "receipt_type_mismatch", "The photo's stated type does not match its content" },
	{ "signature_too_large", "The signature is too large: clear it and sign again" },
	{ "store", "The receipt photo cannot be stored" },
	{ "sync_not_running", "pb-sync is not running: check the pb-sync service" },
	{ "teacher_only", "Only the teacher takes their own tests and records their progress" },
	{ "ticket_expired", "Your time to fill in ran out. Tap Next again with the code on the facilitator's screen." },
	{ "time_up", "The time for this test is over: the saved answers have been scored" },
	{ "too_large", "The data sent is too large" },
	{ "too_many_lookups", "Too many lookups from this phone. Wait a moment, then try again." },
	{ "too_many_nuptk_misses", "Too many NUPTKs without a check-in. Wait a moment, then try again with your own NUPTK." },
	{ "too_many_photos", "Too many photos for one worksheet" },
	{ "too_many_rows", "Too many lines in one file" },
	{ "too_many_wrong_codes", "Too many wrong session codes. Wait a moment, then try again with the code on the facilitator's screen." },
	{ "unexpected_body", "This request takes no data" },
	{ "unknown_module", "This box has no such module" },
	{ "update_day_open", "A session day is still open: the facilitator must close or lock that day first, then the update can be installed" },
	{ "update_not_ready", "No new version has been downloaded and checked yet" },
	{ "update_request_failed", "The install request could not be made: call the technician" },
	{ "update_requested", "Installing was already asked for and is under way" },
	{ "usb_busy", "Another USB stick job is running; wait until it ends." },
	{ "wake_failed", "pb-sync cannot be woken" },
	{ "withdrawn", "The organisers withdrew you from this session's participants, so you cannot check in. Ask the facilitator if this is wrong." },
	{ "worksheet_accepted", "This worksheet has been accepted: no need to send it again" },
	{ "wrong_code", "Wrong session code: check the code on the facilitator's screen again" },
};

static int by_code(const void *a, const void *b)
{
	return strcmp(((const struct msg_en *)a)->code, ((const struct msg_en *)b)->code);
}

int pb_req_en(struct pb_req *r)
{
	const char *q = pb_query(r, "lang"), *al;
	size_t n;

	if (q != NULL)
		return strcmp(q, "en") == 0;
	al = pb_header(r, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
	if (al == NULL)
		return 0;
	al += strspn(al, " ");
	n = strcspn(al, ",;- ");
	return n == 2 && strncasecmp(al, "en", 2) == 0;
}

static const char *english(const char *code)
{
	struct msg_en key = { code, NULL };
	const struct msg_en *m;

	if (code == NULL)
		return NULL;
	m = bsearch(&key, messages, sizeof(messages) / sizeof(messages[0]), sizeof(messages[0]),
		    by_code);
	return m != NULL ? m->en : NULL;
}

const char *pb_msg(struct pb_req *r, const char *code, const char *id)
{
	const char *en = pb_req_en(r) ? english(code) : NULL;

	return en != NULL ? en : id;
}

const char *pb_msg_lang(struct pb_req *r, const char *code)
{
	return pb_req_en(r) && english(code) != NULL ? "en" : "id";
}
