"""Attendance statuses as offices use them: Hadir, Terlambat, Izin, Sakit,
Tidak hadir (present, late, excused, sick, absent). A check-in after the
session's start time + [attendance] late_after is late; the facilitator's
marks take all five (a reason for the three away ones), a present mark
without a reason is the facilitator's confirmation of a teacher who could
not sign; a correction to absent hides the signature from the day view."""
import csv
import io
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, nuptk, roster_csv, today  # noqa: E402


def session(st, start_time, jp=4):
    r = st.post("/api/v1/sessions", json={
        "title": "Pelatihan", "mode": "tatap_muka", "kk": "A", "subject": "IPA",
        "start_date": today(), "days": 1, "jp_per_day": jp, "start_time": start_time})
    assert r.status_code == 201, r.text
    assert r.json()["start_time"] == start_time
    sid = r.json()["id"]
    st.roster(sid, roster_csv(6))
    return sid


def mark(st, sid, n, status, reason=None):
    body = {"nuptk": n, "status": status}
    if reason is not None:
        body["reason"] = reason
    return st.post(f"/api/v1/sessions/{sid}/marks", json=body)


def test_five_statuses_late_and_facilitator_confirmation(make_box):
    box = make_box(sections="[attendance]\nlate_after = 0\n")
    box.start()
    add_staff(box)
    st = Staff(box)
    early = session(st, "00:00")          # began at midnight: any check-in is late
    late_sid = early
    on_time = session(st, "23:59")
    s, j = checkin(box, "127.0.0.61", late_sid, nuptk(0), st.code(late_sid))
    assert s == 201 and j["status"] == "late", j
    s, j = checkin(box, "127.0.0.61", on_time, nuptk(0), st.code(on_time))
    assert s == 201 and j["status"] == "present", j
    bad = st.post("/api/v1/sessions", json={
        "title": "x", "start_date": today(), "jp_per_day": 1, "start_time": "25:00"})
    assert bad.status_code == 400 and bad.json()["field"] == "start_time"

    sid = late_sid
    assert mark(st, sid, nuptk(1), "excused", "acara keluarga").status_code == 201
    assert mark(st, sid, nuptk(2), "sick", "demam").status_code == 201
    r = mark(st, sid, nuptk(3), "absent")
    assert r.status_code == 400 and r.json()["error"] == "reason_required"
    assert r.json()["field"] == "reason"
    assert mark(st, sid, nuptk(3), "absent", "tidak datang").status_code == 201
    assert mark(st, sid, nuptk(3), "gone", "x").json()["error"] == "bad_status"
    # cannot draw: the facilitator's one-tap Hadir, no reason needed
    r = mark(st, sid, nuptk(4), "present")
    assert r.status_code == 201 and r.json()["status"] == "present"
    day = st.day(sid)
    rows = {r["nuptk"]: r for r in day["rows"]}
    assert {n: rows[n]["status"] for n in rows} == {
        nuptk(0): "late", nuptk(1): "excused", nuptk(2): "sick", nuptk(3): "absent",
        nuptk(4): "present", nuptk(5): "not_yet"}
    assert rows[nuptk(0)]["method"] == "signature" and rows[nuptk(4)]["method"] == "facilitator"
    assert rows[nuptk(0)]["time"] and "checkin_id" in rows[nuptk(0)]
    c = day["counts"]
    assert (c["present"], c["late"], c["excused"], c["sick"], c["absent"], c["not_yet"]) == \
        (2, 1, 1, 1, 1, 1)
    # JP: late and present count, the others not
    assert {t["nuptk"]: t["jp"] for t in day["jp_totals"]} == {nuptk(0): 4, nuptk(4): 4}
    # the outbox carries the status codes and how presence was confirmed
    db = sqlite3.connect(box.db_path())
    recs = [json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM outbox WHERE type LIKE 'attendance.%' AND payload LIKE '%nuptk%'")]
    by = {(r["nuptk"], r["session"], r["status"]): r["method"] for r in recs}
    assert ("signature" in by.values()) and ("facilitator" in by.values())
    assert {r["status"] for r in recs} >= {"late", "present", "excused", "sick", "absent"}
    # the printed list's CSV speaks the office's words
    text = st.get(f"/api/v1/sessions/{sid}/attendance.csv").text
    words = {row[0]: row for row in csv.reader(io.StringIO(text))}
    flat = " ".join(" ".join(r) for r in words.values())
    for w in ("Terlambat", "Izin", "Sakit", "Tidak hadir", "Hadir"):
        assert w in flat, w

    # a correction to absent hides the signature from the day view; it stays stored
    cid = rows[nuptk(0)]["checkin_id"]
    assert mark(st, sid, nuptk(0), "absent", "bukan orangnya").status_code == 201
    row = {r["nuptk"]: r for r in st.day(sid)["rows"]}[nuptk(0)]
    assert row["status"] == "absent" and "checkin_id" not in row and row["signature_hidden"]
    assert db.execute("SELECT signature IS NOT NULL FROM attendance WHERE id = ?",
                      (cid,)).fetchone()[0] == 1
    db.close()
