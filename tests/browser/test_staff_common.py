"""The staff pages share one login and one session picker
(webapp/js/staff-common.js), at 360 px: every staff page draws the login
form and answers a wrong password in Indonesian, and too many wrong ones
with the lockout; one login serves all the pages, and the session chosen on
one page is the one the next page opens on (in its address too), the
address winning over the last choice."""
import os
import re
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402
from a11y import audit  # noqa: E402
from conftest import (PHONE, SCREENSHOTS, fill_login, overflowing, set_viewport,  # noqa: E402
                      started_box, wait)

# Every page with the login form, and the element that shows it (the
# admin-only pages link to the login instead: test_admin_pages_refused.py).
FORM_PAGES = ["petugas.html", "klaim-petugas.html", "hasil-belajar.html", "cetak.html"]
FAIL_MAX = 3                     # login_fail_max set below: the last page is locked out
BAD_LOGIN = "Nama pengguna atau kata sandi salah"
LOCKED_OUT = "Terlalu banyak percobaan masuk yang gagal"


def login_error(d, page, user, password):
    d.get(d.base + "/" + page)
    wait(d, lambda d: d.find_elements(By.ID, "login-form")
         and d.find_element(By.ID, "login-form").is_displayed(), f"no login form on {page}")
    fill_login(d, user, password)
    wait(d, lambda d: d.find_element(By.ID, "login-error").is_displayed(), f"no error on {page}")
    assert d.find_element(By.ID, "login-error").get_attribute("role") == "alert"
    assert d.find_element(By.ID, "password").get_attribute("value") == ""
    assert overflowing(d) == [], page
    return d.find_element(By.ID, "login-error").text


def chosen(d, page):
    """The page opened without a session in its address, once it is drawn
    and logged in: the session its picker chose and the address's."""
    d.get(d.base + "/" + page)
    wait(d, lambda d: re.search(r"[?&]session=\d+", d.current_url), f"no session in {page}'s address")
    assert not d.find_element(By.ID, "pb-login").is_displayed(), f"{page} asks to log in again"
    pick = d.find_element(By.ID, "pick")
    return pick.get_attribute("value"), re.search(r"[?&]session=(\d+)", d.current_url).group(1)


def test_one_login_and_one_session_choice_across_staff_pages(browser):
    d = browser
    box, api = started_box(sections=f"[attendance]\nlogin_fail_max = {FAIL_MAX}\n")
    try:
        add_staff(box, "tamu")
        first = str(api.create_session(title="Diklat Satu"))
        second = str(api.create_session(title="Diklat Dua"))
        title = {first: "Diklat Satu", second: "Diklat Dua"}
        set_viewport(d, *PHONE)
        d.base = box.base

        # a wrong password, on every page with the form: the box's words in
        # Indonesian, then the lockout once login_fail_max is passed
        for i, page in enumerate(FORM_PAGES):
            text = login_error(d, page, "tamu", "salah-" + str(i))
            if i < FAIL_MAX:
                assert text == BAD_LOGIN, (page, text)
            else:
                assert text.startswith(LOCKED_OUT), (page, text)
                # said once, with the minutes (login_lockout_s), not "try
                # again later" followed by "can be tried again in 5 minutes"
                assert re.fullmatch(LOCKED_OUT + r"\. Bisa dicoba lagi dalam \d+ menit\.",
                                    text), text
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-login-locked-360.png"))
        audit(d, "staff login, locked out", both_languages=False)
        d.get_log("browser")      # the refused logins are logged by Chromium

        # one login, on the claims page
        d.get(box.base + "/klaim-petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "no login form")
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "login failed")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#pick option")) == 3,
             "sessions not listed")
        # choose the session the page would not choose by itself (both run
        # today: it takes the first listed); "first" is then the other one
        default = d.find_element(By.ID, "pick").get_attribute("value")
        assert default in (first, second)
        second, first = (first, second) if default == second else (second, first)
        Select(d.find_element(By.ID, "pick")).select_by_value(second)
        wait(d, lambda d: re.search(r"[?&]session=" + second + r"(&|$)", d.current_url),
             "the choice is not in the address")

        # the other staff pages: still logged in, on the same session
        for page in ["hasil-belajar.html", "petugas.html", "klaim-petugas.html"]:
            assert chosen(d, page) == (second, second), page
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "s-title").text == title[second],
             "staff page not on the chosen session")
        d.get(box.base + "/cetak.html")
        wait(d, lambda d: d.find_element(By.ID, "pick-form").is_displayed(), "no picker")
        assert d.find_element(By.ID, "pick").get_attribute("value") == second
        # nothing open yet: no list of papers hanging after its label, and
        # the tab named after the page, not after a paper
        assert not d.find_element(By.ID, "docs").is_displayed()
        assert d.title.startswith("Cetak berkas"), d.title

        # a session in the address wins, and is the choice from then on
        d.get(box.base + "/hasil-belajar.html?session=" + first)
        wait(d, lambda d: d.find_element(By.ID, "pick").get_attribute("value") == first,
             "the address's session not chosen")
        assert chosen(d, "klaim-petugas.html") == (first, first)
        d.get(box.base + "/cetak.html?session=" + first + "&doc=nominatif")
        wait(d, lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1"
             or title[first] in d.find_element(By.ID, "paper").text, "paper not drawn")
        assert d.find_element(By.ID, "docs").is_displayed()
        assert d.title.startswith("Daftar nominatif"), d.title
        assert chosen(d, "petugas.html") == (first, first)
        assert overflowing(d) == []
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-common-360.png"))

        # logging out on one page logs out of all
        d.find_element(By.ID, "logout").click()
        wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "not logged out")
        d.get(box.base + "/hasil-belajar.html")
        wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "still logged in")
        assert not d.find_element(By.ID, "app-view").is_displayed()
        d.get_log("browser")
    finally:
        box.close()
