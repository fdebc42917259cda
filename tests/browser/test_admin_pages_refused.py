"""Every admin-only page (MENU_PAGES in webapp/js/common.js: Wi-Fi, Kirim
data, Flashdisk) on a 360 px phone, opened by someone it refuses, says one
thing in the page's language (PB.adminOnly): logged out, that the page is
the admin's and to log in first, with a link to the login on the
Facilitator page that comes back to the page; as a facilitator, that the
page is the admin's and who is logged in. No login form, no error of the
box, none of the page's own figures."""
import os
import sys
from urllib.parse import quote, urlsplit

import pytest
from selenium.webdriver.common.by import By

from a11y import audit, switch_language
from conftest import SCREENSHOTS, fill_login, overflowing, set_viewport, staff_login, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402

# page: (its prefix of ids, its heading in Indonesian and in English)
PAGES = {"/admin-pemancar.html": ("wifi", "Wi-Fi dan HP yang tersambung",
                                  "Wi-Fi and connected phones"),
         "/admin-sinkron.html": ("sync", "Kirim data ke pusat", "Sending data to the office"),
         "/flashdisk.html": ("fd", "Flashdisk dan modul", "USB stick and modules")}
LOGGED_OUT = {"id": "Halaman ini hanya untuk admin: silakan masuk dulu.\nMasuk sebagai admin",
              "en": "This page is for the admin only: please log in first.\n"
                    "Log in as the admin"}
FACILITATOR = {"id": "Halaman ini hanya untuk admin. Anda masuk sebagai fasil (fasilitator): "
                     "keluar di halaman Fasilitator, lalu masuk sebagai admin.\n"
                     "Masuk sebagai admin",
               "en": "This page is for the admin only. You are logged in as fasil "
                     "(fasilitator): log out on the Facilitator page, then log in as the admin.\n"
                     "Log in as the admin"}


@pytest.fixture(scope="module")
def box():
    b, _ = started_box()
    try:
        add_staff(b, "admin1", "admin")
        yield b
    finally:
        b.close()


def says_only(d, page, lang, words):
    pre, heading_id, heading_en = PAGES[page]
    want = (heading_id if lang == "id" else heading_en) + "\n" + words[lang]
    wait(d, lambda d: d.find_element(By.ID, "main").text == want,
         f"{page} [{lang}] does not say only {want!r}")
    assert d.find_element(By.ID, pre + "-login").is_displayed()
    assert not d.find_element(By.ID, pre + "-error").is_displayed()
    assert not d.find_element(By.ID, pre + "-view").is_displayed()
    assert not d.find_elements(By.ID, "login-form")
    assert overflowing(d) == []
    href = urlsplit(d.find_element(By.ID, pre + "-login-link").get_attribute("href"))
    assert (href.path, href.query) == ("/petugas.html", "kembali=" + quote(page, safe=""))


@pytest.mark.parametrize("page", sorted(PAGES))
def test_logged_out_says_log_in_and_comes_back(browser, box, page):
    d = browser
    pre = PAGES[page][0]
    d.delete_all_cookies()
    set_viewport(d, 360, 740)
    d.get(box.base + page)
    says_only(d, page, "id", LOGGED_OUT)
    d.save_screenshot(os.path.join(SCREENSHOTS, f"{pre}-logged-out-360.png"))
    switch_language(d)
    says_only(d, page, "en", LOGGED_OUT)
    d.refresh()                                  # opened in English
    says_only(d, page, "en", LOGGED_OUT)
    d.get_log("browser")                         # the expected 401s
    audit(d, f"{page}, logged out")
    switch_language(d)
    says_only(d, page, "id", LOGGED_OUT)
    # the link: log in as the admin, and back on the page, which opens
    d.find_element(By.ID, pre + "-login-link").click()
    wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "no login form")
    fill_login(d, "admin1", PASSWORD)
    wait(d, lambda d: urlsplit(d.current_url).path == page, f"the login did not come back to {page}")
    wait(d, lambda d: d.find_element(By.ID, pre + "-view").is_displayed(), f"{page}: no view")
    assert not d.find_element(By.ID, pre + "-login").is_displayed()
    d.get_log("browser")


@pytest.mark.parametrize("page", sorted(PAGES))
def test_facilitator_is_told_the_page_is_the_admins(browser, box, page):
    d = browser
    d.delete_all_cookies()
    set_viewport(d, 360, 740)
    staff_login(d, box, "fasil", PASSWORD)
    d.get(box.base + page)
    says_only(d, page, "id", FACILITATOR)
    d.save_screenshot(os.path.join(SCREENSHOTS, f"{PAGES[page][0]}-facilitator-360.png"))
    switch_language(d)
    says_only(d, page, "en", FACILITATOR)
    d.get_log("browser")                         # the expected 403s
    switch_language(d)
    says_only(d, page, "id", FACILITATOR)
