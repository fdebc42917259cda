"""The answers of body checks, as a phone or a staff page gets them over
real HTTP from pb-web: the status, the error code, the field the page
marks, for each kind of wrong field (missing, wrong type, out of bounds,
wrong characters, not in the list) and the order in which they are
checked. These answers are the routes' contract with the web app; the
checks are field tables (firmware/lib/pb_fields.h)."""
import os
import sqlite3
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, nuptk, today  # noqa: E402


def staff_box(make_box):
    """A started box with a fasilitator logged in, and one session."""
    box = make_box()
    box.start()
    add_staff(box)
    st = Staff(box)
    return box, st, st.create_session()


def answer(r):
    j = r.json()
    return r.status_code, j.get("error"), j.get("field")


GOOD_SESSION = {"title": "Diklat", "start_date": None, "jp_per_day": 8}


def session_body(**change):
    body = dict(GOOD_SESSION, start_date=today())
    for k, v in change.items():
        if v is KeyError:
            body.pop(k, None)
        else:
            body[k] = v
    return body


def test_session_fields_answer_by_name_in_order(make_box):
    _, st, _ = staff_box(make_box)
    cases = [
        ({"title": KeyError}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\u0007b"}, "title"),                 # a control character
        ({"mode": "online"}, "mode"),
        ({"mode": 3}, "mode"),
        ({"kk": "K"}, "kk"),
        ({"kk": "AB"}, "kk"),
        ({"subject": 5}, "subject"),
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"start_date": None}, "start_date"),
        ({"days": 0}, "days"),
        ({"days": None}, "days"),
        ({"days": 61}, "days"),
        ({"jp_per_day": KeyError}, "jp_per_day"),
        ({"jp_per_day": 17}, "jp_per_day"),
        ({"start_time": "25:00"}, "start_time"),
        ({"facilitators": "fasil"}, "facilitators"),
        ({"facilitators": ["f"] * 11}, "facilitators"),
        ({"facilitators": [1]}, "facilitators"),
        ({"sittings": {}}, "sittings"),
        # the first failing field in the order the route checks them
        ({"title": "", "kk": "K"}, "title"),
        ({"days": 0, "jp_per_day": 0}, "days"),
        # the facilitators' names are checked after the sittings
        ({"sittings": {}, "facilitators": [1]}, "sittings"),
        ({"sittings": {}, "facilitators": "x"}, "facilitators"),
    ]
    for change, field in cases:
        r = st.post("/api/v1/sessions", json=session_body(**change))
        assert answer(r) == (400, "bad_field", field), (change, r.text)
    # null is the default for these, and other members are left alone
    r = st.post("/api/v1/sessions", json=session_body(mode=None, kk=None, subject=None,
                                                       start_time=None, other=[1]))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["mode"] == "tatap_muka" and made["kk"] == "" and made["days"] == 1


def test_staff_forms_answer_as_before(make_box):
    box, st, sid = staff_box(make_box)
    marks = f"/api/v1/sessions/{sid}/marks"
    cases = [
        ({"status": "present"}, (400, "bad_nuptk", None)),
        ({"nuptk": 12, "status": "present"}, (400, "bad_nuptk", None)),
        ({"nuptk": nuptk(1), "status": "here"}, (400, "bad_status", None)),
        ({"nuptk": nuptk(1), "status": "sick", "reason": "x" * 301},
         (400, "bad_reason", "reason")),
        ({"nuptk": nuptk(1), "status": "sick"}, (400, "reason_required", "reason")),
        # a reason of another type is no reason
        ({"nuptk": nuptk(1), "status": "sick", "reason": 5}, (400, "reason_required", "reason")),
        ({"nuptk": nuptk(1), "status": "present", "name": "a\nb"}, (400, "bad_name", None)),
        ({"nuptk": nuptk(1), "status": "present", "sitting": -1}, (400, "bad_sitting", None)),
        ({"nuptk": nuptk(1), "status": "present", "day": "kemarin"}, (400, "bad_day", None)),
    ]
    for body, want in cases:
        r = st.post(marks, json=body)
        assert answer(r) == want, (body, r.text)
    # a name and a day of another type are as if absent: today, and a
    # teacher not on the roster then needs a name
    r = st.post(marks, json={"nuptk": nuptk(1), "status": "present", "name": 7,
                             "day": 20261201})
    assert answer(r) == (400, "name_required", None), r.text
    r = st.post(marks, json={"nuptk": nuptk(1), "status": "present", "name": "Bu Sari",
                             "day": 20261201})
    assert r.status_code == 201 and r.json()["day"] == today(), r.text
    allow = f"/api/v1/sessions/{sid}/allow"
    for body in ({"client": "", "extra": 1}, {"client": "10.0.0.2", "extra": 0},
                 {"client": "10.0.0.2", "extra": 101}, {"client": "10.0.0.2", "extra": "1"},
                 {"client": "x" * 64, "extra": 1}, {"extra": 1}):
        assert answer(st.post(allow, json=body)) == (400, "bad_allow", None), body
    assert st.post(allow, json={"client": "10.0.0.2", "extra": 100}).status_code == 200
    # an address no phone can have (a typing slip) is refused, not allowed
    # in vain; an IPv6 one is kept as the box writes a phone's address
    for client in ("bukan-ip", "10.42.0", "10.42.0.256", "10.42.0.23 x", "fe80::1::2"):
        r = st.post(allow, json={"client": client, "extra": 1})
        assert answer(r) == (400, "bad_address", None), (client, r.text)
        assert r.json()["message"].startswith("Alamat HP tidak dikenali"), r.text
    assert st.post(allow, json={"client": "FE80:0:0::1", "extra": 1}).status_code == 200
    db = sqlite3.connect(box.db_path())
    try:
        kept = [row[0] for row in db.execute("SELECT client FROM proxy_allow")]
    finally:
        db.close()
    assert "fe80::1" in kept and "bukan-ip" not in kept, kept
    # the claims a bulk decision is on: the list, then each id
    bulk = f"/api/v1/sessions/{sid}/claims/decisions"
    for ids, msg in (([], "Pilih 1 sampai 500"), (list(range(1, 502)), "Pilih 1 sampai 500"),
                     ([1, 0], "Nomor klaim tidak sah"), ([1, "2"], "Nomor klaim tidak sah")):
        r = st.post(bulk, json={"ids": ids, "decision": "approve"})
        assert answer(r) == (400, "bad_ids", None) and r.json()["message"].startswith(msg), r.text
    r = st.post(bulk, json={"ids": [10**9], "decision": "maybe"})
    assert answer(r) == (400, "bad_decision", None)
    # settings: the kind of uang_harian has its own words
    settings = f"/api/v1/sessions/{sid}/claim-settings"
    r = st.post(settings, json={"residential": True, "uang_harian": "mingguan"})
    assert answer(r) == (400, "bad_settings", None) and "uang harian" in r.json()["message"]
    for body in ({"residential": "ya"}, {}, {"residential": True, "meals_in_kind": 1},
                 {"residential": True, "province": 3}):
        r = st.post(settings, json=body)
        assert answer(r) == (400, "bad_settings", None) and "provinsi" in r.json()["message"]
    r = st.post(settings, json={"residential": True, "province": None})
    assert r.status_code == 200 and r.json()["meals_in_kind"] is True, r.text
    # English by the code, as for every error
    r = st.post(allow + "?lang=en", json={"extra": 1})
    assert r.json()["lang"] == "en" and r.json()["error"] == "bad_allow"


def test_login_and_checkin_forms(make_box):
    box, _, sid = staff_box(make_box)
    for body in ({"user": "fasil"}, {"user": "fasil", "password": 5},
                 {"user": "u" * 257, "password": "p"}):
        r = requests.post(box.base + "/api/v1/login", json=body, timeout=30)
        assert answer(r) == (400, "bad_login_request", None), body
    lookup = box.base + "/api/v1/checkin/lookup"
    cases = [
        ({"code": "123456", "session": sid}, (400, "bad_nuptk", "nuptk")),
        ({"nuptk": nuptk(1), "code": "123456", "session": 0}, (400, "bad_session", None)),
        ({"nuptk": nuptk(1), "code": "123456", "session": "1"}, (400, "bad_session", None)),
        ({"nuptk": nuptk(1), "code": "12345", "session": sid}, (400, "bad_code", "code")),
        ({"nuptk": nuptk(1), "code": "12345a", "session": sid}, (400, "bad_code", "code")),
        ({"nuptk": nuptk(1), "code": 123456, "session": sid}, (400, "bad_code", "code")),
        # the NUPTK is checked before the session, the session before the code
        ({"nuptk": "?!", "code": "1", "session": 0}, (400, "bad_nuptk", "nuptk")),
        ({"nuptk": nuptk(1), "code": "1", "session": 0}, (400, "bad_session", None)),
    ]
    for body, want in cases:
        r = requests.post(lookup, json=body, timeout=30)
        assert answer(r) == want, (body, r.text)
