"""box.health reports, all real processes (pb-sync, pb-hub, PostgreSQL) on
loopback: one report per upload round and one per [sync] health_interval_s
of uptime, exactly once at the hub, never one that causes another; the
office's box list shows the last report with its flags.

The Raspberry Pi firmware's get_throttled file does not exist on this
machine: the box reads a stand-in file named by [gpio] throttled_path."""
import json
import os
import sqlite3
import time

import requests

from pbhub import Sync, box_counts, box_meta, sync_once, sync_section
from pbtest import ROOT

CENTRE = "PB-TEST-001"
VERSION = open(os.path.join(ROOT, "VERSION")).read().strip()


def health_box(boxes, hub, tmp, throttled="0", interval="3600"):
    flags = os.path.join(tmp, "get_throttled")
    with open(flags, "w") as f:
        f.write(throttled + "\n")
    tok = hub.cli("token", CENTRE).stdout.strip()
    b = boxes(sections=sync_section(hub.base, tok, f"health_interval_s = {interval}") + f"[gpio]\nthrottled_path = {flags}\n")
    b.pbctl("init")
    return b


def add(b, n):
    b.pbctl("outbox", "add", "attendance.checkin",
            json.dumps({"session_id": "S1", "nuptk": "1234567890123456", "name": "Siti"}), str(n))


def reports(hub, box_id):
    """The box.health records the hub holds for the box, in order."""
    rows = hub.sql(f"SELECT payload FROM records WHERE box_id = '{box_id}' "
                   "AND type = 'box.health' ORDER BY seq")
    return [json.loads(r) for r in rows.splitlines() if r]


def set_meta(b, key, value):
    with sqlite3.connect(b.db_path(), timeout=10) as c:
        c.execute("UPDATE box_meta SET value = ? WHERE key = ?", (value, key))


def uptime_ms():
    return int(time.clock_gettime(time.CLOCK_BOOTTIME) * 1000)


def written_expected(data_dir):
    st = os.stat(data_dir)
    return os.path.exists(f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}/stat")


def test_one_report_per_round_and_per_interval(boxes, hub, tmp_path):
    b = health_box(boxes, hub, str(tmp_path), "50005")
    add(b, 3)
    sync_once(b)
    bid = box_meta(b, "box_id")
    got = reports(hub, bid)
    assert len(got) == 1, got
    r = got[0]
    assert r["v"] == VERSION
    assert r["bl"] == 3                 # the three check-ins waited, the report itself not
    assert r["df"] > 0 and r["dt"] >= r["df"]
    assert r["up"] > 0 and r["boot"] == 1
    assert r["thr"] == 0x50005
    assert r["ph"] == 0 and r["err"] is None
    data_dir = os.path.dirname(b.db_path())
    if written_expected(data_dir):
        assert isinstance(r["wr"], int) and r["wr"] >= 0
    else:
        assert r["wr"] is None
    assert box_counts(b)[1] == 0

    # nothing else to send and the hour not over: no report
    sync_once(b)
    assert len(reports(hub, bid)) == 1
    # records to send: one report goes with them, and only one
    add(b, 2)
    sync_once(b)
    sync_once(b)
    got = reports(hub, bid)
    assert len(got) == 2 and got[1]["bl"] == 2, got
    # an hour of uptime since the last report: one, with nothing else to send
    boot_id = open("/proc/sys/kernel/random/boot_id").read().strip()
    set_meta(b, "health.last", f"{boot_id} {uptime_ms() - 3000 * 1000}")
    sync_once(b)
    assert len(reports(hub, bid)) == 2          # 50 minutes: not yet
    set_meta(b, "health.last", f"{boot_id} {uptime_ms() - 3601 * 1000}")
    sync_once(b)
    sync_once(b)
    got = reports(hub, bid)
    assert len(got) == 3 and got[2]["bl"] == 0, got
    assert got[2]["boot"] == 1                  # pb-sync restarts are not boots
    # after a reboot both keys hold the previous boot's id: one more boot,
    # and a report at once
    set_meta(b, "health.boot_id", "0" * 36)
    set_meta(b, "health.last", f"{'0' * 36} {uptime_ms()}")
    sync_once(b)
    got = reports(hub, bid)
    assert len(got) == 4 and got[3]["boot"] == 2, got
    # exactly once at the hub: history and latest agree with the records
    assert hub.sql(f"SELECT count(*) FROM box_health WHERE box_id = '{bid}'") == "4"
    assert hub.sql(f"SELECT boot_count, backlog, version, throttled FROM box_health h "
                   f"JOIN box_health_latest l USING (box_id, seq) WHERE box_id = '{bid}'") \
        == f"2|0|{VERSION}|{0x50005}"
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"


def test_no_reports_when_turned_off(boxes, hub, tmp_path):
    b = health_box(boxes, hub, str(tmp_path), interval="0")
    add(b, 2)
    sync_once(b)
    assert reports(hub, box_meta(b, "box_id")) == []
    assert box_counts(b) == (2, 0)


def test_last_error_goes_with_the_next_report(boxes, hub, tmp_path):
    b = health_box(boxes, hub, str(tmp_path))
    sync_once(b)
    hub.stop()
    s = Sync(b).start(["-1"])
    try:
        assert s.daemon.proc.wait(timeout=60) == 1
    finally:
        s.daemon.stop(expect_code=1)
    hub.start()
    add(b, 1)
    sync_once(b)
    got = reports(hub, box_meta(b, "box_id"))
    assert len(got) == 2, got
    assert got[0]["err"] is None
    assert got[1]["err"].startswith("offline") and len(got[1]["err"]) <= 120, got[1]
    assert isinstance(got[1]["et"], int)
    # the error stays known after a good round (the office sees the last one)
    assert box_meta(b, "sync.last_error") == ""


def office_boxes(hub, tok, **params):
    r = requests.get(hub.base + "/v1/office/boxes", params=params,
                     headers={"Authorization": "Bearer " + tok}, timeout=30)
    return r.status_code, r.json()


def flags(doc, box_id):
    return next(b for b in doc["boxes"] if b["box_id"] == box_id)["flags"]


def test_office_box_list_flags(boxes, hub, tmp_path):
    for d in ("a", "b"):
        os.makedirs(tmp_path / d)
    a = health_box(boxes, hub, str(tmp_path / "a"), "50000")     # under-voltage since boot
    b = health_box(boxes, hub, str(tmp_path / "b"), "0")
    sync_once(a)
    sync_once(b)
    ida, idb = box_meta(a, "box_id"), box_meta(b, "box_id")
    tok = hub.cli("office-token", "kantor").stdout.strip()

    st, doc = office_boxes(hub, tok, centre=CENTRE)
    assert st == 200, doc
    assert doc["thresholds"] == {"silent_days": 3, "low_disk_mb": 1024,
                                 "min_version": VERSION}
    ba = next(x for x in doc["boxes"] if x["box_id"] == ida)
    h = ba["health"]
    assert h["version"] == VERSION and h["throttled"] == 0x50000 and h["backlog"] == 0
    assert h["free_bytes"] > 0 and h["clock_source"]
    low = h["free_bytes"] < 1024 * 1024 * 1024
    assert ("low_disk" in flags(doc, ida)) == low
    assert "under_voltage" in flags(doc, ida) and "under_voltage" not in flags(doc, idb)
    assert "silent" not in flags(doc, ida) and "old_version" not in flags(doc, ida)

    # low on disk against a threshold above what the box has free
    mb = h["free_bytes"] // (1024 * 1024) + 1
    st, doc = office_boxes(hub, tok, low_disk_mb=mb)
    assert "low_disk" in flags(doc, ida)
    st, doc = office_boxes(hub, tok, low_disk_mb=0)
    assert "low_disk" not in flags(doc, ida)

    # silent: a's last report five days ago
    hub.sql(f"UPDATE box_health SET received_at = now() - interval '5 days' "
            f"WHERE box_id = '{ida}'")
    st, doc = office_boxes(hub, tok)
    assert "silent" in flags(doc, ida) and "silent" not in flags(doc, idb)
    assert next(x for x in doc["boxes"] if x["box_id"] == ida)["quiet_s"] >= 5 * 86400
    st, doc = office_boxes(hub, tok, silent_days=7)
    assert "silent" not in flags(doc, ida)

    # old version: b still runs an older release than a
    hub.sql(f"UPDATE box_health SET version = '0.0.9' WHERE box_id = '{idb}'")
    st, doc = office_boxes(hub, tok)
    assert "old_version" in flags(doc, idb) and "old_version" not in flags(doc, ida)
    st, doc = office_boxes(hub, tok, min_version="99.0")
    assert "old_version" in flags(doc, ida)

    # a revoked box is meant to be quiet
    assert hub.cli("revoke", idb).returncode == 0
    st, doc = office_boxes(hub, tok)
    assert flags(doc, idb) == []

    # bad limits are refused, not guessed
    for bad in ({"silent_days": "0"}, {"silent_days": "x"}, {"low_disk_mb": "-1"},
                {"min_version": "1.0; DROP TABLE boxes"}, {"min_version": "v1"}):
        st, doc = office_boxes(hub, tok, **bad)
        assert st == 400 and doc["error"] == "malformed", (bad, doc)
    r = requests.get(hub.base + "/v1/office/boxes", timeout=30)
    assert r.status_code == 401


def test_odd_reports_do_not_stop_the_upload(boxes, hub, tmp_path):
    """A report with fields of the wrong shape (a box with other software,
    or a damaged one) is kept with those fields empty; the batch and the
    records after it still go in."""
    b = health_box(boxes, hub, str(tmp_path))
    b.pbctl("outbox", "add", "box.health",
            json.dumps({"v": 7, "up": 1e30, "df": "banyak", "bl": 12345678901234567890.0,
                        "thr": -1.5, "err": "x" * 500, "boot": [1]}), "1")
    b.pbctl("outbox", "add", "box.health", "[1, 2]", "1")
    add(b, 1)
    sync_once(b)
    bid = box_meta(b, "box_id")
    assert box_counts(b)[1] == 0
    assert hub.sql(f"SELECT count(*) FROM records WHERE box_id = '{bid}'") == "4"
    rows = hub.sql(f"SELECT seq, version IS NULL, uptime_s IS NULL, free_bytes IS NULL, "
                   f"backlog IS NULL, throttled IS NULL, length(last_error), "
                   f"boot_count IS NULL FROM box_health WHERE box_id = '{bid}' ORDER BY seq")
    first, last = rows.splitlines()[0], rows.splitlines()[-1]
    assert first == "1|t|t|t|t|t|200|t", rows
    # the array is no report; the box's own report came with the upload
    assert len(rows.splitlines()) == 2 and last.startswith("4|f|f|f|f|"), rows
