"""Values from a hostile (or broken) box that pb-hub turns into dates or
numbers for the office: a box.health record whose clock reads far past
PostgreSQL's timestamps (wall_ms and "et" near 2^63, far before 1970, in
the year 3 million), and learning.worksheet records whose "version" is
text, an object, a real or past 32 bits. Kept as sent, they used to fail the office's
list of every box (GET /v1/office/boxes) and the worksheets export of
every centre with 500; now the box list shows no date for such a clock
(null, HUB_SQL_MS_MAX) and the export lists every submission."""
import csv
import io

import requests

from pbhub import record_hash
from test_hostile import new_box, post, records

BIG = 2 ** 63 - 1


def office(hub, path):
    token = hub.cli("office-token", "keuangan").stdout.strip()
    return requests.get(f"{hub.base}/v1/office/{path}", timeout=30,
                        headers={"Authorization": f"Bearer {token}"})


def health(b, wall, et):
    recs = records(b, [("box.health", {"v": "1.0", "up": 5, "et": et, "err": "x"})])
    recs[0]["wall_ms"] = wall
    recs[0]["hash"] = b.prev = record_hash(b.box_id, recs[0])
    return recs


def test_clocks_out_of_range_leave_the_box_list_working(hub):
    honest = new_box(hub, "PB-A")
    st, j, _ = post(hub, honest, health(honest, 1795000000000, 1795000000000))
    assert st == 200, j
    for wall, et in ((BIG, BIG), (-BIG, -BIG), (10 ** 17, 10 ** 17)):
        b = new_box(hub, "PB-B")
        st, j, _ = post(hub, b, health(b, wall, et))
        assert st == 200 and j["acked"] == 1, j
        r = office(hub, "boxes")
        assert r.status_code == 200, (wall, r.status_code, r.text[:300])
        got = {x["box_id"]: x for x in r.json()["boxes"]}
        h = got[honest.box_id]["health"]
        assert h["reported_at"] == h["last_error_at"] == "2026-11-18T11:06:40Z", h
        h = got[b.box_id]["health"]
        assert h["reported_at"] is None and h["last_error_at"] is None, h
        assert h["version"] == "1.0" and h["last_error"] == "x", h


def test_worksheet_versions_not_integers_leave_the_export_working(hub):
    b = new_box(hub, "PB-A")
    ws = {"nuptk": "1234567890123456", "module": "kk-a", "worksheet": "lk-1",
          "submitted_ms": 1795000000000, "photos": []}
    items = [("learning.worksheet", dict(ws, submission=f"s{i}", version=v))
             for i, v in enumerate((1, "dua", 1.5e300, {"x": 1}, 2 ** 40))]
    st, j, _ = post(hub, b, records(b, items))
    assert st == 200 and j["acked"] == 5, j
    r = office(hub, "export/worksheets.csv?centre=PB-A")
    assert r.status_code == 200, r.text[:300]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert sorted(x["submission"] for x in rows) == ["s0", "s1", "s2", "s3", "s4"], rows
