"""A teacher without a NUPTK, known by the roster's participant number (No
Peserta) and the check-in proof, uses the learning routes as one with a
NUPTK does: "Progres saya", a test attempt (start, answer, resume, finish),
progress marks and a worksheet, over real HTTP on a started box. The
number is typed as people type it (lower case, spaces); someone else's
number with this proof is refused. The session's results (CSV, XLSX) name
her by the number."""
import csv
import io
import os
import sys

import openpyxl
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import checkin, nuptk  # noqa: E402
from claims_util import ClaimBox  # noqa: E402
from learning_util import MODULE, PRE_ITEMS, import_module, key_leaks  # noqa: E402

ROSTER = ("NUPTK;Nama;No Peserta;Sekolah\r\n"
          f"{nuptk(1)};Guru Ber NUPTK;;SMPN 1 Kota Uji\r\n"
          ";Sari Tanpa Nuptk;PPG-2024/0007;SDN 3 Kota Uji\r\n"
          ";Budi Tanpa Nuptk;A.17;SMAN 2 Kota Uji\r\n")


def test_learning_routes_take_the_participant_number(make_box, tmp_path):
    cb = ClaimBox(make_box, rates=False, roster=ROSTER)
    out = import_module(cb.box, tmp_path / "usb")
    assert out.returncode == 0 and "1 baru" in out.stdout, out
    code = cb.staff.code(cb.sid)
    st, c = checkin(cb.box, "127.0.0.61", cb.sid, "ppg-2024/0007", code)
    assert st == 201, c
    proof = c["uid"]
    st, other = checkin(cb.box, "127.0.0.62", cb.sid, "A.17", code)
    assert st == 201, other
    base = cb.base

    def who(typed="ppg-2024 / 0007", **kw):
        d = {"session": cb.sid, "nuptk": typed, "checkin": proof}
        d.update(kw)
        return d

    r = requests.get(base + "/api/v1/learning/modules/" + MODULE, params=who(), timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["summary"]["tests_taken"] == 0
    r = requests.post(base + "/api/v1/learning/attempts",
                      json=who(module=MODULE, test="awal"), timeout=60)
    assert r.status_code in (200, 201), r.text
    a = r.json()["attempt"]
    r = requests.post(base + "/api/v1/learning/attempts/%s/answers" % a,
                      json=who(item="s1", choice=["b"]), timeout=60)
    assert r.status_code == 200, r.text
    # the same person typed another way resumes the same attempt
    r = requests.get(base + "/api/v1/learning/attempts/" + a,
                     params=who("PPG-2024/0007"), timeout=60)
    assert r.status_code == 200 and r.json()["answers"] == {"s1": ["b"]}, r.text
    r = requests.post(base + "/api/v1/learning/attempts/%s/finish" % a, json=who(), timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["result"]["correct"] == 1
    r = requests.post(base + "/api/v1/learning/modules/%s/progress" % MODULE,
                      json=who(activity="file:0", state="done"), timeout=60)
    assert r.status_code == 200, r.text
    r = requests.post(base + "/api/v1/learning/worksheets",
                      json=who(module=MODULE, worksheet="lk1", text="Rancangan percobaan"),
                      timeout=60)
    assert r.status_code in (200, 201), r.text
    p = requests.get(base + "/api/v1/learning/modules/" + MODULE, params=who(), timeout=60)
    s = p.json()["summary"]
    assert (s["tests_taken"], s["activities_done"], s["worksheets_sent"]) == (1, 1, 1), s
    assert key_leaks(p.text, PRE_ITEMS) == []

    # staff see the teacher in the results and open their progress with the key given there
    res = cb.staff.get("/api/v1/sessions/%d/learning" % cb.sid).json()["teachers"]
    sari = [t for t in res if t["name"] == "Sari Tanpa Nuptk"]
    assert len(sari) == 1 and sari[0]["pre"]["score"] == 25, res
    r = cb.staff.get("/api/v1/learning/modules/" + MODULE,
                     params={"session": cb.sid, "nuptk": sari[0]["nuptk"]})
    assert r.status_code == 200 and r.json()["summary"]["tests_taken"] == 1, r.text

    # the results' CSV and XLSX name her by the number, with the NUPTK column empty
    rows = list(csv.reader(io.StringIO(
        cb.staff.get("/api/v1/sessions/%d/learning.csv" % cb.sid).text)))
    assert rows[0][:3] == ["nuptk", "no_peserta", "nama"]
    assert [r[:3] for r in rows if "Sari Tanpa Nuptk" in r] == [["", "PPG-2024/0007",
                                                                   "Sari Tanpa Nuptk"]]
    x = cb.staff.get("/api/v1/sessions/%d/learning.xlsx" % cb.sid)
    assert x.status_code == 200, x.text
    guru = [list(r) for r in openpyxl.load_workbook(io.BytesIO(x.content))["Guru"].iter_rows(
        values_only=True)]
    assert guru[0][:3] == ["NUPTK", "No Peserta", "Nama"]
    assert [r[:3] for r in guru if "Sari Tanpa Nuptk" in r] == [[None, "PPG-2024/0007",
                                                                   "Sari Tanpa Nuptk"]]

    # this proof with another teacher's number, or a number nobody has
    r = requests.get(base + "/api/v1/learning/modules/" + MODULE, params=who("A.17"),
                     timeout=60)
    assert r.status_code == 403 and r.json()["error"] == "other_teacher"
    r = requests.get(base + "/api/v1/learning/modules/" + MODULE, params=who("AB#12"),
                     timeout=60)
    assert r.status_code == 400 and r.json()["error"] == "bad_nuptk"
    # the other teacher sees nothing of Sari's
    r = requests.get(base + "/api/v1/learning/attempts/" + a,
                     params={"session": cb.sid, "nuptk": "a.17", "checkin": other["uid"]},
                     timeout=60)
    assert r.status_code == 404
