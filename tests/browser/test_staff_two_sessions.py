"""A facilitator at 360 px sets up a morning and an afternoon session on
one day, each with its own roster pasted on the staff page: the form for a
new session starts blank after the first is made, and what was typed or
reported for one session (the pasted roster, its import report, the
manual mark, the phone allowance) is gone once another is picked, so the
afternoon roster holds the afternoon teachers only. The day shown is
today's even when a date was typed in the new-session form and not sent,
and dates read in Indonesian words ("Minggu, 6 Desember 2026")."""
import datetime
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from a11y import audit
from conftest import PHONE, SCREENSHOTS, set_viewport, started_box, staff_login, wait
from test_papers_print import DAYS, MONTHS

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, nuptk  # noqa: E402


def roster(first, names):
    return "NUPTK,Nama,Sekolah\n" + "".join(
        f"{nuptk(first + i)},{n},SMPN {i + 1} Malang\n" for i, n in enumerate(names))


def value(d, id_):
    return d.find_element(By.ID, id_).get_attribute("value")


def create(d, title, start_time):
    details = d.find_element(By.ID, "create")
    if details.get_attribute("open") is None:
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
    assert value(d, "c-title") == "", "the form still holds the last session"
    assert value(d, "c-start") == datetime.date.today().isoformat()
    d.find_element(By.ID, "c-title").send_keys(title)
    d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "c-time"),
                     start_time)
    d.find_element(By.CSS_SELECTOR, "#create-form button[type=submit]").click()
    wait(d, lambda d: d.find_element(By.ID, "s-title").text == title, "session not shown")


def paste_roster(d, text):
    d.find_element(By.ID, "r-text").send_keys(text)
    d.find_element(By.CSS_SELECTOR, "#roster-form button[type=submit]").click()
    wait(d, lambda d: "diterima" in d.find_element(By.ID, "r-report").text, "no import report")
    return d.find_element(By.ID, "r-report").text


def day_on_phone(d, box, title, roster):
    """On a 360x640 phone the facilitator logs in, creates a session for
    today starting 08:00 and pastes its roster (CSV text)."""
    set_viewport(d, 360, 640)
    staff_login(d, box, "fasil", PASSWORD)
    create(d, title, "08:00")
    paste_roster(d, roster)


def test_morning_and_afternoon_set_up_one_after_the_other(browser):
    d = browser
    box, api = started_box()
    try:
        set_viewport(d, *PHONE)
        staff_login(d, box, "fasil", PASSWORD)
        create(d, "IPA KK B pagi", "08:00")
        # the day written out in Indonesian, as on the papers
        today = datetime.date.today()
        long_day = "%s, %d %s %d" % (DAYS[today.weekday()], today.day, MONTHS[today.month - 1],
                                     today.year)
        assert "mulai " + long_day in d.find_element(By.ID, "s-meta").text
        assert Select(d.find_element(By.ID, "day")).first_selected_option.text == \
            "Hari ke-1 (%s)" % long_day
        am = int(d.execute_script("return new URLSearchParams(location.search).get('session')"))
        report = paste_roster(d, roster(100, ["Ani Pagi", "Budi Pagi", "Sri Dua Sesi"]))
        assert report.startswith("3 baris diterima"), report
        d.find_element(By.ID, "m-nuptk").send_keys(nuptk(101))
        d.find_element(By.ID, "a-client").send_keys("10.42.0.23")

        create(d, "IPA KK B siang", "13:00")
        pm = int(d.execute_script("return new URLSearchParams(location.search).get('session')"))
        assert pm != am
        for id_ in ("r-text", "m-nuptk", "a-client"):
            assert value(d, id_) == "", id_ + " kept what was typed for the morning"
        assert d.find_element(By.ID, "r-report").text == ""
        d.save_screenshot(os.path.join(SCREENSHOTS, "staff-two-sessions-afternoon.png"))
        report = paste_roster(d, roster(200, ["Cici Siang"]) + f"{nuptk(102)},Sri Dua Sesi,SMPN 9\n")
        assert report.startswith("2 baris diterima"), report
        audit(d, "staff page, second session of the day", both_languages=False)

        names = {s: sorted(r["name"] for r in api.day(s)["rows"]) for s in (am, pm)}
        assert names[am] == ["Ani Pagi", "Budi Pagi", "Sri Dua Sesi"]
        assert names[pm] == ["Cici Siang", "Sri Dua Sesi"]
        assert api.get(f"/api/v1/sessions/{am}").json()["title"] == "IPA KK B pagi"
        assert api.get(f"/api/v1/sessions/{pm}").json()["title"] == "IPA KK B siang"

        # a date typed in the new-session form (not sent) does not move the
        # day shown for a session running today
        api.create_session(title="Dua hari", days=2)
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
        tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "c-start"),
                         tomorrow)
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "not logged in")
        pick = Select(d.find_element(By.ID, "pick"))
        wait(d, lambda d: any("Dua hari" in o.text for o in pick.options), "no session")
        d.find_element(By.CSS_SELECTOR, "#create summary").click()
        d.execute_script("arguments[0].value = arguments[1]", d.find_element(By.ID, "c-start"),
                         tomorrow)
        pick.select_by_visible_text(next(o.text for o in pick.options if "Dua hari" in o.text))
        wait(d, lambda d: len(Select(d.find_element(By.ID, "day")).options) == 2, "no days")
        assert value(d, "day") == datetime.date.today().isoformat()
    finally:
        set_viewport(d, *PHONE)
        box.close()
