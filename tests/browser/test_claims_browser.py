"""Claims in a real Chromium: a teacher on a 360 px phone opens their
claims with NUPTK and the session code, claims the daily allowance and
transport with a photo of the receipt (downscaled to JPEG in the page
before upload); the facilitator approves on the claims page, and the
daftar nominatif prints on A4. Screenshots and the PDF land in
build/screenshots/claims-*."""
import base64
import os
import struct
import sys
import zlib

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

import test_checkin_browser as checkin_browser
from a11y import audit
from conftest import fill_login, PHONE, SCREENSHOTS, Boxes, set_viewport

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from claims_util import CEILINGS, RATES, ClaimBox, nuptk  # noqa: E402

wait = checkin_browser.wait


def shot(driver, name):
    h = driver.execute_script("return document.documentElement.scrollHeight")
    w = driver.execute_script("return window.innerWidth")
    set_viewport(driver, w, max(int(h), PHONE[1]), mobile=w <= PHONE[0])
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"claims-{name}.png"))
    set_viewport(driver, w, PHONE[1], mobile=w <= PHONE[0])


def queue_rows(driver):
    """The text of each queue row, read in one go (the page redraws the table)."""
    return driver.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#queue-rows tr'),"
        " function (r) { return r.textContent; });")


def photo_png(path, w=2000, h=1500):
    """A camera-sized PNG (a gradient with stripes) for the file picker."""
    rows = bytearray()
    for y in range(h):
        rows.append(0)
        for x in range(w):
            rows += bytes(((x * 255 // w), (y * 255 // h), 255 if (x // 40) % 2 else 60))
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))
    return os.path.getsize(path)


def test_teacher_claims_with_photo_facilitator_approves_nominatif(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att="code_period_s = 600\ncode_grace_s = 600\n")
        cb.check_in(0)
        code = cb.staff.code(cb.sid)
        picture = os.path.join(cb.box.dir, "kuitansi.png")
        size = photo_png(picture)
        assert size > 65536          # larger than the box takes: the page must shrink it

        # the teacher, on a phone
        set_viewport(d, *PHONE)
        d.get(cb.base + "/klaim.html")
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(cb.sid),
             "session not offered")
        audit(d, "claims")
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys(code)
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_element(By.ID, "flat-harian").is_displayed() and
             "150.000" in d.find_element(By.ID, "flat-harian").text,
             "no daily allowance button with its rate")
        audit(d, "claims, none yet")
        d.find_element(By.ID, "flat-harian").click()
        # one confirmation, in the page (PB.ask), the focus on the question;
        # Batal and Escape file nothing and give the focus back to the button
        wait(d, lambda d: d.find_element(By.ID, "flat-confirm").is_displayed(), "no confirmation")
        assert "150.000" in d.find_element(By.ID, "flat-question").text
        assert d.switch_to.active_element.get_attribute("id") == "flat-question"
        d.find_element(By.ID, "flat-no").click()
        wait(d, lambda d: not d.find_element(By.ID, "flat-confirm").is_displayed(),
             "Batal left the question")
        assert d.switch_to.active_element.get_attribute("id") == "flat-harian"
        d.find_element(By.ID, "flat-harian").click()
        wait(d, lambda d: d.find_element(By.ID, "flat-confirm").is_displayed(), "no confirmation")
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(d, lambda d: not d.find_element(By.ID, "flat-confirm").is_displayed(),
             "Escape left the question")
        assert d.switch_to.active_element.get_attribute("id") == "flat-harian"
        assert "Uang harian" not in d.find_element(By.ID, "mine-rows").text
        d.find_element(By.ID, "flat-harian").click()
        wait(d, lambda d: d.find_element(By.ID, "flat-confirm").is_displayed(), "no confirmation")
        d.find_element(By.ID, "flat-yes").click()
        wait(d, lambda d: "Uang harian" in d.find_element(By.ID, "mine-rows").text,
             "daily allowance claim not listed")
        audit(d, "claims, one claimed")
        d.find_element(By.ID, "ev-dpr").click()
        wait(d, lambda d: d.find_element(By.ID, "dpr-box").is_displayed(), "no DPR form")
        audit(d, "claims, DPR form open")
        d.find_element(By.ID, "ev-receipt").click()
        # transport at cost above the ceiling: the page says what will be paid
        Select(d.find_element(By.ID, "origin")).select_by_value("KOTA MALANG")
        d.find_element(By.ID, "amount").send_keys("250000")
        assert "100.000" in d.find_element(By.ID, "preview").text
        d.find_element(By.ID, "photo").send_keys(picture)
        wait(d, lambda d: "×" in d.find_element(By.ID, "photo-info").text, "photo not shrunk")
        shot(d, "phone-transport")
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: "Transport lokal" in d.find_element(By.ID, "mine-rows").text,
             "transport claim not listed")
        assert not d.find_element(By.ID, "error").is_displayed(), \
            d.find_element(By.ID, "error").text
        # one transport claim a day: the form gives way to a note
        wait(d, lambda d: d.find_element(By.ID, "cost-done").is_displayed(), "form still offered")
        assert not d.find_element(By.ID, "cost-form").is_displayed()
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        shot(d, "phone-submitted")
        db = cb.db()
        mime, rsize, amount, capped = db.execute(
            "SELECT receipt_mime, receipt_size, amount, capped FROM claim "
            "WHERE item = 'transport'").fetchone()
        db.close()
        assert mime == "image/jpeg" and 0 < rsize <= 65536
        assert amount == CEILINGS["KOTA MALANG"] and capped == 1
        # the teacher gives the account to be paid into (a wrong number first)
        d.find_element(By.ID, "bank").send_keys("Bank Jatim")
        d.find_element(By.ID, "rekening").send_keys("12-AB")
        d.find_element(By.ID, "nama-rekening").send_keys("Guru Nomor 0")
        d.find_element(By.ID, "bank-send").click()
        wait(d, lambda d: d.find_element(By.ID, "error").is_displayed(), "bad account accepted")
        assert "angka" in d.find_element(By.ID, "error").text
        logged = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert all("/api/v1/claims/bank" in m and "400" in m for m in logged), logged
        rek = d.find_element(By.ID, "rekening")
        rek.clear()
        rek.send_keys("0011 2233 44")
        d.find_element(By.ID, "bank-send").click()
        wait(d, lambda d: d.find_element(By.ID, "status").text == "Rekening tersimpan.",
             "account not saved")
        assert d.find_element(By.ID, "rekening").get_attribute("value") == "0011223344"
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        teacher_window = d.current_window_handle

        # the facilitator, on a laptop
        d.switch_to.new_window("window")
        set_viewport(d, 1280, 800, mobile=False)
        d.get(cb.base + "/klaim-petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login form")
        audit(d, "claims staff, not logged in")
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "login failed")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")) == 2,
             "queue not shown")
        assert d.find_elements(By.LINK_TEXT, "Lihat kuitansi")
        # the receipt opens for staff
        href = d.find_element(By.LINK_TEXT, "Lihat kuitansi").get_attribute("href")
        ok = d.execute_async_script(
            "var done = arguments[1], i = new Image(); i.onload = function () {"
            " done(i.naturalWidth); }; i.onerror = function () { done(-1); }; i.src = arguments[0];",
            href)
        assert ok > 0
        # approve the transport row, then the rest in bulk
        row = [r for r in d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")
               if "Transport" in r.text][0]
        row.find_element(By.XPATH, ".//button[normalize-space()='Setujui']").click()
        wait(d, lambda d: any("Transport" in t and "Disetujui" in t for t in queue_rows(d)),
             "approval not shown")
        d.find_element(By.ID, "all").click()
        d.find_element(By.ID, "bulk-approve").click()
        wait(d, lambda d: d.execute_script(
             "var e = document.getElementById('nom-total'); return e ? e.textContent : ''") ==
             "Rp " + format(RATES["uang_harian"] + CEILINGS["KOTA MALANG"], ",").replace(",", "."),
             "nominatif total wrong")
        shot(d, "staff-queue")
        audit(d, "claims staff, 1280 px")
        set_viewport(d, *PHONE)
        audit(d, "claims staff, 360 px")
        set_viewport(d, 1280, 800, mobile=False)

        # the printed daftar nominatif
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not d.find_element(By.ID, "queue").is_displayed()
        assert d.find_element(By.ID, "nominatif").is_displayed()
        assert d.find_element(By.ID, "p-fac").is_displayed()
        shot(d, "daftar-nominatif-print")
        pdf = d.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69,
                                                   "printBackground": True})
        with open(os.path.join(SCREENSHOTS, "claims-daftar-nominatif.pdf"), "wb") as f:
            f.write(base64.b64decode(pdf["data"]))
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        # the session says which kind of uang_harian it pays
        d.find_element(By.CSS_SELECTOR, "#settings summary").click()
        kind = Select(d.find_element(By.ID, "s-uang-harian"))
        assert kind.first_selected_option.get_attribute("value") == "diklat"
        kind.select_by_value("luar_kota")
        d.find_element(By.CSS_SELECTOR, "#settings-form button[type=submit]").click()
        wait(d, lambda d: cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()
             ["settings"]["uang_harian"] == "luar_kota", "kind not saved")
        errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
                  and "/api/v1/me - " not in e["message"]]
        assert errors == [], errors
        d.close()

        # the teacher sees the decisions
        d.switch_to.window(teacher_window)
        set_viewport(d, *PHONE)
        d.refresh()
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(cb.sid),
             "session not offered again")
        d.find_element(By.ID, "open").click()      # the proof is kept on the phone
        wait(d, lambda d: d.find_element(By.ID, "mine-rows").text.count("Disetujui") == 2,
             "teacher does not see the approvals")
        shot(d, "phone-approved")
        audit(d, "claims, approved")
        errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors
    finally:
        set_viewport(d, *PHONE)
        boxes.close()
