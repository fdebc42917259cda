/* Admin: the uplink to the hub (GET /api/v1/admin/sync, refreshed every
 * REFRESH_MS) and "send now" (POST /api/v1/admin/sync/now), plus the
 * power warning pb-gpio reports and "not ready" when /healthz says the
 * database cannot be written; and the software: "Pasang sekarang" asks,
 * after a question in the page (PB.ask), for the downloaded release to be
 * installed (POST /api/v1/admin/update/apply), then the page follows the
 * install; the migrations held back during a trial and, once a commit
 * applied one marked newer only, that the box cannot go back. Refused
 * (logged out, or not the admin) the page says only that (PB.adminOnly). */
(function () {
	"use strict";

	var REFRESH_MS = 10000;
	var sync = null, error = null, note = "", notReady = null;
	var applyAsk = null, applied = false, applyNote = "";
	/* note and applyNote: "" or a function giving the words in the page's
	 * language, so that a switch says them again in the other */

	function words(key, params) {
		return function () { return PB.t(key, params); };
	}
	function errWords(err) {
		return function () { return PB.errorWords(err); };
	}
	function said(w) { return typeof w === "function" ? w() : w; }

	function text(id, value) {
		PB.$(id).textContent = value;
	}

	/* pb-sync's last error is English words for the technician: the page
	 * explains it in the page's language, keyed by the words it contains
	 * (first match wins; the most specific first), and keeps the words as
	 * a detail. */
	var ERRORS = [
		["database is locked", "db_busy"], ["no backhaul", "no_backhaul"],
		["hub name not found", "dns"], ["hub not reachable", "unreachable"],
		["timed out", "slow"], ["certificate", "certificate"], ["no hub configured", "no_hub"],
		["not enrolled", "not_enrolled"], ["no enrolment token", "not_enrolled"],
		["enrolment failed", "enrol_failed"], ["hub busy", "hub_busy"],
		["receipt photo refused", "receipt_refused"], ["broke off", "upload_broke"],
		["release refused", "release_refused"], ["release file", "download"],
		["release feed", "download"], ["sha-256", "download"],
		["download budget", "budget"], ["download failed", "download"],
		["module file", "download"], ["range request", "download"],
		["does not acknowledge", "no_ack"], ["hub refused", "hub_refused"],
		["hub answered", "hub_refused"], ["cannot ", "local"]
	];

	/* The words of table (prefix + key) for raw; prefix + "other" else. */
	function explain(raw, table, prefix) {
		var low = String(raw).toLowerCase(), i;
		for (i = 0; i < table.length; i++)
			if (low.indexOf(table[i][0]) >= 0)
				return PB.t(prefix + table[i][1]);
		return PB.t(prefix + "other");
	}

	function lastError(raw) {
		text("sync-err-text", raw ? explain(raw, ERRORS, "sync.err.") : "\u2013");
		text("sync-err-raw", raw || "");
		PB.show(PB.$("sync-err-detail"), !!raw);
	}

	function when(ms) {
		if (ms === null || ms === undefined)
			return PB.t("sync.never");
		return PB.dateTime(ms);
	}

	/* The version running and the update waiting (update.state). */
	var UPDATE_STATES = ["downloading", "ready", "installing", "installed", "committed",
		"failed", "refused", "rolled back", "no space"];

	/* pbctl update's English words in update.error, explained like
	 * pb-sync's (first match wins), the words kept as a detail. A trial
	 * that ran out of space says "ended; free space" once the old root
	 * ended it, and only "no space ..." while it still runs. */
	var UPDATE_ERRORS = [
		["session day is open", "day_open"], ["failed its checks", "trial"],
		["did not finish", "unfinished"], ["no longer verifies", "verify"],
		["ended; free space", "no_space_ended"], ["no space on the data partition", "no_space"]
	];

	function software(sw) {
		var st = sw.state || "", key = "sync.update_none";
		var asked = !!sw.apply_requested || st === "installing";
		var ready = st === "ready" && !asked;
		var showErr = !!sw.error && (st === "ready" || st === "failed" || st === "no space") &&
			!asked;
		text("sync-version", sw.version || "\u2013");
		if (UPDATE_STATES.indexOf(st) >= 0)
			key = "sync.update_" + st.replace(" ", "_");
		if (asked)
			key = "sync.update_installing";
		text("sync-update", PB.t(key, {v: sw.available || ""}));
		PB.show(PB.$("sync-update-err-label"), showErr);
		PB.show(PB.$("sync-update-err"), showErr);
		text("sync-update-err-text", showErr ? explain(sw.error, UPDATE_ERRORS, "sync.update_err.") : "");
		text("sync-update-err-raw", showErr ? sw.error : "");
		if (!ready)
			applyAsk.close(false);
		PB.show(PB.$("sync-apply"), ready);
		if (!PB.$("sync-apply-confirm").hidden)      /* the words follow the language */
			text("sync-apply-ask", PB.t("sync.apply_ask", {v: sw.available || ""}));
		if (ready && applied) {  /* asked, then apply did not install: its note says why */
			applied = false;
			applyNote = "";
		}
		text("sync-apply-status", said(applyNote));
		PB.show(PB.$("sync-held-label"), !!sw.held);
		PB.show(PB.$("sync-held"), !!sw.held);
		text("sync-held", sw.held ? PB.t("sync.held", {list: sw.held}) : "");
		PB.show(PB.$("sync-no-return"), !!sw.no_return);
		text("sync-no-return-text", sw.no_return ? PB.t("sync.no_return", {list: sw.no_return}) : "");
	}

	function render() {
		var s = sync, refused = PB.adminOnly("sync-login", error);
		PB.title(PB.t("sync.title"));
		PB.show(PB.$("sync-error"), !!error && !refused);
		if (error && !refused)
			text("sync-error", PB.errorWords(error));
		text("sync-status", said(note));
		PB.show(PB.$("sync-ready"), notReady !== null && !refused);
		text("sync-ready-reason", notReady || "");
		PB.show(PB.$("sync-view"), !!s);
		PB.show(PB.$("sync-power"), !!(s && s.power && s.power.message));
		if (!s)
			return;
		text("sync-state", PB.t("sync.state_" + s.state));
		text("sync-last", when(s.last_success_ms));
		text("sync-pending", PB.tn("sync.records", s.pending));
		text("sync-acked", PB.tn("sync.records", s.acknowledged));
		text("sync-up", PB.size(s.bytes_up || 0));
		text("sync-down", PB.size(s.bytes_down || 0));
		lastError(s.last_error);
		text("sync-hub", s.hub || PB.t("sync.no_hub"));
		software(s.software || {});
		if (s.power && s.power.message)
			text("sync-power-text", PB.t(s.power.undervoltage_now || s.power.throttled_now ?
				"sync.power_now" : "sync.power_boot"));
	}

	function load() {
		PB.api("GET", "/healthz", null, function (err, data, status) {
			notReady = status === 503 ? (data && data.database_error) || "" : null;
			render();
		});
		PB.api("GET", "/api/v1/admin/sync", null, function (err, data) {
			error = err;
			sync = err ? null : data;
			render();
		});
	}

	function now() {
		note = words("sync.waking");
		render();
		PB.api("POST", "/api/v1/admin/sync/now", {}, function (err) {
			note = err ? errWords(err) : words("sync.woken");
			render();
			setTimeout(load, 2000);
		});
	}

	function askApply() {
		applyNote = "";
		render();
		applyAsk.open(PB.$("sync-apply-btn"), PB.t("sync.apply_ask",
			{v: (sync && sync.software && sync.software.available) || ""}));
	}

	function apply() {
		applyNote = words("sync.apply_sending");
		render();
		PB.api("POST", "/api/v1/admin/update/apply", {}, function (err, data) {
			var names = [], i;
			if (err && err.code === "update_day_open" && data && data.sessions) {
				for (i = 0; i < data.sessions.length; i++)
					names.push(data.sessions[i].title);
				applyNote = (function (why) {
					return function () {
						return PB.t("sync.apply_day_open", {message: why(),
							sessions: names.join(", ")});
					};
				}(errWords(err)));
			} else if (err) {
				applyNote = errWords(err);
			} else {
				applied = true;
				applyNote = words("sync.apply_asked", {v: data.version});
				if (sync && sync.software)
					sync.software.apply_requested = true;
			}
			render();
			PB.focus(PB.$("sync-apply-status"));
			load();
		});
	}

	applyAsk = PB.ask({box: "sync-apply-confirm", question: "sync-apply-ask",
		yes: "sync-apply-yes", no: "sync-apply-no", onYes: apply});
	PB.init({page: "admin-sync", render: function () {
		PB.staff.start({login: null, app: null, onLogin: load, onLogout: load});
		render();
	}});
	PB.$("sync-now").onclick = now;
	PB.$("sync-apply-btn").onclick = askApply;
	setInterval(load, REFRESH_MS);
}());
