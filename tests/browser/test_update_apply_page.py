"""The admin installs a downloaded release from /admin-sinkron.html in
headless Chromium at 360 px: "Pasang sekarang" appears only while a
release is ready, asks to confirm in the page (Batal and Escape ask
nothing and give the focus back), an open session
day is named and installs nothing, and once asked the page says the
version is being installed and the request file pb-update-apply.path
watches on the image is there (here in a folder of the test's). The
release state is set in box_meta the way pb-sync leaves it; what
pbctl update apply leaves when it does not install (update.error) is
then explained on the page. Screenshot: build/screenshots/."""
import os
import sqlite3

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from a11y import audit
from conftest import (PHONE, SCREENSHOTS, WAIT_S, overflowing, set_viewport, staff_login,
                      started_box)

PASSWORD = "rahasia-fasil-1"   # attendance_util's, for every account it adds


def set_meta(box, **kv):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        for k, v in kv.items():
            c.execute("INSERT OR REPLACE INTO box_meta(key, value) VALUES (?, ?)", (k, v))


def shown(d, id_):
    return d.find_element(By.ID, id_).is_displayed()


def test_install_from_the_admin_page(browser, tmp_path):
    d = browser
    run = tmp_path / "pb-update"
    run.mkdir(mode=0o750)
    request = run / "apply"
    box, fasil = started_box(f"[update]\napply_request = {request}\n")
    try:
        from attendance_util import add_staff
        add_staff(box, "admin", "admin")
        set_viewport(d, *PHONE)
        staff_login(d, box, "admin", PASSWORD)
        d.get(box.base + "/admin-sinkron.html")
        w = WebDriverWait(d, WAIT_S)
        w.until(lambda drv: shown(drv, "sync-view"))
        # nothing downloaded: no button
        assert "Tidak ada pembaruan" in d.find_element(By.ID, "sync-update").text
        assert not shown(d, "sync-apply") and not shown(d, "sync-apply-btn")

        # downloading: still none
        set_meta(box, **{"update.available": "9.1.0", "update.state": "downloading"})
        d.refresh()
        w.until(lambda drv: "sedang diunduh" in drv.find_element(By.ID, "sync-update").text)
        assert not shown(d, "sync-apply-btn")

        # ready: the button, with its warning, pointing at itself in the state line
        set_meta(box, **{"update.state": "ready"})
        d.refresh()
        w.until(lambda drv: shown(drv, "sync-apply-btn"))
        upd = d.find_element(By.ID, "sync-update").text
        assert "9.1.0" in upd and "Pasang sekarang" in upd and "pbctl" not in upd, upd
        btn = d.find_element(By.ID, "sync-apply-btn")
        assert btn.text == "Pasang sekarang"
        warn = d.find_element(By.ID, "sync-apply-warn").text
        assert "menyala ulang" in warn and "versi lama" in warn and "hari kegiatan" in warn
        assert overflowing(d) == []

        # it asks first, in the page (PB.ask), the focus on the question;
        # Batal and Escape ask nothing and give the focus back to the button
        btn.click()
        w.until(lambda drv: shown(drv, "sync-apply-confirm"))
        assert "9.1.0" in d.find_element(By.ID, "sync-apply-ask").text
        assert d.switch_to.active_element.get_attribute("id") == "sync-apply-ask"
        assert overflowing(d) == []
        d.save_screenshot(os.path.join(SCREENSHOTS, "admin-update-confirm.png"))
        d.find_element(By.ID, "sync-apply-no").click()
        w.until(lambda drv: not shown(drv, "sync-apply-confirm"))
        assert d.switch_to.active_element.get_attribute("id") == "sync-apply-btn"
        btn.click()
        w.until(lambda drv: shown(drv, "sync-apply-confirm"))
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        w.until(lambda drv: not shown(drv, "sync-apply-confirm"))
        assert d.switch_to.active_element.get_attribute("id") == "sync-apply-btn"
        assert os.listdir(run) == []

        # a session day open today: named, nothing asked
        sid = fasil.create_session(title="Pelatihan Guru IPA Hari Ini")
        d.find_element(By.ID, "sync-apply-btn").click()
        w.until(lambda drv: shown(drv, "sync-apply-confirm"))
        d.find_element(By.ID, "sync-apply-yes").click()
        w.until(lambda drv: "Pelatihan Guru IPA Hari Ini" in
                drv.find_element(By.ID, "sync-apply-status").text)
        assert "fasilitator" in d.find_element(By.ID, "sync-apply-status").text
        assert os.listdir(run) == [] and shown(d, "sync-apply-btn")

        # the day locked: asked, and the page says it is being installed
        assert fasil.post(f"/api/v1/sessions/{sid}/lock").status_code == 200
        d.find_element(By.ID, "sync-apply-btn").click()
        w.until(lambda drv: shown(drv, "sync-apply-confirm"))
        d.find_element(By.ID, "sync-apply-yes").click()
        w.until(lambda drv: "sedang dipasang" in drv.find_element(By.ID, "sync-update").text)
        assert "sedang dipasang" in d.find_element(By.ID, "sync-apply-status").text
        assert not shown(d, "sync-apply-btn")
        assert os.listdir(run) == ["apply"] and request.read_text() == "9.1.0\n"
        d.refresh()   # a fresh page follows the request too
        w.until(lambda drv: "sedang dipasang" in drv.find_element(By.ID, "sync-update").text)
        assert not shown(d, "sync-apply-btn")
        assert overflowing(d) == []
        d.save_screenshot(os.path.join(SCREENSHOTS, "admin-update-installing.png"))
        audit(d, "admin-sync, installing")

        # what pb-update-apply.service leaves when apply waits: the request
        # gone, the state ready, update.error saying why; the page explains
        request.unlink()
        set_meta(box, **{"update.error": "the update waits: a session day is open "
                                         "(not locked): Pelatihan Guru IPA Hari Ini"})
        d.refresh()
        w.until(lambda drv: shown(drv, "sync-update-err"))
        assert "belum dikunci" in d.find_element(By.ID, "sync-update-err-text").text
        assert shown(d, "sync-apply-btn")
        # apply is running: installing, no button
        set_meta(box, **{"update.state": "installing", "update.error": ""})
        d.refresh()
        w.until(lambda drv: "sedang dipasang" in drv.find_element(By.ID, "sync-update").text)
        assert not shown(d, "sync-apply-btn") and not shown(d, "sync-update-err")
        assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"
                and "/api/v1/admin/update/apply" not in e["message"]] == []
    finally:
        box.close()
