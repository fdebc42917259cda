"""Every file picker speaks the page's language, not the browser's: on a
phone set to English the Indonesian page showed Chromium's own "Choose
File" / "No file chosen" beside Indonesian words (and an Indonesian phone
said "Pilih File" on the English page). Now, in a Chromium speaking
English on a 360x640 phone: the receipt photo of the claims page and the
roster CSV of the facilitator's page show the page's words ("Pilih foto",
"Belum ada foto dipilih"), then the English ones after the page is
switched, the chosen file's name once a file is chosen, and the real
input stays under the face: the tap target (at least 44 px), focusable
with a visible focus, named by its label and described by what the face
says. The receipt and the roster still reach the box end to end. And the
reverse: a Chromium speaking Indonesian shows the English page's words.
Screenshots: build/screenshots/picker-*.png."""
import os
import shutil
import sqlite3
import sys

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from a11y import audit
from conftest import SCREENSHOTS, Boxes, chromium_in, fill_login, open_claims, set_viewport, \
    started_box, wait
from test_language_switch_messages import switch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from claims_util import PNG, ClaimBox, nuptk  # noqa: E402
from test_staff_two_sessions import roster  # noqa: E402

PHONE_SMALL = (360, 640)
TOUCH_MIN_PX = 44
# Chromium's own words for its file input, as this browser speaks them
BROWSER_WORDS = ("Choose File", "No file chosen")


@pytest.fixture(scope="module")
def english():
    """A Chromium speaking English (US), as a phone set to English; its own
    file input says "Choose File", which the Indonesian page must not show."""
    d, profile = chromium_in("en-US")
    try:
        d.get("data:text/html,<input id=a required>")
        assert d.execute_script("return document.getElementById('a').validationMessage") == \
            "Please fill out this field.", "Chromium does not speak English"
        set_viewport(d, *PHONE_SMALL)
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shown(d, id_):
    """The text a person sees in the block holding the file input id_
    (Chromium's own words inside the input are not part of it)."""
    return d.find_element(By.ID, id_).find_element(By.XPATH, "ancestor::div[1]").text


def says(d, id_, *words, without=()):
    """The block of the file input id_ shows each of words and none of
    without; its text."""
    text = shown(d, id_)
    assert all(w in text for w in words) and not any(w in text for w in without), text
    return text


def ax(d, id_):
    """The input's name and description as a screen reader gets them."""
    doc = d.execute_cdp_cmd("DOM.getDocument", {})
    nid = d.execute_cdp_cmd("DOM.querySelector", {"nodeId": doc["root"]["nodeId"],
                                                  "selector": "#" + id_})["nodeId"]
    node = d.execute_cdp_cmd("Accessibility.getPartialAXTree",
                             {"nodeId": nid, "fetchRelatives": False})["nodes"][0]
    return (node.get("name", {}).get("value", ""),
            node.get("description", {}).get("value", ""))


def assert_real_input_under_face(d, id_, label):
    """The browser's own rendering of the input is not seen (transparent),
    a tap on the middle of what is seen lands on the input itself, the
    input is a thumb's target, tied to its label, and the keyboard reaches
    it with a focus that shows."""
    got = d.execute_script("""
        var f = document.getElementById(arguments[0]), r = f.getBoundingClientRect();
        f.scrollIntoView({block: 'center'});
        r = f.getBoundingClientRect();
        var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return {opacity: getComputedStyle(f).opacity, hit: hit === f, w: r.width, h: r.height,
                label: f.labels && f.labels.length ? f.labels[0].textContent : '',
                tab: f.tabIndex};""", id_)
    assert got["opacity"] == "0", f"{id_}: the browser's own words still show ({got})"
    assert got["hit"], f"{id_}: a tap on the picker does not reach the input ({got})"
    assert got["w"] >= TOUCH_MIN_PX and got["h"] >= TOUCH_MIN_PX, f"{id_}: target {got}"
    assert got["label"] == label and got["tab"] >= 0, got
    d.execute_script("arguments[0].focus()", d.find_element(By.ID, id_))
    assert d.switch_to.active_element.get_attribute("id") == id_
    outline = d.execute_script("""
        var f = document.getElementById(arguments[0]), out = [], n;
        for (n = f.parentNode.firstChild; n; n = n.nextSibling)
            if (n !== f && n.nodeType === 1) {
                var s = getComputedStyle(n);
                out.push(s.outlineStyle + ' ' + s.outlineWidth);
            }
        return out;""", id_)
    assert any(o.startswith("solid") and o != "solid 0px" for o in outline), \
        f"{id_}: no visible focus on the picker ({outline})"


def test_receipt_photo_picker_in_the_page_language(english):
    d = english
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att="code_period_s = 600\ncode_grace_s = 600\n")
        cb.check_in(0)
        picture = os.path.join(cb.box.dir, "kuitansi-bus.png")
        with open(picture, "wb") as f:
            f.write(PNG)
        open_claims(d, cb, nuptk(0))
        wait(d, lambda d: d.find_element(By.ID, "cost-form").is_displayed(), "no cost form")
        assert d.execute_script("return document.documentElement.lang") == "id"

        # Indonesian page, English browser: the page's words, none of the browser's
        says(d, "photo", "Pilih foto", "Belum ada foto dipilih", without=BROWSER_WORDS)
        assert_real_input_under_face(d, "photo", "Foto kuitansi")
        assert ax(d, "photo") == ("Foto kuitansi", "Belum ada foto dipilih")
        photo = d.find_element(By.ID, "photo")
        assert photo.get_attribute("accept") == "image/*"
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", photo)
        d.save_screenshot(os.path.join(SCREENSHOTS, "picker-klaim-id.png"))
        audit(d, "claims, receipt picker", both_languages=False)

        # switched to English: the English words
        switch(d, "en")
        says(d, "photo", "Choose photo", "No photo chosen", without=("Pilih", "Belum"))
        assert ax(d, "photo") == ("Receipt photo", "No photo chosen")

        # a file chosen: its name, in both languages; the page reads it as before
        d.find_element(By.ID, "photo").send_keys(picture)
        wait(d, lambda d: "kuitansi-bus.png" in shown(d, "photo"), "the chosen name not shown")
        wait(d, lambda d: "×" in d.find_element(By.ID, "photo-info").text, "photo not read")
        assert "No photo chosen" not in shown(d, "photo")
        assert ax(d, "photo")[1] == "kuitansi-bus.png"
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                         d.find_element(By.ID, "photo"))
        d.save_screenshot(os.path.join(SCREENSHOTS, "picker-klaim-en-chosen.png"))
        audit(d, "claims, receipt chosen", both_languages=False)
        switch(d, "id")
        says(d, "photo", "Pilih foto", "kuitansi-bus.png")

        # end to end: the transport claim with the photo reaches the box
        Select(d.find_element(By.ID, "origin")).select_by_value("KABUPATEN MALANG")
        d.find_element(By.ID, "amount").send_keys("50000")
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: "Transport lokal" in d.find_element(By.ID, "mine-rows").text,
             "transport claim not listed")
        db = cb.db()
        mime, size = db.execute("SELECT receipt_mime, receipt_size FROM claim "
                                "WHERE item = 'transport'").fetchone()
        db.close()
        assert mime == "image/jpeg" and size > 0
        # the form emptied by the page: its picker says so again
        assert d.find_element(By.ID, "photo-picker-name").get_attribute("textContent") == \
            "Belum ada foto dipilih"
        assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        boxes.close()


def test_roster_csv_picker_in_the_page_language(english):
    d = english
    box, api = started_box()
    try:
        sid = api.create_session(title="Diklat Berkas")
        csv_path = os.path.join(box.dir, "peserta-kelas-a.csv")
        with open(csv_path, "w", encoding="utf-8") as f:
            f.write(roster(700, ["Ani", "Budi"]))
        d.get(box.base + "/petugas.html?session=" + str(sid))
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login")
        if d.execute_script("return document.documentElement.lang") != "id":
            switch(d, "id")     # the claims test left the page language in this browser
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "not logged in")
        d.get_log("browser")            # the page's /api/v1/me before the login: 401
        wait(d, lambda d: d.find_element(By.ID, "roster-form").is_displayed(), "no roster form")

        says(d, "r-file", "Pilih berkas", "Belum ada berkas dipilih", without=BROWSER_WORDS)
        assert_real_input_under_face(d, "r-file", "Berkas CSV")
        assert d.find_element(By.ID, "r-file").get_attribute("accept") == ".csv,text/csv"
        d.save_screenshot(os.path.join(SCREENSHOTS, "picker-roster-id.png"))
        switch(d, "en")
        says(d, "r-file", "Choose file", "No file chosen")
        d.find_element(By.ID, "r-file").send_keys(csv_path)
        wait(d, lambda d: "peserta-kelas-a.csv" in shown(d, "r-file"), "the chosen name not shown")
        # the keyboard: Enter on the form's button sends the file
        btn = d.find_element(By.CSS_SELECTOR, "#roster-form button[type=submit]")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", btn)
        d.save_screenshot(os.path.join(SCREENSHOTS, "picker-roster-en-chosen.png"))
        btn.send_keys(Keys.ENTER)
        wait(d, lambda d: d.find_element(By.ID, "r-report").text ==
             "2 lines accepted, 0 refused.", "roster not imported")
        with sqlite3.connect(box.db_path()) as c:
            names = [r[0] for r in c.execute(
                "SELECT name FROM roster WHERE kegiatan_id = ? ORDER BY name", (sid,))]
        assert names == ["Ani", "Budi"]
        assert d.find_element(By.ID, "r-file-picker-name").text == "peserta-kelas-a.csv"
        assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        box.close()


def test_english_page_in_an_indonesian_browser():
    """The reverse: a phone set to Indonesian (Chromium's own picker says
    "Pilih File", "Tidak ada file yang dipilih") on the English page."""
    d, profile = chromium_in("id")
    box, api = started_box()
    try:
        d.get("data:text/html,<input id=a required>")
        assert d.execute_script("return document.getElementById('a').validationMessage") == \
            "Harap isi bidang ini.", "Chromium does not speak Indonesian"
        set_viewport(d, *PHONE_SMALL)
        sid = api.create_session(title="Diklat Berkas")
        csv_path = os.path.join(box.dir, "daftar.csv")
        with open(csv_path, "w", encoding="utf-8") as f:
            f.write(roster(800, ["Citra"]))
        d.get(box.base + "/petugas.html?session=" + str(sid))
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login")
        switch(d, "en")
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "roster-form").is_displayed(), "no roster form")
        says(d, "r-file", "Choose file", "No file chosen", without=("Pilih", "Tidak ada"))
        assert ax(d, "r-file") == ("CSV file", "No file chosen")
        d.find_element(By.ID, "r-file").send_keys(csv_path)
        wait(d, lambda d: "daftar.csv" in shown(d, "r-file"), "the chosen name not shown")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                         d.find_element(By.ID, "r-file"))
        d.save_screenshot(os.path.join(SCREENSHOTS, "picker-roster-en-browser-id.png"))
        switch(d, "id")
        says(d, "r-file", "Pilih berkas", "daftar.csv")

        # an input a page's script draws (PB.picker), several photos at once
        d.execute_script(
            "var f = PB.el('input', {id: 'many', type: 'file', accept: 'image/*',"
            " multiple: 'multiple'});"
            "document.getElementById('roster-form').appendChild("
            " PB.el('div', null, [PB.el('label', {'for': 'many', text: 'Foto'}),"
            " PB.picker(f)]));")
        assert shown(d, "many").split("\n") == ["Foto", "Pilih foto", "Belum ada foto dipilih"]
        photos = []
        for name in ("papan-1.png", "papan-2.png"):
            photos.append(os.path.join(box.dir, name))
            with open(photos[-1], "wb") as f:
                f.write(PNG)
        d.find_element(By.ID, "many").send_keys("\n".join(photos))
        wait(d, lambda d: "2 foto: papan-1.png, papan-2.png" in shown(d, "many"),
             "several photos not named")
        switch(d, "en")
        assert "Choose photo" in shown(d, "many")
        assert ax(d, "many") == ("Foto", "2 photos: papan-1.png, papan-2.png")
    finally:
        box.close()
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
