/* The session picker of the staff pages that work on one session
 * (klaim-staff.html, hasil-belajar.html): fill a <select> with the
 * sessions, a first "none" option, keeping the choice; with one session,
 * choose it. ES5. */
(function () {
	"use strict";

	/* then(err) runs once the list is drawn. */
	PB.pickSession = function (sel, noneText, then) {
		PB.api("GET", "/api/v1/sessions", null, function (err, d) {
			var i, s, keep = sel.value;
			if (err)
				return then(err);
			PB.clear(sel);
			sel.appendChild(PB.el("option", {value: ""}, noneText));
			for (i = 0; i < d.sessions.length; i++) {
				s = d.sessions[i];
				sel.appendChild(PB.el("option", {value: String(s.id)},
					s.title + " (" + s.start_date + ")"));
			}
			if (keep)
				sel.value = keep;
			else if (d.sessions.length === 1)
				sel.value = String(d.sessions[0].id);
			then(null);
		});
	};
}());
