"""A facilitator marks by hand a teacher who is not on the roster (Tandai
manual, 360 px): the box asks for the name and the school of such a
walk-in, and the form has a field for each, so the school reaches the
list on the screen and the daftar hadir instead of staying empty."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import PHONE, set_viewport, started_box, wait
from test_staff_two_sessions import day_on_phone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import nuptk  # noqa: E402

SCHOOL = "SD Inpres Oepoi 2"


def test_walk_in_marked_with_name_and_school(browser):
    d = browser
    box, api = started_box()
    try:
        day_on_phone(d, box, "Guru Kelas KK B", f"NUPTK,Nama\n{nuptk(1)},Ani\n")
        sid = int(d.find_element(By.ID, "pick").get_attribute("value"))

        d.find_element(By.ID, "m-nuptk").send_keys(nuptk(7))
        d.find_element(By.ID, "m-name").send_keys("Maria Goreti Nahak")
        d.find_element(By.ID, "m-school").send_keys(SCHOOL)
        d.find_element(By.CSS_SELECTOR, "#mark-form button[type=submit]").click()
        wait(d, lambda d: "Tanda manual disimpan" in d.find_element(By.ID, "status").text,
             "walk-in not marked: " + d.find_element(By.ID, "error").text)
        wait(d, lambda d: SCHOOL in d.find_element(By.ID, "rows").text, "school not on the list")
        assert d.find_element(By.ID, "m-school").get_attribute("value") == ""  # ready for the next
        rows = {r["nuptk"]: r for r in api.day(sid)["rows"]}
        assert rows[nuptk(7)]["name"] == "Maria Goreti Nahak"
        assert rows[nuptk(7)]["school"] == SCHOOL
        assert rows[nuptk(7)]["walk_in"] is True

        # the label says it in the page's language
        d.find_element(By.ID, "pb-lang").click()
        wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "label[for=m-school]").text ==
             "School (if not on the list)", "label not in English")
    finally:
        set_viewport(d, *PHONE)
        box.close()
