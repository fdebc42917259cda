"""A training day on a 360×640 phone in headless Chromium, as a teacher
meets it: the code picks the session when two run on one day; a slow
signer (longer than code_period_s + code_grace_s) is still checked in; a
code the box no longer shows is refused next to the code field; a
NUPTK typo is shown back before any walk-in registration; checking in
twice says so in view as good news; on day 2 the
same phone fills the NUPTK in and "Bukan saya" clears it."""
import os
import sys

from selenium.webdriver.common.by import By

from a11y import audit
from conftest import SCREENSHOTS, set_viewport, started_box, wait
from pbtest import Daemon, binary, wait_http
from test_checkin_browser import draw_signature

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import Staff, nuptk, post_from, roster_csv  # noqa: E402

PHONE = (360, 640)
DAY_MS = 24 * 3600 * 1000
# codes change every 2 s and an old one is refused at once
FAST = "[attendance]\ncode_period_s = 2\ncode_grace_s = 0\n"
OTHER_PHONE = "127.0.0.72"       # not the browser's address: its own guard counts


def visible(d, id_):
    return d.find_element(By.ID, id_).is_displayed()


# Tries at a code before fill() gives up: a try is lost only when the box
# shows the next code between reading one and answering the page's lookup.
CODE_TRIES = 5
# Put the code in the field as typed (its input event included) and tap
# Lanjut, in one step inside the page: false when Lanjut cannot be tapped.
SEND_CODE_JS = """
var c = document.getElementById('code'), b = document.getElementById('lookup');
if (b.disabled || b.getClientRects().length === 0)
    return false;
c.value = arguments[0];
c.dispatchEvent(new Event('input', {bubbles: true}));
b.click();
return true;
"""
# Where the page answers a lookup: its next step, or a message.
ANSWERS = ("step-confirm", "nuptk-ok", "nuptk-error", "code-error", "error")


def answered(d):
    """The page's answers shown, as "id: text" strings."""
    return ["%s: %s" % (i, d.find_element(By.ID, i).text) for i in ANSWERS if visible(d, i)]


def code_expired_shown(d):
    """The page says the box refused the code as an old one."""
    return visible(d, "code-error") and d.execute_script(
        "return document.getElementById('code-error').textContent === PB.t('error.code_expired')")


def fill(d, n, code, shows="step-confirm"):
    """Type the NUPTK, then give the code and tap Lanjut until the page
    shows `shows`; the code sent, which the box took. code is a function
    giving the current code. The code is sent in one step in the page;
    it is read and sent again only when the box answered that it is an old
    one and shows another by now (CODE_TRIES sendings at most); any other
    answer fails at once."""
    if n is not None:                  # None: as the page filled it in
        e = d.find_element(By.ID, "nuptk")
        e.clear()
        e.send_keys(n)
    sent = code()
    for _ in range(CODE_TRIES):
        assert d.execute_script(SEND_CODE_JS, sent), "Lanjut cannot be tapped"
        wait(d, lambda d: visible(d, shows) or answered(d), "no answer")
        if visible(d, shows):
            return sent
        assert code_expired_shown(d), "code %r answered with %s" % (sent, answered(d))
        now = code()
        assert now != sent, "the box refused its current code %r as an old one" % sent
        sent = now
    raise AssertionError("the code changed under each of %d tries" % CODE_TRIES)


def sign_and_send(d):
    draw_signature(d, d.find_element(By.ID, "pad"))
    d.find_element(By.ID, "submit").click()
    wait(d, lambda d: visible(d, "step-done"), "check-in not done")
    return d.find_element(By.ID, "done-text").text


def open_page(d, box):
    set_viewport(d, *PHONE)
    d.get(box.base + "/presensi.html")
    wait(d, lambda d: visible(d, "nuptk"), "no check-in form")


def fits(d):
    return d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]


def test_two_sessions_slow_signer_typo_and_day_two(browser):
    d = browser
    box, st = started_box(FAST)
    try:
        a = st.create_session(title="Kelas Pagi")
        b = st.create_session(title="Kelas Siang")
        st.roster(a, roster_csv(3))
        st.roster(b, roster_csv(3, start=10))
        d.delete_all_cookies()
        open_page(d, box)
        d.execute_script("window.localStorage.clear()")
        d.refresh()
        wait(d, lambda d: visible(d, "nuptk"), "no check-in form")
        assert not visible(d, "remembered")

        # two sessions today: B's code picks B
        used = fill(d, nuptk(10), lambda: st.code(b))
        # a slow signer: the box shows the next code, and with code_grace_s
        # = 0 the code this teacher typed is refused from then on
        wait(d, lambda d: st.code(b) != used, "the code did not change")
        s, e = post_from(box, OTHER_PHONE, "/api/v1/checkin/lookup",
                         {"nuptk": nuptk(10), "code": used})
        assert s == 403 and e["error"] == "code_expired" and e["field"] == "code", (s, e)
        wait(d, lambda d: visible(d, "step-confirm"), "no confirm step")
        assert "Kelas Siang" in d.find_element(By.ID, "session-title").text
        assert d.find_element(By.ID, "who").text.startswith("Guru")
        assert fits(d)
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-confirm-360.png"))
        assert "tercatat hadir" in sign_and_send(d)
        rows = {r["nuptk"]: r["status"] for r in st.day(b)["rows"]}
        assert rows[nuptk(10)] == "present"
        assert nuptk(10) not in {r["nuptk"] for r in st.day(a)["rows"]}

        # another teacher on this phone types the code the box showed last:
        # refused at once, next to the code
        d.find_element(By.ID, "again").click()
        n = nuptk(1)
        old = st.code(a)
        wait(d, lambda d: st.code(a) != old, "the code did not change")
        fill(d, n, lambda: old, "code-error")
        assert code_expired_shown(d), answered(d)
        assert d.switch_to.active_element.get_attribute("id") == "code"
        assert not visible(d, "step-confirm")
        # then types the NUPTK with a typo
        typo = n[:-1] + "7"
        fill(d, typo[:4] + " " + typo[4:8] + "-" + typo[8:], lambda: st.code(a), "walkin-check")
        wait(d, lambda d: visible(d, "walkin-check"), "no NUPTK check before walk-in")
        echo = d.find_element(By.ID, "walkin-echo").text
        assert "%s %s %s %s" % (typo[:4], typo[4:8], typo[8:12], typo[12:]) in echo
        assert "tidak ada di daftar peserta" in d.find_element(By.ID, "walkin-message").text
        assert not visible(d, "wname") and not visible(d, "pad")
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-walkin-echo-360.png"))
        audit(d, "check-in, NUPTK not on the roster")
        d.find_element(By.ID, "walkin-fix").click()
        wait(d, lambda d: visible(d, "step-id"), "not back at the NUPTK")
        assert d.switch_to.active_element.get_attribute("id") == "nuptk"
        fill(d, n, lambda: st.code(a))
        wait(d, lambda d: visible(d, "step-confirm") and visible(d, "who"), "no confirm step")
        assert "Kelas Pagi" in d.find_element(By.ID, "session-title").text
        assert "tercatat hadir" in sign_and_send(d)
        assert {r["nuptk"]: r["status"] for r in st.day(a)["rows"]}[n] == "present"
        assert not any(r["walk_in"] for r in st.day(a)["rows"])

        # the same teacher again: good news next to the NUPTK, in view at
        # 360x640, focused (read out), not a red error
        d.find_element(By.ID, "again").click()
        fill(d, n, lambda: st.code(a), "nuptk-ok")
        ok = d.find_element(By.ID, "nuptk-ok")
        assert "sudah tercatat hadir" in ok.text, ok.text
        assert not visible(d, "error") and not visible(d, "nuptk-error")
        assert "att-field-ok" in ok.get_attribute("class") and ok.get_attribute("role") == "status"
        assert d.switch_to.active_element == ok
        assert d.execute_script("var r = arguments[0].getBoundingClientRect();"
                                "return r.top >= 0 && r.bottom <= window.innerHeight;", ok)
        assert fits(d)
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-already-360.png"))
        audit(d, "check-in, already checked in")

        # day 2: the box's clock is a day later (PB_CLOCK_SKEW_MS, see
        # docs/attendance.md), the same phone opens the page
        box.stop()
        box.web = Daemon([binary("pb-web"), "-c", box.conf], os.path.join(box.dir, "web2.log"),
                         env={"PB_CLOCK_SKEW_MS": str(DAY_MS)})
        wait_http(box.base + "/healthz", proc=box.web.proc)
        st = Staff(box)
        open_page(d, box)
        wait(d, lambda d: visible(d, "remembered"), "the phone forgot the teacher")
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == n
        assert "Guru" in d.find_element(By.ID, "remembered-text").text
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-day2-360.png"))
        audit(d, "check-in, teacher remembered")
        # 6 digits and a signature
        fill(d, None, lambda: st.code(a))
        assert "tercatat hadir" in sign_and_send(d)
        day2 = st.day(a)
        assert day2["day_index"] == 1
        assert {r["nuptk"]: r["status"] for r in day2["rows"]}[n] == "present"
        # "Bukan saya" clears it, also after a reload
        open_page(d, box)
        wait(d, lambda d: visible(d, "remembered"), "not remembered")
        d.find_element(By.ID, "forget").click()
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == ""
        assert d.switch_to.active_element.get_attribute("id") == "nuptk"
        d.refresh()
        wait(d, lambda d: visible(d, "nuptk"), "no check-in form")
        assert not visible(d, "remembered")
        assert d.find_element(By.ID, "nuptk").get_attribute("value") == ""
    finally:
        set_viewport(d, 360, 740)
        box.close()


def test_errors_sit_next_to_their_field(browser):
    d = browser
    box, st = started_box(FAST)
    try:
        sid = st.create_session()
        st.roster(sid, roster_csv(2))
        open_page(d, box)
        d.execute_script("window.localStorage.clear()")
        # 17 digits: no NUPTK, and too long for a participant number
        fill(d, "3200 0000 0000 0000 1", lambda: "123456", "nuptk-error")
        wait(d, lambda d: visible(d, "nuptk-error"), "long NUPTK not refused")
        assert d.find_element(By.ID, "nuptk").get_attribute("aria-invalid") == "true"
        assert d.switch_to.active_element.get_attribute("id") == "nuptk"
        assert d.find_element(By.ID, "nuptk-error").get_attribute("aria-live") == "assertive"
        assert "nuptk-error" in d.find_element(By.ID, "nuptk").get_attribute("aria-describedby")
        # the message is in view, above the keyboard's half of the screen
        top = d.execute_script("return document.getElementById('nuptk-error')"
                               ".getBoundingClientRect().bottom")
        assert 0 < top <= PHONE[1]
        d.find_element(By.ID, "nuptk").clear()
        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys("%06d" % ((int(st.code(sid)) + 500000) % 1000000))
        d.find_element(By.ID, "lookup").click()
        wait(d, lambda d: visible(d, "code-error"), "wrong code not refused")
        assert not visible(d, "nuptk-error")
        assert d.switch_to.active_element.get_attribute("id") == "code"
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-code-error-360.png"))
        audit(d, "check-in, errors beside the fields")
    finally:
        set_viewport(d, 360, 740)
        box.close()


def in_view(d, id_):
    """The element lies wholly on the screen as it stands (no scrolling)."""
    return d.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight"
        " && r.left >= 0 && r.right <= document.documentElement.clientWidth;", id_)


def test_sign_in_window_keeps_each_steps_action_in_view(browser):
    """In the phone's Wi-Fi sign-in window (its banner shown) at 360x640,
    "Lanjut" and then "Hadir" are on the screen without scrolling, and the
    banner names the address it asks for right after asking."""
    from test_portal_window import WEBVIEW_UA
    d = browser
    box, st = started_box(FAST)
    ua = d.execute_script("return navigator.userAgent")
    try:
        sid = st.create_session()
        st.roster(sid, roster_csv(2))
        d.delete_all_cookies()
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": WEBVIEW_UA})
        open_page(d, box)
        d.execute_script("window.localStorage.clear()")
        d.refresh()
        wait(d, lambda d: visible(d, "nuptk") and visible(d, "pb-portal-banner"), "no banner")
        banner = d.find_element(By.ID, "pb-portal-banner").text
        assert banner.endswith("ketik http://belajar.lan"), banner
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-signin-360x640.png"))
        assert in_view(d, "lookup"), "Lanjut below the fold"
        audit(d, "check-in in the sign-in window")
        fill(d, nuptk(0), lambda: st.code(sid))
        wait(d, lambda d: in_view(d, "submit"), "Hadir below the fold")
        assert not visible(d, "intro")
        assert fits(d)
        d.save_screenshot(os.path.join(SCREENSHOTS, "checkin-signin-confirm-360x640.png"))
        audit(d, "check-in confirm in the sign-in window", both_languages=False)
        assert "tercatat hadir" in sign_and_send(d)
    finally:
        d.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": ua})
        set_viewport(d, 360, 740)
        box.close()
