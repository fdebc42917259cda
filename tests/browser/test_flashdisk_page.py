"""The admin's USB stick page in headless Chromium at 360 px, with real
pb-web and pb-sync: no stick says so; with a stick (a tmpfs mounted where
[sync] usb_dir points, standing in for the stick pb-usb-mount would mount:
this machine has no USB devices) "Ekspor ke USB" runs in pb-sync and the
progress bar reaches done, the signed batches on the stick; a full stick
is said plainly; a module is removed after its confirmation. pb-sync's hub
is a port nobody listens on (a centre without backhaul): pb-sync makes the
box key on its first start and exports with it. Screenshot:
build/screenshots/."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from a11y import audit
from conftest import PHONE, SCREENSHOTS, set_viewport, staff_login
from pbhub import Sync, sync_section, wait_for
from pbtest import Box, free_port

PASSWORD = "rahasia-admin-1"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stick is a tmpfs mount")


def module_folder(top):
    """Two modules as a USB stick's content folder holds them."""
    d = os.path.join(top, "konten")
    os.mkdir(d)
    mods = []
    for mid, title, size in (("kk-a-mat-1", "Pecahan", 20 * 1024), ("kk-b-ipa-1", "Tumbuhan",
                                                                     2 * 1024)):
        data = os.urandom(size)
        with open(os.path.join(d, mid + ".pdf"), "wb") as f:
            f.write(data)
        mods.append({"id": mid, "title": title, "kk": "A" if "mat" in mid else "B",
                     "subject": "Matematika", "level": "SD",
                     "files": [{"path": mid + ".pdf", "sha256": hashlib.sha256(data).hexdigest()}]})
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump({"format": 1, "modules": mods}, f)
    return d


def job_ended(d):
    label = d.find_element(By.ID, "fd-job-label").text
    return label if ("selesai" in label or "gagal" in label) else None


def test_flashdisk_page(browser):
    d = browser
    stick = tempfile.mkdtemp(prefix=f"pbfd-{os.getpid()}-")
    b = Box(sections=sync_section(f"http://127.0.0.1:{free_port()}",
                                  extra=f"usb_dir = {stick}"))
    sync = None
    mounted = False
    try:
        b.pbctl("init")
        b.pbctl("user", "add", "admin", "--role", "admin", input=PASSWORD + "\n")
        b.pbctl("content", "import", module_folder(b.dir))
        for n in range(30):
            b.pbctl("outbox", "add", "attendance.checkin",
                    json.dumps({"session_id": "S-FD", "day": 1, "nuptk": str(3200 + n)}))
        b.start()
        sync = Sync(b).start()
        wait_for(lambda: os.path.exists(os.path.join(b.dir, "data", "run", "sync-wake.sock")),
                 timeout=60, what="pb-sync's wake socket")
        set_viewport(d, *PHONE)
        staff_login(d, b, "admin", PASSWORD)
        d.get(b.base + "/flashdisk.html")
        w = WebDriverWait(d, 30)
        w.until(lambda drv: drv.find_element(By.ID, "fd-view").is_displayed())
        # no stick: said, and the buttons wait for one
        assert "Tidak ada flashdisk terpasang" in d.find_element(By.ID, "fd-stick").text
        assert not d.find_element(By.ID, "fd-export").is_enabled()
        assert d.find_element(By.ID, "fd-space-text").text.endswith("B")
        audit(d, "flashdisk, no stick")

        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "pbfd", stick], check=True)
        mounted = True
        w.until(lambda drv: "Flashdisk terpasang" in drv.find_element(By.ID, "fd-stick").text)
        d.find_element(By.ID, "fd-export").click()
        label = WebDriverWait(d, 90, poll_frequency=0.1).until(job_ended)
        assert label == "Ekspor ke USB selesai", label
        bar = d.find_element(By.ID, "fd-progress")
        assert bar.get_attribute("max") == bar.get_attribute("value") != "0"
        assert bar.get_attribute("aria-labelledby") == "fd-job-label"
        count = d.find_element(By.ID, "fd-job-count").text
        done, _, total = count.split()
        assert done == total and int(total) >= 30, count
        assert "diekspor" in d.find_element(By.ID, "fd-job-text").text
        boxes = os.listdir(os.path.join(stick, "pb-outbox"))
        assert len(boxes) == 1
        assert "manifest.json" in os.listdir(os.path.join(stick, "pb-outbox", boxes[0]))
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        d.save_screenshot(os.path.join(SCREENSHOTS, "flashdisk.png"))
        audit(d, "flashdisk, export done", both_languages=False)

        # the modules with their sizes; removing one asks first, "Batal" keeps it
        rows = d.find_elements(By.CSS_SELECTOR, "#fd-mod-rows tr")
        assert [r.find_element(By.CSS_SELECTOR, ".fd-title").text for r in rows] == \
            ["Pecahan", "Tumbuhan"]
        assert "20,0 KB" in rows[0].text and "2,0 KB" in rows[1].text
        # (PB.ask: the focus on the question; Batal and Escape give it back
        # to the module's button, drawn anew at every poll meanwhile)
        first_id = rows[0].find_element(By.CSS_SELECTOR, "button.fd-remove").get_attribute("data-id")
        rows[0].find_element(By.CSS_SELECTOR, "button.fd-remove").click()
        confirm = d.find_element(By.ID, "fd-confirm")
        assert confirm.is_displayed() and "Hapus modul \"Pecahan\"" in confirm.text
        assert d.switch_to.active_element.get_attribute("id") == "fd-confirm-text"
        audit(d, "flashdisk, confirm removal", both_languages=False)
        d.find_element(By.ID, "fd-confirm-no").click()
        assert not confirm.is_displayed()
        assert d.switch_to.active_element.get_attribute("data-id") == first_id
        first = d.find_elements(By.CSS_SELECTOR, "#fd-mod-rows button.fd-remove")[0]
        first.click()
        assert confirm.is_displayed()
        w.until(EC.staleness_of(first))     # the next poll drew the rows again
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        assert not confirm.is_displayed()
        active = d.switch_to.active_element
        assert "fd-remove" in active.get_attribute("class") and \
            active.get_attribute("data-id") == first_id
        assert len(d.find_elements(By.CSS_SELECTOR, "#fd-mod-rows tr")) == 2
        d.find_elements(By.CSS_SELECTOR, "#fd-mod-rows button.fd-remove")[0].click()
        d.find_element(By.ID, "fd-confirm-yes").click()
        w.until(lambda drv: "dihapus" in drv.find_element(By.ID, "fd-mod-status").text)
        left = d.find_elements(By.CSS_SELECTOR, "#fd-mod-rows .fd-title")
        assert [e.text for e in left] == ["Tumbuhan"]

        # a full stick: the failure in plain words
        subprocess.run(["umount", stick], check=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "pbfd", stick], check=True)
        for _ in range(8):
            b.pbctl("outbox", "add", "attendance.checkin",
                    json.dumps({"session_id": "S-FD", "pad": os.urandom(16000).hex()}))
        w.until(lambda drv: drv.find_element(By.ID, "fd-export").is_enabled())
        d.find_element(By.ID, "fd-export").click()
        label = WebDriverWait(d, 90, poll_frequency=0.1).until(job_ended)
        assert label == "Ekspor ke USB gagal", label
        err = d.find_element(By.ID, "fd-job-error")
        assert err.is_displayed() and err.text.startswith("Flashdisk penuh")
        assert err.get_attribute("role") == "alert"
        audit(d, "flashdisk, stick full", both_languages=False)
        assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        if sync is not None:
            sync.stop()
        if mounted:
            subprocess.run(["umount", stick], check=False)
        shutil.rmtree(stick, ignore_errors=True)
        b.close()
