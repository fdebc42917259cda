"""The facilitator's claims page switched to English on a 360 px phone
says everything in English: the day picker was drawn once in Indonesian
("Semua hari", "Hari 1 (Senin, ...)") and stayed so, and "1 keputusan
disimpan." stayed under the English page; and back in Indonesian."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import PHONE, Boxes, set_viewport, staff_login, wait
from test_language_switch_messages import switch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from claims_util import ClaimBox  # noqa: E402


def day_options(d):
    return [o.text for o in Select(d.find_element(By.ID, "day")).options]


def test_day_picker_and_messages_follow_the_language(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2)
        cb.check_in(0)
        r = cb.claim(0, "uang_harian")
        assert r.status_code == 201, r.text
        set_viewport(d, *PHONE)
        staff_login(d, cb.box, "fasil", PASSWORD)
        d.get(cb.base + "/klaim-petugas.html")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")) == 1,
             "queue not shown")
        first = day_options(d)
        assert first[0] == "Semua hari" and first[1].startswith("Hari 1 ("), first
        d.find_element(By.XPATH, "//tbody[@id='queue-rows']//button"
                                 "[normalize-space()='Setujui']").click()
        wait(d, lambda d: d.find_element(By.ID, "status").text == "1 keputusan disimpan.",
             "decision not saved")
        Select(d.find_element(By.ID, "day")).select_by_index(1)     # a choice to keep

        switch(d, "en")
        wait(d, lambda d: day_options(d)[0] == "All days", "day picker still Indonesian")
        en = day_options(d)
        assert en[1].startswith("Day 1 (") and "Hari" not in " ".join(en), en
        assert Select(d.find_element(By.ID, "day")).first_selected_option.text == en[1]
        assert d.find_element(By.ID, "status").text == ""
        switch(d, "id")
        wait(d, lambda d: day_options(d) == first, "day picker not back in Indonesian")
    finally:
        boxes.close()
