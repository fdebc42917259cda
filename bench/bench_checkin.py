#!/usr/bin/python3
"""Check-in benchmark: latency (p50, p99) and throughput of
POST /api/v1/checkin against the real pb-web, with 40 and 200 concurrent
clients, SQLite with synchronous=FULL (as the box runs it). Modes:

- burst: every client, each from its own loopback address (127.0.x.y) on a
  kept-alive connection, sends one check-in at the same moment, round
  after round: a classroom pressing "Hadir" together;
- closed: the same clients send back to back;
- wrk (C, 2 threads, --seconds): all from 127.0.0.1, so the anti-proxy
  limit is raised for the run and its count then grows with every
  check-in of that one address: a worst case no classroom produces.

  bench/bench_checkin.py [--build build] [--per-client 25] [--clients 40,200]
                         [--mode burst,closed,wrk] [--seconds 10] [--threads 4]

Every check-in is a new teacher (no repeats), so each request is a real
write transaction with its outbox record."""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))


def pct(sorted_ms, p):
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, int(round(p / 100.0 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def run_level(box, sid, code, clients, per_client, offset, burst):
    from attendance_util import SIG, nuptk
    lat = []
    errors = []
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    rounds = threading.Barrier(clients)

    def client(ci):
        ip = "127.0.%d.%d" % (10 + ci // 250, ci % 250 + 1)
        c = http.client.HTTPConnection(box.host, box.port, timeout=30, source_address=(ip, 0))
        mine = []
        start.wait()
        for k in range(per_client):
            if burst:
                rounds.wait()        # all phones press "Hadir" at the same moment
            body = json.dumps({"session": sid, "nuptk": nuptk(offset + ci * per_client + k),
                               "code": code, "signature": SIG,
                               "name": "Peserta Uji", "school": "SMPN 1"})
            t0 = time.perf_counter()
            c.request("POST", "/api/v1/checkin", body=body,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            mine.append((time.perf_counter() - t0) * 1000.0)
            if r.status != 201:
                with lock:
                    errors.append(r.status)
        c.close()
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    return {"clients": clients, "requests": len(lat), "errors": len(errors),
            "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "per_s": len(lat) / wall}


def wrk_ms(text, label):
    m = re.search(r"^\s*" + re.escape(label) + r"\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def run_wrk(box, sid, code, clients, seconds):
    p = subprocess.run(["wrk", "-t2", "-c%d" % clients, "-d%ds" % seconds, "--latency",
                        "-s", os.path.join(ROOT, "bench", "checkin.lua"), box.base,
                        "--", str(sid), code], capture_output=True, text=True, timeout=seconds + 60)
    out = p.stdout
    reqs = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return {"requests": int(reqs.group(1)) if reqs else 0,
            "errors": (int(bad.group(1)) if bad else 0) +
                      (sum(int(x) for x in errs.groups()) if errs else 0),
            "p50_ms": wrk_ms(out, "50%"), "p99_ms": wrk_ms(out, "99%"),
            "per_s": float(rps.group(1)) if rps else 0.0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--per-client", type=int, default=25)
    ap.add_argument("--clients", default="40,200")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=4, help="[web] threads of pb-web")
    ap.add_argument("--mode", default="burst,closed",
                    help="burst: every client sends one check-in at the same moment, "
                         "round after round; closed: every client sends back to back")
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, a.build))
    from pbtest import Box
    from attendance_util import Staff, add_staff, roster_csv
    levels = [int(x) for x in a.clients.split(",")]
    modes = a.mode.split(",")
    total = sum(levels) * a.per_client
    box = Box(extra="threads = %d\nmax_connections_per_ip = 1000\n" % a.threads,
              sections="[attendance]\ncheckin_per_client_max = 100000\n"
                       "code_period_s = 3600\ncode_grace_s = 3600\n")
    try:
        box.start()
        add_staff(box)
        st = Staff(box)
        sid = st.create_session(title="Benchmark")
        r = st.roster(sid, roster_csv(min(total, 2000)))
        assert r.status_code == 200, r.text
        code = st.code(sid)
        offset = 0
        print("| mode | clients | check-ins | errors | p50 ms | p99 ms | check-ins/s |")
        print("|---|---|---|---|---|---|---|")
        for mode in modes:
            for n in levels:
                if mode == "wrk":
                    res = run_wrk(box, sid, code, n, a.seconds)
                    print("| wrk | %d | %d | %d | %.1f | %.1f | %.0f |" % (
                        n, res["requests"], res["errors"], res["p50_ms"], res["p99_ms"],
                        res["per_s"]), flush=True)
                    continue
                res = run_level(box, sid, code, n, a.per_client, offset, mode == "burst")
                offset += n * a.per_client
                print("| %s | %d | %d | %d | %.1f | %.1f | %.0f |" % (
                    mode, res["clients"], res["requests"], res["errors"], res["p50_ms"],
                    res["p99_ms"], res["per_s"]), flush=True)
    finally:
        box.close()


if __name__ == "__main__":
    main()
