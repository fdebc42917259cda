"""pb-hub against hostile clients and hostile boxes (docs/reliability.md,
"Attacks tried", pb-hub): bodies refused from their headers and held
within a budget, a per-address connection limit, ids scoped by their box,
a shared NAT, a revoked box enrolling, and what an unsigned request may
learn. Real pb-hub and PostgreSQL on loopback; the 127.0.0.x addresses
stand for different clients."""
import concurrent.futures
import gzip
import hashlib
import http.client
import json
import secrets
import socket

import requests

from pbhub import GENESIS, Hub, SimBox, record_hash, wait_for

PHOTO_MAX = 4 * 1024 * 1024          # PB_PROTO_PHOTO_MAX
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x22" * 300
MIB = 1024 * 1024


def vm(pid, key):
    """VmRSS / VmHWM of a process, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no {key} for {pid}")


def connect(hub, src):
    return socket.create_connection(("127.0.0.1", hub.port), timeout=60,
                                    source_address=(src, 0))


def read_status(s):
    """The status line, headers and body (as text) of the next answer on s;
    a 100 Continue comes alone."""
    f = s.makefile("rb")
    line = f.readline().decode()
    if not line:
        return None, {}, ""
    status = int(line.split()[1])
    headers = {}
    while True:
        h = f.readline().decode().strip()
        if not h:
            break
        k, v = h.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = b""
    if status != 100 and "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    return status, headers, body.decode(errors="replace")


def upload_headers(path, box, length, sig="00" * 64, expect=False):
    return (f"POST {path} HTTP/1.1\r\nHost: hub\r\nContent-Type: image/jpeg\r\n"
            f"X-PB-Box: {box}\r\nX-PB-Signature: {sig}\r\nContent-Length: {length}\r\n"
            + ("Expect: 100-continue\r\n" if expect else "") + "\r\n").encode()


def enrol(hub, box, centre, src="127.0.0.1", token=None):
    token = token or hub.cli("token", centre).stdout.strip()
    msg = f"pb-enrol-1\n{box.box_id}\n{box.pk}\n{token}".encode()
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30, source_address=(src, 0))
    c.request("POST", "/v1/enrol", json.dumps({
        "box_id": box.box_id, "public_key": box.pk, "token": token,
        "signature": box.key.sign(msg).hex()}), {"Content-Type": "application/json"})
    r = c.getresponse()
    out = r.status, json.loads(r.read() or b"{}")
    c.close()
    return out


def new_box(hub=None, centre=None):
    b = SimBox(0, 0, 1)
    b.seq, b.prev = 0, GENESIS
    if hub is not None:
        status, j = enrol(hub, b, centre)
        assert status == 200, j
    return b


def records(box, items):
    """Chained records of box after what it made before: items are
    (type, payload dict[, record id])."""
    out = []
    for it in items:
        box.seq += 1
        r = {"seq": box.seq, "id": it[2] if len(it) > 2 else secrets.token_hex(16),
             "type": it[0], "payload": json.dumps(it[1], separators=(",", ":")),
             "wall_ms": 1795000000000 + box.seq, "clock_source": "ntp", "boot_id": "b",
             "mono_ms": box.seq, "prev_hash": box.prev}
        r["hash"] = box.prev = record_hash(box.box_id, r)
        out.append(r)
    return out


def post(hub, box, recs, src="127.0.0.1", sig=None):
    body = gzip.compress(json.dumps({"v": 1, "box_id": box.box_id, "records": recs},
                                    separators=(",", ":")).encode())
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30, source_address=(src, 0))
    c.request("POST", "/v1/batch", body, {
        "Content-Type": "application/vnd.pb-batch+gzip", "X-PB-Box": box.box_id,
        "X-PB-Signature": sig or box.key.sign(body).hex()})
    r = c.getresponse()
    out = r.status, json.loads(r.read() or b"{}"), r.getheader("Retry-After")
    c.close()
    return out


def signed_get(hub, box, path, src="127.0.0.1", sig=None):
    tm = "1795000000000"
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30, source_address=(src, 0))
    c.request("GET", path, headers={
        "X-PB-Box": box.box_id, "X-PB-Time": tm,
        "X-PB-Signature": sig or box.key.sign(f"pb-get-1\n{box.box_id}\n{path}\n{tm}"
                                              .encode()).hex()})
    r = c.getresponse()
    out = r.status, json.loads(r.read() or b"{}")
    c.close()
    return out


# ---- 1. memory before authentication ----

def test_bodies_of_unknown_boxes_are_never_read(hub):
    """100 connections each sending 4 MiB - 1 byte to /v1/photos/<hash> for
    an unknown box with a zero signature: refused from the headers, so
    pb-hub's peak memory hardly moves, and /healthz answers meanwhile."""
    pid = hub.daemon.proc.pid
    before = vm(pid, "VmRSS")
    sha = hashlib.sha256(b"x").hexdigest()
    chunk = b"\0" * (256 * 1024)

    def attack(i):
        try:
            s = connect(hub, "127.0.0.2")
            s.sendall(upload_headers(f"/v1/photos/{sha}", secrets.token_hex(16), PHOTO_MAX))
            left = PHOTO_MAX - 1
            while left > 0:
                n = s.send(chunk[:min(left, len(chunk))])
                left -= n
            return s
        except OSError:
            return None           # the hub closed it: what we want
    with concurrent.futures.ThreadPoolExecutor(25) as ex:
        socks = list(ex.map(attack, range(100)))
    try:
        r = requests.get(hub.base + "/healthz", timeout=30)
        assert r.status_code == 200
        grew = vm(pid, "VmHWM") - before
        assert grew < 40 * MIB, f"pb-hub grew by {grew / MIB:.0f} MiB"
    finally:
        for s in socks:
            if s is not None:
                s.close()


def test_body_budget_and_its_return(pg, tmpdir_hub):
    """An enrolled box's uploads take their declared length from a budget
    (-M 16): four 4 MiB photos held open at once fit, the next ones get 503
    with Retry-After before sending a byte; closed, the budget comes back."""
    h = Hub(pg, tmpdir_hub, args=["-M", "16"]).start()
    held = []
    try:
        b = new_box(h, "PB-A")
        pid = h.daemon.proc.pid
        before = vm(pid, "VmRSS")
        sha = hashlib.sha256(b"y").hexdigest()
        statuses = []
        for i in range(10):
            s = connect(h, "127.0.0.1")
            s.sendall(upload_headers(f"/v1/photos/{sha}", b.box_id, PHOTO_MAX, expect=True))
            status, headers, text = read_status(s)
            statuses.append(status)
            if status == 100:
                s.sendall(b"\xff" * (PHOTO_MAX - 1))
                held.append(s)
                continue
            assert status == 503 and json.loads(text)["error"] == "unavailable", text
            assert int(headers["retry-after"]) >= 1
            s.close()
        assert statuses == [100] * 4 + [503] * 6, statuses
        # what is held is what was let in
        wait_for(lambda: vm(pid, "VmRSS") - before > 12 * MIB, 60, 0.2, what="bodies held")
        grew = vm(pid, "VmHWM") - before
        assert grew < 40 * MIB, f"pb-hub grew by {grew / MIB:.0f} MiB"
        for s in held:
            s.close()
        held = []

        def photo_stored():
            r = requests.post(f"{h.base}/v1/photos/{hashlib.sha256(JPEG).hexdigest()}",
                              data=JPEG, timeout=30, headers={
                                  "Content-Type": "image/jpeg", "X-PB-Box": b.box_id,
                                  "X-PB-Signature": b.key.sign(JPEG).hex()})
            return r.status_code == 200
        wait_for(photo_stored, 60, 0.5, what="the budget back")
    finally:
        for s in held:
            s.close()
        h.stop()


def test_a_trickling_body_is_dropped(hub):
    """An enrolled box's upload that sends a byte a second: closed once it
    falls under the minimum rate after the grace (HUB_BODY_GRACE_S 10 s,
    HUB_BODY_MIN_BPS), while it still trickles."""
    b = new_box(hub, "PB-A")
    s = connect(hub, "127.0.0.1")
    try:
        s.sendall(upload_headers(f"/v1/photos/{hashlib.sha256(b'z').hexdigest()}", b.box_id,
                                 PHOTO_MAX, expect=True))
        assert read_status(s)[0] == 100

        def closed():
            try:
                s.sendall(b"\xff")
                s.settimeout(1)
                return s.recv(1) == b""      # the hub closed it
            except socket.timeout:
                return False
            except OSError:
                return True
        wait_for(closed, 90, 0, what="the trickling upload closed")
        assert "body too slow" in hub.daemon.output()
    finally:
        s.close()


def test_one_address_cannot_take_every_connection(hub):
    """2,100 half-sent GETs from one address: the per-address limit keeps
    /healthz answering for another address."""
    socks = []
    try:
        for _ in range(2100):
            try:
                s = socket.create_connection(("127.0.0.1", hub.port), timeout=5,
                                             source_address=("127.0.0.4", 0))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n")
                socks.append(s)
            except OSError:
                pass
        c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=20,
                                       source_address=("127.0.0.5", 0))
        c.request("GET", "/healthz")
        assert c.getresponse().status == 200
        c.close()
    finally:
        for s in socks:
            s.close()


# ---- 2. ids scoped by their box ----

def test_a_box_cannot_take_over_another_box_claim(hub):
    a = new_box(hub, "PB-A")
    m = new_box(hub, "PB-M")          # hostile, enrolled for its own centre
    claim = secrets.token_hex(16)
    photo = hashlib.sha256(JPEG).hexdigest()
    submit = {"claim_id": claim, "session_id": "S-1", "nuptk": "3200000000000001",
              "name": "Budi Santoso", "item": "transport", "amount_rp": 50000,
              "evidence": {"sha256": photo, "mime": "image/jpeg", "size": len(JPEG)}}
    decide = {"claim_id": claim, "session_id": "S-1", "decision": "approved",
              "amount_rp": 50000}
    ra = records(a, [("claim.submit", submit), ("claim.decision", decide)])
    st, j, _ = post(hub, a, ra)
    assert st == 200 and j["acked"] == 2 and "refused" not in j, j
    r = requests.post(f"{hub.base}/v1/photos/{photo}", data=JPEG, timeout=30, headers={
        "Content-Type": "image/jpeg", "X-PB-Box": a.box_id,
        "X-PB-Signature": a.key.sign(JPEG).hex()})
    assert r.status_code == 200, r.text

    # the hostile box: the same claim id with its own amount and photo, and
    # one of the victim's record ids (record ids are the box's own: taken)
    other = JPEG + b"\x01"
    ms = dict(submit, name="Maling", amount_rp=9000000,
              evidence={"sha256": hashlib.sha256(other).hexdigest(), "mime": "image/jpeg",
                        "size": len(other)})
    md = dict(decide, amount_rp=9000000)
    rm = records(m, [("claim.submit", ms), ("claim.decision", md),
                     ("attendance.checkin", {"session": "S-9", "nuptk": "1"}, ra[0]["id"])])
    st, j, _ = post(hub, m, rm)
    # refused per record, acknowledged: the box does not send them forever
    assert st == 200 and j["acked"] == 3 and j["stored"] == 3, j
    assert [(x["seq"], x["error"]) for x in j["refused"]] == [(1, "claim_taken"),
                                                            (2, "claim_taken")], j
    assert all(x["message"] and x["id"] == rm[x["seq"] - 1]["id"] for x in j["refused"])
    # sent again (an answer lost on the way): the same answer, nothing twice
    st, j2, _ = post(hub, m, rm)
    assert st == 200 and j2["stored"] == 0 and j2["refused"] == j["refused"], j2
    assert hub.count(m.box_id) == 3 and "chain OK, 3 records" in hub.cli("verify",
                                                                         m.box_id).stdout
    # a record id the box itself used before is refused the same way
    rm2 = records(m, [("attendance.checkin", {"session": "S-9", "nuptk": "2"}, rm[2]["id"])])
    st, j, _ = post(hub, m, rm2)
    assert st == 200 and [(x["seq"], x["error"]) for x in j["refused"]] == [(4, "id_reused")]

    # the office's export shows the victim's claim, once, for its centre
    rows = [ln.split(",") for ln in hub.cli("export", "claims").stdout.splitlines()[1:]]
    assert rows == [["PB-A", "S-1", claim, "3200000000000001", "", "Budi Santoso",
                     "transport", "50000", "no"]], rows
    att = hub.cli("export", "attendance").stdout
    assert "S-9" in att and len(att.splitlines()) == 2, att     # header + seq 3 (its own id)
    # marked paid: for the victim's centre; the receipt is the victim's photo
    token = hub.cli("office-token", "keuangan").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    r = requests.post(f"{hub.base}/v1/office/claims/{claim}/paid", json={"reference": "TRF-1"},
                      headers=auth, timeout=10)
    assert r.status_code == 200, r.text
    assert hub.sql(f"SELECT centre_id FROM payments WHERE claim_id = '{claim}'") == "PB-A"
    assert hub.sql("SELECT centre_id FROM feed WHERE kind = 'payments'") == "PB-A"
    r = requests.get(f"{hub.base}/v1/office/claims/{claim}/receipt", headers=auth, timeout=10)
    assert r.status_code == 200 and r.content == JPEG


# ---- 3. a NAT shared with a hostile device ----

def test_signed_traffic_passes_an_address_throttled_for_failures(hub):
    honest = new_box(hub, "PB-A")
    stranger = new_box()
    nat = "127.0.0.6"
    codes = [signed_get(hub, stranger, "/v1/feed/rates", nat)[0] for _ in range(40)]
    assert codes[:30] == [403] * 30 and set(codes[30:]) == {429}, codes
    assert signed_get(hub, honest, "/v1/feed/rates", nat, sig="00" * 64)[0] == 429
    # the honest box behind the same address: uploads and downloads go on
    st, j, _ = post(hub, honest, records(honest, [("attendance.checkin", {"session": "S"})]),
                    nat)
    assert st == 200 and j["acked"] == 1, j
    st, j = signed_get(hub, honest, "/v1/feed/rates", nat)
    assert st == 200 and j["kind"] == "rates", j
    # the stranger is still told to wait
    assert signed_get(hub, stranger, "/v1/feed/rates", nat)[0] == 429


# ---- 4. a revoked box and enrolment tokens ----

def test_revoked_box_cannot_enrol_and_a_box_keeps_its_centre(hub):
    a = new_box(hub, "PB-A")
    hub.cli("revoke", a.box_id)
    token = hub.cli("token", "PB-B").stdout.strip()
    st, j = enrol(hub, a, "PB-B", token=token)
    assert st == 403 and j["error"] == "revoked", j
    assert hub.sql("SELECT count(*) FROM tokens WHERE used_by IS NOT NULL") == "1"
    # the token is still good for the box it was made for
    c = new_box()
    st, j = enrol(hub, c, "PB-B", token=token)
    assert st == 200 and j["centre_id"] == "PB-B", j
    # an enrolled box offered another centre's token is told its own centre
    st, j = enrol(hub, c, "PB-Z")
    assert st == 200 and j["centre_id"] == "PB-B", j
    assert hub.sql(f"SELECT centre_id FROM boxes WHERE box_id = '{c.box_id}'") == "PB-B"


# ---- 5. what an unsigned request learns ----

def test_unsigned_requests_learn_nothing_of_a_box(hub):
    a = new_box(hub, "PB-A")
    st, j, _ = post(hub, a, records(a, [("attendance.checkin", {"session": "S"})] * 3))
    assert st == 200 and j["acked"] == 3
    # a bad signature on an upload: no acknowledged count
    st, j, _ = post(hub, a, records(a, [("attendance.checkin", {"session": "S"})]),
                    sig="00" * 64)
    assert st == 401 and j["error"] == "bad_signature" and "acked" not in j, j
    hub.cli("revoke", a.box_id)
    # revoked: an unsigned GET or upload is not told so
    st, j = signed_get(hub, a, "/v1/feed/rates", sig="00" * 64)
    assert st == 401 and j["error"] == "bad_signature", j
    st, j, _ = post(hub, a, records(a, [("attendance.checkin", {"session": "S"})]),
                    sig="00" * 64)
    assert (st, j["error"]) == (403, "unknown_box") and "acked" not in j, j
    # the box itself, signing, is
    st, j = signed_get(hub, a, "/v1/feed/rates")
    assert st == 403 and j["error"] == "revoked", j


def test_office_query_not_utf8_is_400(hub):
    token = hub.cli("office-token", "keuangan").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    for path in ("export/claims.csv?centre=%ff", "export/attendance.csv?session=%c0%af",
                 "boxes?centre=%ed%a0%80", "claims/%ff%fe/paid", "claims/%ff/receipt"):
        method = "POST" if path.endswith("paid") else "GET"
        r = requests.request(method, f"{hub.base}/v1/office/{path}", headers=auth, timeout=10)
        assert r.status_code == 400 and r.json()["error"] == "malformed", (path, r.text)
    r = requests.get(f"{hub.base}/v1/office/export/claims.csv?centre=PB-%C3%A9", headers=auth,
                     timeout=10)
    assert r.status_code == 200


def test_routes_a_nul_in_the_path_and_unknown_verbs(hub):
    """pb-hub's route table (hub/http.c on pb_http): a %00 in a path is never
    decoded into an early end of it, another method on a named path is
    404, HEAD is answered as GET; an unknown verb is refused before any
    database work."""
    token = hub.cli("office-token", "keuangan").stdout.strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{hub.base}/v1/office/boxes", headers=auth,
                        timeout=10).status_code == 200
    # decoded, "boxes%00x" would end at "boxes" and list the boxes
    for path in ("boxes%00x", "boxes%00", "export/claims.csv%00.txt"):
        r = requests.get(f"{hub.base}/v1/office/{path}", headers=auth, timeout=10)
        assert r.status_code == 404 and r.json()["error"] == "not_found", (path, r.text)
    r = requests.get(f"{hub.base}/healthz%00", timeout=10)
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    for method, path in (("POST", "/healthz"), ("GET", "/v1/batch"), ("PUT", "/v1/enrol"),
                         ("DELETE", "/v1/office/boxes"), ("GET", "/v1/photos/" + "0" * 64)):
        r = requests.request(method, hub.base + path, timeout=10)
        assert r.status_code == 404 and r.json()["error"] == "not_found", (method, path, r.text)
    r = requests.head(f"{hub.base}/healthz", timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    p = hub.cli("no-such-verb", check=False)
    assert p.returncode == 2 and "unknown verb 'no-such-verb'" in p.stderr
    assert "office-token NAME" in p.stderr          # the usage, from the verb table
