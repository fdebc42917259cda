/* The teacher on this phone, for the pages teachers open without an
 * account (klaim.html, belajar.html): the sessions to choose from and the
 * proof of attendance, i.e. the check-in id the check-in page keeps on
 * this phone, or one fetched again with the session code of the day. A
 * page names its strings by a prefix (PREFIX.no_session, .pick_session,
 * .bad_nuptk, .need_code, .checking) and has the fields #session, #nuptk
 * (a NUPTK, or a participant number for a teacher without one: PB.person)
 * and #code, and #id-error under the form's button. ES5. */
(function () {
	"use strict";

	var NUPTK_RE = /^[0-9]{16}$/, CODE_RE = /^[0-9]{6}([0-9]{3})?$/;
	var LAST = "pb.claims.last";

	function key(session, nuptk) { return "pb.claims." + session + "." + nuptk; }

	/* An error of the form: under its button (#id-error, in view and
	 * announced), the field it concerns marked and focused; "" clears. */
	function idError(field, text) {
		var e = PB.$("id-error"), f = ["session", "nuptk", "code"], i;
		for (i = 0; i < f.length; i++)
			PB.$(f[i]).removeAttribute("aria-invalid");
		e.textContent = text || "";
		PB.show(e, !!text);
		if (!text)
			return;
		if (field) {
			PB.$(field).setAttribute("aria-invalid", "true");
			PB.$(field).focus();
		}
		if (e.scrollIntoView)
			e.scrollIntoView({block: "nearest"});
	}
	/* The field a refusal of POST /api/v1/claims/proof is about, if any. */
	function fieldOf(err, data) {
		if (data && (data.field === "nuptk" || data.field === "code"))
			return data.field;
		if (/code/.test(err.code || ""))
			return "code";
		return /nuptk|checkin/.test(err.code || "") ? "nuptk" : "";
	}

	PB.teacher = {
		NUPTK_RE: NUPTK_RE,
		key: key,
		/* The teacher last opened on this phone: [session, nuptk] or []
		 * (a participant number may hold dots). */
		last: function () {
			var l = (PB.store.get(LAST) || "").split("."), n = l.slice(1).join(".");
			return l.length >= 2 && n && PB.person(n) === n ? [l[0], n] : [];
		},
		remember: function (session, nuptk) { PB.store.set(LAST, session + "." + nuptk); },
		/* Fill #session, keeping its choice or else the last one; each
		 * session with its first day written out in the language. */
		loadSessions: function (prefix, error) {
			PB.api("GET", "/api/v1/sessions", null, function (err, data) {
				var sel = PB.$("session"), i, s, keep = sel.value;
				if (err)
					return error(err.message);
				PB.clear(sel);
				for (i = 0; i < data.sessions.length; i++) {
					s = data.sessions[i];
					sel.appendChild(PB.el("option", {value: String(s.id)},
						s.title + " (" + PB.day(s.start_date) + ")"));
				}
				if (!data.sessions.length)
					sel.appendChild(PB.el("option", {value: ""}, PB.t(prefix + ".no_session")));
				if (!keep)
					keep = PB.teacher.last()[0];
				if (keep)
					sel.value = keep;
				if (!sel.value && sel.options.length)
					sel.selectedIndex = 0;
			});
		},
		/* The form's teacher: start({session, nuptk, checkin[, name]}) with
		 * the proof kept on this phone, or fetched with the code. */
		open: function (prefix, status, error, start) {
			var session = parseInt(PB.$("session").value, 10);
			var nuptk = PB.person(PB.$("nuptk").value);
			var code = PB.$("code").value.replace(/\s+/g, ""), proof;
			error("");
			idError("", "");
			if (!session)
				return idError("session", PB.t(prefix + ".pick_session"));
			if (!nuptk)
				return idError("nuptk", PB.t(prefix + ".bad_nuptk"));
			proof = PB.store.get(key(session, nuptk));
			if (proof && !code)
				return start({session: session, nuptk: nuptk, checkin: proof});
			if (!CODE_RE.test(code))
				return idError("code", PB.t(prefix + ".need_code"));
			status(PB.t(prefix + ".checking"));
			PB.api("POST", "/api/v1/claims/proof", {session: session, nuptk: nuptk, code: code},
			       function (err, data) {
				status("");
				if (err)
					return idError(fieldOf(err, data), err.message);
				PB.store.set(key(session, nuptk), data.checkin);
				start({session: session, nuptk: nuptk, checkin: data.checkin, name: data.name});
			});
		}
	};
}());
