/* The programme office's page on the hub (served by pb-hub -w, not by the
 * box): log in with an office account, then boxes and their health,
 * activities with attendance and JP, claims by status with "mark paid" in
 * bulk, the exports, the conflicts, and a USB stick's outbox sent as a
 * zip. Revoking, paying, resolving and importing are for kantor-admin;
 * the hub checks every one of them again. */
(function () {
	"use strict";

	var API = "/v1/kantor/";
	var TABS = ["boxes", "activities", "claims", "exports", "conflicts", "import"];
	var IMPORT_MAX = 32 * 1024 * 1024;    /* HUB_OFFICE_IMPORT_MAX */
	var EXPORTS = ["claims.csv", "claims.xlsx", "attendance.csv", "attendance.xlsx",
		       "learning.csv", "worksheets.csv"];
	var me = null, tab = "boxes", claims = [], confirming = null, drawn = {}, revokeAsk = null;

	function isAdmin() {
		return !!me && me.role === "kantor-admin";
	}

	function error(msg) {
		var e = PB.$("k-error");
		e.textContent = msg || "";
		PB.show(e, !!msg);
	}

	function status(msg) {
		PB.$("k-status").textContent = msg || "";
	}

	/* An answer refused because the login ended: back to the form. */
	function failed(err) {
		if (err && err.status === 401) {
			me = null;
			PB.csrf = null;
			showLogin();
		}
		error(err ? err.message : "");
	}

	function showLogin() {
		PB.show(PB.$("k-app"), false);
		PB.show(PB.$("k-login"), true);
	}

	function money(n) {
		return "Rp " + String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
	}

	function when(iso) {
		return iso ? PB.dateTime(Date.parse(iso)) : PB.t("kantor.never");
	}

	function short(id) {
		return id && id.length > 12 ? id.substring(0, 12) + "…" : id;
	}

	/* A table that reads as cards on a phone (app.css .pb-cards): heads
	 * is a list of locale keys, rows a list of cell lists; a cell is text
	 * or a node. The first cell is the card's head. */
	function table(heads, rows, caption) {
		var i, j, tr, cells, labels = [], thead = [];
		for (i = 0; i < heads.length; i++) {
			labels.push(PB.t(heads[i]));
			thead.push(PB.el("th", {scope: "col", text: labels[i]}));
		}
		var body = [];
		for (i = 0; i < rows.length; i++) {
			cells = [];
			for (j = 0; j < rows[i].length; j++)
				cells.push(PB.el("td", j === 0 ? {"class": "pb-card-head"} :
						 {"data-label": labels[j]}, rows[i][j]));
			tr = PB.el("tr", {}, cells);
			body.push(tr);
		}
		return PB.el("div", {"class": "k-scroll"}, PB.el("table", {"class": "pb-cards k-table"}, [
			PB.el("caption", {"class": "k-caption", text: caption}),
			PB.el("thead", {}, PB.el("tr", {}, thead)),
			PB.el("tbody", {}, body)]));
	}

	function empty(key) {
		return PB.el("p", {"class": "pb-meta", text: PB.t(key)});
	}

	/* A list the hub cut at its limit says so under the table. */
	function limited(list, n, limit) {
		if (limit && n >= limit)
			list.appendChild(PB.el("p", {"class": "pb-notice", role: "note",
				text: PB.t("kantor.limited", {n: limit})}));
	}

	/* ---- boxes ---- */

	function flagText(flags) {
		var out = [], i;
		for (i = 0; flags && i < flags.length; i++)
			out.push(PB.t("kantor.flag_" + flags[i]));
		return out.length ? out.join(", ") : PB.t("kantor.flag_none");
	}

	/* Revoking asks first, in the page (PB.ask), inside the box's cell: the
	 * page's one k-revoke-confirm block, moved there. Drawing the boxes
	 * again (another language) moves it to the box's new cell, its words in
	 * the language; it closes when that box is no longer offered. Batal and
	 * Escape give the focus back to the box's Cabut button. */
	function revokeButton(id) {
		var all = PB.$("k-boxes-list").querySelectorAll("button.k-revoke"), i;
		for (i = 0; i < all.length; i++)
			if (all[i].getAttribute("data-box") === id)
				return all[i];
		return null;
	}

	function revokeWords(b) {
		return PB.t("kantor.revoke_confirm", {box: short(b.box_id), centre: b.centre_id});
	}

	function askRevoke(b, cell) {
		confirming = b.box_id;
		cell.appendChild(PB.$("k-revoke-confirm"));
		revokeAsk.open(function () { return revokeButton(b.box_id); }, revokeWords(b));
	}

	/* The block back after the list, still open or not. */
	function parkRevoke() {
		var home = PB.$("k-boxes-list");
		home.parentNode.insertBefore(PB.$("k-revoke-confirm"), home.nextSibling);
	}

	function revokeCell(b) {
		var cell;
		if (b.state === "revoked")
			return PB.t("kantor.revoked_at", {at: when(b.revoked_at)});
		if (!isAdmin())
			return PB.t("kantor.state_active");
		cell = PB.el("div", {"class": "k-revoke-cell"});
		cell.appendChild(PB.el("button", {type: "button", "class": "pb-btn k-revoke",
			"data-box": b.box_id, onclick: function () { askRevoke(b, cell); }},
			PB.t("kantor.revoke")));
		if (confirming === b.box_id) {
			PB.$("k-revoke-question").textContent = revokeWords(b);
			cell.appendChild(PB.$("k-revoke-confirm"));
		}
		return cell;
	}

	/* 1 when box id is listed in d and may still be revoked. */
	function revokeOffered(d, id) {
		var i;
		for (i = 0; id && i < d.boxes.length; i++)
			if (d.boxes[i].box_id === id)
				return d.boxes[i].state !== "revoked";
		return false;
	}

	function drawBoxes(d) {
		var list, rows = [], i, b, h;
		parkRevoke();
		list = PB.clear(PB.$("k-boxes-list"));
		drawn.boxes = d;
		if (!d || !isAdmin() || !revokeOffered(d, confirming)) {
			revokeAsk.close(false);
			confirming = null;
		}
		if (!d)
			return;
		/* before any box reported its version, there is no old one */
		PB.$("k-boxes-thresholds").textContent = PB.t(d.thresholds.min_version ?
			"kantor.thresholds" : "kantor.thresholds_no_version", {
			days: d.thresholds.silent_days, mb: d.thresholds.low_disk_mb,
			version: d.thresholds.min_version});
		for (i = 0; i < d.boxes.length; i++) {
			b = d.boxes[i];
			h = b.health || {};
			rows.push([b.centre_id + " · " + short(b.box_id), h.version || "–",
				   when(b.last_upload_at), flagText(b.flags), revokeCell(b)]);
		}
		list.appendChild(rows.length ? table(["kantor.col_box", "kantor.col_version",
			"kantor.col_last_upload", "kantor.col_health", "kantor.col_state"], rows,
			PB.t("kantor.boxes_heading")) : empty("kantor.no_boxes"));
	}

	function loadBoxes() {
		status(PB.t("kantor.loading"));
		PB.api("GET", API + "boxes" + PB.query({centre: PB.$("k-boxes-centre").value}), null,
		       function (err, d) {
			status("");
			if (err)
				return failed(err);
			drawBoxes(d);
		});
	}

	function revoke() {
		var box = confirming;
		confirming = null;
		if (!box)
			return;
		status(PB.t("kantor.working"));
		PB.api("POST", API + "boxes/" + encodeURIComponent(box) + "/revoke", {confirm: box},
		       function (err) {
			if (err) {
				status("");
				return failed(err);
			}
			error("");
			loadBoxes();
			status(PB.t("kantor.revoked", {box: short(box)}));
		});
	}

	/* ---- activities ---- */

	function drawActivities(d) {
		var list = PB.clear(PB.$("k-activities-list")), rows = [], i, a;
		drawn.activities = d;
		if (!d)
			return;
		for (i = 0; i < d.activities.length; i++) {
			a = d.activities[i];
			rows.push([a.title || a.session_id, a.centre_id,
				   a.start_date ? PB.day(a.start_date) : "–",
				   a.days === null ? "–" : String(a.days),
				   a.jp_per_day === null ? "–" : String(a.jp_per_day),
				   String(a.people), String(a.person_days),
				   a.jp_total === null ? "–" : String(a.jp_total)]);
		}
		list.appendChild(rows.length ? table(["kantor.col_activity", "kantor.col_centre",
			"kantor.col_start", "kantor.col_days", "kantor.col_jp_day", "kantor.col_people",
			"kantor.col_person_days", "kantor.col_jp_total"], rows,
			PB.t("kantor.activities_heading")) : empty("kantor.no_activities"));
		limited(list, rows.length, d.limit);
	}

	function loadActivities() {
		status(PB.t("kantor.loading"));
		PB.api("GET", API + "activities" + PB.query({centre: PB.$("k-act-centre").value}), null,
		       function (err, d) {
			status("");
			if (err)
				return failed(err);
			drawActivities(d);
		});
	}

	/* ---- claims ---- */

	function chosen() {
		var boxes = document.querySelectorAll(".k-pick"), out = [], i;
		for (i = 0; i < boxes.length; i++)
			if (boxes[i].checked)
				out.push(boxes[i].getAttribute("data-claim"));
		return out;
	}

	function countChosen() {
		var n = chosen().length;
		PB.$("k-pay-count").textContent = PB.tn("kantor.chosen", n);
		PB.$("k-pay-btn").disabled = n === 0;
	}

	function drawClaims(d) {
		var list = PB.clear(PB.$("k-claims-list")), rows = [], i, c, k, counts = [], pick;
		drawn.claims = d;
		if (!d)
			return;
		claims = d.claims;
		for (k in d.counts)
			if (d.counts.hasOwnProperty(k))
				counts.push(PB.t("kantor.status_" + k) + ": " + d.counts[k].count + " (" +
					    money(d.counts[k].amount_rp) + ")");
		PB.$("k-claims-counts").textContent = counts.join(" · ");
		for (i = 0; i < claims.length; i++) {
			c = claims[i];
			pick = isAdmin() && c.status === "approved" ?
				PB.el("input", {type: "checkbox", "class": "k-pick", id: "k-pick-" + i,
					"data-claim": c.claim_id, onchange: countChosen}) : null;
			rows.push([PB.el("span", {}, [pick, pick ? " " : null,
				PB.el("label", pick ? {"for": "k-pick-" + i} : {},
				      c.name || c.nuptk || c.claim_id)]),
				   c.centre_id, c.session_id, c.item, money(c.amount_rp),
				   PB.t("kantor.status_" + c.status) +
				   (c.status === "paid" ? " · " + (c.reference || "–") +
				    (c.paid_by ? " · " + c.paid_by : "") : "")]);
		}
		list.appendChild(rows.length ? table(["kantor.col_claim", "kantor.col_centre",
			"kantor.col_activity", "kantor.col_item", "kantor.col_amount", "kantor.col_status"],
			rows, PB.t("kantor.claims_heading")) : empty("kantor.no_claims"));
		limited(list, rows.length, d.limit);
		PB.show(PB.$("k-pay"), isAdmin() && PB.$("k-claims-status").value === "approved" &&
			claims.length > 0);
		countChosen();
	}

	function loadClaims(done) {
		status(PB.t("kantor.loading"));
		PB.api("GET", API + "claims" + PB.query({status: PB.$("k-claims-status").value}), null,
		       function (err, d) {
			status("");
			if (err)
				return failed(err);
			drawClaims(d);
			if (done)
				done();
		});
	}

	function markPaid() {
		var ids = chosen(), btn = PB.$("k-pay-btn");
		if (!ids.length)
			return;
		btn.disabled = true;
		status(PB.t("kantor.working"));
		PB.api("POST", API + "claims/paid", {claims: ids, reference: PB.$("k-pay-ref").value},
		       function (err, d) {
			var t, parts = [], k;
			if (err) {
				status("");
				btn.disabled = false;
				return failed(err);
			}
			error("");
			t = d.tally || {};
			for (k in t)
				if (t.hasOwnProperty(k))
					parts.push(PB.t("kantor.result_" + k, {n: t[k]}));
			loadClaims(function () {
				status(parts.join(" · "));
			});
		});
	}

	/* ---- exports ---- */

	function drawExports() {
		var list = PB.clear(PB.$("k-exports-list")), i, q = PB.query({
			centre: PB.$("k-exp-centre").value, session: PB.$("k-exp-session").value});
		for (i = 0; i < EXPORTS.length; i++)
			list.appendChild(PB.el("li", {}, PB.el("a", {href: API + "export/" + EXPORTS[i] + q,
				download: EXPORTS[i], "class": "k-export"},
				PB.t("kantor.export_" + EXPORTS[i].replace(".", "_")))));
	}

	/* ---- conflicts ---- */

	function resolve(id, note) {
		status(PB.t("kantor.working"));
		PB.api("POST", API + "conflicts/" + id + "/resolve", {note: note}, function (err) {
			if (err) {
				status("");
				return failed(err);
			}
			error("");
			loadConflicts();
			status(PB.t("kantor.resolved"));
		});
	}

	function resolveCell(c, i) {
		var input;
		if (c.resolved_at)
			return PB.t("kantor.resolved_by", {who: c.resolved_by || "?",
				at: when(c.resolved_at)}) + (c.note ? " — " + c.note : "");
		if (!isAdmin())
			return PB.t("kantor.open");
		input = PB.el("input", {type: "text", id: "k-note-" + i, maxlength: "500"});
		return PB.el("span", {"class": "k-resolve"}, [
			PB.el("label", {"for": "k-note-" + i, text: PB.t("kantor.note")}), input, " ",
			PB.el("button", {type: "button", "class": "pb-btn", onclick: function () {
				resolve(c.id, input.value);
			}}, PB.t("kantor.resolve"))]);
	}

	function drawConflicts(d) {
		var list = PB.clear(PB.$("k-conflicts-list")), rows = [], i, c;
		drawn.conflicts = d;
		if (!d)
			return;
		for (i = 0; i < d.conflicts.length; i++) {
			c = d.conflicts[i];
			rows.push([c.centre_id + " · " + short(c.box_id) + " · seq " + c.seq, when(c.at),
				   short(c.stored_hash) + " / " + short(c.offered_hash),
				   resolveCell(c, i)]);
		}
		list.appendChild(rows.length ? table(["kantor.col_record", "kantor.col_at",
			"kantor.col_hashes", "kantor.col_state"], rows, PB.t("kantor.conflicts_heading")) :
			empty("kantor.no_conflicts"));
		limited(list, rows.length, d.limit);
	}

	function loadConflicts() {
		status(PB.t("kantor.loading"));
		PB.api("GET", API + "conflicts", null, function (err, d) {
			status("");
			if (err)
				return failed(err);
			drawConflicts(d);
		});
	}

	/* ---- a USB stick's outbox, zipped ---- */

	function drawImport(d) {
		var list = PB.clear(PB.$("k-import-result")), rows = [], i, b, text;
		if (!d)
			return;
		for (i = 0; i < d.boxes.length; i++) {
			b = d.boxes[i];
			text = PB.t("kantor.import_box", {stored: b.stored, duplicates: b.duplicates,
							   refused: b.refused});
			rows.push([short(b.box_id), text + (b.error ? " — " + b.error : ""),
				   b.ack ? PB.el("a", {href: "data:application/json;charset=utf-8," +
					encodeURIComponent(b.ack), download: "ack.json",
					"class": "k-ack"}, PB.t("kantor.import_ack", {path: b.ack_path})) : "–"]);
		}
		list.appendChild(table(["kantor.col_box", "kantor.import_result", "kantor.import_ack_col"],
				       rows, PB.t("kantor.import_heading")));
	}

	/* The zip as it is (not JSON), with the upload's progress. */
	function sendImport() {
		var file = PB.$("k-import-file").files[0], bar = PB.$("k-import-progress"),
		    btn = PB.$("k-import-btn"), xhr;
		error("");
		if (!file)
			return error(PB.t("kantor.import_choose"));
		if (file.size > IMPORT_MAX)
			return error(PB.t("kantor.import_too_large"));
		xhr = new XMLHttpRequest();
		xhr.open("POST", API + "import", true);
		xhr.setRequestHeader("Content-Type", "application/zip");
		xhr.setRequestHeader("X-CSRF-Token", PB.csrf);
		if (xhr.upload)
			xhr.upload.onprogress = function (ev) {
				if (ev.lengthComputable && ev.total > 0)
					bar.value = Math.round(100 * ev.loaded / ev.total);
			};
		xhr.onreadystatechange = function () {
			var d = null;
			if (xhr.readyState !== 4)
				return;
			btn.disabled = false;
			PB.show(bar, false);
			status("");
			try { d = JSON.parse(xhr.responseText); } catch (e) { d = null; }
			if (xhr.status === 200 && d)
				return drawImport(d);
			failed({status: xhr.status, message: d && d.error &&
				PB.strings.hasOwnProperty("error." + d.error) ? PB.t("error." + d.error) :
				(d && d.message) || PB.t("error.http", {status: xhr.status})});
		};
		btn.disabled = true;
		bar.value = 0;
		PB.show(bar, true);
		status(PB.t("kantor.import_sending"));
		xhr.send(file);
	}

	/* ---- tabs, login ---- */

	var loaders = {boxes: loadBoxes, activities: loadActivities, claims: loadClaims,
		       exports: drawExports, conflicts: loadConflicts, import: function () {}};

	function show(name) {
		var i;
		tab = name;
		for (i = 0; i < TABS.length; i++) {
			PB.$("k-tab-" + TABS[i]).setAttribute("aria-pressed", TABS[i] === name ? "true" : "false");
			PB.show(PB.$("k-" + TABS[i]), TABS[i] === name);
		}
		error("");
		loaders[name]();
	}

	function enter(d) {
		me = d;
		PB.csrf = d.csrf;
		PB.$("k-who").textContent = PB.t("kantor.who", {user: d.user,
			role: PB.t(d.role === "kantor-admin" ? "kantor.role_admin" : "kantor.role_kantor")});
		PB.show(PB.$("k-login"), false);
		PB.show(PB.$("k-app"), true);
		PB.show(PB.$("k-tab-import"), isAdmin());
		if (tab === "import" && !isAdmin())
			tab = "boxes";
		show(tab);
	}

	function login(ev) {
		var user = PB.$("k-user").value, pw = PB.$("k-password").value, btn = PB.$("k-login-btn");
		ev.preventDefault();
		if (!user || !pw) {
			error(PB.t("kantor.fill_login"));
			PB.focus(PB.$(user ? "k-password" : "k-user"));
			return;
		}
		btn.disabled = true;
		status(PB.t("kantor.logging_in"));
		PB.api("POST", API + "login", {user: user, password: pw}, function (err, d) {
			btn.disabled = false;
			status("");
			if (err) {
				error(err.message);
				PB.$("k-password").value = "";
				PB.focus(PB.$("k-password"));
				return;
			}
			error("");
			PB.$("k-password").value = "";
			enter(d);
		});
	}

	function logout() {
		PB.api("POST", API + "logout", null, function () {
			me = null;
			PB.csrf = null;
			showLogin();
			status(PB.t("kantor.logged_out"));
			PB.focus(PB.$("k-user"));
		});
	}

	function render() {
		PB.title(PB.t("kantor.heading"));
		if (!me)
			return;
		PB.$("k-who").textContent = PB.t("kantor.who", {user: me.user,
			role: PB.t(me.role === "kantor-admin" ? "kantor.role_admin" : "kantor.role_kantor")});
		drawBoxes(drawn.boxes);
		drawActivities(drawn.activities);
		drawClaims(drawn.claims);
		drawConflicts(drawn.conflicts);
		drawExports();
	}

	function start() {
		var i;
		PB.$("k-login").addEventListener("submit", login, false);
		PB.$("k-logout").addEventListener("click", logout, false);
		PB.$("k-boxes-load").addEventListener("click", loadBoxes, false);
		PB.$("k-act-load").addEventListener("click", loadActivities, false);
		PB.$("k-claims-load").addEventListener("click", function () { loadClaims(); }, false);
		PB.$("k-claims-status").addEventListener("change", function () { loadClaims(); }, false);
		PB.$("k-pay-btn").addEventListener("click", markPaid, false);
		PB.$("k-import-btn").addEventListener("click", sendImport, false);
		PB.$("k-exp-centre").addEventListener("input", drawExports, false);
		PB.$("k-exp-session").addEventListener("input", drawExports, false);
		for (i = 0; i < TABS.length; i++)
			(function (name) {
				PB.$("k-tab-" + name).addEventListener("click", function () { show(name); }, false);
			}(TABS[i]));
		PB.api("GET", API + "me", null, function (err, d) {
			if (err) {
				showLogin();
				if (err.status !== 401)
					error(err.message);
				return;
			}
			enter(d);
		});
	}

	revokeAsk = PB.ask({box: "k-revoke-confirm", question: "k-revoke-question",
		yes: "k-revoke-yes", no: "k-revoke-no", onYes: revoke});
	PB.init({page: "kantor", render: render});
	start();
}());
