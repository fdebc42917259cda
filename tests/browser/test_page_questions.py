"""Questions the web app asks are asked in the page (PB.ask), never with the
browser's prompt() or confirm(): a phone's Wi-Fi sign-in window (Android's
CaptivePortalLogin, Apple's CNA) often shows no JS dialog at all, so the
admin could not unlock a day and the teacher could not send a test with
blanks, without a word. Here, at 360 px, in a browser whose alert(),
confirm() and prompt() throw as soon as they are called:
- the admin unlocks a locked day with a reason typed in the page: the box
  records that reason (outbox and audit); an empty or blank reason, or one
  past the box's PB_REASON_MAX bytes, is refused in the page with a word,
  nothing is sent and what was typed stays; Batal and Escape leave the day
  locked and give the focus back;
- a teacher finishing a test with unanswered questions is told how many;
  "Kembali menjawab" and Escape send nothing, "Kirim saja" sends and the
  box scores it.
Screenshots: build/screenshots/questions-*.png."""
import json
import os
import re
import sqlite3
import sys

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from a11y import audit, switch_language
from test_learning_browser import pick
from conftest import (PHONE, SCREENSHOTS, Boxes, overflowing, set_viewport, staff_login,
                      started_box, wait)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff, outbox_payloads, roster_csv  # noqa: E402
from learning_util import MODULE, LearnBox, nuptk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# What a sign-in window does with a JS dialog, at its worst: nothing shows;
# here the call throws, so a page that still used one would stop there.
# The staff page polls: room for every request's timing entry.
NO_DIALOGS = """
performance.setResourceTimingBufferSize(100000);
window.pbDialogs = 0;
["alert", "confirm", "prompt"].forEach(function (name) {
    window[name] = function () {
        window.pbDialogs++;
        throw new Error(name + "() is not shown in a Wi-Fi sign-in window");
    };
});"""


def reason_max():
    """PB_REASON_MAX, the bytes of a reason the box accepts."""
    with open(os.path.join(ROOT, "firmware", "lib", "pb_attendance.h")) as f:
        return int(re.search(r"#define PB_REASON_MAX\s+(\d+)", f.read()).group(1))


def active_id(d):
    return d.switch_to.active_element.get_attribute("id")


def requests_to(d, tail):
    """Requests this page has made whose path ends in TAIL."""
    return d.execute_script(
        "var tail = arguments[0];"
        " return performance.getEntriesByType('resource').filter(function (e) {"
        " return e.name.split('?')[0].slice(-tail.length) === tail; }).length;", tail)


def shot(d, name):
    d.save_screenshot(os.path.join(SCREENSHOTS, f"questions-{name}.png"))


def fits(d, what):
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0], what
    assert overflowing(d, ".att-scroll") == [], what


def ask_with(d, button, ask, what):
    """Press BUTTON (brought into view); its question ASK shows in the page."""
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(d, lambda d: ask.is_displayed(), f"no question in the page {what}")


def is_question_block(ask, question):
    """The block is a group named by its question, which is read when it changes."""
    return (ask.get_attribute("role") == "group" and
            ask.get_attribute("aria-labelledby") == question.get_attribute("id") and
            question.get_attribute("aria-live") == "polite")


def audited_unlocks(box):
    db = sqlite3.connect(box.db_path())
    try:
        return [(a, json.loads(t)) for a, t in db.execute(
            "SELECT actor, detail FROM audit WHERE action = 'attendance.unlock' ORDER BY id")]
    finally:
        db.close()


def without_dialogs(d):
    return d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NO_DIALOGS})


def assert_no_dialog_nor_error(d):
    assert d.execute_script("return window.pbDialogs") == 0
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == [], severe


def with_dialogs(d, script):
    d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                      {"identifier": script["identifier"]})


def test_admin_unlocks_a_day_with_a_reason_typed_in_the_page(browser):
    d = browser
    box, api = started_box()
    script = without_dialogs(d)
    try:
        add_staff(box, "kepala", role="admin")
        sid = api.create_session(title="Diklat Buka Kunci")
        api.roster(sid, roster_csv(2))
        r = api.post(f"/api/v1/sessions/{sid}/lock", json={})
        assert r.status_code == 200, r.text
        assert api.day(sid)["locked"]
        set_viewport(d, *PHONE)
        staff_login(d, box, "kepala", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "session-view").is_displayed(), "no session")
        unlock = d.find_element(By.ID, "unlock")
        wait(d, lambda d: unlock.is_displayed(), "no unlock button for the admin")
        ask = d.find_element(By.ID, "unlock-confirm")
        field = d.find_element(By.ID, "unlock-reason")
        err = d.find_element(By.ID, "unlock-error")
        assert not ask.is_displayed()

        # the question in the page, the focus in its labelled field
        ask_with(d, unlock, ask, "")
        assert active_id(d) == "unlock-reason"
        question = d.find_element(By.ID, "unlock-question")
        assert question.text.startswith("Buka kunci daftar hadir ") and "alasan" in \
            question.text.lower(), question.text
        assert is_question_block(ask, question)
        assert d.find_element(By.CSS_SELECTOR, "label[for='unlock-reason']").text == \
            "Alasan membuka kunci (wajib)"
        assert int(field.get_attribute("maxlength")) == reason_max()
        assert d.find_element(By.ID, "unlock-yes").text == "Ya, buka kunci"
        assert d.find_element(By.ID, "unlock-no").text == "Batal"
        fits(d, "unlock question wider than the phone")

        # nothing typed: refused in the page, said, nothing sent
        d.find_element(By.ID, "unlock-yes").click()
        wait(d, lambda d: err.is_displayed(), "no word for an empty reason")
        assert err.text == "Tulis dulu alasan membuka kunci."
        assert err.get_attribute("role") == "alert"
        assert field.get_attribute("aria-invalid") == "true"
        assert active_id(d) == "unlock-reason" and ask.is_displayed()
        shot(d, "unlock-empty")
        audit(d, "unlock question, empty reason refused", both_languages=False)
        # spaces only: the same; Enter in the field is "Ya"
        field.send_keys("   ", Keys.ENTER)
        assert err.text == "Tulis dulu alasan membuka kunci." and ask.is_displayed()
        # past the box's limit in bytes (each é is two): refused, what was typed kept
        field.clear()
        long = "é" * (reason_max() // 2 + 1)
        field.send_keys(long)
        d.find_element(By.ID, "unlock-yes").click()
        wait(d, lambda d: "terlalu panjang" in err.text, "no word for a long reason")
        assert f"paling banyak {reason_max()}" in err.text
        assert field.get_attribute("value") == long
        assert requests_to(d, "/unlock") == 0 and api.day(sid)["locked"]

        # Batal: still locked, the focus back on the button, the text kept
        field.clear()
        field.send_keys("Salah ketik")
        d.find_element(By.ID, "unlock-no").click()
        wait(d, lambda d: not ask.is_displayed(), "Batal left the question")
        assert active_id(d) == "unlock"
        # Escape: the same; the error of before is gone on the next opening
        ask_with(d, unlock, ask, "the second time")
        assert field.get_attribute("value") == "Salah ketik"
        assert not err.is_displayed() and field.get_attribute("aria-invalid") is None
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(d, lambda d: not ask.is_displayed(), "Escape left the question")
        assert active_id(d) == "unlock"
        assert requests_to(d, "/unlock") == 0 and api.day(sid)["locked"]
        assert audited_unlocks(box) == [] and outbox_payloads(box, "attendance.unlock") == []

        # in English: the question, its label, its buttons and its error
        switch_language(d)
        unlock = d.find_element(By.ID, "unlock")
        wait(d, lambda d: unlock.is_displayed(), "no unlock button in English")
        ask_with(d, unlock, ask, "in English")
        assert question.text.startswith("Unlock the attendance list of "), question.text
        assert d.find_element(By.CSS_SELECTOR, "label[for='unlock-reason']").text == \
            "Reason for unlocking (required)"
        assert d.find_element(By.ID, "unlock-yes").text == "Yes, unlock"
        field.clear()
        d.find_element(By.ID, "unlock-yes").click()
        wait(d, lambda d: err.text == "Write the reason for unlocking first.",
             "no English word for an empty reason")
        fits(d, "unlock question in English wider than the phone")
        d.find_element(By.ID, "unlock-no").click()
        switch_language(d)

        # a reason: sent, the day unlocked, the reason recorded by the box
        reason = "Bu Sari hadir, salah tandai tidak hadir"
        unlock = d.find_element(By.ID, "unlock")
        wait(d, lambda d: unlock.is_displayed(), "no unlock button again")
        ask_with(d, unlock, ask, "the last time")
        field.clear()
        field.send_keys(reason)
        shot(d, "unlock-reason")
        audit(d, "unlock question with a reason", both_languages=False)
        d.find_element(By.ID, "unlock-yes").click()
        wait(d, lambda d: not api.day(sid)["locked"], "the day was not unlocked")
        wait(d, lambda d: d.find_element(By.ID, "status").text == "Kunci dibuka.",
             "no word of the unlocking")
        wait(d, lambda d: not d.find_element(By.ID, "unlock").is_displayed(),
             "unlock still offered")
        wait(d, lambda d: d.find_element(By.ID, "lock").is_enabled(), "lock not offered again")
        assert not ask.is_displayed()
        sent = outbox_payloads(box, "attendance.unlock")
        assert [(p["reason"], p["by"]) for p in sent] == [(reason, "kepala")]
        assert [(a, p["reason"]) for a, p in audited_unlocks(box)] == [("kepala", reason)]
        assert requests_to(d, "/unlock") == 1
        shot(d, "unlocked")
        assert_no_dialog_nor_error(d)
    finally:
        with_dialogs(d, script)
        # the staff page refreshes its list every few seconds: left open, it
        # would ask the closed box and the next test would read the refusal
        # in the browser's log as its own
        d.get("about:blank")
        box.close()


def attempts(lb):
    db = sqlite3.connect(lb.box.db_path())
    try:
        return db.execute("SELECT finished_ms, correct, total FROM learning_attempt").fetchall()
    finally:
        db.close()


def test_teacher_sends_a_test_with_blanks_after_the_question_in_the_page(browser, tmp_path):
    d = browser
    boxes = Boxes()
    script = without_dialogs(d)
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=1,
                      box={"att": "code_period_s = 600\ncode_grace_s = 600\n"})
        code = lb.staff.code(lb.sid)
        set_viewport(d, *PHONE)
        d.get(lb.base + "/belajar.html#m=" + MODULE)
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") ==
             str(lb.sid), "session not offered")
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys(code)
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_element(By.ID, "step-progress").is_displayed(),
             "Progres saya not shown")
        d.find_element(By.CSS_SELECTOR, "button[data-test='awal']").click()
        wait(d, lambda d: d.find_element(By.ID, "step-test").is_displayed(), "test not shown")
        pick(d, "s1", "b")
        pick(d, "s2", "a")
        finish = d.find_element(By.ID, "finish")
        ask = d.find_element(By.ID, "finish-confirm")
        question = d.find_element(By.ID, "finish-question")
        assert not ask.is_displayed()

        # two of four unanswered: said in the page, the focus on the question
        ask_with(d, finish, ask, "")
        assert question.text.startswith("2 dari 4 soal belum dijawab."), question.text
        assert active_id(d) == "finish-question"
        assert is_question_block(ask, question)
        assert d.find_element(By.ID, "finish-yes").text == "Kirim saja"
        assert d.find_element(By.ID, "finish-no").text == "Kembali menjawab"
        fits(d, "test question wider than the phone")
        h = d.execute_script("return document.documentElement.scrollHeight")
        set_viewport(d, PHONE[0], max(int(h), PHONE[1]))
        shot(d, "test-blanks")
        set_viewport(d, *PHONE)
        audit(d, "test with blanks, the question", both_languages=False)

        # Kembali menjawab: nothing sent, the focus back on "Selesai dan kirim"
        d.find_element(By.ID, "finish-no").click()
        wait(d, lambda d: not ask.is_displayed(), "Kembali left the question")
        assert active_id(d) == "finish"
        # one more answer, then Escape: the count follows, nothing sent either
        pick(d, "s3", "b")
        ask_with(d, finish, ask, "the second time")
        assert question.text.startswith("1 dari 4 soal belum dijawab."), question.text
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(d, lambda d: not ask.is_displayed(), "Escape left the question")
        assert active_id(d) == "finish"
        assert requests_to(d, "/finish") == 0
        assert [a[0] for a in attempts(lb)] == [0]          # not finished
        assert d.find_element(By.ID, "step-test").is_displayed()

        # in English: the words and the one-question form
        switch_language(d)
        ask_with(d, finish, ask, "in English")
        assert question.text.startswith("1 of 4 questions is not answered."), question.text
        assert d.find_element(By.ID, "finish-yes").text == "Send anyway"
        assert d.find_element(By.ID, "finish-no").text == "Back to the questions"
        d.find_element(By.ID, "finish-no").click()
        switch_language(d)

        # Kirim saja, pressed twice in a row (Enter on the button, a key that
        # repeats): sent once, scored by the box (two right of four)
        ask_with(d, finish, ask, "the last time")
        d.execute_script("document.getElementById('finish-yes').focus()")
        ActionChains(d).send_keys(Keys.ENTER).send_keys(Keys.ENTER).perform()
        wait(d, lambda d: d.find_element(By.ID, "step-result").is_displayed(), "no result")
        assert d.find_element(By.ID, "result-score").text == "Nilai 50"
        assert "2 dari 4 soal benar" in d.find_element(By.ID, "result-text").text
        (finished, correct, total), = attempts(lb)
        assert finished > 0 and (correct, total) == (2, 4)
        assert requests_to(d, "/finish") == 1
        assert not ask.is_displayed()
        shot(d, "test-sent")
        assert_no_dialog_nor_error(d)
    finally:
        with_dialogs(d, script)
        boxes.close()
