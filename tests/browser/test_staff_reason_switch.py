"""A facilitator on a 360 px phone is typing the reason for a teacher's
absence (the box asked under the teacher's row, or an admin the reason for
opening a locked day) and switches the language: the whole list is in the
new language at once (each row's status and its mark buttons, the
counts), not only the box being typed in, which stays open under its
teacher with what was typed; and saving it then marks the teacher. The
rows stayed in the old language until the box was saved or closed."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, set_viewport, staff_login, started_box, wait
from test_language_switch_messages import switch
from test_staff_two_sessions import day_on_phone, roster

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402

EDITOR = ".att-reason-row"
ENGLISH_MARKS = ["Present", "Excused", "Sick", "Absent"]
INDONESIAN_MARKS = ["Hadir", "Izin", "Sakit", "Tidak hadir"]


def rows(d):
    """Each teacher's row as (status, [mark buttons]), and the reason box's
    place: the NUPTK of the row just above it (None when no box)."""
    return d.execute_script("""
        var out = [], under = null, trs = document.querySelectorAll('#rows > tr'), i, b, p;
        for (i = 0; i < trs.length; i++) {
            if (trs[i].className.indexOf('att-reason-row') >= 0) {
                p = trs[i].previousElementSibling;
                under = p ? p.getAttribute('data-nuptk') : '';
                continue;
            }
            b = [].map.call(trs[i].querySelectorAll('button[data-mark]'),
                            function (x) { return x.textContent; });
            out.push([trs[i].querySelector('.att-c-status span').textContent, b]);
        }
        return [out, under];""")


def test_switch_while_a_reason_is_typed_redraws_the_list(browser):
    d = browser
    box, api = started_box()
    try:
        day_on_phone(d, box, "IPA KK E", roster(300, ["Ani Hadir", "Budi Izin"]))
        d.find_element(By.CSS_SELECTOR, "#rows tr[data-nuptk] button[data-mark=present]").click()
        wait(d, lambda d: d.find_element(By.ID, "counts").text.startswith("Hadir 1"),
             "mark not shown")
        budi = d.find_elements(By.CSS_SELECTOR, "#rows tr[data-nuptk]")[1]
        budi_id = budi.get_attribute("data-nuptk")
        budi.find_element(By.CSS_SELECTOR, "button[data-mark=excused]").click()
        d.find_element(By.CSS_SELECTOR, EDITOR + " input").send_keys("rapat dinas")

        switch(d, "en")
        # at once: no wait for the list's next poll
        listed, under = rows(d)
        assert listed == [["Present", ENGLISH_MARKS], ["Not yet", ENGLISH_MARKS]], listed
        assert under == budi_id, "the reason box left its teacher"
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                         d.find_element(By.CSS_SELECTOR, EDITOR))
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-reason-switched.png"))
        assert d.find_element(By.ID, "counts").text.startswith("Present 1"), \
            d.find_element(By.ID, "counts").text
        assert "Reason for Excused for Budi Izin" in d.find_element(By.CSS_SELECTOR, EDITOR).text
        assert d.find_element(By.CSS_SELECTOR, EDITOR + " input").get_attribute("value") == \
            "rapat dinas"
        # the list's polls keep it still while the reason is typed
        wait(d, lambda d: d.execute_script(
            "return performance.getEntriesByType('resource').filter(function (e) {"
            " return e.name.indexOf('/attendance') > 0; }).length") > 2, "no poll")
        assert rows(d)[1] == budi_id

        switch(d, "id")
        listed, under = rows(d)
        assert listed == [["Hadir", INDONESIAN_MARKS], ["Belum hadir", INDONESIAN_MARKS]], listed
        assert under == budi_id
        assert d.find_element(By.ID, "counts").text.startswith("Hadir 1")
        d.find_element(By.CSS_SELECTOR, EDITOR + " button[type=submit]").click()
        wait(d, lambda d: d.find_element(By.ID, "status").text == "Budi Izin: Izin",
             "the reason kept was not saved")
        sid = int(d.execute_script("return new URLSearchParams(location.search).get('session')"))
        assert [r.get("reason") for r in api.day(sid)["rows"] if r["name"] == "Budi Izin"] == \
            ["rapat dinas"]
        wait(d, lambda d: rows(d)[1] is None, "the reason box stayed")

        # Cancel after a switch takes the box away from the list drawn anew
        d.find_elements(By.CSS_SELECTOR, "#rows tr[data-nuptk]")[0].find_element(
            By.CSS_SELECTOR, "button[data-mark=sick]").click()
        switch(d, "en")
        d.find_element(By.CSS_SELECTOR, EDITOR + " button[type=button]").click()
        wait(d, lambda d: rows(d)[1] is None, "Cancel left the box")
        assert d.get_log("browser") == []
    finally:
        box.close()


def test_switch_while_the_unlock_reason_is_typed_keeps_it_open(browser):
    d = browser
    box, api = started_box()
    try:
        add_staff(box, name="kepala", role="admin")
        sid = api.create_session(title="Diklat Buka")
        api.roster(sid, roster(400, ["Cici"]))
        api.post(f"/api/v1/sessions/{sid}/lock", json={"day": api.day(sid)["day"]})
        set_viewport(d, 360, 640)
        staff_login(d, box, "kepala", PASSWORD)
        unlock = d.find_element(By.ID, "unlock")
        wait(d, lambda d: unlock.is_displayed(), "unlock not offered")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", unlock)
        unlock.click()
        d.find_element(By.ID, "unlock-yes").click()
        wait(d, lambda d: d.find_element(By.ID, "unlock-error").is_displayed(), "no reason asked")
        d.find_element(By.ID, "unlock-reason").send_keys("salah tandai")

        switch(d, "en")
        assert d.find_element(By.ID, "unlock-confirm").is_displayed(), "the question closed"
        assert d.find_element(By.ID, "unlock-question").text.startswith("Unlock"), \
            d.find_element(By.ID, "unlock-question").text
        assert not d.find_element(By.ID, "unlock-error").is_displayed()  # a reason is typed
        assert d.find_element(By.ID, "unlock-reason").get_attribute("value") == "salah tandai"
        listed, _ = rows(d)
        assert listed == [["Not yet", ENGLISH_MARKS]], listed
        d.find_element(By.ID, "unlock-yes").click()
        wait(d, lambda d: not api.day(sid).get("locked"), "not unlocked")
    finally:
        box.close()
