"""The admin page's USB stick path, all real processes: pb-web queues the
job, pb-sync (which holds the box key) writes the signed batches to the
stick, pb-hub imports them from it (PostgreSQL), and the hub's signed
acknowledgement and its modules come back through the page. The stick is
a tmpfs mounted where [sync] usb_dir points, standing in for the USB
stick pb-usb-mount would mount there (this machine has no USB devices);
pb-web and pb-sync see a mount point exactly as on the box. The hub's
server is stopped after enrolment: the centre has no backhaul, so
nothing reaches the hub except on the stick."""
import json
import os
import sqlite3
import subprocess
import sys

import pytest
import requests

from pbhub import (Sync, add_records, box_counts, box_meta, carried_day, publish_module,
                   sync_section, wait_for)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import Staff, add_staff  # noqa: E402

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the stick is a tmpfs mount")

CENTRE = "PB-TEST-001"
TEACHERS = 4


@pytest.fixture
def stick(tmpdir_hub):
    """Where the stick is mounted; mount() puts one there."""
    d = os.path.join(tmpdir_hub, "pb-usb")
    os.mkdir(d)
    mounted = []

    def mount(size="16m"):
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "pbusb", d],
                       check=True)
        mounted.append(d)
    d_obj = type("Stick", (), {"dir": d, "mount": staticmethod(mount)})
    yield d_obj
    for m in mounted:
        subprocess.run(["umount", m], check=False)


@pytest.fixture
def offline_box(boxes, khub):
    """A box enrolled while the link worked once; then the hub's server
    goes away (its database and CLI stay: the office). pb-web and pb-sync
    run, and are stopped after the test."""
    started = []

    def make(stick_dir):
        b = boxes(sections=sync_section(khub.base, khub.cli("token", CENTRE).stdout.strip(),
                                        extra=f"usb_dir = {stick_dir}"))
        b.pbctl("init")
        b.pbctl("enrol")
        add_staff(b, "admin", "admin", also=[("fasil", "fasilitator")])
        khub.stop()
        b.start()
        b.sync = Sync(b).start()
        started.append(b.sync)
        # the page's jobs need pb-sync listening: it says so (503) otherwise
        wait_for(lambda: os.path.exists(os.path.join(b.dir, "data", "run", "sync-wake.sock")),
                 timeout=60, what="pb-sync's wake socket")
        return b
    yield make
    for s in started:
        s.stop()


def training_day(b, first=0):
    return carried_day(b, first, TEACHERS)


def run_job(adm, kind):
    """Ask for the job as the page does and poll until it ends; the
    progress seen on the way never goes back and never passes total."""
    r = adm.post(f"/api/v1/admin/usb/{kind}", json={})
    assert r.status_code == 202, r.text
    jid = r.json()["id"]
    seen = []

    def ended():
        j = adm.get("/api/v1/admin/usb").json()["job"]
        assert j["id"] == jid and j["kind"] == kind
        seen.append((j["done"], j["total"]))
        return j if j["state"] in ("done", "failed") else None
    j = wait_for(ended, timeout=90, step=0.05, what=f"the {kind} job")
    dones = [d for d, _ in seen]
    assert dones == sorted(dones) and all(d <= t for d, t in seen if t > 0), seen
    return j


def hub_count(khub, bid):
    return int(khub.sql(f"SELECT count(*) FROM records WHERE box_id = '{bid}'"))


def test_page_carries_records_there_and_back(offline_box, khub, stick):
    b = offline_box(stick.dir)
    bid = box_meta(b, "box_id")
    training_day(b)

    # strangers and facilitators get nothing
    r = requests.get(b.base + "/api/v1/admin/usb", timeout=30)
    assert r.status_code == 401
    r = requests.post(b.base + "/api/v1/admin/usb/export", json={}, timeout=30)
    assert r.status_code == 401
    fasil = Staff(b, "fasil")
    for path in ("/api/v1/admin/usb", "/api/v1/admin/modules"):
        assert fasil.get(path).status_code == 403
    for path in ("/api/v1/admin/usb/export", "/api/v1/admin/usb/import"):
        assert fasil.post(path, json={}).status_code == 403
    assert fasil.post("/api/v1/admin/modules/remove", json={"id": "x"}).status_code == 403

    adm = Staff(b, "admin")
    # no stick: said plainly, nothing queued
    j = adm.get("/api/v1/admin/usb").json()
    assert j["stick"]["present"] is False and j["job"] is None
    assert j["data"]["total_bytes"] > 0
    r = adm.post("/api/v1/admin/usb/export", json={})
    assert r.status_code == 409 and r.json()["error"] == "no_stick", r.text
    assert "Tidak ada flashdisk terpasang" in r.json()["message"]
    assert adm.post("/api/v1/admin/usb/export", json={}, csrf=False).status_code == 403

    stick.mount()
    j = adm.get("/api/v1/admin/usb").json()
    assert j["stick"]["present"] is True and j["stick"]["total_bytes"] > 0

    total, unacked = box_counts(b)
    job = run_job(adm, "export")
    assert job["state"] == "done", job
    assert job["done"] == job["total"] == unacked, job
    assert f"{unacked} catatan" in job["message"]
    assert job["requested_by"] == "admin"
    assert os.path.isfile(os.path.join(stick.dir, "pb-outbox", bid, "manifest.json"))
    assert hub_count(khub, bid) == 0            # nothing went over a network

    # at the office
    p = khub.cli("-k", khub.key, "import", stick.dir)
    assert f"{unacked} stored" in p.stdout, p.stdout
    assert hub_count(khub, bid) == unacked

    # back at the centre: the acknowledgement through the page
    job = run_job(adm, "import")
    assert job["state"] == "done", job
    assert f"{unacked} catatan ditandai terkirim" in job["message"], job
    after_total, after_unacked = box_counts(b)
    assert after_total - after_unacked == total    # everything exported is acked
    assert after_unacked == after_total - total    # only what came later waits

    # the same stick carried again: nothing twice, nothing undone
    training_day(b, TEACHERS)
    exported_total, more = box_counts(b)
    job = run_job(adm, "export")
    assert job["state"] == "done" and job["done"] == more, job
    p = khub.cli("-k", khub.key, "import", stick.dir)
    assert f"{more} stored" in p.stdout, p.stdout
    p = khub.cli("-k", khub.key, "import", stick.dir)
    assert "0 stored" in p.stdout, p.stdout
    assert hub_count(khub, bid) == unacked + more
    assert int(khub.sql(f"SELECT count(DISTINCT seq) FROM records WHERE box_id = '{bid}'")) \
        == unacked + more
    job = run_job(adm, "import")
    assert job["state"] == "done", job
    t, u = box_counts(b)
    assert t - u == exported_total      # every record on the stick is now acked
    job = run_job(adm, "import")
    assert job["state"] == "done" and "sudah tercatat" in job["message"], job
    assert box_counts(b) == (t, u)

    # a forged acknowledgement (one more record than the hub holds) changes nothing
    training_day(b, 2 * TEACHERS)
    ack_path = os.path.join(stick.dir, "pb-outbox", bid, "ack.json")
    with open(ack_path) as f:
        forged = json.load(f)
    forged["acked"] = box_counts(b)[0]
    with open(ack_path, "w") as f:
        json.dump(forged, f)
    before = box_counts(b)
    job = run_job(adm, "import")
    assert job["state"] == "failed" and job["error"] == "ack_refused", job
    assert "ditolak" in job["message"]
    assert box_counts(b) == before

    # one job at a time; the audit names who asked
    with sqlite3.connect(b.db_path(), timeout=10) as c:
        acts = [a for (a,) in c.execute("SELECT action FROM audit WHERE actor = 'admin' AND "
                                        "action LIKE 'usb.%' ORDER BY id")]
    assert acts == ["usb.export", "usb.import", "usb.export", "usb.import", "usb.import",
                    "usb.import"]


def test_modules_from_the_stick_listed_and_removed(offline_box, khub, stick, tmpdir_hub):
    src = os.path.join(tmpdir_hub, "published")
    os.mkdir(src)
    big = publish_module(khub, src, "kk-a-mat-1", 200 * 1024, CENTRE)
    small = publish_module(khub, src, "kk-a-mat-2", 3000)
    b = offline_box(stick.dir)
    adm = Staff(b, "admin")
    stick.mount()
    # no acknowledgement and no modules yet: a clear failure
    job = run_job(adm, "import")
    assert job["state"] == "failed" and job["error"] == "nothing_to_import", job

    p = khub.cli("export-content", os.path.join(stick.dir, "konten"), "--centre", CENTRE)
    assert "2 module(s)" in p.stdout, p.stdout
    job = run_job(adm, "import")
    assert job["state"] == "done", job
    assert job["done"] == job["total"] == 2, job
    assert "2 baru" in job["message"], job

    mods = adm.get("/api/v1/admin/modules").json()
    by_id = {m["id"]: m for m in mods["modules"]}
    assert set(by_id) == {"kk-a-mat-1", "kk-a-mat-2"}
    assert by_id["kk-a-mat-1"]["bytes"] == 200 * 1024 and by_id["kk-a-mat-2"]["bytes"] == 3000
    assert mods["bytes"] == 200 * 1024 + 3000
    assert 0 < mods["data"]["free_bytes"] <= mods["data"]["total_bytes"]

    # a module a session's results name is kept
    with sqlite3.connect(b.db_path(), timeout=10) as c:
        c.execute("INSERT INTO mentor_assignment(staff_id, module_id) SELECT id, 'kk-a-mat-2' "
                  "FROM staff WHERE name = 'fasil'")
    r = adm.post("/api/v1/admin/modules/remove", json={"id": "kk-a-mat-2"})
    assert r.status_code == 409 and r.json()["error"] == "module_in_use", r.text
    assert requests.get(b.base + "/api/v1/modules/kk-a-mat-2", timeout=30).status_code == 200
    r = adm.post("/api/v1/admin/modules/remove", json={"id": "nope"})
    assert r.status_code == 404 and r.json()["error"] == "unknown_module"
    for bad in ({}, {"id": 5}, {"id": ""}, {"id": "x" * 65}):
        r = adm.post("/api/v1/admin/modules/remove", json=bad)
        assert r.status_code == 400 and r.json()["error"] == "bad_module", (bad, r.text)
        assert r.json()["field"] == "id"
    r = adm.post("/api/v1/admin/modules/remove", json={"id": "kk-a-mat-1"}, csrf=False)
    assert r.status_code == 403

    store_file = os.path.join(b.dir, "data", "store", big[:2], big)
    assert os.path.isfile(store_file)
    r = adm.post("/api/v1/admin/modules/remove", json={"id": "kk-a-mat-1"})
    assert r.status_code == 200 and r.json()["freed_bytes"] == 200 * 1024, r.text
    assert not os.path.exists(store_file)
    assert os.path.isfile(os.path.join(b.dir, "data", "store", small[:2], small))
    left = [m["id"] for m in adm.get("/api/v1/admin/modules").json()["modules"]]
    assert left == ["kk-a-mat-2"]
    assert requests.get(b.base + "/api/v1/modules/kk-a-mat-1", timeout=30).status_code == 404


def test_full_stick_said_plainly(offline_box, stick):
    b = offline_box(stick.dir)
    adm = Staff(b, "admin")
    stick.mount("96k")
    add_records(b, "attendance.checkin",
                [{"session_id": "S-USB", "pad": os.urandom(16000).hex()} for _ in range(12)])
    job = run_job(adm, "export")
    assert job["state"] == "failed" and job["error"] == "stick_full", job
    assert "Flashdisk penuh" in job["message"]
    # the next job may start: the failed one is closed
    job = run_job(adm, "import")
    assert job["state"] == "failed" and job["error"] == "nothing_to_import", job
    # pb-sync stopped: said at once, and the job does not stay open
    b.sync.stop()
    r = adm.post("/api/v1/admin/usb/export", json={})
    assert r.status_code == 503 and r.json()["error"] == "sync_not_running", r.text
    job = adm.get("/api/v1/admin/usb").json()["job"]
    assert job["state"] == "failed" and job["error"] == "sync_not_running", job
