"""The staff menu on a 360 px phone: one row (a "Menu" button that opens
the list: aria-expanded, keyboard, Escape gives the focus back), only the
facilitator's login and the modules while logged out, once logged in the
staff pages the role may open (a facilitator not the admin's Wi-Fi, Kirim
data and Flashdisk, which still refuse it when opened by address; the
admin every page, each of which opens), a plain row of links on a wide
screen, and no staff menu at all on the projector view."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from a11y import audit
from conftest import SCREENSHOTS, overflowing, set_viewport, staff_login, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402

FACILITATOR = {"/klaim-petugas.html", "/cetak.html", "/hasil-belajar.html"}
# the admin's pages and what each shows once it opened
ADMIN_ONLY = {"/admin-pemancar.html": "wifi-view", "/admin-sinkron.html": "sync-view",
              "/flashdisk.html": "fd-view"}


def shown_links(d):
    return [a.get_attribute("pathname") for a in d.find_elements(By.CSS_SELECTOR, "#pb-nav a")
            if a.is_displayed()]


def nav_height(d):
    return d.execute_script("return document.getElementById('pb-nav').getBoundingClientRect().height")


def test_staff_menu_one_row_staff_entries_only_logged_in(browser):
    d = browser
    box, _ = started_box()
    try:
        d.delete_all_cookies()
        set_viewport(d, 360, 640)
        d.get(box.base + "/klaim-petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login")
        btn = d.find_element(By.ID, "pb-menu-btn")
        assert btn.is_displayed() and btn.text == "Menu"
        assert btn.get_attribute("aria-expanded") == "false"
        assert btn.get_attribute("aria-controls") == "pb-menu"
        assert shown_links(d) == []
        assert nav_height(d) <= 56, nav_height(d)       # one row of 48 px
        # the keyboard opens it; logged out it offers no staff page
        btn.send_keys(Keys.ENTER)
        wait(d, lambda d: btn.get_attribute("aria-expanded") == "true", "menu did not open")
        links = shown_links(d)
        assert links == ["/petugas.html", "/"], links
        assert overflowing(d) == []
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-menu-logged-out-360.png"))
        audit(d, "staff menu open, logged out", both_languages=False)
        d.find_element(By.CSS_SELECTOR, "#pb-nav a[href='/petugas.html']").send_keys(Keys.ESCAPE)
        wait(d, lambda d: btn.get_attribute("aria-expanded") == "false", "Escape did not close")
        assert d.switch_to.active_element == btn
        assert shown_links(d) == []

        # a facilitator: its staff pages, not the admin's; still one row until opened
        staff_login(d, box, "fasil", PASSWORD)
        d.get(box.base + "/cetak.html")
        btn = d.find_element(By.ID, "pb-menu-btn")
        assert nav_height(d) <= 56
        btn.click()
        wait(d, lambda d: FACILITATOR <= set(shown_links(d)), "staff entries missing")
        assert not set(ADMIN_ONLY) & set(shown_links(d)), shown_links(d)
        cur = d.find_element(By.CSS_SELECTOR, "#pb-nav a[aria-current='page']")
        assert cur.get_attribute("pathname") == "/cetak.html" and cur.is_displayed()
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-menu-open-360.png"))
        audit(d, "staff menu open, logged in", both_languages=False)
        btn.click()
        assert btn.get_attribute("aria-expanded") == "false" and shown_links(d) == []

        # a wide screen: the links in a row, no button
        set_viewport(d, 1024, 700, mobile=False)
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: FACILITATOR <= set(shown_links(d)), "wide menu lacks staff entries")
        assert not set(ADMIN_ONLY) & set(shown_links(d)), shown_links(d)
        assert not d.find_element(By.ID, "pb-menu-btn").is_displayed()
        assert nav_height(d) <= 56

        # the admin's pages, opened by address, still refuse a facilitator
        set_viewport(d, 360, 640)
        d.get(box.base + "/admin-pemancar.html")
        wait(d, lambda d: d.find_element(By.ID, "wifi-login").is_displayed(), "not refused")
        assert d.find_element(By.ID, "wifi-login-text").text.startswith(
            "Halaman ini hanya untuk admin. Anda masuk sebagai fasil")
        assert not d.find_element(By.ID, "wifi-view").is_displayed()
        d.find_element(By.ID, "pb-menu-btn").click()
        wait(d, lambda d: FACILITATOR <= set(shown_links(d)), "staff entries missing")
        assert not set(ADMIN_ONLY) & set(shown_links(d)), shown_links(d)
        for page, view in ADMIN_ONLY.items():
            d.get(box.base + page)
            wait(d, lambda d: "Hanya admin" in d.find_element(By.ID, "main").text
                 or "hanya untuk admin" in d.find_element(By.ID, "main").text,
                 f"{page} not refused")
            assert not d.find_element(By.ID, view).is_displayed(), page
        d.get_log("browser")                      # the expected 403s
        set_viewport(d, 1024, 700, mobile=False)
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "petugas not shown")

        # logging out hides the staff entries again
        d.find_element(By.ID, "logout").click()
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "not logged out")
        assert shown_links(d) == ["/petugas.html", "/"]

        # the admin: every staff page listed, and each of the admin's opens
        set_viewport(d, 360, 640)
        add_staff(box, "admin1", "admin")
        staff_login(d, box, "admin1", PASSWORD)
        d.find_element(By.ID, "pb-menu-btn").click()
        wait(d, lambda d: FACILITATOR | set(ADMIN_ONLY) <= set(shown_links(d)),
             "the admin's menu lacks pages")
        for page, view in ADMIN_ONLY.items():
            d.get(box.base + page)
            wait(d, lambda d: d.find_element(By.ID, view).is_displayed(), f"{page} did not open")
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "petugas not shown")
        d.find_element(By.ID, "logout").click()
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "not logged out")

        # the projector view carries no menu
        set_viewport(d, 360, 640)
        d.get(box.base + "/proyektor.html")
        wait(d, lambda d: d.find_element(By.ID, "pb-lang").text, "no header")
        assert d.find_elements(By.CSS_SELECTOR, "#pb-header nav, #pb-header a[href='/cetak.html']") == []
    finally:
        set_viewport(d, 360, 740)
        box.close()
