/* Shared by the claims pages (klaim.html, klaim-petugas.html): rupiah
 * formatting and reading, and the status of a claim in words; the papers (cetak.html)
 * take the session's days from here too. ES5. */
var PBClaims = (function () {
	"use strict";

	/* "Rp 1.234.567": integer rupiah, never a fraction */
	function rp(n) {
		var s = String(Math.abs(parseInt(n, 10) || 0));
		return (n < 0 ? "-" : "") + "Rp " + s.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
	}

	/* An amount as people write it on paper, read as integer rupiah:
	 * "150000", "150.000", "Rp 150.000", "Rp. 150.000,-", "150.000,00".
	 * Dots group thousands (exactly three digits each); an optional "Rp"
	 * before and ",-" or ",00" after; spaces anywhere. Anything that could
	 * mean something else ("150,5", "1.50", letters) gives null, so the
	 * page asks again rather than guess; the API itself takes only a JSON
	 * integer. At most AMOUNT_DIGITS_MAX digits. */
	var AMOUNT_DIGITS_MAX = 12;
	var AMOUNT_PLAIN_RE = /^[0-9]+$/, AMOUNT_GROUPED_RE = /^[0-9]{1,3}(\.[0-9]{3})+$/;

	function parseRupiah(text) {
		var s = String(text === null || text === undefined ? "" : text).replace(/[\s\u00a0]+/g, "");
		s = s.replace(/^rp\.?/i, "").replace(/,(-|00)$/, "");
		if (!AMOUNT_PLAIN_RE.test(s) && !AMOUNT_GROUPED_RE.test(s))
			return null;
		s = s.replace(/\./g, "");
		if (s.length > AMOUNT_DIGITS_MAX)
			return null;
		return parseInt(s, 10);
	}

	/* A status cell: the word, and the reason of a rejection. */
	function statusCell(c) {
		var kids = [PB.el("span", {"class": "cl-" + c.status}, PB.t("claims.status." + c.status))];
		if (c.status === "rejected" && c.decision && c.decision.reason)
			kids.push(PB.el("div", {"class": "cl-why"},
				PB.t("claims.reason", {reason: c.decision.reason})));
		return PB.el("td", null, kids);
	}

	function itemLabel(c) {
		var s = PB.t("claims.item." + c.item);
		if (c.item === "transport" && c.origin)
			s += " (" + c.origin + ")";
		return s;
	}

	/* The session's days as YYYY-MM-DD, computed in UTC from its start. */
	function days(s) {
		var out = [], p = s.start_date.split("-"), t, i, d;
		t = Date.UTC(parseInt(p[0], 10), parseInt(p[1], 10) - 1, parseInt(p[2], 10));
		for (i = 0; i < s.days; i++) {
			d = new Date(t + i * 86400000);
			out.push(d.getUTCFullYear() + "-" + ("0" + (d.getUTCMonth() + 1)).slice(-2) + "-" +
				 ("0" + d.getUTCDate()).slice(-2));
		}
		return out;
	}

	return {rp: rp, parseRupiah: parseRupiah, statusCell: statusCell, itemLabel: itemLabel, days: days};
}());
