"""The projector view (proyektor.html?s=ID) in Chromium: the session code in
big digits with a countdown, a QR code of the check-in address with the
session filled in (checked module by module against libqrencode itself),
and no more codes once the day is locked."""
import ctypes
import ctypes.util
import os
import re
import sys

import requests

from selenium.webdriver.common.by import By

from a11y import audit
from conftest import SCREENSHOTS, set_viewport, staff_login, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402


class QRcode(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("width", ctypes.c_int),
                ("data", ctypes.POINTER(ctypes.c_ubyte))]


def qr_modules(text):
    """The dark modules libqrencode makes for text (as pb_qr_svg asks it:
    any version, level M, 8-bit, case-sensitive)."""
    lib = ctypes.CDLL(ctypes.util.find_library("qrencode") or "libqrencode.so.4")
    lib.QRcode_encodeString.restype = ctypes.POINTER(QRcode)
    lib.QRcode_encodeString.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
                                        ctypes.c_int, ctypes.c_int]
    q = lib.QRcode_encodeString(text.encode(), 0, 1, 2, 1)
    w = q.contents.width
    dark = {(x, y) for y in range(w) for x in range(w) if q.contents.data[y * w + x] & 1}
    lib.QRcode_free(q)
    return w, dark


def test_projector_code_qr_and_lock(browser):
    d = browser
    box, api = started_box()
    try:
        sid = api.create_session(title="Diklat Proyektor")
        # the QR code is the check-in address of this session
        svg = api.get(f"/api/v1/sessions/{sid}/qr.svg")
        assert svg.status_code == 200 and svg.headers["Content-Type"].startswith("image/svg")
        side = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg.text).group(1))
        got = {(int(x), int(y)) for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg.text)}
        w, dark = qr_modules(f"http://belajar.lan/presensi.html?s={sid}")
        quiet = (side - w) // 2
        assert {(x - quiet, y - quiet) for x, y in got} == dark
        assert requests.get(box.base + f"/api/v1/sessions/{sid}/qr.svg",
                            timeout=30).status_code == 401       # staff only

        set_viewport(d, 1280, 720, mobile=False)
        staff_login(d, box, "fasil", PASSWORD)
        d.get(box.base + f"/proyektor.html?s={sid}")
        wait(d, lambda d: re.fullmatch(r"\d{3} \d{3}", d.find_element(By.ID, "p-code").text),
             "no code shown")
        wait(d, lambda d: d.find_element(By.ID, "p-code").text.replace(" ", "") ==
             api.code(sid), "the shown code is not the session's")
        size = d.execute_script("return parseFloat(getComputedStyle("
                                "document.getElementById('p-code')).fontSize)")
        assert size >= 96, size                       # readable across a classroom
        wait(d, lambda d: re.search(r"\d+", d.find_element(By.ID, "p-left").text), "no countdown")
        wait(d, lambda d: d.execute_script(
            "var i = document.getElementById('p-qr'); return i.complete && i.naturalWidth > 0"),
            "QR not loaded")
        assert "Diklat Proyektor" in d.find_element(By.ID, "p-title").text
        assert "/presensi.html" in d.find_element(By.ID, "p-url").text
        d.save_screenshot(os.path.join(SCREENSHOTS, "projector-1280.png"))
        audit(d, "projector")
        # on a 360 px phone the address breaks between host and path, each whole
        set_viewport(d, 360, 640)
        d.get(box.base + f"/proyektor.html?s={sid}")
        wait(d, lambda d: d.find_elements(By.ID, "p-url-path"), "no address")
        parts = d.execute_script("""
            var lh = parseFloat(getComputedStyle(document.getElementById('p-url')).lineHeight)
                     || 1.5 * parseFloat(getComputedStyle(document.getElementById('p-url')).fontSize);
            return ['p-url-host', 'p-url-path'].map(function (id) {
                var r = document.getElementById(id).getBoundingClientRect();
                return [document.getElementById(id).textContent, r.height / lh, r.left, r.right];
            });""")
        w = d.execute_script("return document.documentElement.clientWidth")
        for text, lines, left, right in parts:
            assert lines < 1.5 and left >= 0 and right <= w, (text, lines, left, right, w)
        assert "".join(p[0] for p in parts) == d.find_element(By.ID, "p-url").text.replace("\n", "")
        assert parts[1][0] == "/presensi.html"
        d.save_screenshot(os.path.join(SCREENSHOTS, "projector-360.png"))
        set_viewport(d, 1280, 720, mobile=False)
        d.get(box.base + f"/proyektor.html?s={sid}")
        wait(d, lambda d: d.find_element(By.ID, "p-code").text, "no code shown")
        # the day is locked: the code stops
        assert api.post(f"/api/v1/sessions/{sid}/lock").status_code == 200
        assert api.get(f"/api/v1/sessions/{sid}/code").json() == {
            "locked": True, "day": api.day(sid)["day"]}
        wait(d, lambda d: d.find_element(By.ID, "p-locked").is_displayed(), "lock not shown")
        assert d.find_element(By.ID, "p-code").text == ""
        # nor is the room told how to check in any more
        for gone in ("p-join", "p-qr", "p-url", "p-step2"):
            assert not d.find_element(By.ID, gone).is_displayed(), gone
        assert d.find_element(By.ID, "p-title").text == "Diklat Proyektor"
        d.save_screenshot(os.path.join(SCREENSHOTS, "projector-locked.png"))
        audit(d, "projector, day locked")

        # the QR's address on a phone names the session
        set_viewport(d, 360, 640)
        d.get(box.base + f"/presensi.html?s={sid}")
        wait(d, lambda d: d.find_element(By.ID, "from-qr").is_displayed(), "session not named")
        assert "Diklat Proyektor" in d.find_element(By.ID, "from-qr").text
    finally:
        set_viewport(d, 360, 740)
        box.close()
