"""A teacher's morning in the phone's Wi-Fi sign-in window (an Android
WebView at 360×640): a window that may have no DOM storage at all
(WebViews without it give `localStorage` null) or refuse it (a
SecurityError), often drops downloads, and is used with a finger or a keyboard.

- without storage the language chosen and the check-in still reach the
  next page (the claims open without typing the code again);
- a module says, by each download button, where downloading works
  (many such windows drop downloads without a word);
- every page a teacher or a staff member reaches from the portal, the
  renamed ones included, fits 360 px, shows no string key, passes axe-core
  in both languages, and can be walked with Tab, each stop in view and
  with its focus ring;
- after a night's reboot, before the facilitator has confirmed the box's
  clock, a check-in is taken but shows no (wrong) hour; once the clock is
  confirmed the hour shown is the right one;
- the staff pages' Cetak, which cannot print there, says where it can;
- the claims and progress forms tell a mistake beside the form, and the
  progress page takes a participant number as the others do."""
import glob
import json
import os
import re
import sys
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from a11y import audit
from conftest import SCREENSHOTS, overflowing, set_viewport, staff_login, started_box, wait
from pbtest import ROOT, Box
from test_checkin_flows import fill, sign_and_send, visible
from test_portal_window import WEBVIEW_UA

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, SIG, Staff, add_staff, nuptk, post_from, roster_csv  # noqa: E402
from test_attendance_clock import HOUR, OFFSET, now_ms, start  # noqa: E402

SIGNIN = (360, 640)
NO_STORAGE = {  # as an Android WebView without DOM storage, and as a refusing one
    "null": "Object.defineProperty(window, 'localStorage', {configurable: true,"
            " get: function () { return null; }});",
    "refused": "Object.defineProperty(window, 'localStorage', {configurable: true,"
               " get: function () { throw new DOMException('denied', 'SecurityError'); }});",
}
# counts the page's requests not yet answered (its own callbacks run on
# "load", before "loadend": a request made from one is counted first)
PENDING = ("(function () { var send = XMLHttpRequest.prototype.send; window.pbPending = 0;"
           " XMLHttpRequest.prototype.send = function () {"
           " window.pbPending++;"
           " this.addEventListener('loadend', function () { window.pbPending--; });"
           " try { return send.apply(this, arguments); }"
           " catch (e) { window.pbPending--; throw e; } }; })();")
TEACHER_PAGES = ("/portal", "/presensi.html", "/", "/klaim.html", "/belajar.html",
                 "/portal-lanjut.html")
STAFF_PAGES = ("/petugas.html", "/klaim-petugas.html", "/admin-sinkron.html",
               "/admin-pemancar.html", "/penyiapan.html", "/flashdisk.html",
               "/hasil-belajar.html", "/cetak.html")


def keys_of_locales():
    out = set()
    for path in glob.glob(os.path.join(ROOT, "webapp", "locale", "*", "*.json")):
        with open(path, encoding="utf-8") as f:
            out.update(json.load(f))
    return out


class SignInWindow:
    """The browser made a sign-in window: its size, a WebView's user agent
    and (storage) no localStorage on every page it opens."""

    def __init__(self, d, storage):
        self.d = d
        self.ua = d.execute_script("return navigator.userAgent")
        self.script = None
        d.delete_all_cookies()
        set_viewport(d, *SIGNIN)
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": WEBVIEW_UA})
        if storage:
            self.script = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                            {"source": NO_STORAGE[storage]})["identifier"]

    def close(self):
        if self.script is not None:
            self.d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                   {"identifier": self.script})
        self.d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": self.ua})
        self.d.delete_all_cookies()
        set_viewport(self.d, 360, 740)


def lang(d):
    return d.find_element(By.TAG_NAME, "html").get_attribute("lang")


def test_no_storage_keeps_language_check_in_and_says_where_downloads_work(browser):
    d = browser
    box = Box()
    box.demo()
    box.start()
    w = SignInWindow(d, "null")
    try:
        add_staff(box)
        st = Staff(box)
        sid = st.create_session()
        st.roster(sid, roster_csv(2))
        d.get(box.base + "/presensi.html")
        wait(d, lambda d: visible(d, "nuptk"), "no check-in form")
        assert d.execute_script("return window.localStorage") is None
        d.find_element(By.ID, "pb-lang").click()
        wait(d, lambda d: lang(d) == "en", "no English")
        # NUPTK and code typed
        fill(d, nuptk(1), lambda: st.code(sid))
        assert "checked in" in sign_and_send(d)
        # the next page is still in English, and knows the teacher
        link = d.find_element(By.ID, "to-claims")
        link.send_keys(Keys.ENTER)
        wait(d, lambda d: "/klaim.html" in d.current_url and visible(d, "step-id"),
             "no claim page")
        wait(d, lambda d: lang(d) == "en", "the language chosen was lost on the next page")
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == nuptk(1)
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(sid),
             "the session of the check-in not chosen")
        assert d.find_element(By.ID, "code").get_attribute("value") == ""
        d.find_element(By.CSS_SELECTOR, "#step-id button[type=submit]").send_keys(Keys.ENTER)
        wait(d, lambda d: visible(d, "step-claims"),
             "the claims asked for the code again on the phone that checked in")
        d.save_screenshot(os.path.join(SCREENSHOTS, "signin-nostorage-claims.png"))

        # a module: by each download button, where downloading works
        mod = st.get("/api/v1/modules").json()["modules"][0]["id"]
        d.get(box.base + "/#/m/" + mod)
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#module-view .pb-file"),
             "no module files")
        files = d.find_elements(By.CSS_SELECTOR, "#module-view .pb-file")
        hints = d.find_elements(By.CSS_SELECTOR,
                                "#module-view a.pb-download + .pb-download-portal")
        assert len(hints) == len(files) > 0
        assert all("http://belajar.lan" in h.text and "browser" in h.text for h in hints)
        assert overflowing(d) == []
        d.save_screenshot(os.path.join(SCREENSHOTS, "signin-module-360x640.png"))
        audit(d, "module in the sign-in window")
    finally:
        w.close()
        box.close()


def tab_stops(d, most=40):
    """Tab from the top of the page until focus leaves it: each stop as
    [what, left, right, top, bottom, ring]."""
    d.execute_script("document.activeElement && document.activeElement.blur();"
                     " window.scrollTo(0, 0);")
    out = []
    for _ in range(most):
        ActionChains(d).send_keys(Keys.TAB).perform()
        s = d.execute_script(
            "var e = document.activeElement, r = e.getBoundingClientRect(),"
            " c = getComputedStyle(e);"
            " if (e === document.body) return null;"
            " return [e.tagName + '#' + e.id + ' ' + (e.textContent || '').trim().slice(0, 30),"
            " r.left, r.right, r.top, r.bottom,"
            " (c.outlineStyle !== 'none' && parseFloat(c.outlineWidth) > 0)"
            " || c.boxShadow !== 'none'];")
        if s is None or (out and s[0] == out[0][0]):
            break
        out.append(s)
    return out


def test_pages_in_the_sign_in_window(browser):
    d = browser
    box = Box()
    box.start()
    keys = keys_of_locales()
    w = SignInWindow(d, "refused")
    counter = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                {"source": PENDING})["identifier"]
    try:
        for page in TEACHER_PAGES + STAFF_PAGES:
            d.get(box.base + page)
            # drawn in its language, and the page's own requests answered
            wait(d, lambda d: d.execute_script(
                "return document.documentElement.lang !== '' &&"
                " !!document.getElementById('pb-lang') &&"
                " document.getElementById('pb-lang').textContent !== '' &&"
                " window.pbPending === 0"), f"{page} not drawn")
            for lng in ("id", "en"):
                if lang(d) != lng:
                    d.find_element(By.ID, "pb-lang").click()
                    wait(d, lambda d: lang(d) == lng, f"{page}: no {lng}")
                text = d.find_element(By.TAG_NAME, "body").text
                shown = set(re.findall(r"[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)+", text))
                assert not shown & keys, (page, lng, shown & keys)
                assert overflowing(d) == [], (page, lng, overflowing(d))
                assert d.execute_script(
                    "return document.documentElement.scrollWidth") <= SIGNIN[0], page
            errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
                      and not re.search(r"/api/v1/\S+ - Failed to load resource: the server "
                                        r"responded with a status of 401", e["message"])]
            assert errors == [], (page, errors)
            stops = tab_stops(d)
            assert stops, page
            for what, left, right, top, bottom, ring in stops:
                assert -0.5 <= left and right <= SIGNIN[0] + 0.5, (page, what, left, right)
                assert bottom > 0 and top < SIGNIN[1], (page, what, "focused out of view")
                assert ring, (page, what, "no focus ring")
            # the staff pages are audited in both languages by their own tests
            audit(d, page + " in the sign-in window", both_languages=page in TEACHER_PAGES)
            d.find_element(By.ID, "pb-lang").click()       # back to Indonesian
            wait(d, lambda d: lang(d) == "id", f"{page}: not back to id")
    finally:
        d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": counter})
        w.close()
        box.close()


def test_check_in_before_the_clock_is_confirmed(browser):
    """Morning after a reboot: the box has no RTC and boots 20 hours
    behind; the teacher's page must not state the wrong hour."""
    d = browser
    box = Box(sections=OFFSET)
    w = SignInWindow(d, None)
    try:
        start(box, "unsynced", skew_ms=-20 * HOUR)
        add_staff(box)
        quiet = Staff(box)            # a login without the browser's time confirms nothing
        assert quiet.login["clock"]["source"] == "unsynced"
        sid = quiet.create_session()
        quiet.roster(sid, roster_csv(2))
        wrong = time.strftime("%H:%M", time.localtime((now_ms() - 20 * HOUR) / 1000))
        d.get(box.base + "/presensi.html")
        wait(d, lambda d: visible(d, "nuptk"), "no check-in form")
        fill(d, nuptk(0), lambda: quiet.code(sid))
        done = sign_and_send(d)
        assert "tercatat hadir" in done and "pukul" not in done and wrong not in done, done
        assert "fasilitator masuk" in done
        d.save_screenshot(os.path.join(SCREENSHOTS, "signin-held-checkin.png"))
        # filling in again: "already", still without the box's wrong hour
        d.find_element(By.ID, "again").click()
        fill(d, nuptk(0), lambda: quiet.code(sid), shows="nuptk-ok")
        again = d.find_element(By.ID, "nuptk-ok").text
        assert "sudah tercatat hadir" in again and "pukul" not in again, again
        # the facilitator's login with the right time dates it: the hour is now told
        st = Staff(box, client_time_ms=now_ms())
        assert st.login["clock"]["confirmed"] is True
        row = {r["nuptk"]: r for r in st.day(sid)["rows"]}[nuptk(0)]
        assert row["status"] == "present"
        d.find_element(By.ID, "nuptk").clear()
        fill(d, nuptk(0), lambda: st.code(sid), shows="nuptk-ok")
        wait(d, lambda d: "pukul" in d.find_element(By.ID, "nuptk-ok").text, "no hour")
        told = re.search(r"pukul (\d\d:\d\d)", d.find_element(By.ID, "nuptk-ok").text).group(1)
        assert told != wrong and told == row["time"], (told, row)
    finally:
        w.close()
        box.close()


PRINTS_JS = ("window.printed = 0; window.print = function () { window.printed++; };")


def test_print_buttons_in_the_sign_in_window(browser):
    """A facilitator who signed in from the portal's "Masuk petugas" link
    presses Cetak: the sign-in window cannot print, so instead of a button
    that does nothing it says, next to the button, where printing works."""
    d = browser
    box, st = started_box()
    sid = st.create_session()
    st.roster(sid, roster_csv(2))
    w = SignInWindow(d, None)
    try:
        staff_login(d, box, "fasil", PASSWORD)
        for page, ready in ((f"/petugas.html?session={sid}", "print"),
                            (f"/klaim-petugas.html?session={sid}", "print"),
                            (f"/cetak.html?session={sid}&doc=hadir", "print"),
                            (f"/hasil-belajar.html?session={sid}", "print")):
            d.get(box.base + page)
            wait(d, lambda d: d.find_element(By.ID, ready).is_displayed(), f"{page}: no Cetak")
            d.execute_script(PRINTS_JS)
            d.find_element(By.ID, "print").click()
            wait(d, lambda d: d.find_elements(By.ID, "print-portal"), f"{page}: nothing said")
            note = d.find_element(By.ID, "print-portal")
            assert note.get_attribute("role") == "alert"
            assert "tidak bisa mencetak" in note.text and "http://belajar.lan" in note.text
            r = d.execute_script("var r = arguments[0].getBoundingClientRect();"
                                 " return [r.top, r.bottom];", note)
            assert 0 <= r[0] and r[1] <= SIGNIN[1] + 1, (page, r)
            assert d.execute_script("return window.printed") == 0
            assert overflowing(d, "#paper") == [], page
            audit(d, page + ", print refused in the sign-in window", both_languages=False)
        d.save_screenshot(os.path.join(SCREENSHOTS, "signin-print-refused.png"))
        # a real browser prints as before
        w.close()
        w = SignInWindow(d, None)
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": w.ua.replace(
            "HeadlessChrome", "Chrome")})
        staff_login(d, box, "fasil", PASSWORD)
        d.get(box.base + f"/petugas.html?session={sid}")
        wait(d, lambda d: d.find_element(By.ID, "print").is_displayed(), "no Cetak")
        d.execute_script(PRINTS_JS)
        d.find_element(By.ID, "print").click()
        assert d.execute_script("return window.printed") == 1
        assert d.find_elements(By.ID, "print-portal") == []
    finally:
        w.close()
        box.close()


def error_beside(d, field, what):
    """The form's error is shown under its button, within the sign-in
    window's height, announced, and the field it concerns is marked and
    focused."""
    wait(d, lambda d: visible(d, "id-error"), f"{what}: no error")
    e = d.find_element(By.ID, "id-error")
    r = d.execute_script("var r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom];", e)
    assert 0 <= r[0] and r[1] <= SIGNIN[1] + 1, (what, r)
    assert e.get_attribute("role") == "alert"
    assert d.find_element(By.ID, field).get_attribute("aria-invalid") == "true", what
    assert d.switch_to.active_element.get_attribute("id") == field, what
    assert "id-error" in d.find_element(By.ID, field).get_attribute("aria-describedby")
    return e.text


def test_claim_and_progress_forms_at_360(browser):
    """The claims and "Progres saya" forms at 360×640: a mistake is told
    beside the form, not below the fold; a teacher without a NUPTK types
    the participant number into the progress page as into the others."""
    d = browser
    box = Box()
    box.demo()
    box.start()
    w = SignInWindow(d, None)
    try:
        add_staff(box)
        st = Staff(box)
        sid = st.create_session()
        r = st.roster(sid, "NUPTK,Nama,No Peserta,Sekolah\r\n"
                           f"{nuptk(0)},Guru Nol,,SMPN 1\r\n,Rina Tanpa Nuptk,UKG-88,SDN 9\r\n")
        assert r.status_code == 200, r.text
        d.get(box.base + "/klaim.html")
        wait(d, lambda d: visible(d, "nuptk") and d.find_elements(
            By.CSS_SELECTOR, f"#session option[value='{sid}']"), "no claim form")
        d.find_element(By.ID, "session").send_keys(Keys.HOME)
        d.find_element(By.ID, "open").click()
        assert "NUPTK" in error_beside(d, "nuptk", "claims without NUPTK")
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys("%06d" % ((int(st.code(sid)) + 500000) % 1000000))
        d.find_element(By.ID, "code").send_keys(Keys.ENTER)
        assert "salah" in error_beside(d, "code", "claims with a wrong code")
        assert d.find_element(By.ID, "nuptk").get_attribute("aria-invalid") is None
        d.save_screenshot(os.path.join(SCREENSHOTS, "signin-claims-wrong-code.png"))
        audit(d, "claims, wrong code in the sign-in window")

        # the participant number, typed as people do, opens "Progres saya"
        mod = st.get("/api/v1/modules").json()["modules"][0]["id"]
        s, j = post_from(box, "127.0.0.71", "/api/v1/checkin", {
            "session": sid, "nuptk": "UKG-88", "code": st.code(sid), "signature": SIG})
        assert s == 201, j
        d.get(box.base + "/belajar.html#m=" + mod)
        wait(d, lambda d: visible(d, "nuptk") and d.find_elements(
            By.CSS_SELECTOR, f"#session option[value='{sid}']"), "no progress form")
        d.find_element(By.ID, "open").click()
        assert "No Peserta" in error_beside(d, "nuptk", "progress without NUPTK")
        # a phone shows its letters keyboard for it, as on the check-in page
        field = d.find_element(By.ID, "nuptk")
        assert field.get_attribute("inputmode") in (None, "", "text")
        assert "No Peserta" in d.find_element(By.CSS_SELECTOR, "label[for=nuptk]").text
        field.send_keys("ukg-88")
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == "ukg-88"
        d.find_element(By.ID, "code").send_keys(st.code(sid))
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: visible(d, "step-progress"), "the participant number was refused")
        assert overflowing(d) == []
    finally:
        w.close()
        box.close()


STORE_COOKIES_MAX = 8             # common.js STORE_COOKIES_MAX
STORE_COOKIE_BYTES_MAX = 768      # common.js STORE_COOKIE_BYTES_MAX
STATUS_OF = ("var x = new XMLHttpRequest(); x.open('GET', '/healthz', false); x.send();"
             " return x.status;")


def test_many_stored_keys_keep_the_cookie_header_small(browser):
    """Without DOM storage every key kept is a cookie sent with every
    request: a phone shared through a training keeps a proof per teacher.
    The pbs. cookies stay within their count and bytes, the oldest going
    first and the language kept, so a box with the smallest [web]
    max_header_bytes still answers (a header too big gets 431, shown at
    the end); proofs last a day, the language a training."""
    d = browser
    box = Box(extra="max_header_bytes = 4096\n")
    box.start()
    w = SignInWindow(d, "null")
    try:
        d.get(box.base + "/presensi.html")
        wait(d, lambda d: lang(d) == "id", "no page")
        d.find_element(By.ID, "pb-lang").click()
        wait(d, lambda d: lang(d) == "en", "no English")
        uid = "0123456789abcdef0123456789abcdef"
        d.execute_script("for (var i = 0; i < 200; i++)"
                         " PB.store.set('pb.claims.1.' + (3200000000000000 + i), arguments[0]);",
                         uid)
        d.execute_script("for (var i = 0; i < 10; i++)"
                         " PB.store.set('pb.learn.' + i, new Array(201).join('x'));")
        d.execute_script("PB.store.set('pb.big', new Array(1001).join('y'));")
        pbs = [c for c in d.execute_script("return document.cookie").split("; ")
               if c.startswith("pbs.")]
        assert len(pbs) <= STORE_COOKIES_MAX, pbs
        assert sum(len(c) + 2 for c in pbs) <= STORE_COOKIE_BYTES_MAX, pbs
        got = d.execute_script(
            "return [PB.store.get('pb.lang'), PB.store.get('pb.learn.9'),"
            " PB.store.get('pb.learn.0'), PB.store.get('pb.claims.1.3200000000000000'),"
            " PB.store.get('pb.big')]")
        assert got == ["en", "x" * 200, None, None, None], got
        assert d.execute_script(STATUS_OF) == 200
        d.get(box.base + "/klaim.html")
        wait(d, lambda d: lang(d) == "en", "the language was lost on the next page")
        now = time.time()
        ages = {c["name"]: c["expires"] - now
                for c in d.execute_cdp_cmd("Network.getCookies", {"urls": [box.base]})["cookies"]
                if c["name"].startswith("pbs.")}
        assert ages.pop("pbs.pb.lang") > 20 * 86400, ages
        assert ages and all(0 < a <= 86400 for a in ages.values()), ages
        # what the limit spares: the same box refuses a Cookie header too big
        d.execute_script("for (var i = 0; i < 5; i++) document.cookie = 'big' + i + '='"
                         " + new Array(1001).join('z') + '; path=/';")
        assert d.execute_script(STATUS_OF) == 431
    finally:
        w.close()
        box.close()
