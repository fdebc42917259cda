"""Teachers without a NUPTK, over real HTTP: the roster carries their
participant number (No Peserta), check-in takes it where the NUPTK is
empty (only for numbers on the roster of the session the code picks), and
the day view, the printed list's CSV, marks, claims and the outbox records
carry it as no_peserta (with an empty nuptk)."""
import csv
import io
import json
import os
import sqlite3
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import SIG, Staff, add_staff, nuptk, post_from  # noqa: E402
from claims_util import RATES, ClaimBox  # noqa: E402

ROSTER = ("NUPTK;Nama;No Peserta;Sekolah\r\n"
          f"{nuptk(1)};Guru Ber NUPTK;;SMPN 1 Kota Uji\r\n"
          ";Sari Tanpa Nuptk;ppg-2024/0007;SDN 3 Kota Uji\r\n"
          ";Budi Tanpa Nuptk;A.17;SMAN 2 Kota Uji\r\n"
          ";Tanpa Nomor;;SMKN 1\r\n"                      # neither: rejected
          ";Nomor Aneh;AB#12;SMKN 1\r\n"                  # '#' not allowed
          ";Nomor Panjang;1234567890ABCDEF;SMKN 1\r\n"    # 16 characters: too long
          ";Sari Lagi;PPG-2024/0007;SDN 3\r\n"           # the same number again
          ";Angka Saja;20240001;SDN 4\r\n")

SARI = "PPG-2024/0007"


def lookup(box, ip, typed, code):
    return post_from(box, ip, "/api/v1/checkin/lookup", {"nuptk": typed, "code": code})


def outbox(box, like):
    db = sqlite3.connect(box.db_path())
    try:
        return [(t, json.loads(p)) for t, p in db.execute(
            "SELECT type, payload FROM outbox WHERE type LIKE ? ORDER BY seq", (like,))]
    finally:
        db.close()


def test_roster_checkin_marks_and_records(make_box):
    box = make_box()
    box.start()
    add_staff(box)
    st = Staff(box)
    sid = st.create_session(jp=6)
    r = st.roster(sid, ROSTER)
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["accepted"] == 4 and rep["rejected"] == 4, rep
    bad = {ln["line"]: ln for ln in rep["lines"] if ln["status"] == "rejected"}
    assert bad[5]["error"] == "bad_nuptk"
    assert bad[6]["error"] == "bad_no_peserta" and bad[7]["error"] == "bad_no_peserta"
    assert bad[8]["error"] == "duplicate" and bad[8]["no_peserta"] == SARI
    assert bad[8]["nuptk"] == "" and "No Peserta" in bad[8]["message"]

    # header spellings of the organisers' files, without any NUPTK column
    other = st.create_session(title="Kelas lain")
    for head in ("Nomor Peserta", "no_peserta", "No. Peserta"):
        r = st.roster(other, f"Nama,{head}\r\nDewi,X-{len(head)}\r\n")
        assert r.status_code == 200 and r.json()["accepted"] == 1, (head, r.text)
    r = st.roster(other, "Nama,Nomor\r\nDewi,1\r\n")
    assert r.status_code == 400

    code = st.code(sid)
    # typed in lower case with spaces: the roster's number, the masked name
    s, j = lookup(box, "127.0.0.51", " ppg-2024/ 0007 ", code)
    assert s == 200 and j["walk_in"] is False and j["name"].startswith("Sari T"), j
    assert j["nuptk"] == SARI
    s, c = post_from(box, "127.0.0.51", "/api/v1/checkin",
                     {"session": sid, "nuptk": "ppg-2024/0007", "code": code, "signature": SIG})
    assert s == 201 and c["name"].startswith("Sari T"), c
    s, again = lookup(box, "127.0.0.51", SARI, code)
    assert s == 409 and again["error"] == "already_checked_in"
    # a number the roster lacks is refused at lookup, next to the field: no walk-in
    s, e = lookup(box, "127.0.0.52", "PPG-2024/0008", code)
    assert s == 404 and e["error"] == "peserta_not_on_roster" and e["field"] == "nuptk", e
    s, e = post_from(box, "127.0.0.52", "/api/v1/checkin",
                     {"session": sid, "nuptk": "PPG-2024/0008", "code": code,
                      "signature": SIG, "name": "Penyusup", "school": "X"})
    assert s == 404 and e["error"] == "peserta_not_on_roster", e
    for typed in ("AB#12", "1234567890ABCDEF", "", "3200 0000 0000 00011"):
        s, e = lookup(box, "127.0.0.53", typed, code)
        assert s == 400 and e["error"] == "bad_nuptk" and e["field"] == "nuptk", (typed, e)
    # a NUPTK short of a digit could be a number: not on the roster, so a NUPTK typo
    s, e = lookup(box, "127.0.0.53", "3200 0000 0000 001", code)
    assert s == 400 and e["error"] == "bad_nuptk" and "No Peserta" in e["message"], e
    # an all-digit participant number on the roster is taken
    s, e = lookup(box, "127.0.0.53", "2024 0001", code)
    assert s == 200 and e["name"].startswith("Angka S"), e
    # the same code with a NUPTK works as before
    s, j = lookup(box, "127.0.0.54", nuptk(1), code)
    assert s == 200 and j["walk_in"] is False

    # a facilitator's mark by participant number
    r = st.post(f"/api/v1/sessions/{sid}/marks",
                json={"nuptk": "a.17", "status": "sick", "reason": "demam"})
    assert r.status_code == 201, r.text
    assert r.json()["no_peserta"] == "A.17" and r.json()["nuptk"] == ""

    day = st.day(sid)
    rows = {(x["nuptk"], x["no_peserta"]): x for x in day["rows"]}
    assert rows[("", SARI)]["status"] == "present" and "checkin_id" in rows[("", SARI)]
    assert rows[("", "A.17")]["status"] == "sick"
    assert rows[(nuptk(1), "")]["status"] == "not_yet"
    assert {(t["no_peserta"], t["jp"]) for t in day["jp_totals"]} == {(SARI, 6)}
    # the printed list's CSV has the number in its own column
    text = st.get(f"/api/v1/sessions/{sid}/attendance.csv").text
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["No", "NUPTK", "No Peserta", "Nama"]
    assert ["", SARI, "Sari Tanpa Nuptk"] in [row[1:4] for row in table[1:]]

    # the records going upstream: nuptk empty, no_peserta set, no internal key
    recs = outbox(box, "attendance.%")
    ours = [p for t, p in recs if p.get("no_peserta")]
    assert {(p["no_peserta"], p["status"]) for p in ours} == {(SARI, "present"), ("A.17", "sick")}
    assert all(p["nuptk"] == "" for p in ours)
    assert not any("#" in p.get("nuptk", "") for t, p in recs)


def test_claim_by_participant_number(make_box):
    roster = ("NUPTK,Nama,No Peserta,Bank,Nomor Rekening,Nama Rekening\r\n"
              f"{nuptk(0)},Guru Nol,,,,\r\n"
              ",Rina Tanpa Nuptk,UKG-88,BRI,0123-01-000001-50-1,Rina\r\n")
    cb = ClaimBox(make_box, roster=roster)
    code = cb.staff.code(cb.sid)
    s, j = post_from(cb.box, "127.0.0.61", "/api/v1/checkin",
                     {"session": cb.sid, "nuptk": "ukg-88", "code": code, "signature": SIG})
    assert s == 201, j
    proof = j["uid"]
    body = {"session": cb.sid, "nuptk": "UKG-88", "item": "uang_harian", "checkin": proof}
    r = requests.post(cb.base + "/api/v1/claims", json=body, timeout=30)
    assert r.status_code == 201, r.text
    claim = r.json()
    assert claim["nuptk"] == "" and claim["no_peserta"] == "UKG-88"
    assert claim["amount"] == RATES["uang_harian"] and claim["name"] == "Rina Tanpa Nuptk"
    # the proof is bound to its teacher: a NUPTK holder cannot use it
    r = requests.post(cb.base + "/api/v1/claims", timeout=30,
                      json=dict(body, nuptk=nuptk(0)))
    assert r.status_code == 403 and r.json()["error"] == "other_teacher", r.text
    # the teacher's own list, asked with the number as typed
    r = requests.get(cb.base + "/api/v1/claims", timeout=30,
                     params={"session": cb.sid, "nuptk": "ukg-88", "checkin": proof})
    assert r.status_code == 200, r.text
    mine = r.json()
    assert mine["no_peserta"] == "UKG-88" and [c["item"] for c in mine["claims"]] == ["uang_harian"]
    # staff: the list by number, the nominative list and its CSV
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims", params={"nuptk": "UKG-88"}).json()
    assert [c["no_peserta"] for c in j["claims"]] == ["UKG-88"]
    assert cb.decide(claim["id"], "approve").status_code == 200
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()
    assert [(x["nuptk"], x["no_peserta"]) for x in j["nominatif"]["rows"]] == [("", "UKG-88")]
    rows = list(csv.reader(io.StringIO(
        cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims.csv").content.decode())))
    assert rows[1][1:4] == ["", "UKG-88", "Rina Tanpa Nuptk"]
    # the printed papers find the teacher's account by the same number
    pay = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["payees"]
    assert pay["UKG-88"]["bank"] == "BRI" and not any(k.startswith("#") for k in pay)
    # the claim record going upstream names the teacher by number
    (t, p), = outbox(cb.box, "claim.submit")
    assert p["nuptk"] == "" and p["no_peserta"] == "UKG-88" and p["name"] == "Rina Tanpa Nuptk"
