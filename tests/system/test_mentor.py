"""The mentor role through pb-web over real HTTP: a mentor account logs in
like staff, is assigned to sessions or modules with pbctl, sees and
reviews only the worksheets of what it is assigned to, reads the learning
results of its sessions only, and is refused every facilitator thing
(403 mentor_not_allowed). The review queue across sessions: oldest first,
filtered by session and module, overdue worksheets marked. A facilitator
account of kind mentor from before the role existed becomes a mentor."""
import sqlite3

import pytest
import requests

from attendance_util import PASSWORD, Staff, checkin, nuptk, roster_csv
from learning_util import MODULE, LearnBox, make_folder, module_doc

OTHER = "kk-b-ipa-magnet"          # a second module, its worksheet long past due
OUTSIDE_DAY = "1999-01-01"         # never a session day: nothing could change anyway


def mentor(box, name, *assign):
    """A mentor account made with the box's staff (ClaimBox staff),
    assigned with pbctl user assign, logged in."""
    for a in assign:
        box.pbctl("user", "assign", name, *a)
    return Staff(box, name)


def send(box, sid, i, proof, module, text):
    r = requests.post(box.base + "/api/v1/learning/worksheets", timeout=60, json={
        "session": sid, "nuptk": nuptk(i), "checkin": proof, "module": module,
        "worksheet": "lk1", "text": text})
    assert r.status_code == 200, r.text
    return r.json()["submission"]


@pytest.fixture
def world(make_box, tmp_path):
    """Session A (lb.sid) and session B, modules MODULE and OTHER; in A
    teacher 0 sends MODULE's worksheet, teacher 1 OTHER's; in B teacher 0
    MODULE's. Mentor m_sess is assigned to session A, m_mod to OTHER."""
    lb = LearnBox(make_box, tmp_path / "usb", n=2,
                  box={"staff": [("mentor.sesi", "mentor"), ("mentor.modul", "mentor")]})
    other = module_doc()
    other.update(id=OTHER, title="Kemagnetan")
    other["worksheets"][0]["due"] = "2020-01-31"
    make_folder(str(tmp_path / "usb2"), [module_doc(), other])
    lb.box.pbctl("content", "import", str(tmp_path / "usb2"))
    sid_b = lb.staff.create_session(title="Pelatihan Guru IPA KK B", days=2)
    assert lb.staff.roster(sid_b, roster_csv(2)).status_code == 200
    st, j = checkin(lb.box, "127.0.0.1", sid_b, nuptk(0), lb.staff.code(sid_b))
    assert st in (200, 201), j
    subs = {
        "a0": send(lb.box, lb.sid, 0, lb.proof[0], MODULE, "Sesi A, modul listrik"),
        "a1": send(lb.box, lb.sid, 1, lb.proof[1], OTHER, "Sesi A, modul magnet"),
        "b0": send(lb.box, sid_b, 0, j["uid"], MODULE, "Sesi B, modul listrik"),
    }
    m_sess = mentor(lb.box, "mentor.sesi", ("--session", str(lb.sid)))
    m_mod = mentor(lb.box, "mentor.modul", ("--module", OTHER))
    return {"lb": lb, "box": lb.box, "a": lb.sid, "b": sid_b, "subs": subs,
            "m_sess": m_sess, "m_mod": m_mod, "fas": lb.staff}


def queue(who, **params):
    r = who.get("/api/v1/worksheets", params=params)
    assert r.status_code == 200, r.text
    return r.json()["submissions"]


def test_mentor_logs_in_and_sees_its_assignments(world):
    m = world["m_sess"]
    assert (m.login["role"], m.login["user"]) == ("mentor", "mentor.sesi")
    me = m.get("/api/v1/me").json()
    assert me["role"] == "mentor"
    assert me["assignments"] == {"sessions": [world["a"]], "modules": []}
    assert world["m_mod"].get("/api/v1/me").json()["assignments"] == \
        {"sessions": [], "modules": [OTHER]}
    assert "assignments" not in world["fas"].get("/api/v1/me").json()
    lines = world["box"].pbctl("user", "list").stdout.splitlines()
    assert any(x.startswith("mentor.sesi\tmentor\t") for x in lines), lines
    # logout works for a mentor (its own login)
    r = m.post("/api/v1/logout", json={})
    assert r.status_code == 200, r.text
    assert m.get("/api/v1/me").status_code == 401


def test_assign_refuses_what_it_cannot_do(world):
    box = world["box"]
    for args, words in [
            (("user", "assign", "fasil", "--session", str(world["a"])), "not a mentor"),
            (("user", "assign", "mentor.sesi", "--session", "999999"), "no such session"),
            (("user", "assign", "mentor.sesi", "--session", "abc"), "session id"),
            (("user", "assign", "mentor.sesi", "--module", "tidak-ada"), "no such module"),
            (("user", "assign", "siapa", "--module", OTHER), "no such account"),
            (("user", "unassign", "mentor.modul", "--module", MODULE), "not assigned")]:
        p = box.pbctl(*args, check=False)
        assert p.returncode != 0 and words in p.stderr, (args, p.stderr)
    p = box.pbctl("user", "assign", "mentor.sesi", "--sesi", "1", check=False)
    assert p.returncode == 2 and "assign|unassign" in p.stderr
    # assigning twice is one assignment; unassigning takes it away
    box.pbctl("user", "assign", "mentor.modul", "--module", OTHER)
    m = world["m_mod"]
    assert m.get("/api/v1/me").json()["assignments"]["modules"] == [OTHER]
    box.pbctl("user", "unassign", "mentor.modul", "--module", OTHER)
    assert m.get("/api/v1/me").json()["assignments"]["modules"] == []
    assert queue(m) == []


def test_queue_is_scoped_to_assignments_oldest_first_with_filters(world):
    s, a, b = world["subs"], world["a"], world["b"]
    # a facilitator: everything, oldest first, with session and overdue marked
    q = queue(world["fas"])
    assert [x["submission"] for x in q] == [s["a0"], s["a1"], s["b0"]]
    assert [x["session"] for x in q] == [a, a, b]
    assert [x["submitted_ms"] for x in q] == sorted(x["submitted_ms"] for x in q)
    assert [(x["due"], x["overdue"]) for x in q] == \
        [("2030-01-31", False), ("2020-01-31", True), ("2030-01-31", False)]
    assert [x["submission"] for x in queue(world["fas"], session=b)] == [s["b0"]]
    assert [x["submission"] for x in queue(world["fas"], module=MODULE)] == [s["a0"], s["b0"]]
    assert [x["submission"] for x in queue(world["fas"], session=a, module=OTHER)] == [s["a1"]]
    r = world["fas"].get("/api/v1/worksheets", params={"session": "999999"})
    assert r.status_code == 404, r.text
    r = world["fas"].get("/api/v1/worksheets", params={"status": "x"})
    assert r.status_code == 400 and r.json()["error"] == "bad_queue_status"
    # the session mentor: both of session A, none of B
    assert [x["submission"] for x in queue(world["m_sess"])] == [s["a0"], s["a1"]]
    assert queue(world["m_sess"], session=b) == []
    assert [x["submission"] for x in queue(world["m_sess"], module=OTHER)] == [s["a1"]]
    # the module mentor: OTHER's worksheets only, in any session
    assert [x["submission"] for x in queue(world["m_mod"])] == [s["a1"]]
    r = world["m_mod"].get("/api/v1/sessions/%d/worksheets" % a)
    assert r.status_code == 200 and [x["submission"] for x in r.json()["submissions"]] == [s["a1"]]
    r = world["m_sess"].get("/api/v1/sessions/%d/worksheets" % b)
    assert r.status_code == 200 and r.json()["submissions"] == []


def test_mentor_reviews_only_what_it_is_assigned_to(world):
    s, a, b, box = world["subs"], world["a"], world["b"], world["box"]

    def review(who, sid, sub, **body):
        return who.post("/api/v1/sessions/%d/worksheets/%s/review" % (sid, sub), json=body)

    r = review(world["m_mod"], a, s["a0"], status="accepted", score=90)
    assert r.status_code == 403 and r.json()["error"] == "not_assigned", r.text
    r = review(world["m_sess"], b, s["b0"], status="accepted", score=90)
    assert r.status_code == 403 and r.json()["error"] == "not_assigned", r.text
    r = review(world["m_sess"], a, s["a0"], status="revise", score=55,
               comment="Lengkapi gambar rangkaian.")
    assert r.status_code == 200 and r.json()["status"] == "revise", r.text
    r = review(world["m_mod"], a, s["a1"], status="accepted", score=88)
    assert r.status_code == 200 and r.json()["score"] == 88, r.text
    r = world["m_mod"].post("/api/v1/sessions/%d/worksheets/%s/review" % (a, s["a1"]),
                            csrf=False, json={"status": "accepted"})
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    # the teacher sees the review; upstream names the mentor
    rows = sqlite3.connect(box.db_path()).execute(
        "SELECT uid, status, score, reviewer FROM learning_submission ORDER BY id").fetchall()
    assert rows == [(s["a0"], "revise", 55, "mentor.sesi"), (s["a1"], "accepted", 88, "mentor.modul"),
                    (s["b0"], "sent", None, "")]
    # a facilitator still reviews anything; an admin still does not
    r = review(world["fas"], b, s["b0"], status="accepted", score=70)
    assert r.status_code == 200, r.text
    box.pbctl("user", "add", "adm2", "--role", "admin", input=PASSWORD + "\n")
    r = review(Staff(box, "adm2"), a, s["a0"], status="accepted")
    assert r.status_code == 403 and r.json()["error"] == "facilitator_only"


def test_mentor_reads_results_of_its_sessions_only(world):
    a, b = world["a"], world["b"]
    ms, mm = world["m_sess"], world["m_mod"]
    for path in ("/api/v1/sessions/%d/learning", "/api/v1/sessions/%d/learning.csv"):
        assert ms.get(path % a).status_code == 200
        for who, sid in ((ms, b), (mm, a), (mm, b)):
            r = who.get(path % sid)
            assert r.status_code == 403 and r.json()["error"] == "not_assigned", (path, r.text)
    full = world["fas"].get("/api/v1/sessions/%d/learning" % a).json()
    assert ms.get("/api/v1/sessions/%d/learning" % a).json() == full


# Facilitator things, each refused to a mentor before anything happens.
REFUSED = [
    ("POST", "/api/v1/sessions/{a}/marks", {"day": OUTSIDE_DAY, "nuptk": nuptk(0)}),
    ("POST", "/api/v1/sessions/{a}/lock", {"day": OUTSIDE_DAY}),
    ("POST", "/api/v1/sessions/{a}/allow", {"day": OUTSIDE_DAY}),
    ("POST", "/api/v1/claims/1/decision", {"decision": "approved"}),
    ("POST", "/api/v1/sessions/{a}/claims/decisions", {"decisions": []}),
    ("POST", "/api/v1/sessions/{a}/claim-settings", {}),
    ("POST", "/api/v1/sessions/{a}/roster", None),
    ("POST", "/api/v1/sessions/{a}/papers", {}),
    ("POST", "/api/v1/sessions", {"title": "x"}),
    ("POST", "/api/v1/clock", {"client_time_ms": 1}),
    ("GET", "/api/v1/sessions/{a}/papers", None),
    ("GET", "/api/v1/sessions/{a}/attendance", None),
    ("GET", "/api/v1/sessions/{a}/attendance.csv", None),
    ("GET", "/api/v1/sessions/{a}/code", None),
    ("GET", "/api/v1/sessions/{a}/claims", None),
    ("GET", "/api/v1/sessions/{a}/claims.xlsx", None),
    ("GET", "/api/v1/learning/modules/" + MODULE, None),
]


def test_mentor_is_refused_every_facilitator_thing(world):
    m, a, box = world["m_sess"], world["a"], world["box"]
    db = sqlite3.connect(box.db_path())
    before = db.execute("SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM roster), "
                        "(SELECT count(*) FROM kegiatan)").fetchone()
    for method, path, body in REFUSED:
        url = path.format(a=a)
        if method == "GET":
            params = {"session": a, "nuptk": nuptk(0)} if "learning/modules" in url else None
            r = m.get(url, params=params)
        elif body is None:
            r = m.post(url, data=b"nuptk,nama\n", headers={"Content-Type": "text/csv"})
        else:
            r = m.post(url, json=body)
        assert r.status_code == 403 and r.json()["error"] == "mentor_not_allowed", \
            (method, url, r.status_code, r.text)
        assert "mentor" in r.json()["message"]
    for method, path in [("POST", "/api/v1/rates"), ("POST", "/api/v1/sessions/%d/unlock" % a),
                         ("GET", "/api/v1/admin/wifi")]:
        r = m.s.request(method, box.base + path, headers={"X-CSRF-Token": m.csrf},
                        json={} if method == "POST" else None, timeout=30)
        assert r.status_code == 403 and r.json()["error"] == "admin_only", (path, r.text)
    after = db.execute("SELECT (SELECT count(*) FROM outbox), (SELECT count(*) FROM roster), "
                       "(SELECT count(*) FROM kegiatan)").fetchone()
    assert after == before
    # the same requests from the facilitator get past the gate
    r = world["fas"].get("/api/v1/sessions/%d/attendance" % a)
    assert r.status_code == 200


def test_mentor_login_does_not_set_the_clock(world):
    r = requests.post(world["box"].base + "/api/v1/login", timeout=30, json={
        "user": "mentor.sesi", "password": PASSWORD, "client_time_ms": 4102444800000})
    assert r.status_code == 200, r.text
    clock = r.json()["clock"]
    assert "client_ms" not in clock and "stepped_ms" not in clock


def test_facilitator_of_kind_mentor_becomes_a_mentor(make_box):
    """A database from before the role: migration 85 turns a facilitator
    account of kind mentor into a mentor, keeps the others as they were,
    and its password still works."""
    box = make_box()
    box.pbctl("user", "add", "lama", "--role", "fasilitator", "--kind", "mentor",
              input=PASSWORD + "\n")
    box.pbctl("user", "add", "fasil", "--role", "fasilitator", "--kind", "instruktur",
              input=PASSWORD + "\n")
    db = sqlite3.connect(box.db_path())
    db.executescript("""
        PRAGMA foreign_keys = OFF;
        BEGIN;
        DROP TABLE mentor_assignment;
        CREATE TABLE staff_old (
          id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
          display_name TEXT NOT NULL DEFAULT '',
          role TEXT NOT NULL CHECK (role IN ('admin', 'fasilitator')),
          kind TEXT NOT NULL DEFAULT '', pw_hash TEXT NOT NULL,
          disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
          nip TEXT NOT NULL DEFAULT '');
        INSERT INTO staff_old SELECT id, name, display_name,
          CASE role WHEN 'mentor' THEN 'fasilitator' ELSE role END, kind, pw_hash, disabled,
          created_at, nip FROM staff;
        DROP TABLE staff;
        ALTER TABLE staff_old RENAME TO staff;
        DELETE FROM schema_migration WHERE version = 85;
        INSERT INTO staff_login(token_hash, staff_id, csrf, boot_id, created_mono, last_mono,
          client) SELECT 'x', id, 'y', 'b', 1, 1, '127.0.0.1' FROM staff WHERE name = 'lama';
        COMMIT;
    """)
    assert db.execute("SELECT name, role, kind FROM staff ORDER BY name").fetchall() == \
        [("fasil", "fasilitator", "instruktur"), ("lama", "fasilitator", "mentor")]
    db.close()
    out = box.pbctl("user", "list").stdout.splitlines()
    assert [tuple(x.split("\t")[:3]) for x in out] == \
        [("fasil", "fasilitator", "instruktur"), ("lama", "mentor", "mentor")]
    # a login in progress survives the rebuilt table, still the same account's
    db = sqlite3.connect(box.db_path())
    assert db.execute("SELECT s.name, s.role FROM staff_login l JOIN staff s ON "
                      "s.id = l.staff_id WHERE l.token_hash = 'x'").fetchall() == [("lama", "mentor")]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    db.close()
    box.start()
    m = Staff(box, "lama")
    assert m.login["role"] == "mentor"
    r = m.get("/api/v1/sessions/1/attendance")
    assert r.status_code == 403 and r.json()["error"] == "mentor_not_allowed"


def test_results_completion_overdue_and_the_xlsx_equal_the_json(world):
    """Teacher 0 of session A opens and finishes MODULE's first file, takes
    its pre-test, and takes OTHER's pre-test without sending OTHER's
    worksheet (long past due). The JSON, the CSV and the XLSX (opened with
    openpyxl) carry the same figures; a mentor of the session gets the
    XLSX, a mentor of another one does not."""
    import csv
    import io

    import openpyxl
    lb, a = world["lb"], world["a"]
    t0 = lb.teacher(0)
    r = t0.post("/api/v1/learning/modules/%s/progress" % MODULE, activity="file:0", state="done")
    assert r.status_code == 200, r.text
    for module in (MODULE, OTHER):
        r = t0.post("/api/v1/learning/attempts", module=module, test="awal")
        assert r.status_code == 200, r.text
        assert t0.post("/api/v1/learning/attempts/%s/finish" % r.json()["attempt"]) \
            .status_code == 200
    res = world["m_sess"].get("/api/v1/sessions/%d/learning" % a).json()
    rows = {(x["module"]): x for x in res["teachers"] if x["nuptk"] == nuptk(0)}
    # MODULE: file:0, test:awal and its worksheet (sent) done of 2 files, 2 tests, 1 worksheet
    assert (rows[MODULE]["done"], rows[MODULE]["activities"], rows[MODULE]["overdue"]) == (3, 5, 0)
    # OTHER: test:awal done; its worksheet past due and not sent by teacher 0
    assert (rows[OTHER]["done"], rows[OTHER]["activities"], rows[OTHER]["overdue"]) == (1, 5, 1)

    x = world["m_sess"].get("/api/v1/sessions/%d/learning.xlsx" % a)
    assert x.status_code == 200, x.text
    assert x.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "hasil-belajar-%d.xlsx" % a in x.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(x.content))
    assert wb.sheetnames == ["Guru", "Soal", "Lembar kerja"]
    guru = [list(r) for r in wb["Guru"].iter_rows(values_only=True)]
    assert guru[0] == ["NUPTK", "No Peserta", "Nama", "Modul", "Tes awal", "Tes akhir",
                       "Kegiatan selesai", "Jumlah kegiatan", "LK terlambat"]

    def blank(v):
        return "" if v is None else v
    want = [[t["nuptk"], "", t["name"], t["module"], t["pre"]["score"] if t["pre"] else "",
             t["post"]["score"] if t["post"] else "", t["done"], t["activities"], t["overdue"]]
            for t in res["teachers"]]
    assert [[blank(v) for v in r] for r in guru[1:]] == want
    soal = [list(r) for r in wb["Soal"].iter_rows(values_only=True)][1:]
    assert soal == [[t["module"], t["test"], t["kind"], i["id"], i["text"], i["wrong"],
                     t["attempts"]] for t in res["tests"] for i in t["items"]]
    lk = [list(r) for r in wb["Lembar kerja"].iter_rows(values_only=True)][1:]
    assert lk == [[w["module"], w["worksheet"], w["due"], w["waiting"], w["revise"],
                   w["accepted"], w["not_sent"], w["overdue"]] for w in res["worksheets"]]
    assert [OTHER, "lk1", "2020-01-31", 1, 0, 0, 1, 1] in lk
    # the CSV: the same rows, as text
    c = list(csv.reader(io.StringIO(world["m_sess"].get(
        "/api/v1/sessions/%d/learning.csv" % a).text)))
    for r in want:
        assert [str(v) for v in r] in c
    # refused to a mentor of another session and to a module-only mentor
    r = world["m_mod"].get("/api/v1/sessions/%d/learning.xlsx" % a)
    assert r.status_code == 403 and r.json()["error"] == "not_assigned"
    r = requests.get(world["box"].base + "/api/v1/sessions/%d/learning.xlsx" % a, timeout=30)
    assert r.status_code == 401
    # the office's other books stay facilitator things
    r = world["m_sess"].get("/api/v1/sessions/%d/jp.xlsx" % a)
    assert r.status_code == 403 and r.json()["error"] == "mentor_not_allowed"


def test_admin_assigns_mentors_over_http(world):
    box, a, b = world["box"], world["a"], world["b"]
    box.pbctl("user", "add", "kepala", "--role", "admin", input=PASSWORD + "\n")
    adm = Staff(box, "kepala")
    r = adm.get("/api/v1/admin/mentors")
    assert r.status_code == 200, r.text
    assert r.json()["mentors"] == [
        {"user": "mentor.modul", "kind": "", "disabled": False, "sessions": [],
         "modules": [OTHER]},
        {"user": "mentor.sesi", "kind": "", "disabled": False, "sessions": [a], "modules": []}]
    go = "/api/v1/admin/mentors/assign"
    r = adm.post(go, json={"user": "mentor.modul", "session": b})
    assert r.status_code == 200, r.text
    assert [m["sessions"] for m in r.json()["mentors"]] == [[b], [a]]
    # the new assignment counts at once: session B's worksheet is now its to review
    q = [x["submission"] for x in queue(world["m_mod"])]
    assert q == [world["subs"]["a1"], world["subs"]["b0"]]
    for body, status, code in [
            ({"user": "mentor.modul"}, 400, "bad_assignment"),
            ({"user": "mentor.modul", "session": a, "module": OTHER}, 400, "bad_assignment"),
            ({"user": "mentor.modul", "session": "1"}, 400, "bad_assignment"),
            ({"user": "mentor.modul", "session": 0}, 400, "bad_assignment"),
            ({"user": "Bukan Nama", "module": OTHER}, 400, "bad_assignment"),
            ({"user": "siapa", "module": OTHER}, 404, "no_account"),
            ({"user": "fasil", "module": OTHER}, 409, "not_mentor"),
            ({"user": "mentor.modul", "session": 999999}, 404, "no_session"),
            ({"user": "mentor.modul", "module": "tidak-ada"}, 404, "no_module"),
            ({"user": "mentor.modul", "module": MODULE, "remove": True}, 404, "not_assigned")]:
        r = adm.post(go, json=body)
        assert (r.status_code, r.json()["error"]) == (status, code), (body, r.text)
    r = adm.post(go, json={"user": "mentor.modul", "session": b, "remove": True})
    assert r.status_code == 200 and r.json()["mentors"][0]["sessions"] == []
    assert [x["submission"] for x in queue(world["m_mod"])] == [world["subs"]["a1"]]
    audit = sqlite3.connect(box.db_path()).execute(
        "SELECT actor, detail FROM audit WHERE action = 'mentor.assign' ORDER BY id").fetchall()
    assert [x[0] for x in audit] == ["kepala", "kepala"] and '"remove":true' in audit[1][1]
    # a facilitator and a mentor may not
    for who in (world["fas"], world["m_sess"]):
        r = who.post(go, json={"user": "mentor.sesi", "session": b})
        assert r.status_code == 403 and r.json()["error"] == "admin_only"
        assert who.get("/api/v1/admin/mentors").json()["error"] == "admin_only"
    assert world["m_sess"].get("/api/v1/me").json()["assignments"]["sessions"] == [a]
