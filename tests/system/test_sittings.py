"""Sittings (sesi) over real HTTP: a session whose day has several
sittings, each with its own time window and JP. A check-in goes to the
sitting of the present time, marks name their sitting, the day view and
the daftar hadir CSV show one sitting, JP totals count the sittings
attended, claims take a day with any sitting attended, and the records
sent up name the sitting. Without sittings nothing changes (sitting 0)."""
import csv
import io
import json
import os
import sqlite3
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, nuptk, roster_csv, today  # noqa: E402
from claims_util import RATES, ClaimBox  # noqa: E402

# the second sitting holds every minute of the day but 00:00: the present
# time picks it (the choice by time itself is in tests/unit/test_attendance.c),
# and a check-in after 00:16 is late for it ([attendance] late_after = 15)
SITTINGS = [{"label": "Sesi 1", "start": "00:00", "end": "00:01", "jp": 3},
            {"start": "00:01", "end": "23:59", "jp": 2}]


@pytest.fixture(autouse=True)
def not_at_midnight():
    t = time.localtime()
    if t.tm_hour == 0 and t.tm_min < 20:
        pytest.skip("the sittings' first minutes: run again after 00:20")


def create(st, sittings, **kw):
    body = {"title": "Diklat Bersesi", "mode": "tatap_muka", "kk": "A",
            "subject": "Matematika", "start_date": today(), "days": 2, "jp_per_day": 5,
            "sittings": sittings}
    body.update(kw)
    return st.post("/api/v1/sessions", json=body)


def mark(st, sid, n, status, sitting=None, reason=None):
    body = {"nuptk": n, "status": status}
    if sitting is not None:
        body["sitting"] = sitting
    if reason:
        body["reason"] = reason
    return st.post(f"/api/v1/sessions/{sid}/marks", json=body)


def view(st, sid, sitting=None):
    q = "" if sitting is None else f"?sitting={sitting}"
    return st.get(f"/api/v1/sessions/{sid}/attendance{q}")


def test_checkin_marks_views_and_jp_per_sitting(make_box):
    box = make_box()
    box.start()
    add_staff(box)
    st = Staff(box)
    # sittings that cannot be held are refused, naming the field
    for bad in ([{"start": "08:00", "end": "10:00", "jp": 3},
                 {"start": "09:30", "end": "11:00", "jp": 2}],           # overlap
                [{"start": "10:00", "end": "09:00", "jp": 2}],           # backwards
                [{"start": "08:00", "end": "09:00", "jp": 0}],           # no JP
                [{"start": "8:00", "end": "09:00", "jp": 1}],            # not HH:MM
                [{"start": "%02d:00" % h, "end": "%02d:30" % h, "jp": 1} for h in range(9)],
                {"start": "08:00"}):
        r = create(st, bad)
        assert r.status_code == 400 and r.json()["field"] == "sittings", (bad, r.text)
    r = create(st, SITTINGS)
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert st.roster(sid, roster_csv(3)).status_code == 200
    d = view(st, sid).json()
    assert [(s["no"], s["label"], s["start"], s["end"], s["jp"]) for s in
            d["session"]["sittings"]] == [(1, "Sesi 1", "00:00", "00:01", 3),
                                          (2, "Sesi 2", "00:01", "23:59", 2)]
    assert d["sitting"] == 2 and d["sitting_label"] == "Sesi 2"     # the present one

    # check-ins go to the present sitting, once per teacher and sitting
    code = st.code(sid)
    s, j = checkin(box, "127.0.0.81", sid, nuptk(0), code)
    assert s == 201, j
    s, j = checkin(box, "127.0.0.81", sid, nuptk(0), code)
    assert s == 200 and j["existing"] is True
    assert checkin(box, "127.0.0.82", sid, nuptk(1), code)[0] == 201
    # the facilitator's marks name the sitting: sitting 1 on paper, C sick in sitting 2
    assert mark(st, sid, nuptk(0), "present", 1).status_code == 201
    assert mark(st, sid, nuptk(2), "present", 1).status_code == 201
    r = mark(st, sid, nuptk(2), "sick", 2, "demam")
    assert r.status_code == 201 and r.json()["kind"] == "mark"
    for bad in (0, 3, "1", 99):
        r = mark(st, sid, nuptk(1), "present", bad)
        assert r.status_code == 400 and r.json()["error"] == "bad_sitting", (bad, r.text)

    one = {x["nuptk"]: x["status"] for x in view(st, sid, 1).json()["rows"]}
    two = {x["nuptk"]: x for x in view(st, sid, 2).json()["rows"]}
    assert one == {nuptk(0): "present", nuptk(1): "not_yet", nuptk(2): "present"}
    # late: counted from the start of the sitting (00:01), not of the day
    assert {n: x["status"] for n, x in two.items()} == \
        {nuptk(0): "late", nuptk(1): "late", nuptk(2): "sick"}
    assert "checkin_id" in two[nuptk(0)] and two[nuptk(0)]["method"] == "signature"
    for q in ("0", "3", "x", "12"):
        r = view(st, sid, q)
        assert r.status_code == 400 and r.json()["error"] == "bad_sitting", q

    # JP: each sitting attended counts its own JP
    jp = {t["nuptk"]: (t["jp"], t["days_present"], t["sittings_present"])
          for t in view(st, sid).json()["jp_totals"]}
    assert jp == {nuptk(0): (5, 1, 2), nuptk(1): (2, 1, 1), nuptk(2): (3, 1, 1)}
    # a correction to absent in sitting 1 takes its JP away
    assert mark(st, sid, nuptk(0), "absent", 1, "salah orang").json()["kind"] == "correction"
    jp = {t["nuptk"]: t["jp"] for t in view(st, sid).json()["jp_totals"]}
    assert jp == {nuptk(0): 2, nuptk(1): 2, nuptk(2): 3}

    # the daftar hadir of one sitting
    r = st.get(f"/api/v1/sessions/{sid}/attendance.csv?sitting=1")
    assert r.status_code == 200 and "sesi-1" in r.headers["Content-Disposition"]
    rows = {row[1]: row for row in csv.reader(io.StringIO(r.text))}
    assert rows[nuptk(2)][6] == "Hadir" and rows[nuptk(1)][6] == "Belum hadir"

    # the records going up name their sitting
    db = sqlite3.connect(box.db_path())
    recs = [json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM outbox WHERE type IN ('attendance.checkin', 'attendance.mark', "
        "'attendance.correction') ORDER BY seq")]
    sess = [json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM outbox WHERE type = 'attendance.session'")]
    db.close()
    assert [(r["nuptk"], r["sitting"]) for r in recs] == [
        (nuptk(0), 2), (nuptk(1), 2), (nuptk(0), 1), (nuptk(2), 1), (nuptk(2), 2),
        (nuptk(0), 1)]
    assert [s["jp"] for s in sess[0]["sittings"]] == [3, 2]


def test_without_sittings_nothing_changes(make_box):
    box = make_box()
    box.start()
    add_staff(box)
    st = Staff(box)
    r = create(st, [])
    assert r.status_code == 201
    sid = r.json()["id"]
    assert st.roster(sid, roster_csv(1)).status_code == 200
    assert checkin(box, "127.0.0.83", sid, nuptk(0), st.code(sid))[0] == 201
    d = view(st, sid).json()
    assert "sitting" not in d and d["session"]["sittings"] == []
    assert d["jp_totals"][0]["jp"] == 5 and "sittings_present" not in d["jp_totals"][0]
    assert view(st, sid, 1).status_code == 400
    assert view(st, sid, 0).status_code == 200
    assert mark(st, sid, nuptk(0), "present", 1).status_code == 400
    db = sqlite3.connect(box.db_path())
    (p,), = db.execute("SELECT payload FROM outbox WHERE type = 'attendance.checkin'")
    db.close()
    assert json.loads(p)["sitting"] == 0


def test_claim_for_a_day_with_one_sitting_attended(make_box):
    cb = ClaimBox(make_box, n=1)
    r = create(cb.staff, SITTINGS)
    assert r.status_code == 201
    sid = r.json()["id"]
    assert cb.staff.roster(sid, roster_csv(1)).status_code == 200
    s, j = checkin(cb.box, "127.0.0.84", sid, nuptk(0), cb.staff.code(sid))
    assert s == 201
    # present in sitting 1 (marked), then marked sick for sitting 2 later on:
    # the day still counts as attended for the allowance
    assert mark(cb.staff, sid, nuptk(0), "present", 1).status_code == 201
    assert mark(cb.staff, sid, nuptk(0), "sick", 2, "pulang").status_code == 201
    r = requests.post(cb.base + "/api/v1/claims", timeout=30, json={
        "session": sid, "nuptk": nuptk(0), "item": "uang_harian", "checkin": j["uid"]})
    assert r.status_code == 201, r.text
    assert r.json()["amount"] == RATES["uang_harian"]
    # sick in every sitting of the day: no allowance
    assert mark(cb.staff, sid, nuptk(0), "sick", 1, "pulang").status_code == 201
    r = requests.post(cb.base + "/api/v1/claims", timeout=30, json={
        "session": sid, "nuptk": nuptk(0), "item": "uang_makan", "checkin": j["uid"]})
    assert r.status_code == 409 and r.json()["error"] == "not_attended", r.text
