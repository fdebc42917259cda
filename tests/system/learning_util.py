"""Helpers for the learning tests: a module with a pre-test, a post-test
and a worksheet imported the normal way (pbctl content import), a session
with checked-in teachers (their proof is the check-in id), and a teacher
client that keeps every answer a phone gets so a test can check that no
key ever went out."""
import copy
import json
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims_util import ClaimBox  # noqa: E402
from content_fixture import make_folder  # noqa: E402
from attendance_util import nuptk  # noqa: E402,F401

MODULE = "kk-b-ipa-listrik"

# The keys: item id -> option ids. Option ids are plain letters, as in a
# real test; the checks look for the key's field and its exact text.
PRE_ITEMS = [
    {"id": "s1", "type": "single", "text": "Satuan kuat arus listrik adalah",
     "options": [{"id": "a", "text": "volt"}, {"id": "b", "text": "ampere"},
                 {"id": "c", "text": "ohm"}, {"id": "d", "text": "watt"}],
     "answer": ["b"]},
    {"id": "s2", "type": "single", "text": "Hambatan diukur dengan",
     "options": [{"id": "a", "text": "ohmmeter"}, {"id": "b", "text": "amperemeter"},
                 {"id": "c", "text": "voltmeter"}],
     "answer": ["a"]},
    {"id": "s3", "type": "single", "text": "Rumus hukum Ohm",
     "options": [{"id": "a", "text": "V = I R"}, {"id": "b", "text": "P = V I"},
                 {"id": "c", "text": "W = P t"}],
     "answer": ["a"]},
    {"id": "m1", "type": "multiple", "text": "Pilih semua penghantar yang baik",
     "options": [{"id": "a", "text": "tembaga"}, {"id": "b", "text": "kayu"},
                 {"id": "c", "text": "aluminium"}, {"id": "d", "text": "karet"}],
     "answer": ["a", "c"]},
]


def key_of(items):
    return {it["id"]: sorted(it["answer"]) for it in items}


def module_doc(pre_attempts=2, post_limit_s=0, post_attempts=1):
    post = copy.deepcopy(PRE_ITEMS)
    return {
        "id": MODULE, "title": "Rangkaian Listrik", "kk": "B", "subject": "IPA",
        "level": "SMP", "description": "Arus, tegangan dan hambatan.",
        "tests": [
            {"id": "awal", "kind": "pre", "title": "Tes Awal", "kkm": 75,
             "attempts": pre_attempts, "items": copy.deepcopy(PRE_ITEMS)},
            {"id": "akhir", "kind": "post", "title": "Tes Akhir", "kkm": 75,
             "attempts": post_attempts, "time_limit_s": post_limit_s, "items": post},
        ],
        "worksheets": [
            {"id": "lk1", "title": "LK 1 Rangkaian Seri",
             "instructions": "Rancang percobaan rangkaian seri untuk kelas VIII.",
             "due": "2030-01-31"},
        ],
        "files": [("listrik/materi.txt", b"Materi rangkaian listrik\n", "Materi.txt"),
                  ("listrik/latihan.txt", b"Latihan soal\n", "Latihan.txt")],
    }


def import_module(box, folder, **kw):
    make_folder(str(folder), [module_doc(**kw)])
    return box.pbctl("content", "import", str(folder))


def key_leaks(body_text, items=PRE_ITEMS):
    """What in a body to a phone gives a key away: an "answer" member
    anywhere, or the key's exact text as stored."""
    found = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k in ("answer", "key", "correct_options"):
                    found.append(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    try:
        walk(json.loads(body_text))
    except ValueError:
        pass
    for it in items:
        if json.dumps({"answer": it["answer"]})[1:-1].replace(" ", "") in \
                body_text.replace(" ", ""):
            found.append("key text of " + it["id"])
    return found


class Teacher:
    """One teacher's phone: session, NUPTK and proof; every body it gets
    is kept in seen (shared between phones of a test)."""

    def __init__(self, lb, i, seen):
        self.lb, self.i, self.seen = lb, i, seen
        self.nuptk = nuptk(i)
        self.proof = lb.proof[i]

    def who(self, **kw):
        d = {"session": self.lb.sid, "nuptk": self.nuptk, "checkin": self.proof}
        d.update(kw)
        return d

    def _keep(self, r):
        self.seen.append((r.request.method, r.url, r.status_code, r.text))
        return r

    def get(self, path, **q):
        return self._keep(requests.get(self.lb.base + path, params=self.who(**q), timeout=60))

    def post(self, path, **body):
        return self._keep(requests.post(self.lb.base + path, json=self.who(**body),
                                        timeout=60))

    def progress(self):
        return self.get("/api/v1/learning/modules/" + MODULE)

    def start(self, test):
        return self.post("/api/v1/learning/attempts", module=MODULE, test=test)

    def view(self, attempt):
        return self.get("/api/v1/learning/attempts/" + attempt)

    def answer(self, attempt, item, choice):
        return self.post(f"/api/v1/learning/attempts/{attempt}/answers", item=item,
                         choice=choice)

    def finish(self, attempt):
        return self.post(f"/api/v1/learning/attempts/{attempt}/finish")


class LearnBox(ClaimBox):
    """A box with the learning module imported, a session, n teachers on
    its roster, each checked in (proof kept). box: more arguments of
    ClaimBox (att, extra, launch); kw: of module_doc."""

    def __init__(self, make_box, folder, n=3, box=None, **kw):
        super().__init__(make_box, n=n, rates=False, **(box or {}))
        import_module(self.box, folder, **kw)
        self.seen = []
        for i in range(n):
            self.check_in(i)

    def teacher(self, i):
        return Teacher(self, i, self.seen)
