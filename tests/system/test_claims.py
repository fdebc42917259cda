"""Claims over real HTTP against pb-web: the rate table (pbctl and the
API), pricing, the proof of attendance, receipts, decisions, locks, the
daftar nominatif, and the outbox. Every refused request is checked to
leave the database as it was."""
import csv
import io
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims_util import (CEILINGS, JPEG, PNG, RATES, SIG, YEAR, kept_receipt,  # noqa: E402
                         ClaimBox, Staff, nuptk, rates_csv, receipt, roster_csv, today)


def err(r):
    j = r.json()
    assert isinstance(j.get("message"), str) and j["message"], j
    return j["error"]


def tomorrow_of(cb):
    s = requests.get(cb.base + f"/api/v1/sessions/{cb.sid}").json()
    import datetime
    d = datetime.date.fromisoformat(s["start_date"]) + datetime.timedelta(days=1)
    return d.isoformat()


def test_rates_import_reports_every_bad_line(make_box):
    cb = ClaimBox(make_box, n=1, rates=False)
    bad = "\r\n".join([
        "Tahun;Provinsi;Item;Asal;Jumlah",
        f"{YEAR};Jawa Timur;uang_harian;;150000",      # 2 ok
        f"{YEAR};Jawa Timur;uang_makan;;-5000",        # 3 negative
        f"{YEAR};Jawa Timur;transport;Kota Malang;12.5",  # 4 not an integer
        f"{YEAR};Jawa Timur;penginapan;;0",            # 5 zero where not allowed
        f"{YEAR};Jawa Timur;uang_saku;;10000",         # 6 unknown item
        f"{YEAR};jawa  timur;UANG_HARIAN;;160000",     # 7 duplicate of line 2
        f"{YEAR};Jawa Timur;uang_makan;;900000000",    # 8 absurd
        f"{YEAR};Jawa Timur;transport;;50000",         # 9 transport needs an origin
        f"{YEAR};Jawa Timur;uang_makan;;150.000",      # 10 separators
        f"{YEAR};Jawa Timur;transport;Kota Batu;0",    # 11 ok: zero allowed for transport
        "",
    ])
    path = os.path.join(cb.box.dir, "bad.csv")
    with open(path, "w") as f:
        f.write(bad)
    admin = Staff(cb.box, "admin1")
    before = cb.counts()
    p = cb.box.pbctl("rates", "import", path, check=False)
    assert p.returncode == 1
    want = {3: "amount_negative", 4: "amount_not_integer", 5: "amount_zero",
            6: "unknown_item", 7: "duplicate", 8: "amount_absurd", 9: "origin_required",
            10: "amount_not_integer"}
    for line, code in want.items():
        assert f"baris {line}\tditolak ({code})" in p.stdout, p.stdout
    assert "baris 2\tditerima" in p.stdout and "baris 11\tditerima" in p.stdout
    assert "2 diterima / accepted, 8 ditolak / rejected" in p.stdout
    assert cb.counts() == before
    # the API refuses the same file the same way; only an admin with CSRF may post
    r = admin.post("/api/v1/rates", data=bad.encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and err(r) == "rejected_lines"
    assert {ln["line"]: ln.get("error") for ln in r.json()["lines"]}[7] == "duplicate"
    r = admin.post("/api/v1/rates", csrf=False, data=rates_csv().encode(),
                   headers={"Content-Type": "text/csv"})
    assert r.status_code == 403 and err(r) == "csrf"
    r = cb.staff.post("/api/v1/rates", data=rates_csv().encode(),
                      headers={"Content-Type": "text/csv"})
    assert r.status_code == 403 and err(r) == "admin_only"
    r = requests.post(cb.base + "/api/v1/rates", data=rates_csv().encode(),
                      headers={"Content-Type": "text/csv"})
    assert r.status_code == 401
    assert cb.counts() == before
    # good files: each one a new version
    r = admin.post("/api/v1/rates", data=rates_csv().encode(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 201 and r.json()["version"] == 1, r.text
    good = os.path.join(cb.box.dir, "good.csv")
    with open(good, "w") as f:
        f.write(rates_csv())
    p = cb.box.pbctl("rates", "import", good)
    assert "versi 2" in p.stdout
    db = cb.db()
    assert db.execute("SELECT COUNT(*) FROM rate_version").fetchone()[0] == 2
    assert len(db.execute("SELECT action FROM audit WHERE action = 'rates.import'").fetchall()) == 2
    assert len(db.execute("SELECT type FROM outbox WHERE type = 'rates.import'").fetchall()) == 2
    db.close()


def test_pricing_flat_at_cost_capped_absurd(make_box):
    cb = ClaimBox(make_box, n=4)
    for i in range(4):
        cb.check_in(i)
    r = cb.claim(0, "uang_harian")
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["amount"] == RATES["uang_harian"] and c["status"] == "submitted"
    assert c["rate"]["version"] == 1 and c["rate"]["amount"] == RATES["uang_harian"]
    assert "Rp 150.000" in c["why"]
    assert cb.claim(0, "uang_makan").json()["amount"] == RATES["uang_makan"]
    # at cost below the ceiling: what was spent
    r = cb.transport(0, 75000)
    assert r.status_code == 201 and r.json()["amount"] == 75000 and not r.json()["capped"]
    # above the ceiling: the ceiling, and the teacher is told why
    r = cb.transport(1, 250000, origin="kota  malang")
    c = r.json()
    assert r.status_code == 201 and c["amount"] == CEILINGS["KOTA MALANG"] and c["capped"]
    assert c["origin"] == "KOTA MALANG" and "plafon Rp 100.000" in c["why"]
    # exactly 100x the ceiling is capped; one rupiah more is refused
    before = cb.counts()
    r = cb.transport(2, 100 * CEILINGS["KOTA MALANG"] + 1)
    assert r.status_code == 422 and err(r) == "amount_absurd"
    r = cb.transport(2, 10 ** 15)
    assert r.status_code == 422 and err(r) == "amount_absurd"
    assert cb.counts() == before
    r = cb.transport(2, 100 * CEILINGS["KOTA MALANG"])
    assert r.status_code == 201 and r.json()["amount"] == CEILINGS["KOTA MALANG"]
    # an origin with a zero ceiling pays nothing; an unknown origin has no rate
    before = cb.counts()
    r = cb.transport(3, 20000, origin="Kota Batu")
    assert r.status_code == 409 and err(r) == "nothing_paid"
    r = cb.transport(3, 20000, origin="Kota Atlantis")
    assert r.status_code == 409 and err(r) == "no_rate"
    # lodging only for residential sessions
    r = cb.claim(3, "penginapan", amount=300000, evidence="dpr", dpr_confirm=True, signature=SIG)
    assert r.status_code == 409 and err(r) == "not_residential"
    assert cb.counts() == before
    # settings: meals in kind, residential
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claim-settings",
                      json={"meals_in_kind": True, "residential": True})
    assert r.status_code == 200, r.text
    r = cb.claim(3, "uang_makan")
    assert r.status_code == 409 and err(r) == "meals_in_kind"
    r = cb.claim(3, "penginapan", amount=500000, evidence="dpr", dpr_confirm=True, signature=SIG)
    assert r.status_code == 201 and r.json()["amount"] == RATES["penginapan"]
    # the options the phone shows
    o = requests.get(cb.base + f"/api/v1/claims/options?session={cb.sid}").json()
    assert {x["origin"]: x["ceiling"] for x in o["origins"]} == CEILINGS
    assert [x for x in o["items"] if x["code"] == "uang_makan"][0]["offered"] is False


def test_bad_amounts_are_refused_and_change_nothing(make_box):
    cb = ClaimBox(make_box, n=1)
    cb.check_in(0)
    before = cb.counts()
    cases = [(-1, 400, "amount_negative"), (0, 400, "amount_zero"),
             (1.5, 400, "amount_not_integer"), (75000.0, 400, "amount_not_integer"),
             ("75000", 400, "amount_not_integer"), ("75.000", 400, "amount_not_integer"),
             (None, 400, "amount_not_integer"), (True, 400, "amount_not_integer")]
    for amount, status, code in cases:
        r = cb.transport(0, amount)
        assert r.status_code == status and err(r) == code, (amount, r.text)
    # a computed item must not carry an amount
    r = cb.claim(0, "uang_harian", amount=999999)
    assert r.status_code == 400 and err(r) == "amount_computed"
    # transport needs evidence, a mode from the list and an origin
    r = cb.claim(0, "transport", mode="angkutan_umum", origin="Kota Malang", amount=5000)
    assert r.status_code == 400 and err(r) == "evidence_required"
    r = cb.transport(0, 5000, dpr_confirm=False)
    assert r.status_code == 400 and err(r) == "dpr_unconfirmed"
    r = cb.transport(0, 5000, signature={"w": 10, "h": 10, "s": []})
    assert r.status_code == 400 and err(r) == "bad_signature"
    r = cb.claim(0, "transport", mode="pesawat", origin="Kota Malang", amount=5000,
                 evidence="dpr", dpr_confirm=True, signature=SIG)
    assert r.status_code == 400 and err(r) == "bad_mode"
    r = cb.claim(0, "uang_saku")
    assert r.status_code == 400 and err(r) == "bad_item"
    r = requests.post(cb.base + "/api/v1/claims", data=b"{not json", timeout=10,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and err(r) == "bad_json"
    assert cb.counts() == before


def test_proof_day_attended_other_teacher_twice(make_box):
    cb = ClaimBox(make_box, n=3)
    p0 = cb.check_in(0)
    cb.check_in(1)
    before = cb.counts()
    # another teacher's check-in id
    r = cb.claim(1, "uang_harian", proof=p0)
    assert r.status_code == 403 and err(r) == "other_teacher"
    # an id that is no check-in, and a malformed one
    r = cb.claim(0, "uang_harian", proof="0" * 32)
    assert r.status_code == 403 and err(r) == "bad_proof"
    r = cb.claim(0, "uang_harian", proof="xyz")
    assert r.status_code == 400 and err(r) == "bad_proof_format"
    # no proof and no staff login
    r = requests.post(cb.base + "/api/v1/claims", json={
        "session": cb.sid, "nuptk": nuptk(0), "item": "uang_harian"})
    assert r.status_code == 401
    # a day not attended: tomorrow (no record), and a day marked absent
    r = cb.claim(0, "uang_harian", day=tomorrow_of(cb))
    assert r.status_code == 409 and err(r) == "not_attended"
    r = cb.claim(0, "uang_harian", day="2001-01-01")
    assert r.status_code == 409 and err(r) == "not_session_day"
    m = cb.staff.post(f"/api/v1/sessions/{cb.sid}/marks",
                      json={"nuptk": nuptk(1), "status": "absent", "reason": "pulang awal"})
    assert m.status_code == 201, m.text
    r = cb.claim(1, "uang_harian")
    assert r.status_code == 409 and err(r) == "not_attended"
    assert cb.counts()[:3] == (before[0], before[1], before[2] + 1)   # only the mark
    before = cb.counts()
    # once per teacher, item and day: the second gets 409 with the first
    first = cb.claim(0, "uang_harian")
    assert first.status_code == 201
    mid = cb.counts()
    again = cb.claim(0, "uang_harian")
    assert again.status_code == 409 and err(again) == "already_claimed"
    assert again.json()["claim"]["id"] == first.json()["id"]
    assert cb.counts() == mid and mid[0] == before[0] + 1
    # the teacher sees their own claims with their proof, not someone else's
    r = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}",
                     headers={"X-Checkin-Id": p0})
    assert r.status_code == 200 and [c["item"] for c in r.json()["claims"]] == ["uang_harian"]
    r = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(1)}",
                     headers={"X-Checkin-Id": p0})
    assert r.status_code == 403 and err(r) == "other_teacher"
    r = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}")
    assert r.status_code == 401
    # another phone gets the proof back with the session code of the day
    code = cb.staff.code(cb.sid)
    r = requests.post(cb.base + "/api/v1/claims/proof",
                      json={"session": cb.sid, "nuptk": nuptk(0), "code": code})
    assert r.status_code == 200 and r.json()["checkin"] == p0 and "•" in r.json()["name"]
    wrong = "%06d" % ((int(code) + 1) % 1000000)
    r = requests.post(cb.base + "/api/v1/claims/proof",
                      json={"session": cb.sid, "nuptk": nuptk(0), "code": wrong})
    assert r.status_code == 403
    r = requests.post(cb.base + "/api/v1/claims/proof",
                      json={"session": cb.sid, "nuptk": nuptk(2), "code": code})
    assert r.status_code == 404 and err(r) == "no_checkin"
    # a facilitator may file for a teacher marked present on paper
    cb.staff.post(f"/api/v1/sessions/{cb.sid}/marks",
                  json={"nuptk": nuptk(2), "status": "present", "reason": "ponsel rusak"})
    r = cb.staff.post("/api/v1/claims", json={"session": cb.sid, "nuptk": nuptk(2),
                                               "item": "uang_harian"})
    assert r.status_code == 201 and r.json()["by"] == "fasil"
    r = cb.staff.post("/api/v1/claims", csrf=False, json={"session": cb.sid, "nuptk": nuptk(2),
                                                           "item": "uang_makan"})
    assert r.status_code == 403 and err(r) == "csrf"


def test_receipt_photos(make_box):
    cb = ClaimBox(make_box, n=2)
    cb.check_in(0)
    cb.check_in(1)
    before = cb.counts()
    store = os.path.join(cb.box.dir, "data", "store")

    def objects():
        return sorted(os.path.join(d, f) for d, _, fs in os.walk(store) for f in fs
                      if "/tmp" not in d)
    objs = objects()
    cases = [
        (receipt(b"this is not a photo at all, just text" * 5), 415, "receipt_not_image"),
        (receipt(JPEG, "image/png"), 415, "receipt_type_mismatch"),
        (receipt(PNG, "image/jpeg"), 415, "receipt_type_mismatch"),
        (receipt(JPEG, "application/pdf"), 415, "receipt_type"),
        (receipt(JPEG[:3]), 415, "receipt_not_image"),
        (receipt(JPEG + b"\x00" * 70000), 413, "receipt_too_large"),
        ({"type": "image/jpeg", "data": "!!!not base64!!!"}, 400, "receipt_encoding"),
        ({"type": "image/jpeg"}, 400, "receipt_missing"),
    ]
    for rec, status, code in cases:
        r = cb.transport(0, 50000, evidence="receipt", receipt=rec)
        assert r.status_code == status and err(r) == code, (code, r.text)
    assert cb.counts() == before and objects() == objs
    r = cb.transport(0, 50000, evidence="receipt", receipt=receipt(JPEG))
    assert r.status_code == 201 and r.json()["receipt"] and r.json()["evidence"] == "receipt"
    cid = r.json()["id"]
    r = cb.transport(1, 60000, evidence="receipt", receipt=receipt(PNG, "image/png"))
    assert r.status_code == 201
    kept_receipt(cb, r.json()["id"], PNG)
    # staff see it on their own route; nobody else, and never under /f/
    g = cb.staff.get(f"/api/v1/claims/{cid}/receipt")
    sha, kept = kept_receipt(cb, cid, JPEG)
    assert g.status_code == 200 and g.content == kept
    assert g.headers["Content-Type"] == "image/jpeg" and "no-store" in g.headers["Cache-Control"]
    assert requests.get(cb.base + f"/api/v1/claims/{cid}/receipt").status_code == 401
    db = cb.db()
    assert db.execute("SELECT actor, detail FROM audit WHERE action = 'claims.receipt_view'"
                      ).fetchall() == [("fasil", '{"claim":%d}' % cid)]
    db.close()
    assert requests.get(cb.base + f"/f/{sha}/kuitansi.jpg").status_code == 404
    assert os.path.exists(os.path.join(store, sha[:2], sha))


def test_decisions_csrf_roles_events_locks_paid(make_box):
    cb = ClaimBox(make_box, n=3)
    p = {i: cb.check_in(i) for i in range(3)}
    ids = [cb.claim(i, "uang_harian").json()["id"] for i in range(3)]
    t = cb.transport(0, 80000).json()["id"]
    # the signed statement of real cost is shown to staff as SVG
    g = cb.staff.get(f"/api/v1/claims/{t}/signature.svg")
    assert g.status_code == 200 and g.text.count("<path") == len(SIG["s"])
    assert requests.get(cb.base + f"/api/v1/claims/{t}/signature.svg").status_code == 401
    assert cb.staff.get(f"/api/v1/claims/{ids[0]}/signature.svg").status_code == 404
    admin = Staff(cb.box, "admin1")
    before = cb.counts()
    # no login, no CSRF, an admin: refused, nothing stored
    r = requests.post(cb.base + f"/api/v1/claims/{ids[0]}/decision", json={"decision": "approve"})
    assert r.status_code == 401
    r = cb.decide(ids[0], "approve", csrf=False)
    assert r.status_code == 403 and err(r) == "csrf"
    r = cb.decide(ids[0], "approve", staff=admin)
    assert r.status_code == 403 and err(r) == "facilitator_only"
    r = cb.decide(ids[0], "reject")
    assert r.status_code == 400 and err(r) == "reason_required"
    r = cb.decide(ids[0], "maybe")
    assert r.status_code == 400 and err(r) == "bad_decision"
    r = cb.decide(999999, "approve")
    assert r.status_code == 404
    assert cb.counts() == before
    # reject with a reason; the teacher sees it; a changed decision is a new event
    r = cb.decide(t, "reject", "Kuitansi tidak terbaca")
    assert r.status_code == 200 and r.json()["decided"][0]["status"] == "rejected"
    mine = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}",
                        headers={"X-Checkin-Id": p[0]}).json()
    tr = [c for c in mine["claims"] if c["item"] == "transport"][0]
    assert tr["status"] == "rejected" and tr["decision"]["reason"] == "Kuitansi tidak terbaca"
    r = cb.decide(t, "approve")
    assert r.status_code == 200 and r.json()["decided"][0]["status"] == "approved"
    # the same decision again adds nothing
    mid = cb.counts()
    r = cb.decide(t, "approve")
    assert r.status_code == 200 and r.json()["changed"] == 0 and cb.counts() == mid
    db = cb.db()
    kinds = [k for (k,) in db.execute(
        "SELECT kind FROM claim_event WHERE claim_id = ? ORDER BY id", (t,))]
    assert kinds == ["submit", "reject", "approve"]
    types = [k for (k,) in db.execute("SELECT type FROM outbox WHERE type LIKE 'claim.%'")]
    assert types.count("claim.submit") == 4 and types.count("claim.decision") == 2
    audit = [a for (a,) in db.execute("SELECT action FROM audit WHERE action = 'claim.decision'")]
    assert len(audit) == 2
    # events cannot be edited or deleted, even directly
    for q in ("UPDATE claim_event SET amount = 1", "DELETE FROM claim_event",
              "UPDATE claim SET amount = 1", "UPDATE claim SET item = 'uang_makan'",
              "UPDATE claim SET day = '2001-01-01'"):
        try:
            db.execute(q)
            raise AssertionError(q + " was allowed")
        except Exception as e:
            assert "append-only" in str(e)
    # only the personal fields may be cleared (retention purge after upload)
    db.execute("UPDATE claim SET name = '', school = '', dpr_signature = NULL WHERE id = ?", (t,))
    db.rollback()
    # the outbox record carries the personal fields at the top level
    import json as _json
    sub = [_json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM outbox WHERE type = 'claim.submit'")]
    assert all("nuptk" in p and "name" in p and "signature" in p for p in sub)
    # as drawn, less the point (30, 95) that lies on the line from (20, 100)
    # to (40, 90): the stored strokes are simplified to within one unit
    assert [p["signature"]["s"] for p in sub if p["item"] == "transport"] == \
        [[[20, 100, 20, -10, 12, 3, 15, 8], [150, 60, 5, 5]]]
    db.close()
    # bulk: all or nothing
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": ids[:2] + [999999], "decision": "approve"})
    assert r.status_code == 404 and r.json()["claim"] == 999999
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": ids[:2], "decision": "approve"})
    assert r.status_code == 200 and r.json()["changed"] == 2
    # a payment from upstream: the teacher sees it, no more decisions
    uid = cb.db().execute("SELECT uid FROM claim WHERE id = ?", (ids[0],)).fetchone()[0]
    cb.box.pbctl("claims", "paid", uid, "SP2D-0001")
    mine = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}",
                        headers={"X-Checkin-Id": p[0]}).json()
    assert [c["status"] for c in mine["claims"] if c["id"] == ids[0]] == ["paid"]
    r = cb.decide(ids[0], "reject", "salah")
    assert r.status_code == 409 and err(r) == "already_paid"
    # a locked day: decisions and new claims refused
    assert cb.staff.post(f"/api/v1/sessions/{cb.sid}/lock").status_code == 200
    before = cb.counts()
    r = cb.decide(ids[2], "approve")
    assert r.status_code == 409 and err(r) == "day_locked"
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": [ids[2]], "decision": "reject", "reason": "x"})
    assert r.status_code == 409 and err(r) == "day_locked"
    r = cb.claim(1, "uang_makan")
    assert r.status_code == 409 and err(r) == "day_locked"
    assert cb.counts() == before
    assert "chain OK" in cb.box.pbctl("outbox", "verify").stdout


def test_rejected_claim_is_filed_again_and_only_the_new_one_pays(make_box):
    """A rejected (or withdrawn) claim does not block a corrected one for the
    same item and day; a submitted, approved or paid one still does. The new
    claim is a new claim (own uid, own outbox record); the old one keeps its
    rejection, may not be approved over the new one, and the nominatif pays
    only the approved claim."""
    import json as _json
    cb = ClaimBox(make_box, n=2)
    p0 = cb.check_in(0)
    old = cb.transport(0, 40000)
    assert old.status_code == 201, old.text
    old = old.json()["id"]
    # submitted: still blocks
    r = cb.transport(0, 45000)
    assert r.status_code == 409 and err(r) == "already_claimed"
    assert cb.decide(old, "reject", "Kuitansi tidak terbaca").status_code == 200
    before = cb.counts()
    new = cb.transport(0, 45000)
    assert new.status_code == 201, new.text
    new = new.json()["id"]
    assert new != old and cb.counts()[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    # the new one blocks a third, and the old one may not be approved over it
    r = cb.transport(0, 46000)
    assert r.status_code == 409 and err(r) == "already_claimed"
    assert r.json()["claim"]["id"] == new
    mid = cb.counts()
    r = cb.decide(old, "approve")
    assert r.status_code == 409 and err(r) == "claim_superseded"
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": [new, old], "decision": "approve"})
    assert r.status_code == 409 and err(r) == "claim_superseded" and r.json()["claim"] == old
    assert cb.counts() == mid
    assert cb.decide(new, "approve").status_code == 200
    # approved: blocks
    r = cb.transport(0, 47000)
    assert r.status_code == 409 and err(r) == "already_claimed"
    mine = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}",
                        headers={"X-Checkin-Id": p0}).json()
    assert [(c["id"], c["status"], c["amount"]) for c in mine["claims"]] == \
        [(old, "rejected", 40000), (new, "approved", 45000)]
    assert mine["totals"]["approved"] == 45000
    nom = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert [(r["nuptk"], r["items"]["transport"], r["total"]) for r in nom["rows"]] == \
        [(nuptk(0), 45000, 45000)]
    db = cb.db()
    uids = [u for (u,) in db.execute("SELECT uid FROM claim WHERE id IN (?, ?) ORDER BY id",
                                     (old, new))]
    sub = [_json.loads(x)["claim_id"] for (x,) in db.execute(
        "SELECT payload FROM outbox WHERE type = 'claim.submit' ORDER BY seq")]
    assert len(set(uids)) == 2 and sub == uids
    db.close()
    # paid: blocks; withdrawn: does not
    cb.box.pbctl("claims", "paid", uids[1], "SP2D-0002")
    r = cb.transport(0, 47000)
    assert r.status_code == 409 and err(r) == "already_claimed"
    h = cb.claim(0, "uang_harian").json()["id"]
    r = requests.post(cb.base + f"/api/v1/claims/{h}/withdraw", json={"checkin": p0})
    assert r.status_code == 200, r.text
    assert cb.claim(0, "uang_harian").status_code == 201
    assert "chain OK" in cb.box.pbctl("outbox", "verify").stdout


def test_nominatif_totals_over_many_rows(make_box):
    n = 60
    lines = ["NUPTK,Nama,NPSN,Sekolah"]
    for i in range(n):
        name = f"=HYPERLINK(\"x\") Guru {i}" if i == 0 else f"Guru <b>{i}</b>"
        lines.append(f"{nuptk(i)},\"{name.replace(chr(34), chr(34) * 2)}\",2050{i:04d},SMPN {i}")
    cb = ClaimBox(make_box, n=n, roster="\r\n".join(lines) + "\r\n")
    expect = {}
    ids = []
    for i in range(n):
        cb.check_in(i)
        for item in ("uang_harian", "uang_makan"):
            ids.append(cb.claim(i, item).json()["id"])
        r = cb.transport(i, 1000 + 3719 * i, origin="Kabupaten Malang")
        assert r.status_code == 201
        ids.append(r.json()["id"])
    # approve all but every 7th teacher's transport (rejected)
    rejected = [ids[3 * i + 2] for i in range(0, n, 7)]
    approve = [x for x in ids if x not in rejected]
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": approve, "decision": "approve"})
    assert r.status_code == 200 and r.json()["changed"] == len(approve)
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": rejected, "decision": "reject", "reason": "tanpa bukti"})
    assert r.status_code == 200
    db = cb.db()
    # the sum of approved events, straight from the database
    want = db.execute("SELECT SUM(e.amount) FROM claim_event e WHERE e.kind = 'approve' AND "
                      "e.id = (SELECT MAX(id) FROM claim_event WHERE claim_id = e.claim_id)"
                      ).fetchone()[0]
    db.close()
    for i in range(n):
        t = min(1000 + 3719 * i, CEILINGS["KABUPATEN MALANG"])
        expect[nuptk(i)] = RATES["uang_harian"] + RATES["uang_makan"] + (0 if i % 7 == 0 else t)
    assert want == sum(expect.values())
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()
    nom = j["nominatif"]
    assert nom["totals"]["total"] == want
    assert {r["nuptk"]: r["total"] for r in nom["rows"]} == expect
    assert sum(r["items"]["transport"] for r in nom["rows"]) == nom["totals"]["items"]["transport"]
    assert j["totals"]["approved"] == want
    c = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims.csv")
    assert c.status_code == 200 and c.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(c.content.decode())))
    head, body, last = rows[0], rows[1:-1], rows[-1]
    assert head[:6] == ["No", "NUPTK", "No Peserta", "Nama", "Sekolah", "Hari"]
    assert head[-1] == "Tanda tangan"
    assert len(body) == n
    assert sum(int(r[-2]) for r in body) == want == int(last[-2])
    assert any(r[3].startswith("'=HYPERLINK") for r in body)
    assert not any(r[3].startswith("=") for r in body)
    # JSON carries the names as data; the page escapes them
    assert any("<b>" in r["name"] for r in nom["rows"])
    assert requests.get(cb.base + f"/api/v1/sessions/{cb.sid}/claims.csv").status_code == 401
    db = cb.db()
    assert db.execute("SELECT actor FROM audit WHERE action = 'claims.export'").fetchall() == \
        [("fasil",)]
    db.close()


def test_nominatif_one_row_per_teacher_after_a_rename(make_box):
    cb = ClaimBox(make_box, n=3)
    for i in range(3):
        cb.check_in(i)
    ids = [cb.claim(i, "uang_harian").json()["id"] for i in range(3)]
    # the roster renames teacher 0 so that the name sorts after the others
    r = cb.staff.roster(cb.sid, f"NUPTK,Nama\r\n{nuptk(0)},Guru Nomor 9\r\n")
    assert r.status_code == 200, r.text
    ids.append(cb.claim(0, "uang_makan").json()["id"])
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": ids, "decision": "approve"})
    assert r.status_code == 200
    rows = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]["rows"]
    assert sorted(r["nuptk"] for r in rows) == [nuptk(i) for i in range(3)]
    assert [r["total"] for r in rows if r["nuptk"] == nuptk(0)] == \
        [RATES["uang_harian"] + RATES["uang_makan"]]


def test_rates_and_payments_from_the_hub(make_box):
    """Documents pb-sync stored in sync_inbox (as the hub's feeds send them) are
    applied once: a rate table becomes a new version, a payment marks an approved
    claim paid; a bad table and an unknown claim are refused and audited, and
    nothing is applied twice."""
    import json
    cb = ClaimBox(make_box, n=2)
    p0 = cb.check_in(0)
    cid = cb.claim(0, "uang_harian").json()["id"]
    assert cb.decide(cid, "approve").status_code == 200
    db = cb.db()
    uid = db.execute("SELECT uid FROM claim WHERE id = ?", (cid,)).fetchone()[0]
    sub = json.loads(db.execute("SELECT payload FROM outbox WHERE type = 'claim.submit'"
                                ).fetchone()[0])
    assert sub["claim_id"] == uid and sub["amount_rp"] == RATES["uang_harian"] and \
        sub["session_id"]
    docs = [("rates", 7, {"csv": rates_csv()}),
            ("rates", 8, {"csv": "tahun,provinsi,item,jumlah\n2026,X,uang_saku,1\n"}),
            ("payments", 3, {"claim_id": uid, "status": "paid", "paid_at_ms": 1,
                             "reference": "SP2D-77"}),
            ("payments", 4, {"claim_id": "f" * 32, "status": "paid", "reference": "x"})]
    for kind, cursor, doc in docs:
        db.execute("INSERT INTO sync_inbox(kind, cursor, doc, received_ms) VALUES (?, ?, ?, 0)",
                   (kind, cursor, json.dumps(doc)))
    db.commit()
    db.close()
    assert "2 dokumen dari pusat diterapkan, 2 ditolak" in cb.box.pbctl("claims", "apply").stdout
    assert "0 dokumen dari pusat diterapkan, 0 ditolak" in \
        cb.box.pbctl("claims", "apply").stdout
    db = cb.db()
    assert db.execute("SELECT source FROM rate_version ORDER BY version").fetchall() == \
        [("pbctl",), ("hub",)]
    assert dict(((k, c), a) for k, c, a in db.execute(
        "SELECT kind, cursor, applied FROM sync_inbox")) == {
        ("rates", 7): 1, ("rates", 8): -1, ("payments", 3): 1, ("payments", 4): -1}
    assert len(db.execute("SELECT 1 FROM audit WHERE action = 'inbox.refused'").fetchall()) == 2
    paid = json.loads(db.execute("SELECT payload FROM outbox WHERE type = 'claim.paid'"
                                 ).fetchone()[0])
    assert paid["claim_id"] == uid and paid["ref"] == "SP2D-77"
    db.close()
    mine = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}",
                        headers={"X-Checkin-Id": p0}).json()
    assert [c["status"] for c in mine["claims"]] == ["paid"]
    assert mine["claims"][0]["decision"]["ref"] == "SP2D-77"
    assert "chain OK" in cb.box.pbctl("outbox", "verify").stdout


def test_kill9_during_claims_and_decisions(make_box):
    """pb-web is killed with SIGKILL in the middle of a burst of claims and
    decisions: every answer that was 2xx is in the database after the
    restart, the totals equal the approved events, the chain verifies."""
    import sqlite3
    import threading
    import time
    n = 40
    cb = ClaimBox(make_box, n=n)
    for i in range(n):
        cb.check_in(i)
    ok_claims = {}          # id -> amount, for every 201
    ok_approved = set()     # ids whose approval got a 200
    lock = threading.Lock()
    stop = threading.Event()
    queue = []

    def teacher(batch):
        s = requests.Session()
        for i in batch:
            for item in ("uang_harian", "uang_makan", "transport"):
                if stop.is_set():
                    return
                body = {"session": cb.sid, "nuptk": nuptk(i), "item": item,
                        "checkin": cb.proof[i]}
                if item == "transport":
                    body.update(mode="ojek", origin="Kabupaten Malang", amount=20000 + 997 * i,
                                evidence="dpr", dpr_confirm=True, signature=SIG)
                try:
                    r = s.post(cb.base + "/api/v1/claims", json=body, timeout=10)
                except requests.RequestException:
                    return
                if r.status_code == 201:
                    with lock:
                        ok_claims[r.json()["id"]] = r.json()["amount"]
                        queue.append(r.json()["id"])

    def facilitator():
        while not stop.is_set():
            with lock:
                cid = queue.pop(0) if queue else None
            if cid is None:
                time.sleep(0.005)
                continue
            try:
                r = cb.decide(cid, "approve")
            except requests.RequestException:
                return
            if r.status_code == 200:
                with lock:
                    ok_approved.add(cid)

    batches = [list(range(k, n, 6)) for k in range(6)]
    threads = [threading.Thread(target=teacher, args=(b,)) for b in batches]
    threads += [threading.Thread(target=facilitator) for _ in range(2)]
    for t in threads:
        t.start()
    deadline = time.time() + 60
    while len(ok_approved) < 30 and time.time() < deadline:
        time.sleep(0.01)
    cb.box.web.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    cb.box.web = None
    assert len(ok_claims) >= 30 and len(ok_approved) >= 30, (len(ok_claims), len(ok_approved))
    db = sqlite3.connect(cb.box.db_path())
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = dict(db.execute("SELECT id, amount FROM claim"))
    for cid, amount in ok_claims.items():
        assert stored.get(cid) == amount, cid
    approved = {cid for (cid,) in db.execute(
        "SELECT c.id FROM claim c JOIN claim_event e ON e.id = (SELECT MAX(id) FROM "
        "claim_event WHERE claim_id = c.id) WHERE e.kind = 'approve'")}
    assert ok_approved <= approved
    want = db.execute("SELECT COALESCE(SUM(e.amount), 0) FROM claim_event e WHERE "
                      "e.kind = 'approve' AND e.id = (SELECT MAX(id) FROM claim_event "
                      "WHERE claim_id = e.claim_id)").fetchone()[0]
    # one outbox record per claim and per decision, committed together
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE type = 'claim.submit'").fetchone()[0] \
        == len(stored)
    assert db.execute("SELECT COUNT(*) FROM outbox WHERE type = 'claim.decision'").fetchone()[0] \
        == db.execute("SELECT COUNT(*) FROM claim_event WHERE kind = 'approve'").fetchone()[0]
    db.close()
    cb.box.start()
    nom = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert nom["totals"]["total"] == want == sum(stored[c] for c in approved)
    assert "chain OK" in cb.box.pbctl("outbox", "verify").stdout


def test_migrations_recorded_per_number(make_box):
    """Each applied migration is recorded by number; a database made before the
    record existed counts 1 .. user_version as applied; a number missing from
    the record is applied even below user_version (a migration merged after a
    higher one, as 3 after 4)."""
    import re
    import sqlite3
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    schema = open(os.path.join(root, "firmware", "lib", "pb_schema.c")).read()
    later = {}       # migration number -> tables it creates
    for m in re.finditer(r"\{ (\d+),\n(.*?)\},?\n", schema, re.S):
        later[int(m.group(1))] = re.findall(r"CREATE TABLE (\w+)", m.group(2))
    assert 4 in later and "claim" in later[4]
    b = make_box()
    os.makedirs(os.path.join(b.dir, "data"))
    b.pbctl("status")
    db = sqlite3.connect(b.db_path())
    nums = [v for (v,) in db.execute("SELECT version FROM schema_migration ORDER BY version")]
    assert nums == sorted(later)
    assert db.execute("PRAGMA user_version").fetchone()[0] == max(nums)
    # as made before the record existed: every number up to user_version is
    # taken as applied, nothing runs twice
    db.execute("DROP TABLE schema_migration")
    db.commit()
    db.close()
    b.pbctl("status")
    db = sqlite3.connect(b.db_path())
    assert [v for (v,) in db.execute("SELECT version FROM schema_migration ORDER BY version")] \
        == sorted(later)
    assert db.execute("SELECT COUNT(*) FROM rate_version").fetchone()[0] == 0
    # 4 landed first (user_version 4, 3 never applied): 3 is applied now
    db.execute("DELETE FROM schema_migration WHERE version = 3")
    for t in later.get(3, []):
        db.execute(f"DROP TABLE {t}")
    db.commit()
    db.close()
    if 3 in later:
        b.pbctl("status")
        db = sqlite3.connect(b.db_path())
        assert 3 in [v for (v,) in db.execute("SELECT version FROM schema_migration")]
        for t in later[3]:
            assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = ?",
                              (t,)).fetchone()[0] == 1
        db.close()


def test_claims_pages_strings_exist_in_both_languages():
    """Every string the claims pages name (data-i18n in the HTML, PB.t/PB.tn with a
    literal key in the scripts) is in the page's Indonesian and English files."""
    import json
    import re
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    web = os.path.join(root, "webapp")
    common = {lang: json.load(open(os.path.join(web, "locale", lang, "common.json")))
              for lang in ("id", "en")}
    # The staff page is served as klaim-petugas.html; its script and strings keep
    # their older file names.
    for page, html_name, scripts in (
            ("klaim", "klaim", ["klaim.js", "claims-common.js"]),
            ("klaim-staff", "klaim-petugas", ["klaim-staff.js", "claims-common.js"])):
        own = {lang: json.load(open(os.path.join(web, "locale", lang, page + ".json")))
               for lang in ("id", "en")}
        assert set(own["id"]) == set(own["en"]), page
        strings = {lang: dict(common[lang], **own[lang]) for lang in ("id", "en")}
        html = open(os.path.join(web, html_name + ".html")).read()
        used = set(re.findall(r'data-i18n(?:-label|-placeholder)?="([^"]+)"', html))
        for s in scripts:
            code = open(os.path.join(web, "js", s)).read()
            used |= set(re.findall(r'PB\.t\("([^"]+)"', code))
            used |= {k + ".other" for k in re.findall(r'PB\.tn\("([^"]+)"', code)}
        used = {k for k in used if not k.endswith(".")}       # built from data: below
        used |= {"claims.status." + s for s in ("submitted", "approved", "rejected", "paid")}
        used |= {"claims.mode." + m for m in ("angkutan_umum", "ojek", "motor", "mobil",
                                              "kapal", "jalan_kaki", "lainnya")}
        if page == "klaim":
            used |= {"klaim.flat.uang_harian", "klaim.flat.uang_makan"}
        used |= {"claims.item." + s for s in RATES} | {"claims.item.transport"}
        for lang in ("id", "en"):
            missing = sorted(k for k in used if k not in strings[lang])
            assert missing == [], (page, lang, missing)
