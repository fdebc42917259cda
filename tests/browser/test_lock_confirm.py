""""Kunci hari ini" on the facilitator page asks in the page, not with a
browser confirm() box (a phone's sign-in window may drop those without a
word, and the day would never lock). At 360 px, in a browser whose
confirm() answers "no" at once as such windows do: the question shows, the
focus moves to it, Batal and Escape leave the day open and give the focus
back, "Ya, kunci" locks it; the question reads in English too."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from a11y import audit, switch_language
from conftest import set_viewport, staff_login, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, roster_csv  # noqa: E402

NO_DIALOGS = ("window.pbAsked = 0;"
              "window.confirm = function () { window.pbAsked++; return false; };")


def active_id(d):
    return d.switch_to.active_element.get_attribute("id")


def locked(api, sid):
    return bool(api.day(sid).get("locked"))


def test_lock_asks_in_the_page(browser):
    d = browser
    box, api = started_box()
    script = d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NO_DIALOGS})
    try:
        sid = api.create_session(title="Diklat Kunci")
        api.roster(sid, roster_csv(2))
        set_viewport(d, 360, 640)
        staff_login(d, box, "fasil", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "session-view").is_displayed(), "no session")
        lock = d.find_element(By.ID, "lock")
        wait(d, lambda d: lock.is_enabled(), "lock not offered")
        ask = d.find_element(By.ID, "lock-confirm")
        assert not ask.is_displayed()

        # Batal: nothing locked, the focus back on the button
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", lock)
        lock.click()
        wait(d, lambda d: ask.is_displayed(), "no question in the page")
        assert active_id(d) == "lock-question"
        question = d.find_element(By.ID, "lock-question")
        assert "Kunci daftar hadir" in question.text and "admin" in question.text
        assert question.get_attribute("aria-live") == "polite"
        assert ask.get_attribute("role") == "group"
        assert d.find_element(By.ID, "lock-yes").text == "Ya, kunci"
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        audit(d, "facilitator, lock question", both_languages=False)
        d.find_element(By.ID, "lock-no").click()
        wait(d, lambda d: not ask.is_displayed(), "Batal left the question")
        assert active_id(d) == "lock" and not locked(api, sid)

        # Escape: the same
        lock.click()
        wait(d, lambda d: ask.is_displayed(), "no question the second time")
        d.switch_to.active_element.send_keys(Keys.ESCAPE)
        wait(d, lambda d: not ask.is_displayed(), "Escape left the question")
        assert active_id(d) == "lock" and not locked(api, sid)

        # in English, the question and its buttons
        switch_language(d)
        lock = d.find_element(By.ID, "lock")
        wait(d, lambda d: lock.is_enabled(), "lock not offered in English")
        lock.click()
        wait(d, lambda d: ask.is_displayed(), "no question in English")
        assert "Lock today's attendance" in d.find_element(By.ID, "lock-question").text
        assert d.find_element(By.ID, "lock-yes").text == "Yes, lock"
        assert d.find_element(By.ID, "lock-no").text == "Cancel"
        d.find_element(By.ID, "lock-no").click()
        switch_language(d)

        # Ya, kunci: locked, said on the page, the button no longer offered
        lock = d.find_element(By.ID, "lock")
        wait(d, lambda d: lock.is_enabled(), "lock not offered again")
        lock.click()
        wait(d, lambda d: ask.is_displayed(), "no question the last time")
        d.find_element(By.ID, "lock-yes").click()
        wait(d, lambda d: locked(api, sid), "the day was not locked")
        wait(d, lambda d: "dikunci" in d.find_element(By.ID, "status").text, "no word of it")
        wait(d, lambda d: not d.find_element(By.ID, "lock").is_enabled(), "lock still offered")
        assert not ask.is_displayed()
        assert d.execute_script("return window.pbAsked") == 0     # no browser dialog used
    finally:
        d.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                          {"identifier": script["identifier"]})
        box.close()
