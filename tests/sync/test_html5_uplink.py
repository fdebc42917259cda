"""HTML5 lessons published by the hub (pb-hub catalogue add, real
PostgreSQL): pb-sync downloads the zip after the module entered the
catalogue, unpacks it into the store and keeps its index, and pb-web then
serves the lesson under /h/; a hostile zip from the hub is refused on the
box (its files are never served), the rest of the catalogue is not."""
import os
import sqlite3
import sys

import requests

from pbhub import sync_once, sync_section

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from html5_util import ENTRIES, lesson_zip, write_module  # noqa: E402
from test_html5 import hostile  # noqa: E402

CENTRE = "PB-TEST-001"


def test_lesson_from_the_hub_is_unpacked_by_pb_sync(boxes, hub, tmp_path):
    good = write_module(str(tmp_path / "baik"), lesson_zip(), module="kk-c-dari-hub")
    bad = write_module(str(tmp_path / "jahat"), hostile("dotdot"), module="kk-c-jahat")
    for f in ("baik", "jahat"):
        assert "1 module(s) published" in hub.cli("catalogue", "add", str(tmp_path / f)).stdout
    b = boxes(extra=sync_section(hub.base, hub.cli("token", CENTRE).stdout.strip()))
    b.pbctl("init")
    b.start()
    sync_once(b)
    for path, (data, mime) in ENTRIES.items():
        r = requests.get(f"{b.base}/h/{good}/{path}", timeout=30)
        assert r.status_code == 200 and r.content == data, path
        assert r.headers["Content-Type"] == mime
        assert "allow-same-origin" not in r.headers["Content-Security-Policy"]
    m = requests.get(b.base + "/api/v1/modules/kk-c-dari-hub", timeout=30).json()
    assert m["files"][0]["lesson_url"] == f"/h/{good}/index.html"
    # the hostile one: its zip is a plain download, its lesson is not served
    assert requests.get(f"{b.base}/h/{bad}/index.html", timeout=30).status_code == 404
    with sqlite3.connect(b.db_path()) as c:
        assert c.execute("SELECT count(*) FROM html5_entry WHERE zip_sha256 = ?",
                         (bad,)).fetchone()[0] == 0
    # a second round unpacks nothing again and changes nothing
    sync_once(b)
    assert requests.get(f"{b.base}/h/{good}/css/gaya.css", timeout=30).status_code == 200
