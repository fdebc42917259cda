/* The captive portal page: where a phone lands on joining the Wi-Fi.
 * Works without JavaScript too (Lanjut is a plain form post answered with
 * 303 to /portal?lanjut=1); with it, the box's address is filled in from
 * /api/v1/portal and Lanjut is posted without leaving the page. */
(function () {
	"use strict";

	var info = null;
	var accepted = /[?&]lanjut=1/.test(window.location.search);

	function link(id, url) {
		var a = PB.$(id);
		a.href = url + "/";
		a.textContent = url;
	}

	function render() {
		PB.title(PB.t("portal.title"));
		if (info) {
			link("portal-url", info.url);
			link("portal-ip", info.ip_url);
		}
		PB.show(PB.$("accept-form"), !accepted);
		PB.show(PB.$("portal-done"), accepted);
	}

	PB.init({page: "portal", render: render});

	PB.api("GET", "/api/v1/portal", null, function (err, data) {
		if (err)
			return;             /* the static address and the plain form still work */
		info = data;
		if (data.accepted)
			accepted = true;
		render();
	});

	PB.$("accept-form").addEventListener("submit", function (ev) {
		var button = PB.$("accept"), error = PB.$("portal-error");
		ev.preventDefault();
		button.disabled = true;
		PB.show(error, false);
		PB.api("POST", "/api/v1/portal/accept", {}, function (err) {
			button.disabled = false;
			if (err) {
				error.textContent = err.message;
				PB.show(error, true);
				return;
			}
			accepted = true;
			render();
			PB.focus(PB.$("portal-done"));
		});
	}, false);
}());
