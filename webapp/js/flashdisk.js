/* Admin: the USB stick and the box's modules.
 * GET /api/v1/admin/usb (the stick, the data partition, the latest job),
 * POST /api/v1/admin/usb/export | import (pb-sync does the work and
 * writes done/total, polled every JOB_MS while a job runs, else every
 * IDLE_MS for the stick coming and going), GET /api/v1/admin/modules and
 * POST /api/v1/admin/modules/remove after a question asked in the page
 * (PB.ask; Batal and Escape give the focus back to the module's button).
 * Refused (logged out, or not the admin) the page says only that
 * (PB.adminOnly). */
(function () {
	"use strict";

	var JOB_MS = 1000, IDLE_MS = 5000;
	var usb = null, mods = null, error = null, modNote = "", asking = null, removeAsk = null;
	var timer = null;

	function text(id, value) {
		PB.$(id).textContent = value;
	}

	function running(job) {
		return !!job && (job.state === "queued" || job.state === "running");
	}

	/* A failed job's words in the page's language: its code's own text,
	 * else the box's Indonesian message. */
	function jobError(job) {
		var key = "fd.err." + job.error;
		if (PB.strings.hasOwnProperty(key))
			return PB.t(key);
		return job.message;
	}

	function renderJob(job) {
		var bar = PB.$("fd-progress"), failed = job && job.state === "failed";
		PB.show(PB.$("fd-job"), !!job);
		if (!job)
			return;
		text("fd-job-label", PB.t("fd.job_" + job.kind + "_" + job.state));
		if (job.total > 0) {
			bar.max = job.total;
			bar.value = Math.min(job.done, job.total);
			text("fd-job-count", PB.t("fd.count", {done: job.done, total: job.total}));
		} else if (job.state === "done") {
			bar.max = 1;
			bar.value = 1;
			text("fd-job-count", "");
		} else {
			bar.removeAttribute("value");        /* not known yet: indeterminate */
			text("fd-job-count", "");
		}
		bar.setAttribute("aria-valuetext", job.total > 0 ?
			PB.t("fd.count", {done: job.done, total: job.total}) :
			PB.t("fd.job_" + job.kind + "_" + job.state));
		text("fd-job-text", job.state === "done" ? job.message : "");
		PB.show(PB.$("fd-job-error"), failed);
		text("fd-job-error", failed ? jobError(job) : "");
		PB.show(PB.$("fd-detail"), !!job.detail);
		text("fd-detail-text", job.detail || "");
	}

	function renderSpace(data) {
		var used;
		if (!data) {
			text("fd-space-text", "");
			return;
		}
		used = data.total_bytes - data.free_bytes;
		PB.$("fd-space").max = data.total_bytes || 1;
		PB.$("fd-space").value = used;
		PB.$("fd-space").low = data.total_bytes * 0.75;
		PB.$("fd-space").high = data.total_bytes * 0.9;
		PB.$("fd-space").setAttribute("aria-valuetext", PB.t("fd.space", {
			free: PB.size(data.free_bytes), total: PB.size(data.total_bytes)}));
		text("fd-space-text", PB.t("fd.space", {free: PB.size(data.free_bytes),
			total: PB.size(data.total_bytes)}));
	}

	function moduleRow(m) {
		var btn = PB.el("button", {type: "button", "class": "pb-btn fd-remove",
			"data-id": m.id, onclick: function () { ask(m); }}, PB.t("fd.remove"));
		return PB.el("tr", {}, [
			PB.el("td", {"class": "pb-card-head"}, [
				PB.el("span", {"class": "fd-title"}, m.title),
				PB.el("span", {"class": "pb-small fd-id"}, " " + m.id + " \u00b7 KK " + m.kk)]),
			PB.el("td", {"data-label": PB.t("fd.col_size")}, PB.size(m.bytes)),
			PB.el("td", {"data-label": PB.t("fd.col_action")}, m.uses > 0 ?
				PB.el("span", {"class": "pb-small"}, PB.t("fd.in_use")) : btn)
		]);
	}

	function render() {
		var i, rows = PB.$("fd-mod-rows"), job = usb && usb.job, busy = running(job);
		var refused = PB.adminOnly("fd-login", error);
		PB.title(PB.t("fd.title"));
		PB.show(PB.$("fd-error"), !!error && !refused);
		if (error && !refused)
			text("fd-error", PB.errorWords(error));
		PB.show(PB.$("fd-view"), !!usb);
		if (!usb)
			return;
		if (usb.stick.present)
			text("fd-stick", PB.t("fd.stick_present", {free: PB.size(usb.stick.free_bytes),
				total: PB.size(usb.stick.total_bytes)}));
		else
			text("fd-stick", PB.t("fd.stick_absent"));
		PB.$("fd-export").disabled = busy || !usb.stick.present;
		PB.$("fd-import").disabled = busy || !usb.stick.present;
		renderJob(job);
		renderSpace(usb.data);
		text("fd-mod-status", modNote);
		PB.clear(rows);
		if (mods) {
			for (i = 0; i < mods.modules.length; i++)
				rows.appendChild(moduleRow(mods.modules[i]));
			if (!modNote && mods.modules.length === 0)
				text("fd-mod-status", PB.t("fd.no_modules"));
		}
		if (asking && !PB.$("fd-confirm").hidden)     /* the words follow the language */
			text("fd-confirm-text", askWords(asking));
	}

	function askWords(m) {
		return PB.t("fd.remove_ask", {title: m.title, size: PB.size(m.bytes)});
	}

	function schedule() {
		clearTimeout(timer);
		timer = setTimeout(load, running(usb && usb.job) ? JOB_MS : IDLE_MS);
	}

	function loadModules() {
		PB.api("GET", "/api/v1/admin/modules", null, function (err, data) {
			if (!err)
				mods = data;
			render();
		});
	}

	function load() {
		PB.api("GET", "/api/v1/admin/usb", null, function (err, data) {
			var was = usb && usb.job;
			error = err;
			if (err)           /* about the page, not a button: at its top */
				PB.answerNear("fd-error");
			usb = err ? null : data;
			/* an import that just ended may have brought modules */
			if (usb && usb.job && was && was.id === usb.job.id && running(was) &&
			    !running(usb.job))
				loadModules();
			render();
			if (!err)
				schedule();
		});
	}

	function start(kind) {
		/* the earlier job's result goes at once: this one is waiting */
		usb.job = {kind: kind, state: "queued", done: 0, total: 0, message: "",
			error: "", detail: ""};
		error = null;
		render();
		PB.api("POST", "/api/v1/admin/usb/" + kind, {}, function (err) {
			if (err) {
				usb.job = null;
				error = err;
				/* said under the button tapped, not at the top of the page */
				PB.answerNear("fd-error", PB.$("fd-" + kind).parentNode);
				render();
				PB.focus(PB.$("fd-error"));
				schedule();
				return;
			}
			error = null;
			load();
		});
	}

	/* The module's remove button as drawn now: the rows are drawn anew at
	 * every poll. */
	function removeButton(m) {
		var all = PB.$("fd-mod-rows").querySelectorAll("button.fd-remove"), i;
		for (i = 0; i < all.length; i++)
			if (all[i].getAttribute("data-id") === m.id)
				return all[i];
		return null;
	}

	function ask(m) {
		asking = m;
		modNote = "";
		render();
		removeAsk.open(function () { return removeButton(m); }, askWords(m));
	}

	function remove() {
		var m = asking;
		asking = null;
		if (!m)
			return;
		PB.api("POST", "/api/v1/admin/modules/remove", {id: m.id}, function (err, data) {
			modNote = err ? err.message : PB.t("fd.removed", {title: m.title,
				size: PB.size(data.freed_bytes)});
			loadModules();
			load();
			PB.focus(PB.$("fd-mod-status"));
		});
	}

	function loggedIn() {
		load();
		loadModules();
	}

	removeAsk = PB.ask({box: "fd-confirm", question: "fd-confirm-text", yes: "fd-confirm-yes",
		no: "fd-confirm-no", onYes: remove});
	PB.init({page: "flashdisk", render: function () {
		PB.staff.start({login: null, app: null, onLogin: loggedIn, onLogout: loggedIn});
		render();
	}});
	PB.$("fd-export").onclick = function () { start("export"); };
	PB.$("fd-import").onclick = function () { start("import"); };
}());
