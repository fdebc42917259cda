/* The staff pages' login and session picker, one copy for every staff page
 * (petugas.html, klaim-petugas.html, hasil-belajar.html, cetak.html; the
 * projector, proyektor.html, for the clock only). Load it
 * after common.js. ES5.
 *
 * Login
 *   PB.staff.start({login: "login-view", app: "app-view",
 *                   onLogin: function (me, fresh) {...}, onLogout: fn})
 *       asks PB.me() (the page's one /api/v1/me); logged in: sets PB.csrf,
 *       hides #login, shows #app,
 *       opens the staff menu and calls onLogin(me, false). Not logged in:
 *       shows #login with the login form drawn in its #pb-login (user,
 *       password, the box's error in Indonesian: wrong password, too many
 *       tries and the minutes to wait); a good login calls onLogin(data, true) (data.clock is the
 *       clock check of /api/v1/login). Call it from PB.init's render: it
 *       redraws the form's text and the picker's days after a language switch.
 *       login: null (the admin-only pages, which say themselves who may
 *       open them: PB.adminOnly) shows no form; app: null shows no view.
 *   PB.staff.me            who is logged in (null when nobody)
 *   PB.staff.logout()      log out, show the login form, call onLogout
 *   PB.staff.showLogin()   the box answered 401 (the login ended: idle,
 *       too old, or the box restarted): show the login form, call onLogout
 *   PB.staff.confirmClock(then)  POST /api/v1/clock with this browser's
 *       time (the CSRF token from PB.me() if the page has none yet);
 *       then(err, clock), optional
 *
 * Session picker (the training session the staff work on)
 *   PB.staff.pickSession(select, noneText, then)
 *       fills the <select> with the box's sessions, each with its first day
 *       written out ("Sabtu, 5 Desember 2026 — hari ini"), a first
 *       option noneText (none when noneText is null), and chooses: the
 *       ?session= of the address, else the one chosen last on any staff
 *       page of this browser, else the one already chosen, else today's,
 *       else the only one. then(err) once drawn.
 *   PB.staff.remember(id)  keep the choice: in localStorage for the other
 *       staff pages and in this page's address (?session=ID). The picker
 *       calls it on change; pages that choose otherwise call it too.
 *   PB.staff.querySession()   the ?session= of the address ("" if none)
 */
(function () {
	"use strict";

	var STORE_SESSION = "pb.staff.session";
	var opts = null;
	var picked = null;              /* {sel, list}: the picker's sessions */

	PB.staff = {me: null};

	function field(id, label, type, auto) {
		return PB.el("div", {"class": "pb-field"}, [
			PB.el("label", {"for": id, text: PB.t(label)}),
			PB.el("input", {id: id, name: id, type: type, autocomplete: auto,
				autocapitalize: "none", required: "required"})
		]);
	}

	function loginError(text) {
		var e = PB.$("login-error");
		e.textContent = text || "";
		PB.show(e, !!text);
	}

	/* The form, drawn once; its text again after a language switch. */
	function drawForm() {
		var box = PB.$("pb-login"), form = PB.$("login-form"), user, keep;
		if (!box)
			return;
		user = PB.$("user");
		keep = user ? user.value : "";
		form = PB.el("form", {id: "login-form", "class": "att-form"}, [
			PB.el("p", {id: "login-error", "class": "pb-error", role: "alert", hidden: true}),
			field("user", "login.user", "text", "username"),
			field("password", "login.password", "password", "current-password"),
			PB.el("button", {type: "submit", "class": "pb-btn pb-btn-primary",
				text: PB.t("login.submit")})
		]);
		form.addEventListener("submit", submit, false);
		PB.clear(box).appendChild(form);
		PB.$("user").value = keep;
	}

	function view(id, on) {
		var e = id ? PB.$(id) : null;
		if (e)
			PB.show(e, on);
	}

	function loggedIn(me, fresh) {
		PB.staff.me = me;
		PB.csrf = me.csrf;
		view(opts.login, false);
		view(opts.app, true);
		PB.staffMenu(true, me.role);
		opts.onLogin(me, fresh);
	}

	function showLogin() {
		PB.staff.me = null;
		PB.csrf = "";
		view(opts.app, false);
		view(opts.login, true);
		PB.staffMenu(false);
		if (opts.onLogout)
			opts.onLogout();
	}

	function submit(ev) {
		var pw = PB.$("password");
		ev.preventDefault();
		loginError("");
		PB.api("POST", "/api/v1/login", {user: PB.$("user").value.replace(/^\s+|\s+$/g, ""),
			password: pw.value, client_time_ms: new Date().getTime()}, function (err, data) {
			var wait = err && data && data.retry_after_s > 0 ?
				Math.ceil(data.retry_after_s / 60) : 0;
			pw.value = "";
			if (err) {
				/* the box's "try again later", with the minutes when known */
				loginError(wait ? PB.t("login.locked_min", {min: wait}) : err.message);
				return pw.focus();
			}
			loggedIn(data, true);
		});
	}

	PB.staff.start = function (o) {
		var first = !opts;
		opts = {login: o.login === undefined ? "login-view" : o.login, app: o.app === undefined ? "app-view" : o.app,
			onLogin: o.onLogin, onLogout: o.onLogout};
		drawForm();
		if (!first)
			return relabel();
		PB.me(function (err, me) {
			if (err)
				return showLogin();
			loggedIn(me, false);
		});
	};

	/* The box's clock compared with this browser's, which confirms it after
	 * a reboot (check-ins are held until then: docs/attendance.md). A page
	 * that did not log in through PB.staff.start (the projector) takes the
	 * CSRF token from PB.me(). then(err, clock) is optional. */
	PB.staff.confirmClock = function (then) {
		function post() {
			PB.api("POST", "/api/v1/clock", {client_time_ms: new Date().getTime()},
			       function (err, data) { if (then) then(err, data); });
		}
		if (PB.csrf)
			return post();
		PB.me(function (err, me) {
			if (err || !me.csrf)
				return then && then(err || {status: 401});
			PB.csrf = me.csrf;
			post();
		});
	};

	PB.staff.showLogin = function () {
		showLogin();
		loginError(PB.t("login.ended"));
	};

	PB.staff.logout = function () {
		PB.api("POST", "/api/v1/logout", null, function () { showLogin(); });
	};

	PB.staff.querySession = function () {
		var m = /[?&]session=([0-9]+)(&|$)/.exec(window.location.search);
		return m ? m[1] : "";
	};

	PB.staff.remember = function (id) {
		var search = window.location.search.replace(/^\?/, "").split("&"), out = [], i;
		id = String(id || "");
		if (id)
			PB.store.set(STORE_SESSION, id);
		if (!window.history || !window.history.replaceState)
			return;
		for (i = 0; i < search.length; i++)
			if (search[i] && search[i].indexOf("session=") !== 0)
				out.push(search[i]);
		if (id)
			out.unshift("session=" + encodeURIComponent(id));
		window.history.replaceState(null, "", window.location.pathname +
			(out.length ? "?" + out.join("&") : "") + window.location.hash);
	};

	function has(sel, v) {
		var i;
		for (i = 0; v && i < sel.options.length; i++)
			if (sel.options[i].value === v)
				return true;
		return false;
	}

	/* "Diklat (Sabtu, 5 Desember 2026 \u2014 hari ini)" in the language */
	function label(s) {
		return s.title + " (" + PB.day(s.start_date) +
			(s.today ? " \u2014 " + PB.t("pick.today") : "") + ")";
	}

	/* after a language switch: the picker's sessions in the new language */
	function relabel() {
		var i, o;
		if (!picked)
			return;
		for (i = 0; i < picked.list.length; i++) {
			o = picked.sel.querySelector("option[value=\"" + picked.list[i].id + "\"]");
			if (o)
				o.textContent = label(picked.list[i]);
		}
	}

	PB.staff.pickSession = function (sel, noneText, then) {
		if (!sel.getAttribute("data-pb-pick")) {
			sel.setAttribute("data-pb-pick", "1");
			sel.addEventListener("change", function () { PB.staff.remember(sel.value); }, false);
		}
		PB.api("GET", "/api/v1/sessions", null, function (err, d) {
			var i, s, keep = sel.value, today = "", list = d ? d.sessions : [];
			var want = [PB.staff.querySession(), PB.store.get(STORE_SESSION), keep];
			if (err)
				return then(err);
			PB.clear(sel);
			picked = {sel: sel, list: list};
			if (noneText !== null)
				sel.appendChild(PB.el("option", {value: ""}, noneText));
			for (i = 0; i < list.length; i++) {
				s = list[i];
				if (s.today && !today)
					today = String(s.id);
				sel.appendChild(PB.el("option", {value: String(s.id)}, label(s)));
			}
			want.push(today, list.length === 1 ? String(list[0].id) : "");
			for (i = 0; i < want.length; i++)
				if (has(sel, want[i])) {
					sel.value = want[i];
					break;
				}
			if (sel.value)
				PB.staff.remember(sel.value);
			then(null);
		});
	};
}());
