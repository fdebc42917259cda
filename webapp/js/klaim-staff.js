/* Facilitator's claims page (klaim-petugas.html), with the login of the
 * facilitator page (petugas.html): pick a session and day, see the queue,
 * approve or reject claims singly or in bulk, set the session's claim
 * settings, and print or download the daftar nominatif. ES5. */
(function () {
	"use strict";

	var ITEMS = ["uang_harian", "uang_makan", "transport", "penginapan"];
	var me = null, session = null, data = null;

	function status(text) { PB.$("status").textContent = text || ""; }
	function error(text) {
		var e = PB.$("error");
		e.textContent = text || "";
		PB.show(e, !!text);
	}
	function val(id) { return PB.$(id).value.replace(/^\s+|\s+$/g, ""); }

	function loggedIn(d) {
		me = d;
		PB.$("who").textContent = PB.t("ks.logged_in_as", {user: d.user, role: d.role});
		PB.show(PB.$("bulk"), d.role !== "admin");
		PB.show(PB.$("admin-note"), d.role === "admin");
		loadSessions();
	}

	function loadSessions() {
		PB.staff.pickSession(PB.$("pick"), PB.t("ks.pick_none"), function (err) {
			if (err)
				return error(err.message);
			pick();
		});
	}

	function pick() {
		var id = PB.$("pick").value;
		PB.show(PB.$("session-view"), !!id);
		if (!id)
			return;
		PB.api("GET", "/api/v1/sessions/" + id, null, function (err, s) {
			if (err)
				return error(err.message);
			session = s;
			drawDays();
			PB.$("csv").setAttribute("href", "/api/v1/sessions/" + id + "/claims.csv");
			load();
		});
	}

	/* The session's days to choose from, in the page's language (drawn
	 * again after a language switch), the chosen one kept. */
	function drawDays() {
		var sel = PB.$("day"), list = PBClaims.days(session), i, keep = sel.value;
		PB.clear(sel);
		sel.appendChild(PB.el("option", {value: ""}, PB.t("ks.all_days")));
		for (i = 0; i < list.length; i++)
			sel.appendChild(PB.el("option", {value: list[i]},
				PB.t("ks.day_n", {n: i + 1, day: PB.day(list[i])})));
		if (keep && list.indexOf(keep) >= 0)
			sel.value = keep;
	}

	function load() {
		var day = PB.$("day").value;
		if (!session)
			return;
		PB.api("GET", "/api/v1/sessions/" + session.id + "/claims" + PB.query({day: day}), null,
		       function (err, d) {
			if (err) {
				if (err.status === 401)
					return PB.staff.showLogin();
				return error(err.message);
			}
			data = d;
			drawSettings();
			drawQueue();
			drawNominatif();
		});
	}

	function drawSettings() {
		PB.$("s-province").value = data.settings.province || "";
		PB.$("s-meals").checked = !!data.settings.meals_in_kind;
		PB.$("s-residential").checked = !!data.settings.residential;
		PB.$("s-uang-harian").value = data.settings.uang_harian || "diklat";
		PB.show(PB.$("locked"), !!data.locked);
	}

	function evidence(c) {
		if (c.receipt)
			return PB.el("a", {href: "/api/v1/claims/" + c.id + "/receipt", target: "_blank",
					   rel: "noopener"}, PB.t("ks.receipt"));
		if (c.evidence === "dpr")
			return [PB.t("ks.dpr"), PB.el("img", {src: "/api/v1/claims/" + c.id + "/signature.svg",
				alt: PB.t("ks.dpr_signature", {name: c.name}), "class": "cl-signature"})];
		return "";
	}

	/* The reason of a rejection asked in the row itself, not a browser prompt. */
	function askReason(td, c) {
		var id = "reject-reason-" + c.id, input, msg, send, cancel, form;
		input = PB.el("input", {id: id, type: "text", maxlength: "300",
			"aria-describedby": id + "-msg"});
		msg = PB.el("p", {id: id + "-msg", "class": "att-field-error", "aria-live": "assertive",
			hidden: "hidden"});
		send = PB.el("button", {type: "submit", "class": "pb-btn"}, PB.t("ks.reject"));
		cancel = PB.el("button", {type: "button", "class": "pb-btn",
			onclick: function () { load(); }}, PB.t("ks.cancel"));
		form = PB.el("form", {"class": "cl-reject"}, [PB.el("label", {"for": id},
			PB.t("ks.reason_prompt")), input, msg,
			PB.el("div", {"class": "cl-decide"}, [cancel, send])]);
		form.addEventListener("submit", function (ev) {
			var r = input.value.replace(/^\s+|\s+$/g, "");
			ev.preventDefault();
			if (!r) {
				msg.textContent = PB.t("ks.reason_first");
				PB.show(msg, true);
				input.setAttribute("aria-invalid", "true");
				return input.focus();
			}
			decide([c.id], "reject", r);
		});
		PB.clear(td).appendChild(form);
		input.focus();
	}

	/* The claim a row's controls act on, in words: {name, item, day}. */
	function whose(c) {
		return {name: c.name, item: PBClaims.itemLabel(c), day: PB.day(c.day)};
	}

	/* Facilitators decide; an admin sets the box up and sees no buttons. */
	function decisionButtons(c) {
		var td = PB.el("td", {"class": "cl-c-action"}, null), box;
		if (!me || me.role === "admin" || c.status === "withdrawn")
			return td;
		box = PB.el("div", {"class": "cl-decide"}, null);
		td.appendChild(box);
		/* named with the teacher and the item: a screen reader's list of
		 * buttons is not a column of "Setujui" */
		box.appendChild(PB.el("button", {type: "button", "class": "pb-btn", "data-id": String(c.id),
			"aria-label": PB.t("ks.approve_label", whose(c)),
			onclick: function () { decide([c.id], "approve", ""); }}, PB.t("ks.approve")));
		box.appendChild(PB.el("button", {type: "button", "class": "pb-btn", "data-id": String(c.id),
			"aria-label": PB.t("ks.reject_label", whose(c)),
			onclick: function () { askReason(td, c); }}, PB.t("ks.reject")));
		return td;
	}

	function statusCell(c) {
		var td = PBClaims.statusCell(c);
		td.className = "cl-c-status";
		return td;
	}

	function drawQueue() {
		var tb = PB.$("queue-rows"), i, c;
		PB.clear(tb);
		for (i = 0; i < data.claims.length; i++) {
			c = data.claims[i];
			tb.appendChild(PB.el("tr", {id: "claim-" + c.id}, [
				PB.el("td", {"class": "cl-c-pick"}, PB.el("input", {type: "checkbox",
					"class": "pick-claim", value: String(c.id),
					"aria-label": PB.t("ks.select", whose(c))})),
				PB.el("td", {"class": "cl-c-teacher"}, [PB.el("span", {"class": "cl-name"}, c.name),
					PB.el("div", {"class": "pb-small"},
						(c.nuptk ? PB.nuptkText(c.nuptk) : PB.personLabel(c.no_peserta)) +
						" · " + PB.day(c.day))]),
				PB.el("td", {"class": "cl-c-item"}, [PBClaims.itemLabel(c),
					PB.el("div", {"class": "cl-why"}, c.why)]),
				PB.el("td", {"class": "cl-money cl-c-amount"}, PBClaims.rp(c.amount)),
				PB.el("td", {"class": "cl-c-evidence"}, evidence(c)),
				statusCell(c),
				decisionButtons(c)
			]));
		}
		if (!data.claims.length)
			tb.appendChild(PB.el("tr", {"class": "cl-none"}, PB.el("td", {colspan: "7"},
				PB.t("ks.no_claims"))));
		PB.$("totals").textContent = PB.t("ks.totals", {
			submitted: PBClaims.rp(data.totals.submitted), approved: PBClaims.rp(data.totals.approved),
			rejected: PBClaims.rp(data.totals.rejected), paid: PBClaims.rp(data.totals.paid)});
	}

	function drawNominatif() {
		var nom = data.nominatif, head = PB.$("nom-head"), tb = PB.$("nom-rows"), i, j, r, cells;
		PB.$("p-centre").textContent = data.centre;
		PB.$("p-session").textContent = PB.t("ks.print_session", {title: session.title,
			start: PB.day(session.start_date), days: session.days});
		PB.$("p-fac").textContent = me ? me.user : "";
		PB.clear(head);
		cells = [PB.el("th", {scope: "col"}, PB.t("ks.no")), PB.el("th", {scope: "col"}, "NUPTK"),
			 PB.el("th", {scope: "col"}, PB.t("ks.name")),
			 PB.el("th", {scope: "col"}, PB.t("ks.school")),
			 PB.el("th", {scope: "col"}, PB.t("ks.days"))];
		for (j = 0; j < ITEMS.length; j++)
			cells.push(PB.el("th", {scope: "col"}, PB.t("claims.item." + ITEMS[j])));
		cells.push(PB.el("th", {scope: "col"}, PB.t("ks.total")));
		cells.push(PB.el("th", {scope: "col", "class": "cl-sign"}, PB.t("ks.signature")));
		head.appendChild(PB.el("tr", null, cells));
		PB.clear(tb);
		/* a figure carries its column's name (data-label): under 600 px
		 * each row is a card and the name is shown above it (.pb-cards) */
		function money(label, n, id) {
			return PB.el("td", {"class": "cl-money", "data-label": label, id: id || null},
				PBClaims.rp(n));
		}
		for (i = 0; i < nom.rows.length; i++) {
			r = nom.rows[i];
			cells = [PB.el("td", {"class": "cl-n-no"}, String(i + 1)),
				 PB.el("td", {"class": "pb-card-sub cl-n-id"}, r.nuptk ? PB.nuptkText(r.nuptk) : PB.personLabel(r.no_peserta)),
				 PB.el("td", {"class": "pb-card-head"}, r.name),
				 PB.el("td", {"class": "pb-card-sub"}, r.school),
				 PB.el("td", {"data-label": PB.t("ks.days")}, String(r.days))];
			for (j = 0; j < ITEMS.length; j++)
				cells.push(money(PB.t("claims.item." + ITEMS[j]), r.items[ITEMS[j]]));
			cells.push(money(PB.t("ks.total"), r.total));
			cells.push(PB.el("td", {"class": "cl-sign"}, ""));
			tb.appendChild(PB.el("tr", null, cells));
		}
		cells = [PB.el("td", {colspan: "5", "class": "pb-card-head"}, PB.t("ks.grand_total"))];
		for (j = 0; j < ITEMS.length; j++)
			cells.push(money(PB.t("claims.item." + ITEMS[j]), nom.totals.items[ITEMS[j]]));
		cells.push(money(PB.t("ks.total"), nom.totals.total, "nom-total"));
		cells.push(PB.el("td", {"class": "cl-sign"}, ""));
		tb.appendChild(PB.el("tr", {"class": "cl-total"}, cells));
	}

	function decide(ids, decision, reason) {
		error("");
		status(PB.t("ks.saving"));
		PB.api("POST", ids.length === 1 ? "/api/v1/claims/" + ids[0] + "/decision" :
		       "/api/v1/sessions/" + session.id + "/claims/decisions",
		       ids.length === 1 ? {decision: decision, reason: reason} :
		       {ids: ids, decision: decision, reason: reason}, function (err, d) {
			status("");
			if (err)
				return error(err.message);
			status(PB.tn("ks.decided", d.changed));
			load();
		});
	}

	function selected() {
		var boxes = document.querySelectorAll ? document.querySelectorAll(".pick-claim") : [], out = [], i;
		for (i = 0; i < boxes.length; i++)
			if (boxes[i].checked)
				out.push(parseInt(boxes[i].value, 10));
		return out;
	}

	function bulk(decision) {
		var ids = selected(), reason = val("bulk-reason");
		if (!ids.length)
			return error(PB.t("ks.select_first"));
		if (decision === "reject" && !reason) {
			PB.$("bulk-reason").focus();
			return error(PB.t("ks.reason_first"));
		}
		decide(ids, decision, decision === "reject" ? reason : "");
	}

	function saveSettings(ev) {
		ev.preventDefault();
		PB.api("POST", "/api/v1/sessions/" + session.id + "/claim-settings", {
			province: val("s-province"), meals_in_kind: PB.$("s-meals").checked,
			residential: PB.$("s-residential").checked,
			uang_harian: PB.$("s-uang-harian").value}, function (err) {
			if (err)
				return error(err.message);
			status(PB.t("ks.saved"));
			load();
		});
	}

	function setup() {
		PB.$("logout").addEventListener("click", PB.staff.logout);
		PB.$("pick").addEventListener("change", pick);
		PB.$("day").addEventListener("change", load);
		PB.$("bulk-approve").addEventListener("click", function () { bulk("approve"); });
		PB.$("bulk-reject").addEventListener("click", function () { bulk("reject"); });
		PB.$("settings-form").addEventListener("submit", saveSettings);
		PB.$("print").addEventListener("click", function () { PB.print(PB.$("print")); });
		PB.$("all").addEventListener("change", function () {
			var boxes = document.querySelectorAll(".pick-claim"), i;
			for (i = 0; i < boxes.length; i++)
				boxes[i].checked = PB.$("all").checked;
		});
	}

	setup();
	PB.init({page: "klaim-staff", render: function () {
		PB.title(PB.t("ks.heading"));
		/* a message of the other language goes; the next action words its own */
		status("");
		error("");
		if (me && session)
			drawDays();
		if (me)
			load();
		PB.staff.start({onLogin: loggedIn, onLogout: function () { me = null; }});
	}});
}());
