"""What a staff page does as it loads, on a 360 px phone: it asks the box who
is logged in (/api/v1/me) once, for the menu and the login together, logged
out and logged in; and its session picker writes each session's first day
out in the page's language ("Sabtu, 5 Desember 2026 — hari ini", "Saturday,
5 December 2026 — today"), never as an ISO date, also after the language
button is pressed."""
import datetime
import os
import re
import sys

from selenium.webdriver.common.by import By

from a11y import audit
from conftest import (PHONE, SCREENSHOTS, fill_login, overflowing, set_viewport, started_box,
                      wait)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, today  # noqa: E402

STAFF_PAGES = ["petugas.html", "klaim-petugas.html", "hasil-belajar.html", "cetak.html",
               "admin-sinkron.html", "admin-pemancar.html", "flashdisk.html"]

# Counts the page's requests to /api/v1/me as they are opened (before any
# answer), from before the page's first script: a test-only hook in the
# browser, the product is unchanged.
COUNT_ME_JS = """
window.__pbMe = 0;
(function () {
    var open = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (method, url) {
        if (String(url).split('?')[0] === '/api/v1/me')
            window.__pbMe++;
        return open.apply(this, arguments);
    };
}());
"""

DAYS = {"id": ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"],
        "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]}
MONTHS = {"id": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
                 "September", "Oktober", "November", "Desember"],
          "en": ["January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"]}
TODAY_WORD = {"id": "hari ini", "en": "today"}


def written(ymd, lang):
    d = datetime.date.fromisoformat(ymd)
    return f"{DAYS[lang][d.weekday()]}, {d.day} {MONTHS[lang][d.month - 1]} {d.year}"


def me_requests(d, page, logged_in):
    """Load PAGE; once it has drawn what /api/v1/me told it, the number of
    /api/v1/me requests it made."""
    d.get(d.base + "/" + page)
    if logged_in:
        # the login's answer taken (staff-common.js) and the menu's (the
        # staff-only entries shown)
        wait(d, lambda d: d.execute_script("return PB.staff.me && PB.staff.me.user") == "fasil",
             f"{page}: not logged in")
        wait(d, lambda d: any(e.get_attribute("hidden") is None for e in
                              d.find_elements(By.CSS_SELECTOR, ".pb-staff-only")),
             f"{page}: staff menu not opened")
    else:
        # the login form, or an admin-only page's link to it
        wait(d, lambda d: any(e.is_displayed() for e in d.find_elements(
             By.CSS_SELECTOR, "#login-form, #wifi-login-link, #sync-login-link, #fd-login-link")),
             f"{page}: no login form")
    return d.execute_script("return window.__pbMe")


def test_each_staff_page_asks_who_is_logged_in_once(browser):
    d = browser
    box, _ = started_box()
    hook = None
    try:
        d.base = box.base
        d.delete_all_cookies()
        set_viewport(d, *PHONE)
        hook = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                 {"source": COUNT_ME_JS})["identifier"]
        for page in STAFF_PAGES:
            assert me_requests(d, page, logged_in=False) == 1, page
        d.get_log("browser")              # the 401s of /api/v1/me, logged by Chromium

        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "no login form")
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "login failed")
        # one request before the login; the login answers who it is
        assert d.execute_script("return window.__pbMe") == 1

        for page in STAFF_PAGES:
            assert me_requests(d, page, logged_in=True) == 1, page
        # a teacher's page has no staff menu and does not ask at all
        d.get(box.base + "/index.html")
        wait(d, lambda d: d.execute_script("return PB.lang === 'id' && !!PB.strings['app.name']"),
             "index not drawn")
        assert d.execute_script("return window.__pbMe") == 0
    finally:
        if hook:
            d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook})
        box.close()


def options(d):
    return [(o.get_attribute("value"), o.text)
            for o in d.find_elements(By.CSS_SELECTOR, "#pick option")]


def test_session_picker_writes_days_out_in_the_language(browser):
    d = browser
    box, api = started_box()
    try:
        later = (datetime.date.fromisoformat(today()) + datetime.timedelta(days=9)).isoformat()
        now_id = str(api.create_session(title="Diklat Hari Ini"))
        r = api.post("/api/v1/sessions", json={
            "title": "Diklat Nanti", "mode": "tatap_muka", "kk": "A", "subject": "Matematika",
            "start_date": later, "days": 1, "jp_per_day": 8, "facilitators": ["fasil"]})
        assert r.status_code == 201, r.text
        later_id = str(r.json()["id"])
        sessions = {s["id"]: s for s in api.get("/api/v1/sessions").json()["sessions"]}
        start = {str(k): v["start_date"] for k, v in sessions.items()}

        d.base = box.base
        d.delete_all_cookies()
        set_viewport(d, *PHONE)
        d.get(box.base + "/petugas.html")
        d.execute_script("localStorage.clear()")
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "no login form")
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#pick option")) == 3,
             "sessions not listed")

        def expect(lang):
            return {now_id: f"Diklat Hari Ini ({written(start[now_id], lang)} — "
                            f"{TODAY_WORD[lang]})",
                    later_id: f"Diklat Nanti ({written(start[later_id], lang)})"}

        for lang in ("id", "en"):
            if lang == "en":
                d.find_element(By.ID, "pb-lang").click()
                wait(d, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang")
                     == "en", "no English")
            want = expect(lang)
            wait(d, lambda d: {v: t for v, t in options(d) if v} == want,
                 f"picker in {lang}: {options(d)} != {want}")
            for _, text in options(d):
                assert not re.search(r"\d{4}-\d{2}-\d{2}", text), text
            assert overflowing(d) == [], lang
            pick = d.find_element(By.ID, "pick")
            assert d.execute_script("return arguments[0].getBoundingClientRect().right",
                                    pick) <= PHONE[0]
            d.save_screenshot(os.path.join(SCREENSHOTS, f"staff-picker-days-{lang}-360.png"))

        # a page opened in English draws them in English from the start
        d.get(box.base + "/klaim-petugas.html")
        wait(d, lambda d: {v: t for v, t in options(d) if v} == expect("en"),
             f"klaim-staff picker: {options(d)}")
        d.find_element(By.ID, "pb-lang").click()
        wait(d, lambda d: {v: t for v, t in options(d) if v} == expect("id"),
             f"klaim-staff picker back in Indonesian: {options(d)}")
        audit(d, "staff picker with days written out", both_languages=False)
    finally:
        box.close()
