/* Facilitator page (petugas.html): login, sessions, roster import, the big
 * rotating code, the live list (polled), manual marks, lock, CSV and the
 * printed Daftar Hadir. A login here from a page that sent the user to log
 * in (?kembali=/PAGE.html) goes back to that page. ES5. */
(function () {
	"use strict";

	var POLL_MS = 4000;              /* live list refresh */
	var me = null, current = null, listTimer = null, codeTimer = null, listGen = 0;
	var codeGen = 0, editing = null;   /* editing: the NUPTK whose reason is being typed */
	var clock = null;                 /* the last clock check, for its warning */
	var editorWords = null;           /* the reason editor's words, said again */
	var editorRow = null;             /* the reason editor's row, kept across a redraw */
	var lastDay = null;               /* the list's last answer, drawn again after a switch */
	var fieldWords = {};              /* the new-session form's faults: id -> {key, params} */

	/* The answer to a form below the list (manual mark, allow a phone,
	 * roster) is said under its button (near), where the facilitator
	 * tapped; others where the page has them. */
	function status(text, near) {
		if (text)
			PB.answerNear("status", near);
		PB.$("status").textContent = text || "";
	}
	function error(text, near) {
		var e = PB.$("error");
		if (text)
			PB.answerNear("error", near);
		e.textContent = text || "";
		PB.show(e, !!text);
	}
	function sendButton(form) { return PB.$(form).querySelector("button[type=submit]"); }
	function val(id) { return PB.$(id).value.replace(/^\s+|\s+$/g, ""); }

	function clockWarn(c) {
		var w = PB.$("clock-warn"), min;
		clock = c;
		if (!clock || !clock.warn) {
			PB.show(w, false);
			return;
		}
		min = Math.round(Math.abs(clock.diff_ms) / 60000);
		w.textContent = PB.t("staff.clock_warn", {min: min});
		PB.show(w, true);
	}

	function checkClock() {
		PB.staff.confirmClock(function (err, data) { if (!err) clockWarn(data); });
	}

	/* The page that sent here to log in (?kembali=/admin-pemancar.html):
	 * a page of this box only, never another site; "" when none. */
	function backTo() {
		var m = /[?&]kembali=([^&#]*)/.exec(window.location.search), page = "";
		try {
			page = m ? decodeURIComponent(m[1]) : "";
		} catch (e) {
			page = "";
		}
		return /^\/[a-z0-9-]+\.html$/.test(page) ? page : "";
	}

	function loggedIn(data, fresh) {
		if (data.role === "mentor") {
			/* a mentor reviews worksheets and reads results: its page */
			window.location.replace("/hasil-belajar.html");
			return;
		}
		if (fresh && backTo()) {
			window.location.replace(backTo());
			return;
		}
		me = data;
		if (fresh)
			clockWarn(data.clock);
		else
			checkClock();
		drawWho();
		loadSessions();
	}

	function drawWho() {
		PB.$("who").textContent = PB.t("staff.logged_in_as", {user: me.user, role: me.role});
	}

	function loadSessions(selectId) {
		if (selectId)
			PB.staff.remember(selectId);
		PB.staff.pickSession(PB.$("pick"), PB.t("staff.pick_none"), function (err) {
			if (err)
				return error(err.message);
			pick();
		});
	}

	function stopTimers() {
		listGen++;
		codeGen++;
		if (listTimer)
			clearTimeout(listTimer);
		if (codeTimer)
			clearTimeout(codeTimer);
		listTimer = codeTimer = null;
	}

	function pick() {
		var id = PB.$("pick").value;
		stopTimers();
		closeAsks();
		current = null;
		lastDay = null;
		editing = editorWords = editorRow = null;   /* its row was of the list shown before */
		/* what was typed for the session shown before is not for this one:
		 * a roster pasted under the old one would join this roster */
		PB.$("roster-form").reset();
		PB.clear(PB.$("r-report"));
		PB.$("mark-form").reset();
		PB.$("allow-form").reset();
		PB.show(PB.$("session-view"), !!id);
		if (!id)
			return;
		PB.api("GET", "/api/v1/sessions/" + id, null, function (err, s) {
			if (err)
				return error(err.message);
			current = s;
			PB.$("projector").setAttribute("href", "/proyektor.html" + PB.query({s: s.id}));
			PB.$("s-title").textContent = s.title;
			drawMeta(s);
			setSittings(s, "");
			setDay(s, "");
			refreshCode();
			refreshList();
		});
	}

	function drawMeta(s) {
		PB.$("s-meta").textContent = PB.t("staff.meta", {kk: s.kk || "-", subject: s.subject,
			start: PB.day(s.start_date), days: s.days, jp: s.jp_per_day});
	}

	function refreshCode() {
		var gen = ++codeGen;
		if (codeTimer)
			clearTimeout(codeTimer);
		codeTimer = null;
		if (!current)
			return;
		PB.api("GET", "/api/v1/sessions/" + current.id + "/code", null, function (err, c) {
			var wait = 5000;
			if (gen !== codeGen)
				return;
			if (err) {
				if (err.status === 401)
					return PB.staff.showLogin();
				PB.$("code").textContent = "------";
			} else if (c.locked) {
				PB.$("code").textContent = "";
				PB.$("code-left").textContent = PB.t("staff.code_locked");
				wait = 30000;
			} else {
				PB.$("code").textContent = c.code;
				PB.$("code-left").textContent = PB.t("staff.code_left",
					{s: Math.ceil(c.ms_left / 1000)});
				wait = Math.min(5000, c.ms_left + 200);
			}
			codeTimer = setTimeout(refreshCode, wait);
		});
	}

	/* The day shown: one of the session's days, today when it runs today. */
	function day() { return PB.$("day").value; }

	/* This device's date, as YYYY-MM-DD. */
	function todayIso() {
		var now = new Date();
		return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
	}

	/* The day kept (keep, after a language switch), else today's, else
	 * the first. Words only (after a switch): a question open about the
	 * day kept stays open. */
	function setDay(s, keep, wordsOnly) {
		var sel = PB.$("day"), start = new Date(s.start_date + "T00:00:00Z"), i, d, iso;
		var today = todayIso(), pick = "", kept = false;
		PB.clear(sel);
		for (i = 0; i < s.days; i++) {
			d = new Date(start.getTime() + i * 86400000);
			iso = d.toISOString().slice(0, 10);
			sel.appendChild(PB.el("option", {value: iso},
				PB.t("staff.day_n", {n: i + 1, day: PB.day(iso)})));
			if (iso === keep)
				kept = true;
			if (iso === today || (!pick && i === 0))
				pick = iso;
		}
		if (kept)
			pick = keep;
		sel.value = pick;
		if (!(wordsOnly && kept))
			dayChanged();
	}

	/* The sitting shown when the day has several ("" until the box names
	 * the present one in its first answer). */
	function sitting() { return PB.$("sitting").value; }

	function setSittings(s, keep) {
		var sel = PB.$("sitting"), i, t, list = s.sittings || [];
		PB.clear(sel);
		for (i = 0; i < list.length; i++) {
			t = list[i];
			sel.appendChild(PB.el("option", {value: String(t.no)}, PB.t("staff.sitting_option",
				{label: t.label, start: t.start, end: t.end, jp: t.jp})));
		}
		sel.value = keep;
		PB.show(PB.$("sitting-field"), list.length > 0);
	}

	function dayChanged() {
		closeAsks();     /* the question was about the day shown before */
		PB.$("csv").setAttribute("href", "/api/v1/sessions/" + current.id +
			"/attendance.csv" + PB.query({day: day(), sitting: sitting()}));
		PB.$("jp-csv").setAttribute("href", "/api/v1/sessions/" + current.id + "/jp.csv" +
			PB.query({day: day()}));
	}

	var STATUS_CLASS = {present: "att-present", late: "att-present", excused: "att-absent",
		sick: "att-absent", absent: "att-absent"};
	/* one-tap marks per row; the away ones ask a reason inline */
	var ROW_MARKS = ["present", "excused", "sick", "absent"];

	function statusText(row) {
		return PB.t(STATUS_CLASS.hasOwnProperty(row.status) ? "staff." + row.status :
			"staff.not_yet");
	}

	/* A row's teacher: the NUPTK, or the participant number without one;
	 * and how the NUPTK column reads. */
	function who(r) { return r.nuptk || r.no_peserta; }
	function idText(r) { return r.nuptk || PB.personLabel(r.no_peserta); }

	/* The same, in groups of four digits (spaced apart on a phone's card
	 * only: the text and the printed list read as one number). */
	function idGroups(r) {
		var text = idText(r), out = [], i;
		if (!/^\d{16}$/.test(text))
			return text;
		for (i = 0; i < 16; i += 4)
			out.push(PB.el("span", {"class": "att-grp"}, text.slice(i, i + 4)));
		return out;
	}

	function drawTotals(day) {
		var tb = PB.$("jp-rows"), i, t;
		PB.clear(tb);
		for (i = 0; i < day.jp_totals.length; i++) {
			t = day.jp_totals[i];
			tb.appendChild(PB.el("tr", null, [PB.el("td", null, idText(t)),
				PB.el("td", {"class": "att-c-name"}, t.name),
				PB.el("td", null, String(t.days_present)),
				PB.el("td", null, String(t.jp))]));
		}
	}

	/* Send one mark; done(err) after the list is refreshed. */
	function sendMark(row, code, reason, done) {
		var b = {day: day(), nuptk: who(row), status: code};
		if (sitting())
			b.sitting = parseInt(sitting(), 10);
		if (reason)
			b.reason = reason;
		PB.api("POST", "/api/v1/sessions/" + current.id + "/marks", b, function (err) {
			if (!err) {
				editing = null;
				editorWords = null;
				editorRow = null;
				status(PB.t("staff.marked_row", {name: row.name,
					status: PB.t("staff." + b.status)}));
				refreshList();
			}
			done(err);
		});
	}

	/* The reason asked inline, in a row under the teacher's. */
	function askReason(tr, row, st) {
		var id = "reason-" + who(row), input, msg, save, cancel, editor, label;
		var msgKey = "";    /* the page's own message shown, "" for none or the box's */
		editing = who(row);
		input = PB.el("input", {id: id, type: "text", maxlength: "300",
			"aria-describedby": id + "-msg"});
		msg = PB.el("p", {id: id + "-msg", "class": "att-field-error", "aria-live": "assertive",
			hidden: "hidden"});
		save = PB.el("button", {type: "submit", "class": "pb-btn pb-btn-primary"});
		cancel = PB.el("button", {type: "button", "class": "pb-btn"});
		label = PB.el("label", {"for": id});
		editor = PB.el("tr", {"class": "att-reason-row pb-noprint"}, [PB.el("td", {colspan: "8"}, [
			PB.el("form", {"class": "att-reason"}, [
				label, input, msg, PB.el("div", {"class": "pb-inline att-actions"},
					[cancel, save])])])]);
		/* in the page's language, again after a switch (a message of the
		 * other language goes) */
		function words() {
			label.textContent = PB.t("staff.reason_for", {name: row.name,
				status: PB.t("staff." + st)});
			save.textContent = PB.t("staff.mark");
			cancel.textContent = PB.t("staff.cancel");
			msg.textContent = msgKey ? PB.t(msgKey) : "";
			PB.show(msg, !!msgKey);
		}
		editorWords = words;
		editorRow = editor;
		words();
		editor.firstChild.firstChild.addEventListener("submit", function (ev) {
			var reason = input.value.replace(/^\s+|\s+$/g, "");
			ev.preventDefault();
			if (!reason) {
				msgKey = "staff.reason_first";
				words();
				input.setAttribute("aria-invalid", "true");
				return input.focus();
			}
			save.disabled = true;
			sendMark(row, st, reason, function (err) {
				save.disabled = false;
				if (err) {
					msgKey = "";
					msg.textContent = err.message;
					PB.show(msg, true);
					input.focus();
				}
			});
		});
		cancel.addEventListener("click", function () {
			editing = null;
			editorWords = null;
			editorRow = null;
			if (editor.parentNode)      /* the list may have been drawn anew since */
				editor.parentNode.removeChild(editor);
			refreshList();
		});
		tr.parentNode.insertBefore(editor, tr.nextSibling);
		input.focus();
	}

	function markButtons(tr, row, locked) {
		var out = [], i;
		for (i = 0; i < ROW_MARKS.length; i++)
			out.push((function (st) {
				var b = PB.el("button", {type: "button", "class": "pb-btn att-mark-btn",
					"data-mark": st, "aria-label": PB.t("staff." + st) + ": " + row.name},
					PB.t("staff." + st));
				b.disabled = !!locked;
				b.addEventListener("click", function () {
					if (editing)
						return;
					if (st === "present") {
						b.disabled = true;
						return sendMark(row, st, "", function (err) {
							b.disabled = false;
							if (err)
								error(err.message);
						});
					}
					askReason(tr, row, st);
				});
				return b;
			}(ROW_MARKS[i])));
		return PB.el("div", {"class": "att-marks"}, out);
	}

	/* Wrong session codes sent for this session (guessing shows here). */
	function drawWrongCodes(w) {
		var show = !!(w && (w.wrong > 0 || w.refused > 0));
		PB.show(PB.$("wrong-codes"), show);
		if (show)
			PB.$("wrong-codes").textContent = PB.t("staff.wrong_codes", {wrong: w.wrong,
				refused: w.refused});
	}

	/* The list; while a reason is being typed it stays still, unless
	 * drawn again in another language (again), where the reason's row
	 * goes back under its teacher with what was typed. */
	function drawRows(day, again) {
		var tb = PB.$("rows"), i, r, sig, st, tr;
		lastDay = day;
		if (editing && !again)
			return;
		PB.clear(tb);
		for (i = 0; i < day.rows.length; i++) {
			r = day.rows[i];
			sig = r.checkin_id ? PB.el("img", {src: "/api/v1/attendance/" + r.checkin_id +
				"/signature.svg", alt: PB.t("staff.sign_alt", {name: r.name})}) :
				r.signature_hidden ? null :
				(r.via ? PB.el("span", {"class": "pb-small"}, r.reason) : null);
			st = [PB.el("span", {"class": STATUS_CLASS[r.status] || ""}, statusText(r))];
			if (r.walk_in)
				st.push(" ", PB.el("span", {"class": "att-flag"}, PB.t("staff.walk_in")));
			if (r.via === "mark" || r.via === "correction")
				st.push(" ", PB.el("span", {"class": "att-flag"}, PB.t("staff.via_" + r.via)));
			tr = PB.el("tr", {"data-nuptk": who(r)}, [
				PB.el("td", {"class": "att-c-no"}, String(i + 1)),
				PB.el("td", {"class": "att-c-id"}, idGroups(r)),
				PB.el("td", {"class": "att-c-name"}, r.name),
				PB.el("td", {"class": "att-c-school"}, r.school),
				PB.el("td", {"class": "att-c-status"}, st),
				PB.el("td", {"class": "att-c-time"}, r.time),
				PB.el("td", {"class": "att-c-sign"}, sig)
			]);
			tr.appendChild(PB.el("td", {"class": "att-c-marks pb-noprint"},
				markButtons(tr, r, day.locked)));
			tb.appendChild(tr);
			if (editing && editorRow && who(r) === editing)
				tb.appendChild(editorRow);
		}
		PB.$("counts").textContent = PB.t("staff.counts", {present: day.counts.present,
			not_yet: day.counts.not_yet, walk_in: day.counts.walk_in}) +
			(day.locked ? " · " + PB.t("staff.locked") : "");
		drawWrongCodes(day.wrong_codes);
		PB.$("lock").disabled = !!day.locked;
		PB.show(PB.$("unlock"), !!day.locked && me && me.role === "admin");
		drawTotals(day);
		PB.$("p-centre").textContent = PB.centre;
		/* the title, then the KK and the subject the session has */
		PB.$("p-session").textContent = [day.session.title,
			day.session.kk ? "KK " + day.session.kk : "", day.session.subject || ""]
			.filter(function (part) { return part; }).join(" · ");
		PB.$("p-date").textContent = PB.t("staff.print_date", {day: PB.day(day.day),
			n: day.day_index + 1, jp: day.session.jp_per_day}) +
			(day.sitting_label ? " · " + day.sitting_label : "");
		PB.$("p-fac").textContent = me ? me.user : "";
	}

	/* One polling loop: a newer call supersedes the pending one. */
	function refreshList() {
		var gen = ++listGen;
		if (listTimer)
			clearTimeout(listTimer);
		listTimer = null;
		if (!current)
			return;
		PB.api("GET", "/api/v1/sessions/" + current.id + "/attendance" + PB.query({day: day(),
			sitting: sitting()}), null, function (err, data) {
			if (gen !== listGen)
				return;
			if (err) {
				if (err.status === 401)
					return PB.staff.showLogin();
				if (err.code !== "not_session_day")
					error(err.message);
				else
					status(err.message);
			} else {
				if (data.sitting && !sitting()) {
					PB.$("sitting").value = String(data.sitting);
					dayChanged();
				}
				drawRows(data);
			}
			listTimer = setTimeout(refreshList, POLL_MS);
		});
	}

	/* The new-session form's messages, each under its field ("c-title"
	 * and its "c-title-error"): the words' key and their params, or "" to
	 * clear it; kept, to be said again after a language switch. */
	function fieldError(id, key, params) {
		var msg = PB.$(id + "-error"), text = key ? PB.t(key, params) : "";
		fieldWords[id] = key ? {key: key, params: params} : null;
		msg.textContent = text;
		PB.show(msg, !!text);
		if (text)
			PB.$(id).setAttribute("aria-invalid", "true");
		else
			PB.$(id).removeAttribute("aria-invalid");
		return !text;
	}
	/* A whole number within the field's own min and max, or NaN. */
	function wholeIn(id) {
		var e = PB.$(id), v = e.value.replace(/^\s+|\s+$/g, "");
		var n = /^[0-9]{1,4}$/.test(v) ? parseInt(v, 10) : NaN;
		return n >= parseInt(e.getAttribute("min"), 10) && n <= parseInt(e.getAttribute("max"), 10) ? n : NaN;
	}
	/* Every field of the form checked, each fault said under its field;
	 * the focus goes to the first. true when all are right. */
	function checkCreate() {
		var bad = [];
		if (!fieldError("c-title", val("c-title") ? "" : "staff.title_missing"))
			bad.push("c-title");
		if (!fieldError("c-start", /^\d{4}-\d{2}-\d{2}$/.test(PB.$("c-start").value) ? "" :
				"staff.start_missing"))
			bad.push("c-start");
		if (!fieldError("c-days", isNaN(wholeIn("c-days")) ? "staff.days_bad" : "",
				{max: PB.$("c-days").getAttribute("max")}))
			bad.push("c-days");
		if (!fieldError("c-jp", isNaN(wholeIn("c-jp")) ? "staff.jp_bad" : "",
				{max: PB.$("c-jp").getAttribute("max")}))
			bad.push("c-jp");
		if (bad.length)
			PB.$(bad[0]).focus();
		return !bad.length;
	}

	/* Sittings as typed, one a line ("08.00-10.15 3"): a list for the box,
	 * or null (the line is said) when a line is not of that form. */
	var SITTING_RE = /^\s*(\d{1,2})[.:](\d{2})\s*[-\u2013]\s*(\d{1,2})[.:](\d{2})\s+(\d{1,2})\s*(jp)?\s*$/i;
	function readSittings() {
		var lines = PB.$("c-sittings").value.split("\n"), out = [], i, m;
		function hhmm(h, mm) { return (h.length === 1 ? "0" + h : h) + ":" + mm; }
		fieldError("c-sittings", "");
		for (i = 0; i < lines.length; i++) {
			if (!/\S/.test(lines[i]))
				continue;
			m = SITTING_RE.exec(lines[i]);
			if (!m) {
				fieldError("c-sittings", "staff.sittings_bad", {line: lines[i]});
				PB.$("c-sittings").focus();
				return null;
			}
			out.push({start: hhmm(m[1], m[2]), end: hhmm(m[3], m[4]), jp: parseInt(m[5], 10)});
		}
		return out;
	}

	function create(ev) {
		var sittings, button = PB.$("create-form").querySelector("button[type=submit]");
		ev.preventDefault();
		error("");
		if (!checkCreate())
			return;
		sittings = readSittings();
		if (!sittings)
			return;
		/* a second tap while the first is on its way would make the
		 * session twice, and split the day's check-ins between the two */
		button.disabled = true;
		PB.api("POST", "/api/v1/sessions", {
			title: val("c-title"), mode: PB.$("c-mode").value, kk: PB.$("c-kk").value,
			subject: val("c-subject"), start_date: PB.$("c-start").value,
			start_time: PB.$("c-time").value,
			days: parseInt(PB.$("c-days").value, 10), jp_per_day: parseInt(PB.$("c-jp").value, 10),
			facilitators: me ? [me.user] : [], sittings: sittings
		}, function (err, s, st) {
			button.disabled = false;
			if (err && st === 400 && s && s.field === "sittings") {
				fieldError("c-sittings", "staff.sittings_refused");
				return PB.$("c-sittings").focus();
			}
			if (err)
				return error(err.message);
			PB.$("create").removeAttribute("open");
			PB.$("create-form").reset();        /* the next session starts blank */
			PB.$("c-start").value = todayIso();
			status(PB.t("staff.created", {title: s.title}));
			loadSessions(s.id);
		});
	}

	function mark(ev) {
		var near = sendButton("mark-form");
		ev.preventDefault();
		error("");
		PB.api("POST", "/api/v1/sessions/" + current.id + "/marks", {day: day(), nuptk: val("m-nuptk"),
			status: PB.$("m-status").value, reason: val("m-reason"), name: val("m-name"),
			school: val("m-school"),
			sitting: sitting() ? parseInt(sitting(), 10) : undefined},
			function (err) {
				if (err)
					return error(err.message, near);
				PB.$("m-nuptk").value = PB.$("m-reason").value = PB.$("m-name").value =
					PB.$("m-school").value = "";
				status(PB.t("staff.marked"), near);
				refreshList();
			});
	}

	/* Locking and unlocking ask in the page (PB.ask): the phone's sign-in
	 * window may drop a browser confirm() or prompt() box without a word. */
	var lockAsk, unlockAsk;

	function lockYes() {
		PB.answerNear("status");
		PB.$("status").focus();
		PB.api("POST", "/api/v1/sessions/" + current.id + "/lock", {day: day()}, function (err) {
			if (err)
				return error(err.message);
			status(PB.t("staff.locked"));
			refreshList();
		});
	}

	/* The reason the box requires, within the box's PB_REASON_MAX bytes,
	 * which the field's maxlength carries (in characters: a longer
	 * reason in UTF-8 is caught here). */
	function unlockProblem(value) {
		var max = PB.$("unlock-reason").maxLength;
		value = value.replace(/^\s+|\s+$/g, "");
		if (!value)
			return PB.t("staff.unlock_reason_empty");
		if (max > 0 && PB.utf8Bytes(value) > max)
			return PB.t("staff.unlock_reason_long", {max: max});
		return "";
	}

	function unlockYes(reason) {
		PB.answerNear("status");
		PB.$("status").focus();
		PB.api("POST", "/api/v1/sessions/" + current.id + "/unlock",
		       {day: day(), reason: reason.replace(/^\s+|\s+$/g, "")}, function (err) {
				if (err)
					return error(err.message);
				PB.$("unlock-reason").value = "";
				status(PB.t("staff.unlocked"));
				refreshList();
			});
	}

	function closeAsks() {
		lockAsk.close(false);
		unlockAsk.close(false);
	}

	function allow(ev) {
		var near = sendButton("allow-form");
		ev.preventDefault();
		error("");
		PB.api("POST", "/api/v1/sessions/" + current.id + "/allow", {day: day(), client: val("a-client"),
			extra: parseInt(PB.$("a-extra").value, 10)}, function (err) {
				if (err)
					return error(err.message, near);
				status(PB.t("staff.allowed", {client: val("a-client")}), near);
				PB.$("a-client").value = "";
			});
	}

	/* The roster goes as text/csv, which PB.api (JSON only) does not send. */
	function sendRoster(text) {
		var xhr = new XMLHttpRequest();
		xhr.open("POST", "/api/v1/sessions/" + current.id + "/roster", true);
		xhr.setRequestHeader("Content-Type", "text/csv; charset=utf-8");
		xhr.setRequestHeader("X-CSRF-Token", PB.csrf);
		xhr.onreadystatechange = function () {
			var data = null, ul = PB.$("r-report"), i, l;
			if (xhr.readyState !== 4)
				return;
			try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
			if (xhr.status !== 200 || !data)
				return error(data && data.message ? data.message : PB.t("error.http", {status: xhr.status}),
					     sendButton("roster-form"));
			PB.clear(ul);
			ul.appendChild(PB.el("li", null, PB.t("staff.roster_done",
				{accepted: data.accepted, rejected: data.rejected})));
			for (i = 0; i < data.lines.length; i++) {
				l = data.lines[i];
				if (l.status === "rejected")
					ul.appendChild(PB.el("li", null, PB.t("staff.roster_line",
						{line: l.line, nuptk: l.nuptk || l.no_peserta || "\u2013",
						 message: l.message})));
			}
			refreshList();
		};
		xhr.send(text);
	}

	function roster(ev) {
		var f = PB.$("r-file").files, reader;
		ev.preventDefault();
		error("");
		if (f && f.length) {
			reader = new FileReader();
			reader.onload = function () { sendRoster(reader.result); };
			reader.readAsText(f[0], "utf-8");
		} else if (val("r-text")) {
			sendRoster(PB.$("r-text").value);
		} else {
			error(PB.t("staff.roster_empty"), sendButton("roster-form"));
		}
	}

	function setup() {
		PB.$("logout").addEventListener("click", PB.staff.logout);
		PB.$("pick").addEventListener("change", pick);
		PB.$("day").addEventListener("change", function () {
			dayChanged();
			refreshList();
		});
		PB.$("sitting").addEventListener("change", function () {
			dayChanged();
			refreshList();
		});
		PB.$("create-form").addEventListener("submit", create);
		PB.$("mark-form").addEventListener("submit", mark);
		PB.$("roster-form").addEventListener("submit", roster);
		lockAsk = PB.ask({box: "lock-confirm", question: "lock-question", yes: "lock-yes",
			no: "lock-no", onYes: lockYes});
		unlockAsk = PB.ask({box: "unlock-confirm", question: "unlock-question",
			yes: "unlock-yes", no: "unlock-no", field: "unlock-reason", error: "unlock-error",
			check: unlockProblem, onYes: unlockYes});
		PB.$("lock").addEventListener("click", function () {
			error("");
			unlockAsk.close(false);
			lockAsk.open(PB.$("lock"));
		});
		PB.$("unlock").addEventListener("click", function () {
			error("");
			lockAsk.close(false);
			unlockAsk.open(PB.$("unlock"), PB.t("staff.unlock_confirm", {day: PB.day(day())}));
		});
		PB.$("allow-form").addEventListener("submit", allow);
		PB.$("print").addEventListener("click", function () { PB.print(PB.$("print")); });
		PB.$("c-start").value = todayIso();
	}

	/* After a language switch: a message of the other language goes (the
	 * next action words its own; the roster's import report holds the
	 * box's lines in that language), what the script drew is drawn again
	 * in the new one, and what was typed and chosen stays. */
	function redraw() {
		var none = PB.$("pick").querySelector("option[value='']"), id;
		status("");
		error("");
		PB.clear(PB.$("r-report"));
		for (id in fieldWords)
			if (fieldWords.hasOwnProperty(id) && fieldWords[id])
				fieldError(id, fieldWords[id].key, fieldWords[id].params);
		if (!me)
			return;
		drawWho();
		clockWarn(clock);
		if (none)
			none.textContent = PB.t("staff.pick_none");
		if (!current)
			return;
		drawMeta(current);
		setSittings(current, sitting());
		setDay(current, day(), true);
		/* a question open stays open, in the new words, with what was typed */
		if (!PB.$("unlock-confirm").hidden) {
			PB.$("unlock-question").textContent = PB.t("staff.unlock_confirm",
				{day: PB.day(day())});
			if (!PB.$("unlock-error").hidden) {
				PB.$("unlock-error").textContent = unlockProblem(PB.$("unlock-reason").value);
				PB.show(PB.$("unlock-error"), !!PB.$("unlock-error").textContent);
			}
		}
		if (editorWords)
			editorWords();
		if (lastDay)
			drawRows(lastDay, true);
		refreshCode();
		refreshList();
	}

	setup();
	PB.init({page: "staff", render: function () {
		PB.title(PB.t("staff.heading"));
		redraw();
		PB.staff.start({onLogin: loggedIn, onLogout: function () {
			me = null;
			stopTimers();
		}});
	}});
}());
