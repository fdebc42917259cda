#!/usr/bin/python3
"""Learning benchmark against the real pb-web (SQLite synchronous=FULL):
N teachers take a T-item test at once, each on its own kept-alive
connection: the latency of saving answers (one request each), then all
finish together and the box scores every attempt (p50, p99 of the finish
request), and the bytes each scored attempt adds upstream (the outbox
record's payload, before the batch's gzip).

  bench/bench_learning.py [--build build] [--teachers 40] [--items 40]"""
import argparse
import gzip
import http.client
import json
import os
import sqlite3
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from bench_checkin import pct  # noqa: E402
from benchlib import Boxes, save_result  # noqa: E402


def items(n):
    out = []
    for k in range(n):
        multi = k % 4 == 3
        out.append({"id": "q%d" % k, "type": "multiple" if multi else "single",
                    "text": "Soal nomor %d tentang penilaian proses dan hasil belajar" % k,
                    "options": [{"id": o, "text": "Pilihan %s untuk soal %d" % (o, k)}
                                for o in "abcd"],
                    "answer": ["a", "c"] if multi else ["b"]})
    return out


def call(conn, method, path, body):
    conn.request(method, path, body=json.dumps(body),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"null")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--teachers", type=int, default=40)
    ap.add_argument("--items", type=int, default=40)
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, a.build))
    from content_fixture import make_folder
    from learning_util import LearnBox, module_doc

    boxes = Boxes()
    tmp = tempfile.mkdtemp(prefix="pb-bench-learning-")
    try:
        lb = LearnBox(boxes, os.path.join(tmp, "usb0"), n=a.teachers, box={
            "att": "code_period_s = 3600\ncode_grace_s = 3600\n"})
        doc = module_doc()
        doc["id"] = "bench-40"
        doc["tests"] = [{"id": "tes", "kind": "pre", "title": "Tes", "kkm": 70,
                         "items": items(a.items)}]
        make_folder(os.path.join(tmp, "usb"), [doc])
        lb.box.pbctl("content", "import", os.path.join(tmp, "usb"))
        save_lat, finish_lat, errors, lock = [], [], [], threading.Lock()
        ready = threading.Barrier(a.teachers + 1)
        go = threading.Barrier(a.teachers + 1)

        def teacher(i):
            c = http.client.HTTPConnection(lb.box.host, lb.box.port, timeout=120)
            who = {"session": lb.sid, "nuptk": lb.teacher(i).nuptk, "checkin": lb.proof[i]}
            mine = []
            st, att = call(c, "POST", "/api/v1/learning/attempts",
                           dict(who, module="bench-40", test="tes"))
            if st != 200:
                errors.append(st)
            for it in att["items"]:
                t0 = time.perf_counter()
                st, _ = call(c, "POST", "/api/v1/learning/attempts/%s/answers" % att["attempt"],
                             dict(who, item=it["id"], choice=[it["options"][0]["id"]]))
                mine.append((time.perf_counter() - t0) * 1000.0)
                if st != 200:
                    errors.append(st)
            ready.wait()
            go.wait()
            t0 = time.perf_counter()
            st, res = call(c, "POST", "/api/v1/learning/attempts/%s/finish" % att["attempt"], who)
            ms = (time.perf_counter() - t0) * 1000.0
            c.close()
            with lock:
                save_lat.extend(mine)
                finish_lat.append(ms)
                if st != 200 or "result" not in res:
                    errors.append(st)

        threads = [threading.Thread(target=teacher, args=(k,)) for k in range(a.teachers)]
        for t in threads:
            t.start()
        ready.wait()
        t0 = time.perf_counter()
        go.wait()
        for t in threads:
            t.join()
        wall = (time.perf_counter() - t0) * 1000.0
        save_lat.sort()
        finish_lat.sort()
        db = sqlite3.connect(lb.box.db_path())
        payloads = [p.encode() for (p,) in db.execute(
            "SELECT payload FROM outbox WHERE type = 'learning.attempt'")]
        sizes = [len(p) for p in payloads]
        gz = len(gzip.compress(b"".join(payloads))) // max(1, len(payloads))
        db.close()
        result = {
            "teachers": a.teachers, "items": a.items, "errors": len(errors),
            "answer_p50_ms": pct(save_lat, 50), "answer_p99_ms": pct(save_lat, 99),
            "finish_p50_ms": pct(finish_lat, 50), "finish_p99_ms": pct(finish_lat, 99),
            "all_scored_ms": wall, "attempt_record_bytes": max(sizes) if sizes else 0,
            "attempt_gzip_bytes": gz,
        }
        print("| teachers | items | errors | answer p50/p99 ms | finish p50/p99 ms | "
              "all scored ms | bytes/attempt (gzipped in a batch) |")
        print("|---|---|---|---|---|---|---|")
        print("| %d | %d | %d | %.1f / %.1f | %.1f / %.1f | %.0f | %d (%d) |" % (
            a.teachers, a.items, len(errors), result["answer_p50_ms"], result["answer_p99_ms"],
            result["finish_p50_ms"], result["finish_p99_ms"], wall,
            result["attempt_record_bytes"], gz))
        print(save_result(a.build, "learning", result))
    finally:
        for b in boxes:
            b.close()


if __name__ == "__main__":
    main()
