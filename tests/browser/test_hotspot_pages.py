"""The hotspot's pages in headless Chromium at 360 px: the captive portal,
the admin Wi-Fi view (phones from a lease file the test writes in dnsmasq's
format) and the printable poster. Screenshots: build/screenshots/."""
import os
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from a11y import audit
from conftest import PHONE, SCREENSHOTS, WAIT_S, set_viewport, staff_login
from pbtest import Box

PHONES = 7          # of 8 on the onboard radio: the admin page warns
ADMIN_PASSWORD = "rahasia-admin-1"


@pytest.fixture(scope="module")
def hotspot_box():
    b = Box(extra="short_name = belajar.lan",
            sections="[wifi]\nssid = PB Uji\npassphrase = rahasia-guru-9\n"
                     "[net]\naddress = 10.42.0.1\nlease_file = leases\n")
    with open(os.path.join(b.dir, "leases"), "w") as f:
        for i in range(PHONES):
            f.write(f"2000000000 aa:bb:cc:00:01:{i:02x} 10.42.0.{30 + i} hp-guru-{i} *\n")
    b.pbctl("user", "add", "admin", "--role", "admin", input=ADMIN_PASSWORD + "\n")
    b.start()
    yield b
    b.close()


def console_errors(d):
    return [e for e in d.get_log("browser") if e["level"] == "SEVERE"]


def wait(d):
    return WebDriverWait(d, WAIT_S)


def test_portal_page(browser, hotspot_box):
    d = browser
    set_viewport(d, *PHONE)
    d.get(hotspot_box.base + "/portal")
    wait(d).until(lambda drv: drv.find_element(By.ID, "portal-ip").text.startswith("http://"))
    assert d.find_element(By.ID, "portal-ip").text == f"http://10.42.0.1:{hotspot_box.port}"
    assert d.find_element(By.ID, "portal-url").text == "http://belajar.lan"
    assert d.find_element(By.ID, "accept").text == "Lanjut"
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    d.save_screenshot(os.path.join(SCREENSHOTS, "portal-360.png"))
    audit(d, "portal")
    # English on request, Indonesian first
    d.find_element(By.ID, "pb-lang").click()
    wait(d).until(lambda drv: drv.find_element(By.TAG_NAME, "h1").text
                  == "Welcome to the Pusat Belajar Wi-Fi")
    d.find_element(By.ID, "pb-lang").click()
    wait(d).until(lambda drv: drv.find_element(By.TAG_NAME, "h1").text
                  == "Selamat datang di Wi-Fi Pusat Belajar")
    d.find_element(By.ID, "accept").click()
    wait(d).until(EC.visibility_of_element_located((By.ID, "portal-done")))
    assert not d.find_element(By.ID, "accept-form").is_displayed()
    assert console_errors(d) == []
    audit(d, "portal after Lanjut")


def test_admin_wifi_page_warns_near_capacity(browser, hotspot_box):
    d = browser
    set_viewport(d, *PHONE)
    # without a login the page says so and links to the login
    d.get(hotspot_box.base + "/admin-pemancar.html")
    wait(d).until(EC.visibility_of_element_located((By.ID, "wifi-login")))
    assert "silakan masuk" in d.find_element(By.ID, "wifi-login").text
    d.get_log("browser")                       # the expected 401
    audit(d, "admin-wifi, not logged in")
    staff_login(d, hotspot_box, "admin", ADMIN_PASSWORD)
    d.get(hotspot_box.base + "/admin-pemancar.html")
    wait(d).until(lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#wifi-phones tr"))
                  == PHONES)
    assert d.find_element(By.ID, "wifi-ssid").text == "PB Uji"
    assert d.find_element(By.ID, "wifi-capacity").text == f"{PHONES} dari 8 HP"
    warning = d.find_element(By.ID, "wifi-warning")
    assert warning.is_displayed() and "hampir penuh" in warning.text
    assert "7–10 HP" in warning.text
    first = d.find_element(By.CSS_SELECTOR, "#wifi-phones tr").text
    assert "hp-guru-0" in first and "10.42.0.30" in first and "aa:bb:cc:00:01:00" in first
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    # plain Indonesian labels; the technical word only in small print under
    # them (.wifi-term) or in brackets after the plain words
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".wifi-facts dt")]
    assert labels == ["Nama Wi-Fi\nSSID", "Pemancar\nantarmuka radio",
                      "Saluran\nkanal, channel", "Muat berapa HP\nkapasitas"], labels
    plain = d.execute_script(
        "var m = document.getElementById('main').cloneNode(true),"
        " t = m.querySelectorAll('.wifi-term, .wifi-mac'), i;"
        " for (i = 0; i < t.length; i++) t[i].parentNode.removeChild(t[i]);"
        " document.body.appendChild(m); var s = m.innerText; m.parentNode.removeChild(m);"
        " return s;")
    plain = re.sub(r"\([^)]*\)", "", plain)
    jargon = re.findall(r"(?i)\b(ssid|hostapd|dhcp|chipset|firmware|access point|radio|kanal|"
                        r"channel|lease)\b|\bMAC\b|\bIP\b", plain)
    assert jargon == [], (jargon, plain)
    d.save_screenshot(os.path.join(SCREENSHOTS, "admin-wifi.png"))
    assert console_errors(d) == []
    audit(d, "admin-wifi")
    set_viewport(d, 1280, 800, mobile=False)
    try:
        audit(d, "admin-wifi, 1280 px", both_languages=False)
    finally:
        set_viewport(d, *PHONE)


def test_poster_prints_with_its_qr_code(browser, hotspot_box):
    d = browser
    staff_login(d, hotspot_box, "admin", ADMIN_PASSWORD)
    set_viewport(d, 794, 1123, mobile=False)        # A4 at 96 dpi
    try:
        d.get(hotspot_box.base + "/admin/wifi/poster")
        qr = d.find_element(By.CSS_SELECTOR, ".qr svg")
        assert qr.size["width"] > 300 and abs(qr.size["width"] - qr.size["height"]) < 2
        assert d.find_element(By.ID, "ssid").text == "PB Uji"
        assert d.find_element(By.ID, "password").text == "rahasia-guru-9"
        d.save_screenshot(os.path.join(SCREENSHOTS, "wifi-poster.png"))
        assert console_errors(d) == []
        audit(d, "Wi-Fi poster", both_languages=False)
    finally:
        set_viewport(d, *PHONE)
