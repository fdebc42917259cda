"""pb-hub's receipt photo upload (docs/sync-protocol.md §4b) against a
real PostgreSQL: a photo is kept once, by its hash; everything else is
refused with a clear reason and nothing stored."""
import hashlib

import requests

from pbhub import box_key, sign
from test_ingest import box_id, enrolled_box

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x22" * 300
PHOTO_MAX = 4 * 1024 * 1024          # PB_PROTO_PHOTO_MAX


def put(hub, bid, body, sig, sha=None, mime="image/jpeg"):
    sha = sha or hashlib.sha256(body).hexdigest()
    return requests.post(f"{hub.base}/v1/photos/{sha}", data=body, timeout=60, headers={
        "Content-Type": mime, "X-PB-Box": bid, "X-PB-Signature": sig})


def refused(r, code, status):
    assert r.status_code == status, (r.status_code, r.text)
    j = r.json()
    assert j["error"] == code and j["message"], j


def test_photo_stored_once_and_refusals_store_nothing(boxes, hub):
    b = enrolled_box(boxes, hub)
    bid, key = box_id(b), box_key(b)
    r = put(hub, bid, JPEG, sign(key, JPEG))
    assert r.status_code == 200, r.text
    sha = hashlib.sha256(JPEG).hexdigest()
    assert r.json() == {"sha256": sha, "size": len(JPEG), "stored": "new"}
    r = put(hub, bid, JPEG, sign(key, JPEG))
    assert r.json()["stored"] == "present"
    assert hub.sql("SELECT count(*), sum(length(data)) FROM photos") == f"1|{len(JPEG)}"

    other = JPEG + b"\x01"
    refused(put(hub, bid, other, sign(key, other), sha=sha), "bad_hash", 400)
    text = b"not an image " * 10
    refused(put(hub, bid, text, sign(key, text)), "malformed", 400)
    refused(put(hub, bid, other, sign(key, JPEG)), "bad_signature", 401)
    refused(put(hub, bid, other, "00" * 64), "bad_signature", 401)
    refused(put(hub, "f" * 32, other, sign(key, other)), "unknown_box", 403)
    big = JPEG + b"\x00" * PHOTO_MAX
    refused(put(hub, bid, big, sign(key, big)), "too_large", 413)
    refused(put(hub, bid, other, sign(key, other), sha="nothex"), "not_found", 404)
    assert hub.sql("SELECT count(*) FROM photos") == "1"
    hub.cli("revoke", bid)
    # refused from the headers, like an unknown box: only a signed GET or
    # enrolment is told that a box is revoked
    refused(put(hub, bid, other, sign(key, other)), "unknown_box", 403)
    assert hub.sql("SELECT count(*) FROM photos") == "1"
