"""pb-hub and pb-sync under valgrind: a round of enrolment, upload, feeds
(a roster applied as a session, and a refused one) and a module file, a
refused batch, the office's XLSX from pb-hub's export worker, then a clean
stop with no memory errors and nothing leaked, in pb-hub, its worker and
pb-sync."""
import io
import hashlib
import json
import os
import re
import shutil
import sqlite3

import openpyxl
import pytest
import requests

from pbhub import SERVE_AS, Hub, box_counts, box_meta, sync_section, wait_for
from pbtest import Daemon, binary

pytestmark = pytest.mark.skipif(
    shutil.which("valgrind") is None or "/asan" in os.environ.get("PB_BUILD", ""),
    reason="valgrind checks the normal build only")

VG = ["valgrind", "--error-exitcode=99", "--leak-check=full",
      "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect"]


def test_hub_and_sync_are_valgrind_clean(pg, tmpdir_hub, boxes):
    hub = Hub(pg, tmpdir_hub)
    mod = os.path.join(tmpdir_hub, "mod")
    os.makedirs(mod)
    data = os.urandom(300000)
    with open(os.path.join(mod, "a.pdf"), "wb") as f:
        f.write(data)
    with open(os.path.join(mod, "manifest.json"), "w") as f:
        json.dump({"format": 1, "modules": [{"id": "m1", "title": "Modul", "kk": "B",
                   "subject": "IPA", "level": "SD",
                   "files": [{"path": "a.pdf", "sha256": hashlib.sha256(data).hexdigest()}]}]}, f)
    sha = hashlib.sha256(data).hexdigest()
    hub.cli("catalogue", "add", mod)
    hub.cli("publish", "rates", input='{"item":"x","amount_rp":1}')
    hub.cli("publish", "roster", input=json.dumps([
        {"session": "S-VG", "title": "Diklat", "start_date": "2026-11-28", "days": 1,
         "jp_per_day": 8, "participants": [{"nuptk": "3200000000000001", "name": "Budi"},
                                           {"nuptk": "12", "name": "X"}]},
        {"session": "S-VG-2", "title": "Tanpa JP", "start_date": "2026-11-28"}]))
    hub_log = os.path.join(tmpdir_hub, "vg-hub.log")
    hub.daemon = Daemon([*VG, f"--log-file={hub_log}", binary("pb-hub"), "-d", hub.conn,
                         "-f", hub.files, "-l", f"127.0.0.1:{hub.port}", "-t", "2",
                         "-S", *SERVE_AS],
                        hub.log)
    wait_for(lambda: "listening on" in hub.daemon.output(), 60, what="pb-hub under valgrind")
    b = boxes(sections=sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout.strip()))
    b.pbctl("init")
    b.pbctl("outbox", "add", "attendance.checkin", '{"session_id":"S1","name":"A"}', "50")
    sync_log = os.path.join(b.dir, "vg-sync.log")
    sync = Daemon([*VG, f"--log-file={sync_log}", binary("pb-sync"), "-c", b.conf],
                  os.path.join(b.dir, "pb-sync.log"))
    try:
        # Under valgrind on a loaded machine the first probe of the hub may
        # fail and pb-sync backs off: wake it as an operator would
        # (pbctl sync now) while waiting, and wait generously.
        # The 50 records, plus what applying the hub's roster adds, all
        # acknowledged.
        def uploaded():
            b.pbctl("sync", "now", check=False)
            total, unacked = box_counts(b)
            return total >= 50 and unacked == 0
        wait_for(uploaded, 240, 2, what="upload")
        wait_for(lambda: os.path.exists(os.path.join(b.dir, "data", "store", sha[:2], sha)),
                 120, 0.3, what="module file")
        with sqlite3.connect(b.db_path(), timeout=10) as c:
            assert c.execute("SELECT uid FROM kegiatan").fetchall() == [("S-VG",)]
            assert c.execute("SELECT applied FROM sync_inbox WHERE kind = 'roster' "
                             "ORDER BY cursor").fetchall() == [(1,), (-1,)]
        assert requests.post(hub.base + "/v1/batch", data=b"junk", timeout=30, headers={
            "X-PB-Box": box_meta(b, "box_id"), "X-PB-Signature": "00"}).status_code == 401
        assert requests.post(hub.base + "/v1/enrol", data=b"{", timeout=30).status_code == 400
        # the office's box routes, and the rate limit past 30 refused tokens
        auth = {"Authorization": "Bearer " + hub.cli("office-token", "vg").stdout.strip()}
        assert requests.get(hub.base + "/v1/office/boxes", headers=auth,
                            timeout=30).json()["boxes"][0]["state"] == "active"
        assert requests.post(hub.base + f"/v1/office/boxes/{box_meta(b, 'box_id')}/revoke",
                             headers=auth, timeout=30).json()["state"] == "revoked"
        # the export worker (valgrind follows it across the fork)
        r = requests.get(hub.base + "/v1/office/export/attendance.xlsx", headers=auth,
                         timeout=120)
        assert r.status_code == 200, r.text
        assert openpyxl.load_workbook(io.BytesIO(r.content))["Kehadiran"].max_row >= 51
        codes = [requests.get(hub.base + "/v1/office/boxes", timeout=30, headers={
            "Authorization": "Bearer x"}).status_code for _ in range(31)]
        assert codes[-1] == 429, codes
    finally:
        sync.stop(expect_code=0)
        hub.stop()
    # pb-hub, its export keeper and the worker the keeper started
    for log, processes in ((hub_log, 3), (sync_log, 1)):
        text = open(log).read()
        summaries = re.findall(r"ERROR SUMMARY: (\d+) errors", text)
        assert summaries == ["0"] * processes, text[-3000:]
