"""The learning loop through pb-web over real HTTP: tests and worksheets
from the manifest in the catalogue (titles and counts only), attempts that
the box lays out, times, scores and limits, answers saved one request at
a time and found again by a second phone or a reopened page, progress,
the staff results (JSON and CSV), the records that go upstream, and no key
in anything a phone receives."""
import csv
import io
import json
import threading
import time

import requests

from attendance_util import Staff, outbox_payloads
from learning_util import (MODULE, PRE_ITEMS, LearnBox, import_module, key_leaks, key_of,
                           make_folder, module_doc)


def right(item_id):
    return key_of(PRE_ITEMS)[item_id]


def assert_no_key(lb):
    assert lb.seen, "no answers were recorded"
    for method, url, status, text in lb.seen:
        assert key_leaks(text) == [], (method, url, status, text[:300])


def outbox(lb, kind):
    return outbox_payloads(lb.box, kind)


def test_catalogue_says_what_a_module_has_but_no_items_or_keys(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=1)
    r = requests.get(lb.base + "/api/v1/modules", timeout=30)
    assert r.status_code == 200
    m = [x for x in r.json()["modules"] if x["id"] == MODULE][0]
    assert [(t["id"], t["kind"], t["title"], t["items"], t["kkm"]) for t in m["tests"]] == \
        [("awal", "pre", "Tes Awal", 4, 75), ("akhir", "post", "Tes Akhir", 4, 75)]
    assert m["worksheets"] == [{"id": "lk1", "title": "LK 1 Rangkaian Seri",
                                "due": "2030-01-31"}]
    assert "Satuan kuat arus" not in r.text and key_leaks(r.text) == []
    one = requests.get(lb.base + "/api/v1/modules/" + MODULE, timeout=30)
    assert one.status_code == 200 and key_leaks(one.text) == []
    assert "Satuan kuat arus" not in one.text


def test_bad_tests_in_a_manifest_refuse_the_module(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=1)
    for breakit, words in [
            (lambda d: d["tests"][0]["items"][0].update(answer=["z"]), "not an option"),
            (lambda d: d["tests"][0]["items"][0].update(answer=["a", "b"]), "exactly one"),
            (lambda d: d["tests"][0].update(kind="mid"), "pre"),
            (lambda d: d["tests"][0].update(attempts=0), "attempts"),
            (lambda d: d["worksheets"][0].update(due="31-01-2030"), "YYYY-MM-DD")]:
        doc = module_doc()
        doc["id"] = "rusak"
        breakit(doc)
        folder = tmp_path / ("bad-%d" % len(words))
        make_folder(str(folder), [doc])
        p = lb.box.pbctl("content", "import", str(folder), check=False)
        assert p.returncode != 0 and words in p.stdout, p.stdout
    r = requests.get(lb.base + "/api/v1/modules", params={"q": "rusak"}, timeout=30)
    assert r.json()["total"] == 0


def test_pre_test_saved_as_it_goes_resumed_on_a_second_phone_and_scored(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=2)
    phone1, phone2 = lb.teacher(0), lb.teacher(0)
    r = phone1.start("awal")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["n"] == 1 and a["attempts"] == 2 and a["finished"] is False
    assert sorted(i["id"] for i in a["items"]) == ["m1", "s1", "s2", "s3"]
    assert a["answers"] == {} and "remaining_ms" not in a
    # answers one request at a time, from both phones
    assert phone1.answer(a["attempt"], "s1", right("s1")).status_code == 200
    assert phone1.answer(a["attempt"], "s2", ["b"]).status_code == 200      # wrong
    # the page closed and opened again, or the second phone: the same attempt
    again = phone2.start("awal").json()
    assert again["attempt"] == a["attempt"]
    assert again["answers"] == {"s1": right("s1"), "s2": ["b"]}
    assert [i["id"] for i in again["items"]] == [i["id"] for i in a["items"]]
    view = phone2.view(a["attempt"]).json()
    assert view["answers"] == again["answers"]
    assert phone2.answer(a["attempt"], "m1", ["c", "a"]).status_code == 200
    assert phone2.answer(a["attempt"], "s2", right("s2")).status_code == 200  # changed
    r = phone1.finish(a["attempt"])
    assert r.status_code == 200, r.text
    res = r.json()["result"]
    # s3 unanswered: 3 of 4
    assert (res["correct"], res["total"], res["score"], res["passed"]) == (3, 4, 75, True)
    assert "wrong" not in res               # one more attempt allowed: no hints yet
    # finishing again (a retried request) gives the same result
    assert phone2.finish(a["attempt"]).json()["result"]["score"] == 75
    assert phone1.answer(a["attempt"], "s3", ["a"]).json()["error"] == "attempt_finished"
    # second and last attempt: fresh layout, then which items were wrong
    b = phone1.start("awal").json()
    assert b["n"] == 2 and b["attempt"] != a["attempt"] and b["answers"] == {}
    phone1.answer(b["attempt"], "s1", ["a"])
    res = phone1.finish(b["attempt"]).json()["result"]
    assert res["score"] == 0 and sorted(w["id"] for w in res["wrong"]) == \
        ["m1", "s1", "s2", "s3"]
    r = phone2.start("awal")
    assert r.status_code == 409 and r.json()["error"] == "no_attempts_left"
    # Progres saya
    p = phone2.progress().json()
    t = {x["id"]: x for x in p["tests"]}
    assert t["awal"]["used"] == 2 and t["awal"]["left"] == 0
    assert t["awal"]["last"]["score"] == 0 and "open" not in t["awal"]
    assert p["summary"]["tests_taken"] == 1 and p["worksheets"][0]["id"] == "lk1"
    # each scored attempt went upstream once, with its answers
    recs = outbox(lb, "learning.attempt")
    assert [(x["attempt"], x["n"], x["score"]) for x in recs] == \
        [(a["attempt"], 1, 75), (b["attempt"], 2, 0)]
    assert recs[0]["nuptk"] == phone1.nuptk and recs[0]["kind"] == "pre"
    assert {x["item"]: x["ok"] for x in recs[0]["answers"]} == \
        {"s1": True, "s2": True, "s3": False, "m1": True}
    assert_no_key(lb)


def test_time_limit_is_kept_by_the_box(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=1, post_limit_s=1)
    t = lb.teacher(0)
    a = t.start("akhir").json()
    assert 0 <= a["remaining_ms"] <= 1000
    assert t.answer(a["attempt"], "s1", right("s1")).status_code == 200
    time.sleep(3.5)                       # past the limit and the grace for answers in flight
    r = t.answer(a["attempt"], "s2", right("s2"))
    assert r.status_code == 409 and r.json()["error"] == "time_up", r.text
    v = t.view(a["attempt"]).json()
    assert v["finished"] is True and v["result"]["timed_out"] is True
    assert v["answers"] == {"s1": right("s1")} and v["result"]["correct"] == 1
    # the one attempt is used up; the late answer was not kept
    assert t.start("akhir").json()["error"] == "no_attempts_left"
    recs = outbox(lb, "learning.attempt")
    assert len(recs) == 1 and recs[0]["timed_out"] is True and recs[0]["correct"] == 1
    assert_no_key(lb)


def test_a_closed_page_past_the_deadline_is_scored_when_the_teacher_comes_back(make_box,
                                                                              tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=1, post_limit_s=1, post_attempts=2)
    t = lb.teacher(0)
    a = t.start("akhir").json()
    t.answer(a["attempt"], "m1", right("m1"))
    time.sleep(3.5)
    b = t.start("akhir").json()          # the first was scored, a second one opens
    assert b["n"] == 2 and b["attempt"] != a["attempt"]
    first = t.view(a["attempt"]).json()["result"]
    assert first["timed_out"] is True and first["correct"] == 1
    assert_no_key(lb)


def test_proof_and_ownership(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=2)
    t0, t1 = lb.teacher(0), lb.teacher(1)
    a = t0.start("awal").json()["attempt"]
    # another teacher's proof, a made-up proof, no proof
    r = requests.post(lb.base + "/api/v1/learning/attempts", json={
        "session": lb.sid, "nuptk": t0.nuptk, "checkin": t1.proof, "module": MODULE,
        "test": "awal"}, timeout=30)
    assert r.status_code == 403 and r.json()["error"] == "other_teacher"
    r = requests.get(lb.base + "/api/v1/learning/attempts/" + a, params={
        "session": lb.sid, "nuptk": t0.nuptk, "checkin": "0" * 32}, timeout=30)
    assert r.status_code == 403 and r.json()["error"] == "bad_proof"
    r = requests.get(lb.base + "/api/v1/learning/modules/" + MODULE,
                     params={"session": lb.sid, "nuptk": t0.nuptk}, timeout=30)
    assert r.status_code == 401 and r.json()["error"] == "login_required"
    # the proof also goes as X-Checkin-Id on a GET
    r = requests.get(lb.base + "/api/v1/learning/attempts/" + a, params={
        "session": lb.sid, "nuptk": t0.nuptk}, headers={"X-Checkin-Id": t0.proof}, timeout=30)
    assert r.status_code == 200 and r.json()["attempt"] == a
    # staff may look at a teacher's progress and attempt, never act for them
    st = Staff(lb.box)
    r = st.get("/api/v1/learning/attempts/" + a, params={"session": lb.sid, "nuptk": t0.nuptk})
    assert r.status_code == 200 and key_leaks(r.text) == []
    r = st.post("/api/v1/learning/attempts/%s/answers" % a, json={
        "session": lb.sid, "nuptk": t0.nuptk, "item": "s1", "choice": ["b"]})
    assert r.status_code == 403 and r.json()["error"] == "teacher_only"
    # teacher 1 with their own proof cannot see or answer teacher 0's attempt
    assert t1.view(a).status_code == 404
    assert t1.answer(a, "s1", ["a"]).status_code == 404
    assert t1.finish(a).status_code == 404
    # bad answers are refused and change nothing
    assert t0.answer(a, "s1", ["z"]).json()["error"] == "bad_choice"
    r = requests.post(lb.base + "/api/v1/learning/attempts/%s/answers?lang=en" % a,
                      json=t0.who(item="s1", choice=["z"]), timeout=30)
    assert r.json()["message"] == "The answer does not fit the question"
    assert t0.answer(a, "s1", ["a", "b"]).json()["error"] == "bad_choice"
    assert t0.answer(a, "m1", ["a", "a"]).json()["error"] == "bad_choice"
    assert t0.answer(a, "zz", ["a"]).json()["error"] == "bad_test_item"
    assert t0.answer(a, "s1", "a").json()["error"] == "bad_choice"
    assert t0.start("nope").json()["error"] == "no_test"
    r = t0.get("/api/v1/learning/modules/tidak-ada")
    assert r.status_code == 404 and r.json()["error"] == "no_module"
    assert t0.progress().json()["title"] == "Rangkaian Listrik"
    assert t0.view(a).json()["answers"] == {}
    assert_no_key(lb)


def test_progress_marks_and_results_for_staff(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=3)
    for i, picks in [(0, ["b", "a"]), (1, ["a", "a"]), (2, ["c", "c"])]:
        t = lb.teacher(i)
        a = t.start("awal").json()["attempt"]
        t.answer(a, "s1", [picks[0]])
        t.answer(a, "s2", [picks[1]])
        t.finish(a)
    t = lb.teacher(0)
    post = t.start("akhir").json()["attempt"]
    for it in PRE_ITEMS:
        t.answer(post, it["id"], right(it["id"]))
    assert t.finish(post).json()["result"]["score"] == 100
    assert t.post("/api/v1/learning/modules/%s/progress" % MODULE, activity="file:1",
                  state="done").status_code == 200
    assert t.post("/api/v1/learning/modules/%s/progress" % MODULE, activity="file:9",
                  state="done").json()["error"] == "bad_activity"
    assert t.post("/api/v1/learning/modules/%s/progress" % MODULE, activity="file:0",
                  state="finished").json()["error"] == "bad_activity"
    # done is not taken back by a later "opened"
    t.post("/api/v1/learning/modules/%s/progress" % MODULE, activity="file:1", state="opened")
    p = t.progress().json()
    assert [(x["activity"], x["state"]) for x in p["activities"]] == \
        [("file:0", ""), ("file:1", "done")]
    assert p["activities"][0]["url"].startswith("/f/")
    assert requests.get(lb.base + p["activities"][0]["url"], timeout=30).content == \
        b"Materi rangkaian listrik\n"
    assert p["summary"] == {"activities_done": 1, "activities": 2, "tests_taken": 2, "tests": 2,
                            "worksheets_sent": 0, "feedback": 0}
    prog = outbox(lb, "learning.progress")
    assert [(x["activity"], x["state"]) for x in prog if x["nuptk"] == t.nuptk] == \
        [("test:awal", "opened"), ("test:awal", "done"), ("test:akhir", "opened"),
         ("test:akhir", "done"), ("file:1", "done")]
    # staff only
    assert requests.get(lb.base + "/api/v1/sessions/%d/learning" % lb.sid,
                        timeout=30).status_code == 401
    st = Staff(lb.box)
    res = st.get("/api/v1/sessions/%d/learning" % lb.sid).json()
    me = [x for x in res["teachers"] if x["nuptk"] == t.nuptk][0]
    assert me["pre"]["score"] == 50 and me["post"]["score"] == 100 and me["done"] == 3
    # completion: 3 done of the module's 2 files, 2 tests and a worksheet (not due yet)
    assert (me["activities"], me["overdue"]) == (5, 0)
    other = [x for x in res["teachers"] if x["nuptk"] == lb.teacher(2).nuptk][0]
    assert other["post"] is None and other["pre"]["score"] == 0
    pre = [x for x in res["tests"] if x["test"] == "awal"][0]
    assert pre["attempts"] == 3 and pre["teachers"] == 3
    missed = {i["id"]: i["wrong"] for i in pre["items"]}
    # s1 right only for teacher 0, s2 for 0 and 1; s3 and m1 never answered
    assert missed == {"s1": 2, "s2": 1, "s3": 3, "m1": 3}
    c = st.get("/api/v1/sessions/%d/learning.csv" % lb.sid)
    assert c.status_code == 200 and c.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(c.text)))
    assert rows[0] == ["nuptk", "no_peserta", "nama", "modul", "tes_awal", "tes_akhir",
                       "kegiatan_selesai", "kegiatan_total", "lk_terlambat"]
    assert [t.nuptk, "", "Guru Nomor 0", MODULE, "50", "100", "3", "5", "0"] in rows
    assert ["modul", "tes", "jenis", "soal", "teks", "salah", "dikerjakan"] in rows
    assert [MODULE, "awal", "pre", "s1", PRE_ITEMS[0]["text"], "2", "3"] in rows
    assert_no_key(lb)


def test_many_teachers_at_once_each_saved_and_scored_once(make_box, tmp_path):
    n = 12
    lb = LearnBox(make_box, tmp_path / "usb", n=n)
    errors = []

    def one(i):
        try:
            t = lb.teacher(i)
            a = t.start("awal").json()["attempt"]
            for it in PRE_ITEMS:
                r = t.answer(a, it["id"], right(it["id"]) if i % 2 == 0 else ["c"])
                assert r.status_code == 200, r.text
            assert t.finish(a).status_code == 200
        except Exception as e:        # reported below, in the main thread
            errors.append(repr(e))
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert errors == []
    recs = outbox(lb, "learning.attempt")
    assert len(recs) == n and len({r["attempt"] for r in recs}) == n
    assert sorted(r["score"] for r in recs) == [0] * (n // 2) + [100] * (n // 2)
    assert_no_key(lb)


def test_reimporting_a_changed_test_keeps_attempts_and_updates_the_catalogue(make_box,
                                                                            tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=1)
    t = lb.teacher(0)
    a = t.start("awal").json()["attempt"]
    t.answer(a, "s1", right("s1"))
    p = import_module(lb.box, tmp_path / "usb", pre_attempts=3)
    assert "1 diperbarui" in p.stdout, p.stdout
    assert t.view(a).json()["attempts"] == 3
    assert t.finish(a).json()["result"]["correct"] == 1
    assert_no_key(lb)


def test_learning_pages_strings_exist_in_both_languages():
    """Every string the teacher's and the staff's learning pages name is in
    both languages, and every error code of the learning routes has its
    English text."""
    import os
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    web = os.path.join(root, "webapp")

    def load(lang, name):
        return json.load(open(os.path.join(web, "locale", lang, name + ".json")))
    src = open(os.path.join(root, "firmware", "web", "api_learning.c")).read()
    codes = set(re.findall(r'MHD_HTTP_[A-Z_]+, "([a-z_]+)"', src)) - {"database"}
    assert len(codes) > 10
    for page in ("belajar", "hasil-belajar"):
        own = {lang: load(lang, page) for lang in ("id", "en")}
        assert set(own["id"]) == set(own["en"]), page
        strings = {lang: dict(load(lang, "common"), **own[lang]) for lang in ("id", "en")}
        used = set(re.findall(r'data-i18n(?:-label|-placeholder)?="([^"]+)"',
                              open(os.path.join(web, page + ".html")).read()))
        code = open(os.path.join(web, "js", page + ".js")).read()
        used |= set(re.findall(r'PB\.t\("([^"]+)"', code))
        used |= {k + s for k in re.findall(r'PB\.tn\("([^"]+)"', code) for s in (".one", ".other")}
        used = {k for k in used if not k.endswith("_")}      # built from data: below
        if page == "belajar":
            used |= {"belajar.state_" + s for s in ("none", "opened", "done")}
            used |= {"belajar.ws_" + s for s in ("none", "sent", "revise", "accepted")}
            # a teacher meets every code but the staff ones
            used |= {"error." + c for c in codes - {"bad_queue_status", "facilitator_only",
                                                    "bad_review", "no_submission",
                                                    "not_assigned"}}
        else:
            used |= {"error." + c for c in ("bad_review", "facilitator_only", "no_submission",
                                            "not_assigned")}
        for lang in ("id", "en"):
            assert sorted(k for k in used if k not in strings[lang]) == [], (page, lang)


def test_worksheet_sent_again_until_accepted_and_reviewed_by_a_mentor(make_box, tmp_path):
    lb = LearnBox(make_box, tmp_path / "usb", n=3)
    t0, t1 = lb.teacher(0), lb.teacher(1)
    lk = "/api/v1/learning/worksheets"
    r = t0.post(lk, module=MODULE, worksheet="lk1", text="Rangkaian seri: tiga lampu.")
    assert r.status_code == 200, r.text
    sub = r.json()
    assert (sub["status"], sub["version"], sub["score"]) == ("sent", 1, None)
    assert t0.post(lk, module=MODULE, worksheet="nope", text="x").json()["error"] == \
        "no_worksheet"
    assert t0.post(lk, module=MODULE, worksheet="lk1", text="").json()["error"] == "bad_text"
    assert t0.post(lk, module=MODULE, worksheet="lk1",
                   text="x" * 4001).json()["error"] == "bad_text"
    t1.post(lk, module=MODULE, worksheet="lk1", text="Jawaban guru kedua")
    # a mentor: a facilitator account of kind mentor
    lb.box.pbctl("user", "add", "mentor1", "--role", "fasilitator", "--kind", "mentor",
                 input="rahasia-fasil-1\n")
    mentor = Staff(lb.box, "mentor1")
    q = mentor.get("/api/v1/sessions/%d/worksheets" % lb.sid).json()["submissions"]
    assert [x["nuptk"] for x in q] == [t0.nuptk, t1.nuptk]          # oldest first
    assert q[0]["name"] == "Guru Nomor 0" and q[0]["title"] == "LK 1 Rangkaian Seri"
    assert mentor.get("/api/v1/sessions/%d/worksheets" % lb.sid,
                      params={"module": "lain"}).json()["submissions"] == []
    review = "/api/v1/sessions/%d/worksheets/%s/review" % (lb.sid, sub["submission"])
    assert mentor.post(review, json={"status": "ok"}).json()["error"] == "bad_review"
    assert mentor.post(review, json={"status": "revise"}).json()["error"] == "bad_review"
    assert mentor.post(review, json={"status": "revise", "score": 101}).json()["error"] == \
        "bad_review"
    # an admin does not review; a session that is not the submission's is refused
    add = lb.box.pbctl("user", "add", "adm", "--role", "admin", input="rahasia-fasil-1\n")
    assert add.returncode == 0
    r = Staff(lb.box, "adm").post(review, json={"status": "accepted", "score": 90})
    assert r.status_code == 403 and r.json()["error"] == "facilitator_only"
    r = mentor.post(review, json={"status": "revise", "score": 60,
                                  "comment": "Tambahkan gambar rangkaian."})
    assert r.status_code == 200 and r.json()["status"] == "revise", r.text
    # the teacher sees it on the next visit, and sends again
    w = t0.progress().json()["worksheets"][0]["submission"]
    assert (w["status"], w["score"], w["comment"]) == ("revise", 60, "Tambahkan gambar rangkaian.")
    assert t0.progress().json()["summary"]["feedback"] == 1
    r = t0.post(lk, module=MODULE, worksheet="lk1", text="Dengan gambar rangkaian seri.")
    assert r.json()["version"] == 2 and r.json()["status"] == "sent"
    q = mentor.get("/api/v1/sessions/%d/worksheets" % lb.sid).json()["submissions"]
    assert [x["nuptk"] for x in q] == [t1.nuptk, t0.nuptk]          # resent: back of the queue
    assert mentor.post(review, json={"status": "accepted", "score": 85}).status_code == 200
    r = t0.post(lk, module=MODULE, worksheet="lk1", text="lagi")
    assert r.status_code == 409 and r.json()["error"] == "worksheet_accepted"
    done = mentor.get("/api/v1/sessions/%d/worksheets" % lb.sid,
                      params={"status": "accepted"}).json()["submissions"]
    assert [(x["nuptk"], x["score"], x["version"]) for x in done] == [(t0.nuptk, 85, 2)]
    p = t0.progress().json()
    assert p["summary"]["worksheets_sent"] == 1 and p["summary"]["feedback"] == 1
    # upstream: each sending and each review, in order
    kinds = [(k, x.get("status"), x.get("version")) for k in ("learning.worksheet",
             "learning.review") for x in outbox(lb, k) if x.get("nuptk") == t0.nuptk]
    assert kinds == [("learning.worksheet", "sent", 1), ("learning.worksheet", "sent", 2),
                     ("learning.review", "revise", 1), ("learning.review", "accepted", 2)]
    assert all(x["reviewer"] == "mentor1" for x in outbox(lb, "learning.review"))
    # the results: who sent it, and who of the roster has not (overdue once past due)
    ws = mentor.get("/api/v1/sessions/%d/learning" % lb.sid).json()["worksheets"]
    assert ws == [{"module": MODULE, "worksheet": "lk1", "title": "LK 1 Rangkaian Seri",
                   "due": "2030-01-31", "waiting": 1, "revise": 0, "accepted": 1,
                   "not_sent": 1, "overdue": 0}]
    doc = module_doc()
    doc["worksheets"][0]["due"] = "2020-01-31"
    make_folder(str(tmp_path / "usb"), [doc])
    lb.box.pbctl("content", "import", str(tmp_path / "usb"))
    ws = mentor.get("/api/v1/sessions/%d/learning" % lb.sid).json()["worksheets"]
    assert (ws[0]["not_sent"], ws[0]["overdue"]) == (1, 1)
    rows = list(csv.reader(io.StringIO(mentor.get("/api/v1/sessions/%d/learning.csv"
                                                  % lb.sid).text)))
    assert [MODULE, "lk1", "2020-01-31", "1", "0", "1", "1", "1"] in rows
    assert_no_key(lb)


def test_a_clock_step_during_a_test_does_not_move_its_deadline(make_box, tmp_path):
    """A facilitator's browser sets the box's clock an hour ahead while a
    teacher is in a 5-minute test: the box's time limit runs on, by the
    monotonic clock of the boot that started the attempt."""
    lb = LearnBox(make_box, tmp_path / "usb", n=1, post_limit_s=300,
                  box={"att": "clock_adjust = offset\n"})
    t = lb.teacher(0)
    a = t.start("akhir").json()
    assert 0 < a["remaining_ms"] <= 300000
    Staff(lb.box, client_time_ms=int(time.time() * 1000) + 3600 * 1000)
    r = t.answer(a["attempt"], "s1", right("s1"))
    assert r.status_code == 200, r.text
    assert 0 < r.json()["remaining_ms"] <= 300000
    v = t.view(a["attempt"]).json()
    assert v["finished"] is False and 0 < v["remaining_ms"] <= 300000
    assert_no_key(lb)
