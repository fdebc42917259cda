"""Test results and progress through the uplink, all real processes
(pb-web, pb-sync, pb-hub, PostgreSQL): attempts a teacher finishes on the
box reach the hub exactly once, are kept there per teacher, and come out
of the export per teacher, per module and for the office; bytes per
attempt upstream are measured from the stored record."""
import csv
import io
import json
import os
import sqlite3
import sys
import time

import requests

from pbhub import box_counts, sync_once, sync_section

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import checkin, nuptk  # noqa: E402
from learning_util import MODULE, PRE_ITEMS, LearnBox, key_of  # noqa: E402

CENTRE = "PB-TEST-001"


def enrolled(boxes, hub, tmp_path, n, sync_extra="", roster=None):
    """A LearnBox enrolled with the hub (pbctl init before pb-web starts)."""
    def launch(b):
        b.pbctl("init")
        b.start()
    return LearnBox(boxes, tmp_path / "usb", n=n, box={
        "extra": sync_section(hub.base, hub.cli("token", CENTRE).stdout.strip(), sync_extra),
        "launch": launch, "roster": roster})


def export(hub, *args):
    out = hub.cli("export", "learning", "--centre", CENTRE, *args).stdout
    return list(csv.DictReader(io.StringIO(out)))


def test_attempts_reach_the_hub_once_and_export_per_teacher_and_module(boxes, hub, tmp_path):
    lb = enrolled(boxes, hub, tmp_path, 2)
    session_uid = lb.staff.day(lb.sid)["session"]["uid"]
    key = key_of(PRE_ITEMS)
    t0, t1 = lb.teacher(0), lb.teacher(1)
    a = t0.start("awal").json()["attempt"]
    for it in PRE_ITEMS:
        assert t0.answer(a, it["id"], key[it["id"]]).status_code == 200
    assert t0.finish(a).json()["result"]["score"] == 100
    b = t1.start("awal").json()["attempt"]
    t1.answer(b, "s1", key["s1"])
    assert t1.finish(b).json()["result"]["score"] == 25
    sync_once(lb.box)
    assert box_counts(lb.box)[1] == 0
    # a second attempt after the first upload, then two more rounds: nothing twice
    c = t0.start("akhir").json()["attempt"]
    t0.answer(c, "m1", key["m1"])
    t0.finish(c)
    sync_once(lb.box)
    sync_once(lb.box)
    assert box_counts(lb.box)[1] == 0

    rows = export(hub)
    assert sorted((r["nuptk"], r["test_id"], r["score"]) for r in rows) == \
        sorted([(t0.nuptk, "awal", "100"), (t1.nuptk, "awal", "25"), (t0.nuptk, "akhir", "25")])
    assert len({r["attempt_id"] for r in rows}) == 3
    assert all(r["session_id"] == session_uid and r["module_id"] == MODULE for r in rows)
    mine = export(hub, "--nuptk", t0.nuptk)
    assert [(r["kind"], r["passed"]) for r in mine] == [("pre", "yes"), ("post", "no")]
    assert export(hub, "--module", "tidak-ada") == []
    # each attempt once in the hub's records and its per-teacher table
    assert hub.sql("SELECT count(*) FROM records WHERE type = 'learning.attempt'").strip() == "3"
    assert hub.sql("SELECT count(*) FROM learning_attempts").strip() == "3"
    prog = hub.sql("SELECT activity || ':' || state FROM learning_progress WHERE nuptk = '%s' "
                   "ORDER BY wall_ms, record_id" % t0.nuptk).split()
    assert "test:awal:done" in prog and "test:akhir:done" in prog
    # the office reads the same over HTTP
    tok = hub.cli("office-token", "pengampu").stdout.strip()
    r = requests.get(hub.base + "/v1/office/export/learning.csv",
                     params={"centre": CENTRE, "session": session_uid},
                     headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert r.status_code == 200
    assert sorted(x["attempt_id"] for x in csv.DictReader(io.StringIO(r.text))) == \
        sorted(x["attempt_id"] for x in rows)
    # bytes per attempt upstream: the stored record of a 4-item attempt
    size = int(hub.sql("SELECT max(octet_length(payload)) FROM records "
                       "WHERE type = 'learning.attempt'").strip())
    print(f"learning.attempt payload, 4 items: {size} bytes")
    assert 0 < size < 2048


def test_a_teacher_known_by_no_peserta_reaches_the_hub_by_that_number(boxes, hub, tmp_path):
    """A teacher without a NUPTK (the roster's No Peserta) finishes a test,
    marks progress and sends a worksheet: the records carry the number as
    no_peserta (claims name such a teacher the same way), and the hub's
    exports show it in their No Peserta column with the NUPTK column empty,
    never the box's internal key; the number filters them."""
    roster = ("NUPTK;Nama;No Peserta;Sekolah\r\n"
              f"{nuptk(0)};Guru Ber NUPTK;;SMPN 1 Kota Uji\r\n"
              ";Sari Tanpa Nuptk;PPG-2024/0007;SDN 3 Kota Uji\r\n")
    lb = enrolled(boxes, hub, tmp_path, 1, roster=roster)
    st, c = checkin(lb.box, "127.0.0.61", lb.sid, "ppg-2024/0007", lb.staff.code(lb.sid))
    assert st == 201, c
    sari = lb.teacher(0)
    sari.nuptk, sari.proof = "ppg-2024 / 0007", c["uid"]      # typed as people type it
    guru = lb.teacher(0)
    key = key_of(PRE_ITEMS)
    for t, item in ((sari, "s1"), (guru, "m1")):
        a = t.start("awal").json()["attempt"]
        assert t.answer(a, item, key[item]).status_code == 200
        assert t.finish(a).status_code == 200
    assert sari.post("/api/v1/learning/worksheets", module=MODULE, worksheet="lk1",
                     text="Rancangan percobaan").status_code in (200, 201)
    sync_once(lb.box)
    assert box_counts(lb.box)[1] == 0

    rows = export(hub)
    assert sorted((r["nuptk"], r["no_peserta"], r["test_id"]) for r in rows) == \
        sorted([("", "PPG-2024/0007", "awal"), (nuptk(0), "", "awal")])
    mine = export(hub, "--nuptk", "PPG-2024/0007")
    assert [(r["nuptk"], r["no_peserta"]) for r in mine] == [("", "PPG-2024/0007")]
    assert [r["nuptk"] for r in export(hub, "--nuptk", nuptk(0))] == [nuptk(0)]
    ws = list(csv.DictReader(io.StringIO(hub.cli("export", "worksheets", "--centre",
                                                 CENTRE).stdout)))
    assert [(r["nuptk"], r["no_peserta"], r["worksheet_id"]) for r in ws] == \
        [("", "PPG-2024/0007", "lk1")]
    # the office's CSV over HTTP says the same, and nowhere the box's key
    tok = hub.cli("office-token", "pengampu").stdout.strip()
    for name in ("learning.csv", "worksheets.csv"):
        r = requests.get(hub.base + "/v1/office/export/" + name, params={"centre": CENTRE},
                         headers={"Authorization": "Bearer " + tok}, timeout=30)
        assert r.status_code == 200, r.text
        assert "PPG-2024/0007" in r.text and "#PPG" not in r.text, r.text
    # every learning record upstream names her by the number
    got = hub.sql("SELECT DISTINCT type || ' ' || (payload_json->>'no_peserta') FROM records "
                  "WHERE type LIKE 'learning.%' AND payload_json->>'no_peserta' <> '' "
                  "ORDER BY 1").split("\n")
    assert [g.strip() for g in got if g.strip()] == [
        "learning.attempt PPG-2024/0007", "learning.progress PPG-2024/0007",
        "learning.worksheet PPG-2024/0007"], got


def test_retention_purge_takes_answers_and_nuptk_and_keeps_scores(boxes, hub, tmp_path):
    lb = enrolled(boxes, hub, tmp_path, 2, "retention_days = 1")
    key = key_of(PRE_ITEMS)
    for i, right in ((0, True), (1, False)):
        t = lb.teacher(i)
        a = t.start("awal").json()["attempt"]
        t.answer(a, "s1", key["s1"] if right else ["a"])
        t.answer(a, "m1", key["m1"])
        t.finish(a)
    assert lb.teacher(0).post("/api/v1/learning/worksheets", module=MODULE, worksheet="lk1",
                              text="Rancangan percobaan Bu Sri").status_code == 200
    sync_once(lb.box)
    assert box_counts(lb.box)[1] == 0
    later = str(int(time.time() * 1000) + 3 * 86400 * 1000)
    out = lb.box.pbctl("purge", "--as-of", later).stdout
    # 2 attempts, their 4 answers, 3 progress marks (test:awal twice, worksheet:lk1),
    # 1 worksheet
    assert "learning.people — 10 row(s)" in out, out
    db = sqlite3.connect(lb.box.db_path())
    try:
        assert db.execute("SELECT count(*) FROM learning_answer").fetchone()[0] == 0
        rows = db.execute("SELECT nuptk, score FROM learning_attempt ORDER BY score").fetchall()
        assert [s for _, s in rows] == [25, 50]
        assert all(n.startswith("#") and len(n) == 16 for n, _ in rows), rows
        assert len({n for n, _ in rows}) == 2
        # the same alias as in the attendance of the same teacher
        aliases = {n for (n,) in db.execute("SELECT nuptk FROM attendance")}
        assert {n for n, _ in rows} <= aliases
        assert db.execute("SELECT count(*) FROM learning_progress WHERE nuptk GLOB '[0-9]*'"
                          ).fetchone()[0] == 0
        for (p,) in db.execute("SELECT payload FROM outbox WHERE type LIKE 'learning.%'"):
            assert "nuptk" not in json.loads(p) and "no_peserta" not in json.loads(p)
            assert "Bu Sri" not in p
        assert db.execute("SELECT text, nuptk GLOB '#*' FROM learning_submission").fetchall() \
            == [("", 1)]
    finally:
        db.close()
    # the results view still compares per (anonymous) teacher
    res = lb.staff.get("/api/v1/sessions/%d/learning" % lb.sid).json()
    assert sorted(t["pre"]["score"] for t in res["teachers"]) == [25, 50]


def test_tests_published_by_the_hub_reach_the_box_with_their_keys_never_a_phone(boxes, hub,
                                                                               tmp_path):
    from content_fixture import make_folder
    from learning_util import key_leaks, module_doc
    doc = module_doc()
    doc["id"] = "dari-hub"
    make_folder(str(tmp_path / "pusat"), [doc])
    assert "1 module(s) published" in hub.cli("catalogue", "add", str(tmp_path / "pusat")).stdout
    # a manifest with a broken key is refused at the hub
    bad = module_doc()
    bad["id"] = "rusak"
    bad["tests"][0]["items"][0]["answer"] = ["z"]
    make_folder(str(tmp_path / "rusak"), [bad])
    p = hub.cli("catalogue", "add", str(tmp_path / "rusak"), check=False)
    assert "refused" in p.stderr and "not an option" in p.stderr, p.stderr

    lb = enrolled(boxes, hub, tmp_path, 1)
    sync_once(lb.box)
    db = sqlite3.connect(lb.box.db_path())
    try:
        keys = {json.loads(s)["id"]: json.loads(s)["items"][0]["answer"] for (s,) in db.execute(
            "SELECT spec FROM learning_test WHERE module_id = 'dari-hub'")}
    finally:
        db.close()
    assert keys == {"awal": ["b"], "akhir": ["b"]}
    r = requests.get(lb.base + "/api/v1/modules/dari-hub", timeout=30)
    assert r.status_code == 200 and [t["id"] for t in r.json()["tests"]] == ["awal", "akhir"]
    t = lb.teacher(0)
    r = t.post("/api/v1/learning/attempts", module="dari-hub", test="awal")
    assert r.status_code == 200 and len(r.json()["items"]) == 4
    for _, _, _, text in lb.seen:
        assert key_leaks(text) == []
