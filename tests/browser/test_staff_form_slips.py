"""A facilitator's typing slips on the staff page (360 px), said in
Indonesian and never as a program's word: a pasted roster line with no
NUPTK at all is reported with a dash, not "undefined"; a phone address
with a slip in "Izinkan" is refused by the box, not announced as
allowed."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import PHONE, set_viewport, started_box, staff_login, wait
from test_staff_two_sessions import create, paste_roster

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, nuptk  # noqa: E402


def test_roster_line_without_nuptk_and_a_mistyped_phone_address(browser):
    d = browser
    box, _ = started_box()
    try:
        set_viewport(d, *PHONE)
        staff_login(d, box, "fasil", PASSWORD)
        create(d, "IPA KK B", "08:00")
        report = paste_roster(d, f"NUPTK,Nama\n{nuptk(1)},Ani\n,Tanpa Nomor\n")
        assert report.split("\n") == ["1 baris diterima, 1 ditolak.",
                                      "Baris 3 (\u2013): NUPTK harus tepat 16 angka"], report
        assert "undefined" not in d.find_element(By.TAG_NAME, "main").text

        d.find_element(By.ID, "a-client").send_keys("10.42.0")
        d.find_element(By.CSS_SELECTOR, "#allow-form button[type=submit]").click()
        wait(d, lambda d: d.find_element(By.ID, "error").is_displayed(), "slip not refused")
        assert d.find_element(By.ID, "error").text.startswith("Alamat HP tidak dikenali")
        assert "boleh mendaftarkan" not in d.find_element(By.ID, "status").text
        d.find_element(By.ID, "a-client").clear()
        d.find_element(By.ID, "a-client").send_keys("10.42.0.23")
        d.find_element(By.CSS_SELECTOR, "#allow-form button[type=submit]").click()
        wait(d, lambda d: "10.42.0.23 boleh mendaftarkan" in d.find_element(By.ID, "status").text,
             "good address not allowed")
    finally:
        set_viewport(d, 360, 740)
        box.close()
