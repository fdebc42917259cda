"""A teacher types the transport cost the way it is written on a receipt
("Rp 150.000", "150.000,-"): the claim page at 360 px reads it as integer
rupiah and sends 150000, and the facilitator's queue shows Rp 150.000.
What could mean something else ("150,5", "1.50", letters) is refused in
the page with the clear message, and nothing is filed; the API itself
still takes only a JSON integer."""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import PHONE, Boxes, set_viewport, staff_login, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD  # noqa: E402
from claims_util import CEILINGS, PNG, ClaimBox, nuptk  # noqa: E402

READ = {"150000": 150000, "150.000": 150000, "Rp 150.000": 150000, "Rp. 150.000,-": 150000,
        "rp150.000,00": 150000, " 1.250.000 ": 1250000, "150 000": 150000, "150000,-": 150000}
REFUSED = ["150,5", "1.50", "1.5000", "15.0000", "150.00", "abc", "150rb", "Rp", "", ",-",
           "-150000", "1.000.000.000.000"]


def test_amount_as_written_on_a_receipt(browser):
    d = browser
    boxes = Boxes()
    try:
        origin = "KABUPATEN MALANG"
        assert CEILINGS[origin] >= 150000        # paid in full, not capped
        cb = ClaimBox(boxes, n=2, att="code_period_s = 600\ncode_grace_s = 600\n")
        cb.check_in(0)
        code = cb.staff.code(cb.sid)
        picture = os.path.join(cb.box.dir, "kuitansi.png")
        with open(picture, "wb") as f:
            f.write(PNG)

        set_viewport(d, *PHONE)
        d.get(cb.base + "/klaim.html")
        wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(cb.sid),
             "session not offered")
        read = d.execute_script(
            "var o = {}, k = arguments[0];"
            "for (var i = 0; i < k.length; i++) o[k[i]] = PBClaims.parseRupiah(k[i]);"
            "return o;", list(READ) + REFUSED)
        assert {k: read[k] for k in READ} == READ
        assert {k: read[k] for k in REFUSED} == {k: None for k in REFUSED}

        d.find_element(By.ID, "nuptk").send_keys(nuptk(0))
        d.find_element(By.ID, "code").send_keys(code)
        d.find_element(By.ID, "open").click()
        wait(d, lambda d: d.find_element(By.ID, "cost-form").is_displayed(), "no cost form")
        Select(d.find_element(By.ID, "origin")).select_by_value(origin)
        d.find_element(By.ID, "photo").send_keys(picture)
        wait(d, lambda d: "×" in d.find_element(By.ID, "photo-info").text, "photo not read")
        amount = d.find_element(By.ID, "amount")

        # ambiguous: refused in the page, with the message, and nothing filed
        amount.send_keys("150,5")
        assert "Rp 150.000" in d.find_element(By.ID, "preview").text  # the example given
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: d.find_element(By.ID, "error").is_displayed(), "150,5 accepted")
        assert "tanpa sen" in d.find_element(By.ID, "error").text
        assert d.switch_to.active_element.get_attribute("id") == "amount"
        assert amount.get_attribute("value") == "150,5"      # nothing lost
        assert cb.db().execute("SELECT count(*) FROM claim").fetchone()[0] == 0

        amount.clear()
        amount.send_keys("Rp 150.000")
        assert "150.000" in d.find_element(By.ID, "preview").text
        assert "tanpa sen" not in d.find_element(By.ID, "preview").text
        d.find_element(By.ID, "send").click()
        wait(d, lambda d: "Transport" in d.find_element(By.ID, "mine-rows").text,
             "transport claim not listed")
        assert not d.find_element(By.ID, "error").is_displayed(), \
            d.find_element(By.ID, "error").text
        assert "Rp 150.000" in d.find_element(By.ID, "mine-rows").text
        assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        db = cb.db()
        claimed, paid = db.execute("SELECT claimed, amount FROM claim "
                                   "WHERE item = 'transport'").fetchone()
        db.close()
        assert (claimed, paid) == (150000, 150000)

        # the facilitator's queue shows it in rupiah as written
        d.delete_all_cookies()
        staff_login(d, cb.box, "fasil", PASSWORD)
        d.get(cb.base + "/klaim-petugas.html")
        wait(d, lambda d: "Rp 150.000" in d.find_element(By.ID, "queue-rows").text,
             "queue does not show Rp 150.000")

        # the API stays strict: a string or a fraction is refused
        cb.check_in(1)
        for bad in ("150.000", "Rp 150.000", 150000.5):
            r = cb.transport(1, bad, origin=origin)
            assert r.status_code == 400, r.text
            assert r.json()["error"] == "amount_not_integer", r.text
    finally:
        boxes.close()
