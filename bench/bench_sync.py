#!/usr/bin/python3
"""Uplink benchmark: bytes on the wire per record, and pb-hub's ingest rate
with many boxes uploading at once against PostgreSQL, exactly once.

  bench/bench_sync.py [--build build] [--boxes 200] [--records 2500] [--batch 500]
                      [--threads 8] [--fsync on|off] [--day-only] [--badlink]
                      [--runs N] [--sync "KEY = VALUE"]... [--cut-s 1.0]

1. Bytes: a real box (pbctl + pb-sync) uploads 1000 attendance records
   without signatures, then 200 with ~1.5 KB signatures, to a real pb-hub;
   pb-sync's own byte count of its batches (sync.bytes_batches: packed
   bodies and HTTP request headers) divided by the
   records gives bytes per record and per signature. The same for 100
   box.health reports made by pb-sync itself while the hub is down (each
   run finds an hour of uptime gone by), then uploaded in one batch.
2. Ingest: BOXES simulated boxes enrol with their own Ed25519 keys, each
   with RECORDS hash-chained records cut into gzipped, signed batches of
   BATCH made beforehand; then all boxes upload at once (one client thread
   each, in order, resending on any error) to one pb-hub with THREADS
   workers. Rate = records / wall time from the first request to the last
   acknowledgement. Afterwards the hub must hold every record exactly once
   and every chain must verify.
3. A training day (tests/uplink_day.py) made through pb-web — the setup
   records, 40 check-ins with finger signatures of ~180 points, 120 claims
   (80 signed on the DPR), 120 decisions — uploaded phase by phase and in
   one go: bytes on the wire per record by kind and per signed check-in,
   HTTP request headers included (--day-only: just this).
4. With --badlink (root): that day over 64 kbit/s, 600 ms round trip, 5 %
   loss, the link cut 10 times: seconds from the default route appearing to
   pb-sync noticing it, and to the last acknowledgement; --runs N repeats
   this part N times (a fresh link, hub and box each time) and gives the
   median and the spread, each run with the 1-minute load average at its
   end beside it. --sync adds a line to the box's [sync] section for this
   part (e.g. "rto_max_ms = 120000", a kernel's own cap, as before Linux
   6.15). --cut-s sets how long each cut and each mended spell between
   two cuts last (1 s each by default: the ten cuts then fill the first
   ~20.5 s after the route appears).
Results print and go to build/bench/sync.json. The peer figure for the
ingest is PostgreSQL's own: the same rows copied by one INSERT … SELECT."""
import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))


def args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--boxes", type=int, default=200)
    ap.add_argument("--records", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--fsync", choices=["on", "off"], default="on")
    ap.add_argument("--health-only", action="store_true",
                    help="only the bytes per box.health record")
    ap.add_argument("--day-only", action="store_true",
                    help="only the training day's bytes (and the bad link with --badlink)")
    ap.add_argument("--badlink", action="store_true",
                    help="also the training day over the bad link (root, network namespaces)")
    ap.add_argument("--runs", type=int, default=1,
                    help="bad-link runs (median and spread of the times)")
    ap.add_argument("--cut-s", type=float, default=1.0,
                    help="seconds each bad-link cut lasts, and each mended spell between two")
    ap.add_argument("--sync", action="append", default=[],
                    help="a \"key = value\" line for the bad-link box's [sync] section")
    return ap.parse_args()


A = args()
os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, A.build))

import pbhub  # noqa: E402
from pbhub import (Hub, Postgres, Sync, box_counts, box_meta, signature_strokes,  # noqa: E402
                   sync_section)
from pbtest import Box  # noqa: E402
from benchlib import save_result  # noqa: E402
from uplink_day import TrainingDay  # noqa: E402
import badlink  # noqa: E402


def bytes_per_record(pg, tmp):
    hub = Hub(pg, tmp).start()
    out = {}
    try:
        rng = random.Random(1)
        for label, n, sig in (("plain", 1000, False), ("signed", 200, True)):
            b = Box(sections=sync_section(hub.base, hub.cli("token", "PB-BENCH").stdout.strip(),
                                          "batch_records = 500"))
            try:
                b.pbctl("init")
                for i in range(n):
                    p = {"session_id": "S-2026-11-28", "day": 1,
                         "nuptk": f"{3200000000000000 + i}", "name": f"Guru Peserta {i}",
                         "jp": 8}
                    if sig:
                        p["signature"] = signature_strokes(rng)
                    b.pbctl("outbox", "add", "attendance.checkin", json.dumps(p))
                s = Sync(b).start(["-1"])
                s.daemon.proc.wait(timeout=300)
                s.daemon.stop()
                out[label] = int(box_meta(b, "sync.bytes_batches")) / n
            finally:
                b.close()
    finally:
        hub.stop()
    return {"bytes_per_record": round(out["plain"], 1),
            "bytes_per_signed_record": round(out["signed"], 1),
            "bytes_per_signature": round(out["signed"] - out["plain"], 1)}


def training_day_bytes(pg, tmp):
    """A realistic training day (tests/uplink_day.py) made through pb-web and
    uploaded by pb-sync: once phase by phase (the bytes of each kind of
    record, as a box that syncs during the day sends them) and once as one
    upload at the end of the day. Bytes are pb-sync's own count of what its
    batch requests sent (box_meta sync.bytes_batches): bodies and HTTP request
    headers."""
    hub = Hub(pg, tmp).start()
    boxes, out = [], {}

    def make(**kw):
        b = Box(**kw)
        boxes.append(b)
        return b

    def upload(b):
        total, pending = box_counts(b)
        before = int(box_meta(b, "sync.bytes_batches") or 0)
        s = Sync(b).start(["-1"])
        assert s.daemon.proc.wait(timeout=300) == 0, s.daemon.output()
        s.daemon.stop()
        assert box_counts(b) == (total, 0)
        return int(box_meta(b, "sync.bytes_batches")) - before, pending

    def token():
        return hub.cli("token", "PB-BENCH").stdout.strip()

    try:
        # phase by phase
        day = TrainingDay(make, sync_section(hub.base, token()))
        kinds = {}
        kinds["setup"] = upload(day.box)
        day.checkins()
        kinds["checkin_signed"] = upload(day.box)
        day.file_claims()
        kinds["claim"] = upload(day.box)
        day.decide()
        kinds["decision"] = upload(day.box)
        for k, (b, n) in kinds.items():
            out[f"day_bytes_per_{k}"] = round(b / n, 1)
            out[f"day_records_{k}"] = n
        total_b = sum(b for b, _ in kinds.values())
        total_n = sum(n for _, n in kinds.values())
        out["day_bytes_per_record_phased"] = round(total_b / total_n, 1)
        out["bytes_per_signed_checkin"] = out["day_bytes_per_checkin_signed"]
        # the whole day in one upload
        day = TrainingDay(make, sync_section(hub.base, token()))
        day.checkins()
        day.file_claims()
        day.decide()
        b, n = upload(day.box)
        out["day_records"] = n
        out["day_bytes"] = b
        out["day_bytes_per_record"] = round(b / n, 1)
        with sqlite3.connect(day.box.db_path(), timeout=10) as c:
            out["day_stored_payload_bytes_per_record"] = round(c.execute(
                "SELECT avg(length(payload)) FROM outbox").fetchone()[0], 1)
        verify = hub.cli("verify", check=False)
        out["day_chains_verify"] = verify.returncode == 0
    finally:
        for b in boxes:
            b.close()
        hub.stop()
    return out


def training_day_badlink(pg, tmp, cuts=10):
    """The same day over the bad link (tests/badlink.py: 64 kbit/s, 600 ms
    round trip, 5 % loss both ways), the link cut `cuts` times while it goes
    up: seconds from the default route appearing to pb-sync noticing it and
    to the last acknowledgement, by the box's own stamps."""
    if not badlink.available():
        return {"badlink": "skipped: needs root and build/tests/pb-nfq-delay"}
    boxes = []

    def make(**kw):
        b = Box(**kw)
        boxes.append(b)
        return b

    with badlink.namespaces(tmp) as link:
        hub = badlink.hub_behind(link, pg, tmp)
        try:
            day = TrainingDay(make, sync_section(badlink.hub_url(link),
                                                 hub.cli("token", "PB-BENCH").stdout.strip(),
                                                 "\n".join(A.sync)))
            day.checkins()
            day.file_claims()
            day.decide()
            link.enrol(day.box)
            noticed, took, mid = badlink.day_over_link(link, day.box, cuts, A.cut_s)
            n = box_counts(day.box)[0]
            ok = hub.count(box_meta(day.box, "box_id")) == n
        finally:
            for b in boxes:
                b.close()
            hub.stop()
    return {"badlink_sync": A.sync, "badlink_records": n, "badlink_cuts": cuts,
            "badlink_cut_s": A.cut_s,
            "badlink_cuts_while_pending": mid,
            "badlink_route_noticed_s": round(noticed, 2),
            "badlink_route_to_last_ack_s": round(took, 1), "badlink_exactly_once": ok,
            "badlink_load_1min": round(os.getloadavg()[0], 2),
            # the link emulator's own faults: packets it dropped or passed
            # undelayed, and how late it let them go (both sides)
            "badlink_tool_unintended": badlink.unintended(link),
            "badlink_tool_late_max_ms": max((r or {}).get("late_max_ms", -1)
                                            for r in link.tool),
            "badlink_tool_late": sum((r or {}).get("late", 0) for r in link.tool)}


def training_day_badlink_runs(pg, tmp, runs):
    """training_day_badlink `runs` times: every run, then the median and the
    spread of the times (the machine may be loaded: each run keeps the load
    average beside its figure)."""
    each = []
    for i in range(runs):
        r = training_day_badlink(pg, tmp)
        if "badlink" in r:
            return r
        print(f"bad link run {i + 1}/{runs}: {json.dumps(r)}", flush=True)
        each.append(r)
    if runs == 1:
        return each[0]
    took = sorted(r["badlink_route_to_last_ack_s"] for r in each)
    noticed = sorted(r["badlink_route_noticed_s"] for r in each)
    return {"badlink_runs": each,
            "badlink_route_to_last_ack_s_median": took[len(took) // 2] if len(took) % 2 else
            round((took[len(took) // 2 - 1] + took[len(took) // 2]) / 2, 1),
            "badlink_route_to_last_ack_s_min": took[0], "badlink_route_to_last_ack_s_max": took[-1],
            "badlink_route_noticed_s_max": noticed[-1],
            "badlink_exactly_once": all(r["badlink_exactly_once"] for r in each)}


def bytes_per_health_record(pg, tmp, n=100):
    hub = Hub(pg, tmp)                  # not started: the reports pile up
    b = Box(sections=sync_section(hub.base, hub.cli("token", "PB-BENCH").stdout.strip(),
                                  "batch_records = 500\nhealth_interval_s = 3600"))
    try:
        b.pbctl("init")
        for _ in range(n):
            with sqlite3.connect(b.db_path(), timeout=10) as c:
                c.execute("INSERT OR REPLACE INTO box_meta(key, value) "
                          "VALUES ('health.last', ?)", ("previous-boot 0",))
            s = Sync(b).start(["-1"])
            s.daemon.proc.wait(timeout=60)
            s.daemon.stop(expect_code=1)
        hub.start()
        s = Sync(b).start(["-1"])
        s.daemon.proc.wait(timeout=300)
        s.daemon.stop()
        with sqlite3.connect(b.db_path(), timeout=10) as c:
            sent = c.execute("SELECT count(*) FROM outbox WHERE type = 'box.health' "
                             "AND acked = 1").fetchone()[0]
            raw = c.execute("SELECT avg(length(payload)) FROM outbox "
                            "WHERE type = 'box.health'").fetchone()[0]
        return {"health_records": sent, "health_payload_bytes": round(raw, 1),
                "bytes_per_health_record": round(int(box_meta(b, "sync.bytes_batches")) / sent,
                                                 1)}
    finally:
        b.close()
        hub.stop()


class SimBox(pbhub.SimBox):
    """A simulated box (tests/pbhub.py) that uploads its batches in order,
    resending on any error."""

    def upload(self, port, errors):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for body, sig in self.batches:
            while True:
                try:
                    c.request("POST", "/v1/batch", body, {
                        "Content-Type": "application/vnd.pb-batch+gzip",
                        "X-PB-Box": self.box_id, "X-PB-Signature": sig})
                    r = c.getresponse()
                    r.read()
                    if r.status == 200:
                        break
                    errors.append(r.status)
                except OSError as e:
                    errors.append(str(e))
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        c.close()


def ingest(pg, tmp):
    # every simulated box comes from 127.0.0.1: no per-address connection limit
    hub = Hub(pg, tmp, threads=A.threads, args=["-A", "0"])
    print(f"making {A.boxes} boxes x {A.records} records ...", flush=True)
    boxes = [SimBox(n, A.records, A.batch) for n in range(A.boxes)]
    hub.start()
    try:
        for b in boxes:
            b.enrol(hub.port, hub.cli("token", f"PB-{b.box_id[:6]}").stdout.strip())
        errors = []
        threads = [threading.Thread(target=b.upload, args=(hub.port, errors)) for b in boxes]
        t0 = time.time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - t0
        total = A.boxes * A.records
        stored = hub.count()
        distinct = int(hub.sql("SELECT count(DISTINCT id) FROM records"))
        verify = hub.cli("verify", check=False)
        ok = stored == total and distinct == total and verify.returncode == 0
        # the peer: PostgreSQL's COPY of the same rows into a plain copy of the table
        hub.sql("CREATE TABLE copy_peer AS SELECT * FROM records WITH NO DATA")
        t1 = time.time()
        subprocess.run(["psql", "-X", "-q", "-d", hub.conn, "-c",
                        "INSERT INTO copy_peer SELECT * FROM records"], check=True)
        peer = time.time() - t1
    finally:
        hub.stop()
    return {"boxes": A.boxes, "records": total, "batch": A.batch, "hub_threads": A.threads,
            "seconds": round(took, 2), "events_per_s": round(total / took),
            "exactly_once": ok, "stored": stored, "client_retries": len(errors),
            "postgres_insert_select_per_s": round(total / peer)}


def main():
    tmp = tempfile.mkdtemp(prefix=f"pbbench-{os.getpid()}-")
    pg = Postgres()
    if A.fsync == "on":
        pg.fsync = True
    pg.start()
    try:
        res = {"fsync": A.fsync}
        if A.day_only:
            res.update(training_day_bytes(pg, tmp))
            if A.badlink:
                res.update(training_day_badlink_runs(pg, tmp, A.runs))
            print(json.dumps(res, indent=1), flush=True)
            save_result(A.build, "sync", res)
            return 0
        res.update(bytes_per_health_record(pg, tmp))
        if A.health_only:
            print(json.dumps(res), flush=True)
            return 0
        res.update(bytes_per_record(pg, tmp))
        res.update(training_day_bytes(pg, tmp))
        if A.badlink:
            res.update(training_day_badlink_runs(pg, tmp, A.runs))
        print(json.dumps(res), flush=True)
        res.update(ingest(pg, tmp))
    finally:
        pg.stop()
        subprocess.run(["rm", "-rf", tmp])
    save_result(A.build, "sync", res)
    print(json.dumps(res, indent=1))
    return 0 if res["exactly_once"] else 1


if __name__ == "__main__":
    sys.exit(main())
