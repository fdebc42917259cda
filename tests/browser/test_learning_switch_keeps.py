"""A teacher on a 360 px phone in "Progres saya" (belajar.html): an answer
typed into a worksheet survives the page redrawing its lists (another
activity marked done, the language switched); a test under way and its
result are said again in the new language when the teacher switches,
the result keeping the test's own title; a worksheet's due date is
written out, not left as 2030-01-31."""
import os
import sys

from selenium.webdriver.common.by import By

from a11y import switch_language
from conftest import PHONE, Boxes, set_viewport, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from learning_util import MODULE, LearnBox, nuptk  # noqa: E402

DRAFT = "Dua lampu dirangkai seri; satu dilepas, yang lain ikut padam."


def text(d, id_):
    return d.find_element(By.ID, id_).text


def open_progress(d, lb):
    d.get(lb.base + "/belajar.html#m=" + MODULE)
    d.execute_script("window.localStorage.clear()")
    d.refresh()
    wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(lb.sid),
         "session not offered")
    d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
    d.find_element(By.ID, "code").send_keys(lb.staff.code(lb.sid))
    d.find_element(By.ID, "open").click()
    wait(d, lambda d: d.find_element(By.ID, "step-progress").is_displayed(),
         "Progres saya not shown")


def pick(d, item, option, saved):
    box = d.find_element(By.CSS_SELECTOR, f"input[name='item-{item}'][value='{option}']")
    d.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").click()
    wait(d, lambda d: text(d, "st-" + item) == saved, f"answer to {item} not saved")


def test_worksheet_draft_kept_and_test_follows_the_language(browser, tmp_path):
    d = browser
    boxes = Boxes()
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=1,
                      box={"att": "code_period_s = 600\ncode_grace_s = 600\n"})
        set_viewport(d, *PHONE)
        open_progress(d, lb)
        card = d.find_element(By.ID, "worksheet-lk1").text
        assert "batas Kamis, 31 Januari 2030" in card, card

        # typed, not sent; another activity is marked done: the answer stays
        d.find_element(By.ID, "ws-lk1").send_keys(DRAFT)
        d.find_element(By.CSS_SELECTOR, "#activities button[data-activity]").click()
        wait(d, lambda d: "selesai" in text(d, "activities").split("\n")[0],
             "activity not marked done")
        assert d.find_element(By.ID, "ws-lk1").get_attribute("value") == DRAFT
        # and the language switched: still there, the date in English
        switch_language(d)
        assert d.find_element(By.ID, "ws-lk1").get_attribute("value") == DRAFT
        assert "due Thursday, 31 January 2030" in text(d, "worksheet-lk1")
        switch_language(d)
        # sent: the box has exactly what was typed
        d.find_element(By.CSS_SELECTOR, "button[data-worksheet='lk1']").click()
        wait(d, lambda d: "menunggu penilaian" in text(d, "worksheet-lk1"), "worksheet not sent")
        assert d.find_element(By.ID, "ws-lk1").get_attribute("value") == DRAFT

        # a test under way, then switched to English
        d.find_element(By.CSS_SELECTOR, "button[data-test='awal']").click()
        wait(d, lambda d: d.find_element(By.ID, "step-test").is_displayed(), "test not shown")
        pick(d, "s1", "b", "Tersimpan")
        pick(d, "m1", "a", "Tersimpan")
        d.find_element(By.ID, "finish").click()
        wait(d, lambda d: d.find_element(By.ID, "finish-confirm").is_displayed(), "no question")
        switch_language(d)
        assert text(d, "test-heading") == "Tes Awal"
        assert text(d, "test-meta") == "Attempt 1 of 2 · KKM 75"
        assert text(d, "st-s1") == "Saved" and text(d, "st-m1") == "Saved"
        assert text(d, "saved") == "2 of 4 questions answered and saved."
        assert "Choose every right answer." in text(d, "item-m1")
        assert text(d, "finish-question").startswith("2 of 4 questions are not answered.")
        pick(d, "s2", "a", "Saved")
        assert text(d, "saved") == "3 of 4 questions answered and saved."
        d.find_element(By.ID, "finish-yes").click()
        wait(d, lambda d: d.find_element(By.ID, "step-result").is_displayed(), "no result")
        assert text(d, "result-score") == "Score 50"

        # the result, switched back to Indonesian: its title stays the test's
        switch_language(d)
        assert text(d, "result-heading") == "Tes Awal"
        assert text(d, "result-score") == "Nilai 50"
        assert text(d, "result-text").startswith("2 dari 4 soal benar.")
        switch_language(d)
        assert text(d, "result-heading") == "Tes Awal"
        assert text(d, "result-score") == "Score 50"
        switch_language(d)
    finally:
        d.execute_script("window.localStorage.clear()")
        boxes.close()
