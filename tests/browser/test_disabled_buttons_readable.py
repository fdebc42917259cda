"""A button that cannot be used yet keeps a label one can read: the
admin's "Ekspor ke USB" with no stick in the box, and the teacher's
"Lanjut" while the check-in is on its way over a slow Wi-Fi, were dark
grey words on the dark blue of a main button (about 1.1:1), a blank
block on a 360 px phone. Every text on those pages is measured as in
test_modules_browser (WCAG AA, 4.5:1)."""
from selenium.webdriver.common.by import By

from conftest import PHONE, set_viewport, staff_login, wait
from pbtest import Box
from test_modules_browser import check_contrast

PASSWORD = "rahasia-admin-1"


def test_disabled_buttons_keep_a_readable_label(browser):
    d = browser
    b = Box()
    try:
        b.pbctl("init")
        b.pbctl("user", "add", "admin", "--role", "admin", input=PASSWORD + "\n")
        b.start()
        set_viewport(d, 360, 640)
        staff_login(d, b, "admin", PASSWORD)
        d.get(b.base + "/flashdisk.html")
        wait(d, lambda d: d.find_element(By.ID, "fd-view").is_displayed(), "no flashdisk view")
        wait(d, lambda d: "Tidak ada flashdisk" in d.find_element(By.ID, "fd-stick").text,
             "no 'no stick' line")
        assert not d.find_element(By.ID, "fd-export").is_enabled()
        assert "pb-btn-primary" in d.find_element(By.ID, "fd-export").get_attribute("class")
        check_contrast(d, "flashdisk, no stick")

        # the check-in's Lanjut as the page leaves it while the box answers
        d.get(b.base + "/presensi.html")
        wait(d, lambda d: d.find_element(By.ID, "lookup").is_displayed(), "no check-in form")
        d.execute_script("document.getElementById('lookup').disabled = true")
        check_contrast(d, "check-in, Lanjut on its way")
    finally:
        set_viewport(d, *PHONE)
        b.close()
