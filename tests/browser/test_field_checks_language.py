"""A form's fault is said in the page's language, not the browser's: a
phone set to English showing the Indonesian page (and one set to
Indonesian showing the English page) got Chromium's own bubble, "Please
fill out this field." / "Harap isi bidang ini.", for an empty field of the
staff login, the manual mark or the phone allowance (number out of range).
Now the page says it under the field in its own language, moves the focus
there, says it again in the other language after a switch and takes it
away once the field is right; the teachers' check-in and claims forms say
their own words in the page's language too."""
import json
import os
import shutil
import sys

import pytest
from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, chromium_in, fill_login, started_box, wait
from test_language_switch_messages import switch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402
from claims_util import ClaimBox  # noqa: E402
from conftest import Boxes  # noqa: E402
from test_staff_two_sessions import roster  # noqa: E402

WEBAPP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "webapp")
# Chromium's own words for an empty required field, by the browser's language
BUBBLE = {"en-US": "Please fill out this field.", "id": "Harap isi bidang ini."}
OTHER = {"en-US": "id", "id": "en"}          # the page's language against the browser's


def strings(lang):
    out = {}
    for name in os.listdir(os.path.join(WEBAPP, "locale", lang)):
        with open(os.path.join(WEBAPP, "locale", lang, name), encoding="utf-8") as f:
            out.update(json.load(f))
    return out


# Records every invalid event and whether the page kept the browser's bubble away.
WATCH = """window.pbInvalid = [];
window.addEventListener('invalid', function (e) { window.pbInvalid.push(e); }, true);"""


def bubbles(d):
    """The fields whose invalid event the page let through to the browser's bubble."""
    return d.execute_script("return window.pbInvalid.filter(function (e) {"
                            " return !e.defaultPrevented; }).map(function (e) {"
                            " return e.target.id; })")


def said(d, field):
    found = d.find_elements(By.ID, field + "-check")
    return found[0].text if found and found[0].is_displayed() else None


def active(d):
    return d.switch_to.active_element.get_attribute("id")


@pytest.fixture(scope="module", params=["en-US", "id"])
def foreign(request):
    """A Chromium speaking en-US or id; the page is set to the other."""
    d, profile = chromium_in(request.param)
    try:
        d.get("data:text/html,<input id=a required>")
        bubble = d.execute_script("return document.getElementById('a').validationMessage")
        assert bubble == BUBBLE[request.param], "Chromium does not speak " + request.param
        yield d, OTHER[request.param]
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def page_in(d, lang):
    if d.execute_script("return document.documentElement.lang") != lang:
        switch(d, lang)
    d.execute_script(WATCH)


def test_staff_forms_say_faults_in_the_page_language(foreign):
    d, lang = foreign
    t, back = strings(lang), strings("en" if lang == "id" else "id")
    box, api = started_box()
    try:
        add_staff(box, name="kepala", role="admin")
        sid = api.create_session(title="Diklat Cek")
        api.roster(sid, roster(500, ["Dedi"]))
        d.get(box.base + "/petugas.html")
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "no login")
        page_in(d, lang)
        d.get_log("browser")            # the page's /api/v1/me before the login: 401

        # the login, sent empty: under the name, the focus on it
        d.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        wait(d, lambda d: said(d, "user") == t["check.missing"], "no word under the name")
        assert said(d, "password") == t["check.missing"]
        d.save_screenshot(os.path.join(SCREENSHOTS, f"field-check-login-{lang}.png"))
        assert active(d) == "user"
        assert bubbles(d) == []
        assert "user-check" in d.find_element(By.ID, "user").get_attribute("aria-describedby")
        # typing takes the word away once the field is right
        d.find_element(By.ID, "user").send_keys("kepala")
        wait(d, lambda d: said(d, "user") is None, "the word stayed")
        assert d.find_element(By.ID, "user").get_attribute("aria-invalid") is None
        fill_login(d, "", PASSWORD)
        wait(d, lambda d: d.find_element(By.ID, "app-view").is_displayed(), "not logged in")

        # the manual mark sent without a NUPTK
        mark = d.find_element(By.CSS_SELECTOR, "#mark-form button[type=submit]")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'})", mark)
        mark.click()
        wait(d, lambda d: said(d, "m-nuptk") == t["check.missing"], "no word under the NUPTK")
        assert active(d) == "m-nuptk" and bubbles(d) == []
        # the phone allowance: a number out of range
        d.find_element(By.ID, "a-client").send_keys("10.42.0.23")
        extra = d.find_element(By.ID, "a-extra")
        extra.clear()
        extra.send_keys("500")
        d.find_element(By.CSS_SELECTOR, "#allow-form button[type=submit]").click()
        wait(d, lambda d: said(d, "a-extra") == t["check.max"].replace("{max}", "100"),
             "no word under the number")
        assert active(d) == "a-extra" and bubbles(d) == []
        box_r = d.execute_script("var f = arguments[0].getBoundingClientRect(), m = document"
                                 ".getElementById('a-extra-check').getBoundingClientRect();"
                                 " return m.top - f.bottom;", extra)
        assert 0 <= box_r < 16, f"the word is {box_r} px from its field"
        d.save_screenshot(os.path.join(SCREENSHOTS, f"field-check-allow-{lang}.png"))

        # after a switch both are said in the other language, what was typed stays
        switch(d, "en" if lang == "id" else "id")
        assert said(d, "m-nuptk") == back["check.missing"]
        assert said(d, "a-extra") == back["check.max"].replace("{max}", "100")
        assert extra.get_attribute("value") == "500"
        extra.clear()
        extra.send_keys("2")
        wait(d, lambda d: said(d, "a-extra") is None, "the word stayed after a right number")
        assert d.get_log("browser") == []
    finally:
        box.close()


def test_teacher_forms_say_faults_in_the_page_language(foreign):
    d, lang = foreign
    t = strings(lang)
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=1)
        d.get(cb.base + "/presensi.html")
        wait(d, lambda d: d.find_element(By.ID, "step-id").is_displayed(), "no check-in form")
        page_in(d, lang)
        d.find_element(By.CSS_SELECTOR, "#step-id button[type=submit]").click()
        wait(d, lambda d: d.find_element(By.ID, "nuptk-error").text == t["checkin.bad_nuptk"],
             "no check-in word in the page's language")
        assert bubbles(d) == []

        d.get(cb.base + "/klaim.html")
        wait(d, lambda d: d.find_element(By.ID, "open").is_displayed(), "no claims form")
        page_in(d, lang)
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_element(By.ID, "id-error").text in t.values(),
             "no claims word in the page's language")
        assert d.find_element(By.ID, "id-error").text
        assert bubbles(d) == []
    finally:
        boxes.close()
