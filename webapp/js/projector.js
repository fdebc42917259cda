/* Projector view (proyektor.html?s=ID): the session's code in big digits
 * with a countdown, and a QR code of the check-in address with the session
 * filled in. The code stops once the day is locked. Staff only; opening it
 * confirms the box's clock with this browser's time (staff-common.js). ES5. */
(function () {
	"use strict";

	var sid = null, left = 0, tick = null, poll = null, clockAsked = false;

	function param(name) {
		var m = new RegExp("[?&]" + name + "=([0-9]+)").exec(window.location.search);
		return m ? m[1] : null;
	}

	function showLeft() {
		PB.$("p-left").textContent = PB.t("projector.left", {s: Math.max(0, Math.ceil(left / 1000))});
	}

	function countdown() {
		left -= 1000;
		showLeft();
	}

	function refresh() {
		PB.api("GET", "/api/v1/sessions/" + sid + "/code", null, function (err, c) {
			var wait = 5000;
			if (err) {
				if (err.status === 401)
					return PB.show(PB.$("p-login"), true);
				PB.$("p-code").textContent = "------";
			} else if (c.locked) {
				if (tick)
					clearInterval(tick);
				tick = null;
				PB.$("p-code").textContent = "";
				PB.$("p-left").textContent = "";
				/* no more check-ins: the room is no longer told how */
				PB.show(PB.$("p-join"), false);
				PB.show(PB.$("p-step2"), false);
				PB.show(PB.$("p-locked"), true);
				return;            /* no more codes: stop asking */
			} else {
				PB.$("p-code").textContent = c.code.replace(/([0-9]{3})(?=[0-9])/g, "$1 ");
				left = c.ms_left;
				showLeft();
				wait = Math.min(5000, c.ms_left + 200);
			}
			poll = setTimeout(refresh, wait);
		});
	}

	function start() {
		/* a facilitator may come here first after the box's reboot: this
		 * browser's time confirms the box's clock, as the staff page's does */
		if (!clockAsked) {
			clockAsked = true;
			PB.staff.confirmClock();
		}
		sid = param("s");
		if (!sid)
			return PB.show(PB.$("p-login"), true);
		PB.api("GET", "/api/v1/sessions/" + sid, null, function (err, s) {
			if (err)
				return PB.show(PB.$("p-login"), true);
			PB.$("p-title").textContent = s.title;
			PB.title(s.title);
		});
		/* host and path each kept whole, a line break only between them */
		PB.clear(PB.$("p-url"));
		PB.$("p-url").appendChild(PB.el("span", {"class": "att-url-part", id: "p-url-host",
			text: PB.t("projector.url", {host: window.location.host})}));
		PB.$("p-url").appendChild(PB.el("wbr"));
		PB.$("p-url").appendChild(PB.el("span", {"class": "att-url-part", id: "p-url-path",
			text: "/presensi.html"}));
		PB.$("p-qr").setAttribute("src", "/api/v1/sessions/" + sid + "/qr.svg");
		PB.$("p-qr").setAttribute("alt", PB.t("projector.qr_alt"));
		PB.show(PB.$("p-view"), true);
		if (poll)
			clearTimeout(poll);
		if (!tick)
			tick = setInterval(countdown, 1000);
		refresh();
	}

	PB.$("p-full").addEventListener("click", function () {
		var el = document.documentElement;
		if (el.requestFullscreen)
			el.requestFullscreen();
	});
	PB.init({page: "projector", render: start});
}());
