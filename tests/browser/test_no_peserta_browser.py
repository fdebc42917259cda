"""A teacher without a NUPTK on a 360×640 phone in headless Chromium:
the participant number from the roster is typed in the NUPTK field, the
check-in goes through, the phone remembers the number for the next day,
and a number the roster lacks is refused next to the field."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, set_viewport, started_box
from test_checkin_flows import fill, fits, open_page, sign_and_send, visible, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import nuptk  # noqa: E402

ROSTER = ("NUPTK,Nama,No Peserta,Sekolah\r\n"
          f"{nuptk(0)},Guru Nol,,SMPN 1\r\n"
          ",Rina Tanpa Nuptk,UKG-2024/88,SDN 9 Kota Uji\r\n")


def test_checkin_by_participant_number(browser):
    d = browser
    box, st = started_box()
    try:
        sid = st.create_session(title="Kelas Tanpa NUPTK")
        assert st.roster(sid, ROSTER).json()["accepted"] == 2
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
        assert rows == {"UKG-2024/88": "present"}

        # the phone remembers the number
        open_page(d, box)
        wait(d, lambda d: visible(d, "remembered"), "the phone forgot the teacher")
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == "UKG-2024/88"
        assert "No Peserta UKG-2024/88" in d.find_element(By.ID, "remembered-text").text
    finally:
        set_viewport(d, 360, 740)
        box.close()
