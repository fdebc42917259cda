"""On a 360x640 phone the answer to a form is said where the user tapped,
not at the foot of a long page out of view: a teacher's transport claim
refused in the page (no signature, no origin) or filed, and the payment
account refused by the box; a facilitator's manual mark, "allow a phone"
and roster refused by the box or saved. Each answer must be on screen
right after the tap, with the button in the middle of the screen as a
thumb leaves it."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import Boxes, open_claims, set_viewport, started_box, wait
from test_checkin_browser import draw_signature
from test_staff_two_sessions import day_on_phone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import nuptk as roster_nuptk  # noqa: E402
from claims_util import ClaimBox, nuptk  # noqa: E402

PHONE = (360, 640)
LONG_CODES = "code_period_s = 600\ncode_grace_s = 600\n"


def tap(d, el):
    """The control in the middle of the screen, then tapped."""
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    el.click()


def on_screen(d, id_):
    """The element's box lies within the screen as it is now."""
    return d.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;", id_)


def said(d, id_, start):
    """The answer line id_ shows a text holding start, on screen."""
    wait(d, lambda d: d.find_element(By.ID, id_).is_displayed()
         and start in d.find_element(By.ID, id_).text,
         "no %r in #%s" % (start, id_))
    assert on_screen(d, id_), "#%s %r is out of view" % (id_, d.find_element(By.ID, id_).text)


def test_teacher_claim_answers_in_view(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att=LONG_CODES)
        cb.check_in(0)
        set_viewport(d, *PHONE)
        open_claims(d, cb, nuptk(0))
        wait(d, lambda d: d.find_element(By.ID, "cost-form").is_displayed(), "no cost form")

        # a statement of real cost, not signed: said by the signature box
        d.find_element(By.ID, "amount").send_keys("50000")
        d.find_element(By.ID, "ev-dpr").click()
        d.find_element(By.ID, "dpr-confirm").click()
        tap(d, d.find_element(By.ID, "send"))
        said(d, "error", "Pilih asal")          # no origin yet: by the origin
        assert d.switch_to.active_element.get_attribute("id") == "origin"
        Select(d.find_element(By.ID, "origin")).select_by_index(1)
        tap(d, d.find_element(By.ID, "send"))
        said(d, "error", "Tanda tangan dulu")
        draw_signature(d, d.find_element(By.ID, "pad"))
        tap(d, d.find_element(By.ID, "send"))
        said(d, "status", "Klaim diajukan")
        assert not d.find_element(By.ID, "error").is_displayed()

        # the account the box refuses: under Simpan rekening
        d.find_element(By.ID, "rekening").clear()
        d.find_element(By.ID, "rekening").send_keys("12a")
        tap(d, d.find_element(By.ID, "bank-send"))
        said(d, "error", "Nomor rekening")
        for id_, v in (("bank", "BRI"), ("rekening", "1234567890"), ("nama-rekening", "Ani")):
            d.find_element(By.ID, id_).clear()
            d.find_element(By.ID, id_).send_keys(v)
        tap(d, d.find_element(By.ID, "bank-send"))
        said(d, "status", "Rekening tersimpan")
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    finally:
        boxes.close()


def test_facilitator_form_answers_in_view(browser):
    d = browser
    box, _ = started_box()
    try:
        day_on_phone(d, box, "IPA KK C",
                     f"NUPTK,Nama\n{roster_nuptk(1)},Ani\n{roster_nuptk(2)},Budi\n")

        # a NUPTK not on the roster and no name: the box says what to add
        d.find_element(By.ID, "m-nuptk").send_keys(roster_nuptk(9))
        tap(d, d.find_element(By.CSS_SELECTOR, "#mark-form button[type=submit]"))
        said(d, "error", "NUPTK tidak ada di daftar peserta")
        assert d.find_element(By.ID, "m-nuptk").get_attribute("value") == roster_nuptk(9)
        d.find_element(By.ID, "m-nuptk").clear()
        d.find_element(By.ID, "m-nuptk").send_keys(roster_nuptk(1))
        tap(d, d.find_element(By.CSS_SELECTOR, "#mark-form button[type=submit]"))
        said(d, "status", "Tanda manual disimpan")
        assert not d.find_element(By.ID, "error").is_displayed()

        # a mistyped phone address
        d.find_element(By.ID, "a-client").send_keys("10.42.0")
        tap(d, d.find_element(By.CSS_SELECTOR, "#allow-form button[type=submit]"))
        said(d, "error", "Alamat HP tidak dikenali")
        d.find_element(By.ID, "a-client").clear()
        d.find_element(By.ID, "a-client").send_keys("10.42.0.23")
        tap(d, d.find_element(By.CSS_SELECTOR, "#allow-form button[type=submit]"))
        said(d, "status", "10.42.0.23 boleh mendaftarkan")

        # Impor with nothing to import
        d.find_element(By.ID, "r-text").clear()
        tap(d, d.find_element(By.CSS_SELECTOR, "#roster-form button[type=submit]"))
        said(d, "error", "Pilih berkas CSV")
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    finally:
        set_viewport(d, 360, 740)
        box.close()
