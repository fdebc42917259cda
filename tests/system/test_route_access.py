"""Route-access walk: every route pb-web has answers as docs/api.md says.

The table "Access per route" in docs/api.md gives each route its access
(publik, peserta, mentor, penilai, staf, fasilitator, admin, "+ CSRF"). This
test checks that
the table and the route table in firmware/web/routes.c name the same routes
(an undocumented route, or a documented one pb-web does not have, fails),
then calls every route on a real demo box (`pbctl demo`: its session of
today, roster, rates and accounts) without a login, as the demo facilitator,
as the demo admin and as a mentor assigned to that session, logging in
through POST /api/v1/login, and checks:

- publik: never refused for want of a login;
- every other route: 401 login_required without a login, also for an id
  that does not exist (the gate comes before any lookup);
- "+ CSRF": 403 csrf when logged in but without X-CSRF-Token;
- admin: 403 admin_only for a facilitator and a mentor; fasilitator: 403
  facilitator_only for an admin; staf, fasilitator and a staff member's
  view of a peserta route: 403 mentor_not_allowed for a mentor;
- peserta: a teacher with the uid of their own check-in gets through
  without a login;
- and whoever the table admits gets past the gate (the request itself may
  still be refused for its content: the walk sends bodies that change
  nothing, e.g. a day outside the session for a lock).

Path parameters are real ids from the demo data: today's session, a teacher
of its roster who checks in with the code the facilitator's screen shows,
and two claims of that check-in's teachers (one with a receipt photo, one
with a signed statement of real cost)."""
import os
import re

import pytest
import requests

from claims_util import JPEG, SIG, receipt
from pbtest import ROOT, Box

API_MD = os.path.join(ROOT, "docs", "api.md")
ROUTES_C = os.path.join(ROOT, "firmware", "web", "routes.c")
LEVELS = ("publik", "peserta", "mentor", "penilai", "staf", "fasilitator", "admin")
AUTH_ERRORS = ("login_required", "csrf", "admin_only", "facilitator_only", "mentor_not_allowed",
               "not_assigned")
MENTOR_PW = "rahasia-mentor-1"
MISSING_ID = "999999"
OUTSIDE_DAY = "1999-01-01"      # never a session day: day routes stop at 409
TIMEOUT = 30


def norm(path):
    """One spelling for a route: every parameter is {}."""
    return re.sub(r"\{[^}]*\}", "{}", path.replace("*", "{}"))


def doc_access():
    """(method, path) -> (level, csrf) from the access table of api.md."""
    text = open(API_MD, encoding="utf-8").read()
    sec = text.split("## Access per route", 1)
    assert len(sec) == 2, "docs/api.md has no 'Access per route' section"
    sec = sec[1].split("\n## ", 1)[0]
    rows = {}
    for line in sec.splitlines():
        m = re.match(r"\| (GET|POST|PUT|DELETE|PATCH) \| `([^`]+)`[^|]* \| ([^|]+) \|$", line)
        if not m:
            continue
        method, path, akses = m.group(1), m.group(2), m.group(3).strip()
        level = akses.split()[0]
        assert level in LEVELS, f"{method} {path}: unknown akses {akses!r}"
        key = (method, path)
        assert key not in rows, f"{method} {path} twice in the access table"
        rows[key] = (level, "CSRF" in akses)
    assert len(rows) >= 20, "the access table of docs/api.md looks empty"
    return rows


def code_routes():
    """(method, normalised path) of every entry in routes.c's table."""
    src = open(ROUTES_C, encoding="utf-8").read()
    out = set()
    for m in re.finditer(r'\{\s*"([A-Z]+)",\s*"([^"]+)",\s*\w+,\s*([A-Z_| 0]+)\s*\}', src):
        method, pattern, flags = m.groups()
        if "ROUTE_PREFIX" in flags:
            pattern = pattern.rstrip("/") + "/{path}"
        out.add((method, norm(pattern)))
    assert len(out) >= 20, "could not read the route table of routes.c"
    return out


def test_access_table_names_every_route():
    doc = {(m, norm(p)) for m, p in doc_access()}
    code = code_routes()
    assert not code - doc, f"routes pb-web has that docs/api.md does not document: {sorted(code - doc)}"
    assert not doc - code, f"routes docs/api.md documents that pb-web lacks: {sorted(doc - code)}"
    # Every route the rest of api.md names is in the table too.
    text = open(API_MD, encoding="utf-8").read()
    for m in re.finditer(r"`(GET|POST)(?:\|HEAD)? (/[^`\s\[?]*)", text):
        assert (m.group(1), norm(m.group(2))) in doc, \
            f"docs/api.md names {m.group(1)} {m.group(2)}, which the access table lacks"


def test_access_table_csrf_marks_are_consistent():
    for (method, path), (level, csrf) in doc_access().items():
        needs = method != "GET" and level != "publik"
        assert csrf == needs, f"{method} {path}: '+ CSRF' must be on every POST that needs a login, only there"


# ---- the walk ----

def demo_passwords(out):
    pw = {}
    for role in ("fasilitator", "admin"):
        m = re.search(rf"^\s*{role}:\s+nama (\S+)\s+kata sandi (\S+)", out, re.M)
        assert m, f"pbctl demo printed no {role} account:\n{out}"
        pw[role] = (m.group(1), m.group(2))
    return pw


class Login:
    def __init__(self, box, user, password):
        self.s = requests.Session()
        r = self.s.post(box.base + "/api/v1/login", json={"user": user, "password": password},
                        timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        self.role = r.json()["role"]
        self.csrf = r.json()["csrf"]


@pytest.fixture(scope="module")
def walk():
    box = Box(sections="[claims]\nprovince = Jawa Timur\nreceipt_max_bytes = 65536\n")
    try:
        pw = demo_passwords(box.demo().stdout)
        box.start()
        fas = Login(box, *pw["fasilitator"])
        adm = Login(box, *pw["admin"])
        sessions = requests.get(box.base + "/api/v1/sessions", timeout=TIMEOUT).json()
        sid = next(s["id"] for s in sessions["sessions"] if s["today"])
        box.pbctl("user", "add", "mentor", "--role", "mentor", input=MENTOR_PW + "\n")
        box.pbctl("user", "assign", "mentor", "--session", str(sid))
        pw["mentor"] = ("mentor", MENTOR_PW)
        men = Login(box, *pw["mentor"])
        assert (fas.role, adm.role, men.role) == ("fasilitator", "admin", "mentor")
        rows = fas.s.get(f"{box.base}/api/v1/sessions/{sid}/attendance", timeout=TIMEOUT).json()["rows"]
        teachers = [r["nuptk"] for r in rows[:2]]
        # the code as the facilitator's screen gets it
        code = fas.s.get(f"{box.base}/api/v1/sessions/{sid}/code", timeout=TIMEOUT).json()["code"]
        checkins = []
        for n in teachers:
            r = requests.post(box.base + "/api/v1/checkin", timeout=TIMEOUT,
                              json={"session": sid, "nuptk": n, "code": code, "signature": SIG})
            assert r.status_code == 201, r.text
            checkins.append(r.json())
        claims = []
        for (n, ci), ev in zip(zip(teachers, checkins),
                               ({"evidence": "receipt", "receipt": receipt(JPEG)},
                                {"evidence": "dpr", "dpr_confirm": True, "signature": SIG})):
            body = {"session": sid, "nuptk": n, "checkin": ci["uid"], "item": "transport",
                    "mode": "angkutan_umum", "origin": "Kota Malang", "amount": 50000, **ev}
            r = requests.post(box.base + "/api/v1/claims", json=body, timeout=TIMEOUT)
            assert r.status_code == 201, r.text
            claims.append(r.json()["id"])
        ids = {
            "sessions": str(sid), "attendance": str(checkins[0]["id"]),
            "claims": str(claims[0]), "claims-dpr": str(claims[1]),
        }
        mods = requests.get(box.base + "/api/v1/modules", timeout=TIMEOUT).json()["modules"]
        ids["modules"] = mods[0]["id"]
        ids["file"] = mods[0]["files"][0]["url"]
        # the demo's pre-test, started by the first teacher
        learn = next(m for m in mods if m["tests"])
        ids["modules"] = learn["id"]
        r = requests.post(box.base + "/api/v1/learning/attempts", timeout=TIMEOUT, json={
            "session": sid, "nuptk": teachers[0], "checkin": checkins[0]["uid"],
            "module": learn["id"], "test": learn["tests"][0]["id"]})
        assert r.status_code == 200, r.text
        ids["attempts"] = r.json()["attempt"]
        r = requests.post(box.base + "/api/v1/learning/worksheets", timeout=TIMEOUT, json={
            "session": sid, "nuptk": teachers[0], "checkin": checkins[0]["uid"],
            "module": learn["id"], "worksheet": learn["worksheets"][0]["id"],
            "text": "Kisi-kisi lima butir soal", "photos": [receipt(JPEG)]})
        assert r.status_code == 200, r.text
        ids["worksheets"] = r.json()["submission"]
        ids["photos"] = "1"
        yield {"box": box, "pw": pw, "fas": fas, "adm": adm, "men": men, "ids": ids, "sid": sid,
               "teacher": teachers[0], "proof": checkins[0]["uid"],
               "other_proof": checkins[1]["uid"]}
    finally:
        box.close()


def fill(method, path, ids, missing=False):
    """The doc's path with real ids (or an id that does not exist)."""
    if path.startswith("/f/"):
        return "/f/" + "0" * 64 + "/x.pdf" if missing else ids["file"]
    if path.startswith("/{path}"):
        return "/index.html"
    if path.startswith("/h/"):          # a lesson file: the demo has no lesson
        return "/h/" + "0" * 64 + "/index.html"
    segs = path.split("/")
    for i, seg in enumerate(segs):
        if not seg.startswith("{"):
            continue
        kind = segs[i - 1]
        if kind == "claims" and path.endswith("signature.svg"):
            kind = "claims-dpr"
        assert kind in ids, f"no demo id for {{}} after /{segs[i - 1]}/ in {path}: add one to the walk"
        segs[i] = MISSING_ID if missing else ids[kind]
    return "/".join(segs)


QUERIES = {
    ("GET", "/api/v1/claims"): lambda w: {"session": w["sid"], "nuptk": w["teacher"]},
    ("GET", "/api/v1/claims/options"): lambda w: {"session": w["sid"]},
    ("GET", "/api/v1/learning/modules/{id}"): lambda w: {"session": w["sid"], "nuptk": w["teacher"]},
    ("GET", "/api/v1/learning/attempts/{id}"): lambda w: {"session": w["sid"],
                                                        "nuptk": w["teacher"]},
    ("GET", "/api/v1/learning/worksheets/{id}/photos/{n}"): lambda w: {"session": w["sid"],
                                                                     "nuptk": w["teacher"]},
}


def call(w, method, path, who=None, csrf=True, proof=None, missing=False):
    """One request as who (None: no login); csrf: send the login's token,
    or this text instead; proof: the check-in uid a teacher sends."""
    box = w["box"]
    url = box.base + fill(method, path, w["ids"], missing)
    s = who.s if who is not None else requests.Session()
    headers = {"Accept": "application/json"}
    if who is not None and csrf:
        headers["X-CSRF-Token"] = csrf if isinstance(csrf, str) else who.csrf
    params = QUERIES.get(("GET" if method == "HEAD" else method, path), lambda _: None)(w)
    if method == "HEAD":
        return s.head(url, headers=headers, params=params, timeout=TIMEOUT, allow_redirects=False)
    if method == "GET":
        if proof:
            headers["X-Checkin-Id"] = proof
        return s.get(url, headers=headers, params=params, timeout=TIMEOUT, allow_redirects=False)
    body = {"day": OUTSIDE_DAY}
    if proof:
        # a whole claim: the proof is checked with the claim itself
        body = {"session": w["sid"], "nuptk": w["teacher"], "checkin": proof,
                "item": "uang_harian"}
    return s.request(method, url, headers=headers, params=params, json=body, timeout=TIMEOUT,
                     allow_redirects=False)


def error_code(r):
    try:
        j = r.json()
    except ValueError:
        return None
    return j.get("error") if isinstance(j, dict) else None


def refused(r):
    return r.status_code == 401 or (r.status_code == 403 and error_code(r) in AUTH_ERRORS)


def admitted(r):
    """Past the gate: not refused for who is asking, the route exists (no
    405), no crash (a 503 is a documented answer: sync_not_running)."""
    return not refused(r) and r.status_code != 405 and (r.status_code < 500 or r.status_code == 503)


def routes():
    return sorted(doc_access().items())


@pytest.mark.parametrize("route", [r[0] for r in routes()], ids=lambda r: f"{r[0]} {r[1]}")
def test_route_access(walk, route):
    method, path = route
    level, csrf = doc_access()[route]
    w = walk
    fas, adm, men = w["fas"], w["adm"], w["men"]
    if (method, path) == ("POST", "/api/v1/logout"):
        # a login of its own, so the walk's logins live on
        fas = Login(w["box"], *w["pw"]["fasilitator"])
        adm = Login(w["box"], *w["pw"]["admin"])
        men = Login(w["box"], *w["pw"]["mentor"])
    found = []

    def expect(ok, what, r):
        if not ok:
            found.append(f"{what}: {r.status_code} {r.text[:200]}")

    r = call(w, method, path)
    if level == "publik":
        expect(admitted(r), "no login: must be let through", r)
    else:
        expect(r.status_code == 401 and error_code(r) == "login_required",
               "no login: must be 401 login_required", r)
        r = call(w, method, path, missing=True)
        expect(r.status_code == 401, "no login, an id that does not exist: must be 401", r)
        if method == "GET":
            r = call(w, "HEAD", path)
            expect(r.status_code == 401, "HEAD without a login: must be 401", r)
    if level == "peserta":
        r = call(w, method, path, proof=w["proof"])
        expect(admitted(r), "a teacher with their check-in uid: must be let through", r)
        r = call(w, method, path, proof=w["other_proof"])
        expect(r.status_code == 403 and error_code(r) == "other_teacher",
               "another teacher's check-in uid: must be 403 other_teacher", r)
    if csrf:
        for who in (fas, adm, men):
            r = call(w, method, path, who=who, csrf=False)
            expect(r.status_code == 403 and error_code(r) == "csrf",
                   f"{who.role} without X-CSRF-Token: must be 403 csrf", r)
        r = call(w, method, path, who=fas, csrf=adm.csrf)
        expect(r.status_code == 403 and error_code(r) == "csrf",
               "fasilitator with the admin's token: must be 403 csrf", r)
    if level == "admin":
        for who in (fas, men):
            r = call(w, method, path, who=who)
            expect(r.status_code == 403 and error_code(r) == "admin_only",
                   f"{who.role}: must be 403 admin_only", r)
    if level in ("fasilitator", "penilai"):
        r = call(w, method, path, who=adm)
        expect(r.status_code == 403 and error_code(r) == "facilitator_only",
               "admin: must be 403 facilitator_only", r)
    if level in ("peserta", "staf", "fasilitator"):
        r = call(w, method, path, who=men)
        expect(r.status_code == 403 and error_code(r) == "mentor_not_allowed",
               "mentor: must be 403 mentor_not_allowed", r)
    allowed = {"publik": (fas, adm, men), "peserta": (fas, adm), "mentor": (fas, adm, men),
               "penilai": (fas, men), "staf": (fas, adm), "fasilitator": (fas,),
               "admin": (adm,)}[level]
    for who in allowed:
        r = call(w, method, path, who=who)
        expect(admitted(r), f"{who.role}: must be let through", r)
    assert not found, f"{method} {path} ({level}{' + CSRF' if csrf else ''}):\n" + "\n".join(found)
