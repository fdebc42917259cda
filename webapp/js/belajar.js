/* A teacher's progress in one module and its tests (belajar.html#m=ID):
 * the teacher is known by session, NUPTK and the check-in id kept on this
 * phone (or fetched again with the session code: teacher.js). Each
 * answer is sent as it is chosen, so a closed page or a dropped Wi-Fi
 * loses nothing; the open attempt is found again on return. The box keeps
 * the time and scores; this page only shows them. ES5. */
(function () {
	"use strict";

	var RETRY_MS = 4000;            /* resend unsaved answers this often */
	var TICK_MS = 1000;

	var moduleId = "", me = null, progress = null, attempt = null;
	var pending = {}, retryTimer = null, tickTimer = null, deadline = 0, booted = false;
	var finishAsk = null;           /* the question before a test goes with blanks */
	var sendingTest = false;        /* a test's answers are on their way */
	var itemState = {};             /* item id -> [string key, unsaved] under it */
	var savedNote = false;          /* the "not saved yet" line instead of the count */
	var result = null;              /* the finished attempt shown */

	function status(text) { PB.$("status").textContent = text || ""; }
	function error(text) {
		var e = PB.$("error");
		e.textContent = text || "";
		PB.show(e, !!text);
	}
	function attemptKey() { return "pb.learn." + moduleId; }

	function step(id) {
		var all = ["step-id", "step-progress", "step-test", "step-result"], i;
		finishAsk.close(false);
		for (i = 0; i < all.length; i++)
			PB.show(PB.$(all[i]), all[i] === id);
		if (id !== "step-test")
			stopTimers();
	}

	function who(extra) {
		var b = {session: me.session, nuptk: me.nuptk, checkin: me.checkin}, k;
		for (k in extra)
			if (extra.hasOwnProperty(k))
				b[k] = extra[k];
		return b;
	}

	function moduleFromHash() {
		var m = /(?:^|[#&])m=([a-z0-9._-]+)/.exec(location.hash || "");
		return m ? m[1] : "";
	}

	/* ---- who is the teacher ---- */
	function open(ev) {
		if (ev)
			ev.preventDefault();
		PB.teacher.open("belajar", status, error, start);
	}

	function start(w) {
		me = w;
		PB.teacher.remember(w.session, w.nuptk);
		var openAttempt = PB.store.get(attemptKey());
		if (openAttempt)
			return resume(openAttempt);
		loadProgress(true);
	}

	function forget() {
		if (me)
			PB.store.set(PB.teacher.key(me.session, me.nuptk), "");
		me = null;
		step("step-id");
	}

	/* ---- Progres saya ---- */
	function loadProgress(focus) {
		status(PB.t("belajar.loading"));
		PB.api("GET", "/api/v1/learning/modules/" + encodeURIComponent(moduleId) +
		       PB.query({session: me.session, nuptk: me.nuptk, checkin: me.checkin}), null,
		       function (err, data) {
			status("");
			if (err) {
				if (err.code === "bad_proof" || err.code === "other_teacher")
					forget();
				return error(err.message);
			}
			error("");
			progress = data;
			drawProgress();
			step("step-progress");
			if (focus)
				PB.focus(PB.$("progress-heading"));
		});
	}

	function drawProgress() {
		var s = progress.summary, ul, i, t, a, w, li;
		PB.$("who").textContent = (me.name ? me.name + " · " : "") + "NUPTK " + me.nuptk;
		ul = PB.clear(PB.$("summary"));
		ul.appendChild(PB.el("li", {text: PB.t("belajar.sum_activities",
			{done: s.activities_done, n: s.activities})}));
		ul.appendChild(PB.el("li", {text: PB.t("belajar.sum_tests",
			{done: s.tests_taken, n: s.tests})}));
		ul.appendChild(PB.el("li", {text: PB.t("belajar.sum_worksheets",
			{done: s.worksheets_sent, n: progress.worksheets.length})}));
		ul.appendChild(PB.el("li", {text: PB.t("belajar.sum_feedback", {n: s.feedback})}));

		ul = PB.clear(PB.$("tests"));
		for (i = 0; i < progress.tests.length; i++) {
			t = progress.tests[i];
			li = PB.el("li", {"class": "pb-card"}, [
				PB.el("h4", {text: t.title}),
				PB.el("p", {"class": "pb-meta", text: PB.t(t.kind === "pre" ?
					"belajar.kind_pre" : "belajar.kind_post") + " · " +
					PB.tn("belajar.items", t.items) + " · KKM " + t.kkm +
					(t.time_limit_s ? " · " + PB.t("belajar.minutes",
						{n: Math.ceil(t.time_limit_s / 60)}) : "")}),
				PB.el("p", {text: t.last ? PB.t("belajar.last_score",
					{score: t.last.score}) + " " + PB.t(t.last.passed ?
					"belajar.passed" : "belajar.not_passed") : PB.t("belajar.not_taken")}),
				PB.el("p", {"class": "pb-meta", text: PB.t("belajar.attempts_left",
					{left: t.left, n: t.attempts})})
			]);
			if (t.open || t.left > 0)
				li.appendChild(PB.el("button", {type: "button", "class": "pb-btn pb-btn-primary",
					"data-test": t.id, onclick: startTest}, PB.t(t.open ?
					"belajar.continue" : "belajar.start")));
			else if (t.last)
				li.appendChild(PB.el("button", {type: "button", "class": "pb-btn",
					"data-attempt": t.last.attempt, onclick: showResult},
					PB.t("belajar.see_result")));
			ul.appendChild(li);
		}
		if (!progress.tests.length)
			ul.appendChild(PB.el("li", {text: PB.t("belajar.no_tests")}));

		ul = PB.clear(PB.$("activities"));
		for (i = 0; i < progress.activities.length; i++) {
			a = progress.activities[i];
			li = PB.el("li", null, [
				a.url ? PB.el("a", {href: a.url, "data-activity": a.activity,
					"data-state": a.state, onclick: openFile}, a.name) :
					PB.el("span", {text: a.name}),
				PB.el("span", {text: " — " + PB.t("belajar.state_" + (a.state || "none"))})
			]);
			if (a.state !== "done")
				li.appendChild(PB.el("div", null, PB.el("button", {type: "button",
					"class": "pb-btn", "data-activity": a.activity, onclick: markDone},
					PB.t("belajar.mark_done"))));
			ul.appendChild(li);
		}

		ul = PB.clear(PB.$("worksheets"));
		for (i = 0; i < progress.worksheets.length; i++)
			ul.appendChild(worksheetBlock(progress.worksheets[i]));
		if (!progress.worksheets.length)
			ul.appendChild(PB.el("li", {text: PB.t("belajar.no_worksheets")}));
	}

	/* A worksheet: its task, what was sent (text and photos) and the
	 * mentor's review, and the answer box with photos until it is
	 * accepted. */
	function worksheetBlock(w) {
		var sub = w.submission, id = "ws-" + w.id, li, review = null, max = progress.photos_max;
		li = PB.el("li", {"class": "pb-card", id: "worksheet-" + w.id}, [
			PB.el("h4", {text: w.title}),
			w.due ? PB.el("p", {"class": "pb-meta", text: PB.t("belajar.due", {date: PB.day(w.due)})}) :
				null,
			PB.el("p", {text: w.instructions}),
			PB.el("p", {"class": "bl-ws-status", text: PB.t("belajar.ws_" +
				(sub ? sub.status : "none"), {version: sub ? sub.version : 0})})
		]);
		if (sub && sub.reviewed_ms) {
			review = [];
			if (sub.score !== null)
				review.push(PB.t("belajar.ws_score", {score: sub.score}));
			if (sub.comment)
				review.push(PB.t("belajar.ws_comment", {comment: sub.comment}));
			li.appendChild(PB.el("p", {"class": "bl-review", text: review.join(" ")}));
		}
		if (sub && sub.photos && sub.photos.length)
			li.appendChild(sentPhotos(sub));
		if (sub && sub.status === "accepted")
			return li;
		li.appendChild(PB.el("div", {"class": "pb-field"}, [
			PB.el("label", {"for": id, text: PB.t("belajar.ws_answer")}),
			PB.el("textarea", {id: id, rows: "5", maxlength: "4000",
				"data-worksheet": w.id, oninput: keepDraft})
		]));
		if (max > 0)
			li.appendChild(PB.el("div", {"class": "pb-field"}, [
				PB.el("label", {"for": "photo-" + w.id, text: PB.t("belajar.photo_add")}),
				PB.picker(PB.el("input", {id: "photo-" + w.id, type: "file",
					accept: "image/*", multiple: "multiple", "data-photo-of": w.id,
					"aria-describedby": "photo-hint-" + w.id, onchange: photoChosen})),
				PB.el("p", {id: "photo-hint-" + w.id, "class": "pb-hint", text:
					PB.t("belajar.photo_hint", {max: max}) + (sub && sub.photos &&
					sub.photos.length ? " " + PB.t("belajar.photos_replace") : "")}),
				PB.el("ul", {id: "previews-" + w.id, "class": "bl-photos"})
			]));
		li.appendChild(PB.el("button", {type: "button", "class": "pb-btn pb-btn-primary",
			"data-worksheet": w.id, onclick: sendWorksheet},
			PB.t(sub ? "belajar.ws_send_again" : "belajar.ws_send")));
		/* said next to the button: on a phone the page's own status line
		 * is far above */
		li.appendChild(PB.el("p", {id: "ws-msg-" + w.id, "class": "bl-ws-msg", role: "status",
			"aria-live": "polite"}));
		if (drafts.hasOwnProperty(w.id) || sub)
			li.getElementsByTagName("textarea")[0].value =
				drafts.hasOwnProperty(w.id) ? drafts[w.id] : sub.text;
		if (max > 0)
			drawPreviews(w.id, li);
		return li;
	}

	/* The photos this teacher sent (the latest version), as thumbnails
	 * that open the photo itself; the proof rides in the address as it
	 * does for every GET of this page. */
	function sentPhotos(sub) {
		var ul = PB.el("ul", {"class": "bl-photos"}), i, url;
		for (i = 0; i < sub.photos.length; i++) {
			url = "/api/v1/learning/worksheets/" + encodeURIComponent(sub.submission) +
				"/photos/" + sub.photos[i].n + PB.query({session: me.session,
				nuptk: me.nuptk, checkin: me.checkin});
			ul.appendChild(PB.el("li", null, PB.el("a", {href: url, target: "_blank",
				rel: "noopener"}, PB.el("img", {src: url, "class": "bl-thumb",
				alt: PB.t("belajar.photo_sent_alt", {n: sub.photos[i].n})}))));
		}
		return PB.el("div", null, [PB.el("p", {text: PB.t("belajar.photos_sent")}), ul]);
	}

	/* Progress or an error for one worksheet, in its card. */
	function say(ws, text, bad) {
		var p = PB.$("ws-msg-" + ws);
		if (!p)
			return bad ? error(text) : status(text);
		p.textContent = text || "";
		p.className = "bl-ws-msg" + (bad ? " bl-bad" : "");
	}

	/* Photos chosen and answers typed but not sent yet, per worksheet:
	 * kept across redraws of the page (another activity marked done, the
	 * language switched) and after a refused sending, so nothing is lost. */
	var chosen = {}, drafts = {};

	function keepDraft(ev) {
		drafts[ev.target.getAttribute("data-worksheet")] = ev.target.value;
	}

	function drawPreviews(ws, root) {
		var ul = root ? root.querySelector("#previews-" + ws) : PB.$("previews-" + ws), i,
			list = chosen[ws] || [];
		if (!ul)
			return;
		PB.clear(ul);
		for (i = 0; i < list.length; i++)
			ul.appendChild(PB.el("li", null, [
				PB.el("img", {"class": "bl-thumb", src: "data:image/jpeg;base64," +
					list[i].data, alt: PB.t("belajar.photo_alt", {n: i + 1})}),
				PB.el("button", {type: "button", "class": "pb-btn", "data-photo-of": ws,
					"data-index": String(i), onclick: removePhoto},
					PB.t("belajar.photo_remove", {n: i + 1}))
			]));
	}

	function photoChosen(ev) {
		var input = ev.target, ws = input.getAttribute("data-photo-of"), files = [], i;
		for (i = 0; input.files && i < input.files.length; i++)
			files.push(input.files[i]);
		input.value = "";
		chosen[ws] = chosen[ws] || [];
		(function next() {
			var f = files.shift();
			if (!f)
				return say(ws, "");
			if (chosen[ws].length >= progress.photos_max)
				return say(ws, PB.t("belajar.photo_too_many", {max: progress.photos_max}), true);
			say(ws, PB.t("belajar.photo_working"));
			PB.downscale(f, progress.photo_max_bytes, function (err, p) {
				if (err)
					return say(ws, err === "unreadable" ? PB.t("belajar.photo_unreadable") :
						   err === "not_image" ? PB.t("belajar.photo_not_image") :
						   PB.t("belajar.photo_too_large"), true);
				chosen[ws].push(p);
				drawPreviews(ws);
				next();
			});
		})();
	}

	function removePhoto(ev) {
		var ws = ev.target.getAttribute("data-photo-of");
		chosen[ws].splice(parseInt(ev.target.getAttribute("data-index"), 10), 1);
		drawPreviews(ws);
		if (!chosen[ws].length)         /* its face no longer names the last one chosen */
			PB.picker(PB.$("photo-" + ws));
		PB.$("photo-" + ws).focus();
	}

	function sendWorksheet(ev) {
		var button = ev.target, ws = button.getAttribute("data-worksheet"),
			text = PB.$("ws-" + ws).value, photos = [], list = chosen[ws] || [], i;
		if (!text.replace(/\s+/g, "")) {
			PB.$("ws-" + ws).focus();
			return say(ws, PB.t("belajar.ws_empty"), true);
		}
		for (i = 0; i < list.length; i++)
			photos.push({type: list[i].type, data: list[i].data});
		button.disabled = true;
		say(ws, photos.length ? PB.t("belajar.sending", {pct: 0}) : PB.t("belajar.saving"));
		PB.api("POST", "/api/v1/learning/worksheets", who({module: moduleId, worksheet: ws,
		       text: text, photos: photos}), function (err) {
			button.disabled = false;
			if (err)
				return say(ws, err.message, true);
			chosen[ws] = [];
			delete drafts[ws];
			error("");
			status(PB.t("belajar.ws_sent_note"));
			loadProgress(false);
		}, function (share) {
			if (photos.length)
				say(ws, PB.t("belajar.sending", {pct: Math.round(share * 100)}));
		});
	}

	/* Opening a module file marks it opened (not a step back from done),
	 * then the file opens whatever the box answered. */
	function openFile(ev) {
		var link = ev.currentTarget, href = link.getAttribute("href");
		if (link.getAttribute("data-state"))
			return;
		ev.preventDefault();
		PB.api("POST", "/api/v1/learning/modules/" + encodeURIComponent(moduleId) + "/progress",
		       who({activity: link.getAttribute("data-activity"), state: "opened"}),
		       function () { location.href = href; });
	}

	function markDone(ev) {
		var act = ev.target.getAttribute("data-activity");
		PB.api("POST", "/api/v1/learning/modules/" + encodeURIComponent(moduleId) + "/progress",
		       who({activity: act, state: "done"}), function (err) {
			if (err)
				return error(err.message);
			loadProgress(false);
		});
	}

	/* ---- a test ---- */
	function startTest(ev) {
		var test = ev.target.getAttribute("data-test");
		status(PB.t("belajar.loading"));
		PB.api("POST", "/api/v1/learning/attempts", who({module: moduleId, test: test}),
		       function (err, data) {
			status("");
			if (err)
				return error(err.message);
			error("");
			showAttempt(data);
		});
	}

	function resume(uid) {
		status(PB.t("belajar.loading"));
		PB.api("GET", "/api/v1/learning/attempts/" + encodeURIComponent(uid) +
		       PB.query({session: me.session, nuptk: me.nuptk, checkin: me.checkin}), null,
		       function (err, data) {
			status("");
			if (err) {
				PB.store.set(attemptKey(), "");
				if (err.code === "bad_proof" || err.code === "other_teacher") {
					forget();
					return error(err.message);
				}
				return loadProgress(true);
			}
			if (data.finished) {
				PB.store.set(attemptKey(), "");
				return drawResult(data);
			}
			showAttempt(data);
		});
	}

	function showAttempt(a) {
		var form = PB.clear(PB.$("items")), i;
		attempt = a;
		pending = {};
		if (a.finished) {
			PB.store.set(attemptKey(), "");
			return drawResult(a);
		}
		PB.store.set(attemptKey(), a.attempt);
		itemState = {};
		savedNote = false;
		PB.$("test-heading").textContent = a.title;
		PB.$("test-instructions").textContent = a.instructions || "";
		for (i = 0; i < a.items.length; i++)
			form.appendChild(itemBlock(a.items[i], i, a.answers[a.items[i].id] || []));
		testTexts();
		deadline = typeof a.remaining_ms === "number" ? new Date().getTime() + a.remaining_ms : 0;
		tick();
		if (deadline)
			tickTimer = setInterval(tick, TICK_MS);
		step("step-test");
		PB.title(a.title);
		PB.focus(PB.$("test-heading"));
	}

	/* The test's own lines in the page's language (again after a switch). */
	function testTexts() {
		var a = attempt, k, left;
		PB.$("test-meta").textContent = PB.t("belajar.attempt_n", {n: a.n, of: a.attempts}) +
			" · KKM " + a.kkm;
		for (k in itemState)
			if (itemState.hasOwnProperty(k))
				itemStatus(k, itemState[k][0], itemState[k][1]);
		drawSaved();
		left = a.items.length - countAnswered();
		if (!PB.$("finish-confirm").hidden && left > 0)
			PB.$("finish-question").textContent = PB.tn("belajar.confirm_unanswered", left,
				{total: a.items.length});
	}

	function drawSaved() {
		PB.$("saved").textContent = savedNote ? PB.t("belajar.unsaved_note") :
			PB.t("belajar.saved_count", {n: countAnswered(), total: attempt.items.length});
	}

	function countAnswered() {
		var n = 0, k;
		for (k in attempt.answers)
			if (attempt.answers.hasOwnProperty(k) && attempt.answers[k].length)
				n++;
		return n;
	}

	function itemBlock(item, idx, chosen) {
		var multi = item.type === "multiple", opts = [], j, o, id, box;
		for (j = 0; j < item.options.length; j++) {
			o = item.options[j];
			id = "i" + idx + "-" + j;
			box = PB.el("input", {type: multi ? "checkbox" : "radio", id: id,
				name: "item-" + item.id, value: o.id, "data-item": item.id,
				onchange: choose});
			box.checked = chosen.indexOf(o.id) >= 0;
			opts.push(PB.el("div", {"class": "bl-option"}, [box,
				PB.el("label", {"for": id, text: o.text})]));
		}
		return PB.el("fieldset", {"class": "bl-item", id: "item-" + item.id}, [
			PB.el("legend", {text: (idx + 1) + ". " + item.text})
		].concat(multi ? [PB.el("p", {"class": "pb-hint", "data-i18n": "belajar.pick_all",
			text: PB.t("belajar.pick_all")})] : [])
		 .concat(opts).concat([PB.el("p", {"class": "bl-item-status", id: "st-" + item.id})]));
	}

	function choose(ev) {
		var item = ev.target.getAttribute("data-item"), boxes, choice = [], i;
		boxes = PB.$("item-" + item).getElementsByTagName("input");
		for (i = 0; i < boxes.length; i++)
			if (boxes[i].checked)
				choice.push(boxes[i].value);
		send(item, choice);
	}

	/* Under a question: key names its string ("belajar.saved"). */
	function itemStatus(item, key, unsaved) {
		var p = PB.$("st-" + item);
		itemState[item] = [key, unsaved];
		if (!p)
			return;
		p.textContent = PB.t(key);
		p.className = "bl-item-status" + (unsaved ? " bl-unsaved" : "");
	}

	function send(item, choice) {
		var a = attempt;
		pending[item] = choice;
		itemStatus(item, "belajar.saving", false);
		PB.api("POST", "/api/v1/learning/attempts/" + encodeURIComponent(a.attempt) + "/answers",
		       who({item: item, choice: choice}), function (err, data) {
			if (attempt !== a || pending[item] !== choice)
				return;             /* another attempt, or a newer choice on its way */
			if (err) {
				if (err.code === "time_up" || err.code === "attempt_finished")
					return resume(a.attempt);
				itemStatus(item, "belajar.unsaved", true);
				savedNote = true;
				drawSaved();
				if (!retryTimer)
					retryTimer = setTimeout(retry, RETRY_MS);
				return;
			}
			delete pending[item];
			a.answers[item] = choice;
			if (typeof data.remaining_ms === "number")
				deadline = new Date().getTime() + data.remaining_ms;
			itemStatus(item, "belajar.saved", false);
			savedNote = false;
			drawSaved();
		});
	}

	function retry() {
		var k;
		retryTimer = null;
		for (k in pending)
			if (pending.hasOwnProperty(k))
				send(k, pending[k]);
	}

	function tick() {
		var left, m, s;
		if (!deadline) {
			PB.$("timer").textContent = "";
			return;
		}
		left = Math.max(0, deadline - new Date().getTime());
		m = Math.floor(left / 60000);
		s = Math.floor(left / 1000) % 60;
		PB.$("timer").textContent = PB.t("belajar.time_left",
			{time: m + ":" + (s < 10 ? "0" : "") + s});
		if (left === 0) {
			stopTimers();
			resume(attempt.attempt);   /* the box has scored it */
		}
	}

	function stopTimers() {
		if (tickTimer)
			clearInterval(tickTimer);
		if (retryTimer)
			clearTimeout(retryTimer);
		tickTimer = retryTimer = null;
	}

	/* Questions left unanswered are asked about in the page (PB.ask): the
	 * phone's sign-in window may drop a browser confirm() box without a word. */
	function finish() {
		var left = attempt.items.length - countAnswered();
		if (!unsaved() && left > 0)
			return finishAsk.open(PB.$("finish"), PB.tn("belajar.confirm_unanswered", left,
				{total: attempt.items.length}));
		sendTest();
	}

	function unsaved() {
		var k;
		for (k in pending)
			if (pending.hasOwnProperty(k))
				return true;
		return false;
	}

	function sendTest() {
		if (sendingTest)        /* one answer to the box at a time */
			return;
		if (unsaved())
			return error(PB.t("belajar.unsaved_note"));
		sendingTest = true;
		PB.$("finish").disabled = true;
		status(PB.t("belajar.scoring"));
		PB.api("POST", "/api/v1/learning/attempts/" + encodeURIComponent(attempt.attempt) +
		       "/finish", who({}), function (err, data) {
			sendingTest = false;
			PB.$("finish").disabled = false;
			status("");
			if (err)
				return error(err.message);
			PB.store.set(attemptKey(), "");
			drawResult(data);
		});
	}

	function showResult(ev) {
		resume(ev.target.getAttribute("data-attempt"));
	}

	function drawResult(a) {
		error("");
		result = a;
		resultTexts();
		step("step-result");
		PB.focus(PB.$("result-heading"));
	}

	/* The result in the page's language (again after a switch). */
	function resultTexts() {
		var a = result, r = a.result, ol = PB.clear(PB.$("wrong-list")), i;
		PB.$("result-heading").textContent = a.title;
		PB.$("result-score").textContent = PB.t("belajar.score", {score: r.score});
		PB.$("result-text").textContent = PB.t("belajar.correct_of",
			{correct: r.correct, total: r.total}) + " " +
			PB.t(r.passed ? "belajar.passed" : "belajar.not_passed") +
			(r.timed_out ? " " + PB.t("belajar.timed_out") : "");
		for (i = 0; r.wrong && i < r.wrong.length; i++)
			ol.appendChild(PB.el("li", {text: r.wrong[i].text}));
		PB.show(PB.$("result-wrong"), !!(r.wrong && r.wrong.length));
	}

	/* After the strings load: who is on this phone, and where they were. */
	function boot() {
		var last = PB.teacher.last(), proof;
		if (!moduleId)
			return error(PB.t("belajar.no_module"));
		PB.$("back").href = "/#/m/" + encodeURIComponent(moduleId);
		PB.api("GET", "/api/v1/modules/" + encodeURIComponent(moduleId), null,
		       function (err, m) {
			if (!err)
				PB.$("module-title").textContent = m.title;
		});
		proof = last.length === 2 ? PB.store.get(PB.teacher.key(last[0], last[1])) : "";
		if (proof)
			return start({session: parseInt(last[0], 10), nuptk: last[1], checkin: proof});
		step("step-id");
		if (last.length)
			PB.$("nuptk").value = last[1];
		PB.teacher.loadSessions("belajar", error);
	}

	function render() {
		PB.title(PB.t("belajar.heading"));
		if (!booted) {
			booted = true;
			return boot();
		}
		if (progress && !PB.$("step-progress").hidden)
			drawProgress();
		if (attempt && !PB.$("step-test").hidden)
			testTexts();
		if (result && !PB.$("step-result").hidden)
			resultTexts();
	}

	moduleId = moduleFromHash();
	PB.$("step-id").addEventListener("submit", open);
	PB.$("switch").addEventListener("click", forget);
	finishAsk = PB.ask({box: "finish-confirm", question: "finish-question", yes: "finish-yes",
		no: "finish-no", onYes: sendTest});
	PB.$("finish").addEventListener("click", finish);
	PB.$("to-progress").addEventListener("click", function () { loadProgress(true); });
	PB.$("result-back").addEventListener("click", function () { loadProgress(true); });
	PB.init({page: "belajar", render: render});
}());
