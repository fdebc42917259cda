/* The module browser (index.html): search, filter by Kelompok Kompetensi
 * and subject, and a module view at #/m/ID that plays video, opens PDFs,
 * shows worksheets and offers every file for download (in a Wi-Fi sign-in
 * window, which often drops downloads, also says where they work). Uses PB from
 * common.js; strings in locale/<lang>/modules.json. ES5 only. */
(function () {
	"use strict";

	var KKS = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
	var SEARCH_DELAY_MS = 400;      /* typing pause before searching */
	var TEXT_INLINE_MAX = 65536;    /* worksheets up to this size are shown inline */
	var WIDE_QUERY = "(min-width: 60em)"; /* PDFs inline only here */
	var PAGE = 40;                  /* modules fetched at a time */

	var state = {
		modules: null,          /* modules shown so far */
		total: 0,               /* modules matching the filters */
		subjects: [],           /* every subject seen */
		error: null,            /* last list error */
		seq: 0,                 /* newest list request */
		module: null,           /* open module */
		moduleError: null,
		moduleSeq: 0,
		scrollY: 0,
		view: "list"
	};
	var timer = null;

	function filters() {
		return {
			q: PB.$("q").value.replace(/^\s+|\s+$/g, ""),
			kk: PB.$("kk").value,
			subject: PB.$("subject").value
		};
	}

	function kindOf(file) {
		var m = String(file.mime || "");
		if (file.kind === "html5" && file.lesson_url)
			return "lesson";
		if (m.indexOf("video/") === 0)
			return "video";
		if (m.indexOf("audio/") === 0)
			return "audio";
		if (m.indexOf("application/pdf") === 0)
			return "pdf";
		if (m.indexOf("text/plain") === 0)
			return "text";
		if (m.indexOf("text/vtt") === 0)
			return "captions";
		return "other";
	}

	/* A video's captions are the module's WebVTT files named like it:
	 * "Video X.mp4" has "Video X.vtt" or "Video X.LANG.vtt" (LANG: two or
	 * three letters, default Indonesian). Returns <track> elements. */
	function tracksFor(video, files) {
		var found = captionsOf(video, files), out = [], i, lang;
		for (i = 0; i < found.length; i++) {
			lang = found[i].lang;
			out.push(PB.el("track", {kind: "captions", src: found[i].file.url, srclang: lang,
				label: PB.strings.hasOwnProperty("captions." + lang) ?
					PB.t("captions." + lang) : lang,
				"default": lang === PB.lang && !out.length}));
		}
		return out;
	}
	/* The captions files of one video or audio file: [{file, lang}]. */
	function captionsOf(media, files) {
		var stem = String(media.name).replace(/\.[^.\/]*$/, ""), out = [], i, m;
		for (i = 0; i < files.length; i++) {
			if (kindOf(files[i]) !== "captions")
				continue;
			m = /^(.*?)(?:\.([a-z]{2,3}))?\.vtt$/i.exec(String(files[i].name));
			if (m && m[1] === stem)
				out.push({file: files[i], lang: (m[2] || "id").toLowerCase()});
		}
		return out;
	}
	/* The files a module lists: captions go with their video (as its
	 * tracks), not in the list; a captions file without one stays. */
	function listed(files) {
		var owned = [], out = [], i, j, c, k;
		for (i = 0; i < files.length; i++) {
			k = kindOf(files[i]);
			if (k !== "video" && k !== "audio")
				continue;
			c = captionsOf(files[i], files);
			for (j = 0; j < c.length; j++)
				owned.push(c[j].file);
		}
		for (i = 0; i < files.length; i++)
			if (owned.indexOf(files[i]) < 0)
				out.push(files[i]);
		return out;
	}

	function downloadUrl(url) {
		return url + (url.indexOf("?") < 0 ? "?" : "&") + "download=1";
	}

	/* ---- filters ---- */
	function fillSelect(sel, allText, values, labelOf) {
		var keep = sel.value, i;
		PB.clear(sel);
		sel.appendChild(PB.el("option", {value: ""}, allText));
		for (i = 0; i < values.length; i++)
			sel.appendChild(PB.el("option", {value: values[i]}, labelOf(values[i])));
		sel.value = keep;
		if (sel.value !== keep)
			sel.value = "";
	}

	function drawFilters() {
		fillSelect(PB.$("kk"), PB.t("modules.kk_all"), KKS, function (k) {
			return PB.t("modules.kk_option", {kk: k});
		});
		fillSelect(PB.$("subject"), PB.t("modules.subject_all"), state.subjects,
			   function (s) { return s; });
	}

	function addSubjects(list) {
		var i;
		for (i = 0; list && i < list.length; i++)
			if (state.subjects.indexOf(list[i]) < 0)
				state.subjects.push(list[i]);
		state.subjects.sort();
	}

	/* ---- list ---- */
	/* Fetch the first page (more = false) or the next one (more = true). */
	function load(more) {
		var seq = ++state.seq;
		var status = PB.$("list-status");
		var q = filters();
		q.limit = PAGE;
		if (more === true && state.modules)
			q.offset = state.modules.length;
		status.textContent = PB.t("modules.loading");
		PB.api("GET", "/api/v1/modules" + PB.query(q), null, function (err, data) {
			if (seq !== state.seq)
				return;         /* a newer search is on its way */
			state.error = err;
			if (!err) {
				state.modules = (more === true && state.modules ?
					state.modules : []).concat(data.modules || []);
				state.total = data.total || state.modules.length;
				addSubjects(data.subjects);
				drawFilters();
			}
			drawList();
		});
	}

	function loadSoon() {
		if (timer)
			clearTimeout(timer);
		timer = setTimeout(function () { timer = null; load(); }, SEARCH_DELAY_MS);
	}

	function card(m) {
		var kinds = [], i, k, files = listed(m.files || []);
		for (i = 0; i < files.length; i++) {
			k = PB.t("kind." + kindOf(files[i]));
			if (kinds.indexOf(k) < 0)
				kinds.push(k);
		}
		return PB.el("li", null, PB.el("a", {"class": "pb-card", href: "#/m/" + encodeURIComponent(m.id)}, [
			PB.el("span", {"class": "pb-card-title", text: m.title}),
			PB.el("span", {"class": "pb-meta"}, [
				PB.el("span", {"class": "pb-badge", text: PB.t("modules.kk_badge", {kk: m.kk})}),
				" " + [m.subject, m.level].join(" · ")
			]),
			PB.el("span", {"class": "pb-meta"},
				PB.tn("modules.files", files.length) +
				(kinds.length ? ": " + kinds.join(", ") : ""))
		]));
	}

	function drawList() {
		var ul = PB.clear(PB.$("results")), errBox = PB.$("list-error");
		var status = PB.$("list-status"), f = filters(), i, filtered;
		PB.clear(errBox);
		PB.show(errBox, !!state.error);
		if (state.error) {
			status.textContent = "";
			errBox.appendChild(PB.el("p", {text: state.error.message}));
			errBox.appendChild(PB.el("button", {type: "button", "class": "pb-btn",
				onclick: load}, PB.t("action.retry")));
			return;
		}
		if (!state.modules) {
			status.textContent = PB.t("modules.loading");
			return;
		}
		filtered = !!(f.q || f.kk || f.subject);
		status.textContent = PB.tn("modules.count", state.total);
		if (state.modules.length === 0) {
			ul.appendChild(PB.el("li", {"class": "pb-empty"}, [
				PB.el("p", {text: PB.t(filtered ? "modules.empty" : "modules.empty_library")}),
				filtered ? PB.el("button", {type: "button", "class": "pb-btn", id: "clear-filters",
					onclick: clearFilters}, PB.t("modules.clear")) : null
			]));
			return;
		}
		for (i = 0; i < state.modules.length; i++)
			ul.appendChild(card(state.modules[i]));
		if (state.modules.length < state.total) {
			status.textContent = PB.t("modules.count_part",
				{n: state.modules.length, total: state.total});
			ul.appendChild(PB.el("li", {"class": "pb-more"}, PB.el("button", {
				type: "button", "class": "pb-btn", id: "more",
				onclick: function () { load(true); }
			}, PB.t("modules.more"))));
		}
	}

	function clearFilters() {
		PB.$("q").value = "";
		PB.$("kk").value = "";
		PB.$("subject").value = "";
		load();
		PB.$("q").focus();
	}

	/* ---- one module ---- */
	function fileBlock(file, files) {
		var kind = kindOf(file), size = PB.size(file.size), body = [], pre, media;
		if (kind === "video" || kind === "audio") {
			media = PB.el(kind, {controls: true, preload: "metadata", src: file.url,
					     "class": "pb-media", "aria-label": file.name},
				tracksFor(file, files).concat(
					PB.el("p", {text: PB.t("file.video_unsupported")})));
			body.push(media);
		} else if (kind === "lesson") {
			/* its own prefix (/h/...), sandboxed like every module file */
			body.push(PB.el("a", {"class": "pb-btn pb-lesson", href: file.lesson_url},
				PB.t("file.open_lesson")));
		} else if (kind === "pdf") {
			body.push(PB.el("a", {"class": "pb-btn", href: file.url}, PB.t("file.open_pdf")));
			if (window.matchMedia && window.matchMedia(WIDE_QUERY).matches)
				body.push(PB.el("iframe", {"class": "pb-pdf", src: file.url,
					title: PB.t("file.pdf_frame", {name: file.name})}));
		} else if (kind === "text" && file.size <= TEXT_INLINE_MAX) {
			pre = PB.el("pre", {"class": "pb-text", tabindex: "0", role: "region",
				"aria-label": file.name}, PB.t("file.text_loading"));
			body.push(pre);
			PB.getText(file.url, function (err, text) {
				pre.textContent = err ? err.message : text;
			});
		} else {
			body.push(PB.el("a", {"class": "pb-btn", href: file.url}, PB.t("file.open")));
		}
		body.push(PB.el("a", {
			"class": "pb-btn pb-btn-primary pb-download",
			href: downloadUrl(file.url), download: file.name,
			"aria-label": PB.t("file.download_label", {size: size, name: file.name})
		}, PB.t("file.download", {size: size})));
		/* many sign-in windows drop a download without a word: say, by the
		 * button, where downloading works */
		if (PB.inPortalWindow())
			body.push(PB.el("p", {"class": "pb-hint pb-download-portal",
				text: PB.t("file.download_portal", {address: PB.t("footer.address")})}));
		return PB.el("li", {"class": "pb-file pb-file-" + kind}, [
			PB.el("h3", {"class": "pb-file-name", text: file.name}),
			PB.el("p", {"class": "pb-meta", text: PB.t("kind." + kind) + " · " + size}),
			PB.el("div", {"class": "pb-file-body"}, body)
		]);
	}

	function drawModule() {
		var view = PB.clear(PB.$("module-view")), m = state.module, files, i, h;
		view.appendChild(PB.el("p", {"class": "pb-noprint"},
			PB.el("a", {"class": "pb-back", href: "#/", id: "back"}, PB.t("modules.back"))));
		if (state.moduleError) {
			h = PB.el("h1", {text: PB.t("modules.title")});
			view.appendChild(h);
			view.appendChild(PB.el("div", {"class": "pb-notice pb-error", role: "alert"}, [
				PB.el("p", {text: state.moduleError.status === 404 ?
					PB.t("modules.not_found") : state.moduleError.message}),
				state.moduleError.status === 404 ? null : PB.el("button", {type: "button",
					"class": "pb-btn", onclick: route}, PB.t("action.retry"))
			]));
			PB.title(PB.t("modules.title"));
			return h;
		}
		if (!m) {
			view.appendChild(PB.el("p", {"class": "pb-status", role: "status",
				text: PB.t("modules.loading")}));
			return null;
		}
		h = PB.el("h1", {id: "module-title", text: m.title});
		view.appendChild(h);
		view.appendChild(PB.el("p", {"class": "pb-meta"}, [
			PB.el("span", {"class": "pb-badge", text: PB.t("modules.kk_badge", {kk: m.kk})}),
			" " + [m.subject, m.level].join(" · ")
		]));
		if (m.description)
			view.appendChild(PB.el("p", {"class": "pb-lead", text: m.description}));
		view.appendChild(PB.el("h2", {text: PB.t("modules.files_heading")}));
		files = listed(m.files || []);
		if (!files.length)
			view.appendChild(PB.el("p", {"class": "pb-empty", text: PB.t("modules.no_files")}));
		else {
			var ul = PB.el("ul", {"class": "pb-files"});
			for (i = 0; i < files.length; i++)
				ul.appendChild(fileBlock(files[i], m.files));
			view.appendChild(ul);
		}
		if ((m.tests && m.tests.length) || (m.worksheets && m.worksheets.length)) {
			view.appendChild(PB.el("h2", {text: PB.t("modules.learning_heading")}));
			view.appendChild(PB.el("p", {text: PB.t("modules.learning_has", {
				tests: (m.tests || []).length, worksheets: (m.worksheets || []).length})}));
			view.appendChild(PB.el("p", null, PB.el("a", {"class": "pb-btn pb-btn-primary",
				id: "learning-link", href: "/belajar.html#m=" + encodeURIComponent(m.id)},
				PB.t("modules.learning_open"))));
		}
		PB.title(m.title);
		return h;
	}

	function findCached(id) {
		var i;
		for (i = 0; state.modules && i < state.modules.length; i++)
			if (state.modules[i].id === id)
				return state.modules[i];
		return null;
	}

	function openModule(id) {
		var seq = ++state.moduleSeq;
		if (state.view === "list")
			state.scrollY = window.pageYOffset || 0;
		state.view = "module";
		PB.show(PB.$("list-view"), false);
		PB.show(PB.$("module-view"), true);
		state.moduleError = null;
		state.module = findCached(id);
		if (state.module) {
			PB.focus(drawModule());
			window.scrollTo(0, 0);
			return;
		}
		drawModule();
		PB.api("GET", "/api/v1/modules/" + encodeURIComponent(id), null, function (err, data) {
			if (seq !== state.moduleSeq)
				return;
			state.moduleError = err;
			state.module = err ? null : data;
			PB.focus(drawModule());
			window.scrollTo(0, 0);
		});
	}

	function showList() {
		var wasModule = state.view === "module";
		state.view = "list";
		state.module = null;
		PB.clear(PB.$("module-view"));
		PB.show(PB.$("module-view"), false);
		PB.show(PB.$("list-view"), true);
		PB.title(PB.t("modules.title"));
		if (wasModule) {
			window.scrollTo(0, state.scrollY);
			PB.focus(PB.$("list-heading"));
		}
		if (!state.modules && !state.error)
			load();
	}

	function route() {
		var h = window.location.hash, m = /^#\/m\/([^\/?]+)$/.exec(h);
		if (m)
			openModule(decodeURIComponent(m[1]));
		else
			showList();
	}

	/* Called by PB after the strings are loaded and after a language switch. */
	function render() {
		drawFilters();
		if (state.view === "module" && (state.module || state.moduleError)) {
			drawModule();
			drawList();
			return;
		}
		drawList();
		if (state.view === "list" && !state.modules && !state.error)
			route();
		else
			PB.title(PB.t("modules.title"));
	}

	PB.$("search-form").addEventListener("submit", function (e) {
		e.preventDefault();
		if (timer)
			clearTimeout(timer);
		load();
	}, false);
	PB.$("q").addEventListener("input", loadSoon, false);
	PB.$("kk").addEventListener("change", load, false);
	PB.$("subject").addEventListener("change", load, false);
	window.addEventListener("hashchange", route, false);

	PB.init({page: "modules", render: render});
}());
