"""The box clock and a facilitator's browser. The system clock cannot be
set here (no CAP_SYS_TIME for tests), so the box runs with
[attendance] clock_adjust = offset, which keeps the step as an offset in
the database, and PB_CLOCK_SOURCE fixes what the box believes about its
clock (the seam documented in docs/attendance.md)."""
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, roster_csv, nuptk  # noqa: E402
from pbtest import Daemon, binary, wait_http  # noqa: E402

MIN = 60 * 1000


def start(box, source):
    box.web = Daemon([binary("pb-web"), "-c", box.conf],
                     os.path.join(box.dir, "pb-web.log"), env={"PB_CLOCK_SOURCE": source})
    wait_http(box.base + "/healthz", proc=box.web.proc)


def test_unsynced_clock_moves_forward_never_back(make_box):
    box = make_box(sections="[attendance]\nclock_adjust = offset\n")
    start(box, "unsynced")
    add_staff(box)
    # behind the box: never moved back, but the page is warned
    behind = Staff(box, client_time_ms=int(time.time() * 1000) - 10 * MIN)
    assert behind.login["clock"]["stepped_ms"] == 0
    assert behind.login["clock"]["warn"] is True
    # ahead by less than the step threshold: nothing happens, no warning
    small = Staff(box, client_time_ms=int(time.time() * 1000) + 1 * MIN)
    assert small.login["clock"]["stepped_ms"] == 0
    assert small.login["clock"]["warn"] is False
    # ahead by 30 minutes: the box moves forward and records it
    browser_ms = int(time.time() * 1000) + 30 * MIN
    st = Staff(box, client_time_ms=browser_ms)
    c = st.login["clock"]
    assert c["stepped_ms"] > 2 * MIN and c["warn"] is False and c["source"] == "browser"
    sid = st.create_session()
    st.roster(sid, roster_csv(2))
    s, j = checkin(box, "127.0.0.51", sid, nuptk(0), st.code(sid))
    assert s == 201 and j["clock_source"] == "browser" and j["wall_ms"] >= browser_ms
    db = sqlite3.connect(box.db_path())
    steps = db.execute("SELECT COUNT(*) FROM outbox WHERE type = 'box.clock_step'").fetchone()[0]
    audited = db.execute("SELECT COUNT(*) FROM audit WHERE action = 'box.clock_step' "
                         "AND actor = 'fasil'").fetchone()[0]
    assert steps == 1 and audited == 1
    db.close()
    # once stepped the clock is no longer unsynced: a later browser does not move it
    again = Staff(box, client_time_ms=int(time.time() * 1000) + 90 * MIN)
    assert again.login["clock"]["stepped_ms"] == 0 and again.login["clock"]["warn"] is True
    # the step survives a restart
    box.stop()
    start(box, "unsynced")
    st = Staff(box)
    s, j = checkin(box, "127.0.0.52", sid, nuptk(1), st.code(sid))
    assert s == 201 and j["wall_ms"] >= browser_ms


def test_synced_clock_is_not_moved(make_box):
    box = make_box(sections="[attendance]\nclock_adjust = offset\n")
    start(box, "ntp")
    add_staff(box)
    st = Staff(box, client_time_ms=int(time.time() * 1000) + 30 * MIN)
    assert st.login["clock"]["stepped_ms"] == 0 and st.login["clock"]["warn"] is True
    r = st.post("/api/v1/clock", json={"client_time_ms": int(time.time() * 1000)})
    assert r.status_code == 200 and r.json()["warn"] is False
    assert st.post("/api/v1/clock", csrf=False, json={"client_time_ms": 1}).status_code == 403
