"""A claim rejected on the box and filed again reaches the hub as two
claims, all real processes (pb-web, pb-sync, pb-hub, PostgreSQL): the hub
takes both (neither refused), keeps each one's decision, lists only the
approved one in its claims export, and a payment for it comes back to the
box for that claim alone."""
import csv
import io
import os
import sys

from pbhub import box_counts, sync_once, sync_section

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from claims_util import ClaimBox, nuptk  # noqa: E402

CENTRE = "PB-TEST-001"


def test_rejected_then_filed_again_reaches_the_hub_as_two_claims(boxes, hub):
    token = hub.cli("token", CENTRE).stdout.strip()
    cb = ClaimBox(boxes, n=1, extra=sync_section(hub.base, token))
    cb.check_in(0)
    old = cb.transport(0, 40000)
    assert old.status_code == 201, old.text
    assert cb.decide(old.json()["id"], "reject", "Kuitansi tidak terbaca").status_code == 200
    new = cb.transport(0, 45000)
    assert new.status_code == 201, new.text
    assert cb.decide(new.json()["id"], "approve").status_code == 200
    with cb.db() as c:
        uid = dict(c.execute("SELECT id, uid FROM claim"))
    old_uid, new_uid = uid[old.json()["id"]], uid[new.json()["id"]]

    sync_once(cb.box)
    assert box_counts(cb.box)[1] == 0
    assert hub.sql("SELECT count(*) FROM records WHERE refused IS NOT NULL") == "0"
    # both claims, each with its own decision, for the same teacher, item and day
    got = hub.sql("SELECT string_agg(payload_json->>'claim_id' || ':' || "
                  "(payload_json->>'decision'), ',' ORDER BY seq) FROM records "
                  "WHERE type = 'claim.decision'")
    assert got == f"{old_uid}:reject,{new_uid}:approve", got
    subs = hub.sql("SELECT string_agg(DISTINCT (payload_json->>'nuptk') || '/' || "
                   "(payload_json->>'item'), ',') || ' ' || count(DISTINCT "
                   "payload_json->>'claim_id') FROM records WHERE type = 'claim.submit'")
    assert subs == f"{nuptk(0)}/transport 2", subs
    rows = list(csv.DictReader(io.StringIO(hub.cli("export", "claims").stdout)))
    assert [(r["claim_id"], r["amount_rp"], r["paid"]) for r in rows] == [(new_uid, "45000", "no")]

    # the payment of the approved claim comes back to the box for it alone
    hub.cli("paid", new_uid, "SP2D-9")
    sync_once(cb.box)
    status = {c["id"]: c["status"] for c in
              cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["claims"]}
    assert status == {old.json()["id"]: "rejected", new.json()["id"]: "paid"}
    nom = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert nom["totals"]["total"] == 45000
