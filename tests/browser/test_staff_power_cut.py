"""A power cut in the middle of check-in. The facilitator's staff page
stays open on a 360 px phone while the box restarts: a new boot, the clock
20 minutes behind and unconfirmed (no RTC), and the logins of the last boot
gone. The page's next poll of the code is refused (401): the page must say
so by showing the login form (before, it died on a script error, leaving
the last code frozen on the screen while every teacher was refused). The
facilitator logs in again there, which confirms the box's clock, the code
comes back, and a teacher who checks in with it is shown present. The
claims page does the same when its login is gone. The reboot is set up as
in tests/system/test_attendance_clock.py (a file bound over the boot id in
a mount namespace, PB_CLOCK_SKEW_MS, clock_adjust = offset)."""
import os
import sys
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from a11y import audit
from conftest import PHONE, SCREENSHOTS, fill_login, set_viewport, staff_login, wait
from pbtest import Box

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, Staff, add_staff, checkin, nuptk, roster_csv  # noqa: E402
from test_attendance_clock import MIN, OFFSET, needs_root, now_ms, start  # noqa: E402
from test_projector_clock import clock  # noqa: E402


def restart(box):
    """The power comes back: a new boot whose clock is 20 minutes behind."""
    box.stop()
    start(box, "unsynced", skew_ms=-20 * MIN, boot_id=str(uuid.uuid4()))
    assert clock(box)["source"] == "unsynced"


def shown(d, id_):
    return d.find_element(By.ID, id_).is_displayed()


def script_errors(d):
    return [e for e in d.get_log("browser") if e.get("source") == "javascript"]


@needs_root
def test_staff_pages_ask_for_the_login_again_after_a_power_cut(browser):
    d = browser
    box = Box(sections=OFFSET)
    try:
        start(box, "unsynced", boot_id=str(uuid.uuid4()))
        add_staff(box)
        st = Staff(box, client_time_ms=now_ms())
        sid = st.create_session(title="Diklat Listrik Padam")
        st.roster(sid, roster_csv(3))
        set_viewport(d, *PHONE)
        staff_login(d, box, "fasil", PASSWORD)
        d.get(box.base + f"/petugas.html?session={sid}")
        wait(d, lambda d: d.find_element(By.ID, "code").text.isdigit(), "no code shown")
        d.get_log("browser")

        restart(box)
        wait(d, lambda d: shown(d, "login-view") and not shown(d, "app-view"),
             "the staff page kept its old code instead of asking for the login", timeout=60)
        assert script_errors(d) == []
        assert "Login Anda sudah berakhir" in d.find_element(By.ID, "login-error").text
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-power-cut-login.png"))
        audit(d, "staff page, login ended by a restart", both_languages=False)
        fill_login(d, "fasil", PASSWORD)
        wait(d, lambda d: shown(d, "app-view") and
             d.find_element(By.ID, "code").text.isdigit(), "no code after logging in again")
        c = clock(box)
        assert c["source"] == "browser" and abs(c["box_ms"] - now_ms()) < 10 * MIN, c
        s, j = checkin(box, "127.0.0.61", sid, nuptk(1), st_code(box, sid))
        assert s == 201 and not j.get("held"), j
        wait(d, lambda d: d.find_element(By.ID, "counts").text.startswith("Hadir 1"),
             "the teacher who checked in is not shown present")

        # the claims page, open when the box restarts, asks for the login too
        d.get(box.base + f"/klaim-petugas.html?session={sid}")
        wait(d, lambda d: shown(d, "app-view"), "claims page not shown")
        d.get_log("browser")
        restart(box)
        day = Select(d.find_element(By.ID, "day"))
        day.select_by_index(len(day.options) - 1)
        wait(d, lambda d: shown(d, "login-view") and not shown(d, "app-view"),
             "the claims page did not ask for the login", timeout=60)
        assert script_errors(d) == []
        assert "Login Anda sudah berakhir" in d.find_element(By.ID, "login-error").text
    finally:
        set_viewport(d, *PHONE)
        box.close()


def st_code(box, sid):
    """The code as a freshly logged-in staff member sees it."""
    return Staff(box, client_time_ms=now_ms()).code(sid)
