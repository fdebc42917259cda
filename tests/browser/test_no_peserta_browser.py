"""A teacher without a NUPTK on a 360×640 phone in headless Chromium:
the participant number from the roster is typed in the NUPTK field, the
check-in goes through, the phone remembers the number for the next day,
a number the roster lacks is refused next to the field, and the
facilitator's day view names the teacher by number and marks them in one
tap."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, set_viewport, staff_login, started_box
from test_checkin_flows import fill, fits, open_page, sign_and_send, visible, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, nuptk  # noqa: E402

ROSTER = ("NUPTK,Nama,No Peserta,Sekolah\r\n"
          f"{nuptk(0)},Guru Nol,,SMPN 1\r\n"
          ",Rina Tanpa Nuptk,UKG-2024/88,SDN 9 Kota Uji\r\n"
          ",Tono Tanpa Nuptk,UKG-2024/90,SDN 8 Kota Uji\r\n")


def test_checkin_by_participant_number(browser):
    d = browser
    box, st = started_box()
    try:
        sid = st.create_session(title="Kelas Tanpa NUPTK")
        assert st.roster(sid, ROSTER).json()["accepted"] == 3
        d.delete_all_cookies()
        open_page(d, box)
        d.execute_script("window.localStorage.clear()")
        d.refresh()
        wait(d, lambda d: visible(d, "nuptk"), "no check-in form")
        label = d.find_element(By.CSS_SELECTOR, "label[for=nuptk]").text
        assert "No Peserta" in label

        # a number the roster lacks: the message sits next to the field
        e = d.find_element(By.ID, "nuptk")
        e.clear()
        e.send_keys("UKG-2024/89")
        fill(d, None, lambda: st.code(sid), shows="nuptk-error")
        wait(d, lambda d: visible(d, "nuptk-error"), "no error next to the field")
        assert "No Peserta" in d.find_element(By.ID, "nuptk-error").text
        assert d.find_element(By.ID, "nuptk").get_attribute("aria-invalid") == "true"
        assert not visible(d, "step-confirm")

        # the roster's number, typed in lower case
        fill(d, "ukg-2024/88", lambda: st.code(sid))
        assert d.find_element(By.ID, "who").text.startswith("Rina T")
        assert fits(d)
        assert "tercatat hadir" in sign_and_send(d)
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-no-peserta-360.png"))
        rows = {r["no_peserta"]: r["status"] for r in st.day(sid)["rows"] if r["no_peserta"]}
        assert rows == {"UKG-2024/88": "present", "UKG-2024/90": "not_yet"}

        # the phone remembers the number
        open_page(d, box)
        wait(d, lambda d: visible(d, "remembered"), "the phone forgot the teacher")
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == "UKG-2024/88"
        assert "No Peserta UKG-2024/88" in d.find_element(By.ID, "remembered-text").text

        # the facilitator's day view: the number in the NUPTK column, one-tap Sakit
        staff_login(d, box, "fasil", PASSWORD)
        row = 'tr[data-nuptk="UKG-2024/90"]'
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#rows " + row), "no row")
        tr = d.find_element(By.CSS_SELECTOR, "#rows " + row)
        assert tr.find_elements(By.TAG_NAME, "td")[1].text == "No Peserta UKG-2024/90"
        tr.find_element(By.CSS_SELECTOR, 'button[data-mark="sick"]').click()
        field = wait(d, lambda d: d.find_element(By.ID, "reason-UKG-2024/90"), "no reason field")
        field.send_keys("demam")
        field.find_element(By.XPATH, "ancestor::form").find_element(
            By.CSS_SELECTOR, "button[type=submit]").click()
        wait(d, lambda d: {r["no_peserta"]: r["status"] for r in st.day(sid)["rows"]}.get(
            "UKG-2024/90") == "sick", "the mark did not reach the box")
    finally:
        set_viewport(d, 360, 740)
        box.close()
