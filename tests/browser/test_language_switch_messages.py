"""A teacher who does not follow a message switches the page's language
(id <-> en) on a 360x640 phone: the messages already on the page are said
again in the new language, not left in the old one. Check-in: a field
error of the page, a wrong code refused by the box, the confirm step and
"checked in". Claims: the amount hint, the "claim submitted" line and the
session's first day in the session list."""
from selenium.webdriver.common.by import By

from conftest import Boxes, set_viewport, wait
from test_checkin_browser import draw_signature
from test_checkin_flows import fill, visible

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from claims_util import ClaimBox, nuptk  # noqa: E402

PHONE = (360, 640)
LONG_CODES = "code_period_s = 600\ncode_grace_s = 600\n"


def switch(d, to):
    """Tap the header's language button; wait until the page is in `to`."""
    d.find_element(By.ID, "pb-lang").click()
    wait(d, lambda d: d.execute_script("return document.documentElement.lang") == to,
         "language not switched to " + to)


def text(d, id_):
    return d.find_element(By.ID, id_).text


def test_checkin_messages_follow_the_language(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att=LONG_CODES)
        set_viewport(d, *PHONE)
        d.get(cb.base + "/presensi.html")
        d.execute_script("window.localStorage.clear()")
        d.refresh()
        wait(d, lambda d: visible(d, "nuptk"), "no check-in form")
        # the page's own error: five digits
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys("12345")
        d.find_element(By.ID, "lookup").click()
        wait(d, lambda d: text(d, "code-error") ==
             "Kode sesi harus 6 angka (9 angka bila layar fasilitator menunjukkan 9).",
             "no code error")
        switch(d, "en")
        assert text(d, "code-error") == \
            "The session code must be 6 digits (9 when the facilitator's screen shows 9)."
        # the box refuses a wrong code: in English, then in Indonesian
        wrong = "000000" if cb.staff.code(cb.sid) != "000000" else "111111"
        fill(d, None, lambda: wrong, "code-error")
        wait(d, lambda d: "Wrong session code" in text(d, "code-error"), "no wrong-code error")
        switch(d, "id")
        assert "Kode sesi salah" in text(d, "code-error"), text(d, "code-error")
        # the confirm step and "checked in"
        fill(d, None, lambda: cb.staff.code(cb.sid))
        assert text(d, "confirm-heading") == "Apakah ini Anda?"
        switch(d, "en")
        assert text(d, "confirm-heading") == "Is this you?", text(d, "confirm-heading")
        assert text(d, "session-title").startswith("Session:"), text(d, "session-title")
        draw_signature(d, d.find_element(By.ID, "pad"))
        d.find_element(By.ID, "submit").click()
        wait(d, lambda d: visible(d, "step-done"), "check-in not done")
        assert "checked in at" in text(d, "done-text"), text(d, "done-text")
        switch(d, "id")
        assert "tercatat hadir pukul" in text(d, "done-text"), text(d, "done-text")
    finally:
        boxes.close()


def test_claim_messages_follow_the_language(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att=LONG_CODES)
        cb.check_in(1)
        set_viewport(d, *PHONE)
        d.get(cb.base + "/klaim.html")
        d.execute_script("window.localStorage.clear()")
        d.refresh()
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(cb.sid),
             "session not offered")
        # the session's first day written out, as on the staff pages, not "2026-12-05"
        option = d.find_element(By.CSS_SELECTOR, "#session option:checked").text
        assert re.search(r"\((Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} \w+ \d{4}\)$",
                         option), option
        d.find_element(By.ID, "nuptk").send_keys(nuptk(1))
        d.find_element(By.ID, "code").send_keys(cb.staff.code(cb.sid))
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: visible(d, "flat-harian"), "no daily allowance button")
        d.find_element(By.ID, "flat-harian").click()
        d.find_element(By.ID, "flat-yes").click()
        wait(d, lambda d: text(d, "status").startswith("Klaim diajukan"), "no 'submitted' line")
        d.find_element(By.ID, "amount").send_keys("25rb")
        wait(d, lambda d: "tanpa sen" in text(d, "preview"), "no amount hint")
        switch(d, "en")
        wait(d, lambda d: "whole rupiah" in text(d, "preview"), "the amount hint stayed Indonesian")
        assert "Klaim diajukan" not in text(d, "status"), text(d, "status")
        wait(d, lambda d: "Daily training allowance" in text(d, "mine-rows"), "list not in English")
        wait(d, lambda d: re.search(r"\((Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
                                    r"\d{1,2} \w+ \d{4}\)$",
                                    d.find_element(By.CSS_SELECTOR, "#session option:checked")
                                    .get_attribute("textContent")),   # the form is folded away
             "session's day not in English")
    finally:
        boxes.close()
