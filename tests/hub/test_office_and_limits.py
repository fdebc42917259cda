"""The office revokes a box over HTTP, and the hub's rate limits: 429 with
Retry-After, a box that honours it and still delivers every record once,
and enrolment guessing throttled per address. Real pb-hub, PostgreSQL,
boxes and pb-sync on loopback."""
import json
import os

import requests

from pbhub import Hub, Sync, box_counts, box_key, box_meta, box_records, make_body, \
    post_batch, sign, wait_for
from test_ingest import box_id, enrolled_box, signed_get


def office(hub, token, method, path, **kw):
    return requests.request(method, hub.base + "/v1/office/" + path, timeout=10,
                            headers={"Authorization": f"Bearer {token}"} if token else {}, **kw)


def test_office_revokes_a_box_over_http(boxes, hub):
    a = enrolled_box(boxes, hub, records=5)
    b = enrolled_box(boxes, hub, records=2)
    aid, bid = box_id(a), box_id(b)
    for x in (a, b):
        s = Sync(x).start(["-1"])
        assert s.daemon.proc.wait(timeout=60) == 0, s.daemon.output()
        s.daemon.stop()
    token = hub.cli("office-token", "keuangan").stdout.strip()

    # the boxes and their state, only with a token
    assert office(hub, None, "GET", "boxes").status_code == 401
    r = office(hub, "nope", "GET", "boxes")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = office(hub, token, "GET", "boxes")
    assert r.status_code == 200, r.text
    listed = r.json()
    got = {x["box_id"]: x for x in listed["boxes"]}
    assert set(got) == {aid, bid}
    assert got[aid]["state"] == "active" and got[aid]["last_seq"] == 5
    assert got[aid]["centre_id"] == "PB-TEST-001" and got[aid]["revoked_at"] is None
    assert got[aid]["last_upload_at"] is not None
    # the default thresholds (docs/hub.md); min_version: the newest any box reported
    reported = [x["health"]["version"] for x in listed["boxes"] if x["health"]]
    assert listed["thresholds"] == {"silent_days": 3, "low_disk_mb": 1024,
                                    "min_version": max(reported, default="")}
    r = office(hub, token, "GET", "boxes", params={"centre": "PB-OTHER"})
    assert r.json() == {"boxes": [], "thresholds": listed["thresholds"]}

    # revoking: refused without a valid token, for an unknown box, once made it stays
    assert office(hub, None, "POST", f"boxes/{aid}/revoke").status_code == 401
    assert office(hub, "nope", "POST", f"boxes/{aid}/revoke").status_code == 401
    assert office(hub, token, "GET", f"boxes/{aid}/revoke").status_code == 404
    r = office(hub, token, "POST", f"boxes/{'0' * 32}/revoke")
    assert r.status_code == 404 and r.json()["error"] == "unknown_box" and r.json()["message"]
    assert office(hub, token, "POST", "boxes/x/y/revoke").status_code == 404
    # another method on a named path: the token first (401), then 404; a
    # method the office routes never take is 404 before any token; an id
    # longer than a box's or a claim's is 404, not looked up
    assert office(hub, None, "GET", f"boxes/{aid}/revoke").status_code == 401
    assert office(hub, None, "PUT", "boxes").json()["error"] == "not_found"
    assert office(hub, token, "HEAD", "boxes").status_code == 404
    r = office(hub, token, "POST", f"boxes/{'0' * 34}/revoke")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = office(hub, token, "POST", f"claims/{'c' * 129}/paid", json={})
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert office(hub, token, "GET", "photos/a/b").json()["message"] == "Foto tidak ditemukan."
    assert hub.sql("SELECT count(*) FROM boxes WHERE revoked_at IS NOT NULL") == "0"
    r = office(hub, token, "POST", f"boxes/{aid}/revoke")
    assert r.status_code == 200, r.text
    j = r.json()
    assert j["box_id"] == aid and j["state"] == "revoked" and j["already"] is False
    again = office(hub, token, "POST", f"boxes/{aid}/revoke").json()
    assert again["already"] is True and again["revoked_at"] == j["revoked_at"]
    got = {x["box_id"]: x for x in office(hub, token, "GET", "boxes").json()["boxes"]}
    assert got[aid]["state"] == "revoked" and got[aid]["revoked_at"] == j["revoked_at"]
    assert got[bid]["state"] == "active"
    assert f"{aid}\tPB-TEST-001\t5\trevoked" in hub.cli("boxes").stdout
    assert f"revoked by office token keuangan" in hub.daemon.output()

    # the revoked box: its next upload and download are refused with the reason,
    # and pb-sync says so in plain words
    a.pbctl("outbox", "add", "attendance.checkin", '{"session_id":"S1","nuptk":"1"}', "3")
    s = Sync(a).start()
    try:
        wait_for(lambda: box_meta(a, "sync.state") == "refused", 30, what="refused")
        assert "revoked" in box_meta(a, "sync.last_error")
    finally:
        s.stop()
    st = a.pbctl("sync", "status").stdout
    assert "refused" in st and "box revoked by the hub" in st, st
    assert box_counts(a) == (8, 3)
    assert hub.count(aid) == 5
    key = box_key(a)
    body = make_body(aid, box_records(a, 6))
    r = post_batch(hub, aid, body, sign(key, body))
    assert r.status_code == 403 and r.json()["error"] == "unknown_box", r.text
    r = signed_get(hub, a, "/v1/feed/rates", "?after=0")
    assert r.status_code == 403 and r.json()["error"] == "revoked"
    # the other box goes on as before
    b.pbctl("outbox", "add", "attendance.checkin", '{"session_id":"S1","nuptk":"2"}', "2")
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    assert hub.count(bid) == 4


def rate_limited_lines(hub):
    return [ln for ln in hub.daemon.output().splitlines() if ": rate_limited" in ln]


def test_burst_over_the_box_limit_gets_429_and_nothing_is_lost(boxes, pg, tmpdir_hub):
    """A box limit of 10 a minute with a burst of 4: one token every 6 s."""
    h = Hub(pg, tmpdir_hub, args=["-L", "box=10/4"]).start()
    try:
        # a direct burst: the same signed batch eight times at once
        d = enrolled_box(boxes, h, records=10)
        did, key = box_id(d), box_key(d)
        body = make_body(did, box_records(d))
        sig = sign(key, body)
        answers = [post_batch(h, did, body, sig) for _ in range(8)]
        codes = [r.status_code for r in answers]
        assert codes[:4] == [200] * 4 and 429 in codes[4:], codes
        for r in answers:
            if r.status_code == 429:
                assert r.json()["error"] == "rate_limited" and r.json()["message"]
                assert int(r.headers["Retry-After"]) >= 1
        assert sum(r.json()["stored"] for r in answers if r.status_code == 200) == 10
        assert h.count(did) == 10

        # pb-sync: 20 records in batches of 10, then the four feeds: six
        # requests against a burst of four. Its own backoff (2-3 s at first)
        # is shorter than what the hub asks (6 s): a box that ignored
        # Retry-After would be refused about twice per request that gets
        # through after the burst.
        b = enrolled_box(boxes, h, records=20, extra="batch_records = 10")
        bid = box_id(b)
        before = len(rate_limited_lines(h))
        s = Sync(b).start()
        try:
            wait_for(lambda: box_counts(b) == (20, 0) and
                     box_meta(b, "sync.state") == "idle", 90, 0.2, what="all acknowledged")
        finally:
            s.stop()
        refused = len(rate_limited_lines(h)) - before
        assert refused >= 1, "the limit never applied"
        # six requests, four in the burst: one refusal for each of the two
        # others, plus one for rounding
        assert refused <= 3, rate_limited_lines(h)
        # after waiting as long as asked, the next request always gets through
        assert f"box {bid} came back before its Retry-After" not in h.daemon.output()
        assert f"box {did} came back before its Retry-After" in h.daemon.output()
        with open(os.path.join(b.dir, "pb-sync.log")) as f:
            assert "asked to wait" in f.read()
        assert h.count(bid) == 20
        assert h.sql(f"SELECT count(DISTINCT id) FROM records WHERE box_id = '{bid}'") == "20"
        assert "chain OK, 20 records" in h.cli("verify", bid).stdout
        assert h.sql("SELECT count(*) FROM conflicts") == "0"
    finally:
        h.stop()


def test_enrolment_guessing_is_throttled(boxes, hub):
    """Ten refused enrolments from one address (the default enrol limit),
    then even a good token waits; guessing on while told to wait keeps the
    address shut out longer."""
    from pbhub import sync_section
    token = hub.cli("token", "PB-TEST-001").stdout.strip()
    b = boxes(sections=sync_section(hub.base, token))
    b.pbctl("init")
    codes = []
    for i in range(20):
        r = requests.post(hub.base + "/v1/enrol", timeout=10, data=json.dumps({
            "box_id": os.urandom(16).hex(), "public_key": os.urandom(32).hex(),
            "token": f"guess-{i}", "signature": os.urandom(64).hex()}))
        codes.append(r.status_code)
        if r.status_code == 429:
            assert r.json()["error"] == "rate_limited" and r.json()["message"]
            assert int(r.headers["Retry-After"]) >= 1
    assert all(c in (401, 403) for c in codes[:10]) and codes[10:] == [429] * 10, codes
    # a real box with a good token, from the same address: told to wait, the
    # token stays unused
    p = b.pbctl("enrol", check=False)
    assert p.returncode != 0 and "too many requests" in p.stderr, p.stderr
    assert hub.sql("SELECT count(*) FROM tokens WHERE used_by IS NOT NULL") == "0"
    assert hub.sql("SELECT count(*) FROM boxes") == "0"
    # the health check is never limited
    assert requests.get(hub.base + "/healthz", timeout=10).status_code == 200


def test_office_token_guessing_is_throttled(hub):
    codes = [office(hub, f"guess{i}", "GET", "boxes").status_code for i in range(40)]
    assert codes[:30] == [401] * 30 and codes[-1] == 429, codes
    r = office(hub, "guess", "GET", "boxes")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
