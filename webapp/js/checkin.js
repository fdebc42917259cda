/* Check-in page (checkin.html): a teacher picks today's session, types
 * NUPTK and the session code, confirms the masked name, signs and is
 * checked in. ES5. */
(function () {
	"use strict";

	var pad, found = null;           /* lookup answer */
	var NUPTK_RE = /^[0-9]{16}$/, CODE_RE = /^[0-9]{6}$/;

	function status(text) { PB.$("status").textContent = text || ""; }
	function error(text) {
		var e = PB.$("error");
		e.textContent = text || "";
		PB.show(e, !!text);
	}
	function step(name) {
		PB.show(PB.$("step-id"), name === "id");
		PB.show(PB.$("step-confirm"), name === "confirm");
		PB.show(PB.$("step-done"), name === "done");
	}

	function loadSessions() {
		var sel = PB.$("session");
		PB.api("GET", "/api/v1/sessions", null, function (err, data) {
			var i, n = 0, keep = sel.value;
			if (err)
				return error(err.message);
			PB.clear(sel);
			for (i = 0; i < data.sessions.length; i++) {
				if (!data.sessions[i].today)
					continue;
				sel.appendChild(PB.el("option", {value: String(data.sessions[i].id)},
						      data.sessions[i].title));
				n++;
			}
			if (!n) {
				sel.appendChild(PB.el("option", {value: ""}, PB.t("checkin.no_session")));
				status(PB.t("checkin.no_session"));
			}
			if (keep)
				sel.value = keep;
		});
	}

	function body() {
		return {
			session: parseInt(PB.$("session").value, 10),
			nuptk: PB.$("nuptk").value.replace(/\s+/g, ""),
			code: PB.$("code").value.replace(/\s+/g, "")
		};
	}

	function lookup(ev) {
		var b = body();
		ev.preventDefault();
		error("");
		if (!b.session)
			return error(PB.t("checkin.pick_session"));
		if (!NUPTK_RE.test(b.nuptk)) {
			PB.$("nuptk").focus();
			return error(PB.t("checkin.bad_nuptk"));
		}
		if (!CODE_RE.test(b.code)) {
			PB.$("code").focus();
			return error(PB.t("checkin.bad_code"));
		}
		status(PB.t("checkin.checking"));
		PB.api("POST", "/api/v1/checkin/lookup", b, function (err, data) {
			status("");
			if (err)
				return error(err.message);
			found = data;
			PB.$("who").textContent = data.walk_in ? "" :
				data.name + (data.school ? ", " + data.school : "");
			PB.show(PB.$("who"), !data.walk_in);
			PB.show(PB.$("walkin"), !!data.walk_in);
			PB.$("confirm-heading").textContent = PB.t(data.walk_in ?
				"checkin.walkin_heading" : "checkin.confirm_heading");
			pad.clear();
			step("confirm");
			PB.$("confirm-heading").focus();
		});
	}

	function submit() {
		var b = body();
		error("");
		if (pad.isEmpty())
			return error(PB.t("checkin.sign_first"));
		b.signature = pad.encode();
		if (found && found.walk_in) {
			b.name = PB.$("wname").value.replace(/^\s+|\s+$/g, "");
			b.school = PB.$("wschool").value.replace(/^\s+|\s+$/g, "");
			if (!b.name) {
				PB.$("wname").focus();
				return error(PB.t("checkin.name_first"));
			}
		}
		PB.$("submit").disabled = true;
		status(PB.t("checkin.sending"));
		PB.api("POST", "/api/v1/checkin", b, function (err, data, st) {
			PB.$("submit").disabled = false;
			status("");
			if (err)
				return error(err.message);
			/* the check-in id proves attendance on the claims page */
			PB.store.set("pb.claims." + b.session + "." + b.nuptk, data.uid);
			PB.store.set("pb.claims.last", b.session + "." + b.nuptk);
			PB.$("done-text").textContent = PB.t(st === 200 ? "checkin.done_again" :
				"checkin.done", {name: data.name, time: data.time});
			step("done");
			PB.$("done-heading").focus();
		});
	}

	function again() {
		PB.$("nuptk").value = "";
		found = null;
		error("");
		step("id");
		PB.$("nuptk").focus();
	}

	function setup() {
		pad = PBSignature(PB.$("pad"));
		PB.$("step-id").addEventListener("submit", lookup);
		PB.$("clear").addEventListener("click", function () { pad.clear(); });
		PB.$("back").addEventListener("click", function () { step("id"); error(""); });
		PB.$("submit").addEventListener("click", submit);
		PB.$("again").addEventListener("click", again);
	}

	setup();
	PB.init({page: "checkin", render: function () {
		PB.title(PB.t("checkin.heading"));
		loadSessions();
	}});
}());
