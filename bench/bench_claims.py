#!/usr/bin/python3
"""Claims benchmark against the real pb-web (SQLite synchronous=FULL):
latency (p50, p99) and throughput of POST /api/v1/claims with N teachers
filing their daily allowance, meal allowance and transport (signed
statement) at once, each on its own kept-alive connection; then the time
of bulk approvals (500 a request) and of the daftar nominatif (JSON, CSV).

  bench/bench_claims.py [--build build] [--teachers 400] [--clients 40]"""
import argparse
import http.client
import json
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from bench_checkin import pct  # noqa: E402
from benchlib import Boxes  # noqa: E402


def timed(fn):
    t0 = time.perf_counter()
    r = fn()
    return r, (time.perf_counter() - t0) * 1000.0


def post_json(conn, path, body):
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    return r.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--teachers", type=int, default=400)
    ap.add_argument("--clients", type=int, default=40)
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, a.build))
    from claims_util import SIG, ClaimBox, nuptk

    boxes = Boxes(extra="threads = 4\n")
    try:
        cb = ClaimBox(boxes, n=a.teachers, att="code_period_s = 3600\ncode_grace_s = 3600\n")
        for i in range(a.teachers):
            cb.check_in(i, ip="127.0.%d.%d" % (1 + i // 250, 1 + i % 250))
        lat, errors, lock = [], [], threading.Lock()
        start = threading.Barrier(a.clients + 1)

        def client(ci):
            c = http.client.HTTPConnection(cb.box.host, cb.box.port, timeout=60)
            mine, mine_errors = [], []
            start.wait()
            for i in range(ci, a.teachers, a.clients):
                for item in ("uang_harian", "uang_makan", "transport"):
                    body = {"session": cb.sid, "nuptk": nuptk(i), "item": item,
                            "checkin": cb.proof[i]}
                    if item == "transport":
                        body.update(mode="ojek", origin="Kabupaten Malang", amount=20000 + i,
                                    evidence="dpr", dpr_confirm=True, signature=SIG)
                    status, ms = timed(lambda: post_json(c, "/api/v1/claims", body))
                    mine.append(ms)
                    if status != 201:
                        mine_errors.append(status)
            c.close()
            with lock:
                lat.extend(mine)
                errors.extend(mine_errors)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(a.clients)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        lat.sort()
        print("| clients | claims | errors | p50 ms | p99 ms | claims/s |")
        print("|---|---|---|---|---|---|")
        print("| %d | %d | %d | %.1f | %.1f | %.0f |" % (a.clients, len(lat), len(errors),
              pct(lat, 50), pct(lat, 99), len(lat) / wall))
        ids = [c["id"] for c in cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["claims"]]
        spent = 0.0
        for k in range(0, len(ids), 500):
            r, ms = timed(lambda: cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                                                json={"ids": ids[k:k + 500], "decision": "approve"}))
            assert r.status_code == 200, r.text
            spent += ms
        print(f"\nbulk approval of {len(ids)} claims (500 a request): {spent:.0f} ms")
        r, ms = timed(lambda: cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims"))
        print(f"GET /api/v1/sessions/{{id}}/claims ({len(ids)} claims, "
              f"{len(r.json()['nominatif']['rows'])} teachers): {ms:.0f} ms, {len(r.content)} bytes")
        r, ms = timed(lambda: cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims.csv"))
        print(f"GET /api/v1/sessions/{{id}}/claims.csv: {ms:.0f} ms, {len(r.content)} bytes")
    finally:
        for b in boxes:
            b.close()


if __name__ == "__main__":
    main()
