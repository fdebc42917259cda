"""/healthz says "database": "ok" only when a write can begin and commit
within its limit (firmware/web/health.c: PB_HEALTH_WRITE_LIMIT_MS, 3 s):
while another program holds the database's write lock for longer, it
answers 503 with the reason (so pb-gpio's ready light goes out), and it
is ok again once the lock is let go. It answers at once all the while:
the probe runs on its own thread and /healthz only reads its result."""
import sqlite3
import time

import requests

WAIT_S = 60           # generous: the machine may be loaded


def health(box):
    r = requests.get(box.base + "/healthz", timeout=30)
    return r.status_code, r.json()


def wait_for(box, status):
    end = time.time() + WAIT_S
    while True:
        got = health(box)
        if got[0] == status or time.time() > end:
            return got
        time.sleep(0.2)


def test_ok_when_a_write_commits(box):
    code, h = health(box)
    assert code == 200 and h["database"] == "ok" and h["status"] == "ok", h
    assert "database_error" not in h


def test_503_with_the_reason_while_writes_cannot_begin(box):
    db = sqlite3.connect(box.db_path(), timeout=30, isolation_level=None)
    db.execute("BEGIN IMMEDIATE")
    try:
        code, h = wait_for(box, 503)
        assert code == 503, h
        assert h["database"] == "unavailable" and h["status"] == "error", h
        assert "write" in h["database_error"], h
        assert h["error"] == "database_unavailable", h     # the API's error form
        # still answered while the lock is held, with the centre's name
        assert h["centre"] == "Pusat Belajar Uji", h
    finally:
        db.execute("COMMIT")
        db.close()
    code, h = wait_for(box, 200)
    assert code == 200 and h["database"] == "ok", h
    # and writes go through again
    r = requests.post(box.base + "/api/v1/portal/accept",
                      headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
