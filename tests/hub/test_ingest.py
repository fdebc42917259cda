"""pb-hub against a real PostgreSQL and real boxes: enrolment, ingest
exactly once, and every refusal of docs/sync-protocol.md §4 with nothing
stored."""
import csv
import gzip
import io
import json
import os
import re
import subprocess

import requests

from pbtest import binary
from pbhub import (Sync, box_counts, box_key, box_records, make_body, post_batch, sign,
                  sync_section)


def enrolled_box(boxes, hub, records=0, extra=""):
    token = hub.cli("token", "PB-TEST-001").stdout.strip()
    b = boxes(sections=sync_section(hub.base, token, extra))
    b.pbctl("enrol")
    if records:
        b.pbctl("outbox", "add", "attendance.checkin",
                '{"session_id":"S1","nuptk":"1234567890123456","name":"Budi"}', str(records))
    return b


def box_id(b):
    return b.pbctl("status").stdout.split("box id:")[1].split()[0]


def test_enrol_token_is_one_time(boxes, hub):
    token = hub.cli("token", "PB-TEST-001").stdout.strip()
    a = boxes(sections=sync_section(hub.base, token))
    out = a.pbctl("enrol").stdout
    assert "PB-TEST-001" in out
    # the same box again: harmless
    a.pbctl("enrol")
    b = boxes(sections=sync_section(hub.base, token))
    p = b.pbctl("enrol", check=False)
    assert p.returncode == 1 and "already used" in p.stderr
    p = b.pbctl("enrol", "--token", "nope", check=False)
    assert p.returncode == 1 and "unknown enrolment token" in p.stderr
    assert hub.sql("SELECT count(*) FROM boxes") == "1"


def test_upload_exactly_once_and_chain_verified(boxes, hub):
    b = enrolled_box(boxes, hub, records=1200, extra="batch_records = 500")
    bid = box_id(b)
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=120) == 0, s.daemon.output()
    s.daemon.stop()
    assert box_counts(b) == (1200, 0)
    assert hub.count(bid) == 1200
    # resend everything: acknowledged again, nothing stored twice
    key = box_key(b)
    body = make_body(bid, box_records(b, 1, 500))
    r = post_batch(hub, bid, body, sign(key, body))
    assert r.status_code == 200, r.text
    assert r.json() == {"acked": 1200, "stored": 0, "duplicates": 500}
    assert hub.count(bid) == 1200
    assert "chain OK, 1200 records" in hub.cli("verify", bid).stdout
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"
    # the finance export: per centre and session
    rows = hub.cli("export", "attendance", "--centre", "PB-TEST-001", "--session", "S1") \
        .stdout.splitlines()
    assert len(rows) == 1201 and rows[0].startswith("centre_id,session_id,")
    assert rows[1].split(",")[:2] == ["PB-TEST-001", "S1"] and "Budi" in rows[1]
    assert len(hub.cli("export", "attendance", "--session", "S2").stdout.splitlines()) == 1
    assert len(hub.cli("export", "attendance", "--centre", "PB-X").stdout.splitlines()) == 1


def test_export_neutralises_formulas(boxes, hub):
    b = enrolled_box(boxes, hub)
    b.pbctl("outbox", "add", "attendance.checkin",
            '{"session_id":"S1","nuptk":"1","name":"=HYPERLINK(\\"x\\"),\\nB"}')
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    out = hub.cli("export", "attendance").stdout
    assert '"\'=HYPERLINK(""x""),\nB"' in out, out


def refused(r, code, status):
    assert r.status_code == status, r.text
    j = r.json()
    assert j["error"] == code, j
    assert j["message"]
    return j


def test_refusals_store_nothing(boxes, hub):
    a = enrolled_box(boxes, hub, records=20)
    other = enrolled_box(boxes, hub, records=5)
    aid, oid = box_id(a), box_id(other)
    key = box_key(a)
    recs = box_records(a)
    good = make_body(aid, recs[:10])

    # forged signature
    sig = bytearray(bytes.fromhex(sign(key, good)))
    sig[0] ^= 1
    refused(post_batch(hub, aid, good, sig.hex()), "bad_signature", 401)
    # a batch of box A replayed under box B's name
    refused(post_batch(hub, oid, good, sign(key, good)), "bad_signature", 401)
    # box B's own key signing box A's batch
    okey = box_key(other)
    refused(post_batch(hub, oid, good, sign(okey, good)), "box_mismatch", 400)
    # an edited record (content no longer matches its hash)
    edited = [dict(r) for r in recs[:10]]
    edited[3]["payload"] = edited[3]["payload"].replace("Budi", "Badu")
    body = make_body(aid, edited)
    j = refused(post_batch(hub, aid, body, sign(key, body)), "bad_hash", 400)
    assert "seq 4" in j["detail"]
    # a gap in the chain (seq 3 missing) inside a batch
    body = make_body(aid, recs[:2] + recs[3:6])
    refused(post_batch(hub, aid, body, sign(key, body)), "gap", 409)
    # a batch that starts past what the hub holds
    body = make_body(aid, recs[5:10])
    j = refused(post_batch(hub, aid, body, sign(key, body)), "gap", 409)
    assert j["acked"] == 0
    # malformed: not gzip, gzip of not-JSON, JSON of the wrong shape
    for bad in (b"hello", gzip.compress(b"{not json"),
                gzip.compress(json.dumps({"v": 1, "box_id": aid, "records": [{"seq": 1}]}).encode()),
                gzip.compress(json.dumps({"v": 9, "box_id": aid, "records": []}).encode())):
        refused(post_batch(hub, aid, bad, sign(key, bad)), "malformed", 400)
    # oversized: refused by size before anything else
    big = os.urandom(3 * 1024 * 1024)
    r = post_batch(hub, aid, big, sign(key, big))
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "too_large"
    # a zip bomb: small on the wire, huge inflated
    bomb = gzip.compress(b"[" + b" " * (40 * 1024 * 1024) + b"]")
    refused(post_batch(hub, aid, bomb, sign(key, bomb)), "malformed", 400)
    assert hub.count() == 0

    # the good batch is stored; then the same seq with other content is a
    # conflict, kept for a human, never overwritten
    r = post_batch(hub, aid, good, sign(key, good))
    assert r.status_code == 200 and r.json()["acked"] == 10
    # seq 1 with other content, rehashed so that only the conflict can refuse it
    import hashlib
    rec = dict(recs[0], payload='{"session_id":"S1","x":1}')
    fields = ["pb-outbox-1", aid, str(rec["seq"]), rec["id"], rec["type"], str(rec["wall_ms"]),
              rec["clock_source"], rec["boot_id"], str(rec["mono_ms"]), rec["prev_hash"]]
    rec["hash"] = hashlib.sha256(("\n".join(fields) + "\n" + rec["payload"]).encode()).hexdigest()
    body = make_body(aid, [rec])
    j = refused(post_batch(hub, aid, body, sign(key, body)), "conflict", 409)
    assert j["acked"] == 10
    refused(post_batch(hub, aid, body, sign(key, body)), "conflict", 409)   # offered again
    assert hub.sql("SELECT count(*) FROM conflicts") == "1"
    assert hub.sql(f"SELECT hash FROM records WHERE box_id='{aid}' AND seq=1") == recs[0]["hash"]
    assert hub.count() == 10

    # a next record that does not follow the stored hash
    import hashlib as _h
    nxt = dict(recs[10], prev_hash="ab" * 32)
    fields = ["pb-outbox-1", aid, str(nxt["seq"]), nxt["id"], nxt["type"], str(nxt["wall_ms"]),
              nxt["clock_source"], nxt["boot_id"], str(nxt["mono_ms"]), nxt["prev_hash"]]
    nxt["hash"] = _h.sha256(("\n".join(fields) + "\n" + nxt["payload"]).encode()).hexdigest()
    body = make_body(aid, [nxt])
    refused(post_batch(hub, aid, body, sign(key, body)), "broken_chain", 409)
    assert hub.count() == 10

    # revoked: refused before the body is read, like an unknown box (whether
    # a box is revoked is told only to what it signed: enrolment, a GET), and
    # the box says so in its status after enrolling again
    hub.cli("revoke", aid)
    body = make_body(aid, recs[10:])
    refused(post_batch(hub, aid, body, sign(key, body)), "unknown_box", 403)
    s = Sync(a).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 1
    s.daemon.stop(expect_code=1)
    st = a.pbctl("sync", "status").stdout
    assert "refused" in st and "revoked" in st, st
    assert hub.count() == 10
    # unknown box
    r = post_batch(hub, "0" * 32, good, sign(key, good))
    refused(r, "unknown_box", 403)


def test_unsigned_downloads_refused(hub):
    r = requests.get(hub.base + "/v1/feed/rates", timeout=10)
    assert r.status_code == 403 and r.json()["error"] == "unknown_box"
    r = requests.get(hub.base + "/v1/feed/nope", timeout=10)
    assert r.status_code == 404


def test_payloads_kept_byte_for_byte(boxes, hub):
    """Any payload text comes back exactly: quotes, backslashes, braces,
    non-ASCII, a NUL escape PostgreSQL's jsonb refuses, and text that is not
    JSON at all (kept as text only)."""
    import hashlib
    b = enrolled_box(boxes, hub)
    bid, key = box_id(b), box_key(b)
    payloads = ['{"name":"Ba\\"du \\\\ {x,y} NULL","kota":"Béla"}', 'not JSON, {"a":',
                '{"nul":"\\u0000"}', '"NULL"', '{}']
    recs, prev = [], "0" * 64
    for i, p in enumerate(payloads, 1):
        r = {"seq": i, "id": f"{i:032x}", "type": "attendance.checkin", "payload": p,
             "wall_ms": 1, "clock_source": "unsynced", "boot_id": "", "mono_ms": 2,
             "prev_hash": prev}
        fields = ["pb-outbox-1", bid, str(i), r["id"], r["type"], "1", "unsynced", "", "2", prev]
        r["hash"] = prev = hashlib.sha256(("\n".join(fields) + "\n" + p).encode()).hexdigest()
        recs.append(r)
    body = make_body(bid, recs)
    r = post_batch(hub, bid, body, sign(key, body))
    assert r.status_code == 200 and r.json()["stored"] == len(payloads), r.text
    got = hub.sql("SELECT string_agg(encode(convert_to(payload, 'UTF8'), 'hex'), ',' ORDER BY seq) "
                  "FROM records")
    assert got.split(",") == [p.encode().hex() for p in payloads]
    assert hub.sql("SELECT count(payload_json) FROM records") == "3"
    assert f"chain OK, {len(payloads)} records" in hub.cli("verify", bid).stdout


def signed_get(hub, b, path, query="", etag=None):
    import time
    bid, key = box_id(b), box_key(b)
    tm = str(int(time.time() * 1000))
    headers = {"X-PB-Box": bid, "X-PB-Time": tm,
               "X-PB-Signature": sign(key, f"pb-get-1\n{bid}\n{path}\n{tm}".encode())}
    if etag:
        headers["If-None-Match"] = etag
    return requests.get(hub.base + path + query, headers=headers, timeout=10)


def test_feed_cursor_and_etag(boxes, hub):
    b = enrolled_box(boxes, hub)
    hub.cli("publish", "rates", input='[{"item":"a","amount_rp":1},{"item":"b","amount_rp":2}]')
    r = signed_get(hub, b, "/v1/feed/rates", "?after=0")
    assert r.status_code == 200, r.text
    j = r.json()
    assert [i["doc"]["item"] for i in j["items"]] == ["a", "b"] and j["more"] is False
    etag = r.headers["ETag"]
    assert etag == f'"rates-{j["cursor"]}"'
    # nothing new after the cursor: 304 to the same ETag
    r = signed_get(hub, b, "/v1/feed/rates", f"?after={j['cursor']}", etag)
    assert r.status_code == 304
    hub.cli("publish", "rates", input='{"item":"c","amount_rp":3}')
    r = signed_get(hub, b, "/v1/feed/rates", f"?after={j['cursor']}", etag)
    assert r.status_code == 200 and [i["doc"]["item"] for i in r.json()["items"]] == ["c"]
    # a signature for another path does not open this one
    bid, key = box_id(b), box_key(b)
    r = requests.get(hub.base + "/v1/feed/roster", timeout=10, headers={
        "X-PB-Box": bid, "X-PB-Time": "1",
        "X-PB-Signature": sign(key, f"pb-get-1\n{bid}\n/v1/feed/rates\n1".encode())})
    assert r.status_code == 401 and r.json()["error"] == "bad_signature"
    r = signed_get(hub, b, "/v1/feed/rates", "?after=-1")
    assert r.status_code == 400


def test_check_and_migrations(pg, tmpdir_hub):
    """-n checks the database and prints "configuration OK"; migrate is
    idempotent and safe when several processes run it at once."""
    import subprocess
    from pbtest import binary
    conn = pg.create_db(f"mig_{os.getpid()}")
    files = os.path.join(tmpdir_hub, "f")
    os.makedirs(files)

    def hub(*args):
        return subprocess.run([binary("pb-hub"), "-d", conn, "-f", files, *args],
                              capture_output=True, text=True, timeout=60)
    p = hub("-n")
    assert p.returncode == 1 and "pb-hub migrate" in p.stderr
    procs = [subprocess.Popen([binary("pb-hub"), "-d", conn, "migrate"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for pr in procs:
        out, err = pr.communicate(timeout=60)
        assert pr.returncode == 0, err
        assert "schema at version" in out
    assert hub("migrate").returncode == 0
    p = hub("-n")
    assert p.returncode == 0 and p.stdout.strip() == "configuration OK"
    # Each number is recorded on its own: one missing (a migration merged
    # after a higher one) is found by number, not hidden behind the highest.
    db = f"mig_{os.getpid()}"
    versions = [int(v) for v in pg.psql(db, "SELECT version FROM schema_version "
                                            "ORDER BY 1").split()]
    assert len(versions) > 2
    gone = versions[len(versions) // 2]
    pg.psql(db, f"DELETE FROM schema_version WHERE version = {gone}")
    p = hub("-n")
    assert p.returncode == 1 and f"schema migration {gone} is missing" in p.stderr
    p = subprocess.run([binary("pb-hub"), "-d", "host=/nonexistent dbname=x", "-n"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and p.stderr.startswith("pb-hub: ")
    p = hub("-C", "/nonexistent.pem", "-K", "/nonexistent.key", "-n")
    assert p.returncode == 1 and "cannot read" in p.stderr


def test_office_exports_and_payments_over_http(boxes, hub):
    b = enrolled_box(boxes, hub)
    b.pbctl("outbox", "add", "claim.submit",
            '{"claim_id":"C7","session_id":"S1","nuptk":"1","item":"transport","amount_rp":45000}')
    b.pbctl("outbox", "add", "claim.decision",
            '{"claim_id":"C7","session_id":"S1","decision":"approved"}')
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    token = hub.cli("office-token", "keuangan").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    url = hub.base + "/v1/office/export/claims.csv"
    assert requests.get(url, timeout=10).status_code == 401
    r = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = requests.get(url + "?centre=PB-TEST-001&session=S1", headers=auth, timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.text.splitlines()[1] == "PB-TEST-001,S1,C7,1,,,transport,45000,no"
    paid = hub.base + "/v1/office/claims/C7/paid"
    r = requests.post(paid, json={"reference": "TRF-9"}, headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    r = requests.post(paid, json={}, headers=auth, timeout=10)
    assert r.status_code == 409 and r.json()["error"] == "already_paid"
    r = requests.post(hub.base + "/v1/office/claims/C8/paid", headers=auth, timeout=10)
    assert r.status_code == 404 and r.json()["error"] == "unknown_claim"
    r = requests.get(url, headers=auth, timeout=10)
    assert r.text.splitlines()[1].endswith(",yes")
    att = requests.get(hub.base + "/v1/office/export/attendance.csv", headers=auth, timeout=10)
    assert att.status_code == 200 and len(att.text.splitlines()) == 1
    assert hub.sql("SELECT reference FROM payments WHERE claim_id = 'C7'") == "TRF-9"


def test_two_hubs_on_one_database(boxes, hub, pg, tmpdir_hub):
    """Scaling out: two pb-hub processes on one PostgreSQL, every batch sent
    to both at the same moment (a load balancer retrying on the other). The
    box's row lock makes one store it and the other acknowledge it."""
    import threading
    from pbhub import Hub
    other = Hub(pg, tmpdir_hub, db=hub.dbname).start()
    try:
        b = enrolled_box(boxes, hub, records=2000)
        bid, key = box_id(b), box_key(b)
        recs = box_records(b, 1, 2000)
        answers = []
        for i in range(0, 2000, 100):
            body = make_body(bid, recs[i:i + 100])
            sig = sign(key, body)
            ts = [threading.Thread(target=lambda h=h: answers.append(
                post_batch(h, bid, body, sig))) for h in (hub, other)]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
        assert all(r.status_code == 200 for r in answers), [r.text for r in answers]
        assert sum(r.json()["stored"] for r in answers) == 2000
        assert sum(r.json()["duplicates"] for r in answers) == 2000
        assert hub.count(bid) == 2000
        assert "chain OK, 2000 records" in hub.cli("verify", bid).stdout
    finally:
        other.stop()


def test_export_shows_clock_and_time_running_backwards(boxes, hub):
    """A box whose clock was set back mid-sequence (PB_CLOCK_SKEW_MS shifts
    the raw clock pbctl reads): its later record is flagged; a held
    check-in dated afterwards is exported with that day."""
    b = enrolled_box(boxes, hub)

    def add(payload, type_="attendance.checkin", skew=0):
        p = subprocess.run([binary("pbctl"), "-c", b.conf, "outbox", "add", type_,
                            json.dumps(payload)], capture_output=True, text=True, timeout=60,
                           env=dict(os.environ, PB_CLOCK_SKEW_MS=str(skew)))
        assert p.returncode == 0, p.stderr

    add({"session_id": "S9", "id": "a1", "nuptk": "1", "name": "Ani", "day": "2026-01-01"})
    add({"session_id": "S9", "id": "a2", "nuptk": "2", "name": "Budi", "day": "?c4ed8e5b"},
        skew=-3600 * 1000)
    add({"session_id": "S9", "id": "a2", "day": "2026-01-02"}, type_="attendance.dated")
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0, s.daemon.output()
    s.daemon.stop()
    rows = list(csv.DictReader(io.StringIO(hub.cli("export", "attendance", "--session",
                                                   "S9").stdout)))
    assert [r["name"] for r in rows] == ["Ani", "Budi"]
    assert [r["time_backwards"] for r in rows] == ["no", "yes"]
    assert rows[1]["day"] == "2026-01-02" and rows[0]["day"] == "2026-01-01"
    assert all(r["clock_source"] for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["received_at"]) for r in rows)
