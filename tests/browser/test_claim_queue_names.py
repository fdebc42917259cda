"""The facilitator's claim queue read by a screen reader at 360 px: each
row's checkbox and its Setujui / Tolak buttons are named with the teacher,
the item and the day (two claims of one teacher are not two identical
"Setujui"), and each name begins with the words on the button."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import Boxes, set_viewport, staff_login, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from claims_util import ClaimBox  # noqa: E402


def test_queue_controls_are_named_by_claim(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2)
        cb.check_in(0)
        for item in ("uang_harian", "uang_makan"):
            r = cb.claim(0, item)
            assert r.status_code == 201, r.text
        set_viewport(d, 360, 640)
        d.delete_all_cookies()
        staff_login(d, cb.box, "fasil", PASSWORD)
        d.get(cb.base + "/klaim-petugas.html")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue-rows .cl-decide button")) == 4,
             "no decision buttons")
        names = {}
        for b in d.find_elements(By.CSS_SELECTOR, "#queue-rows .cl-decide button, .pick-claim"):
            label = b.get_attribute("aria-label")
            if b.tag_name == "button":
                assert label.startswith(b.text + " "), (b.text, label)
            assert "Guru Nomor 0" in label, label
            names[label] = names.get(label, 0) + 1
        assert len(names) == 6 and set(names.values()) == {1}, names
        assert any("Uang makan" in n for n in names) and any("Uang harian" in n for n in names)
    finally:
        boxes.close()
