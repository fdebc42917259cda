/* penyiapan.html: shown on the open PusatBelajar-Setup network of a box that
 * started without a provisioning bundle. Static text only. */
(function () {
	"use strict";
	function render() {
		PB.title(PB.t("setup.title"));
	}
	PB.init({page: "setup", render: render});
}());
