"""Module HTML never runs with the staff's rights: /f/ answers carry
Content-Security-Policy: sandbox (scripts allowed, never
allow-same-origin), so a module page's script, loaded in Chromium while
a facilitator is logged in, runs in an opaque origin: it cannot read
/api/v1/me with the login's cookie, nor the box's cookies or storage."""
import os
import sys

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import staff_login
from pbtest import Box

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402
from content_fixture import make_folder  # noqa: E402

import hashlib  # noqa: E402

EVIL_JS = b"""(function () {
	var out = document.getElementById("out"), parts = [];
	try { parts.push("cookie=" + document.cookie); } catch (e) { parts.push("cookie-blocked"); }
	try { parts.push("storage=" + window.localStorage.length); } catch (e) { parts.push("storage-blocked"); }
	var x = new XMLHttpRequest();
	x.open("GET", "/api/v1/me");
	x.withCredentials = true;
	x.onload = function () { parts.push("me " + x.status + " " + x.responseText); done(); };
	x.onerror = function () { parts.push("me-blocked"); done(); };
	function done() { out.textContent = parts.join(" | "); out.setAttribute("data-done", "1"); }
	x.send();
}());
"""


def test_module_script_gets_no_staff_rights(browser, tmp_path):
    box = Box().start()
    try:
        add_staff(box)
        js_sha = hashlib.sha256(EVIL_JS).hexdigest()
        html = (b"<!doctype html><html><head><title>Pelajaran</title></head><body>"
                b"<p id=\"out\">-</p><script src=\"/f/" + js_sha.encode() +
                b"/evil.js\"></script></body></html>")
        hashes = make_folder(str(tmp_path / "usb"), [{
            "id": "kk-a-html", "title": "Pelajaran HTML5", "kk": "A", "subject": "IPA",
            "level": "SMP", "files": [("h/pelajaran.html", html, None),
                                      ("h/evil.js", EVIL_JS, None)]}])
        box.pbctl("content", "import", str(tmp_path / "usb"))
        page = f"/f/{hashes['h/pelajaran.html']}/pelajaran.html"

        staff_login(browser, box, "fasil", PASSWORD)
        # the login works on the box's own pages
        assert "fasil" in browser.execute_script(
            "var x = new XMLHttpRequest(); x.open('GET', '/api/v1/me', false); x.send();"
            "return x.status + ' ' + x.responseText;")
        browser.get(box.base + page)
        WebDriverWait(browser, 30).until(
            lambda d: d.find_element(By.ID, "out").get_attribute("data-done") == "1")
        seen = browser.find_element(By.ID, "out").text
        assert "fasil" not in seen, seen
        assert "me 200" not in seen, seen
        assert "storage-blocked" in seen and "cookie-blocked" in seen, seen
        browser.get_log("browser")

        r = requests.get(box.base + page, timeout=30)
        assert r.status_code == 200
        csp = r.headers["Content-Security-Policy"]
        assert csp.startswith("sandbox ") and "allow-scripts" in csp
        assert "allow-same-origin" not in csp
        login = requests.post(box.base + "/api/v1/login",
                              json={"user": "fasil", "password": PASSWORD}, timeout=30)
        cookie = login.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    finally:
        box.close()
