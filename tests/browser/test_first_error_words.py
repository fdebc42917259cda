"""A page's first request can fail before its strings have loaded (both
start at once): the message shown must still be words in the page's
language, never a key such as "error.http". The office's page on a real
pb-hub in headless Chromium at 360 px; its first request (/v1/kantor/me)
is refused by the browser (Network.setBlockedURLs: the hub unreachable
through a proxy that still serves the page), and the strings' requests
are held back a moment by a script the test adds before the page's own
(a slow link; Chromium cannot delay one URL by itself)."""
import json
import os

from selenium.webdriver.common.by import By

from conftest import PHONE, set_viewport, wait
from officeweb import WEBAPP, office_hub
from uplink_fixtures import pg, tmpdir_hub  # noqa: F401  (fixtures)

SLOW_STRINGS = """
(function () {
	var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
	XMLHttpRequest.prototype.open = function (m, url) {
		this.pbUrl = url;
		return open.apply(this, arguments);
	};
	XMLHttpRequest.prototype.send = function () {
		var xhr = this, args = arguments;
		if (String(xhr.pbUrl).indexOf("/locale/") < 0)
			return send.apply(xhr, args);
		setTimeout(function () { send.apply(xhr, args); }, 1500);
	};
}());
"""


def strings(lang):
    out = {}
    for name in ("common", "kantor"):
        with open(os.path.join(WEBAPP, "locale", lang, name + ".json")) as f:
            out.update(json.load(f))
    return out


def test_first_failure_is_said_in_words(browser, pg, tmpdir_hub):  # noqa: F811
    hub = office_hub(pg, tmpdir_hub)
    d = browser
    added = None
    try:
        set_viewport(d, *PHONE)
        d.execute_cdp_cmd("Network.enable", {})
        d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/v1/kantor/me"]})
        added = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                  {"source": SLOW_STRINGS})
        d.get(hub.base + "/kantor.html")
        err = d.find_element(By.ID, "k-error")
        wait(d, lambda drv: err.is_displayed() and err.text.strip(), "the error shown")
        want = strings("id")["error.network"]
        assert err.text.strip() == want, err.text
        assert "error." not in err.text
        # the message is announced (the element is a live region or inside one)
        live = d.execute_script(
            "var e = arguments[0]; while (e && !e.getAttribute('aria-live') && "
            "e.getAttribute('role') !== 'alert') e = e.parentElement; return !!e;", err)
        assert live
        # the login form beside it is in words too
        assert d.find_element(By.ID, "k-login-btn").text.strip() == strings("id")["kantor.login"]
    finally:
        d.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        if added:
            d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                              {"identifier": added["identifier"]})
        print(hub.daemon.output() if hub.daemon else "")
        hub.stop()
