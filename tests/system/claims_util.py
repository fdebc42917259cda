"""Helpers for the claims tests: a box with a province and a rate table, a
session with a roster, check-ins that give each teacher their proof
(the check-in id), and claim requests over real HTTP."""
import base64
import hashlib
import io
import os
import sqlite3
import sys
import time

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import (Staff, add_staff, checkin, nuptk,  # noqa: E402,F401
                             roster_csv, today)

YEAR = int(time.strftime("%Y"))
PROVINCE = "Jawa Timur"
CLAIMS = "[claims]\nprovince = %s\nreceipt_max_bytes = 65536\n" % PROVINCE
ATT = "[attendance]\ncheckin_per_client_max = 1000\n"

RATES = {
    "uang_harian": 150000,
    "uang_makan": 50000,
    "penginapan": 400000,
}
CEILINGS = {"KOTA MALANG": 100000, "KABUPATEN MALANG": 150000, "KOTA BATU": 0}


def rates_csv(year=YEAR):
    lines = ["tahun,provinsi,item,asal,jumlah"]
    for item, amount in RATES.items():
        lines.append(f"{year},{PROVINCE},{item},,{amount}")
    for origin, amount in CEILINGS.items():
        lines.append(f"{year},{PROVINCE},transport,{origin.title()},{amount}")
    return "\r\n".join(lines) + "\r\n"


def photo(fmt, size=(64, 48), **save):
    """A small real photo (a gradient) as JPEG or PNG bytes (Pillow)."""
    from PIL import Image
    img = Image.new("RGB", size)
    img.putdata([(x * 4 % 256, y * 5 % 256, (x + y) % 256)
                 for y in range(size[1]) for x in range(size[0])])
    out = io.BytesIO()
    img.save(out, fmt, **save)
    return out.getvalue()


# a small JPEG and PNG: the box decodes each and stores it as a new JPEG
JPEG = photo("JPEG")
PNG = photo("PNG")


def stored_receipt(cb, claim_id):
    """(sha256, size, mime, bytes) of the receipt the box stored for a claim."""
    with cb.db() as c:
        sha, size, mime = c.execute("SELECT receipt_sha256, receipt_size, receipt_mime "
                                    "FROM claim WHERE id = ?", (claim_id,)).fetchone()
    with open(os.path.join(cb.box.dir, "data", "store", sha[:2], sha), "rb") as f:
        return sha, size, mime, f.read()


def kept_receipt(cb, claim_id, original):
    """(sha256, bytes) of the receipt the box stored for a claim, checked:
    a new JPEG, not the upload, made from the original's pixels at its
    size, complete, hashed and sized as recorded, without EXIF."""
    from PIL import Image
    sha, size, mime, kept = stored_receipt(cb, claim_id)
    assert hashlib.sha256(kept).hexdigest() == sha and size == len(kept), (sha, size)
    assert mime == "image/jpeg" and kept != original
    img = Image.open(io.BytesIO(kept))
    img.load()                                    # decodes to its end: not cut short
    src = Image.open(io.BytesIO(original)).convert("RGB")
    assert img.format == "JPEG" and img.size == src.size
    assert b"Exif" not in kept and not img.getexif()
    mid = (src.size[0] // 2, src.size[1] // 2)
    a, b = src.getpixel(mid), img.convert("RGB").getpixel(mid)
    assert all(abs(x - y) < 24 for x, y in zip(a, b)), (a, b)       # a JPEG's loss aside
    return sha, kept


def receipt(data=JPEG, mime="image/jpeg"):
    return {"type": mime, "data": base64.b64encode(data).decode()}


SIG = {"w": 300, "h": 150, "s": [[20, 100, 10, -5, 10, -5, 12, 3, 15, 8], [150, 60, 5, 5]]}


class ClaimBox:
    """A started box with staff (fasil, admin1 and the (name, role) of
    staff, all with PASSWORD), a 2-day session from today, n teachers on
    the roster and the rate table imported with pbctl."""

    def __init__(self, make_box, n=5, extra="", rates=True, roster=None, att="", launch=None,
                 web="", staff=()):
        self.box = make_box(extra=web, sections=ATT + att + CLAIMS + extra)
        if launch is None:
            self.box.start()
        else:
            launch(self.box)          # e.g. under valgrind
        add_staff(self.box, also=[("admin1", "admin"), *staff])
        self.staff = Staff(self.box)
        self.sid = self.staff.create_session(days=2)
        r = self.staff.roster(self.sid, roster or roster_csv(n))
        assert r.status_code == 200, r.text
        self.proof = {}
        if rates:
            path = os.path.join(self.box.dir, "rates.csv")
            with open(path, "w") as f:
                f.write(rates_csv())
            self.box.pbctl("rates", "import", path)

    @property
    def base(self):
        return self.box.base

    def check_in(self, i, ip="127.0.0.1"):
        code = self.staff.code(self.sid)
        st, j = checkin(self.box, ip, self.sid, nuptk(i), code)
        assert st in (200, 201), j
        self.proof[i] = j["uid"]
        return j["uid"]

    def claim(self, i, item, proof=None, **kw):
        body = {"session": self.sid, "nuptk": nuptk(i), "item": item,
                "checkin": proof if proof is not None else self.proof[i]}
        body.update(kw)
        return requests.post(self.base + "/api/v1/claims", json=body, timeout=30)

    def transport(self, i, amount, origin="Kota Malang", **kw):
        kw.setdefault("evidence", "dpr")
        if kw["evidence"] == "dpr":
            kw.setdefault("dpr_confirm", True)
            kw.setdefault("signature", SIG)
        return self.claim(i, "transport", mode="angkutan_umum", origin=origin,
                          amount=amount, **kw)

    def decide(self, claim_id, decision, reason=None, staff=None, csrf=True):
        body = {"decision": decision}
        if reason is not None:
            body["reason"] = reason
        return (staff or self.staff).post(f"/api/v1/claims/{claim_id}/decision",
                                          csrf=csrf, json=body)

    def db(self):
        return sqlite3.connect(self.box.db_path())

    def counts(self):
        """Everything a refused request must leave as it was."""
        db = self.db()
        try:
            return tuple(db.execute(q).fetchone()[0] for q in (
                "SELECT COUNT(*) FROM claim", "SELECT COUNT(*) FROM claim_event",
                "SELECT COUNT(*) FROM outbox", "SELECT COUNT(*) FROM rate",
                "SELECT COUNT(*) FROM rate_version"))
        finally:
            db.close()
