"""A teacher takes a pre-test on a 360 px phone in a real Chromium: from
the module page to "Progres saya" (NUPTK and the session code), answers
saved one by one, the page closed mid-test and opened again (the attempt
and its answers come back), then finished and scored by the box; a
worksheet sent from the phone, reviewed by a mentor, and the review seen
on the next visit.
Screenshots land in build/screenshots/learning-*."""
import os
import re
import sqlite3
import sys

from selenium.webdriver.common.by import By

import test_checkin_browser as checkin_browser
from a11y import audit
from conftest import PHONE, SCREENSHOTS, Boxes, overflowing, set_viewport, staff_login

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from learning_util import MODULE, LearnBox, nuptk  # noqa: E402

wait = checkin_browser.wait


def shot(driver, name):
    h = driver.execute_script("return document.documentElement.scrollHeight")
    set_viewport(driver, PHONE[0], max(int(h), PHONE[1]))
    driver.save_screenshot(os.path.join(SCREENSHOTS, f"learning-{name}.png"))
    set_viewport(driver, *PHONE)


def pick(d, item, option):
    box = d.find_element(By.CSS_SELECTOR, f"input[name='item-{item}'][value='{option}']")
    d.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()
    wait(d, lambda d: d.find_element(By.ID, "st-" + item).text == "Tersimpan",
         f"answer to {item} not saved")


def unlabelled(d):
    """Inputs on the page without a <label for> (hidden ones too)."""
    return d.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll('input, select, "
        "textarea'), function (e) { return !e.id || !document.querySelector("
        "'label[for=\"' + e.id + '\"]'); }).map(function (e) { return e.outerHTML; });")


def saved_answers(lb):
    db = sqlite3.connect(lb.box.db_path())
    try:
        return dict(db.execute("SELECT item_id, choice FROM learning_answer").fetchall())
    finally:
        db.close()


def test_teacher_takes_a_pre_test_closes_the_page_and_finishes(browser, tmp_path):
    d = browser
    boxes = Boxes()
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=1,
                      box={"att": "code_period_s = 600\ncode_grace_s = 600\n"})
        code = lb.staff.code(lb.sid)
        set_viewport(d, *PHONE)
        d.get(lb.base + "/#/m/" + MODULE)
        wait(d, lambda d: d.find_element(By.ID, "learning-link").is_displayed(),
             "module page has no link to the tests")
        d.find_element(By.ID, "learning-link").click()
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(lb.sid),
             "session not offered")
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys(code)
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_element(By.ID, "step-progress").is_displayed(),
             "Progres saya not shown")
        assert "Tes dikerjakan: 0 dari 2" in d.find_element(By.ID, "summary").text
        shot(d, "progress")
        audit(d, "learning, progress")
        # opening a module file from here marks it opened
        d.find_element(By.LINK_TEXT, "Materi.txt").click()
        wait(d, lambda d: "/f/" in d.current_url, "the file did not open")
        d.get(lb.base + "/belajar.html#m=" + MODULE)
        wait(d, lambda d: "Materi.txt — sedang dipelajari" in
             d.find_element(By.ID, "activities").text, "file not marked opened")
        d.find_element(By.CSS_SELECTOR, "button[data-test='awal']").click()
        wait(d, lambda d: d.find_element(By.ID, "step-test").is_displayed(), "test not shown")
        pick(d, "s1", "b")
        pick(d, "s2", "a")
        assert saved_answers(lb) == {"s1": '["b"]', "s2": '["a"]'}
        assert unlabelled(d) == []
        shot(d, "test")
        audit(d, "learning, a test under way")

        # the Wi-Fi drops, the page is closed; later it is opened again
        d.get("about:blank")
        d.get(lb.base + "/belajar.html#m=" + MODULE)
        wait(d, lambda d: d.find_element(By.ID, "step-test").is_displayed(),
             "the open test did not come back")
        assert d.find_element(By.CSS_SELECTOR, "input[name='item-s1'][value='b']").is_selected()
        assert d.find_element(By.CSS_SELECTOR, "input[name='item-s2'][value='a']").is_selected()
        assert not d.find_element(By.CSS_SELECTOR,
                                  "input[name='item-s1'][value='a']").is_selected()
        assert "2 dari 4" in d.find_element(By.ID, "saved").text
        pick(d, "s3", "a")
        pick(d, "m1", "a")
        pick(d, "m1", "c")
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        d.find_element(By.ID, "finish").click()
        wait(d, lambda d: d.find_element(By.ID, "step-result").is_displayed(), "no result")
        assert d.find_element(By.ID, "result-score").text == "Nilai 100"
        assert "4 dari 4 soal benar" in d.find_element(By.ID, "result-text").text
        shot(d, "result")
        audit(d, "learning, test result")
        d.find_element(By.ID, "result-back").click()
        wait(d, lambda d: "Tes dikerjakan: 1 dari 2" in d.find_element(By.ID, "summary").text,
             "progress not updated")

        # the worksheet: sent from the phone, reviewed by a mentor, seen on the next visit
        d.find_element(By.ID, "ws-lk1").send_keys("Tiga lampu dirangkai seri dengan baterai.")
        d.find_element(By.CSS_SELECTOR, "button[data-worksheet='lk1']").click()
        wait(d, lambda d: "menunggu penilaian" in d.find_element(By.ID, "worksheet-lk1").text,
             "worksheet not sent")
        lb.box.pbctl("user", "add", "mentor1", "--role", "fasilitator", "--kind", "mentor",
                     input=PASSWORD + "\n")
        teacher_window = d.current_window_handle

        # the mentor, on a laptop: results and the review queue
        d.switch_to.new_window("window")
        set_viewport(d, 1024, 768, mobile=False)
        staff_login(d, lb.box, "mentor1", PASSWORD)
        d.get(lb.base + "/hasil-belajar.html")
        wait(d, lambda d: d.find_element(By.ID, "session-view").is_displayed(), "no session")
        wait(d, lambda d: "Guru Nomor 0" in d.find_element(By.ID, "teacher-rows").text,
             "results not shown")
        assert "100" in d.find_element(By.ID, "teacher-rows").text
        wait(d, lambda d: "Tiga lampu dirangkai seri" in d.find_element(By.ID, "queue").text,
             "worksheet not in the queue")
        # when it was sent, written the Indonesian way (day/month, 24-hour
        # with dots), not the browser's default "12/5/2026, 7:47:48 PM"
        sent = d.find_element(By.CSS_SELECTOR, "#queue .pb-meta").text
        assert re.search(r"^Kiriman ke-1, \d{1,2}/\d{1,2}/\d{4},? \d{2}\.\d{2}\.\d{2}$", sent), sent
        # on a 360 px phone the results are cards: nothing scrolls sideways,
        # each figure under its column's name
        set_viewport(d, 360, 740)
        wait(d, lambda d: d.execute_script(
            "return document.documentElement.scrollWidth") <= 360, "results wider than 360 px")
        assert overflowing(d) == []
        shown = ("return Array.prototype.map.call(document.querySelectorAll(arguments[0]),"
                 " function (c) { var b = getComputedStyle(c, '::before').content;"
                 " return (b === 'none' ? '' : b + ' ') + c.textContent; });")
        cells = d.execute_script(shown, "#teacher-rows tr:first-child td")
        assert cells[0] == "Guru Nomor 0" and cells[1] == MODULE, cells
        assert cells[2] == '"Tes awal" 100', cells
        ws = d.execute_script(shown, "#worksheet-rows tr:first-child td")
        assert ws[1] == '"Menunggu" 1', ws
        assert d.find_element(By.CSS_SELECTOR, "#teacher-rows tr").value_of_css_property(
            "display") == "grid"
        assert d.find_element(By.CSS_SELECTOR, "#teacher-rows td").value_of_css_property(
            "border-top-width") == "0px"
        assert not d.find_element(By.CSS_SELECTOR, "#teachers thead").is_displayed() or \
            d.find_element(By.CSS_SELECTOR, "#teachers thead").size["width"] <= 1
        d.save_screenshot(os.path.join(SCREENSHOTS, "learning-results-360.png"))
        audit(d, "learning results, 360 px cards", both_languages=False)
        set_viewport(d, 1024, 768, mobile=False)
        assert d.execute_script(shown, "#teacher-rows tr:first-child td")[2] == "100"
        d.find_element(By.CSS_SELECTOR, "#queue input[type=number]").send_keys("70")
        d.find_element(By.CSS_SELECTOR, "#queue textarea").send_keys("Tambahkan gambar.")
        d.find_element(By.CSS_SELECTOR, "#queue button[data-status='revise']").click()
        wait(d, lambda d: "Tidak ada lembar kerja" in d.find_element(By.ID, "queue").text,
             "review not saved")
        d.save_screenshot(os.path.join(SCREENSHOTS, "learning-results.png"))
        audit(d, "learning results, 1024 px")
        assert unlabelled(d) == []
        d.close()
        d.switch_to.window(teacher_window)
        set_viewport(d, *PHONE)
        d.get("about:blank")
        d.get(lb.base + "/belajar.html#m=" + MODULE)
        wait(d, lambda d: "Perlu revisi" in d.find_element(By.ID, "worksheet-lk1").text,
             "the review is not shown")
        assert "Tambahkan gambar." in d.find_element(By.ID, "worksheet-lk1").text
        assert "Umpan balik diterima: 1" in d.find_element(By.ID, "summary").text
        assert unlabelled(d) == []
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        shot(d, "worksheet-review")
        audit(d, "learning results, worksheet review")
        severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], severe
    finally:
        boxes.close()
