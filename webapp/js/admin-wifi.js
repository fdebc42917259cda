/* Admin: the Wi-Fi radio, its capacity and the phones on it, from
 * GET /api/v1/admin/wifi, refreshed every REFRESH_MS. Refused (logged
 * out, or not the admin) the page says only that (PB.adminOnly). */
(function () {
	"use strict";

	var REFRESH_MS = 10000;
	var wifi = null, error = null;

	function text(id, value) {
		PB.$(id).textContent = value;
	}

	function phoneRow(p) {
		var state = [PB.t(p.associated ? "wifi.state_wifi" : "wifi.state_lease")];
		if (p.portal_accepted)
			state.push(PB.t("wifi.state_portal"));
		return PB.el("tr", null, [
			PB.el("td", {"class": "pb-card-head", text: p.hostname || "–"}),
			PB.el("td", {"data-label": PB.t("wifi.col_ip") + " (" + PB.t("wifi.term_ip") + ")",
				text: p.ip || "–"}),
			PB.el("td", {"class": "wifi-mac", "data-label": PB.t("wifi.col_mac") + " (" +
				PB.t("wifi.term_mac") + ")", text: p.mac}),
			PB.el("td", {"data-label": PB.t("wifi.col_state"), text: state.join(", ")})
		]);
	}

	function render() {
		var w = wifi, meter = PB.$("wifi-meter"), rows = PB.$("wifi-phones"), i, pct;
		var refused = PB.adminOnly("wifi-login", error);
		PB.title(PB.t("wifi.title"));
		PB.show(PB.$("wifi-error"), !!error && !refused);
		if (error && !refused)
			text("wifi-error", error.message);
		PB.show(PB.$("wifi-view"), !!w);
		if (!w)
			return;
		pct = Math.min(100, Math.round(w.count * 100 / Math.max(1, w.capacity)));
		text("wifi-ssid", w.ssid);
		text("wifi-radio", PB.t("wifi.radio_" + w.radio) + " (" + w["interface"] + ")");
		text("wifi-channel", PB.t("wifi.channel_value", {channel: w.channel, band: w.band}));
		text("wifi-capacity", PB.t("wifi.capacity_value", {count: w.count, capacity: w.capacity}));
		meter.setAttribute("aria-valuemax", String(w.capacity));
		meter.setAttribute("aria-valuenow", String(w.count));
		meter.className = w.near_capacity ? "wifi-meter wifi-full" : "wifi-meter";
		PB.$("wifi-meter-fill").style.width = pct + "%";
		PB.show(PB.$("wifi-warning"), w.near_capacity);
		text("wifi-warning-text", PB.t("wifi.warning", {count: w.count, capacity: w.capacity}) +
		     " " + PB.t("wifi.advice_" + w.radio));
		text("wifi-radio-note", PB.t("wifi.advice_" + w.radio));
		PB.show(PB.$("wifi-radio-note"), !w.near_capacity);   /* the warning says it */
		text("wifi-source", PB.t(w.hostapd ? "wifi.source_hostapd" : "wifi.source_leases"));
		PB.clear(rows);
		for (i = 0; i < w.phones.length; i++)
			rows.appendChild(phoneRow(w.phones[i]));
		PB.show(PB.$("wifi-empty"), w.phones.length === 0);
	}

	function load() {
		PB.api("GET", "/api/v1/admin/wifi", null, function (err, data) {
			error = err;
			wifi = err ? null : data;
			render();
		});
	}

	PB.init({page: "admin-wifi", render: function () {
		PB.staff.start({login: null, app: null, onLogin: load, onLogout: load});
		render();
	}});
	setInterval(load, REFRESH_MS);
}());
