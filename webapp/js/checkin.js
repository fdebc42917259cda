/* Check-in page (presensi.html): a teacher types NUPTK (or, without one,
 * the participant number from the roster) and the session code
 * (the code picks the session), confirms the masked name (or, not on the
 * roster, checks the NUPTK shown back before registering as a walk-in),
 * signs and is checked in with the lookup's ticket. The phone remembers
 * the NUPTK for the next day. ES5. */
(function () {
	"use strict";

	var pad, found = null;           /* lookup answer */
	var CODE_RE = /^[0-9]{6}([0-9]{3})?$/;
	var STORE_ME = "pb.checkin.me";
	/* which field a server error concerns, when it does not say */
	var FIELD_OF = {bad_nuptk: "nuptk", bad_code: "code", wrong_code: "code", code_longer: "code",
		peserta_not_on_roster: "nuptk", code_expired: "code", ticket_expired: "code", name_required: "wname",
		bad_name: "wname", no_signature: "sign", bad_signature: "sign",
		signature_too_large: "sign"};
	var FIELDS = ["nuptk", "code", "wname", "sign"];

	/* What the page said from its strings, by element id: [key, params],
	 * said again in the other language when the language is switched. */
	var said = {};

	function say(id, key, params) {
		said[id] = [key, params];
		PB.$(id).textContent = PB.t(key, params);
	}
	/* A box's answer: the page's own words for its code when it has them
	 * (so they follow the language), else the box's message as it came. */
	function sayFailure(id, err) {
		if (PB.strings.hasOwnProperty("error." + err.code))
			return say(id, "error." + err.code);
		delete said[id];
		PB.$(id).textContent = err.message;
	}
	function sayAgain() {
		var id;
		for (id in said)
			if (said.hasOwnProperty(id))
				PB.$(id).textContent = PB.t(said[id][0], said[id][1]);
	}

	function status(text) { PB.$("status").textContent = text || ""; }
	function error(text) {
		var e = PB.$("error");
		delete said.error;
		e.textContent = text || "";
		PB.show(e, !!text);
	}
	/* A message next to its field: the field is marked, focused and kept
	 * in view above the on-screen keyboard; the message is announced. */
	function fieldError(field, key, err) {
		var msg = PB.$(field + "-error"), input = field === "sign" ? PB.$("pad") : PB.$(field);
		if (err)
			sayFailure(field + "-error", err);
		else
			say(field + "-error", key);
		PB.show(msg, true);
		if (field !== "sign")
			input.setAttribute("aria-invalid", "true");
		if (input.focus && field !== "sign")
			input.focus();
		if (msg.scrollIntoView)
			msg.scrollIntoView({block: "center"});
	}
	/* Good news about the submitted NUPTK (already checked in today):
	 * shown under it, in view, focused so it is read out. */
	function fieldOk(field, err) {
		var msg = PB.$(field + "-ok");
		sayFailure(field + "-ok", err);
		PB.show(msg, true);
		if (msg.scrollIntoView)
			msg.scrollIntoView({block: "center"});
		msg.focus();
	}
	function clearErrors() {
		var i;
		error("");
		delete said["nuptk-ok"];
		PB.$("nuptk-ok").textContent = "";
		PB.show(PB.$("nuptk-ok"), false);
		for (i = 0; i < FIELDS.length; i++) {
			delete said[FIELDS[i] + "-error"];
			PB.$(FIELDS[i] + "-error").textContent = "";
			PB.show(PB.$(FIELDS[i] + "-error"), false);
			if (FIELDS[i] !== "sign")
				PB.$(FIELDS[i]).removeAttribute("aria-invalid");
		}
	}
	function serverError(err, data) {
		var f = data && data.field === "name" ? "wname" : data && data.field;
		if (err.code === "already_checked_in") {
			step("id");
			return fieldOk("nuptk", err);
		}
		if (!f)
			f = FIELD_OF[err.code];
		if (f === "nuptk" || f === "code")
			step("id");
		if (f && PB.$(f + "-error"))
			return fieldError(f, null, err);
		sayFailure("error", err);
		PB.show(PB.$("error"), true);
	}
	function step(name) {
		PB.show(PB.$("step-id"), name === "id");
		PB.show(PB.$("step-confirm"), name === "confirm");
		PB.show(PB.$("step-done"), name === "done");
		PB.show(PB.$("intro"), name === "id");
		PB.show(PB.$("remembered"), name === "id" && !!me());
	}

	function digits(s) { return String(s).replace(/[^0-9]/g, ""); }

	function me() {
		var v = PB.store.get(STORE_ME), o = null;
		try { o = v ? JSON.parse(v) : null; } catch (e) { o = null; }
		return o && typeof o.nuptk === "string" && PB.person(o.nuptk) === o.nuptk && o.nuptk ? o : null;
	}

	function showRemembered() {
		var m = me();
		if (m) {
			PB.$("remembered-text").textContent = PB.t("checkin.remembered",
				{name: m.name || "", nuptk: PB.personLabel(m.nuptk)});
			if (!PB.$("nuptk").value)
				PB.$("nuptk").value = m.nuptk;
		}
		PB.show(PB.$("remembered"), !!m && !PB.$("step-id").hidden);
	}

	function forget() {
		PB.store.set(STORE_ME, "");
		PB.$("nuptk").value = "";
		PB.show(PB.$("remembered"), false);
		PB.$("nuptk").focus();
	}

	function lookup(ev) {
		var b = {nuptk: PB.person(PB.$("nuptk").value), code: digits(PB.$("code").value)};
		ev.preventDefault();
		clearErrors();
		if (!b.nuptk)
			return fieldError("nuptk", "checkin.bad_nuptk");
		if (!CODE_RE.test(b.code))
			return fieldError("code", "checkin.bad_code");
		status(PB.t("checkin.checking"));
		PB.$("lookup").disabled = true;
		PB.api("POST", "/api/v1/checkin/lookup", b, function (err, data) {
			PB.$("lookup").disabled = false;
			status("");
			if (err)
				return serverError(err, data);
			found = data;
			say("session-title", "checkin.session_is", {title: data.title});
			PB.$("who").textContent = data.walk_in ? "" :
				data.name + (data.school ? ", " + data.school : "");
			PB.show(PB.$("who"), !data.walk_in);
			PB.show(PB.$("walkin"), !!data.walk_in);
			PB.show(PB.$("walkin-check"), !!data.walk_in);
			PB.show(PB.$("walkin-form"), false);
			PB.show(PB.$("sign-part"), !data.walk_in);
			if (data.walk_in) {
				PB.$("walkin-message").textContent = data.message;
				say("walkin-echo", "checkin.walkin_echo", {nuptk: data.nuptk});
			}
			say("confirm-heading", data.walk_in ? "checkin.walkin_heading" : "checkin.confirm_heading");
			pad.clear();
			step("confirm");
			PB.$("confirm-heading").focus();
			/* the step from its heading down, so "Hadir" is in view on a
			 * 360x640 phone even under the sign-in window's banner */
			if (PB.$("confirm-heading").scrollIntoView)
				PB.$("confirm-heading").scrollIntoView(true);
		});
	}

	function walkinYes() {
		PB.show(PB.$("walkin-check"), false);
		PB.show(PB.$("walkin-form"), true);
		PB.show(PB.$("sign-part"), true);
		PB.$("wname").focus();
	}

	function fixNuptk() {
		found = null;
		clearErrors();
		step("id");
		PB.$("nuptk").focus();
		PB.$("nuptk").select();
	}

	function submit() {
		var b = {ticket: found ? found.ticket : ""};
		clearErrors();
		if (found && found.walk_in) {
			b.name = PB.$("wname").value.replace(/^\s+|\s+$/g, "");
			b.school = PB.$("wschool").value.replace(/^\s+|\s+$/g, "");
			if (!b.name)
				return fieldError("wname", "checkin.name_first");
		}
		if (pad.isEmpty())
			return fieldError("sign", "checkin.sign_first");
		b.signature = pad.encode();
		PB.$("submit").disabled = true;
		status(PB.t("checkin.sending"));
		PB.api("POST", "/api/v1/checkin", b, function (err, data, st) {
			var n = PB.person(PB.$("nuptk").value);
			PB.$("submit").disabled = false;
			status("");
			if (err)
				return serverError(err, data);
			/* the check-in id proves attendance on the claims page
			 * (a check-in made on another phone is not handed out) */
			if (data.uid)
				PB.store.set("pb.claims." + data.session + "." + n, data.uid);
			PB.store.set("pb.claims.last", data.session + "." + n);
			PB.store.set(STORE_ME, JSON.stringify({nuptk: n, name: data.name}));
			/* held: the box's clock is not yet confirmed since it started,
			 * so its time of day may be wrong and is not shown */
			say("done-text", data.held ? "checkin.done_held" :
				st === 200 ? "checkin.done_again" : "checkin.done",
				{name: data.name, time: data.time});
			step("done");
			PB.$("done-heading").focus();
		});
	}

	function again() {
		PB.$("nuptk").value = "";
		PB.$("code").value = "";
		found = null;
		clearErrors();
		step("id");
		PB.show(PB.$("remembered"), false);
		PB.$("nuptk").focus();
	}

	function setup() {
		var i;
		pad = PBSignature(PB.$("pad"));
		PB.$("step-id").addEventListener("submit", lookup);
		PB.$("clear").addEventListener("click", function () { pad.clear(); });
		PB.$("back").addEventListener("click", fixNuptk);
		PB.$("walkin-fix").addEventListener("click", fixNuptk);
		PB.$("walkin-yes").addEventListener("click", walkinYes);
		PB.$("forget").addEventListener("click", forget);
		PB.$("submit").addEventListener("click", submit);
		PB.$("again").addEventListener("click", again);
		for (i = 0; i < 2; i++)
			PB.$(FIELDS[i]).addEventListener("input", clearErrors);
	}

	/* Opened from the projector's QR code (?s=ID): name the session; the
	 * code still decides. */
	function showSession() {
		var s = /[?&]s=([0-9]+)/.exec(window.location.search);
		if (!s)
			return;
		PB.api("GET", "/api/v1/sessions/" + s[1], null, function (err, k) {
			if (!err && k && k.today) {
				PB.$("from-qr").textContent = PB.t("checkin.session_is", {title: k.title});
				PB.show(PB.$("from-qr"), true);
			}
		});
	}

	setup();
	PB.init({page: "checkin", render: function () {
		PB.title(PB.t("checkin.heading"));
		showRemembered();
		showSession();
		sayAgain();
	}});
}());
