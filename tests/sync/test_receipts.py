"""Claims and the uplink, all real processes (pb-web, pb-sync, pb-hub,
PostgreSQL): receipt photos reach the hub and the finance office, and the
retention purge takes a session's claims' personal data and photo files
off the box once the hub holds them, leaving the daftar nominatif's
totals as they were."""
import os
import re
import shutil
import sys
import time

import pytest
import requests

from pbhub import SERVE_AS, VALGRIND, Hub, box_counts, sync_once, sync_section, wait_for
from pbtest import Daemon, binary

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from claims_util import (JPEG, PNG, ClaimBox, checkin, nuptk, receipt,  # noqa: E402
                         kept_receipt, roster_csv)

CENTRE = "PB-TEST-001"
DAY_MS = 86400 * 1000


def claim_box(boxes, hub, n=3):
    token = hub.cli("token", CENTRE).stdout.strip()
    cb = ClaimBox(boxes, n=n, extra=sync_section(hub.base, token))
    for i in range(n):
        cb.check_in(i, ip=f"127.0.0.{40 + i}")
    return cb


def store_file(cb, sha):
    return os.path.join(cb.box.dir, "data", "store", sha[:2], sha)


def filed(r):
    assert r.status_code in (200, 201), r.text
    return r.json()["claim"] if "claim" in r.json() else r.json()


def approve_all(cb):
    with cb.db() as c:
        ids = [i for (i,) in c.execute("SELECT id FROM claim")]
    for i in ids:
        r = cb.decide(i, "approve")
        assert r.status_code == 200, r.text


def nominatif(cb, sid=None):
    j = cb.staff.get(f"/api/v1/sessions/{sid or cb.sid}/claims").json()["nominatif"]
    return j["totals"], sorted((r["total"], r["days"], tuple(sorted(r["items"].items())))
                               for r in j["rows"])


def later():
    return str(int(time.time() * 1000) + 33 * DAY_MS)


def test_photos_reach_the_office_and_leave_the_box_after_retention(boxes, hub):
    cb = claim_box(boxes, hub)
    c0 = filed(cb.transport(0, 75000, evidence="receipt", receipt=receipt(JPEG)))
    c1 = filed(cb.transport(1, 40000, evidence="receipt", receipt=receipt(PNG, "image/png")))
    # the box keeps each photo decoded and encoded anew as JPEG
    jpeg_sha, jpeg = kept_receipt(cb, c0["id"], JPEG)
    png_sha, png = kept_receipt(cb, c1["id"], PNG)
    filed(cb.transport(2, 60000))                       # the signed statement (DPR)
    for i in range(3):
        filed(cb.claim(i, "uang_harian"))
    approve_all(cb)
    assert os.path.exists(store_file(cb, jpeg_sha)) and os.path.exists(store_file(cb, png_sha))
    uid = cb.staff.day(cb.sid)["session"]["uid"]
    # nothing is due before the hub has the records
    out = cb.box.pbctl("purge", "--dry-run", "--as-of", later()).stdout
    assert "0 session(s)" in out, out

    sync_once(cb.box)
    assert box_counts(cb.box)[1] == 0
    assert hub.sql("SELECT string_agg(sha256 || ':' || size || ':' || mime, ',' ORDER BY "
                   "sha256) FROM photos") == ",".join(sorted(
                       [f"{jpeg_sha}:{len(jpeg)}:image/jpeg", f"{png_sha}:{len(png)}:image/jpeg"]))
    with cb.db() as c:
        assert {s for (s,) in c.execute("SELECT sha256 FROM receipt_upload")} == \
            {jpeg_sha, png_sha}
    up = int(hub.sql("SELECT count(*) FROM photos"))
    sync_once(cb.box)                                    # nothing goes twice
    assert int(hub.sql("SELECT count(*) FROM photos")) == up

    # the finance office: by claim and by hash, with its token only
    tok = hub.cli("office-token", "keuangan").stdout.strip()
    auth = {"Authorization": "Bearer " + tok}
    r = requests.get(hub.base + f"/v1/office/claims/{c0['uid']}/receipt", headers=auth,
                     timeout=30)
    assert r.status_code == 200 and r.content == jpeg
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = requests.get(hub.base + f"/v1/office/photos/{png_sha}", headers=auth, timeout=30)
    assert r.status_code == 200 and r.content == png and r.headers["Content-Type"] == "image/jpeg"
    r = requests.get(hub.base + f"/v1/office/photos/{png_sha}", timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = requests.get(hub.base + "/v1/office/photos/" + "0" * 64, headers=auth, timeout=30)
    assert r.status_code == 404 and r.json()["error"] == "not_found"

    before = nominatif(cb)
    assert before[0]["claims"] == 6 and len(before[1]) == 3
    with cb.db() as c:
        checkin_of = dict(c.execute("SELECT c.id, a.id FROM claim c JOIN attendance a "
                                    "ON a.kegiatan_id = c.kegiatan_id AND a.nuptk = c.nuptk "
                                    "AND a.day = c.day AND a.kind = 'checkin'"))
    out = cb.box.pbctl("purge", "--dry-run", "--as-of", later()).stdout
    assert f"would purge session {uid}: claims.people — 6 row(s)" in out, out
    assert f"would purge session {uid}: claims.receipts — 2 row(s)" in out, out
    assert (f"would purge session {uid}: photo files — 2 file(s), "
            f"{len(jpeg) + len(png)} byte(s)") in out, out
    assert f"would remove: 2 photo file(s), {len(jpeg) + len(png)} byte(s)" in out
    assert os.path.exists(store_file(cb, jpeg_sha))     # a dry run changes nothing

    out = cb.box.pbctl("purge", "--as-of", later()).stdout
    assert "purged: 1 session(s)" in out, out
    assert f"removed: 2 photo file(s), {len(jpeg) + len(png)} byte(s)" in out, out
    assert not os.path.exists(store_file(cb, jpeg_sha))
    assert not os.path.exists(store_file(cb, png_sha))
    with cb.db() as c:
        claims = c.execute("SELECT id, nuptk, name, school, dpr_signature, receipt_sha256, "
                           "receipt_mime, client, evidence FROM claim").fetchall()
        alias = dict(c.execute("SELECT id, nuptk FROM attendance"))
        payloads = [p for (p,) in c.execute("SELECT payload FROM outbox WHERE type LIKE 'claim.%'")]
    assert len(claims) == 6
    for cid, nu, name, school, dpr, sha, mime, client, evidence in claims:
        assert nu.startswith("#") and (name, school, dpr, sha, client) == ("", "", None, None, "")
        # the same alias as the teacher's check-in: totals per teacher stay countable
        assert nu == alias[checkin_of[cid]]
    assert sorted(m for (_, _, _, _, _, _, m, _, e) in claims if e == "receipt") == \
        ["image/jpeg", "image/jpeg"]                 # the PNG was kept as a JPEG
    for p in payloads:
        for secret in (jpeg_sha, png_sha, "Guru Nomor", nuptk(0), nuptk(1), nuptk(2)):
            assert secret not in p, p
    # the daftar nominatif adds up to the same, teacher by teacher
    assert nominatif(cb) == before
    assert cb.box.pbctl("outbox", "verify").stdout.strip() == "chain OK"
    out = cb.box.pbctl("purge", "--as-of", later()).stdout
    assert "0 session(s), 0 row(s)" in out and "removed: 0 photo file(s)" in out
    # the office still has the photo
    r = requests.get(hub.base + f"/v1/office/photos/{jpeg_sha}", headers=auth, timeout=30)
    assert r.status_code == 200 and r.content == jpeg


def test_photo_stays_until_the_hub_has_it_and_no_one_else_names_it(boxes, hub):
    cb = claim_box(boxes, hub, n=2)
    sha, jpeg = kept_receipt(
        cb, filed(cb.transport(0, 50000, evidence="receipt", receipt=receipt(JPEG)))["id"], JPEG)
    approve_all(cb)
    uid = cb.staff.day(cb.sid)["session"]["uid"]
    path = store_file(cb, sha)
    # damaged in the store: pb-sync does not send it, so the hub never confirms it
    os.chmod(path, 0o644)
    with open(path, "r+b") as f:
        f.write(b"\x00")
    sync_once(cb.box)
    assert box_counts(cb.box)[1] == 0
    assert hub.sql("SELECT count(*) FROM photos") == "0"
    out = cb.box.pbctl("purge", "--as-of", later()).stdout
    assert f"kept session {uid}: 1 photo(s) kept: the hub has not confirmed" in out, out
    assert "removed: 0 photo file(s), 0 byte(s); 1 photo(s) kept" in out, out
    assert os.path.exists(path)
    with cb.db() as c:
        assert c.execute("SELECT receipt_sha256 FROM claim").fetchone()[0] == sha
    assert "photos:       1 receipt photo(s) not yet held by the hub" in \
        cb.box.pbctl("sync", "status").stdout

    # mended: it goes up, and the purge can take it
    with open(path, "wb") as f:
        f.write(jpeg)
    # teacher 0 files the same photo in a second session
    sid2 = cb.staff.create_session(title="Pelatihan lanjutan", days=1)
    assert cb.staff.roster(sid2, roster_csv(1)).status_code == 200
    st, j = checkin(cb.box, "127.0.0.50", sid2, nuptk(0), cb.staff.code(sid2))
    assert st == 201, j
    c2 = filed(requests.post(cb.base + "/api/v1/claims", timeout=30, json={
        "session": sid2, "nuptk": nuptk(0), "item": "transport", "checkin": j["uid"],
        "mode": "ojek", "origin": "Kota Malang", "amount": 30000, "evidence": "receipt",
        "receipt": receipt(JPEG)}))
    sync_once(cb.box)
    assert hub.sql("SELECT count(*) FROM photos") == "1"
    assert "photos:       0 receipt photo(s)" in cb.box.pbctl("sync", "status").stdout
    # a decision the hub has not got yet: the second session is not due
    assert cb.decide(c2["id"], "approve").status_code == 200
    out = cb.box.pbctl("purge", "--dry-run", "--as-of", later()).stdout
    assert f"would purge session {uid}: claims.receipts — 1 row(s)" in out, out
    assert "would remove: 0 photo file(s)" in out, out
    out = cb.box.pbctl("purge", "--as-of", later()).stdout
    assert "removed: 0 photo file(s)" in out, out
    assert os.path.exists(path)                           # session 2 still names it
    sync_once(cb.box)
    out = cb.box.pbctl("purge", "--as-of", later()).stdout
    assert f"removed: 1 photo file(s), {len(jpeg)} byte(s)" in out, out
    assert not os.path.exists(path)


def test_claims_of_a_session_purged_before_claims_had_rules(boxes, hub):
    """A box that purged a session's attendance before this version had
    claims rules: its check-ins already carry aliases, its claims still the
    NUPTK. The claims take the alias of the check-in they name, so the
    daftar nominatif still sums per teacher. (The older purge's effect is
    written with SQL: that version is not around to run.)"""
    cb = claim_box(boxes, hub, n=2)
    for i in range(2):
        filed(cb.transport(i, 40000 + i))
        filed(cb.claim(i, "uang_harian"))
    approve_all(cb)
    sync_once(cb.box)
    before = nominatif(cb)
    with cb.db() as c:
        kid = cb.sid
        for n, (nu,) in enumerate(c.execute("SELECT DISTINCT nuptk FROM attendance ORDER BY 1")
                                  .fetchall()):
            alias = "#%015d" % (n + 1)
            c.execute("UPDATE attendance SET nuptk = ?, name = '', signature = NULL "
                      "WHERE nuptk = ? AND kegiatan_id = ?", (alias, nu, kid))
            c.execute("UPDATE roster SET nuptk = ?, name = '' WHERE nuptk = ? "
                      "AND kegiatan_id = ?", (alias, nu, kid))
    out = cb.box.pbctl("purge", "--as-of", later()).stdout
    assert "claims.people — 4 row(s)" in out and "attendance.people" not in out, out
    with cb.db() as c:
        pairs = c.execute("SELECT DISTINCT c.nuptk, a.nuptk FROM claim c JOIN attendance a "
                          "ON a.id = c.checkin_id").fetchall()
        staff_filed = c.execute("SELECT count(*) FROM claim WHERE checkin_id IS NULL").fetchone()
    assert staff_filed == (0,)
    assert len(pairs) == 2 and all(x == y and x.startswith("#") for x, y in pairs), pairs
    assert nominatif(cb) == before


def test_photo_upload_and_office_fetch_are_valgrind_clean(pg, tmpdir_hub, boxes):
    """pb-sync sending a receipt photo and pb-hub storing and serving it,
    both under valgrind: no memory errors, nothing leaked."""
    if shutil.which("valgrind") is None or "/asan" in os.environ.get("PB_BUILD", ""):
        pytest.skip("valgrind checks the normal build only")
    hub = Hub(pg, tmpdir_hub)
    hub_log = os.path.join(tmpdir_hub, "vg-hub-photo.log")
    hub.daemon = Daemon([*VALGRIND, f"--log-file={hub_log}", binary("pb-hub"), "-d", hub.conn,
                         "-f", hub.files, "-l", f"127.0.0.1:{hub.port}", "-t", "2",
                         "-S", *SERVE_AS],
                        hub.log)
    try:
        wait_for(lambda: "listening on" in hub.daemon.output(), 60, what="pb-hub under valgrind")
        cb = claim_box(boxes, hub, n=1)
        sha, kept = kept_receipt(cb, filed(cb.transport(
            0, 50000, evidence="receipt", receipt=receipt(PNG, "image/png")))["id"], PNG)
        sync_log = os.path.join(cb.box.dir, "vg-sync-photo.log")
        sync = Daemon([*VALGRIND, f"--log-file={sync_log}", binary("pb-sync"), "-c", cb.box.conf,
                       "-1"], os.path.join(cb.box.dir, "pb-sync.log"))
        assert sync.proc.wait(timeout=240) == 0, sync.output()
        sync.stop(expect_code=0)
        assert hub.sql("SELECT count(*) FROM photos") == "1"
        tok = hub.cli("office-token", "keuangan").stdout.strip()
        r = requests.get(hub.base + "/v1/office/photos/" + sha,
                         headers={"Authorization": "Bearer " + tok}, timeout=60)
        assert r.status_code == 200 and r.content == kept
    finally:
        hub.stop()
    for log in (hub_log, sync_log):
        text = open(log).read()
        assert re.search(r"ERROR SUMMARY: 0 errors", text), text[-3000:]
