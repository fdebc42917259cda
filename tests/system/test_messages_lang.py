"""The server's messages follow the page's language: Indonesian first,
English for Accept-Language: en… or ?lang=en (?lang= wins), with "lang"
naming the language of each error message; login errors and the claims'
explanations (why) too."""
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import PASSWORD, Staff, add_staff, nuptk, roster_csv  # noqa: E402
from claims_util import ClaimBox  # noqa: E402

EN = {"Accept-Language": "en-US,en;q=0.9,id;q=0.8"}


def test_errors_and_login_in_the_pages_language(make_box):
    box = make_box(sections="[attendance]\nlogin_fail_max = 2\n")
    box.start()
    add_staff(box)
    st = Staff(box)
    sid = st.create_session()
    st.roster(sid, roster_csv(1))
    wrong = "%06d" % ((int(st.code(sid)) + 500000) % 1000000)
    url = box.base + "/api/v1/checkin/lookup"
    body = {"nuptk": nuptk(0), "code": wrong}
    r = requests.post(url, json=body, timeout=30)
    assert r.json()["lang"] == "id" and "Kode sesi salah" in r.json()["message"]
    r = requests.post(url, json=body, headers=EN, timeout=30)
    assert r.json()["lang"] == "en" and r.json()["message"].startswith("Wrong session code")
    assert r.json()["field"] == "code"
    r = requests.post(url + "?lang=en", json=body, timeout=30)
    assert r.json()["message"].startswith("Wrong session code")
    r = requests.post(url + "?lang=id", json=body, headers=EN, timeout=30)
    assert "Kode sesi salah" in r.json()["message"]
    r = requests.post(url, json={"nuptk": "12#", "code": wrong},
                      headers={"Accept-Language": "id-ID,en;q=0.5"}, timeout=30)
    assert r.json()["message"] == "Isi NUPTK (16 angka) atau No Peserta"
    # login errors
    login = box.base + "/api/v1/login"
    r = requests.post(login, json={"user": "fasil", "password": "salah-salah"}, headers=EN,
                      timeout=30)
    assert r.status_code == 401 and r.json()["message"] == "Wrong user name or password"
    r = requests.post(login, json={"user": "fasil", "password": "salah-salah"}, timeout=30)
    assert r.json()["message"] == "Nama pengguna atau kata sandi salah"
    r = requests.post(login, json={"user": "fasil", "password": PASSWORD}, headers=EN,
                      timeout=30)
    assert r.status_code == 429 and r.json()["message"].startswith("Too many failed logins")
    assert r.json()["lang"] == "en"
    # a message written for the request in English carries its own language
    r = requests.post(box.base + "/api/v1/checkin", json={"ticket": "0" * 32}, headers=EN,
                      timeout=30)
    assert r.status_code == 403 and r.json()["message"].startswith("Your time to fill in ran out")


def test_claim_explanations_in_english(make_box):
    cb = ClaimBox(make_box, n=1)
    proof = cb.check_in(0)
    assert cb.claim(0, "uang_harian").status_code == 201
    url = cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}"
    r = requests.get(url, headers={"X-Checkin-Id": proof}, timeout=30)
    why_id = r.json()["claims"][0]["why"]
    assert "tarif tetap" in why_id and "per hari" in why_id
    r = requests.get(url, headers=dict(EN, **{"X-Checkin-Id": proof}), timeout=30)
    c = r.json()["claims"][0]
    assert c["why"].startswith("Daily training allowance: fixed rate Rp ") and \
        c["why"].endswith(" per day"), c["why"]
    assert c["item_label"] == "Daily training allowance"
    r = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims", params={"lang": "en"})
    assert r.json()["claims"][0]["why"].startswith("Daily training allowance")
