"""/healthz is answered while database writes wait.

Handlers that may wait (for SQLite's write lock, a disk sync, a password
hash) run in pb-web's handler pool with their connection suspended, so the
event-loop threads keep answering. Here the test itself holds the write lock
of the box's real database (BEGIN IMMEDIATE), sends more writing requests
than pb-web has event-loop threads (portal acceptances from different client
addresses: each one is a write), and asks for /healthz: it must be answered
while every one of those writes is still waiting. Then the lock is let go
and every write must succeed. Before the pool, all event-loop threads sat in
SQLite's busy wait and /healthz came only after one of them gave up or got
through."""
import http.client
import json
import sqlite3
import threading
import time

WRITERS = 12          # more than [web] threads (4) and the pool (4) together
SETTLE_S = 1.0        # let the writers reach the lock before /healthz is asked


def test_healthz_answers_while_writes_wait_for_the_lock(box):
    db = sqlite3.connect(box.db_path(), timeout=30, isolation_level=None)
    done = []                 # (source, status) of the writers, in the order answered
    lock = threading.Lock()
    released = threading.Event()

    def write(i):
        src = f"127.0.0.{40 + i}"
        c = http.client.HTTPConnection(box.host, box.port, timeout=60, source_address=(src, 0))
        try:
            c.request("POST", "/api/v1/portal/accept", headers={"Accept": "application/json"})
            r = c.getresponse()
            body = r.read()
            with lock:
                done.append((src, r.status, json.loads(body).get("accepted"), released.is_set()))
        finally:
            c.close()

    db.execute("BEGIN IMMEDIATE")
    try:
        ts = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
        for t in ts:
            t.start()
        time.sleep(SETTLE_S)
        c = http.client.HTTPConnection(box.host, box.port, timeout=60, source_address=("127.0.0.2", 0))
        c.request("GET", "/healthz")
        r = c.getresponse()
        health = json.loads(r.read())
        c.close()
        with lock:
            answered_before = list(done)
    finally:
        released.set()
        db.execute("COMMIT")
        db.close()
    for t in ts:
        t.join()
    assert r.status == 200 and health["status"] == "ok"
    assert answered_before == [], \
        f"/healthz came only after writes that waited for the lock: {answered_before}"
    assert len(done) == WRITERS
    assert all(status == 200 and ok for _, status, ok, _ in done), done
    assert all(after for *_, after in done), "a write went through while the lock was held"
