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


def test_claims_filed_twice_before_are_approved_once(make_box):
    """Claims of one teacher, item and day in two sessions filed before the
    box refused the second (an older release): once one is approved, the
    other cannot be, only rejected."""
    cb = ClaimBox(make_box, n=2)
    afternoon = cb.staff.create_session(title="Pelatihan IPA KK B, siang", days=2)
    assert cb.staff.roster(afternoon, roster_csv(1)).json()["accepted"] == 1
    am = cb.check_in(0)
    first = requests.post(cb.base + "/api/v1/claims", json={
        "session": cb.sid, "nuptk": nuptk(0), "checkin": am, "item": "uang_harian"}, timeout=30)
    assert first.status_code == 201, first.text
    # the older release's second claim, in the afternoon session
    with cb.db() as c:
        cols = [r[1] for r in c.execute("PRAGMA table_info(claim)") if r[1] != "id"]
        picked = ["'%s'" % ("ab" * 16) if n == "uid" else str(afternoon) if n == "kegiatan_id"
                  else "NULL" if n == "checkin_id" else n for n in cols]
        c.execute("INSERT INTO claim(%s) SELECT %s FROM claim WHERE id = ?" %
                  (", ".join(cols), ", ".join(picked)), (first.json()["id"],))
        twin = c.execute("SELECT id FROM claim WHERE uid = ?", ("ab" * 16,)).fetchone()[0]
        cols = [r[1] for r in c.execute("PRAGMA table_info(claim_event)") if r[1] != "id"]
        picked = [str(twin) if n == "claim_id" else "'%s'" % ("cd" * 16) if n == "uid" else n
                  for n in cols]
        c.execute("INSERT INTO claim_event(%s) SELECT %s FROM claim_event WHERE claim_id = ?" %
                  (", ".join(cols), ", ".join(picked)), (first.json()["id"],))

    assert cb.decide(first.json()["id"], "approve").status_code == 200
    r = cb.decide(twin, "approve")
    assert r.status_code == 409 and err(r) == "claimed_elsewhere", r.text
    assert "kegiatan lain" in r.json()["message"] and r.json()["claim"] == twin
    # the bulk route refuses it the same way, and saves nothing
    r = cb.staff.post(f"/api/v1/sessions/{afternoon}/claims/decisions",
                      json={"ids": [twin], "decision": "approve"})
    assert r.status_code == 409 and err(r) == "claimed_elsewhere", r.text
    rows = cb.staff.get(f"/api/v1/sessions/{afternoon}/claims").json()["claims"]
    assert [c["status"] for c in rows if c["id"] == twin] == ["submitted"]
    # rejecting it is the way out
    r = cb.decide(twin, "reject", reason="sudah dibayar di kegiatan pagi")
    assert r.status_code == 200, r.text
