/* Pusat Belajar web app: the shared base every page uses.
 *
 * Plain ES5 + XMLHttpRequest (no build step, no CDN) so it runs on the
 * Android browsers of 2016. Load it first, then the page's own script:
 *   <script src="/js/common.js"></script><script src="/js/PAGE.js"></script>
 * and give the page the header (brand, #pb-centre, the #pb-lang button,
 * the menu, the hidden #pb-portal-banner: copy it from another page, with
 * aria-current="page" on the page's own menu link), <main id="main"> and
 * <footer id="pb-footer"></footer>. The header is in the HTML, not drawn
 * here, so the page does not move once this script has run.
 *
 * Start and language
 *   PB.init({page: "modules", render: fn})
 *       loads /locale/<lang>/common.json and /locale/<lang>/<page>.json,
 *       the centre name from /healthz, fills in the header, draws the
 *       footer, fills every [data-i18n] element, sets <html lang>, then
 *       calls render(). render() is called again after each language
 *       switch: draw from PB.t() there.
 *   PB.lang                   current language, "id" (default) or "en";
 *                             the choice is kept in localStorage
 *   PB.setLang(lang)          switch (the header's button does this)
 *   PB.t(key, params)         string for key; "{name}" is replaced by
 *                             params.name; a missing key shows the key
 *   PB.tn(key, n, params)     plural: key + ".one" when n is 1 and that key
 *                             exists, else key + ".other"; params.n = n
 *   PB.i18n(root)             fill data-i18n (text), data-i18n-placeholder,
 *                             data-i18n-label (aria-label) under root
 *   PB.centre                 the centre's name (after init)
 *   PB.inPortalWindow()       true in a phone's Wi-Fi sign-in window (a guess
 *                             from the user agent); the header then tells
 *                             the user to open http://belajar.lan in a browser
 *   PB.print(button)          print the page; in a sign-in window, which
 *                             cannot print, say so beside the button instead
 *   PB.staffMenu(on, role)    the staff menu's staff-only entries shown
 *                             (logged in) or hidden; each role gets only
 *                             the pages the box lets it open (MENU_PAGES:
 *                             a facilitator not the admin's Wi-Fi, Kirim
 *                             data and Flashdisk, a mentor only the
 *                             results page); init sets it from
 *                             PB.me() on pages with that menu, the pages
 *                             call it again on login and logout. Under
 *                             600 px the staff menu is one "Menu" button
 *                             (#pb-menu-btn, aria-expanded) opening the list.
 *   PB.adminOnly(id, err)     on an admin-only page (MENU_PAGES: Wi-Fi,
 *                             Kirim data, Flashdisk) whose admin API
 *                             answered err: when the box refused (401, or
 *                             403 admin_only) the page's <div id=id
 *                             class="pb-notice" hidden> says only, in the
 *                             page's language, that the page is the
 *                             admin's: logged out "log in first", a
 *                             facilitator "you are logged in as ...", with
 *                             a link (#id-link) to the login on the
 *                             Facilitator page that comes back here
 *                             (petugas.html?kembali=); returns true then,
 *                             and the page shows nothing else
 *   PB.me(function (err, me) {...})   who was logged in when the page
 *                             loaded: /api/v1/me is asked once per page and
 *                             every caller gets that one answer
 *
 * Server calls
 *   PB.api(method, url, body, function (err, data, status) {...}, progress)
 *       JSON over XMLHttpRequest; body (an object) is sent as JSON. On
 *       failure err = {status, code, message}: message is readable in the
 *       current language (locale key "error.<code>" if there is one, else
 *       the server's Indonesian message, else a generic one). progress
 *       (optional): called with the share of the body sent, 0..1.
 *   PB.errorWords(err)        err.message worded again in the page's
 *       language as it is now (for an answer kept on screen across a
 *       language switch)
 *   PB.downscale(file, maxBytes, function (err, photo) {...})
 *       a photo the user chose, drawn smaller until it is a JPEG of at
 *       most maxBytes: photo = {type, data (base64), bytes, width, height};
 *       err "unreadable", "not_image" or "too_large" (the page words it)
 *   PB.getText(url, function (err, text) {...})   a text file
 *   PB.query({a: 1, b: ""})   "?a=1" (empty values left out)
 *   PB.csrf                   set by staff pages after login: sent as
 *                             X-CSRF-Token with every non-GET call
 *
 * DOM and text (never innerHTML with data: use these)
 *   PB.el(tag, attrs, children)   make an element. attrs: "text" sets
 *       textContent, "class" className, "onclick"-style keys add listeners,
 *       "hidden"/"disabled" booleans, the rest are attributes. children: a
 *       string, a node, or an array of them (null skipped).
 *   PB.$(id)  PB.clear(node)  PB.show(node, bool)  PB.focus(node)
 *   PB.answerNear(id, near)   the page's answer line <p id=id> (its status
 *       or error) moved to just after near, the last control of the form
 *       that was sent, so that on a phone the answer shows under the button
 *       tapped, not at the foot of a long page; the line stays the same
 *       node (live region, id). With no near it goes back to where the
 *       page's HTML has it.
 *   Field checks: a form without novalidate is checked by the browser
 *       before its submit (required, min/max, pattern), but the browser's
 *       bubble speaks the browser's language, not the page's. Each field
 *       it finds wrong is said by the page instead, just under the field
 *       (<p id=FIELD-check class="pb-field-check">, its aria-describedby),
 *       in the page's language (locale "check.*"; a field's own words for
 *       missing or for its pattern in data-check-missing and
 *       data-check-pattern, locale keys), again after a language switch,
 *       gone once the field is right or its form is reset; the first wrong
 *       field gets the focus. Nothing for the pages to call.
 *   File pickers: the browser draws <input type="file"> with its own
 *       words ("Choose File", "No file chosen"), in the browser's
 *       language, not the page's. Every file input gets a face in the
 *       page's language instead: a button-like "Pilih berkas" ("Pilih
 *       foto" when it takes only images) and the chosen file's name, or
 *       that none is chosen. The real input stays, transparent, over the
 *       face (app.css .pb-picker): a tap anywhere on it opens the picker,
 *       the keyboard and screen readers reach it under its <label for>,
 *       its accept, capture and multiple work as before, and the face
 *       shows its focus. PB.init does it for the inputs in the page's
 *       HTML and says the words again after each switch (the name the
 *       face shows is the input's: what the script reads).
 *   PB.picker(input)          give input its face (once) and draw it from
 *       what the input holds now: for an input a page draws itself
 *       (returns the face's wrapper, to put in the page where the input
 *       goes: PB.el(..., [label, PB.picker(PB.el("input", ...))])), and
 *       again after the page empties it by script (input.value = ""),
 *       which fires no event; a form's reset is followed by itself.
 *   PB.ask({box, question, yes, no, field, error, check, onYes})
 *       a question asked in the page instead of the browser's confirm()
 *       or prompt(), which a phone's Wi-Fi sign-in window may drop without
 *       a word (they answer "no" at once there). The ids name a hidden
 *       block of the page's HTML: <div id=box class="pb-confirm"
 *       role="group" aria-labelledby=question hidden> holding the question
 *       (<p id=question tabindex="-1" aria-live="polite">), optionally a
 *       labelled <input id=field> and its <p id=error class="pb-notice
 *       pb-error" role="alert" hidden>, and the yes and no buttons. Wires
 *       them once and returns {open(from, text), close(giveBack)}: open
 *       shows it (text, if given, replaces the question) and moves the
 *       focus to the field, else the question; no and Escape close it and
 *       give the focus back to from (a node, or a function that finds it
 *       then, for a button the page may have drawn again meanwhile). Yes calls check(value) first, if
 *       given: a text it returns is shown in error, the field keeps what
 *       was typed and the focus; otherwise it closes and calls
 *       onYes(value) (value: the field's, or undefined). Enter in the
 *       field is yes.
 *   PB.utf8Bytes(s)           bytes of s in UTF-8 (the box's text limits
 *                             count bytes, a field's maxlength characters)
 *   PB.esc(s)                 HTML-escaped string, for the rare case a page
 *                             must build markup
 *   PB.size(bytes)            "955 B", "89 KB", "12,3 MB" in the language
 *   PB.dateTime(ms)           a moment, PB.day("2026-12-05") a day written
 *                             out ("Sabtu, 5 Desember 2026") in the language
 *   PB.nuptkText(n)           a NUPTK in groups of four; PB.personLabel(n,
 *                             full) "NUPTK 3200 … 0000" or "No Peserta X"
 *   PB.title(text)            document title "text — Pusat Belajar"
 *   PB.store.get(k)/set(k,v)  localStorage that never throws; where there
 *                             is none (a sign-in window without DOM storage)
 *                             a cookie of this box, so that the language and
 *                             the teacher's check-in reach the next page
 *                             (STORE_COOKIES_MAX of them in at most
 *                             STORE_COOKIE_BYTES_MAX, the oldest going first)
 *
 * Printing: app.css hides .pb-noprint, header and footer under @media print.
 */
var PB = (function () {
	"use strict";

	var LANGS = ["id", "en"];
	var DEFAULT_LANG = "id";
	var STORE_LANG = "pb.lang";
	var XHR_TIMEOUT_MS = 20000;
	var TEXT_MAX = 262144;          /* longest text PB.getText accepts */
	var STORE_COOKIE_PREFIX = "pbs.";
	/* Every cookie goes with every request, and headers past [web]
	 * max_header_bytes get 431; at its least (4096, which libmicrohttpd
	 * also spends on each cookie it parses) about 1000 bytes of cookies
	 * fit beside a phone's other headers. The pbs. cookies together stay
	 * under these, the oldest going first (the language stays). The
	 * language lasts a training; the rest (check-in proofs, the teacher
	 * last opened, an open attempt) a day, and the next day's check-in
	 * writes them again; a proof gone asks for the code again. */
	var STORE_COOKIES_MAX = 8;
	var STORE_COOKIE_BYTES_MAX = 768;               /* "name=value; " summed */
	var STORE_COOKIE_LANG_MAX_AGE_S = 30 * 24 * 3600;
	var STORE_COOKIE_MAX_AGE_S = 24 * 3600;
	var PICKER_CLASS = "pb-picker"; /* a file input's wrapper (app.css) */

	var PB = {
		lang: DEFAULT_LANG,
		centre: "",
		version: "",
		strings: {}
	};
	var cache = {};                 /* lang -> merged strings */
	var opts = {page: "", render: null};
	var me = {asked: false, done: false, waiting: [], err: null, data: null};

	/* ---- storage ---- */
	/* localStorage if it can be written, else null (Android WebViews
	 * without DOM storage have none; some private modes refuse it). */
	var local;
	function localStore() {
		if (local === undefined) {
			try {
				local = window.localStorage;
				local.setItem("pb.probe", "1");
				local.removeItem("pb.probe");
			} catch (e) {
				local = null;
			}
		}
		return local;
	}
	/* The box's pbs. cookies: [{key, name, t, v, bytes}]; a value is
	 * written as "T:V" (T its time in base 36, V URI-encoded, so the first
	 * ":" ends T; one written before these had no T). One that does not
	 * decode has v null. */
	function cookieAll() {
		var all = document.cookie ? document.cookie.split("; ") : [], out = [], i, c, eq, raw, colon;
		for (i = 0; i < all.length; i++) {
			if (all[i].indexOf(STORE_COOKIE_PREFIX) !== 0 || (eq = all[i].indexOf("=")) < 0)
				continue;
			raw = all[i].substring(eq + 1);
			colon = raw.indexOf(":");
			c = {name: all[i].substring(0, eq), t: 0, v: null, key: null, bytes: all[i].length + 2};
			try {
				c.key = decodeURIComponent(c.name.substring(STORE_COOKIE_PREFIX.length));
				c.t = colon > 0 ? parseInt(raw.substring(0, colon), 36) || 0 : 0;
				c.v = decodeURIComponent(colon > 0 ? raw.substring(colon + 1) : raw);
			} catch (e) { /* kept as undecodable */ }
			out.push(c);
		}
		return out;
	}
	function cookieWrite(name, value, maxAge) {
		document.cookie = name + "=" + value + "; path=/; SameSite=Strict; max-age=" + maxAge;
	}
	function cookieGet(k) {
		var all = cookieAll(), i;
		for (i = 0; i < all.length; i++)
			if (all[i].key === k)
				return all[i].v;
		return null;
	}
	/* k = v within STORE_COOKIES_MAX and STORE_COOKIE_BYTES_MAX: the
	 * others, the oldest first and the language never, make room; a value
	 * too long beside the language alone is not kept (and moves nothing).
	 * "" removes k. */
	function cookieSet(k, v) {
		var name = STORE_COOKIE_PREFIX + encodeURIComponent(k), all = cookieAll(), others = [];
		var value = Date.now().toString(36) + ":" + encodeURIComponent(v);
		var n = 1, bytes = name.length + 1 + value.length + 2, least = bytes, i;
		for (i = 0; i < all.length; i++)
			if (all[i].name !== name) {
				others.push(all[i]);
				n++;
				bytes += all[i].bytes;
				if (all[i].key === STORE_LANG)
					least += all[i].bytes;
			}
		if (v === "" || least > STORE_COOKIE_BYTES_MAX)
			return cookieWrite(name, "", 0);
		others.sort(function (a, b) {
			if ((a.key === STORE_LANG) !== (b.key === STORE_LANG))
				return a.key === STORE_LANG ? 1 : -1;
			return a.t - b.t;
		});
		for (i = 0; i < others.length && others[i].key !== STORE_LANG &&
		     (n > STORE_COOKIES_MAX || bytes > STORE_COOKIE_BYTES_MAX); i++) {
			cookieWrite(others[i].name, "", 0);
			n--;
			bytes -= others[i].bytes;
		}
		cookieWrite(name, value, k === STORE_LANG ? STORE_COOKIE_LANG_MAX_AGE_S :
			STORE_COOKIE_MAX_AGE_S);
	}
	PB.store = {
		get: function (k) {
			var s = localStore();
			try { return s ? s.getItem(k) : cookieGet(k); } catch (e) { return null; }
		},
		set: function (k, v) {
			var s = localStore();
			try {
				if (s)
					s.setItem(k, v);
				else
					cookieSet(k, v);
			} catch (e) { /* full, or no cookies either */ }
		}
	};

	/* ---- text ---- */
	PB.t = function (key, params) {
		var s = PB.strings.hasOwnProperty(key) ? PB.strings[key] : key;
		if (params)
			s = String(s).replace(/\{(\w+)\}/g, function (m, name) {
				return params.hasOwnProperty(name) ? String(params[name]) : m;
			});
		return s;
	};

	PB.tn = function (key, n, params) {
		var p = {}, k;
		for (k in params || {})
			if (params.hasOwnProperty(k))
				p[k] = params[k];
		p.n = n;
		k = (n === 1 && PB.strings.hasOwnProperty(key + ".one")) ? key + ".one" : key + ".other";
		return PB.t(k, p);
	};

	PB.esc = function (s) {
		return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;")
			.replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
	};

	PB.size = function (bytes) {
		var units = ["B", "KB", "MB", "GB"], i = 0, v = Number(bytes) || 0, s;
		while (v >= 1024 && i < units.length - 1) {
			v /= 1024;
			i++;
		}
		s = (i === 0 || v >= 100) ? String(Math.round(v)) : v.toFixed(1);
		if (PB.lang === "id")
			s = s.replace(".", ",");
		return s + " " + units[i];
	};

	/* A moment (ms since the epoch) as people of the page's language write
	 * it: "5/12/2026, 19.47.48" in Indonesian, 24-hour in English too. */
	PB.dateTime = function (ms) {
		return new Date(ms).toLocaleString(PB.lang === "id" ? "id-ID" : "en-GB");
	};
	/* A day as the box sends it (YYYY-MM-DD) written out in the page's
	 * language: "Sabtu, 5 Desember 2026", "Saturday, 5 December 2026"
	 * (without the year when noYear, for a narrow list); anything else as
	 * it came. */
	PB.day = function (ymd, noYear) {
		var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || ""), o;
		if (!m)
			return ymd || "";
		o = {weekday: "long", day: "numeric", month: "long", timeZone: "UTC"};
		if (!noYear)
			o.year = "numeric";
		return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toLocaleDateString(
			PB.lang === "id" ? "id-ID" : "en-GB", o);
	};

	/* ---- DOM ---- */
	PB.$ = function (id) { return document.getElementById(id); };

	PB.clear = function (node) {
		while (node && node.firstChild)
			node.removeChild(node.firstChild);
		return node;
	};

	PB.show = function (node, on) {
		if (!node)
			return;
		if (on)
			node.removeAttribute("hidden");
		else
			node.setAttribute("hidden", "");
	};

	var answerHome = {};            /* id -> the mark where the HTML had it */

	PB.answerNear = function (id, near) {
		var node = PB.$(id);
		if (!node)
			return;
		if (!answerHome.hasOwnProperty(id)) {
			answerHome[id] = document.createComment(id);
			node.parentNode.insertBefore(answerHome[id], node);
		}
		near = near || answerHome[id];
		if (near.nextSibling !== node)
			near.parentNode.insertBefore(node, near.nextSibling);
	};

	/* ---- the browser's field checks, in the page's language ---- */
	var checked = [];               /* fields whose fault is said under them */
	var checkFocused = false;       /* the first wrong field of this submit has the focus */

	function checkWords(f) {
		var v = f.validity, own;
		if (!v || v.valid)
			return "";
		if (v.valueMissing) {
			own = f.getAttribute("data-check-missing");
			return PB.t(own || (f.tagName === "SELECT" ? "check.choose" :
				f.type === "checkbox" ? "check.tick" : f.type === "file" ? "check.file" :
				"check.missing"));
		}
		if (v.badInput)
			return PB.t(f.type === "number" ? "check.number" : "check.bad");
		if (v.rangeUnderflow)
			return PB.t("check.min", {min: f.min});
		if (v.rangeOverflow)
			return PB.t("check.max", {max: f.max});
		if (v.stepMismatch)
			return PB.t("check.step");
		if (v.tooLong)
			return PB.t("check.too_long", {max: f.maxLength});
		if (v.tooShort)
			return PB.t("check.too_short", {min: f.minLength});
		own = f.getAttribute("data-check-pattern");
		return PB.t(own || "check.pattern");
	}

	function describedBy(f, id, on) {
		var ids = (f.getAttribute("aria-describedby") || "").split(/\s+/), out = [], i;
		for (i = 0; i < ids.length; i++)
			if (ids[i] && ids[i] !== id)
				out.push(ids[i]);
		if (on)
			out.push(id);
		if (out.length)
			f.setAttribute("aria-describedby", out.join(" "));
		else
			f.removeAttribute("aria-describedby");
	}

	/* Take the words about f's fault away. */
	function checkDrop(f) {
		var id = f.id + "-check", p = PB.$(id), i;
		if (p && p.parentNode)
			p.parentNode.removeChild(p);
		describedBy(f, id, false);
		f.removeAttribute("aria-invalid");
		for (i = checked.length - 1; i >= 0; i--)
			if (checked[i] === f)
				checked.splice(i, 1);
	}

	/* Say f's fault under it, or take the words away when it has none. */
	function checkSay(f) {
		var id = f.id + "-check", p = PB.$(id), text = checkWords(f), after = f;
		if (!text || !document.documentElement.contains(f))
			return checkDrop(f);
		if (!p) {
			p = PB.el("p", {id: id, "class": "pb-field-check", "aria-live": "assertive"});
			/* a box ticked beside its label: under the label; a file
			 * picker: under its face */
			if (f.nextElementSibling && f.nextElementSibling.htmlFor === f.id)
				after = f.nextElementSibling;
			else if (f.parentNode.className === PICKER_CLASS)
				after = f.parentNode;
			after.parentNode.insertBefore(p, after.nextSibling);
			checked.push(f);
		}
		p.textContent = text;
		f.setAttribute("aria-invalid", "true");
		describedBy(f, id, true);
	}

	function checkInvalid(ev) {
		var f = ev.target;
		if (!f || !f.id || !f.validity)
			return;
		ev.preventDefault();            /* no bubble in the browser's language */
		checkSay(f);
		if (!checkFocused) {
			checkFocused = true;
			f.focus();
			setTimeout(function () { checkFocused = false; }, 0);
		}
	}

	function checkAgain(ev) {
		var i;
		for (i = 0; i < checked.length; i++)
			if (checked[i] === ev.target && !checkWords(ev.target))
				return checkDrop(ev.target);
	}

	function checkReset(ev) {
		var form = ev.target;
		setTimeout(function () {        /* after the fields have their first values */
			var i, w = checked.slice();
			for (i = 0; i < w.length; i++)
				if (w[i].form === form)
					checkDrop(w[i]);
		}, 0);
	}

	/* After a language switch: each fault said in the new words. */
	function checkWordAll() {
		var i, w = checked.slice();
		for (i = 0; i < w.length; i++)
			checkSay(w[i]);
	}

	if (document.addEventListener) {
		document.addEventListener("invalid", checkInvalid, true);
		document.addEventListener("input", checkAgain, true);
		document.addEventListener("change", checkAgain, true);
		document.addEventListener("reset", checkReset, true);
	}

	/* ---- file pickers in the page's language ---- */
	var pickerCount = 0;            /* ids given to file inputs without one */

	/* "photo" when every type input takes is an image, else "file": the
	 * words the face uses (picker.choose_photo, picker.none_photo,
	 * picker.many_photo...). */
	function pickerKind(input) {
		var accept = (input.getAttribute("accept") || "").split(","), i;
		for (i = 0; i < accept.length; i++)
			if (!/^\s*image\//.test(accept[i]))
				return "file";
		return "photo";
	}

	/* The face's words from what input holds now (also before the input
	 * is in the page: found through its wrapper). */
	function pickerDraw(input) {
		var face = input.parentNode.lastChild, kind = pickerKind(input), names = [], i;
		var button = face.firstChild, name = face.lastChild;
		for (i = 0; input.files && i < input.files.length; i++)
			names.push(input.files[i].name);
		if (!PB.strings.hasOwnProperty("picker.none_" + kind))
			return;         /* before the strings: the face keeps its place, empty */
		button.textContent = PB.t("picker.choose_" + kind);
		name.textContent = !names.length ? PB.t("picker.none_" + kind) :
			names.length === 1 ? names[0] :
			PB.tn("picker.many_" + kind, names.length, {names: names.join(", ")});
		name.className = "pb-picker-name" + (names.length ? "" : " pb-picker-none");
	}

	PB.picker = function (input) {
		var wrap = input.parentNode, face, id;
		if (!wrap || wrap.className !== PICKER_CLASS) {
			if (!input.id)          /* the face is tied to the input by ids */
				input.id = "pb-picker-" + (++pickerCount);
			id = input.id;
			wrap = PB.el("span", {"class": PICKER_CLASS});
			face = PB.el("span", {"class": "pb-picker-face", "aria-hidden": "true"}, [
				PB.el("span", {id: id + "-picker-btn", "class": "pb-picker-btn"}),
				PB.el("span", {id: id + "-picker-name", "class": "pb-picker-name"})
			]);
			if (input.parentNode)
				input.parentNode.replaceChild(wrap, input);
			wrap.appendChild(input);
			wrap.appendChild(face);
			input.className += (input.className ? " " : "") + "pb-picker-input";
			/* a screen reader hears the name in the page's language too */
			describedBy(input, id + "-picker-name", true);
		}
		pickerDraw(input);
		return wrap;
	};

	/* Every file input under root given its face, or drawn again. */
	function pickerAll(root) {
		var inputs = (root || document).querySelectorAll("input[type=file]"), i;
		for (i = 0; i < inputs.length; i++)
			PB.picker(inputs[i]);
	}

	function pickerChanged(ev) {
		var f = ev.target;
		if (f && f.type === "file" && f.parentNode && f.parentNode.className === PICKER_CLASS)
			pickerDraw(f);
	}

	function pickerReset(ev) {
		var form = ev.target;
		setTimeout(function () {        /* after the inputs are emptied */
			if (form.querySelectorAll)
				pickerAll(form);
		}, 0);
	}

	if (document.addEventListener) {
		/* captured: drawn before the page's own handler reads or empties it */
		document.addEventListener("change", pickerChanged, true);
		document.addEventListener("reset", pickerReset, true);
	}

	PB.focus = function (node) {
		if (!node)
			return;
		if (!node.hasAttribute("tabindex"))
			node.setAttribute("tabindex", "-1");
		try { node.focus(); } catch (e) { /* old browsers */ }
	};

	function isKey(ev, name, code) {
		return ev.key === name || (name === "Escape" && ev.key === "Esc") || ev.keyCode === code;
	}

	PB.ask = function (o) {
		var box = PB.$(o.box), question = PB.$(o.question), field = o.field ? PB.$(o.field) : null,
			err = o.error ? PB.$(o.error) : null, back = null;
		function say(text) {
			if (!err)
				return;
			PB.show(err, !!text);      /* shown first: the alert is read when its text comes */
			err.textContent = text;
			if (field && text)
				field.setAttribute("aria-invalid", "true");
			else if (field)
				field.removeAttribute("aria-invalid");
		}
		function close(giveBack) {
			var to;
			if (box.hidden)
				return;
			PB.show(box, false);
			say("");
			to = typeof back === "function" ? back() : back;
			if (giveBack && to)
				to.focus();
		}
		function yes() {
			var value, problem;
			if (box.hidden)         /* a second Enter or tap after the first closed it */
				return;
			value = field ? field.value : undefined;
			problem = o.check ? o.check(value) : "";
			if (problem) {
				say(problem);
				field.focus();
				return;
			}
			close(false);
			o.onYes(value);
		}
		PB.$(o.yes).addEventListener("click", yes, false);
		PB.$(o.no).addEventListener("click", function () { close(true); }, false);
		box.addEventListener("keydown", function (ev) {
			if (isKey(ev, "Escape", 27)) {
				ev.preventDefault();
				close(true);
			} else if (field && ev.target === field && isKey(ev, "Enter", 13)) {
				ev.preventDefault();
				yes();
			}
		}, false);
		return {
			open: function (from, text) {
				back = from || null;
				if (text)
					question.textContent = text;
				say("");
				PB.show(box, true);
				if (field)
					field.focus();
				else
					PB.focus(question);
			},
			close: close
		};
	};

	PB.utf8Bytes = function (s) {
		try {
			return unescape(encodeURIComponent(String(s))).length;
		} catch (e) {           /* a lone surrogate: at most three bytes each */
			return String(s).length * 3;
		}
	};

	function append(node, c) {
		var i;
		if (c === null || c === undefined || c === false)
			return;
		if (Object.prototype.toString.call(c) === "[object Array]") {
			for (i = 0; i < c.length; i++)
				append(node, c[i]);
			return;
		}
		node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
	}

	PB.el = function (tag, attrs, children) {
		var node = document.createElement(tag), k, v;
		for (k in attrs || {}) {
			if (!attrs.hasOwnProperty(k))
				continue;
			v = attrs[k];
			if (v === null || v === undefined || v === false)
				continue;
			if (k === "text")
				node.textContent = String(v);
			else if (k === "class")
				node.className = v;
			else if (k.slice(0, 2) === "on" && typeof v === "function")
				node.addEventListener(k.slice(2), v, false);
			else if (v === true)
				node.setAttribute(k, "");
			else
				node.setAttribute(k, String(v));
		}
		append(node, children);
		return node;
	};

	/* The sign-in window a phone opens on joining the hotspot (Android's
	 * captive-portal WebView, Apple's Captive Network Assistant) and other
	 * in-app WebViews: they often refuse downloads. A guess from the user
	 * agent; the footer's hint is there for every browser anyway. */
	PB.inPortalWindow = function () {
		var ua = navigator.userAgent || "";
		return /; wv\)|CaptiveNetworkSupport|CaptivePortalLogin/.test(ua) ||
			(/(iPhone|iPad)/.test(ua) && !/Safari/.test(ua));
	};

	/* window.print() does nothing in a sign-in window: the button would
	 * seem dead. There a notice right after its row of buttons (announced)
	 * says where printing works. */
	PB.print = function (button) {
		var id = button.id + "-portal", note = PB.$(id), row = button.parentNode;
		if (!PB.inPortalWindow())
			return window.print();
		if (!note) {
			note = PB.el("p", {id: id, "class": "pb-notice pb-noprint", role: "alert"});
			row.parentNode.insertBefore(note, row.nextSibling);
		}
		note.textContent = PB.t("print.portal", {address: PB.t("footer.address")});
		if (note.scrollIntoView)
			note.scrollIntoView({block: "nearest"});
	};

	PB.title = function (text) {
		document.title = (text ? text + " — " : "") + PB.t("app.name");
	};

	/* A teacher as typed: a NUPTK (16 digits once spaces, dashes and dots
	 * are dropped) or, without one, a participant number (No Peserta: upper
	 * case, no spaces, 1-15 of A-Z 0-9 . / -); "" if neither. The box
	 * applies the same rule (pb_person_key). */
	PB.person = function (s) {
		var n = String(s).replace(/[\s.-]/g, ""), p = String(s).replace(/\s/g, "").toUpperCase();
		if (/^[0-9]{16}$/.test(n))
			return n;
		return /^[A-Z0-9.\/-]{1,15}$/.test(p) ? p : "";
	};
	/* How a teacher's identity reads: "NUPTK 3273 … 0005" or "No Peserta X". */
	PB.personLabel = function (n, full) {
		if (/^[0-9]{16}$/.test(n))
			return "NUPTK " + (full ? PB.nuptkText(n) : n.substr(0, 4) + " \u2026 " + n.substr(12));
		return "No Peserta " + n;
	};
	/* A NUPTK (16 digits) in groups of four, as read aloud; anything else
	 * as it came. */
	PB.nuptkText = function (s) {
		return /^[0-9]{16}$/.test(s || "") ? s.replace(/(\d{4})(?=\d)/g, "$1 ") : (s || "");
	};

	PB.query = function (params) {
		var parts = [], k;
		for (k in params)
			if (params.hasOwnProperty(k) && params[k] !== "" &&
			    params[k] !== null && params[k] !== undefined)
				parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
		return parts.length ? "?" + parts.join("&") : "";
	};

	/* ---- XHR ---- */
	/* The page's own words for code; else the box's message when it is in
	 * the page's language (the box follows Accept-Language and names its
	 * language in "lang"), or quoted. */
	function worded(f) {
		var key = "error." + f.code;
		return PB.strings.hasOwnProperty(key) ? PB.t(key) :
			(f.server && (f.serverLang || "id") === PB.lang) ? f.server :
			f.server ? PB.t("error.server", {message: f.server}) :
			PB.t("error.http", {status: f.status});
	}

	/* A failure's words in the page's language now (after a switch, the
	 * other's): what err.message said when it came. */
	PB.errorWords = function (err) { return err ? worded(err) : ""; };

	function failure(status, code, serverMessage, serverLang) {
		var f = {status: status, code: code, server: serverMessage, serverLang: serverLang};
		f.message = worded(f);
		return f;
	}

	/* A failure that comes before the page's strings (the first request
	 * of a page races them) waits for them: its message is then words in
	 * the page's language, not a key. The strings' own requests and the
	 * start's /healthz (PB.init waits for both) are not held. */
	var wordedYet = false, held = [];

	function whenWorded(err, answer) {
		if (!err || wordedYet)
			return answer();
		held.push(function () {
			err.message = worded(err);
			answer();
		});
	}

	function wordHeld() {
		var w = held, i;
		wordedYet = true;
		held = [];
		for (i = 0; i < w.length; i++)
			w[i]();
	}

	function request(method, url, body, accept, done, progress) {
		var xhr = new XMLHttpRequest(), finished = false;

		function finish(err, xhrOk) {
			if (finished)
				return;
			finished = true;
			done(err, xhrOk);
		}
		xhr.open(method, url, true);
		xhr.setRequestHeader("Accept", accept);
		if (PB.lang)            /* the box answers messages in the page's language */
			xhr.setRequestHeader("Accept-Language", PB.lang);
		if (body !== null && body !== undefined)
			xhr.setRequestHeader("Content-Type", "application/json");
		if (PB.csrf && method !== "GET")   /* staff pages: the login's CSRF token */
			xhr.setRequestHeader("X-CSRF-Token", PB.csrf);
		try { xhr.timeout = XHR_TIMEOUT_MS; } catch (e) { /* not settable on old engines */ }
		if (progress && xhr.upload)
			xhr.upload.onprogress = function (ev) {
				if (ev.lengthComputable && ev.total > 0)
					progress(ev.loaded / ev.total);
			};
		xhr.ontimeout = function () { finish(failure(0, "timeout")); };
		xhr.onerror = function () { finish(failure(0, "network")); };
		xhr.onreadystatechange = function () {
			if (xhr.readyState !== 4)
				return;
			if (xhr.status === 0)   /* some old engines never fire onerror */
				return setTimeout(function () { finish(failure(0, "network")); }, 0);
			finish(null, xhr);
		};
		xhr.send(body === null || body === undefined ? null : JSON.stringify(body));
	}

	/* early: answered at once, also before the strings (see whenWorded) */
	function api(method, url, body, callback, progress, early) {
		var answer = early ? callback : function (err, data, status) {
			whenWorded(err, function () { callback(err, data, status); });
		};
		request(method, url, body, "application/json", function (err, xhr) {
			var data = null;
			if (err)
				return answer(err, null, err.status);
			try {
				data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
			} catch (e) {
				data = null;
			}
			if (xhr.status >= 200 && xhr.status < 300) {
				if (data === null && xhr.status !== 204)
					return answer(failure(xhr.status, "bad_json"), null, xhr.status);
				return answer(null, data, xhr.status);
			}
			if (data && typeof data.error === "string")
				return answer(failure(xhr.status, data.error, data.message, data.lang),
						data, xhr.status);
			return answer(failure(xhr.status, "http_" + xhr.status), null, xhr.status);
		}, progress);
	}

	PB.api = function (method, url, body, callback, progress) {
		api(method, url, body, callback, progress, false);
	};

	/* Photos from phones: drawn on a canvas (which also turns them
	 * upright and leaves their EXIF behind) at the largest of these sides
	 * and qualities that fits the box's limit. */
	var PHOTO_SIDES = [1280, 1024, 800, 640];   /* longest side tried, px */
	var PHOTO_QUALITY = [0.7, 0.55, 0.4];        /* JPEG qualities tried */

	PB.downscale = function (file, maxBytes, done) {
		var reader = new FileReader();
		reader.onerror = function () { done("unreadable"); };
		reader.onload = function () {
			var img = new Image();
			img.onerror = function () { done("not_image"); };
			img.onload = function () {
				var canvas = document.createElement("canvas"), s, q, k, w, h, url, b64, bytes;
				for (s = 0; s < PHOTO_SIDES.length; s++) {
					k = Math.min(1, PHOTO_SIDES[s] / Math.max(img.width, img.height));
					w = Math.max(1, Math.round(img.width * k));
					h = Math.max(1, Math.round(img.height * k));
					canvas.width = w;
					canvas.height = h;
					canvas.getContext("2d").drawImage(img, 0, 0, w, h);
					for (q = 0; q < PHOTO_QUALITY.length; q++) {
						url = canvas.toDataURL("image/jpeg", PHOTO_QUALITY[q]);
						if (url.indexOf("data:image/jpeg;base64,") !== 0)
							return done("not_image");
						b64 = url.substring(url.indexOf(",") + 1);
						bytes = Math.floor(b64.length * 3 / 4);
						if (bytes <= maxBytes)
							return done(null, {type: "image/jpeg", data: b64, bytes: bytes,
									   width: w, height: h});
					}
				}
				done("too_large");
			};
			img.src = reader.result;
		};
		reader.readAsDataURL(file);
	};

	PB.getText = function (url, callback) {
		function answer(err, text) {
			whenWorded(err, function () { callback(err, text); });
		}
		request("GET", url, null, "text/plain, */*", function (err, xhr) {
			if (err)
				return answer(err, null);
			if (xhr.status < 200 || xhr.status >= 300)
				return answer(failure(xhr.status, "http_" + xhr.status), null);
			if (xhr.responseText.length > TEXT_MAX)
				return answer(failure(xhr.status, "text_too_large"), null);
			answer(null, xhr.responseText);
		});
	};

	/* ---- language ---- */
	function merge(into, from) {
		var k;
		for (k in from)
			if (from.hasOwnProperty(k))
				into[k] = from[k];
		return into;
	}

	/* Load common + page strings for lang; calls done(strings or null). */
	function loadStrings(lang, done) {
		var files = ["common"], got = {}, left, i, failed = false;
		if (cache[lang])
			return done(cache[lang]);
		if (opts.page)
			files.push(opts.page);
		left = files.length;
		function one(name) {
			api("GET", "/locale/" + lang + "/" + name + ".json", null, function (err, data) {
				if (err || !data || typeof data !== "object")
					failed = true;
				else
					got[name] = data;
				if (--left > 0)
					return;
				if (failed)
					return done(null);
				cache[lang] = merge(merge({}, got.common), got[opts.page] || {});
				done(cache[lang]);
			}, null, true);
		}
		for (i = 0; i < files.length; i++)
			one(files[i]);
	}

	PB.i18n = function (root) {
		var nodes, i, n;
		root = root || document;
		nodes = root.querySelectorAll("[data-i18n],[data-i18n-placeholder],[data-i18n-label]");
		for (i = 0; i < nodes.length; i++) {
			n = nodes[i];
			if (n.getAttribute("data-i18n"))
				n.textContent = PB.t(n.getAttribute("data-i18n"));
			if (n.getAttribute("data-i18n-placeholder"))
				n.setAttribute("placeholder", PB.t(n.getAttribute("data-i18n-placeholder")));
			if (n.getAttribute("data-i18n-label"))
				n.setAttribute("aria-label", PB.t(n.getAttribute("data-i18n-label")));
		}
	};

	/* The header is the page's own markup (its text is filled from
	 * data-i18n like the rest): only the centre's name, the language the
	 * button offers, and the sign-in window's banner are set here. */
	function drawHeader() {
		var centre = PB.$("pb-centre"), b = PB.$("pb-lang");
		if (centre)
			centre.textContent = PB.centre;
		if (b)
			b.setAttribute("lang", PB.lang === "id" ? "en" : "id");
	}

	function startHeader() {
		var b = PB.$("pb-lang"), banner = PB.$("pb-portal-banner");
		if (b)
			b.addEventListener("click", function () {
				PB.setLang(PB.lang === "id" ? "en" : "id");
			}, false);
		/* before the first paint, so the page does not move down later */
		if (banner)
			PB.show(banner, PB.inPortalWindow());
		startMenu();
	}

	/* The staff menu's button (shown under 600 px by app.css): a
	 * disclosure; Escape closes it and gives the focus back. */
	function startMenu() {
		var btn = PB.$("pb-menu-btn"), nav = PB.$("pb-nav");
		function open(yes) {
			btn.setAttribute("aria-expanded", yes ? "true" : "false");
			nav.className = nav.className.replace(/ ?pb-menu-open/g, "") + (yes ? " pb-menu-open" : "");
		}
		if (!btn || !nav)
			return;
		btn.addEventListener("click", function () {
			open(btn.getAttribute("aria-expanded") !== "true");
		}, false);
		nav.addEventListener("keydown", function (ev) {
			if (isKey(ev, "Escape", 27) && btn.getAttribute("aria-expanded") === "true") {
				open(false);
				btn.focus();
			}
		}, false);
		PB.me(function (err, d) {
			PB.staffMenu(!err, d && d.role);
		});
	}

	/* /api/v1/me, asked once per page load: the menu and the staff login
	 * (staff-common.js) both need it, and each caller gets the one answer. */
	PB.me = function (cb) {
		if (me.done)
			return cb(me.err, me.data);
		me.waiting.push(cb);
		if (me.asked)
			return;
		me.asked = true;
		PB.api("GET", "/api/v1/me", null, function (err, d) {
			var w = me.waiting, i;
			me.done = true;
			me.err = err;
			me.data = d;
			me.waiting = [];
			for (i = 0; i < w.length; i++)
				w[i](err, d);
		});
	};

	/* The staff pages each role may open, as the box decides
	 * (pb_require_staff answers 403 to the others): the menu lists only
	 * these; null: all of them. */
	var MENU_PAGES = {
		admin: null,
		fasilitator: ["/klaim-petugas.html", "/cetak.html", "/hasil-belajar.html"],
		mentor: ["/hasil-belajar.html"]
	};

	PB.staffMenu = function (on, role) {
		var items = document.querySelectorAll(".pb-staff-only"), i, a;
		var pages = MENU_PAGES.hasOwnProperty(role) ? MENU_PAGES[role] : [];
		for (i = 0; i < items.length; i++) {
			a = items[i].querySelector("a");
			PB.show(items[i], !!on && (!pages ||
				(!!a && pages.indexOf(a.getAttribute("href")) >= 0)));
		}
	};

	PB.adminOnly = function (id, err) {
		var box = PB.$(id), link = PB.$(id + "-link"), me = PB.staff && PB.staff.me;
		var refused = !!err && (err.status === 401 ||
					(err.status === 403 && err.code === "admin_only"));
		if (!box)
			return refused;
		PB.show(box, refused);
		if (!refused)
			return false;
		if (!link) {            /* drawn once: a redraw keeps the focus */
			link = PB.el("a", {id: id + "-link", "class": "pb-btn pb-btn-primary",
				href: "/petugas.html?kembali=" +
				encodeURIComponent(window.location.pathname)});
			PB.clear(box).appendChild(PB.el("p", {id: id + "-text"}));
			box.appendChild(PB.el("p", null, link));
		}
		PB.$(id + "-text").textContent = err.status === 403 && me ?
			PB.t("admin_only.logged_in", {user: me.user, role: me.role}) :
			PB.t("admin_only.login");
		link.textContent = PB.t("admin_only.link");
		return true;
	};

	function drawFooter() {
		var f = PB.$("pb-footer");
		if (!f)
			return;
		f.className = "pb-footer";
		PB.clear(f).appendChild(PB.el("div", {"class": "pb-wrap"}, [
			PB.el("p", {"class": "pb-hint", id: "pb-portal-hint"}, [
				PB.t("footer.portal_hint") + " ",
				PB.el("strong", {text: PB.t("footer.address")})
			]),
			PB.el("p", {"class": "pb-small"}, [
				PB.t("footer.about", {centre: PB.centre || PB.t("app.name"),
						      version: PB.version || "?"}), " · ",
				PB.el("a", {href: "/petugas.html", id: "pb-staff-link"}, PB.t("footer.staff"))])
		]));
	}

	function apply(lang, strings) {
		PB.lang = lang;
		PB.strings = strings;
		document.documentElement.setAttribute("lang", lang);
		drawHeader();
		drawFooter();
		PB.i18n(document);
		if (opts.render)
			opts.render();
		pickerAll(document);
		wordHeld();
		checkWordAll();
	}

	PB.setLang = function (lang, done) {
		if (LANGS.indexOf(lang) < 0)
			lang = DEFAULT_LANG;
		loadStrings(lang, function (strings) {
			if (!strings && lang !== DEFAULT_LANG)
				return PB.setLang(DEFAULT_LANG, done);
			PB.store.set(STORE_LANG, lang);
			apply(lang, strings || {});
			var b = PB.$("pb-lang");
			if (done)
				done();
			else if (b)
				b.focus();
		});
	};

	PB.init = function (options) {
		var pending = 2, lang = PB.store.get(STORE_LANG);
		opts = options || {};
		startHeader();
		pickerAll(document);    /* their place before the strings come */
		if (LANGS.indexOf(lang) < 0)
			lang = DEFAULT_LANG;
		function step() {
			if (--pending === 0)
				PB.setLang(lang, function () {});
		}
		api("GET", "/healthz", null, function (err, h) {
			if (!err && h) {
				PB.centre = h.centre || "";
				PB.version = h.version || "";
			}
			step();
		}, null, true);
		loadStrings(lang, function () { step(); });
	};

	return PB;
}());
