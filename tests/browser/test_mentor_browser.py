"""A mentor on a 360 px phone in a real Chromium: logs in on the staff
page and lands on the results page, where the session picker offers only
the session it is assigned to and the review queue holds only that
session's worksheets (another session's, sent earlier, is not there);
reviews one; sees completion per teacher; and prints the results to PDF
(read back with pdftotext: the results, not the queue or the buttons).
Screenshots and the PDF land in build/screenshots/mentor-*."""
import os
import re
import sqlite3
import subprocess
import sys

from selenium.webdriver.common.by import By

import test_checkin_browser as checkin_browser
from a11y import audit
from conftest import PHONE, SCREENSHOTS, Boxes, fill_login, overflowing, printed, set_viewport

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, checkin, nuptk, roster_csv  # noqa: E402
from learning_util import MODULE, LearnBox  # noqa: E402

wait = checkin_browser.wait


def send(lb, sid, i, proof, text):
    import requests
    r = requests.post(lb.base + "/api/v1/learning/worksheets", timeout=60, json={
        "session": sid, "nuptk": nuptk(i), "checkin": proof, "module": MODULE,
        "worksheet": "lk1", "text": text})
    assert r.status_code == 200, r.text
    return r.json()["submission"]


def test_mentor_reviews_its_queue_and_prints_the_results(browser, tmp_path):
    d = browser
    boxes = Boxes()
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=2)
        # another session, whose worksheet is sent first (oldest in the box)
        sid_b = lb.staff.create_session(title="Pelatihan Lain KK C", days=2)
        assert lb.staff.roster(sid_b, roster_csv(1)).status_code == 200
        st, j = checkin(lb.box, "127.0.0.1", sid_b, nuptk(0), lb.staff.code(sid_b))
        assert st in (200, 201), j
        send(lb, sid_b, 0, j["uid"], "Jawaban dari kegiatan lain")
        sub = send(lb, lb.sid, 1, lb.proof[1], "Rangkaian seri dengan dua lampu")
        t0 = lb.teacher(0)
        a = t0.start("awal").json()
        assert t0.finish(a["attempt"]).status_code == 200
        lb.box.pbctl("user", "add", "sari", "--role", "mentor", input=PASSWORD + "\n")
        lb.box.pbctl("user", "assign", "sari", "--session", str(lb.sid))

        set_viewport(d, *PHONE)
        d.get(lb.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login form")
        fill_login(d, "sari", PASSWORD)
        # a mentor's page is the results page: its one session picked at once
        wait(d, lambda d: re.search(r"/hasil-belajar\.html(\?session=%d)?$" % lb.sid, d.current_url),
             "not sent to results")
        wait(d, lambda d: d.find_element(By.ID, "session-view").is_displayed(), "no session")
        options = [o.get_attribute("value") for o in
                   d.find_elements(By.CSS_SELECTOR, "#pick option")]
        assert options == ["", str(lb.sid)], options
        assert "(mentor)" in d.find_element(By.ID, "who").text
        # the menu offers a mentor only what it may open
        wait(d, lambda d: d.execute_script(
            "return Array.prototype.filter.call(document.querySelectorAll('.pb-staff-only'),"
            " function (li) { return !li.hidden; }).map(function (li) {"
            " return li.querySelector('a').getAttribute('href'); });") ==
             ["/hasil-belajar.html"], "the mentor's menu offers more than the results")
        wait(d, lambda d: "Rangkaian seri dengan dua lampu" in d.find_element(By.ID, "queue").text,
             "worksheet not in the queue")
        assert "Jawaban dari kegiatan lain" not in d.find_element(By.ID, "queue").text
        assert len(d.find_elements(By.CSS_SELECTOR, "#queue > li")) == 1
        wait(d, lambda d: "Guru Nomor 0" in d.find_element(By.ID, "teacher-rows").text,
             "results not shown")
        # completion: the pre-test done of 2 files, 2 tests and a worksheet
        assert "1 dari 5" in d.find_element(By.ID, "teacher-rows").text
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        assert overflowing(d) == []
        d.save_screenshot(os.path.join(SCREENSHOTS, "mentor-queue-360.png"))
        audit(d, "mentor results and queue, 360 px", both_languages=False)

        d.find_element(By.ID, "score-" + sub).send_keys("80")
        d.find_element(By.ID, "comment-" + sub).send_keys("Bagus, tambahkan satuan.")
        d.find_element(By.CSS_SELECTOR, "#queue button[data-status='accepted']").click()
        wait(d, lambda d: "Tidak ada lembar kerja" in d.find_element(By.ID, "queue").text,
             "review not saved")
        assert d.find_element(By.ID, "status").text == "Penilaian tersimpan."
        db = sqlite3.connect(lb.box.db_path())
        try:
            assert db.execute("SELECT status, score, comment, reviewer FROM learning_submission "
                              "WHERE uid = ?", (sub,)).fetchone() == \
                ("accepted", 80, "Bagus, tambahkan satuan.", "sari")
            assert db.execute("SELECT count(*) FROM learning_submission WHERE status = 'sent'"
                              ).fetchone() == (1,)      # the other session's, untouched
        finally:
            db.close()

        # the results follow the review: accepted 1, waiting 0
        wait(d, lambda d: '"Diterima" 1' in d.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('#worksheet-rows td'),"
            " function (c) { return getComputedStyle(c, '::before').content + ' ' +"
            " c.textContent; }).join('|');"), "results not reloaded after the review")
        # printed to PDF: the results, without the queue, the picker or the buttons
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not d.find_element(By.ID, "queue-view").is_displayed()
        assert not d.find_element(By.ID, "print").is_displayed()
        path, text = printed(d, "mentor-results.pdf")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        for words in ("Hasil belajar", "Tes awal dan tes akhir per guru", "Guru Nomor 0",
                      MODULE, "1 dari 5", "LK terlambat", "Soal yang paling banyak salah"):
            assert words in text, (words, text[:2000])
        # the worksheet row: its due date written out, then waiting 0, revise 0,
        # accepted 1, not sent 1, overdue 0 (the title may wrap in print: its
        # figures then stand between the lines of the date)
        row = re.search(r"LK 1 Rangkaian Seri \(Kamis,(.*?)2030\)([^\n]*)", text, re.S)
        assert row, text
        words = (row.group(1) + row.group(2)).split()
        assert [w for w in words if not w.isdigit()] == ["Januari"], text
        figures = [w for w in words if w.isdigit()]
        figures.remove("31")
        assert figures == ["0", "0", "1", "1", "0"], text
        for words in ("Lembar kerja menunggu penilaian", "Unduh CSV", "Pilih kegiatan",
                      "Penilaian tersimpan"):
            assert words not in text, (words, text[:2000])
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, timeout=60,
                              check=True).stdout
        assert "(A4)" in info, info              # the print stylesheet's @page
        severe = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"
                  and "/api/v1/me - " not in e["message"]]
        assert severe == [], severe
    finally:
        set_viewport(d, *PHONE)
        boxes.close()


def test_admin_assigns_a_mentor_on_the_results_page(browser, tmp_path):
    """An admin on a 360 px phone ticks a mentor for the session picked;
    the box records the assignment, and unticking takes it back."""
    from conftest import staff_login
    d = browser
    boxes = Boxes()
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=1)
        lb.box.pbctl("user", "add", "sari", "--role", "mentor", "--kind", "pengampu",
                     input=PASSWORD + "\n")
        set_viewport(d, *PHONE)
        staff_login(d, lb.box, "admin1", PASSWORD)
        d.get(lb.base + "/hasil-belajar.html")
        wait(d, lambda d: d.find_element(By.ID, "mentor-view").is_displayed(), "no mentor list")
        box = d.find_element(By.ID, "mentor-0")
        assert d.find_element(By.CSS_SELECTOR, "label[for='mentor-0']").text == "sari (pengampu)"
        assert not box.is_selected()
        d.find_element(By.CSS_SELECTOR, "label[for='mentor-0']").click()
        wait(d, lambda d: d.find_element(By.ID, "status").text == "Tugas mentor disimpan.",
             "assignment not saved")

        def assigned():
            db = sqlite3.connect(lb.box.db_path())
            try:
                return db.execute("SELECT kegiatan_id FROM mentor_assignment").fetchall()
            finally:
                db.close()
        assert assigned() == [(lb.sid,)]
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        audit(d, "results page, an admin assigning mentors, 360 px", both_languages=False)
        d.find_element(By.CSS_SELECTOR, "label[for='mentor-0']").click()
        wait(d, lambda d: assigned() == [], "unassignment not saved")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        assert not d.find_element(By.ID, "mentor-view").is_displayed()
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    finally:
        set_viewport(d, *PHONE)
        boxes.close()
