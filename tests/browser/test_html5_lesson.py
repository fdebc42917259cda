"""An HTML5 lesson on a 360 px phone: the module page links it ("Buka
pelajaran"); the lesson opens under its own prefix with its style sheet,
script and picture loaded by relative paths (the script writes into the
page, the style colours it), and a link to another page of the lesson
works. The lesson runs sandboxed: while a facilitator is logged in on the
same browser, its script cannot read /api/v1/me (opaque origin)."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import PHONE, SCREENSHOTS, set_viewport, staff_login, wait
from pbtest import Box

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402
from html5_util import MODULE, lesson_zip, write_module  # noqa: E402


def test_lesson_opens_from_the_module_page_sandboxed(browser, tmp_path):
    box = Box().start()
    try:
        add_staff(box)
        sha = write_module(str(tmp_path / "usb"), lesson_zip())
        box.pbctl("content", "import", str(tmp_path / "usb"))
        d = browser
        set_viewport(d, *PHONE)
        staff_login(d, box, "fasil", PASSWORD)
        d.get(f"{box.base}/#/m/{MODULE}")
        link = wait(d, lambda x: x.find_element(By.CSS_SELECTOR, "a.pb-lesson"),
                    "the lesson's link on the module page")
        assert link.text == "Buka pelajaran"
        assert link.get_attribute("href") == f"{box.base}/h/{sha}/index.html"
        d.save_screenshot(os.path.join(SCREENSHOTS, "html5-lesson-module.png"))
        link.click()
        wait(d, lambda x: x.find_element(By.TAG_NAME, "body").get_attribute("data-me"),
             "the lesson's script to run")
        assert d.current_url == f"{box.base}/h/{sha}/index.html"
        hasil = d.find_element(By.ID, "hasil")
        assert hasil.text == "skrip jalan"                                # js/app.js ran
        assert hasil.value_of_css_property("color") == "rgba(0, 128, 0, 1)"  # css/gaya.css
        assert d.execute_script(                                           # img/titik.png
            "var i = document.querySelector('img'); return i.complete && i.naturalWidth;") == 1
        # the lesson's origin is opaque: the box's API answers nothing to it
        me = d.find_element(By.TAG_NAME, "body").get_attribute("data-me")
        assert me == "tertolak", me
        assert d.execute_script("return window.origin") == "null"
        d.save_screenshot(os.path.join(SCREENSHOTS, "html5-lesson-open.png"))
        d.find_element(By.LINK_TEXT, "Bab dua").click()
        wait(d, lambda x: x.title == "Bab 2", "the lesson's second page")
        assert d.current_url == f"{box.base}/h/{sha}/bab/dua.html"
        d.get_log("browser")
        # the box's own page, same browser: the login is still there
        d.get(box.base + "/petugas.html")
        assert "fasil" in d.execute_script(
            "var x = new XMLHttpRequest(); x.open('GET', '/api/v1/me', false); x.send();"
            "return x.status + ' ' + x.responseText;")
    finally:
        box.close()
