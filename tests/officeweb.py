"""The office's web view on pb-hub (hub/office_web.c): a hub that serves
the pages (-w webapp), office accounts made with `pb-hub user`, and
several boxes' data carried to it by pb-sync, the real upload path.
Shared by tests/hub/ and tests/browser/test_office_browser.py."""
import os
import zipfile

import requests

from pbhub import Hub, Sync, add_records, sync_section
from pbtest import ROOT

WEBAPP = os.path.join(ROOT, "webapp")
API = "/v1/kantor/"

# centre, session, title, start day, days, JP a day
SESSIONS = [("PB-JATIM-01", "S1", "Diklat Matematika KK-A", "2026-11-02", 2, 8),
            ("PB-JATIM-01", "S2", "Diklat IPA KK-B", "2026-11-09", 1, 6),
            ("PB-NTT-02", "S9", "Lokakarya Guru Kelas", "2026-11-16", 3, 5)]
# centre, claim, session, nuptk, name, amount, decision (None: only submitted)
CLAIMS = [("PB-JATIM-01", "C1", "S1", "1111222233334444", "Budi Santoso", 45000, "approved"),
          ("PB-JATIM-01", "C2", "S1", "5555666677778888", "Siti Aminah", 150000, "approved"),
          ("PB-JATIM-01", "C3", "S2", "1111222233334444", "Budi Santoso", 30000, "rejected"),
          ("PB-NTT-02", "C4", "S9", "9999000011112222", "Maria Ndun", 60000, "approved"),
          ("PB-NTT-02", "C5", "S9", "3333444455556666", "Yohanes Bria", 75000, None)]
# centre, session, nuptk, day, status
CHECKINS = [("PB-JATIM-01", "S1", "1111222233334444", "2026-11-02", "present"),
            ("PB-JATIM-01", "S1", "1111222233334444", "2026-11-03", "late"),
            ("PB-JATIM-01", "S1", "5555666677778888", "2026-11-02", "present"),
            ("PB-JATIM-01", "S1", "5555666677778888", "2026-11-03", "absent"),
            ("PB-NTT-02", "S9", "9999000011112222", "2026-11-16", "present")]


def office_hub(pg, tmpdir, args=()):
    return Hub(pg, tmpdir, args=["-w", WEBAPP, *args]).start()


def add_user(hub, name, role, password):
    p = hub.cli("user", "add", name, "--role", role, input=password + "\n")
    assert "office account" in p.stderr
    return password


STAF_PASSWORD = "rahasia-staf-0001"


def admin_and_staf(hub):
    """Two office accounts, logged in: bendahara (kantor-admin) and staf
    (kantor, password STAF_PASSWORD)."""
    pw_admin = add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
    add_user(hub, "staf", "kantor", STAF_PASSWORD)
    admin, staf = Office(hub), Office(hub)
    assert admin.login("bendahara", pw_admin).status_code == 200
    assert staf.login("staf", STAF_PASSWORD).status_code == 200
    return admin, staf


def fill(boxes, hub):
    """One box per centre sends its activities, check-ins and claims through
    pb-sync; returns {centre: box}."""
    made = {}
    for centre in sorted({s[0] for s in SESSIONS}):
        token = hub.cli("token", centre).stdout.strip()
        b = boxes(sections=sync_section(hub.base, token))
        b.pbctl("enrol")
        # one pbctl a type: the sessions, the check-ins, the claims, then
        # their decisions
        add_records(b, "attendance.session", [
            {"id": sid, "title": title, "start_date": start, "days": days, "jp_per_day": jp}
            for cen, sid, title, start, days, jp in SESSIONS if cen == centre])
        add_records(b, "attendance.checkin", [
            {"id": f"{sid}-{nuptk[-4:]}-{day}", "session": sid, "nuptk": nuptk, "day": day,
             "status": status} for cen, sid, nuptk, day, status in CHECKINS if cen == centre])
        claims = [c for c in CLAIMS if c[0] == centre]
        add_records(b, "claim.submit", [
            {"claim_id": cid, "session_id": sid, "nuptk": nuptk, "name": name,
             "item": "transport", "amount_rp": amount}
            for _, cid, sid, nuptk, name, amount, _ in claims])
        add_records(b, "claim.decision", [
            {"claim_id": cid, "session_id": sid, "decision": decision}
            for _, cid, sid, _, _, _, decision in claims if decision])
        s = Sync(b).start(["-1"])
        assert s.daemon.proc.wait(timeout=90) == 0, s.daemon.output()
        s.daemon.stop()
        made[centre] = b
    return made


class Office:
    """An office account's browser session, with requests."""

    def __init__(self, hub):
        self.hub = hub
        self.s = requests.Session()
        self.csrf = None

    def login(self, user, password):
        r = self.s.post(self.hub.base + API + "login", json={"user": user, "password": password},
                        timeout=30)
        if r.status_code == 200:
            self.csrf = r.json()["csrf"]
        return r

    def get(self, path, **kw):
        return self.s.get(self.hub.base + API + path, timeout=30, **kw)

    def post(self, path, body=None, csrf=True, **kw):
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return self.s.post(self.hub.base + API + path, json=body, headers=headers,
                           timeout=60, **kw)


def zip_folder(folder, out):
    """A USB stick's folder as the zip the office sends (names relative to
    it: pb-outbox/BOX_ID/...); its bytes."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for base, _dirs, files in os.walk(folder):
            for f in files:
                path = os.path.join(base, f)
                z.write(path, os.path.relpath(path, folder))
    with open(out, "rb") as f:
        return f.read()


def offline_box(boxes, hub, centre):
    """A box enrolled once, whose link then never works: its records go on sticks."""
    b = boxes(sections=sync_section(hub.base, hub.cli("token", centre).stdout.strip()))
    b.pbctl("init")
    b.pbctl("enrol")
    return b


def stick_of(box, folder, nuptk, day, n):
    """n check-ins on box, exported (pbctl outbox export) to the stick folder."""
    box.pbctl("outbox", "add", "attendance.checkin",
              '{"session":"S5","nuptk":"%s","day":"%s"}' % (nuptk, day), str(n))
    os.mkdir(folder)
    box.pbctl("outbox", "export", folder)
    return folder
