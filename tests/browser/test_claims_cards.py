"""Claims at 360×640: the teacher's "Klaim saya" is a list of cards, status
first ("Disetujui", "Ditolak — Alasan: …"), never a table cut short; a
rejected claim offers the form again with its reason; the
facilitator rejects with the reason typed in the row (no browser prompt);
an admin sees the queue without decision buttons."""
import datetime
import os
import re
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import test_checkin_browser as checkin_browser
from a11y import audit
from conftest import (SCREENSHOTS, Boxes, assert_inside, open_claims, overflowing,
                      set_viewport, staff_login)
from test_claims_browser import queue_rows
from test_papers_print import DAYS, MONTHS

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from claims_util import ClaimBox, nuptk  # noqa: E402

wait = checkin_browser.wait
PHONE = (360, 640)
NO_PROMPT = ("window.__prompts = 0; window.prompt = function () {"
             " window.__prompts++; return 'dari prompt'; };")


def test_cards_inline_reject_and_admin_without_buttons(browser):
    d = browser
    boxes = Boxes()
    try:
        cb = ClaimBox(boxes, n=2, att="code_period_s = 600\ncode_grace_s = 600\n")
        cb.check_in(0)
        assert cb.claim(0, "uang_harian").status_code == 201
        assert cb.transport(0, 40000).status_code == 201

        # the facilitator, on a 360 px phone, rejects the transport with a
        # reason typed in the row; the daftar nominatif is cards, nothing scrolls sideways
        set_viewport(d, *PHONE)
        staff_login(d, cb.box, "fasil", PASSWORD)
        d.get(cb.base + "/klaim-petugas.html")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")) == 2,
             "queue not shown")
        d.execute_script(NO_PROMPT)
        # who and when as the office reads them: NUPTK in groups of four, the
        # day written out in Indonesian
        n0, today = nuptk(0), datetime.date.today()
        assert d.find_element(By.CSS_SELECTOR, "#queue-rows tr .cl-c-teacher .pb-small").text == \
            "%s %s %s %s · %s, %d %s %d" % (n0[:4], n0[4:8], n0[8:12], n0[12:],
                                           DAYS[today.weekday()], today.day,
                                           MONTHS[today.month - 1], today.year)
        assert_inside(d, d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")[0]
                      .find_elements(By.CSS_SELECTOR, "button"), "first row's decisions")
        assert_inside(d, [d.find_element(By.ID, "bulk-reason")], "bulk reason")
        assert overflowing(d) == []
        row = [r for r in d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")
               if "Transport" in r.text][0]
        row.find_element(By.XPATH, ".//button[normalize-space()='Tolak']").click()
        field = wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#queue-rows form input"),
                     "no reason field in the row")
        assert d.switch_to.active_element == field
        field.find_element(By.XPATH, "ancestor::form").find_element(
            By.CSS_SELECTOR, "button[type=submit]").click()
        wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#queue-rows form .att-field-error")
             .is_displayed(), "empty reason accepted")
        assert_inside(d, [field] + field.find_elements(By.XPATH, "ancestor::form//*[self::button"
                      " or contains(@class, 'att-field-error')]"), "inline reject reason")
        assert overflowing(d) == []
        field.send_keys("kuitansi tidak terbaca")
        field.submit()
        wait(d, lambda d: any("Transport" in t and "Ditolak" in t for t in queue_rows(d)),
             "rejection not shown")
        assert d.execute_script("return window.__prompts") == 0
        row = [r for r in d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")
               if "Uang harian" in r.text][0]
        row.find_element(By.XPATH, ".//button[normalize-space()='Setujui']").click()
        wait(d, lambda d: any("Uang harian" in t and "Disetujui" in t for t in queue_rows(d)),
             "approval not shown")
        # the approved claim in the daftar nominatif: a card, the NUPTK in
        # groups, each figure under its column's name, all within 360 px
        wait(d, lambda d: d.find_element(By.ID, "nom-total").text.endswith("150.000"),
             "nominatif not updated")
        assert overflowing(d) == []
        assert d.execute_script("return document.documentElement.scrollWidth") <= 360
        card = d.find_element(By.CSS_SELECTOR, "#nom-rows tr")
        assert card.value_of_css_property("display") == "grid"
        n0 = nuptk(0)
        assert card.find_element(By.CSS_SELECTOR, ".cl-n-id").text == \
            "%s %s %s %s" % (n0[:4], n0[4:8], n0[8:12], n0[12:])
        shown = d.execute_script(
            "return Array.prototype.map.call(arguments[0].querySelectorAll('td[data-label]'),"
            " function (c) { return getComputedStyle(c, '::before').content + ' '"
            " + c.textContent; });", card)
        assert '"Jumlah" Rp 150.000' in shown and '"Hari" 1' in shown, shown
        assert d.find_element(By.ID, "nom-total").get_attribute("textContent") == "Rp 150.000"
        d.execute_script("arguments[0].scrollIntoView()", card)
        d.save_screenshot(os.path.join(SCREENSHOTS, "claims-nominatif-cards-360.png"))
        audit(d, "claims staff, nominatif cards", both_languages=False)
        d.find_element(By.ID, "logout").click()
        # the next page must not load before the box has ended the session
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "not logged out")

        # an admin sees the queue, without decision buttons
        staff_login(d, cb.box, "admin1", PASSWORD)
        d.get(cb.base + "/klaim-petugas.html")
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#queue-rows tr")) == 2,
             "queue not shown to the admin")
        assert not d.find_elements(By.CSS_SELECTOR, "#queue-rows button")
        assert not d.find_element(By.ID, "bulk-approve").is_displayed()
        assert d.find_element(By.ID, "admin-note").is_displayed()
        d.find_element(By.ID, "logout").click()
        # the next page must not load before the box has ended the session
        wait(d, lambda d: d.find_element(By.ID, "login-view").is_displayed(), "not logged out")

        # the teacher, on a 360 px phone: cards, status first
        set_viewport(d, *PHONE)
        open_claims(d, cb, nuptk(0))
        wait(d, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#mine-rows li.cl-card")) == 2,
             "no claim cards")
        firsts = [c.find_element(By.CSS_SELECTOR, "p").text
                  for c in d.find_elements(By.CSS_SELECTOR, "#mine-rows li.cl-card")]
        assert "Disetujui" in firsts
        assert any(t.startswith("Ditolak \u2014") and "kuitansi tidak terbaca" in t
                   for t in firsts), firsts
        assert not d.find_elements(By.CSS_SELECTOR, "#mine-rows table, table#mine")
        # the NUPTK in groups of four, days written out in Indonesian
        n0 = nuptk(0)
        assert d.find_element(By.ID, "who").text.endswith(
            "NUPTK %s %s %s %s" % (n0[:4], n0[4:8], n0[8:12], n0[12:]))
        opt = d.find_element(By.CSS_SELECTOR, "#day option:checked")
        y, m, dd = (int(x) for x in opt.get_attribute("value").split("-"))
        long_day = "%s, %d %s %d" % (
            ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")[
                datetime.date(y, m, dd).weekday()], dd,
            ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")[m - 1], y)
        assert opt.text == "Hari 1 (%s)" % long_day.rsplit(" ", 1)[0], opt.text
        assert_inside(d, [d.find_element(By.ID, "day")], "day list")
        whys = [c.text for c in d.find_elements(By.CSS_SELECTOR, "#mine-rows .cl-why")]
        assert whys and all(w.startswith(long_day) for w in whys), whys
        assert not re.search(r"\d{4}-\d{2}-\d{2}",
                             d.find_element(By.ID, "mine-rows").text)
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        for c in d.find_elements(By.CSS_SELECTOR, "#mine-rows li.cl-card"):
            assert c.size["width"] <= PHONE[0]
        d.save_screenshot(os.path.join(SCREENSHOTS, "claims-cards-360.png"))
        audit(d, "claims as cards")
        # decided claims cannot be taken back
        assert not d.find_elements(By.CSS_SELECTOR, "#mine-rows .cl-withdraw")
        # the rejected transport may be filed again: the form is offered,
        # with the reason, and not "already claimed"
        # (audit switched the language and back: the page asks the box for
        # the claims again and redraws them when the answer comes)
        note = d.find_element(By.ID, "refile")
        wait(d, lambda d: note.is_displayed() and
             "sebelumnya ditolak: kuitansi tidak terbaca" in note.text and
             "Anda dapat mengajukan lagi" in note.text,
             "no Indonesian word on filing the rejected claim again")
        assert d.find_element(By.ID, "cost-form").is_displayed()
        assert not d.find_element(By.ID, "cost-done").is_displayed()
        assert not d.find_element(By.ID, "flat-harian").is_displayed()     # approved: not again

        # another teacher withdraws a claim still submitted, after one question
        cb.check_in(1, ip="127.0.0.2")
        assert cb.claim(1, "uang_harian").status_code == 201
        d.find_element(By.ID, "switch").click()
        wait(d, lambda d: d.find_element(By.ID, "nuptk").is_displayed(), "no teacher form")
        d.find_element(By.ID, "nuptk").clear()
        d.find_element(By.ID, "nuptk").send_keys(nuptk(1))
        d.find_element(By.ID, "code").clear()
        d.find_element(By.ID, "code").send_keys(cb.staff.code(cb.sid))
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#mine-rows .cl-withdraw"),
             "no withdraw button on a submitted claim")
        assert not d.find_element(By.ID, "flat-harian").is_displayed()
        # the question in its card (PB.ask), the focus on it; Batal and
        # Escape withdraw nothing and give the focus back to the button
        withdraw = d.find_element(By.CSS_SELECTOR, "#mine-rows .cl-withdraw")
        for leave in ("Batal", "Escape"):
            withdraw.click()
            yes = wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#mine-rows .pb-confirm "
                                                                   "button.pb-btn-primary"),
                       "no question before withdrawing")
            assert yes.is_displayed() and yes.text == "Ya, tarik"
            assert d.switch_to.active_element.get_attribute("id") == "withdraw-question"
            assert "Tarik klaim Uang harian" in \
                d.find_element(By.ID, "withdraw-question").text
            assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
            if leave == "Batal":
                d.find_element(By.ID, "withdraw-no").click()
            else:
                d.switch_to.active_element.send_keys(Keys.ESCAPE)
            wait(d, lambda d: not yes.is_displayed(), f"{leave} left the question")
            assert d.switch_to.active_element == withdraw
            assert "Ditarik" not in d.find_element(By.ID, "mine-rows").text
        withdraw.click()
        yes = wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#mine-rows .pb-confirm "
                                                               "button.pb-btn-primary"),
                   "no question before withdrawing")
        wait(d, lambda d: yes.is_displayed(), "no question before withdrawing")
        yes.click()
        wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#mine-rows .cl-card p").text
             == "Ditarik", "withdrawn claim not shown")
        # the allowance may be filed again
        wait(d, lambda d: d.find_element(By.ID, "flat-harian").is_displayed(),
             "the allowance is not offered again")
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    finally:
        set_viewport(d, 360, 740)
        boxes.close()
