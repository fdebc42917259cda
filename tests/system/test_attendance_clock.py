"""The box clock: confirmation by a staff browser, an admin, or pbctl.

The system clock of this machine cannot be set by a test, so the boxes run
with [attendance] clock_adjust = offset (the step is kept as an offset in
the database) and two seams stand in for a Raspberry Pi without a
real-time clock (docs/attendance.md):
- PB_CLOCK_SOURCE fixes what the box believes about its clock (unsynced,
  as a Pi without NTP after boot);
- PB_CLOCK_SKEW_MS shifts the raw clock the box reads (a Pi boots with the
  time fake-hwclock saved, hours or days behind).
A reboot is a new boot id: pb-web runs in its own mount namespace with a
file bound over /proc/sys/kernel/random/boot_id (needs root, as the
network tests do)."""
import datetime
import os
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, roster_csv, nuptk  # noqa: E402
from attendance_util import outbox_payloads as outbox  # noqa: E402
from pbtest import Daemon, binary, wait_http  # noqa: E402

MIN = 60 * 1000
HOUR = 60 * MIN
DAY = 24 * HOUR
OFFSET = "[attendance]\nclock_adjust = offset\n"

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="a new boot id needs a mount namespace")


def now_ms():
    return int(time.time() * 1000)


def local_day(ms):
    return time.strftime("%Y-%m-%d", time.localtime(ms / 1000))


def start(box, source, skew_ms=0, boot_id=None):
    """pb-web believing its clock is `source`, reading a raw clock skew_ms
    off, and (boot_id) in a boot of that id."""
    argv = [binary("pb-web"), "-c", box.conf]
    if boot_id is not None:
        path = os.path.join(box.dir, "boot_id")
        with open(path, "w") as f:
            f.write(boot_id + "\n")
        argv = ["unshare", "-m", "sh", "-c",
                'mount --bind "$0" /proc/sys/kernel/random/boot_id && exec "$@"', path] + argv
    box.web = Daemon(argv, os.path.join(box.dir, "pb-web.log"),
                     env={"PB_CLOCK_SOURCE": source, "PB_CLOCK_SKEW_MS": str(skew_ms)})
    wait_http(box.base + "/healthz", proc=box.web.proc)


def session(st, start_day, days=2):
    r = st.post("/api/v1/sessions", json={
        "title": "Pelatihan Guru KK A", "mode": "tatap_muka", "kk": "A", "subject": "Matematika",
        "start_date": start_day, "days": days, "jp_per_day": 8, "facilitators": ["fasil"]})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert st.roster(sid, roster_csv(3)).status_code == 200
    return sid


def test_unconfirmed_clock_steps_both_ways_then_only_forward(make_box):
    box = make_box(sections=OFFSET)
    start(box, "unsynced")
    add_staff(box)
    # unconfirmed since boot: a browser 10 minutes behind moves the box back
    c = Staff(box, client_time_ms=now_ms() - 10 * MIN).login["clock"]
    assert -11 * MIN < c["stepped_ms"] < -9 * MIN
    assert c["source"] == "browser" and c["confirmed"] is True and c["warn"] is False
    # now confirmed: a browser behind the box no longer moves it back
    c = Staff(box, client_time_ms=now_ms() - 30 * MIN).login["clock"]
    assert c["stepped_ms"] == 0 and c["warn"] is True
    # a small difference is left alone, without a warning
    c = Staff(box, client_time_ms=now_ms() - 9 * MIN).login["clock"]
    assert c["stepped_ms"] == 0 and c["warn"] is False
    # but forward still: the box is 10 minutes behind, this browser 20 ahead
    ahead = now_ms() + 20 * MIN
    st = Staff(box, client_time_ms=ahead)
    c = st.login["clock"]
    assert 29 * MIN < c["stepped_ms"] < 31 * MIN
    assert c["source"] == "browser" and c["warn"] is False
    sid = session(st, local_day(ahead))
    s, j = checkin(box, "127.0.0.51", sid, nuptk(0), st.code(sid))
    assert s == 201 and j["clock_source"] == "browser" and j["wall_ms"] >= ahead
    steps = outbox(box, "box.clock_step")
    assert [s["by"] for s in steps] == ["fasil", "fasil"]
    assert steps[0]["step_ms"] < 0 < steps[1]["step_ms"]
    db = sqlite3.connect(box.db_path())
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'box.clock_step' "
                      "AND actor = 'fasil'").fetchone()[0] == 2
    db.close()
    # a restart in the same boot keeps the confirmation and the offset
    box.stop()
    start(box, "unsynced")
    st = Staff(box)
    assert st.login["clock"]["source"] == "browser"
    s, j = checkin(box, "127.0.0.52", sid, nuptk(1), st.code(sid))
    assert s == 201 and j["wall_ms"] >= ahead and j["day"] == local_day(ahead)


@needs_root
def test_offset_is_not_trusted_after_a_reboot(make_box):
    """Day 1: the Pi boots 3 hours behind, the facilitator's login steps it.
    Night: reboot. Day 2: the Pi boots 20 hours behind (yesterday); the old
    offset would put day-2 check-ins on day 1. The box holds them until the
    facilitator's login confirms the clock, then dates them."""
    box = make_box(sections=OFFSET)
    yesterday = now_ms() - DAY
    start(box, "unsynced", skew_ms=-DAY - 3 * HOUR, boot_id=str(uuid.uuid4()))
    add_staff(box)
    st = Staff(box, client_time_ms=yesterday)
    assert 2.9 * HOUR < st.login["clock"]["stepped_ms"] < 3.1 * HOUR
    sid = session(st, local_day(yesterday))
    s, j = checkin(box, "127.0.0.51", sid, nuptk(0), st.code(sid))
    assert s == 201 and j["day"] == local_day(yesterday)
    box.stop()

    start(box, "unsynced", skew_ms=-20 * HOUR, boot_id=str(uuid.uuid4()))
    # a login without the browser's time confirms nothing
    quiet = Staff(box)
    assert quiet.login["clock"]["source"] == "unsynced"
    before = now_ms()
    phone = "pb_dev=" + "52" * 16
    s, j = checkin(box, "127.0.0.52", sid, nuptk(0), quiet.code(sid), cookie=phone)
    after = now_ms()
    # held, not "already checked in" on day 1
    assert s == 201 and j["existing"] is False and j["clock_source"] == "unsynced", j
    assert j["held"] is True and j["day"].startswith("?")
    # lookup and check-in again while held: the same held record
    s, j2 = checkin(box, "127.0.0.52", sid, nuptk(0), quiet.code(sid), cookie=phone)
    assert s == 200 and j2["existing"] is True and j2["uid"] == j["uid"]
    # from another phone: "already", but not the id that opens the claims
    s, j3 = checkin(box, "127.0.0.53", sid, nuptk(0), quiet.code(sid))
    assert s == 200 and j3["existing"] is True and "uid" not in j3, j3
    # the facilitator's login (right time) confirms: 20 hours forward
    st = Staff(box, client_time_ms=now_ms())
    c = st.login["clock"]
    assert 19.9 * HOUR < c["stepped_ms"] < 20.1 * HOUR and c["confirmed"] is True
    today = local_day(now_ms())
    rows = {r["nuptk"]: r for r in st.day(sid)["rows"]}
    assert rows[nuptk(0)]["status"] == "present"
    dated = outbox(box, "attendance.dated")
    assert len(dated) == 1 and dated[0]["id"] == j["uid"] and dated[0]["day"] == today
    assert before - MIN <= dated[0]["wall_ms"] <= after + MIN        # generous: a loaded machine
    y = st.get(f"/api/v1/sessions/{sid}/attendance", params={"day": local_day(yesterday)}).json()
    assert {r["nuptk"]: r["status"] for r in y["rows"]}[nuptk(0)] == "present"
    # nothing left to review
    p = box.pbctl("clock", "suspects")
    assert j["uid"] not in p.stdout and "0 record(s)" in p.stderr


def test_clock_ahead_is_set_back_by_an_admin(make_box):
    box = make_box(sections=OFFSET)
    start(box, "unsynced", skew_ms=2 * DAY)
    add_staff(box, also=[("admin", "admin")])
    # a facilitator's phone two days ahead confirms the box as it is
    st = Staff(box, client_time_ms=now_ms() + 2 * DAY)
    assert st.login["clock"]["stepped_ms"] == 0 and st.login["clock"]["confirmed"] is True
    sid = session(st, local_day(now_ms() + 2 * DAY), days=1)
    s, j = checkin(box, "127.0.0.51", sid, nuptk(0), st.code(sid))
    assert s == 201 and j["day"] == local_day(now_ms() + 2 * DAY)
    # a right browser cannot move a confirmed clock back ...
    st2 = Staff(box, client_time_ms=now_ms())
    assert st2.login["clock"]["stepped_ms"] == 0 and st2.login["clock"]["warn"] is True
    # ... nor can a facilitator ask for it, or anyone without the CSRF token
    assert st2.post("/api/v1/clock", json={"client_time_ms": now_ms(),
                                           "confirm": True}).status_code == 403
    adm = Staff(box, "admin")
    assert adm.post("/api/v1/clock", csrf=False, json={"client_time_ms": now_ms(),
                                                       "confirm": True}).status_code == 403
    r = adm.post("/api/v1/clock", json={"client_time_ms": now_ms(), "confirm": True})
    assert r.status_code == 200, r.text
    assert -2.01 * DAY < r.json()["stepped_ms"] < -1.99 * DAY and r.json()["warn"] is False
    steps = outbox(box, "box.clock_step")
    assert steps[-1]["by"] == "admin" and steps[-1]["why"] == "admin"
    # the check-in made in the wrong period is listed for review
    p = box.pbctl("clock", "suspects")
    line = [ln for ln in p.stdout.splitlines() if ln.startswith(j["uid"])]
    assert len(line) == 1, p.stdout
    f = line[0].split("\t")
    assert f[4] == j["day"] and f[5] == "stepped" and f[6] == local_day(now_ms())
    # pbctl can set it too (audited); pb-web picks it up
    target = now_ms() + HOUR
    iso = datetime.datetime.fromtimestamp(target / 1000, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")
    # pbctl reads the same raw clock as pb-web (the skew seam)
    p = subprocess.run([binary("pbctl"), "-c", box.conf, "clock", "set", iso],
                       env=dict(os.environ, PB_CLOCK_SKEW_MS=str(2 * DAY)),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "clock set" in p.stdout, p.stderr
    deadline = time.time() + 30
    while True:
        box_ms = Staff(box).login["clock"]["box_ms"]
        if abs(box_ms - now_ms() - HOUR) < MIN or time.time() > deadline:
            break
        time.sleep(0.5)
    assert abs(box_ms - now_ms() - HOUR) < MIN
    db = sqlite3.connect(box.db_path())
    assert db.execute("SELECT COUNT(*) FROM audit WHERE action = 'box.clock_step' "
                      "AND actor = 'pbctl'").fetchone()[0] == 1
    db.close()


def test_clock_steps_are_bounded(make_box):
    box = make_box(sections=OFFSET)
    start(box, "unsynced")
    add_staff(box, also=[("admin", "admin")])
    year_2100 = 4102444800000
    for bad in (year_2100, 2**63 - 1, -2**63, 0, 1):
        c = Staff(box, client_time_ms=bad).login["clock"]
        assert c["stepped_ms"] == 0 and c["warn"] is True and c["refused"], c
        assert c["source"] == "unsynced"
    adm = Staff(box, "admin")
    for bad in (year_2100, 2**63 - 1, -2**63):
        r = adm.post("/api/v1/clock", json={"client_time_ms": bad, "confirm": True})
        assert r.status_code == 400 and r.json()["error"] == "time_out_of_range", r.text
        assert "2020-01-01" in r.json()["message"]
    assert adm.post("/api/v1/clock", json={"client_time_ms": 2**64,
                                           "confirm": True}).status_code == 400
    for bad in ("2100-01-01T00:00:00Z", "99999-01-01T00:00Z", "kemarin", "2026-13-40T00:00Z"):
        p = box.pbctl("clock", "set", bad, check=False)
        assert p.returncode == 1 and ("refused" in p.stderr or "not a time" in p.stderr), p.stderr
    # nothing moved
    c = Staff(box).login["clock"]
    assert abs(c["box_ms"] - now_ms()) < MIN and c["source"] == "unsynced"
    assert outbox(box, "box.clock_step") == []
    # under the warning threshold (5 minutes) a browser only confirms the clock
    c = Staff(box, client_time_ms=now_ms() + 3 * MIN).login["clock"]
    assert c["stepped_ms"] == 0 and c["confirmed"] is True and c["warn"] is False
    assert c["source"] == "browser"
    assert outbox(box, "box.clock_step") == [] and len(outbox(box, "box.clock_confirm")) == 1


def test_synced_clock_is_not_moved(make_box):
    box = make_box(sections=OFFSET)
    start(box, "ntp")
    add_staff(box, also=[("admin", "admin")])
    st = Staff(box, client_time_ms=now_ms() + 30 * MIN)
    assert st.login["clock"]["stepped_ms"] == 0 and st.login["clock"]["warn"] is True
    r = st.post("/api/v1/clock", json={"client_time_ms": now_ms()})
    assert r.status_code == 200 and r.json()["warn"] is False
    assert st.post("/api/v1/clock", csrf=False, json={"client_time_ms": 1}).status_code == 403
    r = Staff(box, "admin").post("/api/v1/clock", json={"client_time_ms": now_ms() - HOUR,
                                                         "confirm": True})
    assert r.status_code == 409 and r.json()["error"] == "clock_ntp"


def test_claim_of_a_held_checkin_says_wait_for_the_clock(make_box):
    """A teacher checked in before any staff browser confirmed the clock was
    told "tercatat hadir"; the claim page then must not say "not present":
    it says the clock waits for the facilitator, and once the facilitator's
    login confirms the clock the same claim goes through."""
    from claims_util import ClaimBox
    cb = ClaimBox(make_box, n=2, extra=OFFSET, launch=lambda b: start(b, "unsynced"))
    assert cb.staff.login["clock"]["source"] == "unsynced"
    proof = cb.check_in(0)
    r = cb.claim(0, "uang_harian", proof=proof)
    assert r.status_code == 409 and r.json()["error"] == "checkin_held", r.text
    assert "jam kotak belum dipastikan" in r.json()["message"]
    r = requests.post(cb.base + "/api/v1/claims?lang=en", timeout=30, json={
        "session": cb.sid, "nuptk": nuptk(0), "item": "uang_harian", "checkin": proof})
    assert r.status_code == 409 and "clock is not yet confirmed" in r.json()["message"], r.text
    # a teacher with no check-in at all is still "not present"
    r = cb.staff.post("/api/v1/claims", json={"session": cb.sid, "nuptk": nuptk(1),
                                              "item": "uang_harian"})
    assert r.status_code == 409 and r.json()["error"] == "not_attended", r.text
    assert Staff(cb.box, client_time_ms=now_ms()).login["clock"]["confirmed"] is True
    r = cb.claim(0, "uang_harian", proof=proof)
    assert r.status_code == 201, r.text
