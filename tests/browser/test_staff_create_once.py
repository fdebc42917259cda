"""A facilitator on a slow hotspot taps "Buat" twice while the first tap
is on its way: one session is made, not two (two would split the day's
check-ins and papers between twins of the same name)."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import set_viewport, staff_login, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402


def test_double_tap_on_create_makes_one_session(browser):
    d = browser
    box, api = started_box()
    try:
        set_viewport(d, 360, 640)
        d.delete_all_cookies()
        staff_login(d, box, "fasil", PASSWORD)
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
        d.find_element(By.ID, "c-title").send_keys("Kelas Sore IPA")
        # two taps in one go: the second lands before the box answers the first
        d.execute_script("var b = document.querySelector('#create-form button[type=submit]');"
                         "b.click(); b.click();")
        wait(d, lambda d: "dibuat" in d.find_element(By.ID, "status").text, "not created")
        titles = [s["title"] for s in api.get("/api/v1/sessions").json()["sessions"]]
        assert titles.count("Kelas Sore IPA") == 1, titles
        # the button works again for the next session
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
        button = d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]")
        assert button.is_enabled()
    finally:
        box.close()
