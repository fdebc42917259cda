"""The facilitator's page switched to English on a 360 px phone says
everything in English: "Ani Hadir: Hadir" (a mark saved) and "Pilih berkas
CSV atau tempel isinya." (an empty roster sent) stayed under the English
page, and "Masuk sebagai fasil (fasilitator)" stayed at the top. A field's
fault is said again in the new language, and so is a reason being asked
in the list; what was typed stays; and back in Indonesian."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import started_box, wait
from test_language_switch_messages import switch
from test_staff_two_sessions import day_on_phone, roster

# lines of the Indonesian page that have no place on the English one
INDONESIAN = ("Hadir", "Pilih berkas", "Masuk sebagai", "Hari ke-", "mulai ", "Berganti dalam",
              "belum", "dibuat", "Isi judul")


def text(d, id_):
    return d.find_element(By.ID, id_).text


def text_of(d, css):
    return d.find_element(By.CSS_SELECTOR, css).text


def test_staff_page_messages_follow_the_language(browser):
    d = browser
    box, _ = started_box()
    try:
        day_on_phone(d, box, "IPA KK B", roster(100, ["Ani Hadir", "Budi Belum"]))
        # the list is drawn once the roster's answer is in: wait for its row
        mark = "#rows tr[data-nuptk] button[data-mark=present]"
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, mark), "roster not listed")
        d.find_element(By.CSS_SELECTOR, mark).click()
        wait(d, lambda d: text(d, "status") == "Ani Hadir: Hadir", "mark not saved")
        d.find_element(By.ID, "m-nuptk").send_keys("1234")     # typed, not sent
        d.find_element(By.ID, "r-text").clear()
        d.find_element(By.CSS_SELECTOR, "#roster-form button[type=submit]").click()
        wait(d, lambda d: text(d, "error") == "Pilih berkas CSV atau tempel isinya.",
             "no empty-roster error")
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
        d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").click()
        wait(d, lambda d: text(d, "c-title-error") == "Isi judul kegiatan.", "no title error")

        switch(d, "en")
        assert text(d, "status") == ""
        assert not d.find_element(By.ID, "error").is_displayed()
        wait(d, lambda d: text(d, "who").startswith("Logged in as fasil"), "who still Indonesian")
        wait(d, lambda d: text(d, "counts").startswith("Present 1"), "list not redrawn")
        wait(d, lambda d: text(d, "code-left").startswith("Changes in"), "code not redrawn")
        assert text(d, "c-title-error") == "Enter the session's title."
        assert "starts " in text(d, "s-meta"), text(d, "s-meta")
        assert Select(d.find_element(By.ID, "day")).first_selected_option.text.startswith("Day 1 (")
        assert Select(d.find_element(By.ID, "pick")).options[0].text == "\u2014 choose \u2014"
        assert d.find_element(By.ID, "m-nuptk").get_attribute("value") == "1234"
        page = d.find_element(By.ID, "main").text
        left = [w for w in INDONESIAN if w in page.replace("Ani Hadir", "").replace(
            "Budi Belum", "")]
        assert left == [], left

        switch(d, "id")
        wait(d, lambda d: text(d, "who").startswith("Masuk sebagai fasil"), "who not Indonesian")
        wait(d, lambda d: text(d, "counts").startswith("Hadir 1"), "list not redrawn")
        assert text(d, "c-title-error") == "Isi judul kegiatan."
        assert d.find_element(By.ID, "m-nuptk").get_attribute("value") == "1234"

        # a reason being asked in the list: its words follow, what was typed stays
        d.find_element(By.CSS_SELECTOR, "#rows tr[data-nuptk]:nth-child(2) "
                                        "button[data-mark=excused]").click()
        editor = ".att-reason-row"
        d.find_element(By.CSS_SELECTOR, editor + " button[type=submit]").click()
        wait(d, lambda d: "Tulis alasannya dulu." in text_of(d, editor), "no reason asked")
        d.find_element(By.CSS_SELECTOR, editor + " input").send_keys("rap")
        switch(d, "en")
        words = text_of(d, editor)
        assert "Reason for Excused for Budi Belum" in words and \
            "Write the reason first." in words, words
        assert [b.text for b in d.find_elements(By.CSS_SELECTOR, editor + " button")] == \
            ["Cancel", "Save"]
        assert d.find_element(By.CSS_SELECTOR, editor + " input").get_attribute("value") == "rap"
        d.find_element(By.CSS_SELECTOR, editor + " button[type=button]").click()
        wait(d, lambda d: text(d, "counts").startswith("Present 1"), "list not redrawn")
    finally:
        box.close()
