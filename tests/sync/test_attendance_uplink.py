"""Attendance and the uplink wired together, all real processes (pb-web,
pb-sync, pb-hub, PostgreSQL) on loopback: a check-in made through pb-web's
API reaches the office's export exactly once, and a roster the office
publishes becomes a session on the box that teachers can check in to."""
import csv
import io
import json
import os
import sqlite3
import sys

import requests

from pbhub import box_counts, sync_once, sync_section

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import (Staff, add_staff, checkin, nuptk, post_from,  # noqa: E402
                             roster_csv, today)

CENTRE = "PB-TEST-001"


def box_with_web(boxes, hub):
    b = boxes(sections=sync_section(hub.base, hub.cli("token", CENTRE).stdout.strip()))
    add_staff(b)
    b.start()
    return b


def export(hub, session):
    out = hub.cli("export", "attendance", "--centre", CENTRE, "--session", session).stdout
    return list(csv.DictReader(io.StringIO(out)))


def test_checkin_reaches_the_office_export_once(boxes, hub):
    b = box_with_web(boxes, hub)
    st = Staff(b)
    sid = st.create_session()
    uid = st.day(sid)["session"]["uid"]
    assert st.roster(sid, roster_csv(3)).status_code == 200
    code = st.code(sid)
    s, j = checkin(b, "127.0.0.31", sid, nuptk(1), code)
    assert s == 201, j
    s, j = checkin(b, "127.0.0.31", sid, nuptk(1), code)      # repeated: the same record
    assert s in (200, 201) and j["existing"] is True, j
    sync_once(b)
    assert box_counts(b)[1] == 0
    sync_once(b)                                              # nothing goes twice
    rows = export(hub, uid)
    checkins = [r for r in rows if r["type"] == "attendance.checkin"]
    assert len(checkins) == 1, rows
    c = checkins[0]
    assert (c["centre_id"], c["session_id"], c["nuptk"], c["name"], c["day"]) == \
        (CENTRE, uid, nuptk(1), "Guru Nomor 1", today())
    # the session's own record and its roster import are under the same session
    types = {r["type"] for r in rows}
    assert {"attendance.session", "attendance.roster"} <= types, types
    assert all(r["session_id"] == uid for r in rows)
    # the office reads the same over HTTP
    tok = hub.cli("office-token", "keuangan").stdout.strip()
    r = requests.get(hub.base + "/v1/office/export/attendance.csv",
                     params={"centre": CENTRE, "session": uid},
                     headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert r.status_code == 200
    http_rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [x["record_id"] for x in http_rows if x["type"] == "attendance.checkin"] == \
        [c["record_id"]]


def roster_doc(session, people, **kw):
    doc = {"session": session, "title": "Diklat PKB Bahasa Indonesia", "mode": "tatap_muka",
           "kk": "B", "subject": "Bahasa Indonesia", "start_date": today(), "days": 2,
           "jp_per_day": 8, "facilitators": ["fasil"],
           "participants": [{"nuptk": nuptk(i), "name": f"Peserta Undangan {i}",
                             "npsn": "20500001", "school": f"SMPN {i} Kota Uji",
                             "subject": "Bahasa Indonesia"} for i in people]}
    doc.update(kw)
    return json.dumps(doc)


def inbox(b):
    with sqlite3.connect(b.db_path()) as c:
        return c.execute("SELECT kind, applied FROM sync_inbox ORDER BY cursor").fetchall()


def test_roster_from_the_hub_becomes_a_session(boxes, hub):
    hub.cli("publish", "roster", "--centre", CENTRE,
            input=roster_doc("S-HUB-001", [10, 11, 12]))
    hub.cli("publish", "roster", "--centre", "PB-LAIN-002",     # another centre's
            input=roster_doc("S-HUB-999", [20]))
    bad = json.loads(roster_doc("S-HUB-002", [13]))
    del bad["jp_per_day"]
    hub.cli("publish", "roster", "--centre", CENTRE, input=json.dumps(bad))
    b = box_with_web(boxes, hub)
    sync_once(b)
    assert inbox(b) == [("roster", 1), ("roster", -1)]

    st = Staff(b)
    sessions = st.get("/api/v1/sessions").json()["sessions"]
    mine = [x for x in sessions if x["uid"] == "S-HUB-001"]
    assert [x["uid"] for x in sessions] == ["S-HUB-001"], sessions
    sid = mine[0]["id"]
    day = st.day(sid)
    assert sorted(r["nuptk"] for r in day["rows"]) == [nuptk(10), nuptk(11), nuptk(12)]
    assert day["counts"]["not_yet"] == 3
    s, j = checkin(b, "127.0.0.32", sid, nuptk(11), st.code(sid))
    assert s == 201 and j["walk_in"] is False, j

    # published again with one more teacher: the same session, one roster more
    hub.cli("publish", "roster", "--centre", CENTRE, input=roster_doc("S-HUB-001", [10, 13]))
    sync_once(b)
    assert inbox(b)[-1] == ("roster", 1)
    assert len(st.get("/api/v1/sessions").json()["sessions"]) == 1
    day = st.day(sid)
    assert len(day["rows"]) == 4 and day["counts"]["present"] == 1
    # the refused document is audited; the check-in went up under the hub's id
    with sqlite3.connect(b.db_path()) as c:
        why = c.execute("SELECT detail FROM audit WHERE action = 'inbox.refused'").fetchall()
    assert len(why) == 1 and "jp_per_day" in why[0][0]
    rows = [r for r in export(hub, "S-HUB-001") if r["type"] == "attendance.checkin"]
    assert [(r["nuptk"], r["name"]) for r in rows] == [(nuptk(11), "Peserta Undangan 11")]
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"


DAY_MS = 86400 * 1000


def test_purge_after_the_session_ended_keeps_totals(boxes, hub):
    """Retention counts from the session's end: a 2-day session starting
    today is not due 31 days from now, it is 33 days from now."""
    import time
    b = box_with_web(boxes, hub)
    st = Staff(b)
    sid = st.create_session(days=2, jp=8)
    uid = st.day(sid)["session"]["uid"]
    assert st.roster(sid, roster_csv(3)).status_code == 200
    # the papers' payee columns for one teacher (personal: they go too)
    r = st.roster(sid, f"NUPTK,Nama,NIP,NPWP,Bank,Nomor Rekening\r\n{nuptk(0)},Guru Nomor 0,"
                  "198001012005011001,012345678901000,Bank Jatim,1234567\r\n")
    assert r.status_code == 200 and r.json()["accepted"] == 1
    code = st.code(sid)
    for i in (0, 1):
        s, j = checkin(b, "127.0.0.33", sid, nuptk(i), code)
        assert s == 201, j
    s, j = checkin(b, "127.0.0.34", sid, nuptk(7), code, name="Tamu Baru", school="SDN 5")
    assert s == 201 and j["walk_in"] is True, j
    sync_once(b)
    assert box_counts(b)[1] == 0
    before = st.day(sid)
    now = int(time.time() * 1000)
    assert "0 session(s)" in b.pbctl("purge", "--dry-run", "--as-of", str(now + 31 * DAY_MS)).stdout
    out = b.pbctl("purge", "--dry-run", "--as-of", str(now + 33 * DAY_MS)).stdout
    assert f"would purge session {uid}: attendance.people — 6 row(s)" in out, out
    assert f"would purge session {uid}: outbox.personal" in out
    assert f"would purge session {uid}: papers.payee — 1 row(s)" in out, out
    out = b.pbctl("purge", "--as-of", str(now + 33 * DAY_MS)).stdout
    assert "purged: 1 session(s)" in out, out
    with sqlite3.connect(b.db_path()) as c:
        assert c.execute("SELECT count(*) FROM roster_payee").fetchone() == (0,)

    with sqlite3.connect(b.db_path()) as c:
        roster = c.execute("SELECT nuptk, name, npsn, school FROM roster").fetchall()
        att = c.execute("SELECT nuptk, name, school, signature, client FROM attendance"
                        ).fetchall()
        payloads = [json.loads(p) for (p,) in c.execute(
            "SELECT payload FROM outbox WHERE type LIKE 'attendance.%'")]
        audit = [d for (d,) in c.execute("SELECT detail FROM audit")]
    assert len(roster) == 3 and all(r[0].startswith("#") and r[1:] == ("", "", "")
                                    for r in roster), roster
    assert len(att) == 3 and all(a[0].startswith("#") and a[1:] == ("", "", None, "")
                                 for a in att), att
    for p in payloads:
        assert not {"name", "nuptk", "signature", "school", "client"} & set(p), p
    for name in ("Guru Nomor 0", "Guru Nomor 1", nuptk(0), nuptk(7)):
        assert not any(name in d for d in audit), name
    # totals stay: counts, walk-ins and JP per (now anonymous) teacher
    after = st.day(sid)
    assert after["counts"] == before["counts"]
    assert sorted(t["jp"] for t in after["jp_totals"]) == \
        sorted(t["jp"] for t in before["jp_totals"]) == [8, 8, 8]
    # an alias is not a NUPTK: nobody can check in with it
    s, j = checkin(b, "127.0.0.35", sid, roster[0][0], st.code(sid))
    assert s == 400 and j["error"] == "bad_nuptk"
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"
    assert "0 session(s), 0 row(s)" in b.pbctl("purge", "--as-of", str(now + 33 * DAY_MS)).stdout


def test_roster_from_the_hub_withdraws_a_participant(boxes, hub):
    """A participant entry {"nuptk", "withdrawn": true} takes a teacher the
    hub invited off the roster: they cannot check in (not even as a
    walk-in) and are no longer "not yet" in the day view. Someone who has
    checked in, a row imported on the box and an unknown NUPTK stay, each
    reported."""
    hub.cli("publish", "roster", "--centre", CENTRE,
            input=roster_doc("S-HUB-W", [10, 11, 12, 13]))
    b = box_with_web(boxes, hub)
    sync_once(b)
    st = Staff(b)
    sid = [x for x in st.get("/api/v1/sessions").json()["sessions"]
           if x["uid"] == "S-HUB-W"][0]["id"]
    assert st.roster(sid, roster_csv(1, start=20)).status_code == 200    # a local row
    s, j = checkin(b, "127.0.0.36", sid, nuptk(11), st.code(sid))
    assert s == 201, j

    gone = [{"nuptk": nuptk(i), "withdrawn": True} for i in (10, 11, 20, 99)]
    doc = json.loads(roster_doc("S-HUB-W", [12, 13]))
    doc["participants"] += gone
    hub.cli("publish", "roster", "--centre", CENTRE, input=json.dumps(doc))
    sync_once(b)
    assert inbox(b)[-1] == ("roster", 1)
    day = st.day(sid)
    assert sorted(r["nuptk"] for r in day["rows"]) == [nuptk(i) for i in (11, 12, 13, 20)]
    assert day["counts"]["not_yet"] == 3 and day["counts"]["present"] == 1
    with sqlite3.connect(b.db_path()) as c:
        rec = json.loads(c.execute("SELECT payload FROM outbox WHERE type = 'attendance.roster' "
                                   "ORDER BY seq DESC LIMIT 1").fetchone()[0])
    assert (rec["accepted"], rec["withdrawn"], rec["rejected"]) == (2, 1, 3), rec

    code = st.code(sid)
    s, j = post_from(b, "127.0.0.37", "/api/v1/checkin/lookup",
                     {"session": sid, "nuptk": nuptk(10), "code": code})
    assert s == 409 and j["error"] == "withdrawn" and "ditarik" in j["message"], j
    for extra in ({}, {"name": "Guru Sepuluh", "school": "SMPN 10"}):
        s, j = checkin(b, "127.0.0.37", sid, nuptk(10), code, **extra)
        assert s == 409 and j["error"] == "withdrawn", j
    s, j = checkin(b, "127.0.0.38", sid, nuptk(20), code)
    assert s == 201 and j["walk_in"] is False, j

    # invited again: back on the roster, and checks in
    hub.cli("publish", "roster", "--centre", CENTRE, input=roster_doc("S-HUB-W", [10]))
    sync_once(b)
    assert nuptk(10) in [r["nuptk"] for r in st.day(sid)["rows"]]
    s, j = checkin(b, "127.0.0.37", sid, nuptk(10), st.code(sid))
    assert s == 201 and j["walk_in"] is False, j
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"


def test_participant_number_from_the_hub_roster_to_the_export(boxes, hub):
    """A teacher without a NUPTK: the office's roster names them by
    participant number, they check in with it, and the office's export
    shows the number in its own column (the NUPTK column empty)."""
    doc = json.loads(roster_doc("S-HUB-003", [30]))
    doc["participants"].append({"no_peserta": "ukg-2024/77", "name": "Rina Tanpa Nuptk",
                                "school": "SDN 9 Kota Uji"})
    doc["participants"].append({"no_peserta": "AB#1", "name": "Nomor Salah"})
    hub.cli("publish", "roster", "--centre", CENTRE, input=json.dumps(doc))
    b = box_with_web(boxes, hub)
    sync_once(b)
    st = Staff(b)
    sid = [x for x in st.get("/api/v1/sessions").json()["sessions"]
           if x["uid"] == "S-HUB-003"][0]["id"]
    assert sorted((r["nuptk"], r["no_peserta"]) for r in st.day(sid)["rows"]) == \
        [("", "UKG-2024/77"), (nuptk(30), "")]
    s, j = checkin(b, "127.0.0.33", sid, "UKG-2024/77", st.code(sid))
    assert s == 201 and j["walk_in"] is False, j
    sync_once(b)
    assert box_counts(b)[1] == 0
    rows = [r for r in export(hub, "S-HUB-003") if r["type"] == "attendance.checkin"]
    assert [(r["nuptk"], r["no_peserta"], r["name"]) for r in rows] == \
        [("", "UKG-2024/77", "Rina Tanpa Nuptk")]
