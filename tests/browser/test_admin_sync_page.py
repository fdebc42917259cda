"""The admin's uplink page in headless Chromium at 360 px: the state in
Indonesian from pb-sync's keys (its English last error explained, the
words kept as a detail; an unknown one and a busy database too), the power warning from pb-gpio's key, the version and the update waiting, and
"Kirim sekarang" sending the wake datagram (received by a unix socket the
test binds where pb-sync would), and "not ready" while /healthz says the
database cannot be written (the test holds its write lock past the
probe's limit). Screenshot: build/screenshots/."""
import os
import socket
import sqlite3

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from a11y import audit
from conftest import PHONE, SCREENSHOTS, WAIT_S, set_viewport, staff_login
from pbtest import Box

PASSWORD = "rahasia-admin-1"


def test_admin_sync_page(browser):
    d = browser
    b = Box()
    sock = None
    try:
        b.pbctl("init")
        b.pbctl("user", "add", "admin", "--role", "admin", input=PASSWORD + "\n")
        with sqlite3.connect(b.db_path()) as c:
            for k, v in (("sync.state", "offline"), ("sync.last_error", "hub not reachable"),
                         ("sync.bytes_up", "2048"), ("power.throttled", "0x50005"),
                         ("update.available", "9.1.0"), ("update.state", "ready")):
                c.execute("INSERT OR REPLACE INTO box_meta(key, value) VALUES (?, ?)", (k, v))
        run = os.path.join(b.dir, "data", "run")
        os.makedirs(run, exist_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(os.path.join(run, "sync-wake.sock"))
        sock.settimeout(15)
        b.start()
        set_viewport(d, *PHONE)
        staff_login(d, b, "admin", PASSWORD)
        d.get(b.base + "/admin-sinkron.html")
        w = WebDriverWait(d, WAIT_S)
        w.until(lambda drv: drv.find_element(By.ID, "sync-view").is_displayed())
        assert "Tidak ada sambungan" in d.find_element(By.ID, "sync-state").text
        # pb-sync's English words are explained in Indonesian and kept as a
        # detail, folded away until asked for
        assert d.find_element(By.ID, "sync-err-text").text == \
            "Pusat tidak dapat dihubungi. Periksa sambungan internet; kotak akan mencoba lagi sendiri."
        raw = d.find_element(By.ID, "sync-err-raw")
        assert not raw.is_displayed() and raw.get_attribute("textContent") == "hub not reachable"
        d.find_element(By.CSS_SELECTOR, "#sync-err-detail summary").click()
        assert raw.is_displayed() and raw.text == "hub not reachable"
        for words, says in (("cannot begin a write: database is locked", "Basis data kotak sedang sibuk"),
                            ("something new went wrong", "Pengiriman gagal;")):
            with sqlite3.connect(b.db_path()) as c:
                c.execute("UPDATE box_meta SET value = ? WHERE key = 'sync.last_error'", (words,))
            d.refresh()
            w.until(lambda drv: drv.find_element(By.ID, "sync-err-text").text.startswith(says))
            assert d.find_element(By.ID, "sync-err-raw").get_attribute("textContent") == words
        assert d.find_element(By.ID, "sync-last").text == "belum pernah"
        # the version running and the update waiting (docs/updates.md)
        version = open(os.path.join(os.path.dirname(__file__), "..", "..", "VERSION")).read()
        assert d.find_element(By.ID, "sync-version").text == version.strip()
        upd = d.find_element(By.ID, "sync-update").text
        assert "9.1.0" in upd and "Pasang sekarang" in upd, upd
        assert d.find_element(By.ID, "sync-apply-btn").is_displayed()
        power = d.find_element(By.ID, "sync-power")
        assert power.is_displayed() and "Daya listrik kurang" in power.text
        # the menu links the page
        assert d.find_elements(By.CSS_SELECTOR, "a[href='/admin-sinkron.html']")
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        d.save_screenshot(os.path.join(SCREENSHOTS, "admin-sync.png"))
        audit(d, "admin-sync")
        d.find_element(By.ID, "sync-now").click()
        assert sock.recv(64) == b"now"
        w.until(lambda drv: "dimulai" in drv.find_element(By.ID, "sync-status").text)
        set_viewport(d, 1280, 800, mobile=False)
        audit(d, "admin-sync, 1280 px", both_languages=False)
        set_viewport(d, *PHONE)
        assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
        assert not d.find_element(By.ID, "sync-ready").is_displayed()
        # writes cannot begin: the page says the box is not ready, and why
        lock = sqlite3.connect(b.db_path(), timeout=30, isolation_level=None)
        lock.execute("BEGIN IMMEDIATE")
        try:
            WebDriverWait(d, 60).until(
                lambda drv: drv.find_element(By.ID, "sync-ready").is_displayed())
            ready = d.find_element(By.ID, "sync-ready").text
            assert "Kotak belum siap" in ready and "write" in ready, ready
        finally:
            lock.execute("COMMIT")
            lock.close()
        WebDriverWait(d, 60).until(
            lambda drv: not drv.find_element(By.ID, "sync-ready").is_displayed())
    finally:
        if sock is not None:
            sock.close()
        b.close()
