"""Attendance over real HTTP against pb-web: staff login, CSRF, lockout,
sessions and roster import, session codes, check-in rules, the day view,
marks, locks, CSV export and the outbox chain."""
import csv
import io
import os
import sqlite3
import sys
import threading
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import (SIG, Staff, add_staff, checkin, nuptk,  # noqa: E402
                             post_from, roster_csv, today)

ATT = "[attendance]\nlogin_fail_max = 3\nlogin_fail_max_client = 6\nlogin_lockout_s = 600\n"


def started(make_box, extra_att=""):
    b = make_box(sections=ATT + extra_att)
    b.start()
    add_staff(b)
    return b


def test_login_cookie_csrf_logout(make_box):
    box = started(make_box)
    st = Staff(box)
    cookie = st.s.cookies.get("pb_sid")
    assert cookie and len(cookie) == 64
    raw = [h for h in st.s.post(box.base + "/api/v1/login",
                                json={"user": "fasil", "password": "rahasia-fasil-1"}
                                ).raw.headers.getlist("Set-Cookie")]
    assert any("HttpOnly" in h and "SameSite=Strict" in h and "Path=/" in h for h in raw)
    # rotated at login: the old token no longer works
    assert st.s.cookies.get("pb_sid") != cookie
    old = requests.get(box.base + "/api/v1/me", cookies={"pb_sid": cookie})
    assert old.status_code == 401
    me = st.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["user"] == "fasil"
    st.csrf = me.json()["csrf"]
    # only a hash of the token is stored
    db = sqlite3.connect(box.db_path())
    hashes = [r[0] for r in db.execute("SELECT token_hash FROM staff_login")]
    assert st.s.cookies.get("pb_sid") not in hashes
    # state-changing without or with a wrong CSRF token: 403
    r = st.post("/api/v1/sessions", csrf=False, json={"title": "x"})
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    r = st.s.post(box.base + "/api/v1/sessions", json={"title": "x"},
                  headers={"X-CSRF-Token": "0" * 64})
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    # no login at all: 401
    r = requests.post(box.base + "/api/v1/sessions", json={"title": "x"})
    assert r.status_code == 401 and r.json()["error"] == "login_required"
    assert st.post("/api/v1/logout").status_code == 200
    assert st.get("/api/v1/me").status_code == 401
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]
    assert "staff.login" in actions and "staff.logout" in actions
    db.close()


def test_login_lockout_account_and_client(make_box):
    box = started(make_box)
    add_staff(box, "admin1", "admin")
    bad = {"user": "fasil", "password": "salah-sekali"}
    codes = [requests.post(box.base + "/api/v1/login", json=bad).status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    r = requests.post(box.base + "/api/v1/login",
                      json={"user": "fasil", "password": "rahasia-fasil-1"})
    assert r.status_code == 429 and r.json()["error"] == "locked_out"
    assert int(r.headers["Retry-After"]) > 0
    # the same account from another address is not locked: the lock
    # holds for the account and the address together
    st, j = post_from(box, "127.0.0.9", "/api/v1/login",
                      {"user": "fasil", "password": "rahasia-fasil-1"})
    assert st == 200
    # other accounts from a clean address still work
    st, j = post_from(box, "127.0.0.9", "/api/v1/login",
                      {"user": "admin1", "password": "rahasia-fasil-1"})
    assert st == 200
    # per client address: 6 failures over several names lock that address
    for i in range(3):
        post_from(box, "127.0.0.10", "/api/v1/login", {"user": f"x{i}", "password": "nope-nope"})
        post_from(box, "127.0.0.10", "/api/v1/login", {"user": f"y{i}", "password": "nope-nope"})
    st, j = post_from(box, "127.0.0.10", "/api/v1/login",
                      {"user": "admin1", "password": "rahasia-fasil-1"})
    assert st == 429 and j["error"] == "locked_out"


def test_roster_import_report(make_box):
    box = started(make_box)
    st = Staff(box)
    sid = st.create_session()
    text = ("\ufeffNUPTK;Nama;NPSN/Sekolah;Mata Pelajaran\r\n"
            f"{nuptk(1)};Budi Santoso;SMPN 2 Kota Malang;IPA\r\n"
            f"{nuptk(2)[:15]};Lima Belas;SD 1;IPA\r\n"
            f"{nuptk(3)}7;Tujuh Belas;SD 1;IPA\r\n"
            "12345678901234ab;Huruf;SD 1;IPA\r\n"
            f"{nuptk(4)};\"Sari; \"\"Bu Guru\"\"\";SMA 3;Fisika\r\n"
            f"{nuptk(1)};Dobel;SMPN 2;IPA\r\n"
            f"{nuptk(5)};\"tidak ditutup;X;Y\r\n")
    r = st.roster(sid, text)
    assert r.status_code == 200, r.text
    rep = r.json()
    by_line = {l["line"]: l for l in rep["lines"]}
    assert by_line[2]["status"] == "accepted"
    assert by_line[3]["error"] == "bad_nuptk" and by_line[4]["error"] == "bad_nuptk"
    assert by_line[5]["error"] == "bad_nuptk"
    assert by_line[6]["status"] == "accepted"
    assert by_line[7]["error"] == "duplicate"
    assert by_line[8]["error"] == "bad_csv"
    assert rep["accepted"] == 2 and rep["rejected"] == 5
    # wrong media type, missing columns
    r = st.post(f"/api/v1/sessions/{sid}/roster", data=b"NUPTK,Nama\n",
                headers={"Content-Type": "application/json"})
    assert r.status_code == 415
    r = st.roster(sid, "Nama,Sekolah\nBudi,SD\n")
    assert r.status_code == 400 and r.json()["error"] == "missing_column"
    # pbctl does the same from a file
    path = os.path.join(box.dir, "roster.csv")
    with open(path, "w") as f:
        f.write(roster_csv(3, 100))
    p = box.pbctl("roster", "import", str(sid), path)
    assert "3 diterima" in p.stdout
    day = st.day(sid)
    names = {r["nuptk"]: r["name"] for r in day["rows"]}
    assert names[nuptk(4)] == 'Sari; "Bu Guru"' and nuptk(101) in names
    # a refused line: exit 1, the good line is imported (docs/attendance.md)
    with open(path, "w") as f:
        f.write(f"NUPTK,Nama,Sekolah\n123,Salah,SD\n{nuptk(120)},Guru Baru,SD\n")
    p = box.pbctl("roster", "import", str(sid), path, check=False)
    assert p.returncode == 1 and "1 diterima" in p.stdout and "1 ditolak" in p.stdout, p
    assert nuptk(120) in {r["nuptk"] for r in st.day(sid)["rows"]}


def test_checkin_rules(make_box):
    box = started(make_box, "checkin_per_client_max = 2\n")
    st = Staff(box)
    sid = st.create_session()
    assert st.roster(sid, roster_csv(10)).status_code == 200
    code = st.code(sid)
    assert len(code) == 6 and code.isdigit()
    # the code is staff-only
    assert requests.get(box.base + f"/api/v1/sessions/{sid}/code").status_code == 401
    # masked name before signing
    s, j = post_from(box, "127.0.0.21", "/api/v1/checkin/lookup",
                     {"session": sid, "nuptk": nuptk(1), "code": code})
    assert s == 200 and j["walk_in"] is False
    assert j["name"] == "Guru N\u2022\u2022\u2022\u2022 1\u2022\u2022\u2022\u2022"
    assert "Kota Uji" not in j["school"] and j["school"].startswith("SMPN 1")
    # bad NUPTKs
    for bad in (nuptk(1)[:15], nuptk(1) + "0", "12345678abcdefgh", 3200000000000001):
        s, j = checkin(box, "127.0.0.21", sid, bad, code)
        assert s == 400 and j["error"] == "bad_nuptk", (bad, j)
    # wrong code
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), wrong)
    assert s == 403 and j["error"] == "wrong_code"
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), "12ab56")
    assert s == 400 and j["error"] == "bad_code"
    # oversized and bad signatures
    big = {"w": 300, "h": 150, "s": [[1, 1] + [1, 0, -1, 0] * 499] * 3}
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), code, sig=big)
    assert s == 413 and j["error"] == "signature_too_large"
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), code, sig={"w": 10, "h": 10, "s": [[5, 5, 50, 0]]})
    assert s == 400 and j["error"] == "bad_signature"
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), code, sig={"w": 10, "h": 10, "s": []})
    assert s == 400 and j["error"] == "no_signature"
    # a good one, then the same again: 200 with the same record
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), code)
    assert s == 201 and j["existing"] is False and j["clock_source"] and j["boot_id"]
    # the phone gets the masked name only, never the full one or the NUPTK list
    assert j["name"] == "Guru N\u2022\u2022\u2022\u2022 1\u2022\u2022\u2022\u2022"
    assert "Nomor" not in str(j) and "Kota Uji" not in str(j)
    first = j["id"]
    s, j = checkin(box, "127.0.0.21", sid, nuptk(1), code)
    assert s == 200 and j["existing"] is True and j["id"] == first
    # anti-proxy: 2 teachers from one address, the third is refused
    s, j = checkin(box, "127.0.0.21", sid, nuptk(2), code)
    assert s == 201
    s, j = checkin(box, "127.0.0.21", sid, nuptk(3), code)
    assert s == 429 and j["error"] == "too_many_from_device" and j["client"] == "127.0.0.21"
    # ... until a facilitator allows it
    r = st.post(f"/api/v1/sessions/{sid}/allow", json={"client": "127.0.0.21", "extra": 1})
    assert r.status_code == 200
    s, j = checkin(box, "127.0.0.21", sid, nuptk(3), code)
    assert s == 201
    # walk-in: needs a name, then is flagged
    s, j = checkin(box, "127.0.0.22", sid, nuptk(900), code)
    assert s == 400 and j["error"] == "name_required"
    s, j = checkin(box, "127.0.0.22", sid, nuptk(900), code, name="Tamu Baru", school="SDN 5")
    assert s == 201 and j["walk_in"] is True
    day = st.day(sid)
    assert day["counts"]["present"] == 4 and day["counts"]["walk_in"] == 1
    assert day["counts"]["not_yet"] == 7
    # every check-in is in the outbox
    db = sqlite3.connect(box.db_path())
    n = db.execute("SELECT COUNT(*) FROM outbox WHERE type = 'attendance.checkin'").fetchone()[0]
    assert n == 4
    db.close()
    # signature as SVG, staff only
    r = st.get(f"/api/v1/attendance/{first}/signature.svg")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("image/svg+xml")
    assert r.text.startswith("<svg") and "<path" in r.text
    assert requests.get(box.base + f"/api/v1/attendance/{first}/signature.svg").status_code == 401


def test_expired_code(make_box):
    box = started(make_box, "code_period_s = 2\ncode_grace_s = 0\n")
    st = Staff(box)
    sid = st.create_session()
    st.roster(sid, roster_csv(2))
    code = st.code(sid)
    # wait until two periods later: that code is now an old one
    t_end = time.monotonic() + 4.5
    while time.monotonic() < t_end:
        time.sleep(0.25)
    s, j = checkin(box, "127.0.0.31", sid, nuptk(0), code)
    assert s == 403 and j["error"] == "code_expired"
    s, j = checkin(box, "127.0.0.31", sid, nuptk(0), st.code(sid))
    assert s in (201, 403)   # the fresh code is good unless it just changed
    if s == 403:
        s, j = checkin(box, "127.0.0.31", sid, nuptk(0), st.code(sid))
        assert s == 201


def test_marks_lock_unlock_jp_csv(make_box):
    box = started(make_box)
    add_staff(box, "admin1", "admin")
    st = Staff(box)
    sid = st.create_session(jp=6)
    hostile = '=HYPERLINK("http://x","klik")'
    text = ("NUPTK,Nama,Sekolah\n"
            f"{nuptk(1)},\"{hostile.replace(chr(34), chr(34) * 2)}\",<b>SD</b>\n"
            f"{nuptk(2)},<script>alert(1)</script>,+SMK 1\n"
            f"{nuptk(3)},Citra,@SMA\n")
    assert st.roster(sid, text).json()["accepted"] == 3
    code = st.code(sid)
    assert checkin(box, "127.0.0.41", sid, nuptk(1), code)[0] == 201
    # a mark that someone is away needs a reason; a second mark is a correction
    r = st.post(f"/api/v1/sessions/{sid}/marks", json={"nuptk": nuptk(2), "status": "absent"})
    assert r.status_code == 400 and r.json()["error"] == "reason_required"
    r = st.post(f"/api/v1/sessions/{sid}/marks",
                json={"nuptk": nuptk(2), "status": "present", "reason": "ponsel rusak"})
    assert r.status_code == 201 and r.json()["kind"] == "mark"
    r = st.post(f"/api/v1/sessions/{sid}/marks",
                json={"nuptk": nuptk(1), "status": "absent", "reason": "salah orang"})
    assert r.status_code == 201 and r.json()["kind"] == "correction"
    day = st.day(sid)
    status = {r["nuptk"]: r["status"] for r in day["rows"]}
    assert status == {nuptk(1): "absent", nuptk(2): "present", nuptk(3): "not_yet"}
    jp = {t["nuptk"]: t["jp"] for t in day["jp_totals"]}
    assert jp == {nuptk(2): 6}
    # nothing was edited: the check-in row is still there
    db = sqlite3.connect(box.db_path())
    kinds = sorted(r[0] for r in db.execute("SELECT kind FROM attendance"))
    assert kinds == ["checkin", "correction", "mark"]
    # CSV: formula cells neutralised, quotes kept
    r = st.get(f"/api/v1/sessions/{sid}/attendance.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    cells = [c for row in rows[1:] for c in row]
    assert "'" + hostile in cells and "'+SMK 1" in cells and "'@SMA" in cells
    assert not any(c[:1] in ("=", "+", "-", "@") for c in cells)
    r = st.get(f"/api/v1/sessions/{sid}/jp.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["No", "NUPTK", "No Peserta", "Nama", "Hari hadir", "JP"]
    assert rows[1][1:] == [nuptk(2), "", "<script>alert(1)</script>", "1", "6"]
    # lock: 409 afterwards for check-ins and marks
    r = st.post(f"/api/v1/sessions/{sid}/lock")
    assert r.status_code == 200
    assert st.post(f"/api/v1/sessions/{sid}/lock").status_code == 409
    s, j = checkin(box, "127.0.0.42", sid, nuptk(3), code)
    assert s == 409 and j["error"] == "day_locked"
    r = st.post(f"/api/v1/sessions/{sid}/marks",
                json={"nuptk": nuptk(3), "status": "present", "reason": "kertas"})
    assert r.status_code == 409
    # unlock is for admins only, with a reason, and audited
    assert st.post(f"/api/v1/sessions/{sid}/unlock", json={"reason": "x"}).status_code == 403
    ad = Staff(box, "admin1")
    assert ad.post(f"/api/v1/sessions/{sid}/unlock", json={}).status_code == 400
    assert ad.post(f"/api/v1/sessions/{sid}/unlock",
                   json={"reason": "koreksi kertas"}).status_code == 200
    s, j = checkin(box, "127.0.0.42", sid, nuptk(3), st.code(sid))
    assert s == 201
    acts = [r[0] for r in db.execute("SELECT action FROM audit WHERE actor IN ('fasil','admin1')")]
    for a in ("attendance.session", "attendance.roster", "attendance.mark",
              "attendance.correction", "attendance.lock", "attendance.unlock",
              "attendance.export"):
        assert a in acts, a
    types = {r[0] for r in db.execute("SELECT type FROM outbox")}
    assert {"attendance.checkin", "attendance.mark", "attendance.lock",
            "attendance.unlock", "attendance.session"} <= types
    db.close()
    assert "chain OK" in box.pbctl("outbox", "verify").stdout


def test_forty_phones_at_once(make_box):
    # a long code period: the code cannot change during the storm
    box = started(make_box, "code_period_s = 3600\ncode_grace_s = 3600\n")
    st = Staff(box)
    sid = st.create_session()
    st.roster(sid, roster_csv(40))
    code = st.code(sid)
    results = [None] * 80

    def phone(i):
        # each phone checks in, then repeats (a double tap)
        ip = f"127.0.1.{i + 1}"
        results[i] = checkin(box, ip, sid, nuptk(i), code)
        results[40 + i] = checkin(box, ip, sid, nuptk(i), code)

    threads = [threading.Thread(target=phone, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first = [r[0] for r in results[:40]]
    assert first == [201] * 40, first
    # the repeats return the very record the first tap made
    for i in range(40):
        s, j = results[40 + i]
        assert s == 200 and j["existing"] is True and j["id"] == results[i][1]["id"]
    day = st.day(sid)
    assert day["counts"]["present"] == 40 and day["counts"]["not_yet"] == 0
    db = sqlite3.connect(box.db_path())
    assert db.execute("SELECT COUNT(*) FROM attendance").fetchone()[0] == 40
    assert db.execute("SELECT COUNT(DISTINCT client) FROM attendance").fetchone()[0] == 40
    db.close()
    assert "chain OK" in box.pbctl("outbox", "verify").stdout


def test_login_idle_and_absolute_expiry(make_box):
    """Expiry is counted on the monotonic clock; the test ages the login in
    the database instead of waiting."""
    box = started(make_box, "session_idle_s = 600\nsession_max_s = 3600\n")
    st = Staff(box)
    assert st.get("/api/v1/me").status_code == 200
    db = sqlite3.connect(box.db_path())
    db.execute("UPDATE staff_login SET last_mono = last_mono - 601 * 1000")
    db.commit()
    assert st.get("/api/v1/me").status_code == 401
    st = Staff(box)
    db.execute("UPDATE staff_login SET created_mono = created_mono - 3601 * 1000")
    db.commit()
    assert st.get("/api/v1/me").status_code == 401
    # a lock ends after login_lockout_s
    for _ in range(3):
        requests.post(box.base + "/api/v1/login", json={"user": "fasil", "password": "x" * 9})
    assert requests.post(box.base + "/api/v1/login", json={
        "user": "fasil", "password": "rahasia-fasil-1"}).status_code == 429
    db.execute("UPDATE login_failure SET locked_until = locked_until - 601 * 1000, "
               "first_mono = first_mono - 601 * 1000")
    db.commit()
    db.close()
    assert requests.post(box.base + "/api/v1/login", json={
        "user": "fasil", "password": "rahasia-fasil-1"}).status_code == 200


def test_config_check_names_bad_clock_adjust(make_box):
    from pbtest import binary
    import subprocess
    box = make_box(sections="[attendance]\nclock_adjust = sometimes\ncode_period_s = 1\n")
    p = subprocess.run([binary("pb-web"), "-c", box.conf, "-n"], capture_output=True, text=True)
    assert p.returncode != 0
    assert "clock_adjust" in p.stderr and "code_period_s" in p.stderr
