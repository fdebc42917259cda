"""Photos on worksheets (LK) through pb-web over real HTTP: a teacher sends
text and photos, each decoded and stored anew as a JPEG without its EXIF
(a phone's GPS position) like a receipt; too many, too large or too many
pixels are refused with a clear error and nothing changes; sending again
replaces the photos; a reviewer sees them (each view audited), a mentor
only those it is assigned to, the teacher their own by their proof,
nobody else; the record upstream
names each photo by its hash."""
import base64
import hashlib
import io
import os
import sqlite3
import sys

import requests
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import outbox_payloads  # noqa: E402
from claims_util import photo  # noqa: E402
from learning_util import MODULE, LearnBox  # noqa: E402
from test_hostile_receipts import gps_jpeg, png_claiming  # noqa: E402
from test_mentor import mentor  # noqa: E402

LK = "/api/v1/learning/worksheets"


def pic(data, mime="image/jpeg"):
    return {"type": mime, "data": base64.b64encode(data).decode()}


def stored(lb, sha):
    with open(os.path.join(lb.box.dir, "data", "store", sha[:2], sha), "rb") as f:
        return f.read()


def photo_url(sub, n):
    return "%s/%s/photos/%d" % (LK, sub, n)


def test_worksheet_photos_stored_anew_limited_replaced_and_shown(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=2,
                  box={"staff": [("mentor.lk", "mentor"), ("mentor.lain", "mentor")]})
    t0, t1 = lb.teacher(0), lb.teacher(1)
    phone = gps_jpeg()
    drawing = photo("PNG", size=(90, 120))
    r = t0.post(LK, module=MODULE, worksheet="lk1", text="Rangkaian seri, lihat foto.",
                photos=[pic(phone), pic(drawing, "image/png")])
    assert r.status_code == 200, r.text
    sub = r.json()
    assert [(p["n"], p["mime"]) for p in sub["photos"]] == [(1, "image/jpeg"),
                                                           (2, "image/jpeg")]
    first = [p["sha256"] for p in sub["photos"]]
    for p, original in zip(sub["photos"], (phone, drawing)):
        kept = stored(lb, p["sha256"])
        assert hashlib.sha256(kept).hexdigest() == p["sha256"] and len(kept) == p["size"]
        img = Image.open(io.BytesIO(kept))
        img.load()
        assert img.format == "JPEG" and img.size == Image.open(io.BytesIO(original)).size
        assert b"PonselUji" not in kept and b"Exif" not in kept and not img.getexif()

    # the limits: count, bytes, pixels, not an image; nothing changes
    def refused(photos, status, code):
        r = t0.post(LK, module=MODULE, worksheet="lk1", text="lagi", photos=photos)
        assert r.status_code == status and r.json()["error"] == code, r.text
        assert r.json()["message"]                     # said in words, Indonesian
    refused([pic(phone)] * 4, 413, "too_many_photos")
    big = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    out = io.BytesIO()
    big.save(out, "PNG")
    assert len(out.getvalue()) > 65536                 # [claims] receipt_max_bytes here
    refused([pic(phone), pic(out.getvalue(), "image/png")], 413, "photo_too_large")
    refused([pic(png_claiming(5000, 5000, 2000), "image/png")], 413, "photo_too_many_pixels")
    refused([pic(phone[:len(phone) // 2])], 415, "photo_not_image")
    refused([pic(drawing, "image/jpeg")], 415, "photo_type_mismatch")
    refused({"type": "image/jpeg"}, 400, "bad_photos")
    r = requests.get(lb.base + "/api/v1/learning/modules/" + MODULE, params=t0.who(),
                     timeout=30)
    w = r.json()["worksheets"][0]["submission"]
    assert w["version"] == 1 and [p["sha256"] for p in w["photos"]] == first
    # English for an English page
    r = requests.post(lb.base + LK + "?lang=en", json=t0.who(
        module=MODULE, worksheet="lk1", text="x", photos=[pic(phone)] * 4), timeout=30)
    assert r.json()["message"] == "Too many photos for one worksheet"

    # the reviewer sees them (audited); the teacher by their proof; nobody else
    fasil = lb.staff
    q = fasil.get("/api/v1/sessions/%d/worksheets" % lb.sid).json()["submissions"]
    assert [p["sha256"] for p in q[0]["photos"]] == first
    r = fasil.get(photo_url(sub["submission"], 1))
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg"
    assert r.content == stored(lb, first[0]) and "no-store" in r.headers["Cache-Control"]
    with sqlite3.connect(lb.box.db_path()) as db:
        assert db.execute("SELECT count(*) FROM audit WHERE action = 'learning.photo_view'"
                          ).fetchone()[0] == 1
    own = requests.get(lb.base + photo_url(sub["submission"], 2), headers={
        "X-Checkin-Id": t0.proof}, params={"session": lb.sid, "nuptk": t0.nuptk}, timeout=30)
    assert own.status_code == 200 and own.content == stored(lb, first[1])
    other = requests.get(lb.base + photo_url(sub["submission"], 2), headers={
        "X-Checkin-Id": t1.proof}, params={"session": lb.sid, "nuptk": t1.nuptk}, timeout=30)
    assert other.status_code == 404
    forged = requests.get(lb.base + photo_url(sub["submission"], 2), headers={
        "X-Checkin-Id": t1.proof}, params={"session": lb.sid, "nuptk": t0.nuptk}, timeout=30)
    assert forged.status_code == 403
    assert requests.get(lb.base + photo_url(sub["submission"], 1),
                        timeout=30).status_code == 401
    assert fasil.get(photo_url(sub["submission"], 3)).status_code == 404
    # a mentor sees the photos of what it may review, no other
    mine = mentor(lb.box, "mentor.lk", ("--session", str(lb.sid)))
    assert mine.get(photo_url(sub["submission"], 1)).content == stored(lb, first[0])
    stranger = mentor(lb.box, "mentor.lain")           # assigned to nothing
    r = stranger.get(photo_url(sub["submission"], 1))
    assert r.status_code == 403 and r.json()["error"] == "not_assigned"

    # reviewed, sent again with one new photo: it replaces both
    rv = "/api/v1/sessions/%d/worksheets/%s/review" % (lb.sid, sub["submission"])
    assert fasil.post(rv, json={"status": "revise", "comment": "Foto kurang jelas"}
                      ).status_code == 200
    again = photo("JPEG", size=(100, 80), quality=95)
    r = t0.post(LK, module=MODULE, worksheet="lk1", text="Foto baru.", photos=[pic(again)])
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and len(r.json()["photos"]) == 1
    new = r.json()["photos"][0]["sha256"]
    assert new not in first
    assert fasil.get(photo_url(sub["submission"], 1)).content == stored(lb, new)
    assert fasil.get(photo_url(sub["submission"], 2)).status_code == 404
    # the route takes [learning] worksheet_photos_max photos of nearly
    # receipt_max_bytes each: far more than a signed form's 96 KB
    noisy = []
    for _ in range(3):
        out = io.BytesIO()
        Image.frombytes("RGB", (250, 250), os.urandom(250 * 250 * 3)).save(out, "JPEG",
                                                                           quality=90)
        noisy.append(out.getvalue())
    assert all(50000 < len(n) <= 65536 for n in noisy), [len(n) for n in noisy]
    rv2 = fasil.post(rv, json={"status": "revise", "comment": "Lagi"})
    assert rv2.status_code == 200
    r = t0.post(LK, module=MODULE, worksheet="lk1", text="Tiga foto",
                photos=[pic(n) for n in noisy])
    assert len(r.request.body) > 3 * 65536 and r.status_code == 200, r.text
    assert [p["n"] for p in r.json()["photos"]] == [1, 2, 3]
    big = [p["sha256"] for p in r.json()["photos"]]
    # upstream: each version names its own photos by hash
    sent = [x for x in outbox_payloads(lb.box, "learning.worksheet")
            if x["nuptk"] == t0.nuptk]
    assert [[p["sha256"] for p in x["photos"]] for x in sent] == [first, [new], big]
