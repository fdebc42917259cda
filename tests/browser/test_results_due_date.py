"""A facilitator's results page (hasil-belajar.html) on a 360 px phone
writes a worksheet's due date out as the teacher's page does ("Kamis, 31
Januari 2030", "Thursday, 31 January 2030" in English), not as the
box's 2030-01-31."""
import os
import sys

import requests
from selenium.webdriver.common.by import By

from a11y import switch_language
from conftest import PHONE, Boxes, overflowing, set_viewport, staff_login, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from learning_util import MODULE, LearnBox, nuptk  # noqa: E402


def rows(d):
    return d.find_element(By.ID, "worksheet-rows").text


def test_results_write_the_due_date_out(browser, tmp_path):
    d = browser
    boxes = Boxes()
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=1)
        # a teacher sends the worksheet: the results then have its row
        r = requests.post(lb.base + "/api/v1/learning/worksheets", timeout=60, json={
            "session": lb.sid, "nuptk": nuptk(0), "checkin": lb.proof[0], "module": MODULE,
            "worksheet": "lk1", "text": "Rangkaian seri dengan dua lampu"})
        assert r.status_code == 200, r.text
        set_viewport(d, *PHONE)
        staff_login(d, lb, "fasil", PASSWORD)
        d.get(lb.base + "/hasil-belajar.html?session=%d" % lb.sid)
        wait(d, lambda d: "LK 1 Rangkaian Seri" in rows(d), "no worksheet row")
        assert "LK 1 Rangkaian Seri (Kamis, 31 Januari 2030)" in rows(d), rows(d)
        assert "2030-01-31" not in d.find_element(By.ID, "main").text
        assert overflowing(d) == []
        switch_language(d)
        wait(d, lambda d: "(Thursday, 31 January 2030)" in rows(d), "due date not in English")
        assert "2030-01-31" not in d.find_element(By.ID, "main").text
        switch_language(d)
    finally:
        set_viewport(d, *PHONE)
        boxes.close()
