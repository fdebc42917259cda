"""A teacher in two sessions of one day (a morning and an afternoon
session with their own rosters) checks in to both, as the codes allow;
but each item of that day is paid once: the second session's claim of the
same item is refused (409 claimed_elsewhere, naming the claim kept), other
items and other teachers are not held up, and once the first claim is
withdrawn the other session may carry it."""
import requests

from attendance_util import checkin, nuptk, roster_csv
from claims_util import ClaimBox


def err(r):
    j = r.json()
    assert isinstance(j.get("message"), str) and j["message"], j
    return j["error"]


def test_one_day_paid_once_across_sessions(make_box):
    cb = ClaimBox(make_box, n=3)
    morning = cb.sid
    # the afternoon: teacher 0 again, and teacher 10 who comes only then
    afternoon = cb.staff.create_session(title="Pelatihan IPA KK B, siang", days=2)
    roster = roster_csv(1) + roster_csv(1, start=10).split("\r\n", 1)[1]
    assert cb.staff.roster(afternoon, roster).json()["accepted"] == 2

    am = cb.check_in(0)
    pm = {}
    for i in (0, 10):
        st, j = checkin(cb.box, "127.0.0.1", afternoon, nuptk(i), cb.staff.code(afternoon))
        assert st in (200, 201), j
        assert j["uid"] != am
        pm[i] = j["uid"]

    def claim(sid, i, proof, item, **kw):
        body = {"session": sid, "nuptk": nuptk(i), "checkin": proof, "item": item}
        body.update(kw)
        return requests.post(cb.base + "/api/v1/claims", json=body, timeout=30)

    def transport(sid, proof):
        return claim(sid, 0, proof, "transport", mode="angkutan_umum", origin="Kota Malang",
                     amount=80000, evidence="dpr", dpr_confirm=True,
                     signature={"w": 300, "h": 150, "s": [[20, 100, 10, -5, 10, -5]]})

    first = claim(morning, 0, am, "uang_harian")
    assert first.status_code == 201, first.text
    again = claim(afternoon, 0, pm[0], "uang_harian")
    assert again.status_code == 409 and err(again) == "claimed_elsewhere", again.text
    assert again.json()["claim"]["id"] == first.json()["id"]
    assert again.json()["claim"]["session"] == morning
    assert "kegiatan lain" in again.json()["message"]
    # in English the same refusal in words
    en = requests.post(cb.base + "/api/v1/claims", headers={"Accept-Language": "en"}, json={
        "session": afternoon, "nuptk": nuptk(0), "checkin": pm[0], "item": "uang_harian"},
        timeout=30)
    assert en.status_code == 409 and "another session" in en.json()["message"], en.text

    # another item, claimed in the afternoon first, is refused in the morning
    t = transport(afternoon, pm[0])
    assert t.status_code == 201, t.text
    t2 = transport(morning, am)
    assert t2.status_code == 409 and err(t2) == "claimed_elsewhere", t2.text
    # the teacher who came only in the afternoon is not held up
    other = claim(afternoon, 10, pm[10], "uang_harian")
    assert other.status_code == 201, other.text

    # the morning claim withdrawn: the afternoon session may carry the day
    w = requests.post(cb.base + f"/api/v1/claims/{first.json()['id']}/withdraw",
                      json={"checkin": am}, timeout=30)
    assert w.status_code == 200, w.text
    moved = claim(afternoon, 0, pm[0], "uang_harian")
    assert moved.status_code == 201, moved.text

    # each session's list pays teacher 0's allowance once in all
    paid = 0
    for sid in (morning, afternoon):
        r = cb.staff.get(f"/api/v1/sessions/{sid}/claims")
        assert r.status_code == 200, r.text
        paid += sum(1 for c in r.json()["claims"] if c["nuptk"] == nuptk(0) and
                    c["item"] == "uang_harian" and c["status"] == "submitted")
    assert paid == 1
