"""Every staff page on a 360x640 phone, in Indonesian and in English (the
English words are often longer): nothing in the page sticks out sideways
(the tables that scroll on purpose aside), with a session chosen so that
its button rows are drawn."""
import os
import sys

from selenium.webdriver.common.by import By

from conftest import overflowing, set_viewport, staff_login, started_box, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff, roster_csv  # noqa: E402

SCROLLERS = ".cl-scroll, .hb-scroll, .att-scroll, .cetak, #paper"


def pages(sid):
    return (("fasil", f"/petugas.html?session={sid}", "session-view"),
            ("fasil", f"/klaim-petugas.html?session={sid}", "session-view"),
            ("fasil", f"/hasil-belajar.html?session={sid}", "session-view"),
            ("fasil", f"/cetak.html?session={sid}", "doc-links"),
            ("admin1", "/admin-pemancar.html", "main"),
            ("admin1", "/admin-sinkron.html", "main"),
            ("admin1", "/flashdisk.html", "main"))


def test_staff_pages_fit_360_in_both_languages(browser):
    d = browser
    box, api = started_box()
    try:
        add_staff(box, "admin1", "admin")
        sid = api.create_session(title="Diklat Guru Pembelajar Matematika SMP KK A")
        assert api.roster(sid, roster_csv(2)).status_code == 200
        set_viewport(d, 360, 640)
        found = []
        for user in ("fasil", "admin1"):
            d.delete_all_cookies()
            staff_login(d, box, user, PASSWORD)
            for lang in ("id", "en"):
                for who, page, shown in pages(sid):
                    if who != user:
                        continue
                    # the language as the header's button keeps it (webapp/js/common.js)
                    d.execute_script("window.localStorage.setItem('pb.lang', arguments[0])", lang)
                    d.get(box.base + page)
                    wait(d, lambda d: d.execute_script(
                        "return document.documentElement.lang") == lang, "language not " + lang)
                    wait(d, lambda d: d.find_element(By.ID, shown).is_displayed() and
                         d.find_element(By.ID, shown).text.strip() != "", page + " not drawn")
                    out = overflowing(d, SCROLLERS)
                    if out:
                        found.append((lang, page, out))
        assert found == [], found
    finally:
        box.close()
