/* After Lanjut (/portal?lanjut=1, also without JavaScript): it worked,
 * and the library's address; with JavaScript the box's own name. ES5. */
(function () {
	"use strict";

	PB.init({page: "portal", render: function () { PB.title(PB.t("portal.ok_heading")); }});
	PB.api("GET", "/api/v1/portal", null, function (err, data) {
		var a = PB.$("portal-url");
		if (err || !data || !data.url)
			return;
		a.href = data.url + "/";
		a.textContent = data.url;
	});
}());
