"""The uplink page names the upstream server one way in each language:
the English page said "Sending data to the office" in its heading and
state, but "Office (hub)", "The hub cannot be reached", "downloaded from
the hub" in its facts, errors and update lines. Now every English word for
it on the page is "office", as the admin knows it (the Indonesian page
says "pusat" throughout, and "Pusat Belajar" where it means the centre
itself). Only pb-sync's own words, folded away as a technical detail,
keep "hub". Routes, options and API fields are unchanged."""
import json
import os
import re
import sqlite3

from selenium.webdriver.common.by import By

from conftest import PHONE, SCREENSHOTS, set_viewport, staff_login, wait
from test_admin_pages_phone import PASSWORD, admin_box  # noqa: F401  (a fixture)
from test_language_switch_messages import switch
WEBAPP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "webapp")
HUB = re.compile(r"\bhub\b", re.IGNORECASE)


def strings(lang):
    with open(os.path.join(WEBAPP, "locale", lang, "admin-sync.json"), encoding="utf-8") as f:
        return json.load(f)


def test_every_sync_message_says_office_in_english():
    """Every message the page may show (not only those on screen in the
    test below): no "hub" in English, none in Indonesian either."""
    for lang in ("en", "id"):
        said = {k: v for k, v in strings(lang).items() if HUB.search(v)}
        assert said == {}, f"{lang}: {said}"
    en = strings("en")
    assert en["sync.hub"] == "Office"
    assert "office" in en["sync.heading"]
    # Indonesian: "pusat" is the upstream; the centre itself is "Pusat Belajar"
    assert strings("id")["sync.apply_warning"].endswith("pasang saat Pusat Belajar sepi.")


def visible_main(d):
    return d.find_element(By.ID, "main").text


def test_english_sync_page_says_office(browser, admin_box):  # noqa: F811
    d, b = browser, admin_box
    with sqlite3.connect(b.db_path()) as c:      # an update on its way down
        c.execute("UPDATE box_meta SET value = 'downloading' WHERE key = 'update.state'")
    set_viewport(d, *PHONE)
    staff_login(d, b, "admin", PASSWORD)
    d.get(b.base + "/admin-sinkron.html")
    wait(d, lambda d: d.find_element(By.ID, "sync-view").is_displayed(), "no sync view")
    text = visible_main(d)
    assert not HUB.search(text), text
    assert "pusat" in text
    set_viewport(d, 360, 640)
    d.execute_script("document.getElementById('sync-err-text').scrollIntoView()")
    d.save_screenshot(os.path.join(SCREENSHOTS, "sync-office-id.png"))
    set_viewport(d, *PHONE)
    switch(d, "en")
    wait(d, lambda d: d.find_element(By.ID, "sync-err-text").text ==
         "The office cannot be reached. Check the internet link; "
         "the box will try again by itself.", "error not in English")
    text = visible_main(d)
    assert not HUB.search(text), text
    assert "Sending data to the office" in text
    assert d.find_element(By.ID, "sync-update").text == \
        "Version 9.1.0 is being downloaded from the office."
    # the fact's name beside the address
    dts = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#sync-view dt")
           if e.is_displayed()]
    assert "Office" in dts, dts
    # pb-sync's own words stay, as the technical detail they are
    d.find_element(By.CSS_SELECTOR, "#sync-err-detail summary").click()
    assert d.find_element(By.ID, "sync-err-raw").text == "hub not reachable"
    set_viewport(d, 360, 640)
    d.execute_script("document.getElementById('sync-err-text').scrollIntoView()")
    d.save_screenshot(os.path.join(SCREENSHOTS, "sync-office-en.png"))
    assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
