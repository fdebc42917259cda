"""A teacher withdraws a claim while it is still only submitted (with the
proof of their own check-in), may file the same item again that day; a
decided claim cannot be withdrawn, nor can someone else's; a withdrawn
claim cannot be decided. Migration 13 keeps claim events append-only."""
import json
import os
import sqlite3
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims_util import ClaimBox, nuptk  # noqa: E402


def withdraw(cb, claim_id, proof):
    return requests.post(cb.base + f"/api/v1/claims/{claim_id}/withdraw",
                         json={"checkin": proof}, timeout=30)


def test_withdraw_while_submitted_then_file_again(make_box):
    cb = ClaimBox(make_box, n=2)
    p0, p1 = cb.check_in(0), cb.check_in(1, ip="127.0.0.2")
    first = cb.claim(0, "uang_harian").json()
    # someone else's proof, a bad proof, an unknown claim
    r = withdraw(cb, first["id"], p1)
    assert r.status_code == 403 and r.json()["error"] == "other_teacher"
    r = withdraw(cb, first["id"], "0" * 32)
    assert r.status_code == 403 and r.json()["error"] == "bad_proof"
    assert withdraw(cb, first["id"], "x").status_code == 400
    assert withdraw(cb, 999999, p0).status_code == 404
    r = withdraw(cb, first["id"], p0)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn", r.text
    # twice: refused; the facilitator cannot decide it either
    r = withdraw(cb, first["id"], p0)
    assert r.status_code == 409 and r.json()["error"] == "not_withdrawable"
    r = cb.decide(first["id"], "approve")
    assert r.status_code == 409 and r.json()["error"] == "claim_withdrawn"
    # the same item may be filed again that day
    again = cb.claim(0, "uang_harian")
    assert again.status_code == 201 and again.json()["id"] != first["id"], again.text
    mine = requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk={nuptk(0)}",
                        headers={"X-Checkin-Id": p0}, timeout=30).json()
    assert sorted(c["status"] for c in mine["claims"]) == ["submitted", "withdrawn"]
    assert mine["totals"]["submitted"] == again.json()["amount"]
    # a decided claim stays as it is
    assert cb.decide(again.json()["id"], "approve").status_code == 200
    r = withdraw(cb, again.json()["id"], p0)
    assert r.status_code == 409 and r.json()["error"] == "not_withdrawable"
    db = sqlite3.connect(cb.box.db_path())
    recs = [json.loads(p) for (p,) in db.execute(
        "SELECT payload FROM outbox WHERE type = 'claim.withdraw'")]
    assert len(recs) == 1 and recs[0]["claim_id"] == first["uid"]
    # events stay append-only after the table was copied
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("DELETE FROM claim_event")
    with pytest.raises(sqlite3.DatabaseError):
        db.execute("UPDATE claim_event SET amount = 1")
    db.close()


