"""A session code of no accepted length is answered bad_code with a message
that names both lengths the box takes: 6 digits, and 9 while wrong codes
pour in (web/guard.c shows long codes then), in Indonesian and in English."""
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, nuptk, roster_csv  # noqa: E402

EN = {"Accept-Language": "en-US,en;q=0.9"}
ID_TEXT = "Kode sesi harus 6 atau 9 angka, seperti di layar fasilitator"
EN_TEXT = "The session code must be 6 or 9 digits, as on the facilitator's screen"


def test_bad_code_names_every_accepted_length(make_box):
    box = make_box()
    box.start()
    add_staff(box)
    st = Staff(box)
    sid = st.create_session()
    assert st.roster(sid, roster_csv(1)).status_code == 200
    url = box.base + "/api/v1/checkin/lookup"
    # letters, too short, too long (the field's check), and 9 digits while
    # codes are short (the length check); with and without a session
    for code in ("12ab56", "12345", "1234567890", "123456789"):
        for body in ({"nuptk": nuptk(0), "code": code, "session": sid},
                     {"nuptk": nuptk(0), "code": code}):
            r = requests.post(url, json=body, timeout=30)
            j = r.json()
            assert r.status_code == 400 and j["error"] == "bad_code", (code, j)
            assert j["field"] == "code" and j["lang"] == "id", j
            assert j["message"] == ID_TEXT, j
            r = requests.post(url, json=body, headers=EN, timeout=30)
            j = r.json()
            assert r.status_code == 400 and j["lang"] == "en", j
            assert j["message"] == EN_TEXT, j
