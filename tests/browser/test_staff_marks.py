"""The facilitator's day view on a 360×640 phone: one-tap marks per row
(Hadir / Izin / Sakit / Tidak hadir), the reason asked inline (the list
holds still while it is typed), a correction to absent hiding the
signature on screen and in print."""
import os
import sys
import time

import pytest
from selenium.webdriver.common.by import By

from a11y import audit
from conftest import (SCREENSHOTS, assert_inside, overflowing, set_viewport, staff_login,
                      started_box, wait)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, checkin, nuptk, roster_csv  # noqa: E402


def row(d, n):
    return d.find_element(By.CSS_SELECTOR, f'#rows tr[data-nuptk="{n}"]')


def row_text(d, n):
    """The status cell of the teacher's row (the buttons carry the words too)."""
    return d.execute_script(
        "var r = document.querySelector('#rows tr[data-nuptk=\"' + arguments[0] + '\"] "
        "td:nth-child(5)'); return r ? r.textContent : '';", n)


def tap(d, n, mark):
    row(d, n).find_element(By.CSS_SELECTOR, f'button[data-mark="{mark}"]').click()


def test_one_tap_marks_inline_reason_and_hidden_signature(browser):
    d = browser
    box, api = started_box()
    try:
        sid = api.create_session(title="Diklat KK B")
        api.roster(sid, roster_csv(3))
        assert checkin(box, "127.0.0.71", sid, nuptk(0), api.code(sid))[0] == 201
        set_viewport(d, 360, 640)
        staff_login(d, box, "fasil", PASSWORD)
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rows tr")) == 3, "no rows")
        wait(d, lambda d: d.execute_script(
            "var i = document.querySelector('#rows img'); return !!i && i.complete"),
            "no signature shown")
        # each row has the four buttons, named with the teacher
        # (read in one go: the day view redraws its rows while it refreshes)
        b = d.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll("
            "'#rows tr[data-nuptk=\"' + arguments[0] + '\"] button[data-mark]'), function (x) {"
            " return [x.getAttribute('data-mark'), x.getAttribute('aria-label'),"
            " x.getBoundingClientRect().height]; });", nuptk(1))
        assert [x[0] for x in b] == ["present", "excused", "sick", "absent"]
        assert "Guru Nomor 1" in b[0][1]
        assert min(x[2] for x in b) >= 40                      # a finger's size
        # on the phone the whole row is in view: the four buttons, nothing sideways
        assert_inside(d, d.find_elements(By.CSS_SELECTOR, "#rows tr")[0]
                      .find_elements(By.CSS_SELECTOR, "button[data-mark]"), "first row's marks")
        assert overflowing(d) == []

        # Hadir in one tap: the facilitator's confirmation, no 16-digit typing
        assert row_text(d, nuptk(1)).startswith("Belum")
        tap(d, nuptk(1), "present")
        wait(d, lambda d: row_text(d, nuptk(1)).startswith("Hadir") and
             "manual" in row_text(d, nuptk(1)),
             "one-tap Hadir not shown")
        r = {x["nuptk"]: x for x in api.day(sid)["rows"]}[nuptk(1)]
        assert r["status"] == "present" and r["method"] == "facilitator"

        # Izin asks the reason inline; the list holds still while it is typed
        tap(d, nuptk(2), "excused")
        field = wait(d, lambda d: d.find_element(By.ID, "reason-" + nuptk(2)), "no reason field")
        assert d.switch_to.active_element.get_attribute("id") == "reason-" + nuptk(2)
        assert_inside(d, [field] + field.find_elements(By.XPATH, "ancestor::form//button"),
                      "inline reason")
        field.find_element(By.XPATH, "ancestor::form").find_element(
            By.CSS_SELECTOR, "button[type=submit]").click()
        msg = d.find_element(By.ID, "reason-" + nuptk(2) + "-msg")
        wait(d, lambda d: msg.is_displayed(), "empty reason accepted")
        assert_inside(d, [msg], "reason error")
        assert overflowing(d) == []
        assert msg.get_attribute("aria-live") == "assertive"
        # the list's refresh goes on while a reason is typed; two fetches of
        # it answered after the typing: the first one's answer was handled
        # before the second was asked (each is asked after the last is drawn)
        d.execute_script(
            "window.pbLists = 0; new PerformanceObserver(function (l) {"
            " l.getEntries().forEach(function (e) {"
            "  if (e.name.indexOf('/attendance?') >= 0) window.pbLists++; });"
            "}).observe({type: 'resource'});")
        field.send_keys("acara keluarga")
        wait(d, lambda d: d.execute_script("return window.pbLists") >= 2,
             "the list was not fetched again while the reason was typed")
        assert d.find_element(By.ID, "reason-" + nuptk(2)).get_attribute("value") == \
            "acara keluarga"
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-marks-reason-360.png"))
        audit(d, "staff page, mark with a reason")
        field.submit()
        wait(d, lambda d: row_text(d, nuptk(2)).startswith("Izin"), "Izin not shown")
        assert not d.find_elements(By.ID, "reason-" + nuptk(2))

        # a correction to absent hides the signature, on screen and in print
        tap(d, nuptk(0), "absent")
        f = wait(d, lambda d: d.find_element(By.ID, "reason-" + nuptk(0)), "no reason field")
        f.send_keys("bukan orangnya")
        f.submit()
        wait(d, lambda d: row_text(d, nuptk(0)).startswith("Tidak hadir"), "absent not shown")
        wait(d, lambda d: not d.find_elements(By.CSS_SELECTOR, "#rows img"), "signature shown")
        # nothing sideways at 360 px but the list's own scroller
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-marks-360.png"))
        audit(d, "staff page, marks")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not d.find_elements(By.CSS_SELECTOR, "#rows img")
        # the buttons looked at in one go: the list is drawn anew every few
        # seconds, and elements found before that are gone after it
        marks, shown = d.execute_script(
            "var b = document.querySelectorAll('#rows button[data-mark]'), n = 0;"
            "for (var i = 0; i < b.length; i++)"
            "  if (b[i].getClientRects().length && getComputedStyle(b[i]).visibility !== 'hidden')"
            "    n++;"
            "return [b.length, n];")
        assert marks > 0 and shown == 0, (marks, shown)
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        day = api.day(sid)
        assert {x["nuptk"]: x["status"] for x in day["rows"]} == {
            nuptk(0): "absent", nuptk(1): "present", nuptk(2): "excused"}
    finally:
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        set_viewport(d, 360, 740)
        box.close()


def test_sittings_chosen_on_the_day_view(browser):
    """A day of two sittings: the page shows the present one, the
    facilitator switches to the other and marks there."""
    t = time.localtime()
    if t.tm_hour == 0 and t.tm_min < 3:
        pytest.skip("the first sitting's minute: run again after 00:03")
    d = browser
    box, api = started_box()
    try:
        r = api.post("/api/v1/sessions", json={
            "title": "Diklat Bersesi", "mode": "tatap_muka", "kk": "A", "subject": "IPA",
            "start_date": time.strftime("%Y-%m-%d"), "days": 1, "jp_per_day": 5,
            "sittings": [{"label": "Sesi Pagi", "start": "00:00", "end": "00:01", "jp": 3},
                         {"label": "Sesi Siang", "start": "00:01", "end": "23:59", "jp": 2}]})
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        api.roster(sid, roster_csv(2))
        assert checkin(box, "127.0.0.72", sid, nuptk(0), api.code(sid))[0] == 201
        set_viewport(d, 360, 640)
        staff_login(d, box, "fasil", PASSWORD)
        sel = wait(d, lambda d: d.find_element(By.ID, "sitting").is_displayed() and
                   d.find_element(By.ID, "sitting").get_attribute("value") == "2" and
                   d.find_element(By.ID, "sitting"), "the present sitting not shown")
        assert "Sesi Siang" in sel.find_element(By.CSS_SELECTOR, "option:checked").text
        assert "2 JP" in sel.find_element(By.CSS_SELECTOR, "option:checked").text
        wait(d, lambda d: row_text(d, nuptk(0)).startswith("Terlambat") or
             row_text(d, nuptk(0)).startswith("Hadir"), "the check-in not in its sitting")
        # the morning sitting: nobody yet; one tap marks there
        sel.find_element(By.CSS_SELECTOR, 'option[value="1"]').click()
        wait(d, lambda d: row_text(d, nuptk(0)).startswith("Belum"), "sitting not switched")
        tap(d, nuptk(1), "present")
        wait(d, lambda d: row_text(d, nuptk(1)).startswith("Hadir"), "mark not shown")
        one = api.get(f"/api/v1/sessions/{sid}/attendance?sitting=1").json()
        assert {x["nuptk"]: x["status"] for x in one["rows"]} == {
            nuptk(0): "not_yet", nuptk(1): "present"}
        two = api.get(f"/api/v1/sessions/{sid}/attendance?sitting=2").json()
        assert {x["nuptk"]: x["status"] for x in two["rows"]}[nuptk(1)] == "not_yet"
        assert "sitting=1" in d.find_element(By.ID, "csv").get_attribute("href")
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-sittings-360.png"))

        # a session with sittings from the page's form; a line it cannot read is said
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
        # an empty form: Indonesian messages under each wrong field, the
        # first focused, nothing sent (no browser bubbles: novalidate)
        before = len(api.get("/api/v1/sessions").json()["sessions"])
        days = d.find_element(By.ID, "c-days")
        days.clear()
        days.send_keys("0")
        d.execute_script("document.getElementById('c-start').value = ''")
        d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").click()
        wait(d, lambda d: d.find_element(By.ID, "c-title-error").is_displayed(), "no title error")
        want = {"c-title": "Isi judul kegiatan.", "c-start": "Isi tanggal mulai.",
                "c-days": "Jumlah hari: angka 1 sampai 60."}
        for f, text in want.items():
            e = d.find_element(By.ID, f)
            assert d.find_element(By.ID, f + "-error").text == text
            assert e.get_attribute("aria-invalid") == "true", f
            assert f + "-error" in e.get_attribute("aria-describedby").split()
        assert not d.find_element(By.ID, "c-jp-error").is_displayed()
        assert d.find_element(By.ID, "c-jp").get_attribute("aria-invalid") is None
        assert d.switch_to.active_element.get_attribute("id") == "c-title"
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-create-errors-360.png"))
        audit(d, "new session, field errors", both_languages=False)
        days.clear()
        days.send_keys("1")
        d.find_element(By.ID, "c-title").send_keys("Diklat Dua Sesi")
        d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").click()
        wait(d, lambda d: not d.find_element(By.ID, "c-title-error").is_displayed(), "kept")
        assert d.switch_to.active_element.get_attribute("id") == "c-start"
        assert d.find_element(By.ID, "c-days").get_attribute("aria-invalid") is None
        assert len(api.get("/api/v1/sessions").json()["sessions"]) == before
        d.execute_script("document.getElementById('c-start').value = arguments[0]",
                         time.strftime("%Y-%m-%d"))
        box_ = d.find_element(By.ID, "c-sittings")
        box_.send_keys("08.00-10.15 3\npagi saja")
        d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").click()
        err = d.find_element(By.ID, "c-sittings-error")
        wait(d, lambda d: err.is_displayed(), "a bad line was taken")
        assert "pagi saja" in err.text and box_.get_attribute("aria-invalid") == "true"
        box_.clear()
        box_.send_keys("08.00-10.15 3\n10.30-12.00 2 JP")
        d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").click()
        wait(d, lambda d: any(s["title"] == "Diklat Dua Sesi" for s in
                              api.get("/api/v1/sessions").json()["sessions"]), "not created")
        made = [s for s in api.get("/api/v1/sessions").json()["sessions"]
                if s["title"] == "Diklat Dua Sesi"][0]
        assert [(s["start"], s["end"], s["jp"]) for s in made["sittings"]] == [
            ("08:00", "10:15", 3), ("10:30", "12:00", 2)]
    finally:
        set_viewport(d, 360, 740)
        box.close()
