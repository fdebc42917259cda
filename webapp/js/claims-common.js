/* Shared by the claims pages (klaim.html, klaim-petugas.html): rupiah
 * formatting and the status of a claim in words; the papers (cetak.html)
 * take the session's days from here too. ES5. */
var PBClaims = (function () {
	"use strict";

	/* "Rp 1.234.567": integer rupiah, never a fraction */
	function rp(n) {
		var s = String(Math.abs(parseInt(n, 10) || 0));
		return (n < 0 ? "-" : "") + "Rp " + s.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
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

	return {rp: rp, statusCell: statusCell, itemLabel: itemLabel, days: days};
}());
