"""A teacher on both rosters of one day (morning and afternoon) at 360 px:
the daily allowance claimed in the morning session, the afternoon claim
page still offers it, and tapping it says in Indonesian words that it was
already claimed in the other session (a day is paid once), beside the
button tapped and in view (not at the foot of the page), with nothing
filed."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from a11y import audit
from conftest import SCREENSHOTS, Boxes, set_viewport, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import checkin, nuptk, roster_csv  # noqa: E402
from claims_util import ClaimBox  # noqa: E402

import requests  # noqa: E402

PHONE = (360, 640)


def test_second_sessions_allowance_is_refused_in_words(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att="code_period_s = 600\ncode_grace_s = 600\n")
        afternoon = cb.staff.create_session(title="Kelas Siang", days=2)
        assert cb.staff.roster(afternoon, roster_csv(1)).json()["accepted"] == 1
        am = cb.check_in(0)
        s, j = checkin(cb.box, "127.0.0.1", afternoon, nuptk(0), cb.staff.code(afternoon))
        assert s == 201, j
        r = requests.post(cb.base + "/api/v1/claims", json={
            "session": cb.sid, "nuptk": nuptk(0), "checkin": am, "item": "uang_harian"},
            timeout=30)
        assert r.status_code == 201, r.text

        set_viewport(d, *PHONE)
        d.get(cb.base + "/klaim.html")
        wait(d, lambda d: len(Select(d.find_element(By.ID, "session")).options) >= 2,
             "sessions not offered")
        Select(d.find_element(By.ID, "session")).select_by_value(str(afternoon))
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys(cb.staff.code(afternoon))
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_element(By.ID, "flat-harian").is_displayed(),
             "no daily allowance button")
        d.find_element(By.ID, "flat-harian").click()
        wait(d, lambda d: d.find_element(By.ID, "flat-confirm").is_displayed(), "no confirmation")
        d.find_element(By.ID, "flat-yes").click()
        msg = d.find_element(By.ID, "flat-error")
        wait(d, lambda d: msg.is_displayed() and msg.text, "no refusal shown")
        assert "sudah Anda ajukan di kegiatan lain" in msg.text, msg.text
        assert "satu hari dibayar sekali" in msg.text
        assert d.execute_script("var r = arguments[0].getBoundingClientRect();"
                                "return r.bottom > 0 && r.top < window.innerHeight;", msg)
        assert msg.get_attribute("role") == "alert"
        # the teacher stays where they tapped
        assert d.switch_to.active_element.get_attribute("id") == "flat-harian"
        assert "Uang harian" not in d.find_element(By.ID, "mine-rows").text
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        d.save_screenshot(os.path.join(SCREENSHOTS, "claims-two-sessions-refused.png"))
        audit(d, "claims, claimed in the other session", both_languages=False)
    finally:
        set_viewport(d, 360, 740)
        boxes.close()
