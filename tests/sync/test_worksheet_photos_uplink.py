"""Worksheet photos through the uplink, all real processes (pb-web,
pb-sync, pb-hub, PostgreSQL): the photos a teacher sends with a worksheet
reach the hub as files, like receipt photos, each stored once however
often the box syncs; the hub's worksheets export names them per sending;
the retention purge takes them off the box once the hub holds them."""
import base64
import csv
import hashlib
import io
import os
import sqlite3
import sys
import time

import requests

from pbhub import box_counts, sync_once

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from claims_util import photo  # noqa: E402
from learning_util import MODULE  # noqa: E402
from test_learning_uplink import CENTRE, enrolled  # noqa: E402

LK = "/api/v1/learning/worksheets"


def pic(data, mime="image/jpeg"):
    return {"type": mime, "data": base64.b64encode(data).decode()}


def worksheets(hub, *args):
    out = hub.cli("export", "worksheets", "--centre", CENTRE, *args).stdout
    return list(csv.DictReader(io.StringIO(out)))


def test_worksheet_photos_reach_the_hub_once_and_are_named_and_purged(boxes, hub, tmp_path):
    lb = enrolled(boxes, hub, tmp_path, 2, "retention_days = 1")
    t0 = lb.teacher(0)
    r = t0.post(LK, module=MODULE, worksheet="lk1", text="Rangkaian seri",
                photos=[pic(photo("JPEG", size=(80, 60))), pic(photo("PNG", size=(60, 80)),
                                                                "image/png")])
    assert r.status_code == 200, r.text
    first = [p["sha256"] for p in r.json()["photos"]]
    assert "2 worksheet photo(s) not yet held by the hub" in lb.box.pbctl("sync", "status").stdout
    sync_once(lb.box)
    assert "0 worksheet photo(s) not yet held" in lb.box.pbctl("sync", "status").stdout
    assert box_counts(lb.box)[1] == 0
    # sent again after a review, one photo: a new file, the old ones stay once
    rv = "/api/v1/sessions/%d/worksheets/%s/review" % (lb.sid, r.json()["submission"])
    assert lb.staff.post(rv, json={"status": "revise", "comment": "Ulangi"}).status_code == 200
    r = t0.post(LK, module=MODULE, worksheet="lk1", text="Rangkaian seri, diulang",
                photos=[pic(photo("JPEG", size=(100, 70), quality=95))])
    sub = r.json()["submission"]
    second = r.json()["photos"][0]["sha256"]
    for _ in range(3):
        sync_once(lb.box)
    assert box_counts(lb.box)[1] == 0
    shas = first + [second]
    held = hub.sql("SELECT sha256 || ' ' || mime || ' ' || size FROM photos "
                   "ORDER BY sha256").split("\n")
    assert sorted(h.split()[0] for h in held if h) == sorted(shas)
    # the bytes the hub holds are those the box kept (its new JPEG)
    tok = hub.cli("office-token", "pengampu").stdout.strip()
    for sha in shas:
        got = requests.get(hub.base + "/v1/office/photos/" + sha, timeout=30,
                           headers={"Authorization": "Bearer " + tok})
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
    # the export: one row per sending, naming its photos, all held
    rows = worksheets(hub)
    assert [(x["nuptk"], x["worksheet_id"], x["version"], x["photos"].split(), x["photos_held"])
            for x in rows] == [(t0.nuptk, "lk1", "1", first, "2"),
                               (t0.nuptk, "lk1", "2", [second], "1")]
    assert worksheets(hub, "--nuptk", lb.teacher(1).nuptk) == []
    r = requests.get(hub.base + "/v1/office/export/worksheets.csv", params={"centre": CENTRE},
                     headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert r.status_code == 200
    assert [x["photos"] for x in csv.DictReader(io.StringIO(r.text))] == \
        [x["photos"] for x in rows]

    # the purge: the hub holds them, so references and files leave the box
    store = os.path.join(lb.box.dir, "data", "store")
    assert all(os.path.exists(os.path.join(store, s[:2], s)) for s in shas)
    later = str(int(time.time() * 1000) + 3 * 86400 * 1000)
    out = lb.box.pbctl("purge", "--dry-run", "--as-of", later).stdout
    size = sum(os.path.getsize(os.path.join(store, s[:2], s)) for s in shas)
    assert f"would remove: 3 photo file(s), {size} byte(s); 0 photo(s) kept" in out, out
    out = lb.box.pbctl("purge", "--as-of", later).stdout
    assert "learning.photos — 3 row(s)" in out, out
    assert f"removed: 3 photo file(s), {size} byte(s)" in out, out
    assert not any(os.path.exists(os.path.join(store, s[:2], s)) for s in shas), out
    db = sqlite3.connect(lb.box.db_path())
    try:
        assert db.execute("SELECT count(*) FROM learning_photo").fetchone()[0] == 0
        for (p,) in db.execute("SELECT payload FROM outbox WHERE type = 'learning.worksheet'"):
            assert not any(s in p for s in shas), p
    finally:
        db.close()
    # what left the box is not served any more; the review queue still is
    assert lb.staff.get(LK + "/%s/photos/1" % sub).status_code == 404
