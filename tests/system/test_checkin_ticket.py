"""Check-in without traps, over real HTTP: the code picks the session among
today's, a lookup's ticket outlives the rotating code and is bound to the
phone, refusals come at lookup (before the signature), a NUPTK typed with
spaces or dashes is taken, and errors name their field."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import SIG, Staff, add_staff, nuptk, post_from, roster_csv  # noqa: E402

# codes change every 2 s and the previous one is not accepted afterwards
FAST = "[attendance]\ncode_period_s = 2\ncode_grace_s = 0\ncheckin_per_client_max = 2\n"


def lookup(box, ip, n, code, cookie=None, **extra):
    body = {"nuptk": n, "code": code}
    body.update(extra)
    return post_from(box, ip, "/api/v1/checkin/lookup", body, cookie=cookie)


def send(box, ip, body, cookie=None):
    return post_from(box, ip, "/api/v1/checkin", body, cookie=cookie)


def dev_cookie(box, ip, n, code):
    """A lookup as a new phone: its answer and the pb_dev cookie it got."""
    import http.client
    c = http.client.HTTPConnection(box.host, box.port, timeout=30, source_address=(ip, 0))
    try:
        c.request("POST", "/api/v1/checkin/lookup", body=json.dumps({"nuptk": n, "code": code}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        j = json.loads(r.read())
        sc = r.getheader("Set-Cookie") or ""
        return r.status, j, sc.split(";")[0]
    finally:
        c.close()


def test_code_picks_session_and_ticket_outlives_code(make_box):
    box = make_box(sections=FAST)
    box.start()
    add_staff(box)
    st = Staff(box)
    a = st.create_session(title="Kelas A")
    b = st.create_session(title="Kelas B")
    st.roster(a, roster_csv(3))
    st.roster(b, roster_csv(3, start=10))
    # the code alone decides: B's code picks B, A's picks A (same NUPTK on both)
    s, j, cookie = dev_cookie(box, "127.0.0.21", nuptk(0), st.code(a))
    assert s == 200 and j["session"] == a and j["title"] == "Kelas A" and j["walk_in"] is False
    assert cookie.startswith("pb_dev=") and len(j["ticket"]) == 32 and j["ticket_s"] == 600
    s, jb = lookup(box, "127.0.0.21", nuptk(10), st.code(b), cookie=cookie)
    assert s == 200 and jb["session"] == b and jb["title"] == "Kelas B"
    # a signer slower than code_period_s + code_grace_s: the code is gone ...
    old = st.code(a)
    time.sleep(4.5)
    s, e = lookup(box, "127.0.0.21", nuptk(0), old, cookie=cookie)
    assert s == 403 and e["error"] in ("code_expired", "wrong_code") and e["field"] == "code"
    # ... the ticket still holds, but only for the phone it was given to
    body = {"ticket": j["ticket"], "signature": SIG}
    s, e = send(box, "127.0.0.21", body, cookie="pb_dev=" + "0" * 32)
    assert s == 403 and e["error"] == "ticket_expired"
    s, e = send(box, "127.0.0.21", body)
    assert s == 403 and e["error"] == "ticket_expired"
    s, rec = send(box, "127.0.0.21", body, cookie=cookie)
    assert s == 201 and rec["session"] == a and rec["existing"] is False, rec
    # used once
    s, e = send(box, "127.0.0.21", body, cookie=cookie)
    assert s == 403 and e["error"] == "ticket_expired"
    # B's ticket checks in to B
    s, rec = send(box, "127.0.0.21", {"ticket": jb["ticket"], "signature": SIG}, cookie=cookie)
    assert s == 201 and rec["session"] == b
    rows = {r["nuptk"]: r["status"] for r in st.day(a)["rows"]}
    assert rows[nuptk(0)] == "present" and nuptk(10) not in rows
    # a forged ticket
    s, e = send(box, "127.0.0.21", {"ticket": "f" * 32, "signature": SIG}, cookie=cookie)
    assert s == 403 and e["error"] == "ticket_expired"
    s, e = send(box, "127.0.0.21", {"ticket": "' OR 1=1 --", "signature": SIG}, cookie=cookie)
    assert s == 403 and e["error"] == "ticket_expired"


def one_session(make_box, people):
    box = make_box(sections=FAST)
    box.start()
    add_staff(box)
    st = Staff(box)
    sid = st.create_session()
    st.roster(sid, roster_csv(people))
    return box, st, sid


def test_refusals_at_lookup_before_the_signature(make_box):
    box, st, sid = one_session(make_box, 6)
    # already checked in: the lookup says so, with the time
    s, j, cookie = dev_cookie(box, "127.0.0.31", nuptk(0), st.code(sid))
    assert s == 200
    s, rec = send(box, "127.0.0.31", {"ticket": j["ticket"], "signature": SIG}, cookie=cookie)
    assert s == 201
    s, e = lookup(box, "127.0.0.31", nuptk(0), st.code(sid), cookie=cookie)
    assert s == 409 and e["error"] == "already_checked_in" and e["time"] == rec["time"]
    assert rec["time"] in e["message"]
    # ... but not the check-in id, which opens the teacher's claims
    assert "uid" not in e and rec["uid"] not in json.dumps(e)
    # this phone's limit (2 teachers): the third is refused at lookup
    s, j = lookup(box, "127.0.0.31", nuptk(1), st.code(sid), cookie=cookie)
    s, rec = send(box, "127.0.0.31", {"ticket": j["ticket"], "signature": SIG}, cookie=cookie)
    assert s == 201
    s, e = lookup(box, "127.0.0.31", nuptk(2), st.code(sid), cookie=cookie)
    assert s == 429 and e["error"] == "too_many_from_device"
    # a locked day (the code of just before the lock)
    code = st.code(sid)
    assert st.post(f"/api/v1/sessions/{sid}/lock").status_code == 200
    s, e = lookup(box, "127.0.0.32", nuptk(3), code)
    assert s == 409 and e["error"] == "day_locked"


def test_nuptk_typed_with_spaces_and_walk_in_echo(make_box):
    box, st, sid = one_session(make_box, 2)
    n = nuptk(1)
    typed = f"{n[:4]} {n[4:8]}-{n[8:12]}.{n[12:]}"
    s, j = lookup(box, "127.0.0.41", typed, st.code(sid))
    assert s == 200 and j["walk_in"] is False and j["name"].startswith("Guru")
    assert j["nuptk"] == f"{n[:4]} {n[4:8]} {n[8:12]} {n[12:]}"
    for bad in ("3200 0000 0000 001", n + "9", "", "x" * 70):
        s, e = lookup(box, "127.0.0.41", bad, st.code(sid))
        assert s == 400 and e["error"] == "bad_nuptk" and e["field"] == "nuptk", (bad, e)
    s, e = lookup(box, "127.0.0.41", n, "12a456")
    assert s == 400 and e["field"] == "code"
    # a typo: not on the roster of the session the code belongs to; shown back
    typo = n[:-1] + "9"
    s, j = lookup(box, "127.0.0.41", typo, st.code(sid))
    assert s == 200 and j["walk_in"] is True and j["session"] == sid
    assert j["nuptk"].replace(" ", "") == typo and "tidak ada di daftar peserta" in j["message"]
    # a walk-in without a name is refused on the name field
    s, e = send(box, "127.0.0.41", {"nuptk": typo, "code": st.code(sid), "signature": SIG})
    assert s == 400 and e["error"] == "name_required" and e["field"] == "name"
    # no session today: the code cannot match
    box2 = make_box(sections=FAST)
    box2.start()
    s, e = lookup(box2, "127.0.0.42", n, "123456")
    assert s == 409 and e["error"] == "no_session_today"
