"""A record the hub keeps but refuses (a claim id another box used first,
docs/sync-protocol.md §4): pb-sync takes the acknowledgement, sends
nothing again, and notes the refusal in the box's audit log. Real pb-sync,
pbctl, pb-hub and PostgreSQL."""
import gzip
import json
import os
import sqlite3
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "hub"))
from pbhub import GENESIS, SimBox, box_counts, record_hash, sync_once  # noqa: E402
from test_ingest import box_id, enrolled_box  # noqa: E402


def test_refused_record_is_acknowledged_and_noted(boxes, hub):
    claim = "c" * 32
    # another box used the claim id first
    other = SimBox(0, 0, 1)
    other.enrol(hub.port, hub.cli("token", "PB-OTHER").stdout.strip())
    r = {"seq": 1, "id": "a" * 32, "type": "claim.submit",
         "payload": json.dumps({"claim_id": claim, "session_id": "S1", "amount_rp": 1}),
         "wall_ms": 1795000000000, "clock_source": "ntp", "boot_id": "b", "mono_ms": 1,
         "prev_hash": GENESIS}
    r["hash"] = record_hash(other.box_id, r)
    body = gzip.compress(json.dumps({"v": 1, "box_id": other.box_id, "records": [r]}).encode())
    a = requests.post(f"http://127.0.0.1:{hub.port}/v1/batch", data=body, timeout=30, headers={
        "Content-Type": "application/vnd.pb-batch+gzip", "X-PB-Box": other.box_id,
        "X-PB-Signature": other.key.sign(body).hex()})
    assert a.status_code == 200 and "refused" not in a.json(), a.text

    b = enrolled_box(boxes, hub, records=2)
    b.pbctl("outbox", "add", "claim.submit",
            json.dumps({"claim_id": claim, "session_id": "S1", "amount_rp": 5}), "1")
    sync_once(b)
    with open(os.path.join(b.dir, "pb-sync.log")) as f:
        assert "refused it" in f.read()
    sync_once(b)                      # a second round sends nothing again
    assert box_counts(b) == (3, 0)
    bid = box_id(b)
    assert hub.count(bid) == 3
    assert hub.sql(f"SELECT seq, refused FROM records WHERE box_id = '{bid}' "
                   "AND refused IS NOT NULL") == "3|claim_taken"
    with sqlite3.connect(b.db_path(), timeout=10) as c:
        rows = c.execute("SELECT actor, detail FROM audit WHERE action = "
                         "'sync.record_refused'").fetchall()
    assert len(rows) == 1 and rows[0][0] == "hub", rows
    assert rows[0][1].startswith("seq 3 id ") and rows[0][1].endswith(": claim_taken"), rows
