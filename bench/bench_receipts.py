#!/usr/bin/python3
"""Receipt photos up and out: a training day's transport claims with photos
going to the hub, and the retention purge taking them off the box.

  bench/bench_receipts.py [--build build] [--teachers 40] [--kb 60]

1. A real box (pb-web) with TEACHERS on the roster; each checks in and
   files a transport claim with its own receipt photo of KB kilobytes over
   HTTP; a facilitator approves them all. One pb-sync round (`-1`) against
   a real pb-hub (throwaway PostgreSQL) sends the records and the photos.
   Figures: wall time of the round, photo bytes the hub holds, photos/s.
2. `pbctl purge --as-of` 33 days later. Figures: wall time, files and
   bytes removed, and whether the daftar nominatif's totals are unchanged.
Results print and go to build/bench/receipts.json."""
import argparse
import base64
import io
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
from benchlib import save_result  # noqa: E402

DAY_MS = 86400 * 1000


def noise_side(kb):
    """The side of a square of noise whose JPEG (quality 40) is about kb KB:
    the box decodes every receipt and keeps a new JPEG of its pixels, so
    each photo must be a real one, and a different one."""
    side = 32
    while len(noise_photo(side)) < kb * 1024 * 0.8 and side < 2000:
        side += 8
    return side


def noise_photo(side):
    from PIL import Image
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        out, "JPEG", quality=40)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--teachers", type=int, default=40)
    ap.add_argument("--kb", type=int, default=60)
    a = ap.parse_args()
    if not 1 <= a.kb <= 63:
        ap.error("--kb: 1 to 63 (the test box's receipt limit is 64 KB)")
    os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, a.build))
    from pbhub import Hub, Postgres, Sync, sync_section
    from pbtest import Box
    from claims_util import ClaimBox

    res = {"teachers": a.teachers, "photo_bytes_each": a.kb * 1024}
    pg = Postgres().start()
    try:
        with tempfile.TemporaryDirectory(prefix=f"pbbench-receipts-{os.getpid()}-") as d:
            hub = Hub(pg, d).start()
            cb = None
            try:
                token = hub.cli("token", "PB-BENCH").stdout.strip()
                # the test box allows 64 KB receipts ([claims] receipt_max_bytes)
                cb = ClaimBox(Box, n=a.teachers, extra=sync_section(hub.base, token))
                side = noise_side(a.kb)
                for i in range(a.teachers):
                    cb.check_in(i, ip="127.0.0.%d" % (10 + i % 200))
                    photo = noise_photo(side)
                    r = cb.transport(i, 50000, evidence="receipt", receipt={
                        "type": "image/jpeg", "data": base64.b64encode(photo).decode()})
                    assert r.status_code == 201, r.text
                    assert cb.decide(r.json()["id"], "approve").status_code == 200
                before = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
                t0 = time.time()
                s = Sync(cb.box).start(["-1"])
                assert s.daemon.proc.wait(timeout=600) == 0, s.daemon.output()
                res["sync_round_s"] = round(time.time() - t0, 3)
                s.stop()
                res["hub_photos"] = int(hub.sql("SELECT count(*) FROM photos"))
                res["hub_photo_bytes"] = int(hub.sql("SELECT sum(size) FROM photos"))
                res["photos_per_s"] = round(res["hub_photos"] / res["sync_round_s"], 1)
                later = str(int(time.time() * 1000) + 33 * DAY_MS)
                t0 = time.time()
                out = cb.box.pbctl("purge", "--as-of", later).stdout
                res["purge_s"] = round(time.time() - t0, 3)
                res["purge_report"] = out.strip().splitlines()[-2:]
                after = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
                res["totals_unchanged"] = after["totals"] == before["totals"]
            finally:
                if cb is not None:
                    cb.box.close()
                hub.stop()
    finally:
        pg.stop()
    print(f"{res['teachers']} transport claims with a {a.kb} KB photo each: one pb-sync round "
          f"{res['sync_round_s']} s, hub holds {res['hub_photos']} photos "
          f"({res['hub_photo_bytes']} bytes), {res['photos_per_s']} photos/s on loopback")
    print(f"purge 33 days later: {res['purge_s']} s; {' / '.join(res['purge_report'])}; "
          f"nominatif totals unchanged: {res['totals_unchanged']}")
    save_result(a.build, "receipts", res)


if __name__ == "__main__":
    main()
