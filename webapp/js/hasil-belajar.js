/* The results of a session for facilitators and mentors
 * (hasil-belajar.html), with the staff login (staff-common.js): pre- and
 * post-test per teacher, the items most teachers missed, completion and
 * overdue worksheets, printable and as CSV or XLSX; and the worksheets
 * waiting for review, oldest first (overdue ones marked), each answered
 * with "perlu revisi" or "diterima", a rubric score and a comment. A
 * mentor picks among its sessions and sees only what it is assigned to
 * (the box decides). ES5. */
(function () {
	"use strict";

	var me = null, sessionId = "";

	function status(text) { PB.$("status").textContent = text || ""; }
	function error(text) {
		var e = PB.$("error");
		e.textContent = text || "";
		PB.show(e, !!text);
	}

	function loggedIn(d) {
		me = d;
		PB.$("who").textContent = PB.t("hb.logged_in_as", {user: d.user, role: d.role});
		loadSessions();
	}

	function loadSessions() {
		PB.staff.pickSession(PB.$("pick"), PB.t("hb.pick_none"), function (err) {
			if (err)
				return error(err.message);
			if (me.assignments) {
				onlyAssigned(PB.$("pick"), me.assignments);
				PB.staff.remember(PB.$("pick").value);
			}
			pick();
		});
	}

	/* A mentor assigned to sessions only: the picker offers those (one is
	 * picked at once). Assigned to modules, it offers every session: the
	 * queue holds the module's worksheets of each. */
	function onlyAssigned(sel, mine) {
		var i, keep = [], opt;
		if (mine.modules.length)
			return;
		for (i = 0; i < mine.sessions.length; i++)
			keep.push(String(mine.sessions[i]));
		for (i = sel.options.length - 1; i > 0; i--) {
			opt = sel.options[i];
			if (keep.indexOf(opt.value) < 0)
				sel.removeChild(opt);
		}
		if (!sel.value && sel.options.length === 2)
			sel.value = sel.options[1].value;
	}

	function pick() {
		sessionId = PB.$("pick").value;
		PB.show(PB.$("session-view"), !!sessionId);
		if (!sessionId)
			return;
		PB.$("csv").href = "/api/v1/sessions/" + sessionId + "/learning.csv";
		PB.$("xlsx").href = "/api/v1/sessions/" + sessionId + "/learning.xlsx";
		load();
		loadQueue();
		if (me.role === "admin")
			loadMentors();
	}

	/* An admin assigns mentors to the session picked: a box per mentor. */
	function loadMentors() {
		PB.api("GET", "/api/v1/admin/mentors", null, function (err, d) {
			var ul = PB.clear(PB.$("mentor-list")), i, m, id;
			if (err)
				return error(err.message);
			PB.show(PB.$("mentor-view"), true);
			for (i = 0; i < d.mentors.length; i++) {
				m = d.mentors[i];
				id = "mentor-" + i;
				ul.appendChild(PB.el("li", null, [
					PB.el("input", {id: id, type: "checkbox", "data-user": m.user,
						checked: m.sessions.indexOf(Number(sessionId)) >= 0,
						onchange: assign}),
					PB.el("label", {"for": id, text: m.user + (m.kind ? " (" + m.kind + ")" : "") +
						(m.disabled ? " — " + PB.t("hb.mentor_disabled") : "")})
				]));
			}
			if (!d.mentors.length)
				ul.appendChild(PB.el("li", {text: PB.t("hb.mentors_none")}));
		});
	}

	function assign(ev) {
		var box = ev.target;
		PB.api("POST", "/api/v1/admin/mentors/assign", {user: box.getAttribute("data-user"),
			session: Number(sessionId), remove: !box.checked}, function (err) {
			if (err) {
				box.checked = !box.checked;
				return error(err.message);
			}
			error("");
			status(PB.t("hb.mentor_saved"));
		});
	}

	function score(s) { return s ? String(s.score) : "–"; }

	/* A cell of a row: a card's first line ("head"), its second ("sub"),
	 * or a figure that carries its column's name, shown above it where
	 * the table is drawn as cards (under 600 px, app.css .pb-cards). */
	function cell(kind, text) {
		return PB.el("td", {"class": "pb-card-" + kind, text: text});
	}
	function figure(label, text) {
		return PB.el("td", {"class": "hb-fig", "data-label": PB.t(label), text: text});
	}
	function none(text) {
		return PB.el("tr", null, PB.el("td", {"class": "pb-card-head", colspan: "7", text: text}));
	}

	/* The results; then (may be absent) once they are drawn. */
	function load(then) {
		status(PB.t("hb.loading"));
		PB.api("GET", "/api/v1/sessions/" + sessionId + "/learning", null, function (err, d) {
			var rows = PB.clear(PB.$("teacher-rows")), i, t, pre = 0, post = 0, gain;
			status("");
			if (err)
				return error(err.message);
			error("");
			PB.$("session-title").textContent = d.session.title;
			for (i = 0; i < d.teachers.length; i++) {
				t = d.teachers[i];
				pre += t.pre ? 1 : 0;
				post += t.post ? 1 : 0;
				gain = t.pre && t.post ? t.post.score - t.pre.score : null;
				rows.appendChild(PB.el("tr", null, [
					cell("head", t.name || t.nuptk),
					cell("sub", t.module),
					figure("hb.col_pre", score(t.pre)),
					figure("hb.col_post", score(t.post)),
					figure("hb.col_gain", gain === null ? "–" : (gain > 0 ? "+" : "") + gain),
					figure("hb.col_done", PB.t("hb.done_of", {done: t.done, n: t.activities})),
					figure("hb.col_ws_overdue", String(t.overdue))
				]));
			}
			if (!d.teachers.length)
				rows.appendChild(none(PB.t("hb.no_results")));
			PB.$("completion").textContent = PB.t("hb.completion", {pre: pre, post: post});
			drawTests(d.tests);
			drawWorksheets(d.worksheets);
			if (then)
				then();
		});
	}

	function drawWorksheets(list) {
		var rows = PB.clear(PB.$("worksheet-rows")), i, w;
		for (i = 0; i < list.length; i++) {
			w = list[i];
			rows.appendChild(PB.el("tr", null, [
				cell("head", w.title + (w.due ? " (" + PB.day(w.due) + ")" : "")),
				figure("hb.col_waiting", String(w.waiting)),
				figure("hb.col_revise", String(w.revise)),
				figure("hb.col_accepted", String(w.accepted)),
				figure("hb.col_not_sent", String(w.not_sent)),
				figure("hb.col_overdue", String(w.overdue))
			]));
		}
		if (!list.length)
			rows.appendChild(none(PB.t("hb.no_worksheets")));
	}

	function drawTests(tests) {
		var box = PB.clear(PB.$("tests")), i, j, t, items, ol;
		for (i = 0; i < tests.length; i++) {
			t = tests[i];
			items = t.items.slice(0).sort(function (a, b) { return b.wrong - a.wrong; });
			ol = PB.el("ol");
			for (j = 0; j < items.length; j++)
				ol.appendChild(PB.el("li", {text: PB.t("hb.item_wrong", {text: items[j].text,
					wrong: items[j].wrong, n: t.attempts})}));
			box.appendChild(PB.el("div", {"class": "pb-card"}, [
				PB.el("h4", {text: t.title + " (" + t.module + ")"}),
				PB.el("p", {"class": "pb-meta", text: PB.t("hb.test_meta", {teachers: t.teachers,
					attempts: t.attempts, passed: t.passed, mean: t.mean, kkm: t.kkm})}),
				ol
			]));
		}
	}

	function loadQueue() {
		var q = {session: sessionId, module: PB.$("queue-module").value.replace(/\s+/g, "")};
		PB.api("GET", "/api/v1/worksheets" + PB.query(q), null,
		       function (err, d) {
			var ol = PB.clear(PB.$("queue")), i;
			if (err)
				return error(err.message);
			for (i = 0; i < d.submissions.length; i++)
				ol.appendChild(submissionBlock(d.submissions[i]));
			if (!d.submissions.length)
				ol.appendChild(PB.el("li", {text: PB.t("hb.queue_empty")}));
		});
	}

	/* The photos sent with it (each opened view is in the audit log), as
	 * thumbnails that open the photo itself. */
	function photos(s) {
		var ul, i, url;
		if (!s.photos || !s.photos.length)
			return null;
		ul = PB.el("ul", {"class": "hb-photos"});
		for (i = 0; i < s.photos.length; i++) {
			url = "/api/v1/learning/worksheets/" + encodeURIComponent(s.submission) + "/photos/" +
				s.photos[i].n;
			ul.appendChild(PB.el("li", null, PB.el("a", {href: url, target: "_blank",
				rel: "noopener"}, PB.el("img", {src: url, "class": "hb-thumb",
				alt: PB.t("hb.photo_alt", {n: s.photos[i].n, name: s.name || s.nuptk})}))));
		}
		return ul;
	}

	function submissionBlock(s) {
		var id = s.submission, li;
		li = PB.el("li", {id: "sub-" + id}, [
			PB.el("p", null, PB.el("strong", {text: (s.name || s.nuptk) + " · " + s.title})),
			PB.el("p", {"class": "pb-meta", text: PB.t("hb.sent_at", {version: s.version,
				when: PB.dateTime(s.submitted_ms)})}),
			s.overdue ? PB.el("p", {"class": "hb-overdue", text: PB.t("hb.overdue",
				{due: PB.day(s.due)})}) : null,
			PB.el("p", {"class": "hb-text", text: s.text}),
			photos(s),
			PB.el("div", {"class": "pb-field"}, [
				PB.el("label", {"for": "score-" + id, text: PB.t("hb.score_label")}),
				PB.el("input", {id: "score-" + id, type: "number", min: "0", max: "100",
					inputmode: "numeric"})
			]),
			PB.el("div", {"class": "pb-field"}, [
				PB.el("label", {"for": "comment-" + id, text: PB.t("hb.comment_label")}),
				PB.el("textarea", {id: "comment-" + id, rows: "3", maxlength: "1000"})
			]),
			PB.el("button", {type: "button", "class": "pb-btn", "data-id": id,
				"data-status": "revise", onclick: review}, PB.t("hb.revise")),
			PB.el("button", {type: "button", "class": "pb-btn pb-btn-primary", "data-id": id,
				"data-status": "accepted", onclick: review}, PB.t("hb.accept"))
		]);
		return li;
	}

	function review(ev) {
		var id = ev.target.getAttribute("data-id"), body = {
			status: ev.target.getAttribute("data-status"),
			comment: PB.$("comment-" + id).value
		}, sc = PB.$("score-" + id).value;
		if (sc !== "") {
			if (!/^[0-9]{1,3}$/.test(sc) || parseInt(sc, 10) > 100) {
				PB.$("score-" + id).focus();
				return error(PB.t("hb.bad_score"));
			}
			body.score = parseInt(sc, 10);
		}
		PB.api("POST", "/api/v1/sessions/" + sessionId + "/worksheets/" + id + "/review", body,
		       function (err) {
			if (err)
				return error(err.message);
			error("");
			loadQueue();
			load(function () { status(PB.t("hb.reviewed")); });
		});
	}

	PB.$("pick").addEventListener("change", pick);
	PB.$("print").addEventListener("click", function () { PB.print(PB.$("print")); });
	PB.$("queue-module").addEventListener("change", loadQueue);
	PB.init({page: "hasil-belajar", render: function () {
		PB.title(PB.t("hb.heading"));
		if (me && sessionId)
			load();
		PB.staff.start({onLogin: loggedIn, onLogout: function () { me = null; }});
	}});
}());
