"""Helpers for the attendance tests: a staff login, a session (kegiatan)
with a roster, the current code, and check-ins from chosen client
addresses (127.0.0.x) over real HTTP."""
import http.client
import json
import sqlite3
import time

import requests

PASSWORD = "rahasia-fasil-1"


def today():
    return time.strftime("%Y-%m-%d")


def nuptk(i):
    return "%016d" % (3200000000000000 + i)


SIG = {"w": 300, "h": 150, "s": [[20, 100, 10, -5, 10, -5, 12, 3, 15, 8], [150, 60, 5, 5]]}


def set_meta(box, **kv):
    """box_meta keys as pb-sync and pbctl write them (update_state: update.state)."""
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        for k, v in kv.items():
            c.execute("INSERT INTO box_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO "
                      "UPDATE SET value = excluded.value", (k.replace("_", ".", 1), v))


def add_staff(box, name="fasil", role="fasilitator", also=()):
    """A staff account with PASSWORD (pbctl user add); with also, more
    accounts ((name, role), ...) in the same pbctl: user import -, which
    adds them all in one transaction."""
    if not also:
        box.pbctl("user", "add", name, "--role", role, input=PASSWORD + "\n")
        return
    box.pbctl("user", "import", "-", input=json.dumps(
        [{"name": n, "role": r, "password": PASSWORD} for n, r in ((name, role), *also)]))


class Staff:
    """A logged-in staff browser: cookie jar + CSRF token."""

    def __init__(self, box, name="fasil", client_time_ms=None):
        self.box = box
        self.s = requests.Session()
        body = {"user": name, "password": PASSWORD}
        if client_time_ms is not None:
            body["client_time_ms"] = client_time_ms
        r = self.s.post(box.base + "/api/v1/login", json=body, timeout=30)
        assert r.status_code == 200, r.text
        self.login = r.json()
        self.csrf = self.login["csrf"]

    def post(self, path, csrf=True, **kw):
        h = kw.pop("headers", {})
        if csrf:
            h["X-CSRF-Token"] = self.csrf
        return self.s.post(self.box.base + path, headers=h, timeout=30, **kw)

    def get(self, path, **kw):
        return self.s.get(self.box.base + path, timeout=30, **kw)

    def create_session(self, title="Pelatihan Guru Matematika KK A", jp=8, days=2):
        r = self.post("/api/v1/sessions", json={
            "title": title, "mode": "tatap_muka", "kk": "A", "subject": "Matematika",
            "start_date": today(), "days": days, "jp_per_day": jp,
            "facilitators": ["fasil"]})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def roster(self, sid, csv_text):
        return self.post(f"/api/v1/sessions/{sid}/roster", data=csv_text.encode(),
                         headers={"Content-Type": "text/csv"})

    def code(self, sid):
        r = self.get(f"/api/v1/sessions/{sid}/code")
        assert r.status_code == 200, r.text
        return r.json()["code"]

    def day(self, sid):
        r = self.get(f"/api/v1/sessions/{sid}/attendance")
        assert r.status_code == 200, r.text
        return r.json()


def roster_csv(n, start=0):
    lines = ["NUPTK,Nama,NPSN,Sekolah,Mata Pelajaran"]
    for i in range(start, start + n):
        lines.append(f"{nuptk(i)},Guru Nomor {i},2050{i % 10000:04d},SMPN {i} Kota Uji,Matematika")
    return "\r\n".join(lines) + "\r\n"


def post_from(box, source_ip, path, body, cookie=None, timeout=30):
    """POST JSON from a given client address; returns (status, json)."""
    c = http.client.HTTPConnection(box.host, box.port, timeout=timeout,
                                   source_address=(source_ip, 0))
    try:
        h = {"Content-Type": "application/json"}
        if cookie:
            h["Cookie"] = cookie
        c.request("POST", path, body=json.dumps(body), headers=h)
        r = c.getresponse()
        data = r.read()
        try:
            j = json.loads(data)
        except ValueError:
            j = None
        return r.status, j
    finally:
        c.close()


def checkin(box, ip, sid, n, code, sig=None, cookie=None, **extra):
    body = {"session": sid, "nuptk": n, "code": code, "signature": sig or SIG}
    body.update(extra)
    return post_from(box, ip, "/api/v1/checkin", body, cookie=cookie)


def outbox_payloads(box, type_):
    """The payloads of the box's outbox records of TYPE, oldest first."""
    db = sqlite3.connect(box.db_path())
    try:
        return [json.loads(p) for (p,) in db.execute(
            "SELECT payload FROM outbox WHERE type = ? ORDER BY seq", (type_,))]
    finally:
        db.close()
