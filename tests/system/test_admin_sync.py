"""The admin's view of the uplink in pb-web: GET /api/v1/admin/sync reads
pb-sync's status keys, the outbox and pb-gpio's power flags from the
box's database; POST /api/v1/admin/sync/now sends the wake datagram to
<data_dir>/run/sync-wake.sock, here received by a unix socket the test
binds where pb-sync would."""
import os
import socket
import sqlite3

import requests

from attendance_util import Staff, add_staff, set_meta


def test_admin_sync_status_and_wake(box):
    add_staff(box, "admin", "admin", also=[("fasil", "fasilitator")])
    url = box.base + "/api/v1/admin/sync"
    r = requests.get(url, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "login_required"
    fasil = Staff(box, "fasil")
    assert fasil.get("/api/v1/admin/sync").status_code == 403
    assert fasil.post("/api/v1/admin/sync/now").status_code == 403

    adm = Staff(box, "admin")
    j = adm.get("/api/v1/admin/sync").json()
    assert j["state"] == "never" and j["last_success_ms"] is None and j["power"] is None
    # the admin's login was recorded: one record waiting to go up
    assert j["pending"] >= 1 and j["acknowledged"] == 0
    pending = j["pending"]

    set_meta(box, sync_state="offline", sync_last_error="hub not reachable: timed out",
             sync_bytes_up="12345", sync_bytes_down="678", sync_last_success_ms="1790000000000",
             power_throttled="0x50005")
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        c.execute("UPDATE outbox SET acked = 1 WHERE seq = 1")
    j = adm.get("/api/v1/admin/sync").json()
    assert j["state"] == "offline" and "sambungan" in j["message"]
    assert j["last_error"] == "hub not reachable: timed out"
    assert (j["bytes_up"], j["bytes_down"], j["last_success_ms"]) == (12345, 678, 1790000000000)
    assert j["pending"] == pending - 1 and j["acknowledged"] == 1
    assert j["power"]["undervoltage_now"] is True and j["power"]["since_boot"] is True
    assert "Daya listrik kurang" in j["power"]["message"]
    # the software: the version running, and no update until pb-sync has one
    sw = j["software"]
    assert sw["version"] == open(os.path.join(os.path.dirname(__file__), "..", "..",
                                              "VERSION")).read().strip()
    assert sw["available"] is None and sw["state"] is None
    set_meta(box, update_available="9.1.0", update_state="ready")
    sw = adm.get("/api/v1/admin/sync").json()["software"]
    assert (sw["available"], sw["state"], sw["pending"]) == ("9.1.0", "ready", None)
    set_meta(box, power_throttled="0x50000")
    p = adm.get("/api/v1/admin/sync").json()["power"]
    assert p["undervoltage_now"] is False and p["since_boot"] is True

    # waking: CSRF required; nobody listening is said plainly
    r = adm.post("/api/v1/admin/sync/now", csrf=False)
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    r = adm.post("/api/v1/admin/sync/now")
    assert r.status_code == 503 and r.json()["error"] == "sync_not_running"
    run = os.path.join(box.dir, "data", "run")
    os.makedirs(run, exist_ok=True)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        s.bind(os.path.join(run, "sync-wake.sock"))
        s.settimeout(10)
        r = adm.post("/api/v1/admin/sync/now")
        assert r.status_code == 202 and r.json()["woken"] is True
        assert s.recv(64) == b"now"
    finally:
        s.close()
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        acts = c.execute("SELECT actor, detail FROM audit WHERE action = 'sync.now'").fetchall()
    assert acts == [("admin", "pb-sync is not running"), ("admin", "woken")]
