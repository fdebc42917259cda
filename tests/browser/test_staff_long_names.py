"""A roster may hold a long unbroken name (100 characters without a space)
or an e-mail-like school: on a 360 px phone the facilitator's day view and
its JP totals stayed wider than the screen, and on the daftar hadir printed
from it the long word pushed the columns off the paper. Long words now
wrap, on the screen and on the paper: nothing wider than the phone, no
cell whose text spills out of it, every column on the printed page and
every letter of the name and the school in the PDF."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import PHONE, SCREENSHOTS, overflowing, printed, set_viewport, started_box, wait
from test_staff_two_sessions import day_on_phone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import nuptk  # noqa: E402

# 100 characters, no space; "Z" and "Q" appear nowhere else on the page
NAME = "Zq" * 50
SCHOOL = "kepala.sekolah.Q" + "x" * 40 + "@pendidikan.kabupaten.go.id"

A4_TEXT_PX = round((210 - 2 * 12) / 25.4 * 96)    # attendance.css: @page margin 15mm 12mm

# Cells whose content is wider than the cell (text spilling out, cut on
# paper), and the table's overflow past its box's right edge.
SPILL_JS = """
/* a visually hidden header (1 px wide, clipped) is left out */
var out = [], cells = document.querySelectorAll(arguments[0]), i, c, w;
for (i = 0; i < cells.length; i++) {
    c = cells[i];
    if (c.closest('thead') && c.closest('thead').getBoundingClientRect().width <= 2)
        continue;
    if (c.getClientRects().length && c.scrollWidth > c.clientWidth + 1)
        out.push(c.tagName + '.' + c.className + ' ' + c.textContent.slice(0, 12) + ' ' +
                 c.scrollWidth + '>' + c.clientWidth);
}
w = document.getElementById('main').getBoundingClientRect().right;
cells = document.querySelectorAll('table');
for (i = 0; i < cells.length; i++)
    if (cells[i].getClientRects().length && cells[i].getBoundingClientRect().right > w + 1)
        out.push('table ' + cells[i].id + ' right ' + cells[i].getBoundingClientRect().right +
                 ' > ' + w);
return out;
"""


def spills(d):
    return d.execute_script(SPILL_JS, "#list td, #list th, .att-table td, .att-table th")


def test_long_unbroken_name_wraps_on_screen_and_paper(browser):
    d = browser
    box, _ = started_box()
    try:
        day_on_phone(d, box, "Matematika KK E",
                     f"NUPTK,Nama,NPSN,Sekolah\n{nuptk(1)},{NAME},50300001,{SCHOOL}\n"
                     f"{nuptk(2)},Budi,50300002,SMPN 1 Soe\n")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#rows tr")) == 2, "no rows")
        d.find_element(By.CSS_SELECTOR, "#rows tr[data-nuptk] button[data-mark=present]").click()
        wait(d, lambda d: d.find_element(By.ID, "counts").text.startswith("Hadir 1"), "no mark")
        assert overflowing(d) == [], overflowing(d)
        assert spills(d) == [], spills(d)
        width = d.execute_script("return document.documentElement.scrollWidth")
        assert width <= 360, width
        names = [e.text.replace("\n", "") for e in
                 d.find_elements(By.CSS_SELECTOR, "#rows td.att-c-name")]
        assert NAME in names, names
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-long-name.png"))

        # the paper: laid out at the A4 page's width less its margins (the
        # page's @page), as the print does, then printed
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            set_viewport(d, A4_TEXT_PX, 1000, mobile=False)
            assert spills(d) == [], spills(d)
            set_viewport(d, 360, 640)
            _, text = printed(d, "daftar-hadir-long-name.pdf")
        finally:
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        flat = " ".join(text.split())
        for words in ("DAFTAR HADIR", "No", "NUPTK", "Nama", "Sekolah", "Status", "Waktu",
                      "Tanda", "tangan", "Budi", "SMPN 1 Soe", "Hadir", "Fasilitator"):
            assert words in flat, (words, text[:2000])
        # every letter of the long name and the school is on the paper
        assert text.count("Z") == NAME.count("Z"), text[:3000]
        assert text.count("Q") == SCHOOL.count("Q"), text[:3000]
        assert "".join(text.split()).count("@pendidikan") <= 1
    finally:
        set_viewport(d, *PHONE)
        box.close()
