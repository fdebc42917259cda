"""The programme office's page on pb-hub (kantor.html) in headless Chromium,
at 360 px and at 1280 px, over a throwaway PostgreSQL holding two boxes'
data uploaded by pb-sync: a wrong password said in Indonesian, the login,
every section, a USB stick's outbox sent as a zip (its signed
acknowledgement offered back), revoking a box after its confirmation, marking two claims
paid in bulk (they leave the approved list, the paid list names who did
it), a kantor account that sees no such buttons, an export downloaded with
the login's cookie, and axe-core on each state in both languages.
Screenshots: build/screenshots/."""
import json
import os
import urllib.parse

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from a11y import audit
from conftest import PHONE, SCREENSHOTS, set_viewport, wait
from officeweb import add_user, fill, office_hub, offline_box, stick_of, zip_folder
from uplink_fixtures import boxes, pg, tmpdir_hub  # noqa: F401  (fixtures)

LAPTOP = (1280, 800)
ADMIN_PW = "rahasia-bendahara-1"
STAFF_PW = "rahasia-staf-0001"


def shown(d, el_id):
    return d.find_element(By.ID, el_id).is_displayed()


def login(d, hub, user, password):
    d.delete_all_cookies()
    d.get(hub.base + "/kantor.html")
    wait(d, lambda drv: shown(drv, "k-login"), "the login form")
    u, p = d.find_element(By.ID, "k-user"), d.find_element(By.ID, "k-password")
    u.clear()
    u.send_keys(user)
    p.send_keys(password)
    d.find_element(By.ID, "k-login-btn").click()


def tab(d, name):
    d.find_element(By.ID, "k-tab-" + name).click()
    wait(d, lambda drv: shown(drv, "k-" + name) and
         drv.find_element(By.ID, "k-tab-" + name).get_attribute("aria-pressed") == "true",
         name)


def no_page_overflow(d, where):
    """The page itself never scrolls sideways (tables scroll in their box)."""
    w = d.execute_script("return document.documentElement.scrollWidth")
    vw = d.execute_script("return window.innerWidth")
    assert w <= vw, f"{where}: the page is {w} px wide in a {vw} px window"


def walk(d, hub, made, size, label):
    set_viewport(d, *size, mobile=size[0] < 600)
    # a wrong password: refused in Indonesian, the form stays
    login(d, hub, "bendahara", "salah-sekali")
    wait(d, lambda drv: shown(drv, "k-error"), "the refusal")
    assert d.find_element(By.ID, "k-error").text == "Nama pengguna atau kata sandi salah."
    assert shown(d, "k-login") and not shown(d, "k-app")
    audit(d, f"office login {label}")

    login(d, hub, "bendahara", ADMIN_PW)
    wait(d, lambda drv: shown(drv, "k-app"), "the office's view")
    assert "bendahara" in d.find_element(By.ID, "k-who").text
    # boxes: both centres, their health, a revoke button each
    wait(d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#k-boxes-list tbody tr")) == 2,
         "two boxes")
    text = d.find_element(By.ID, "k-boxes-list").text
    assert "PB-JATIM-01" in text and "PB-NTT-02" in text
    # no box reported a version yet: no version is called old
    assert d.find_element(By.ID, "k-boxes-thresholds").text == (
        "Ditandai: diam lebih dari 3 hari, ruang kosong kurang dari 1024 MB, tegangan kurang.")
    no_page_overflow(d, f"boxes {label}")
    audit(d, f"office boxes {label}")
    d.save_screenshot(os.path.join(SCREENSHOTS, f"office-boxes-{label}.png"))

    # activities with attendance and JP
    tab(d, "activities")
    wait(d, lambda drv: "Diklat Matematika KK-A" in drv.find_element(By.ID, "k-activities-list").text,
         "the activities")
    row = [r for r in d.find_elements(By.CSS_SELECTOR, "#k-activities-list tbody tr")
           if "Diklat Matematika" in r.text][0]
    assert row.find_elements(By.TAG_NAME, "td")[-1].text == "24"      # 3 person-days x 8 JP
    no_page_overflow(d, f"activities {label}")
    audit(d, f"office activities {label}")

    # exports: the links download with the login's cookie
    tab(d, "exports")
    link = d.find_element(By.XPATH, "//a[contains(@href, 'export/claims.csv')]")
    cookie = {c["name"]: c["value"] for c in d.get_cookies()}
    r = requests.get(link.get_attribute("href"), cookies=cookie, timeout=30)
    assert r.status_code == 200 and r.text.startswith("centre_id,session_id,claim_id")
    audit(d, f"office exports {label}")

    tab(d, "conflicts")
    wait(d, lambda drv: "Tidak ada konflik" in drv.find_element(By.ID, "k-conflicts-list").text,
         "no conflicts")


def test_office_page_at_360_and_1280(browser, boxes, pg, tmpdir_hub):  # noqa: F811
    d = browser
    hub = office_hub(pg, tmpdir_hub, args=["-k", os.path.join(tmpdir_hub, "hub.key")])
    try:
        made = fill(boxes, hub)
        add_user(hub, "bendahara", "kantor-admin", ADMIN_PW)
        add_user(hub, "staf", "kantor", STAFF_PW)
        walk(d, hub, made, LAPTOP, "1280")
        walk(d, hub, made, PHONE, "360")

        # claims at 360 px: choose the two approved ones of Jatim, mark them paid
        tab(d, "claims")
        wait(d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, ".k-pick")) == 3,
             "three approved claims to choose")
        assert not d.find_element(By.ID, "k-pay-btn").is_enabled()
        audit(d, "office claims 360")
        for cb in d.find_elements(By.CSS_SELECTOR, ".k-pick"):
            if cb.get_attribute("data-claim") in ("C1", "C2"):
                d.execute_script("arguments[0].scrollIntoView({block: 'center'})", cb)
                cb.click()
        assert d.find_element(By.ID, "k-pay-count").text == "2 klaim dipilih"
        d.find_element(By.ID, "k-pay-ref").send_keys("SP2D-77")
        d.find_element(By.ID, "k-pay-btn").click()
        wait(d, lambda drv: drv.find_element(By.ID, "k-status").text == "2 ditandai dibayar",
             "the payment's result")
        assert [c.get_attribute("data-claim") for c in
                d.find_elements(By.CSS_SELECTOR, ".k-pick")] == ["C4"]
        d.save_screenshot(os.path.join(SCREENSHOTS, "office-claims-360.png"))
        Select(d.find_element(By.ID, "k-claims-status")).select_by_value("paid")
        wait(d, lambda drv: "SP2D-77" in drv.find_element(By.ID, "k-claims-list").text,
             "the paid claims")
        assert d.find_element(By.ID, "k-claims-list").text.count("bendahara") == 2
        assert hub.sql("SELECT count(*) FROM payments WHERE paid_by = 'bendahara'") == "2"

        # a stick from a centre without internet, zipped, sent from the page
        u = offline_box(boxes, hub, "PB-USB-03")
        stick = stick_of(u, os.path.join(tmpdir_hub, "stick"), "1231231231231231",
                         "2026-11-20", 4)
        zpath = os.path.join(tmpdir_hub, "stick.zip")
        zip_folder(stick, zpath)
        tab(d, "import")
        picker = d.find_element(By.ID, "k-import-file").find_element(By.XPATH, "..")
        assert "Pilih berkas" in picker.text and "Belum ada berkas dipilih" in picker.text
        d.find_element(By.ID, "k-import-file").send_keys(zpath)
        wait(d, lambda drv: "stick.zip" in picker.text, "the chosen zip not named")
        d.save_screenshot(os.path.join(SCREENSHOTS, "office-import-360.png"))
        d.find_element(By.ID, "k-import-btn").click()
        wait(d, lambda drv: "4 catatan baru" in drv.find_element(By.ID, "k-import-result").text,
             "the stick's result")
        ack = d.find_element(By.CSS_SELECTOR, "a.k-ack")
        assert ack.get_attribute("download") == "ack.json"
        doc = json.loads(urllib.parse.unquote(ack.get_attribute("href").split(",", 1)[1]))
        assert doc["acked"] == 4
        audit(d, "office import 360")

        # revoke the NTT box, after saying yes to the question
        tab(d, "boxes")
        ntt = hub.sql("SELECT box_id FROM boxes WHERE centre_id = 'PB-NTT-02'")
        btn = d.find_element(By.CSS_SELECTOR, f".k-revoke[data-box='{ntt}']")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", btn)
        # asked in the page (PB.ask), in the box's cell, the focus on the
        # question; Batal and Escape revoke nothing and give the focus back
        for leave in ("Batal", "Escape"):
            btn.click()
            wait(d, lambda drv: shown(drv, "k-revoke-yes"), "the confirmation")
            assert d.switch_to.active_element.get_attribute("id") == "k-revoke-question"
            if leave == "Batal":
                d.find_element(By.ID, "k-revoke-no").click()
            else:
                d.switch_to.active_element.send_keys(Keys.ESCAPE)
            wait(d, lambda drv: not shown(drv, "k-revoke-yes"), f"{leave} left the question")
            assert d.switch_to.active_element == btn
        btn.click()
        wait(d, lambda drv: shown(drv, "k-revoke-yes"), "the confirmation")
        ask = d.find_element(By.CLASS_NAME, "k-confirm")
        assert "PB-NTT-02" in ask.text
        assert ask.find_element(By.XPATH, "ancestor::td") is not None      # in the box's row
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        assert hub.sql("SELECT count(*) FROM boxes WHERE revoked_at IS NOT NULL") == "0"
        audit(d, "office revoke question 360")
        d.find_element(By.ID, "k-revoke-yes").click()
        wait(d, lambda drv: "dicabut" in drv.find_element(By.ID, "k-boxes-list").text,
             "the revoked box")
        assert hub.sql("SELECT box_id FROM boxes WHERE revoked_at IS NOT NULL") == ntt

        # logging out brings the form back; a reload does not log in again
        d.find_element(By.ID, "k-logout").click()
        wait(d, lambda drv: shown(drv, "k-login"), "the login form after logout")
        d.refresh()
        wait(d, lambda drv: shown(drv, "k-login"), "the login form after reload")

        # kantor: reads everything, is offered no revoke, pay or resolve
        login(d, hub, "staf", STAFF_PW)
        wait(d, lambda drv: shown(drv, "k-app"), "the kantor view")
        wait(d, lambda drv: len(drv.find_elements(By.CSS_SELECTOR, "#k-boxes-list tbody tr")) == 3,
             "three boxes, the stick's too")
        assert not d.find_elements(By.CSS_SELECTOR, ".k-revoke")
        tab(d, "claims")
        wait(d, lambda drv: "Maria Ndun" in drv.find_element(By.ID, "k-claims-list").text,
             "the approved claim")
        assert not d.find_elements(By.CSS_SELECTOR, ".k-pick") and not shown(d, "k-pay")
        assert not shown(d, "k-tab-import")
        # English too
        d.find_element(By.ID, "pb-lang").click()
        wait(d, lambda drv: drv.find_element(By.ID, "k-tab-claims").text == "Claims", "English")
        assert "Approved" in d.find_element(By.ID, "k-claims-list").text
        d.find_element(By.ID, "pb-lang").click()
        errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"
                  and "401" not in e["message"]]
        assert not errors, errors
    finally:
        print(hub.daemon.output() if hub.daemon else "")
        hub.stop()
