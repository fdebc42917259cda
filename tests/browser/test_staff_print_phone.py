"""A facilitator prints the day's daftar hadir from the staff page on a
360 px phone ("Cetak daftar hadir", to PDF here, read back with
pdftotext): the date under the heading is written out in Indonesian as on
the other papers ("Senin, 7 Desember 2026"), not "2026-12-07"; the
session line has no empty "KK -" or trailing dot; every column is on the
paper, names and schools whole."""
import datetime
import os
import sys

from selenium.webdriver.common.by import By

from conftest import PHONE, printed, set_viewport, started_box, wait
from test_papers_print import DAYS, MONTHS
from test_staff_two_sessions import day_on_phone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import nuptk  # noqa: E402

SCHOOL = "SMP Negeri 3 Kabupaten Timor Tengah Selatan"


def test_daftar_hadir_printed_from_a_phone(browser):
    d = browser
    box, _ = started_box()
    try:
        day_on_phone(d, box, "Matematika KK D",
                     f"NUPTK,Nama,NPSN,Sekolah\n{nuptk(1)},Fransiska Xaveria Lusi Bano,"
                     f"50300001,{SCHOOL}\n{nuptk(2)},Budi,50300002,SMPN 1 Soe\n")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rows tr")) == 2, "no rows")
        today = datetime.date.today()           # the session was made for today
        long_day = "%s, %d %s %d" % (DAYS[today.weekday()], today.day, MONTHS[today.month - 1],
                                     today.year)

        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        date_line = d.find_element(By.ID, "p-date").text
        session_line = d.find_element(By.ID, "p-session").text
        _, text = printed(d, "daftar-hadir-phone.pdf")
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        flat = " ".join(text.split())

        assert date_line.startswith("Tanggal " + long_day), date_line
        assert today.isoformat() not in date_line, date_line
        assert long_day in flat, text[:1500]
        # a session with no KK and no subject: its title alone, no "KK - ·"
        assert session_line == "Matematika KK D", session_line
        for words in ("DAFTAR HADIR", "Nama", "Sekolah", "Status", "Waktu", "Tanda",
                      "tangan", "Fasilitator"):
            assert words in flat, (words, text[:1500])
        # each word of the long name and school (a cell may wrap between them)
        for word in ("Fransiska Xaveria Lusi Bano " + SCHOOL).split():
            assert word in flat, (word, text[:1500])
    finally:
        set_viewport(d, *PHONE)
        box.close()
