#!/usr/bin/python3
"""Rosters down and retention: how long the largest roster the box takes
(PB_ROSTER_ROWS_MAX participants) needs to come down and become a session,
and how long purging such a session takes once it is due.

  bench/bench_roster.py [--build build] [--participants 2000] [--days 3]

1. The office publishes one roster of PARTICIPANTS on a real pb-hub
   (throwaway PostgreSQL); a fresh box runs one pb-sync round (`-1`:
   enrolment, upload, feeds, applying the roster). Figure: wall time of
   that process, and the roster rows it left.
2. The same session gets DAYS check-ins per participant, written straight
   into the box's tables (as pb-web would have) and marked acknowledged;
   `pbctl purge --as-of` a year later. Figure: wall time of pbctl, and
   the rows it reports.
Results print and go to build/bench/roster.json."""
import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from benchlib import save_result  # noqa: E402

DAY_MS = 86400 * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--participants", type=int, default=2000)
    ap.add_argument("--days", type=int, default=3)
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, a.build))
    from pbhub import Hub, Postgres, Sync, sync_section
    from pbtest import Box

    nuptk = ["%016d" % (3200000000000000 + i) for i in range(a.participants)]
    res = {}
    pg = Postgres().start()
    try:
        with tempfile.TemporaryDirectory(prefix=f"pbbench-roster-{os.getpid()}-") as d:
            hub = Hub(pg, d).start()
            b = None
            try:
                doc = {"session": "S-BENCH", "title": "Diklat", "start_date": "2026-10-01",
                       "days": a.days, "jp_per_day": 8,
                       "participants": [{"nuptk": n, "name": f"Guru {i}", "npsn": "20500001",
                                         "school": f"SMPN {i}"} for i, n in enumerate(nuptk)]}
                hub.cli("publish", "roster", "--centre", "PB-BENCH", input=json.dumps(doc))
                b = Box(sections=sync_section(hub.base,
                                              hub.cli("token", "PB-BENCH").stdout.strip()))
                b.pbctl("init")
                t0 = time.time()
                s = Sync(b).start(["-1"])
                assert s.daemon.proc.wait(timeout=300) == 0
                res["sync_round_s"] = round(time.time() - t0, 3)
                s.stop()
                with sqlite3.connect(b.db_path()) as c:
                    res["roster_rows"] = c.execute("SELECT count(*) FROM roster").fetchone()[0]
                    kid = c.execute("SELECT id FROM kegiatan WHERE uid = 'S-BENCH'").fetchone()[0]
                    c.executemany(
                        "INSERT INTO attendance(uid, kegiatan_id, day, nuptk, kind, status, name, "
                        "school, signature, actor, wall_ms, clock_source, boot_id, mono_ms) "
                        "VALUES (?, ?, ?, ?, 'checkin', 'present', ?, 'SMPN', ?, 'peserta', 1, "
                        "'ntp', 'b', 1)",
                        [(f"u{day}-{i}", kid, "2026-10-%02d" % (day + 1), n, f"Guru {i}",
                          '{"w":300,"h":150,"s":[[1,2,3,4]]}')
                         for day in range(a.days) for i, n in enumerate(nuptk)])
                    c.execute("UPDATE outbox SET acked = 1, acked_ms = 1")
                later = str(int(time.time() * 1000) + 400 * DAY_MS)
                t0 = time.time()
                out = b.pbctl("purge", "--as-of", later).stdout
                res["purge_s"] = round(time.time() - t0, 3)
                res["purge_report"] = out.strip().splitlines()[-1]
            finally:
                if b is not None:
                    b.close()
                hub.stop()
    finally:
        pg.stop()
    print(f"roster of {res['roster_rows']} participants: one pb-sync round "
          f"(enrol, feeds, apply) {res['sync_round_s']} s")
    print(f"purge of that session with {a.days * a.participants} check-ins: "
          f"{res['purge_s']} s ({res['purge_report']})")
    save_result(a.build, "roster", res)


if __name__ == "__main__":
    main()
