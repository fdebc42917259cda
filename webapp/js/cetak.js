/* The printed papers of a session (cetak.html?session=ID&doc=…): daftar
 * hadir per day (and per sitting), daftar nominatif (A4 landscape, pages
 * with their header, carried and running subtotals), daftar pengeluaran
 * riil and tanda terima per teacher, rekap JP. The papers themselves are
 * Indonesian finance forms: their text stays Indonesian in either
 * language; the page around them is translated. Amounts in words
 * (terbilang) come from the box. ES5. */
(function () {
	"use strict";

	/* Rows of a page, and of the last page, which also carries the totals
	 * in words and the signature blocks. Each paper is cut into pages here
	 * (not by the browser) so every page has its own subtotal and number;
	 * the row heights in cetak.css are what make these fit A4. */
	var NOMINATIF_ROWS_PER_PAGE = 14;   /* landscape A4 */
	var NOMINATIF_ROWS_LAST_PAGE = 8;
	var HADIR_ROWS_PER_PAGE = 22;       /* portrait A4 */
	var HADIR_ROWS_LAST_PAGE = 17;
	var JP_ROWS_PER_PAGE = 34;          /* portrait A4 */
	var JP_ROWS_LAST_PAGE = 26;
	var DOCS = ["hadir", "nominatif", "dpr", "terima", "jp"];
	var ITEMS = ["uang_harian", "uang_makan", "transport", "penginapan"];
	/* attendance status codes as printed (any status the box reports) */
	var STATUS = {
		present: ["H", "Hadir"],
		late: ["T", "Terlambat"],
		excused: ["I", "Izin"],
		sick: ["S", "Sakit"],
		absent: ["A", "Tidak hadir"],
		not_yet: ["-", "Belum hadir"]
	};
	var STATUS_ORDER = ["present", "late", "excused", "sick", "absent"];
	var DAY_NAMES = ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"];
	var MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
		"September", "Oktober", "November", "Desember"];

	var el = PB.el;
	var q = {};
	var pages = 0;

	function parseQuery() {
		var parts = window.location.search.replace(/^\?/, "").split("&"), i, kv;
		for (i = 0; i < parts.length; i++) {
			if (!parts[i])
				continue;
			kv = parts[i].split("=");
			try {
				q[decodeURIComponent(kv[0])] = decodeURIComponent((kv[1] || "").replace(/\+/g, " "));
			} catch (e) {
				q[kv[0]] = "";
			}
		}
	}

	/* ---- formats ---- */

	function rp(n) {
		return String(n || 0).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
	}

	function nipText(s) {
		if (!s || s.length !== 18)
			return s || "";
		return s.slice(0, 8) + " " + s.slice(8, 14) + " " + s.slice(14, 15) + " " + s.slice(15);
	}

	var nuptkText = PB.nuptkText;

	/* NPWP of 15 digits as on the card: 01.234.567.8-901.015 (16-digit ones are a NIK) */
	function npwpText(s) {
		var m = /^(\d{2})(\d{3})(\d{3})(\d)(\d{3})(\d{3})$/.exec(s || "");
		return m ? m[1] + "." + m[2] + "." + m[3] + "." + m[4] + "-" + m[5] + "." + m[6] : (s || "");
	}

	/* Where a list of n rows is cut into pages: [start, end) of each. As
	 * few pages as hold at most per rows a page and at most last on the
	 * last page, the rows shared out evenly (no last page of one row). */
	function pageRanges(n, per, last) {
		var m = n <= last ? 1 : 1 + Math.ceil((n - last) / per), out = [], i = 0, j, k;
		var onLast = Math.min(last, Math.ceil(n / m)), rest = n - onLast;
		for (j = 0; j < m - 1; j++) {
			k = Math.ceil(rest / (m - 1 - j));
			out.push([i, i + k]);
			i += k;
			rest -= k;
		}
		out.push([i, n]);
		return out;
	}

	function ymd(day) {
		var p = String(day || "").split("-");
		return new Date(Date.UTC(+p[0], +p[1] - 1, +p[2]));
	}

	function shortDate(day) {
		var d = ymd(day);
		return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + d.getUTCFullYear();
	}

	function longDate(day) {
		return DAY_NAMES[ymd(day).getUTCDay()] + ", " + shortDate(day);
	}

	var sessionDays = PBClaims.days;

	function period(s) {
		var days = sessionDays(s);
		return days.length === 1 ? shortDate(days[0]) :
			shortDate(days[0]) + " s.d. " + shortDate(days[days.length - 1]);
	}

	/* ---- shared parts of every paper ---- */

	function payee(p, nuptk) {
		return (p.payees && p.payees[nuptk]) || {};
	}
	/* A row's teacher: the NUPTK, or the participant number without one
	 * (the payees are keyed the same way); and how it reads. */
	function who(r) { return r.nuptk || r.no_peserta; }
	function idText(r) { return r.nuptk ? nuptkText(r.nuptk) : "No Peserta " + r.no_peserta; }

	/* A NIP/NUPTK cell: the number whole on one line; a NIP too long for
	 * the column breaks only between its date and its number (two pieces
	 * that never break inside). */
	function idCell(p, r) {
		var nip = payee(p, who(r)).nip, t;
		if (nip && nip.length === 18) {
			t = nipText(nip);
			return el("td", {class: "cetak-id"}, [el("span", {class: "cetak-nowrap",
				text: t.slice(0, 15)}), " ", el("span", {class: "cetak-nowrap", text: t.slice(16)})]);
		}
		return el("td", {class: "cetak-id"}, [el("span", {class: "cetak-nowrap", text: nip || idText(r)})]);
	}

	function pageNo(i, n) {
		return el("p", {class: "cetak-pageno", text: "Halaman " + (i + 1) + " dari " + n});
	}

	function head(p, title, lines) {
		var s = p.settings, kids = [];
		if (s.penyelenggara)
			kids.push(el("p", {class: "cetak-org", text: s.penyelenggara.toUpperCase()}));
		kids.push(el("h2", {class: "cetak-title", text: title}));
		kids.push(el("table", {class: "cetak-meta"}, [el("tbody", null, lines.map(function (l) {
			return el("tr", null, [el("th", {scope: "row", text: l[0]}), el("td", {text: ": " + l[1]})]);
		}))]));
		return el("header", {class: "cetak-head"}, kids);
	}

	function baseLines(p) {
		var s = p.settings, lines = [["Kegiatan", p.session.title]];
		if (s.nomor_surat)
			lines.push(["Surat tugas / SPD", s.nomor_surat]);
		if (s.tempat)
			lines.push(["Tempat", s.tempat]);
		return lines;
	}

	/* A signature block; dateLine (place and date) goes above it when given.
	 * Every block has the date and office lines (blank when none) so the
	 * names of blocks side by side stand on one line. */
	function sign(role, jabatan, name, nip, dateLine) {
		return el("div", {class: "cetak-sign"}, [
			el("p", {text: dateLine || "\u00a0"}),
			el("p", {text: role}),
			el("p", {text: jabatan || "\u00a0"}),
			el("p", {class: "cetak-sign-space", "aria-hidden": "true", text: " "}),
			el("p", {class: "cetak-sign-name", text: name || "(.................................)"}),
			el("p", {text: "NIP " + (nip ? nipText(nip) : "..............................")})
		]);
	}

	function placeDate(p, day) {
		return (p.settings.tempat ? p.settings.tempat + ", " : "") + shortDate(day);
	}

	function lastDay(p) {
		var d = sessionDays(p.session);
		return d[d.length - 1];
	}

	function page(kids, landscape) {
		pages++;
		return el("section", {class: "cetak-page" + (landscape ? " cetak-landscape" : "")}, kids);
	}

	function table(cls, headRow, rows, footRows) {
		return el("table", {class: "cetak-table " + cls}, [
			el("thead", null, [el("tr", null, headRow.map(function (h) {
				/* "Pangkat/Gol." may break after its slash in a narrow column */
				var parts = h.split("/"), kids = [], i;
				for (i = 0; i < parts.length; i++)
					kids.push(i ? el("wbr") : null, parts[i] + (i < parts.length - 1 ? "/" : ""));
				return el("th", {scope: "col"}, kids);
			}))]),
			el("tbody", null, rows),
			footRows && footRows.length ? el("tfoot", null, footRows) : null
		]);
	}

	function td(text, cls) {
		return el("td", {class: cls || null, text: text});
	}

	/* Signature cell: odd numbers on the left, even on the right, as on
	 * paper lists; the signature drawn at check-in when there is one. */
	function ttd(n, checkinId, name) {
		return el("td", {class: "cetak-ttd"}, [el("span", {class: n % 2 ? "ttd-l" : "ttd-r"},
			checkinId ? [n + ". ", el("img", {class: "cetak-sig", alt: "Tanda tangan " + name,
				src: "/api/v1/attendance/" + encodeURIComponent(checkinId) + "/signature.svg"})] :
				n + ". ........")]);
	}

	/* ---- daftar hadir ---- */

	function statusCode(st) {
		return STATUS[st] ? STATUS[st][0] : (st || "");
	}

	function legend() {
		return el("p", {class: "cetak-note", text: "Keterangan status: " + STATUS_ORDER.map(function (k) {
			return STATUS[k][0] + " = " + STATUS[k][1];
		}).join(", ")});
	}

	/* The sittings of a day's rows ("sesi"), or [null] when it has none. */
	function sittings(rows) {
		var seen = {}, out = [], i, v;
		for (i = 0; i < rows.length; i++) {
			v = rows[i].sesi;
			if (v !== undefined && v !== null && v !== "" && !seen[v]) {
				seen[v] = 1;
				out.push(v);
			}
		}
		return out.length ? out : [null];
	}

	/* The pages of one day (or one sitting): the signatures of check-in
	 * print in the signature column (the record of attendance), a numbered
	 * line to sign on paper for a teacher without one (marked by the
	 * facilitator, not yet arrived, or corrected to absent). */
	function hadirPages(p, day, rows, sesi) {
		var s = p.settings, lines = baseLines(p), ranges, out = [];
		lines.push(["Hari, tanggal", longDate(day.day)]);
		if (sesi !== null)
			lines.push(["Sesi", String(sesi)]);
		if (s.waktu)
			lines.push(["Waktu", s.waktu]);
		ranges = pageRanges(rows.length, HADIR_ROWS_PER_PAGE, HADIR_ROWS_LAST_PAGE);
		ranges.forEach(function (rg, pg) {
			var body = [], i, r, kids;
			for (i = rg[0]; i < rg[1]; i++) {
				r = rows[i];
				body.push(el("tr", null, [td(String(i + 1), "num"), td(r.name), idCell(p, r),
					td(payee(p, who(r)).pangkat || ""), td(r.school),
					td(statusCode(r.status), "center"), td(r.time || "", "center"),
					ttd(i + 1, r.checkin_id, r.name)]));
			}
			kids = [head(p, "DAFTAR HADIR PESERTA", lines), pageNo(pg, ranges.length),
				table("cetak-hadir", ["No", "Nama", "NIP/NUPTK", "Pangkat/Gol.",
					"Unit kerja/Sekolah", "Status", "Waktu", "Tanda tangan"], body)];
			if (pg === ranges.length - 1)
				kids.push(legend(), el("div", {class: "cetak-signs"}, [
					sign("Mengetahui,", s.kepala_jabatan, s.kepala_nama, s.kepala_nip),
					sign("Fasilitator,", "", p.signer.name, p.signer.nip, placeDate(p, day.day))
				]));
			out.push(page(kids));
		});
		return out;
	}

	function drawHadir(p, days) {
		var out = [];
		days.forEach(function (d) {
			sittings(d.rows).forEach(function (sesi) {
				var rows = sesi === null ? d.rows : d.rows.filter(function (r) { return r.sesi === sesi; });
				out = out.concat(hadirPages(p, d, rows, sesi));
			});
		});
		return out;
	}

	/* ---- daftar nominatif ---- */

	function itemLabel(nom, code) {
		return (nom.labels && nom.labels[code]) || code;
	}

	/* The account paid into; "*" marks one the teacher gave or corrected on
	 * the claim page (over the roster's), explained under the table. */
	function account(py) {
		var parts = py.bank_by_teacher ? ["*"] : [];
		if (py.bank)
			parts.push(py.bank);
		if (py.rekening)
			parts.push(py.rekening);
		if (py.nama_rekening)
			parts.push("a.n. " + py.nama_rekening);
		return parts.join(" ");
	}

	function sumRow(label, items, total, cls) {
		return el("tr", {class: cls}, [el("td", {colspan: "5", class: "right", text: label})].concat(
			ITEMS.map(function (c) { return td(rp(items[c]), "num"); }),
			[td(rp(total), "num"), el("td", {colspan: "2"})]));
	}

	function drawNominatif(p, nom) {
		var rows = nom.rows, out = [], carried = {}, carriedTotal = 0, ranges, npages, pg;
		var s = p.settings;
		var headRow = ["No", "Nama", "NIP/NUPTK", "Pangkat/Gol.", "Hari"].concat(
			ITEMS.map(function (c) { return itemLabel(nom, c) + " (Rp)"; }),
			["Jumlah (Rp)", "Rekening", "Tanda tangan"]);
		var lines = baseLines(p).concat([["Tanggal", period(p.session)]]);
		ITEMS.forEach(function (c) { carried[c] = 0; });
		ranges = pageRanges(rows.length, NOMINATIF_ROWS_PER_PAGE, NOMINATIF_ROWS_LAST_PAGE);
		npages = ranges.length;
		for (pg = 0; pg < npages; pg++) {
			var chunk = rows.slice(ranges[pg][0], ranges[pg][1]);
			var pageItems = {}, pageTotal = 0, body = [], foot = [], last = pg === npages - 1, kids;
			ITEMS.forEach(function (c) { pageItems[c] = 0; });
			if (pg > 0)
				body.push(sumRow("Jumlah pindahan", carried, carriedTotal, "cetak-carried"));
			chunk.forEach(function (r, i) {
				var n = ranges[pg][0] + i + 1, py = payee(p, who(r));
				ITEMS.forEach(function (c) { pageItems[c] += r.items[c] || 0; });
				pageTotal += r.total;
				body.push(el("tr", null, [td(String(n), "num"), td(r.name),
					idCell(p, r), td(py.pangkat || ""), td(String(r.days), "num")
				].concat(ITEMS.map(function (c) { return td(rp(r.items[c]), "num"); }),
					[td(rp(r.total), "num"), td(account(py)), ttd(n)])));
			});
			ITEMS.forEach(function (c) { carried[c] += pageItems[c]; });
			carriedTotal += pageTotal;
			foot.push(sumRow("Jumlah halaman ini", pageItems, pageTotal, "cetak-pagesum"));
			if (!last)
				foot.push(sumRow("Jumlah s.d. halaman ini", carried, carriedTotal, "cetak-running"));
			else
				foot.push(sumRow("JUMLAH", nom.totals.items, nom.totals.total, "cetak-total"));
			kids = [head(p, "DAFTAR NOMINATIF PEMBAYARAN", lines),
				pageNo(pg, npages),
				table("cetak-nominatif", headRow, body, foot)];
			if (last) {
				kids.push(el("p", {class: "cetak-terbilang"}, [el("strong", {text: "Terbilang: "}),
					el("em", {text: nom.totals.terbilang})]));
				if (rows.some(function (r) { return payee(p, who(r)).bank_by_teacher; }))
					kids.push(el("p", {class: "cetak-note", text: "* Rekening diisi atau " +
						"diperbaiki oleh peserta di halaman klaim (bukan dari daftar peserta)."}));
				if (p.dasar)
					kids.push(el("p", {class: "cetak-note", text: "Dasar: " + p.dasar}));
				kids.push(el("div", {class: "cetak-signs"}, [
					sign("Setuju dibayar,", "Pejabat Pembuat Komitmen", s.ppk_nama, s.ppk_nip),
					sign("Mengetahui,", s.kepala_jabatan, s.kepala_nama, s.kepala_nip),
					sign("Lunas dibayar,", "Bendahara Pengeluaran", s.bendahara_nama,
						s.bendahara_nip, placeDate(p, lastDay(p)))
				]));
			}
			out.push(page(kids, true));
		}
		return out;
	}

	/* ---- daftar pengeluaran riil (PMK 113/PMK.05/2012) ---- */

	function drawDpr(p, data) {
		var by = {}, order = [], s = p.settings;
		data.claims.forEach(function (c) {
			if (c.evidence !== "dpr" || (c.status !== "approved" && c.status !== "paid"))
				return;
			if (q.nuptk && who(c) !== q.nuptk)
				return;
			if (!by[who(c)]) {
				by[who(c)] = [];
				order.push(who(c));
			}
			by[who(c)].push(c);
		});
		return order.map(function (nuptk) {
			var list = by[nuptk], py = payee(p, nuptk), total = 0, body;
			body = list.map(function (c, i) {
				total += c.amount;
				return el("tr", null, [td(String(i + 1), "center"), td(c.item_label + (c.origin ?
					" dari " + c.origin : "") + " (" + shortDate(c.day) + ")"), td(rp(c.amount), "num")]);
			});
			return page([
				head(p, "DAFTAR PENGELUARAN RIIL", []),
				el("p", {text: "Yang bertanda tangan di bawah ini:"}),
				el("table", {class: "cetak-meta"}, [el("tbody", null, [
					["Nama", list[0].name], ["NIP/NUPTK", py.nip ? nipText(py.nip) : idText(list[0])],
					["Jabatan", py.jabatan || ""], ["Unit kerja", list[0].school]
				].map(function (l) {
					return el("tr", null, [el("th", {scope: "row", text: l[0]}), el("td", {text: ": " + l[1]})]);
				}))]),
				el("p", null, ["berdasarkan Surat Tugas / Surat Perjalanan Dinas (SPD) nomor ",
					el("span", {class: "cetak-nowrap", text: s.nomor_surat ||
						".............................."}),
					" untuk kegiatan " + p.session.title + " tanggal " + period(p.session) +
					", dengan ini menyatakan dengan sesungguhnya bahwa:"]),
				el("ol", null, [
					el("li", null, [el("span", {text: "Biaya di bawah ini yang tidak dapat diperoleh " +
						"bukti pengeluarannya, meliputi:"}),
						table("cetak-dpr", ["No", "Uraian", "Jumlah (Rp)"], body, [el("tr", {class: "cetak-total"}, [
							el("td", {colspan: "2", class: "right", text: "JUMLAH"}), td(rp(total), "num")])])]),
					el("li", {text: "Jumlah uang tersebut pada angka 1 di atas benar-benar dikeluarkan untuk " +
						"pelaksanaan tugas dimaksud dan apabila di kemudian hari terdapat kelebihan atas " +
						"pembayaran, saya bersedia untuk menyetorkan kelebihan tersebut ke Kas Negara."})
				]),
				el("p", {text: "Demikian pernyataan ini saya buat dengan sebenarnya, untuk dipergunakan " +
					"sebagaimana mestinya."}),
				el("div", {class: "cetak-signs"}, [
					sign("Mengetahui/Menyetujui,", "Pejabat Pembuat Komitmen", s.ppk_nama, s.ppk_nip),
					sign("Yang menyatakan,", "", list[0].name, py.nip, placeDate(p, lastDay(p)))
				])
			]);
		});
	}

	/* ---- tanda terima ---- */

	function drawTerima(p, nom) {
		var s = p.settings;
		return nom.rows.filter(function (r) { return !q.nuptk || who(r) === q.nuptk; }).map(function (r) {
			var py = payee(p, who(r)), body = [], n = 0;
			ITEMS.forEach(function (c) {
				if (!r.items[c])
					return;
				n++;
				body.push(el("tr", null, [td(String(n), "center"), td(itemLabel(nom, c)),
					td(rp(r.items[c]), "num")]));
			});
			return page([
				head(p, "TANDA TERIMA", baseLines(p).concat([["Tanggal", period(p.session)]])),
				el("p", {text: "Telah terima dari Bendahara Pengeluaran" + (s.penyelenggara ? " " +
					s.penyelenggara : "") + " uang sebesar Rp " + rp(r.total) + " (" + r.terbilang +
					") dengan rincian:"}),
				table("cetak-terima", ["No", "Uraian", "Jumlah (Rp)"], body, [el("tr", {class: "cetak-total"}, [
					el("td", {colspan: "2", class: "right", text: "JUMLAH"}), td(rp(r.total), "num")])]),
				el("table", {class: "cetak-meta"}, [el("tbody", null, [
					["Nama", r.name], ["NIP/NUPTK", py.nip ? nipText(py.nip) : idText(r)],
					["Pangkat/Gol.", py.pangkat || ""], ["Unit kerja", r.school],
					["NPWP", npwpText(py.npwp)], ["Rekening", account(py)]
				].map(function (l) {
					return el("tr", null, [el("th", {scope: "row", text: l[0]}), el("td", {text: ": " + l[1]})]);
				}))]),
				el("div", {class: "cetak-signs"}, [
					sign("Setuju dibayar,", "Pejabat Pembuat Komitmen", s.ppk_nama, s.ppk_nip),
					sign("Lunas dibayar,", "Bendahara Pengeluaran", s.bendahara_nama, s.bendahara_nip),
					sign("Yang menerima,", "", r.name, py.nip, placeDate(p, lastDay(p)))
				])
			]);
		});
	}

	/* ---- rekap JP ---- */

	function jpSum(label, n, cls) {
		return el("tr", {class: cls}, [el("td", {colspan: "5", class: "right", text: label}),
			td(String(n), "num")]);
	}

	/* Pages of the rekap JP, each with its own subtotal and the running
	 * total; the grand total and the signatures on the last page only. */
	function drawJp(p, day) {
		var school = {}, running = 0, s = p.settings, rows = day.jp_totals, ranges, out = [];
		var lines = baseLines(p).concat([["Tanggal", period(p.session)],
			["JP per hari", String(p.session.jp_per_day)]]);
		day.rows.forEach(function (r) { school[who(r)] = r.school; });
		ranges = pageRanges(rows.length, JP_ROWS_PER_PAGE, JP_ROWS_LAST_PAGE);
		ranges.forEach(function (rg, pg) {
			var body = [], foot = [], sum = 0, i, t, last = pg === ranges.length - 1, kids;
			for (i = rg[0]; i < rg[1]; i++) {
				t = rows[i];
				sum += t.jp;
				body.push(el("tr", null, [td(String(i + 1), "num"), td(t.name), idCell(p, t),
					td(school[who(t)] || ""), td(String(t.days_present), "num"),
					td(String(t.jp), "num")]));
			}
			running += sum;
			foot.push(jpSum("Jumlah halaman ini", sum, "cetak-pagesum"));
			if (!last)
				foot.push(jpSum("Jumlah s.d. halaman ini", running, "cetak-running"));
			else if (ranges.length > 1)
				foot.push(jpSum("JUMLAH", running, "cetak-total"));
			else
				foot = [jpSum("JUMLAH", running, "cetak-total")];
			kids = [head(p, "REKAPITULASI JAM PELAJARAN (JP) PESERTA", lines), pageNo(pg, ranges.length),
				table("cetak-jp", ["No", "Nama", "NIP/NUPTK", "Unit kerja/Sekolah", "Hari hadir",
					"Jumlah JP"], body, foot)];
			if (last)
				kids.push(el("div", {class: "cetak-signs"}, [
					sign("Mengetahui,", s.kepala_jabatan, s.kepala_nama, s.kepala_nip),
					sign("Fasilitator,", "", p.signer.name, p.signer.nip, placeDate(p, lastDay(p)))
				]));
			out.push(page(kids));
		});
		return out;
	}

	/* ---- loading ---- */

	function fail(err) {
		if (err && err.status === 401) {
			PB.show(PB.$("login"), true);
			PB.$("msg").textContent = "";
			return;
		}
		PB.$("msg").textContent = err.message;
	}

	function show(nodes) {
		var paper = PB.$("paper"), imgs = paper.getElementsByTagName("img"), waiting = 1, i;
		PB.clear(paper);
		if (!nodes.length) {
			PB.$("msg").textContent = PB.t("cetak.empty");
			return;
		}
		nodes.forEach(function (n) { paper.appendChild(n); });
		/* ready (and printable) once the signatures drawn in it have loaded */
		function ready() {
			if (--waiting > 0)
				return;
			PB.$("msg").textContent = PB.t("cetak.ready", {pages: pages});
			PB.show(PB.$("print"), true);
			document.body.setAttribute("data-ready", "1");
		}
		for (i = 0; i < imgs.length; i++) {
			if (imgs[i].complete)
				continue;
			waiting++;
			imgs[i].addEventListener("load", ready);
			imgs[i].addEventListener("error", ready);
		}
		ready();
	}

	function attendance(day, cb) {
		PB.api("GET", "/api/v1/sessions/" + encodeURIComponent(q.session) + "/attendance" +
			PB.query({day: day}), null, function (err, d) {
			var list = d && d.session && d.session.sittings || [], rows = [];
			/* a day of several sittings: every sitting's rows, each named by
			 * its sitting ("sesi") for a page of its own */
			function next(i) {
				var t = list[i];
				if (i >= list.length) {
					d.rows = rows;
					return cb(null, d);
				}
				PB.api("GET", "/api/v1/sessions/" + encodeURIComponent(q.session) +
					"/attendance" + PB.query({day: day, sitting: t.no}), null, function (e2, s) {
					if (e2)
						return cb(e2);
					s.rows.forEach(function (r) {
						r.sesi = t.label + ", " + t.start + "\u2013" + t.end + ", " + t.jp + " JP";
						rows.push(r);
					});
					next(i + 1);
				});
			}
			if (err || !list.length)
				return cb(err, d);
			next(0);
		});
	}

	function loadDays(p, days, i, acc) {
		if (i >= days.length)
			return show(drawHadir(p, acc));
		attendance(days[i], function (err, d) {
			if (err)
				return fail(err);
			acc.push(d);
			loadDays(p, days, i + 1, acc);
		});
	}

	function load() {
		var base = "/api/v1/sessions/" + encodeURIComponent(q.session);
		pages = 0;
		PB.api("GET", base + "/papers", null, function (err, p) {
			if (err)
				return fail(err);
			drawSettings(p.settings);
			if (q.doc === "hadir")
				return loadDays(p, q.day ? [q.day] : sessionDays(p.session), 0, []);
			if (q.doc === "jp")
				return attendance(sessionDays(p.session)[0], function (e2, d) {
					return e2 ? fail(e2) : show(drawJp(p, d));
				});
			PB.api("GET", base + "/claims", null, function (e3, c) {
				if (e3)
					return fail(e3);
				p.dasar = c.nominatif.dasar || "";
				if (q.doc === "nominatif")
					return show(drawNominatif(p, c.nominatif));
				if (q.doc === "dpr")
					return show(drawDpr(p, c));
				show(drawTerima(p, c.nominatif));
			});
		});
	}

	/* The same data as spreadsheets for the finance office. */
	var XLSX = ["claims", "attendance", "jp"];

	function xlsxLinks() {
		var box = PB.$("xlsx-links");
		PB.clear(box);
		XLSX.forEach(function (x, i) {
			box.appendChild(el("a", {href: "/api/v1/sessions/" + encodeURIComponent(q.session) +
				"/" + x + ".xlsx", download: "", text: PB.t("cetak.xlsx." + x)}));
			if (i < XLSX.length - 1)
				box.appendChild(document.createTextNode(" · "));
		});
		PB.show(PB.$("xlsx"), true);
	}

	function links() {
		xlsxLinks();
		var box = PB.$("doc-links");
		PB.clear(box);
		PB.show(PB.$("docs"), true);
		DOCS.forEach(function (d, i) {
			var attrs = {href: "/cetak.html" + PB.query({session: q.session, doc: d}),
				text: PB.t("cetak.doc." + d)};
			if (d === q.doc)
				attrs["aria-current"] = "page";
			box.appendChild(el("a", attrs));
			if (i < DOCS.length - 1)
				box.appendChild(document.createTextNode(" · "));
		});
	}

	/* The session's paper settings (place, organiser, officials). */
	var SETTINGS = ["penyelenggara", "tempat", "waktu", "nomor_surat", "kepala_jabatan",
		"kepala_nama", "kepala_nip", "ppk_nama", "ppk_nip", "bendahara_nama", "bendahara_nip"];
	var settingsDrawn = false;

	function drawSettings(values) {
		var box = PB.$("settings-fields");
		if (settingsDrawn)
			return;
		settingsDrawn = true;
		PB.clear(box);
		SETTINGS.forEach(function (k) {
			box.appendChild(el("div", {class: "pb-field"}, [
				el("label", {"for": "set-" + k, text: PB.t("cetak.set." + k)}),
				el("input", {id: "set-" + k, type: "text", maxlength: "200", autocomplete: "off",
					inputmode: /_nip$/.test(k) ? "numeric" : null, value: values[k] || ""})
			]));
		});
		PB.show(PB.$("settings"), true);
	}

	function saveSettings(ev) {
		var body = {};
		ev.preventDefault();
		SETTINGS.forEach(function (k) { body[k] = PB.$("set-" + k).value; });
		PB.$("settings-save").disabled = true;
		PB.api("POST", "/api/v1/sessions/" + encodeURIComponent(q.session) + "/papers", body,
			function (err) {
				PB.$("settings-save").disabled = false;
				if (err) {
					PB.$("msg").textContent = err.message;
					return;
				}
				PB.$("msg").textContent = PB.t("cetak.saved");
				load();
			});
	}

	/* Without a session in the address: choose one of the box's sessions. */
	function pickSession() {
		PB.staff.pickSession(PB.$("pick"), null, function (err) {
			var n = PB.$("pick").options.length;
			if (err)
				return fail(err);
			PB.$("msg").textContent = n ? "" : PB.t("cetak.no_session");
			PB.show(PB.$("pick-form"), n > 0);
		});
	}

	function loggedIn() {
		if (!q.session)
			return pickSession();
		PB.staff.remember(q.session);
		load();
	}

	var started = false;

	parseQuery();
	if (DOCS.indexOf(q.doc) < 0)
		q.doc = "nominatif";
	if (!/^[0-9]+$/.test(q.session || ""))
		q.session = "";
	PB.init({page: "cetak", render: function () {
		/* no session yet: the picker, not a paper */
		PB.title(PB.t(q.session ? "cetak.doc." + q.doc : "cetak.heading"));
		if (started && q.session)
			links();
		if (!started) {
			started = true;
			if (q.session)
				links();
			PB.$("print").addEventListener("click", function () { PB.print(PB.$("print")); });
			PB.$("settings-form").addEventListener("submit", saveSettings);
			PB.$("pick-form").addEventListener("submit", function (e) {
				e.preventDefault();
				window.location.href = "/cetak.html" + PB.query({session: PB.$("pick").value, doc: q.doc});
			});
		}
		PB.staff.start({login: "login", app: null, onLogin: loggedIn, onLogout: function () {
			PB.$("msg").textContent = "";
		}});
	}});
}());
