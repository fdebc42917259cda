"""The captive portal as a phone's Wi-Fi sign-in window shows it (360×640,
an Android WebView's user agent): Lanjut is visible without scrolling,
teachers see no staff links (staff enter through the small "Masuk petugas"
link), and without JavaScript Lanjut lands on a page that says it worked
and links to the library."""
import os

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from a11y import audit
from conftest import SCREENSHOTS, WAIT_S, set_viewport
from pbtest import Box

WEBVIEW_UA = ("Mozilla/5.0 (Linux; Android 11; SM-A125F Build/RP1A.200720.012; wv) "
              "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36")
STAFF_PAGES = ("/petugas.html", "/klaim-petugas.html", "/admin-sinkron.html", "/admin-pemancar.html")


def test_sign_in_window_lanjut_no_staff_links_and_no_js(browser):
    d = browser
    box = Box(extra="short_name = belajar.lan",
              sections="[wifi]\nssid = PB Uji\npassphrase = rahasia-guru-9\n"
                       "[net]\naddress = 10.42.0.1\n")
    ua = d.execute_script("return navigator.userAgent")
    try:
        box.start()
        set_viewport(d, 360, 640)
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": WEBVIEW_UA})
        d.get(box.base + "/portal")
        WebDriverWait(d, WAIT_S).until(lambda d: d.find_element(By.ID, "pb-portal-banner"))
        WebDriverWait(d, WAIT_S).until(lambda d: d.find_element(By.ID, "pb-staff-link"))
        bottom = d.execute_script("return document.getElementById('accept')"
                                  ".getBoundingClientRect().bottom")
        assert 0 < bottom <= d.execute_script("return window.innerHeight"), bottom
        d.save_screenshot(os.path.join(SCREENSHOTS, "portal-signin-360x640.png"))
        audit(d, "portal in the sign-in window")
        links = [a.get_attribute("pathname") for a in
                 d.find_elements(By.CSS_SELECTOR, "#pb-header a")]
        assert links and not set(links) & set(STAFF_PAGES), links
        staff = d.find_element(By.ID, "pb-staff-link")
        assert staff.text == "Masuk petugas" and staff.get_attribute("pathname") == "/petugas.html"
        # Lanjut: the message points down to the address, which is below it
        d.find_element(By.ID, "accept").click()
        WebDriverWait(d, WAIT_S).until(lambda d: d.find_element(By.ID, "portal-done").is_displayed())
        assert "alamat di bawah ini" in d.find_element(By.ID, "portal-done").text
        assert d.execute_script(
            "return document.getElementById('portal-url').getBoundingClientRect().top >"
            " document.getElementById('portal-done').getBoundingClientRect().bottom")
        # the staff pages carry the staff menu
        d.get(box.base + "/klaim-petugas.html")
        WebDriverWait(d, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".pb-nav a"))
        nav = [a.get_attribute("pathname") for a in d.find_elements(By.CSS_SELECTOR, ".pb-nav a")]
        assert "/petugas.html" in nav and "/klaim-petugas.html" in nav

        # without JavaScript
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
        d.get(box.base + "/portal")
        d.find_element(By.ID, "accept").click()
        WebDriverWait(d, WAIT_S).until(lambda d: "lanjut=1" in d.current_url)
        assert d.find_element(By.TAG_NAME, "h1").text == "Tersambung"
        assert "Berhasil" in d.find_element(By.CSS_SELECTOR, ".portal-done").text
        lib = d.find_element(By.ID, "portal-library")
        assert lib.get_attribute("pathname") == "/"
        d.save_screenshot(os.path.join(SCREENSHOTS, "portal-nojs-done.png"))
    finally:
        d.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": ua})
        set_viewport(d, 360, 740)
        box.close()
