"""Photos on a worksheet (LK) in a real Chromium: on a 360 px phone a
teacher adds photos with "Tambah foto" (the file picker; selenium gives it
a path), sees previews, is told a fourth is one too many, removes two
before sending, sends with progress shown (the page makes
each photo a smaller JPEG first); a facilitator sees the photo in the
review queue and asks for a revision; the teacher sees the review and the
thumbnail of the photo sent. axe-core checks each step in both languages.
Screenshots land in build/screenshots/lk-photo-*."""
import os
import sys

from selenium.webdriver.common.by import By

import test_checkin_browser as checkin_browser
from a11y import audit
from conftest import PHONE, SCREENSHOTS, Boxes, overflowing, set_viewport, staff_login
from test_claims_browser import photo_png
from test_learning_browser import shot, unlabelled
from test_learning_switch_keeps import open_progress

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, outbox_payloads  # noqa: E402
from learning_util import MODULE, LearnBox  # noqa: E402

wait = checkin_browser.wait

LOADED = "return arguments[0].complete && arguments[0].naturalWidth > 0"


def loaded_images(d, css):
    imgs = d.find_elements(By.CSS_SELECTOR, css)
    return len(imgs) if imgs and all(d.execute_script(LOADED, i) for i in imgs) else 0


def test_teacher_sends_a_worksheet_with_a_photo_facilitator_sees_it(browser, tmp_path):
    d = browser
    boxes = Boxes()
    try:
        lb = LearnBox(boxes, tmp_path / "usb", n=1,
                      box={"att": "code_period_s = 600\ncode_grace_s = 600\n"})
        pictures = [str(tmp_path / f"lk-{i}.png") for i in range(2)]
        for i, p in enumerate(pictures):
            photo_png(p, 1600 + 200 * i, 1200)
        set_viewport(d, *PHONE)
        open_progress(d, lb)
        picker = d.find_element(By.ID, "photo-lk1")
        assert picker.get_attribute("accept") == "image/*"
        label = d.find_element(By.CSS_SELECTOR, "label[for='photo-lk1']").text
        assert label == "Tambah foto"
        # two photos chosen, previews shown; the first taken out again
        for p in pictures:
            d.find_element(By.ID, "photo-lk1").send_keys(p)
            wait(d, lambda d: loaded_images(d, "#previews-lk1 img") ==
                 pictures.index(p) + 1, "no preview of the chosen photo")
        assert "Foto 2 yang akan dikirim" == d.find_elements(
            By.CSS_SELECTOR, "#previews-lk1 img")[1].get_attribute("alt")
        assert unlabelled(d) == []
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        assert overflowing(d) == []
        shot(d, "lk-photo-previews")
        audit(d, "worksheet photos, previews")
        # a third fits ([learning] worksheet_photos_max = 3), a fourth is refused
        d.find_element(By.ID, "photo-lk1").send_keys(pictures[0])
        wait(d, lambda d: loaded_images(d, "#previews-lk1 img") == 3, "third photo not taken")
        d.find_element(By.ID, "photo-lk1").send_keys(pictures[1])
        wait(d, lambda d: "Paling banyak 3 foto" in d.find_element(By.ID, "ws-msg-lk1").text,
             "a fourth photo not refused in the card")
        assert len(d.find_elements(By.CSS_SELECTOR, "#previews-lk1 li")) == 3
        for left in (2, 1):
            d.find_element(By.XPATH, "//button[text()='Hapus foto 1']").click()
            wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#previews-lk1 li")) == left,
                 "photo not removed")
        # no text yet: said in the card, in Indonesian, nothing lost
        d.find_element(By.CSS_SELECTOR, "button[data-worksheet='lk1']").click()
        wait(d, lambda d: "Tulis jawaban" in d.find_element(By.ID, "ws-msg-lk1").text,
             "empty text not refused in the card")
        assert len(d.find_elements(By.CSS_SELECTOR, "#previews-lk1 li")) == 1
        d.find_element(By.ID, "ws-lk1").send_keys("Rangkaian seri, gambar di foto.")
        # every message the card shows while sending, kept for the check below
        d.execute_script(
            "window.said = []; new MutationObserver(function () {"
            " var m = document.getElementById('ws-msg-lk1');"
            " if (m && m.textContent) window.said.push(m.textContent); })"
            ".observe(document.body, {subtree: true, childList: true, characterData: true});")
        d.find_element(By.CSS_SELECTOR, "button[data-worksheet='lk1']").click()
        wait(d, lambda d: "menunggu penilaian" in d.find_element(By.ID, "worksheet-lk1").text,
             "worksheet not sent")
        wait(d, lambda d: loaded_images(d, "#worksheet-lk1 .bl-thumb") == 1,
             "the sent photo is not shown to its teacher")
        said = d.execute_script("return window.said")
        assert "Mengirim… 0%" in said and "Mengirim… 100%" in said, said
        sent = outbox_payloads(lb.box, "learning.worksheet")
        assert len(sent) == 1 and len(sent[0]["photos"]) == 1
        assert sent[0]["photos"][0]["mime"] == "image/jpeg"
        # the page made it smaller: the longest side tried first is 1280 px
        assert sent[0]["photos"][0]["size"] <= 65536
        teacher_window = d.current_window_handle

        # the facilitator, on a phone too: the photo in the queue, then a review
        d.switch_to.new_window("window")
        set_viewport(d, *PHONE)
        staff_login(d, lb.box, "fasil", PASSWORD)
        d.get(lb.base + "/hasil-belajar.html")
        wait(d, lambda d: d.find_element(By.ID, "session-view").is_displayed(), "no session")
        wait(d, lambda d: loaded_images(d, "#queue .hb-thumb") == 1,
             "the photo is not shown in the review queue")
        img = d.find_element(By.CSS_SELECTOR, "#queue .hb-thumb")
        assert img.get_attribute("alt") == "Foto 1 dari Guru Nomor 0"
        assert d.execute_script("return arguments[0].naturalWidth", img) == 1280
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        d.save_screenshot(os.path.join(SCREENSHOTS, "lk-photo-queue.png"))
        audit(d, "worksheet photos, review queue")
        d.find_element(By.CSS_SELECTOR, "#queue textarea").send_keys("Fotonya buram.")
        d.find_element(By.CSS_SELECTOR, "#queue button[data-status='revise']").click()
        wait(d, lambda d: "Tidak ada lembar kerja" in d.find_element(By.ID, "queue").text,
             "review not saved")
        d.close()

        d.switch_to.window(teacher_window)
        d.get("about:blank")
        d.get(lb.base + "/belajar.html#m=" + MODULE)
        wait(d, lambda d: "Perlu revisi" in d.find_element(By.ID, "worksheet-lk1").text,
             "the review is not shown")
        assert "Fotonya buram." in d.find_element(By.ID, "worksheet-lk1").text
        wait(d, lambda d: loaded_images(d, "#worksheet-lk1 .bl-thumb") == 1,
             "the sent photo is not shown after the review")
        assert "mengganti foto" in d.find_element(By.ID, "photo-hint-lk1").text
        shot(d, "lk-photo-review")
        audit(d, "worksheet photos, review seen")
        severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], severe
    finally:
        boxes.close()
