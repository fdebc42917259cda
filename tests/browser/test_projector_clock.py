"""After a reboot the box's clock is unconfirmed (no RTC) and check-ins
are held until a staff browser gives its time. A facilitator who goes
straight to the projector view (proyektor.html), without opening the
facilitator page, confirms it too: the box boots 20 hours behind, the
projector page is the only page opened, and the clock becomes confirmed
and right. The unconfirmed boot is set up as in
tests/system/test_attendance_clock.py (PB_CLOCK_SOURCE=unsynced, a skewed
raw clock, clock_adjust = offset)."""
import os
import re
import sys

from selenium.webdriver.common.by import By

from conftest import set_viewport, wait
from pbtest import Box

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import Staff, add_staff, roster_csv  # noqa: E402
from test_attendance_clock import HOUR, MIN, OFFSET, now_ms, start  # noqa: E402


def clock(box):
    """The box's clock as a login without a browser time reports it (such a
    login confirms nothing)."""
    return Staff(box).login["clock"]


def test_projector_alone_confirms_the_clock(browser):
    d = browser
    box = Box(sections=OFFSET)
    try:
        start(box, "unsynced", skew_ms=-20 * HOUR)
        add_staff(box)
        st = Staff(box)                      # no browser time: nothing confirmed
        assert st.login["clock"]["source"] == "unsynced"
        sid = st.create_session(title="Diklat Proyektor")
        st.roster(sid, roster_csv(2))

        # the facilitator's browser holds that login, and opens only the projector
        d.get(box.base + "/healthz")
        for c in st.s.cookies:
            d.add_cookie({"name": c.name, "value": c.value, "path": c.path or "/",
                          "httpOnly": True})
        set_viewport(d, 1280, 720, mobile=False)
        d.get(box.base + f"/proyektor.html?s={sid}")
        wait(d, lambda d: re.fullmatch(r"\d{3} \d{3}", d.find_element(By.ID, "p-code").text),
             "no code shown")
        wait(d, lambda d: clock(box)["source"] == "browser",
             "the projector left the clock unconfirmed")
        c = clock(box)
        assert c["source"] == "browser", c
        assert abs(c["box_ms"] - now_ms()) < 10 * MIN, c     # stepped the 20 hours forward
        # the code goes on being shown
        assert not d.find_element(By.ID, "p-login").is_displayed()
    finally:
        box.close()
