/* Teacher's claims (klaim.html): open one's claims with the proof of
 * attendance (the check-in id kept on this phone, or fetched again with
 * the session code), claim the daily and meal allowances (computed by the
 * box), and transport or lodging at cost with a receipt photo (downscaled
 * here first) or a signed statement of real cost. ES5. */
(function () {
	"use strict";

	var pad, me = null, options = null, mine = [], photo = null;

	/* An answer to the cost or the account form is said beside what it is
	 * about (near): the field to mend, else the button tapped; not below
	 * the forms that follow. */
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
	/* A refused allowance is said beside its buttons, where the teacher
	 * tapped, not at the foot of the page. */
	function flatError(text) {
		var e = PB.$("flat-error");
		e.textContent = text || "";
		PB.show(e, !!text);
	}
	function key(session, nuptk) { return PB.teacher.key(session, nuptk); }

	function open(ev) {
		if (ev)
			ev.preventDefault();
		PB.teacher.open("klaim", status, error, start);
	}

	function start(who) {
		me = who;
		PB.teacher.remember(who.session, who.nuptk);
		PB.show(PB.$("step-id"), false);
		PB.show(PB.$("step-claims"), true);
		PB.$("who").textContent = (who.name ? who.name + " · " : "") + PB.personLabel(who.nuptk, true);
		refresh();
		PB.$("claims-heading").focus();
	}

	function refresh() {
		PB.api("GET", "/api/v1/claims/options" + PB.query({session: me.session}), null,
		       function (err, data) {
			if (err)
				return error(err.message);
			options = data;
			drawDays();
			drawForm();
			PB.api("GET", "/api/v1/claims" + PB.query({session: me.session, nuptk: me.nuptk,
				checkin: me.checkin}), null, function (err2, list) {
				if (err2) {
					if (err2.code === "bad_proof" || err2.code === "other_teacher")
						PB.store.set(key(me.session, me.nuptk), "");
					return error(err2.message);
				}
				mine = list.claims;
				drawMine(list);
				drawFlat();
				drawBank(list.bank);
			});
		});
	}

	function item(code) {
		for (var i = 0; options && i < options.items.length; i++)
			if (options.items[i].code === code)
				return options.items[i];
		return null;
	}

	function claimDay() {
		return PB.$("day").value || options.day;
	}

	/* A withdrawn or rejected claim leaves the item open that day: the
	 * teacher may file it again (a corrected receipt). */
	function claimed(code) {
		for (var i = 0; i < mine.length; i++)
			if (mine[i].item === code && mine[i].day === claimDay() &&
			    mine[i].status !== "withdrawn" && mine[i].status !== "rejected")
				return true;
		return false;
	}

	/* The rejections the teacher may answer with a new claim that day,
	 * newest first, one line per item. */
	function drawRefile() {
		var lines = [], seen = {}, i, c, r = PB.$("refile");
		for (i = mine.length - 1; i >= 0; i--) {
			c = mine[i];
			if (c.day !== claimDay() || seen[c.item] || c.status === "withdrawn")
				continue;
			seen[c.item] = true;
			if (c.status === "rejected" && !claimed(c.item))
				lines.push(PB.t("klaim.refile", {item: PBClaims.itemLabel(c),
					reason: c.decision && c.decision.reason ? c.decision.reason : "\u2014"}));
		}
		r.textContent = lines.join(" ");
		PB.show(r, lines.length > 0);
	}

	/* The session's days up to today; today (or the last) chosen first. */
	function drawDays() {
		var sel = PB.$("day"), list = PBClaims.days(options.session), keep = sel.value, i;
		PB.clear(sel);
		for (i = 0; i < list.length && list[i] <= options.day; i++)
			sel.appendChild(PB.el("option", {value: list[i]},
				PB.t("klaim.day_n", {n: i + 1, day: PB.day(list[i], true)})));
		if (!sel.options.length)
			sel.appendChild(PB.el("option", {value: options.day}, PB.day(options.day)));
		sel.value = keep || sel.options[sel.options.length - 1].value;
	}

	function drawFlat() {
		var pairs = [["flat-harian", "uang_harian"], ["flat-makan", "uang_makan"]], i, it, b;
		for (i = 0; i < pairs.length; i++) {
			b = PB.$(pairs[i][0]);
			it = item(pairs[i][1]);
			PB.show(b, !!(it && it.offered && it.rate !== undefined && !claimed(it.code)));
			if (it && it.rate !== undefined)
				b.textContent = PB.t("klaim.flat." + it.code, {amount: PBClaims.rp(it.rate)});
		}
		drawRefile();
		drawCostDone();
	}

	/* The at-cost form only while something is left to claim that day. */
	function drawCostDone() {
		var lodging = item("penginapan"), left = [], sel = PB.$("item");
		if (!claimed("transport"))
			left.push("transport");
		if (lodging && lodging.offered && !claimed("penginapan"))
			left.push("penginapan");
		PB.show(PB.$("cost-form"), left.length > 0);
		PB.$("cost-done").textContent = left.length ? "" : PB.t("klaim.cost_done");
		PB.show(PB.$("cost-done"), !left.length);
		if (left.length && left.indexOf(sel.value) < 0) {
			sel.value = left[0];
			itemChanged();
		}
	}

	/* "Klaim saya" as cards, status first: no table cut at 360 px. */
	/* A claim still only submitted can be taken back, after one question
	 * asked in the page (PB.ask) inside its card: the page's one
	 * withdraw-confirm block, moved there. Drawing the cards again moves it
	 * to the claim's new card, its words in the language; it closes when
	 * the claim can no longer be withdrawn. Batal and Escape give the focus
	 * back to the card's button. */
	var withdrawAsk = null, withdrawing = null;

	function withdrawWords(c) {
		return PB.t("klaim.withdraw_confirm", {item: PBClaims.itemLabel(c), day: PB.day(c.day)});
	}

	/* The claim's withdraw button as drawn now. */
	function withdrawButtonOf(id) {
		var all = PB.$("mine-rows").querySelectorAll("button.cl-withdraw"), i;
		for (i = 0; i < all.length; i++)
			if (all[i].getAttribute("data-claim") === String(id))
				return all[i];
		return null;
	}

	function withdrawButton(li, c) {
		var b = PB.el("button", {type: "button", "class": "pb-btn cl-withdraw",
			"data-claim": String(c.id)}, PB.t("klaim.withdraw"));
		b.addEventListener("click", function () {
			error("");
			status("");
			withdrawing = c;
			li.appendChild(PB.$("withdraw-confirm"));
			withdrawAsk.open(function () { return withdrawButtonOf(c.id); }, withdrawWords(c));
		});
		return b;
	}

	function withdraw() {
		var c = withdrawing;
		withdrawing = null;
		if (!c)
			return;
		PB.api("POST", "/api/v1/claims/" + c.id + "/withdraw", {checkin: me.checkin},
		       function (err) {
			if (err)
				return error(err.message);
			status(PB.t("klaim.withdrawn", {item: PBClaims.itemLabel(c)}));
			refresh();
		});
	}

	function drawMine(list) {
		var ul = PB.$("mine-rows"), q = PB.$("withdraw-confirm"), asked = null, i, c, st, li;
		ul.parentNode.insertBefore(q, ul.nextSibling);    /* out of the cards it clears */
		PB.clear(ul);
		for (i = 0; i < mine.length; i++) {
			c = mine[i];
			st = PB.t("claims.status." + c.status);
			if (c.status === "rejected" && c.decision && c.decision.reason)
				st += " \u2014 " + PB.t("claims.reason", {reason: c.decision.reason});
			li = PB.el("li", {"class": "cl-card cl-card-" + c.status}, [
				PB.el("p", {"class": "cl-card-status cl-" + c.status}, st),
				PB.el("p", {"class": "cl-card-item"}, [PBClaims.itemLabel(c), " \u00b7 ",
					PB.el("span", {"class": "cl-money"}, PBClaims.rp(c.amount))]),
				PB.el("p", {"class": "cl-why"}, PB.day(c.day) + (c.why ? " \u00b7 " + c.why : ""))
			]);
			if (c.status === "submitted")
				li.appendChild(withdrawButton(li, c));
			if (c.status === "submitted" && withdrawing && withdrawing.id === c.id) {
				asked = withdrawing = c;
				PB.$("withdraw-question").textContent = withdrawWords(c);
				li.appendChild(q);
			}
			ul.appendChild(li);
		}
		if (!asked) {
			withdrawAsk.close(false);
			withdrawing = null;
		}
		if (!mine.length)
			ul.appendChild(PB.el("li", {"class": "cl-card"}, PB.t("klaim.none")));
		PB.$("mine-total").textContent = PB.t("klaim.totals", {
			submitted: PBClaims.rp(list.totals.submitted), approved: PBClaims.rp(list.totals.approved),
			paid: PBClaims.rp(list.totals.paid)});
	}

	function drawForm() {
		var modes = PB.$("mode"), origins = PB.$("origin"), i, o, keepM = modes.value,
			keepO = origins.value, lodging = item("penginapan");
		PB.clear(modes);
		for (i = 0; i < options.modes.length; i++)
			modes.appendChild(PB.el("option", {value: options.modes[i]},
				PB.t("claims.mode." + options.modes[i])));
		PB.clear(origins);
		origins.appendChild(PB.el("option", {value: ""}, PB.t("klaim.pick_origin")));
		for (i = 0; i < options.origins.length; i++) {
			o = options.origins[i];
			origins.appendChild(PB.el("option", {value: o.origin},
				PB.t("klaim.origin_option", {origin: o.origin, ceiling: PBClaims.rp(o.ceiling)})));
		}
		if (keepM)
			modes.value = keepM;
		if (keepO)
			origins.value = keepO;
		PB.show(PB.$("item-field"), !!(lodging && lodging.offered));
		itemChanged();
	}

	function ceiling() {
		var i;
		if (PB.$("item").value === "penginapan") {
			i = item("penginapan");
			return i && i.rate !== undefined ? i.rate : null;
		}
		for (i = 0; options && i < options.origins.length; i++)
			if (options.origins[i].origin === PB.$("origin").value)
				return options.origins[i].ceiling;
		return null;
	}

	/* What will be paid, and why, before sending. */
	function preview() {
		var a = PB.$("amount").value, c = ceiling(), p = PB.$("preview"),
		    n = PBClaims.parseRupiah(a);
		if (n === null || c === null) {
			p.textContent = /\S/.test(a) && n === null ? PB.t("klaim.amount_digits") : "";
			return;
		}
		if (n > c * options.absurd_factor)
			p.textContent = PB.t("klaim.preview_absurd", {ceiling: PBClaims.rp(c)});
		else if (n > c)
			p.textContent = PB.t("klaim.preview_capped", {ceiling: PBClaims.rp(c), pay: PBClaims.rp(c)});
		else
			p.textContent = PB.t("klaim.preview_full", {ceiling: PBClaims.rp(c), pay: PBClaims.rp(n)});
	}

	function itemChanged() {
		var transport = PB.$("item").value === "transport";
		PB.show(PB.$("mode-field"), transport);
		PB.show(PB.$("origin-field"), transport);
		preview();
	}

	function evidenceChanged() {
		var dpr = PB.$("ev-dpr").checked;
		PB.show(PB.$("dpr-box"), dpr);
		PB.show(PB.$("receipt-box"), !dpr);
	}

	function photoChanged() {
		var f = PB.$("photo").files && PB.$("photo").files[0];
		photo = null;
		PB.$("photo-info").textContent = "";
		if (!f)
			return;
		PB.$("photo-info").textContent = PB.t("klaim.photo_working");
		PB.downscale(f, options ? options.receipt_max_bytes : 524288, function (err, p) {
			if (err) {
				PB.$("photo-info").textContent = "";
				return error(err === "unreadable" ? PB.t("klaim.photo_unreadable") :
					     err === "not_image" ? PB.t("klaim.photo_not_image") :
					     PB.t("klaim.photo_too_large"), PB.$("photo-info"));
			}
			photo = p;
			PB.$("photo-info").textContent = PB.t("klaim.photo_ready",
				{size: PB.size(p.bytes), w: p.width, h: p.height});
		});
	}

	/* One confirmation before an allowance is filed (it cannot be taken
	 * back by the teacher), asked in the page (PB.ask), not in a browser
	 * dialog; Batal and Escape give the focus back to its button. */
	var flatAsk = null, asking = null;

	function askFlat(code) {
		var it = item(code);
		error("");
		flatError("");
		status("");
		asking = code;
		flatAsk.open(PB.$(code === "uang_makan" ? "flat-makan" : "flat-harian"),
			PB.t("klaim.confirm_flat", {item: PB.t("claims.item." + code),
				amount: PBClaims.rp(it ? it.rate : 0), day: PB.day(claimDay())}));
	}

	function post(body) {
		/* an allowance's answer under its buttons, the cost's under its
		 * form (Ajukan is its last control; a filed cost hides the form) */
		var near = PB.$(body.amount === undefined ? "flat-error" : "cost-form");
		body.session = me.session;
		body.nuptk = me.nuptk;
		body.day = claimDay();
		body.checkin = me.checkin;
		status(PB.t("klaim.sending"), near);
		PB.$("send").disabled = true;
		PB.api("POST", "/api/v1/claims", body, function (err, data) {
			PB.$("send").disabled = false;
			status("");
			if (err && body.amount === undefined) {
				flatError(err.message);
				return PB.$(body.item === "uang_makan" ? "flat-makan" : "flat-harian").focus();
			}
			if (err)
				return error(err.message, near);
			error("");
			flatError("");
			status(PB.t("klaim.sent", {amount: PBClaims.rp(data.amount), why: data.why}), near);
			refresh();
			if (body.amount !== undefined)
				resetCost();
		});
	}

	function resetCost() {
		PB.$("amount").value = "";
		PB.$("photo").value = "";
		PB.picker(PB.$("photo"));       /* its face says no photo again */
		PB.$("photo-info").textContent = "";
		PB.$("dpr-confirm").checked = false;
		photo = null;
		pad.clear();
		preview();
	}

	function sendCost(ev) {
		var a = PBClaims.parseRupiah(PB.$("amount").value), it = PB.$("item").value, body;
		ev.preventDefault();
		error("");
		if (a === null || a < 1) {
			PB.$("amount").focus();
			return error(PB.t("klaim.amount_digits"), PB.$("preview"));
		}
		body = {item: it, amount: a};
		if (it === "transport") {
			if (!PB.$("origin").value) {
				PB.$("origin").focus();
				return error(PB.t("klaim.pick_origin"), PB.$("origin"));
			}
			body.mode = PB.$("mode").value;
			body.origin = PB.$("origin").value;
		}
		if (PB.$("ev-dpr").checked) {
			if (!PB.$("dpr-confirm").checked) {
				PB.$("dpr-confirm").focus();
				return error(PB.t("klaim.dpr_first"), PB.$("dpr-confirm").parentNode);
			}
			if (pad.isEmpty())
				return error(PB.t("klaim.sign_first"), PB.$("clear"));
			body.evidence = "dpr";
			body.dpr_confirm = true;
			body.signature = pad.encode();
		} else {
			if (!photo) {
				PB.$("photo").focus();
				return error(PB.t("klaim.photo_first"), PB.$("photo-info"));
			}
			body.evidence = "receipt";
			body.receipt = {type: photo.type, data: photo.data};
		}
		post(body);
	}

	/* The account the teacher is paid into (the roster's, or their own). */
	function drawBank(b) {
		if (!b || document.activeElement === PB.$("bank") ||
		    document.activeElement === PB.$("rekening") ||
		    document.activeElement === PB.$("nama-rekening"))
			return;
		PB.$("bank").value = b.bank;
		PB.$("rekening").value = b.rekening;
		PB.$("nama-rekening").value = b.nama_rekening;
	}

	function sendBank(ev) {
		ev.preventDefault();
		status(PB.t("klaim.sending"), PB.$("bank-send"));
		PB.$("bank-send").disabled = true;
		PB.api("POST", "/api/v1/claims/bank", {session: me.session, nuptk: me.nuptk,
			checkin: me.checkin, bank: PB.$("bank").value, rekening: PB.$("rekening").value,
			nama_rekening: PB.$("nama-rekening").value}, function (err, data) {
			PB.$("bank-send").disabled = false;
			status("");
			if (err)
				return error(err.message, PB.$("bank-send"));
			error("");
			drawBank(data);
			status(PB.t("klaim.bank_saved"), PB.$("bank-send"));
		});
	}

	function setup() {
		var last = PB.teacher.last();
		pad = PBSignature(PB.$("pad"));
		PB.$("step-id").addEventListener("submit", open);
		PB.$("cost-form").addEventListener("submit", sendCost);
		PB.$("bank-form").addEventListener("submit", sendBank);
		PB.$("flat-harian").addEventListener("click", function () { askFlat("uang_harian"); });
		PB.$("flat-makan").addEventListener("click", function () { askFlat("uang_makan"); });
		flatAsk = PB.ask({box: "flat-confirm", question: "flat-question", yes: "flat-yes",
			no: "flat-no", onYes: function () {
				var code = asking;
				asking = null;
				if (code)
					post({item: code});
			}});
		withdrawAsk = PB.ask({box: "withdraw-confirm", question: "withdraw-question",
			yes: "withdraw-yes", no: "withdraw-no", onYes: withdraw});
		PB.$("switch").addEventListener("click", function () {
			me = null;
			flatError("");
			PB.show(PB.$("step-claims"), false);
			PB.show(PB.$("step-id"), true);
			PB.$("nuptk").value = "";
			PB.$("nuptk").focus();
		});
		PB.$("clear").addEventListener("click", function () { pad.clear(); });
		PB.$("amount").addEventListener("input", preview);
		PB.$("origin").addEventListener("change", preview);
		PB.$("item").addEventListener("change", itemChanged);
		PB.$("ev-dpr").addEventListener("change", evidenceChanged);
		PB.$("ev-receipt").addEventListener("change", evidenceChanged);
		PB.$("photo").addEventListener("change", photoChanged);
		PB.$("day").addEventListener("change", function () {
			flatError("");
			drawFlat();
		});
		if (last.length)
			PB.$("nuptk").value = last[1];
		evidenceChanged();
	}

	setup();
	PB.init({page: "klaim", render: function () {
		PB.title(PB.t("klaim.heading"));
		/* a message of the other language goes: the page says it again in
		 * this one (the preview) or the next action does (status, error) */
		status("");
		error("");
		preview();
		PB.teacher.loadSessions("klaim", error);
		if (me)
			refresh();
	}});
}());
