"""The Wi-Fi page (admin-pemancar.html) opened without a login on a 360 px
phone says one thing, in the page's language: that it is the admin's and
one must log in, with a link to the login on the Facilitator page; no
login form, no error of the box, no empty Wi-Fi figures. The link comes
back to the Wi-Fi page after the login; a return address that is not a
page of the box is ignored."""
import os
import sys
from urllib.parse import urlsplit

from selenium.webdriver.common.by import By

from a11y import audit, switch_language
from conftest import SCREENSHOTS, fill_login, overflowing, set_viewport, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402

SAYS = {"id": "Wi-Fi dan HP yang tersambung\n"
              "Halaman ini hanya untuk admin: silakan masuk dulu.\n"
              "Masuk sebagai admin",
        "en": "Wi-Fi and connected phones\n"
              "This page is for the admin only: please log in first.\n"
              "Log in as the admin"}


def main_text(d):
    return d.find_element(By.ID, "main").text


def logged_out_page(d, lang):
    wait(d, lambda d: d.find_element(By.ID, "wifi-login").is_displayed()
         and main_text(d) == SAYS[lang], f"the page does not say only {SAYS[lang]!r}")
    assert not d.find_element(By.ID, "wifi-error").is_displayed()
    assert not d.find_element(By.ID, "wifi-view").is_displayed()
    assert not [f for f in d.find_elements(By.ID, "login-form") if f.is_displayed()]
    assert overflowing(d) == []


def login_here(d, user):
    wait(d, lambda d: d.find_element(By.ID, "login-form").is_displayed(), "no login form")
    fill_login(d, user, PASSWORD)


def test_wifi_page_logged_out_says_log_in_and_comes_back(browser):
    d = browser
    box, _ = started_box()
    try:
        add_staff(box, "admin1", "admin")
        d.delete_all_cookies()
        set_viewport(d, 360, 740)
        d.get(box.base + "/admin-pemancar.html")
        logged_out_page(d, "id")
        d.save_screenshot(os.path.join(SCREENSHOTS, "admin-wifi-logged-out-360.png"))
        link = d.find_element(By.ID, "wifi-login-link")
        href = urlsplit(link.get_attribute("href"))
        assert (href.path, href.query) == ("/petugas.html", "kembali=%2Fadmin-pemancar.html")
        # in English, also when the page is opened in English
        switch_language(d)
        logged_out_page(d, "en")
        d.refresh()
        logged_out_page(d, "en")
        d.get_log("browser")                       # the expected 401s
        audit(d, "admin-wifi, logged out")
        switch_language(d)
        logged_out_page(d, "id")

        # a return address that is no page of the box: the login stays here
        d.get(box.base + "/petugas.html?kembali=%2F%2Fcontoh.example%2Fa.html")
        login_here(d, "admin1")
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "login failed")
        assert urlsplit(d.current_url).path == "/petugas.html"
        d.find_element(By.ID, "logout").click()
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "not logged out")

        # the link: log in, and back on the Wi-Fi page, which opens
        d.get(box.base + "/admin-pemancar.html")
        logged_out_page(d, "id")
        d.find_element(By.ID, "wifi-login-link").click()
        login_here(d, "admin1")
        wait(d, lambda d: urlsplit(d.current_url).path == "/admin-pemancar.html",
             "the login did not come back to the Wi-Fi page")
        wait(d, lambda d: d.find_element(By.ID, "wifi-view").is_displayed(), "no Wi-Fi figures")
        assert not d.find_element(By.ID, "wifi-login").is_displayed()
        assert not d.find_element(By.ID, "wifi-error").is_displayed()
    finally:
        set_viewport(d, 360, 740)
        box.close()
