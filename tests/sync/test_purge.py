"""Retention (UU PDP): personal data leaves the box only after the hub
acknowledged the session's records and the retention has passed."""
import hashlib
import json
import os
import sqlite3
import time

from pbhub import Sync, box_counts, sync_section

DAY_MS = 86400 * 1000


def payloads(b, session):
    with sqlite3.connect(b.db_path()) as c:
        return [json.loads(p) for (p,) in c.execute(
            "SELECT payload FROM outbox WHERE json_extract(payload, '$.session_id') = ? "
            "ORDER BY seq", (session,))]


def test_purge_after_ack_and_retention(boxes, hub):
    b = boxes(sections=sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout.strip(),
                                     "retention_days = 30"))
    for s in ("S1", "S2"):
        b.pbctl("outbox", "add", "attendance.checkin", json.dumps(
            {"session_id": s, "nuptk": "1234567890123456", "name": "Budi Santoso",
             "signature": "M1 1 L2 2", "jp": 8}), "3")
        b.pbctl("outbox", "add", "claim.submit", json.dumps(
            {"session_id": s, "claim_id": f"C-{s}", "nuptk": "1234567890123456",
             "receipt_photo": "ab" * 32, "amount_rp": 50000,
             "evidence": {"kind": "receipt", "sha256": "cd" * 32, "mime": "image/jpeg",
                          "size": 1234}}))
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    # S3 is not acknowledged yet: it must stay whatever the date
    b.pbctl("outbox", "add", "attendance.checkin", json.dumps(
        {"session_id": "S3", "nuptk": "6543210987654321", "name": "Sri"}))
    assert box_counts(b) == (9, 1)

    # within the retention nothing is due
    out = b.pbctl("purge", "--dry-run").stdout
    assert "0 session(s), 0 row(s)" in out
    later = str(int(time.time() * 1000) + 31 * DAY_MS)
    before = payloads(b, "S1")
    out = b.pbctl("purge", "--dry-run", "--as-of", later).stdout
    assert "would purge session S1" in out and "would purge session S2" in out
    assert "S3" not in out
    assert "2 session(s), 8 row(s)" in out
    assert payloads(b, "S1") == before          # a dry run changes nothing

    out = b.pbctl("purge", "--as-of", later).stdout
    assert "purged: 2 session(s), 8 row(s)" in out
    for sess in ("S1", "S2"):
        for p in payloads(b, sess):
            assert not {"name", "nuptk", "signature", "receipt_photo"} & set(p), p
            assert p["session_id"] == sess
        # totals stay
        assert sum(p.get("jp", 0) for p in payloads(b, sess)) == 24
        assert [p["amount_rp"] for p in payloads(b, sess) if "amount_rp" in p] == [50000]
        # the photo's hash goes, what the evidence was stays
        assert [p["evidence"] for p in payloads(b, sess) if "evidence" in p] == \
            [{"kind": "receipt", "mime": "image/jpeg", "size": 1234}]
    assert payloads(b, "S3")[0]["name"] == "Sri"
    # the chain still holds on the box; the hub keeps what it received
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"
    assert "chain OK, 8 records" in hub.cli("verify").stdout
    with sqlite3.connect(b.db_path()) as c:
        assert c.execute("SELECT count(*) FROM purge_log").fetchone()[0] == 2
        assert c.execute("SELECT count(*) FROM audit WHERE action = 'purge'").fetchone()[0] == 2
    # nothing left to do a second time
    assert "0 session(s), 0 row(s)" in b.pbctl("purge", "--as-of", later).stdout


def test_unset_clock_does_not_purge_early(boxes, hub):
    """Records stamped in 1970 by a box whose clock was not set still stay
    for the retention after the hub acknowledged them."""
    b = boxes(sections=sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout.strip()))
    b.pbctl("outbox", "add", "attendance.checkin",
            json.dumps({"session_id": "S1", "name": "Budi", "nuptk": "1234567890123456"}))
    with sqlite3.connect(b.db_path()) as c:
        # as pb_clock would have stamped it with no time source; rehash the record
        c.execute("UPDATE outbox SET wall_ms = 5000, clock_source = 'unsynced'")
        seq, rid, typ, payload, wall, src, boot, mono, prev = c.execute(
            "SELECT seq, id, type, payload, wall_ms, clock_source, boot_id, mono_ms, prev_hash "
            "FROM outbox").fetchone()
        box_id = c.execute("SELECT value FROM box_meta WHERE key = 'box_id'").fetchone()[0]
        fields = ["pb-outbox-1", box_id, str(seq), rid, typ, str(wall), src, boot, str(mono),
                  prev]
        h = hashlib.sha256(("\n".join(fields) + "\n" + payload).encode()).hexdigest()
        c.execute("UPDATE outbox SET hash = ?", (h,))
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    assert "0 session(s)" in b.pbctl("purge", "--dry-run").stdout
    later = str(int(time.time() * 1000) + 31 * DAY_MS)
    assert "1 session(s)" in b.pbctl("purge", "--dry-run", "--as-of", later).stdout


def test_photo_files_queued_by_an_interrupted_purge_go_next_time(boxes):
    """A purge commits before it deletes files: files queued in store_purge
    by a run that stopped in between (power cut) go at the next run, unless
    something names the hash again (here a module file, and a file of an
    HTML5 lesson, with the same bytes)."""
    b = boxes()
    b.pbctl("init")
    store = os.path.join(b.dir, "data", "store")
    shas = []
    for data in (b"\xff\xd8\xff" + b"a" * 500, b"\xff\xd8\xff" + b"b" * 700,
                 b"\xff\xd8\xff" + b"c" * 900):
        sha = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(store, sha[:2]), exist_ok=True)
        with open(os.path.join(store, sha[:2], sha), "wb") as f:
            f.write(data)
        shas.append((sha, len(data)))
    with sqlite3.connect(b.db_path()) as c:
        c.executemany("INSERT INTO store_purge(sha256, size, queued_ms) VALUES (?, ?, 1)", shas)
        c.execute("INSERT INTO modules(id, title, kk, subject, level, updated_at) "
                  "VALUES ('m1', 'Modul', 'A', 'IPA', 'SD', 1)")
        c.execute("INSERT INTO module_files(module_id, pos, name, sha256, size, mime) "
                  "VALUES ('m1', 0, 'x.jpg', ?, ?, 'image/jpeg')", shas[1])
        c.execute("INSERT INTO html5_entry(zip_sha256, path, sha256, size, mime) "
                  "VALUES (?, 'img/x.jpg', ?, ?, 'image/jpeg')", ("e" * 64,) + shas[2])
    out = b.pbctl("purge", "--dry-run").stdout
    assert f"would remove: 1 photo file(s), {shas[0][1]} byte(s)" in out, out
    assert "left queued by an earlier purge" in out
    out = b.pbctl("purge").stdout
    assert f"removed: 1 photo file(s), {shas[0][1]} byte(s)" in out, out
    assert not os.path.exists(os.path.join(store, shas[0][0][:2], shas[0][0]))
    for kept in shas[1:]:
        assert os.path.exists(os.path.join(store, kept[0][:2], kept[0]))
    with sqlite3.connect(b.db_path()) as c:
        assert c.execute("SELECT count(*) FROM store_purge").fetchone()[0] == 0


def age_records(b, days):
    """Make every outbox record and its acknowledgement DAYS old, as if the
    box had kept them that long: wall_ms is part of each record's hash, so
    the box's chain is hashed again (the hub's copies are not touched)."""
    old = int(time.time() * 1000) - days * DAY_MS
    with sqlite3.connect(b.db_path()) as c:
        box_id = c.execute("SELECT value FROM box_meta WHERE key = 'box_id'").fetchone()[0]
        rows = c.execute("SELECT seq, id, type, payload, clock_source, boot_id, mono_ms, "
                         "prev_hash FROM outbox ORDER BY seq").fetchall()
        prev = rows[0][7]
        for seq, rid, typ, payload, src, boot, mono, _ in rows:
            fields = ["pb-outbox-1", box_id, str(seq), rid, typ, str(old), src, boot,
                      str(mono), prev]
            h = hashlib.sha256(("\n".join(fields) + "\n" + payload).encode()).hexdigest()
            c.execute("UPDATE outbox SET wall_ms = ?, prev_hash = ?, hash = ?, "
                      "acked_ms = CASE WHEN acked = 1 THEN ? ELSE acked_ms END WHERE seq = ?",
                      (old, prev, h, old, seq))
            prev = h
        # pb-sync's last purge was a day and more ago too
        c.execute("UPDATE box_meta SET value = ? WHERE key = 'sync.purge_last_ms'",
                  (str(old),))
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"


def test_pb_sync_purges_by_itself_once_retention_passed(boxes, hub):
    """No one has to run pbctl purge: after an upload, at most every
    [sync] purge_interval_h, pb-sync purges what the hub holds and the
    retention lets go; with purge_interval_h = 0 it leaves it to a person."""
    made = {}
    for name, extra in (("auto", "retention_days = 30"),
                        ("manual", "retention_days = 30\npurge_interval_h = 0")):
        b = boxes(sections=sync_section(hub.base, hub.cli("token", f"PB-AUTO-{name}")
                                         .stdout.strip(), extra))
        b.pbctl("outbox", "add", "attendance.checkin", json.dumps(
            {"session_id": "S1", "nuptk": "1234567890123456", "name": "Budi Santoso",
             "signature": "M1 1 L2 2", "jp": 8}))
        s = Sync(b).start(["-1"])
        assert s.daemon.proc.wait(timeout=60) == 0
        s.daemon.stop()
        # within the retention the round purged nothing
        assert payloads(b, "S1")[0]["name"] == "Budi Santoso"
        age_records(b, 31)
        # (a record added now would not chain to the hub's copies of the
        # re-hashed ones: the next round has nothing to send)
        s = Sync(b).start(["-1"])
        assert s.daemon.proc.wait(timeout=60) == 0
        made[name] = (b, s.daemon.output())
        s.daemon.stop()
    b, log = made["auto"]
    assert not {"name", "nuptk", "signature"} & set(payloads(b, "S1")[0])
    assert payloads(b, "S1")[0]["jp"] == 8
    assert "purge: 1 session(s)" in log, log
    with sqlite3.connect(b.db_path()) as c:
        assert c.execute("SELECT count(*) FROM purge_log").fetchone()[0] == 1
    b, log = made["manual"]
    assert payloads(b, "S1")[0]["name"] == "Budi Santoso"
    assert "purge:" not in log
    assert "would purge session S1" in b.pbctl("purge", "--dry-run").stdout
