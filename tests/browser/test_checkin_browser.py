"""Attendance in a real Chromium: a teacher checks in on a 360 px phone,
drawing the signature with pointer events on the canvas; the facilitator's
page (open in another window, never reloaded) shows the check-in with its
signature, and the Daftar Hadir prints on A4. Screenshots and the printed
PDF land in build/screenshots/attendance-*."""
import base64
import os
import sqlite3
import sys

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By

from a11y import audit
from conftest import fill_login, PHONE, SCREENSHOTS, set_viewport, wait
from pbtest import Box

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, Staff, add_staff, nuptk  # noqa: E402

HOSTILE = "<b>Budi</b> Santoso"


def shot(driver, name):
    h = driver.execute_script("return document.documentElement.scrollHeight")
    w = driver.execute_script("return window.innerWidth")
    set_viewport(driver, w, max(int(h), PHONE[1]), mobile=w <= PHONE[0])
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"attendance-{name}.png"))
    set_viewport(driver, w, PHONE[1], mobile=w <= PHONE[0])


def draw_signature(driver, canvas):
    """A finger (touch pointer) draws two strokes across the canvas."""
    finger = PointerInput(interaction.POINTER_TOUCH, "finger")
    ab = ActionBuilder(driver, mouse=finger)
    w, h = canvas.size["width"], canvas.size["height"]
    for y0 in (-h // 6, h // 6):
        ab.pointer_action.move_to(canvas, -w // 3, y0).pointer_down()
        for k in range(1, 9):
            ab.pointer_action.move_to(canvas, -w // 3 + k * w // 12, y0 + (k % 3 - 1) * 8)
        ab.pointer_action.pointer_up()
    ab.perform()


def test_checkin_with_drawn_signature_and_daftar_hadir(browser):
    d = browser
    box = Box(sections="[attendance]\ncode_period_s = 600\ncode_grace_s = 600\n")
    try:
        box.start()
        add_staff(box)
        api = Staff(box)
        sid = api.create_session(title="Diklat Guru Pembelajar KK A")
        csv_text = ("NUPTK,Nama,Sekolah\n"
                    f"{nuptk(1)},{HOSTILE},SMPN 2 Kota Malang\n"
                    f"{nuptk(2)},=SUM(A1:A9),SDN 1\n")
        assert api.roster(sid, csv_text).json()["accepted"] == 2

        # the facilitator logs in on the staff page (window 1, desktop width)
        set_viewport(d, 1280, 800, mobile=False)
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login form")
        audit(d, "staff login")
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "code").text.isdigit(), "no session code shown")
        code = d.find_element(By.ID, "code").text
        rows = d.find_elements(By.CSS_SELECTOR, "#rows tr")
        assert len(rows) == 2
        # names with HTML come out as text
        assert HOSTILE in d.find_element(By.ID, "rows").text
        assert d.find_elements(By.CSS_SELECTOR, "#rows b") == []
        audit(d, "staff page, 1280 px")
        staff_window = d.current_window_handle

        # the teacher checks in on a phone (window 2, 360 px)
        d.switch_to.new_window("window")
        set_viewport(d, *PHONE)
        d.get(box.base + "/presensi.html")
        wait(d, lambda d: d.find_element(By.ID, "nuptk").is_displayed(), "no check-in form")
        audit(d, "check-in")
        d.find_element(By.ID, "nuptk").send_keys(nuptk(1))
        # a wrong code is refused with an Indonesian message next to the code field
        d.find_element(By.ID, "code").send_keys("%06d" % ((int(code) + 1) % 1000000))
        d.find_element(By.ID, "lookup").click()
        wait(d, lambda d: d.find_element(By.ID, "code-error").is_displayed() and
             "Kode sesi salah" in d.find_element(By.ID, "code-error").text,
             "wrong code not refused")
        assert d.find_element(By.ID, "code").get_attribute("aria-invalid") == "true"
        assert d.switch_to.active_element.get_attribute("id") == "code"
        audit(d, "check-in, wrong code", both_languages=False)
        d.find_element(By.ID, "code").clear()
        d.find_element(By.ID, "code").send_keys(code)
        d.find_element(By.ID, "lookup").click()
        wait(d, lambda d: d.find_element(By.ID, "step-confirm").is_displayed(), "no confirm step")
        who = d.find_element(By.ID, "who").text
        assert who.startswith("<b>Budi</b> S\u2022\u2022\u2022\u2022") and "SMPN 2" in who
        assert "Malang" not in who
        audit(d, "check-in after lookup")
        # submitting without a signature is refused on the page
        d.find_element(By.ID, "submit").click()
        wait(d, lambda d: d.find_element(By.ID, "sign-error").is_displayed(),
             "empty signature passed")
        draw_signature(d, d.find_element(By.ID, "pad"))
        shot(d, "phone-signed")
        d.find_element(By.ID, "submit").click()
        wait(d, lambda d: d.find_element(By.ID, "step-done").is_displayed(), "check-in failed")
        assert "Budi" in d.find_element(By.ID, "done-text").text
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        shot(d, "phone-done")
        audit(d, "check-in done")
        d.close()

        # the facilitator's list shows it without a reload, with the signature
        d.switch_to.window(staff_window)
        marker = d.execute_script("window.__notReloaded = 1; return 1;")
        assert marker == 1

        def present(d):
            return any("Hadir" in r.text for r in d.find_elements(By.CSS_SELECTOR, "#rows tr"))
        wait(d, present, "the check-in did not appear in the live list")
        assert d.execute_script("return window.__notReloaded") == 1
        # (the list is redrawn every few seconds: ask the page, not a held element)
        wait(d, lambda d: d.execute_script(
            "var i = document.querySelector('#rows img');"
            "return !!i && i.complete && i.naturalWidth > 0"), "signature image did not load")
        src = d.execute_script("return document.querySelector('#rows img').getAttribute('src')")
        # the stored signature has the strokes that were drawn
        svg = api.get(src).text
        assert svg.count("<path") == 2
        db = sqlite3.connect(box.db_path())
        stored = db.execute("SELECT length(signature) FROM attendance").fetchone()[0]
        db.close()
        assert 0 < stored <= 2048, stored          # compact strokes
        shot(d, "staff-live")
        # the facilitator's page also works on a phone: nothing sideways at 360 px
        set_viewport(d, *PHONE)
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        assert d.find_element(By.ID, "code").is_displayed()
        shot(d, "staff-phone")
        audit(d, "staff page, 360 px")
        set_viewport(d, 1280, 800, mobile=False)

        # the printed Daftar Hadir: A4, header, numbered rows, signature line
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not d.find_element(By.ID, "pb-header").is_displayed()
        assert d.find_element(By.ID, "p-session").is_displayed()
        assert "Diklat Guru Pembelajar KK A" in d.find_element(By.ID, "p-session").text
        assert "8 JP" in d.find_element(By.ID, "p-date").text
        assert not d.find_element(By.ID, "mark-form").is_displayed()
        first = d.execute_script("return document.querySelector('#rows tr').textContent")
        assert first.startswith("1")
        shot(d, "daftar-hadir-print")
        pdf = d.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69,
                                                   "printBackground": True})
        with open(os.path.join(SCREENSHOTS, "attendance-daftar-hadir.pdf"), "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        # the expected failures: the staff page asking /api/v1/me before login, and
        # the wrong code (both logged by the window they happened in)
        errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
                  and "/api/v1/me - " not in e["message"]
                  and "/api/v1/checkin/lookup - " not in e["message"]]
        assert errors == [], errors
    finally:
        set_viewport(d, *PHONE)
        box.close()
