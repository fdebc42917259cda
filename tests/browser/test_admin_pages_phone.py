"""An administrator walks the admin pages (setup, Wi-Fi, Kirim data with
its update, Flashdisk) on a 360x640 phone in Android's in-app browser
(WebView), in Indonesian and in English. Each page fits the screen, every
button, menu entry and folded "technical details" is a 44 px target, and:
the Wi-Fi page's phones each show their address, device code and state
in view (the four-column table ran past the screen's edge, the state out
of sight); the sync page's "Rincian teknis" was a 21 px target; the setup
page broke the command to type inside its words ("pusat-" / "belajar.json").
Screenshots: build/screenshots/admin-phone-PAGE-LANG.png."""
import os
import sqlite3

import pytest
from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, assert_inside, overflowing, set_viewport, staff_login, wait
from pbtest import Box
from test_language_switch_messages import switch
from test_portal_window import WEBVIEW_UA

PASSWORD = "rahasia-admin-1"
PHONES = 7
TARGET_PX = 44

# Visible controls smaller than a finger: buttons, selects, text inputs,
# summaries, links drawn as buttons and the menu's links.
SMALL_JS = """
var out = [], all = document.querySelectorAll('button, select, summary, input, a'), i, e, r;
for (i = 0; i < all.length; i++) {
    e = all[i];
    r = e.getBoundingClientRect();
    if (!r.width || !r.height || (e.type === 'checkbox' || e.type === 'radio'))
        continue;
    if (e.tagName === 'A' && !e.closest('.pb-nav') && e.className.indexOf('pb-btn') < 0)
        continue;           /* a link inside a sentence */
    if (r.height < arguments[0] - 0.5)
        out.push(e.tagName + '#' + e.id + ' "' + e.textContent.slice(0, 30) + '" ' +
                 Math.round(r.width) + 'x' + Math.round(r.height));
}
return out;
"""


@pytest.fixture(scope="module")
def admin_box():
    b = Box(extra="short_name = belajar.lan",
            sections="[wifi]\nssid = PB Uji\npassphrase = rahasia-guru-9\n"
                     "[net]\naddress = 10.42.0.1\nlease_file = leases\n")
    try:
        with open(os.path.join(b.dir, "leases"), "w") as f:
            for i in range(PHONES):
                f.write(f"2000000000 aa:bb:cc:00:01:{i:02x} 10.42.0.{30 + i} hp-guru-{i} *\n")
        b.pbctl("init")
        b.pbctl("user", "add", "admin", "--role", "admin", input=PASSWORD + "\n")
        with sqlite3.connect(b.db_path()) as c:
            for k, v in (("sync.state", "offline"), ("sync.last_error", "hub not reachable"),
                         ("update.available", "9.1.0"), ("update.state", "ready")):
                c.execute("INSERT OR REPLACE INTO box_meta(key, value) VALUES (?, ?)", (k, v))
        b.start()
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def phone(browser, admin_box):
    d = browser
    d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": WEBVIEW_UA})
    set_viewport(d, 360, 640)
    staff_login(d, admin_box, "admin", PASSWORD)
    return d


def open_in(d, box, page, ready, lang):
    """The page, once its element `ready` shows, in lang."""
    d.get(box.base + page)
    wait(d, lambda d: d.find_element(By.ID, ready).is_displayed(), "no view on " + page)
    in_language(d, lang)


def in_language(d, lang):
    if d.execute_script("return document.documentElement.lang") != lang:
        switch(d, lang)


def fits(d, page, lang):
    assert overflowing(d) == [], (page, lang, overflowing(d))
    assert d.execute_script("return document.documentElement.scrollWidth") <= 360
    small = d.execute_script(SMALL_JS, TARGET_PX)
    assert small == [], (page, lang, small)
    d.save_screenshot(os.path.join(SCREENSHOTS, f"admin-phone-{page}-{lang}.png"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_wifi_phones_all_in_view(phone, admin_box, lang):
    d = phone
    d.get(admin_box.base + "/admin-pemancar.html")
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#wifi-phones tr")) == PHONES,
         "no phones")
    in_language(d, lang)
    wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#wifi-phones tr")) == PHONES,
         "no phones after the switch")
    region = d.find_element(By.CSS_SELECTOR, ".wifi-table")
    sizes = d.execute_script("return [arguments[0].scrollWidth, arguments[0].clientWidth]",
                             region)
    assert sizes[0] <= sizes[1], f"the phones scroll sideways: {sizes}"
    cells = d.find_elements(By.CSS_SELECTOR, "#wifi-phones td")
    assert_inside(d, cells, "a phone's detail")
    labels = d.execute_script(
        "return [].map.call(document.querySelectorAll('#wifi-phones tr:first-child td'),"
        " function (td) { return getComputedStyle(td, '::before').content; })")
    want = {"id": ['"Alamat (IP)"', '"Kode perangkat (MAC)"', '"Status"'],
            "en": ['"Address (IP)"', '"Device code (MAC)"', '"State"']}[lang]
    assert labels[1:] == want, labels
    # the device code on one line, not cut at a colon
    mac = d.find_element(By.CSS_SELECTOR, "#wifi-phones tr td.wifi-mac")
    assert d.execute_script("var r = document.createRange(); r.selectNodeContents("
                            "arguments[0].lastChild); return r.getClientRects().length", mac) == 1
    first = d.find_element(By.CSS_SELECTOR, "#wifi-phones tr").text
    assert "hp-guru-0" in first and "10.42.0.30" in first and "aa:bb:cc:00:01:00" in first
    d.execute_script("arguments[0].scrollIntoView()", region)
    fits(d, "wifi", lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_sync_and_update_page_targets(phone, admin_box, lang):
    d = phone
    open_in(d, admin_box, "/admin-sinkron.html", "sync-view", lang)
    summary = d.find_element(By.CSS_SELECTOR, "#sync-err-detail summary")
    wait(d, lambda d: summary.is_displayed(), "no technical details")
    assert summary.text == {"id": "Rincian teknis", "en": "Technical details"}[lang]
    assert summary.size["height"] >= TARGET_PX, summary.size
    assert d.find_element(By.ID, "sync-apply-btn").is_displayed()
    fits(d, "sync", lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_flashdisk_page_fits(phone, admin_box, lang):
    d = phone
    open_in(d, admin_box, "/flashdisk.html", "fd-export", lang)
    fits(d, "flashdisk", lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_setup_page_command_kept_whole(phone, admin_box, lang):
    d = phone
    d.get(admin_box.base + "/penyiapan.html")
    wait(d, lambda d: d.find_element(By.CSS_SELECTOR, ".pb-header .pb-centre").text,
         "the header was not drawn")
    in_language(d, lang)
    step = d.find_elements(By.CSS_SELECTOR, "main ol li")[1]
    assert step.text.startswith({"id": "Di komputer operator", "en": "On the operator's"}[lang])
    assert step.text.endswith("pb-fleet write pusat-belajar.json /media/PBBOOT"), step.text
    # each word of the command on one line: "pusat-belajar.json" not cut at its dash
    lines = d.execute_script(
        "return [].map.call(document.querySelectorAll('main ol li .pb-cmd span'),"
        " function (s) { return s.getClientRects().length; })")
    assert lines == [1, 1, 1, 1], lines
    words = d.execute_script("var r = document.createRange(), t = arguments[0], out = [], i;"
                             " for (i = 0; i < t.length; i++) {"
                             "  r.selectNodeContents(t[i]); out.push(r.getClientRects().length);"
                             " } return out;",
                             d.find_elements(By.CSS_SELECTOR, "main ol li .pb-cmd span"))
    assert words == [1, 1, 1, 1], words
    fits(d, "setup", lang)



def test_sync_answers_follow_a_language_switch(phone, admin_box):
    """"Kirim sekarang" with pb-sync not running: its answer under the
    button said "pb-sync tidak berjalan: periksa layanan pb-sync" (a
    technician's words) and stayed Indonesian on the English page."""
    d = phone
    open_in(d, admin_box, "/admin-sinkron.html", "sync-view", "id")
    d.find_element(By.ID, "sync-now").click()
    wait(d, lambda d: d.find_element(By.ID, "sync-status").text.startswith("Layanan pengiriman"),
         "no plain answer")
    assert "nyalakan ulang kotak" in d.find_element(By.ID, "sync-status").text
    switch(d, "en")
    assert d.find_element(By.ID, "sync-status").text.startswith(
        "The box's data sending service (pb-sync) is not running"), \
        d.find_element(By.ID, "sync-status").text


# The first time #fd-error shows: how far under the button tapped it is.
ERROR_PLACE_JS = """
var e = document.getElementById('fd-error'), b = document.getElementById(arguments[0]);
window.pbErrorGap = null;
new MutationObserver(function () {
    if (window.pbErrorGap === null && !e.hidden && e.textContent)
        window.pbErrorGap = e.getBoundingClientRect().top - b.getBoundingClientRect().bottom;
}).observe(e, {attributes: true, childList: true, characterData: true, subtree: true});
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="the stick is a tmpfs mount")
def test_flashdisk_failure_said_under_its_button(browser):
    """A stick is in but pb-sync is not running: "Ekspor ke USB"'s failure
    was said at the top of the page, far above the button, in the
    technician's words; now under the button, plainly, in each language."""
    import subprocess
    import tempfile
    d = browser
    stick = tempfile.mkdtemp(prefix=f"pbfd-{os.getpid()}-")
    b = Box(sections=f"[sync]\nusb_dir = {stick}\n")
    mounted = False
    try:
        b.pbctl("init")
        b.pbctl("user", "add", "admin", "--role", "admin", input=PASSWORD + "\n")
        b.start()
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "pbfd", stick], check=True)
        mounted = True
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": WEBVIEW_UA})
        set_viewport(d, 360, 640)
        staff_login(d, b, "admin", PASSWORD)
        for lang, words in (("id", "Layanan pengiriman data kotak (pb-sync) tidak berjalan"),
                            ("en", "The box's data sending service (pb-sync) is not running")):
            d.get(b.base + "/flashdisk.html")
            button = d.find_element(By.ID, "fd-export")
            wait(d, lambda d: button.is_displayed() and button.is_enabled(), "the stick is not seen")
            in_language(d, lang)
            d.execute_script(ERROR_PLACE_JS, "fd-export")
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
            button.click()
            wait(d, lambda d: d.execute_script("return window.pbErrorGap") is not None,
                 "no failure said")
            gap = d.execute_script("return window.pbErrorGap")
            assert 0 <= gap < 60, f"the failure is {gap:.0f} px from the button"
            wait(d, lambda d: words in d.find_element(By.TAG_NAME, "main").text,
                 "the failure not in plain words")
            d.save_screenshot(os.path.join(SCREENSHOTS, f"admin-phone-flashdisk-failed-{lang}.png"))
    finally:
        if mounted:
            subprocess.run(["umount", stick], check=False)
        b.close()
        os.rmdir(stick)
