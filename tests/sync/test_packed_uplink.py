"""Packed batches (docs/sync-protocol.md §4, version 2) end to end, all real
processes (pb-web, pb-sync, pb-hub, PostgreSQL): a training day made
through pb-web's API — finger-drawn signatures on check-ins and DPR claims
— goes up, its first quarter as a gzip batch made like a box not yet updated
sends it, then the rest as pb-sync's packed batches. The hub stores every record once
with the exact payload bytes the box hashed, the chain verifies across the
change of encoding, and the packed batches cost far fewer bytes than the
same records as gzip."""
import json
import sqlite3

from pbhub import (box_counts, box_key, box_meta, box_records, make_body, post_batch, sign,
                   sync_once, sync_section)
from uplink_day import TrainingDay


def test_day_part_gzip_then_packed_verifies_at_the_hub(boxes, hub):
    day = TrainingDay(boxes, sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout
                                          .strip()), teachers=4)
    b = day.box
    b.pbctl("enrol")
    day.checkins()
    day.file_claims()
    day.decide()
    total = box_counts(b)[0]
    recs = box_records(b, 1, total)
    assert len(recs) == total > 30
    signed = [r for r in recs if '"signature":{' in r["payload"]]
    assert len(signed) == 3 * 4                       # check-ins, transport and lodging

    # the first quarter as a box on the old encoding sends it
    bid = box_meta(b, "box_id")
    half = total // 4
    old = make_body(bid, recs[:half])
    r = post_batch(hub, bid, old, sign(box_key(b), old))
    assert r.status_code == 200, r.text
    assert r.json()["acked"] == half
    with sqlite3.connect(b.db_path()) as c:
        c.execute("UPDATE outbox SET acked = 1 WHERE seq <= ?", (half,))

    # the rest by pb-sync, packed
    sync_once(b)
    assert box_counts(b) == (total, 0)
    assert hub.count(bid) == total
    assert f"chain OK, {total} records" in hub.cli("verify", bid).stdout
    # the hub holds the very bytes the box stored and hashed
    held = hub.sql(f"SELECT json_agg(json_build_array(seq, hash, payload) ORDER BY seq) "
                   f"FROM records WHERE box_id = '{bid}'")
    assert [tuple(x) for x in json.loads(held)] == \
        [(r["seq"], r["hash"], r["payload"]) for r in recs]
    # and reads the signatures as strokes
    strokes = hub.sql(f"SELECT count(*) FROM records WHERE box_id = '{bid}' AND "
                      f"jsonb_typeof(payload_json->'signature'->'s') = 'array'")
    assert strokes == str(len(signed))

    # packed, the rest cost (HTTP headers included) well under what its
    # gzip body alone would
    packed = int(box_meta(b, "sync.bytes_batches"))
    assert 0 < packed < len(make_body(bid, recs[half:])) * 0.6, packed
    # nothing goes twice
    sync_once(b)
    assert int(box_meta(b, "sync.bytes_batches")) == packed
    assert hub.count(bid) == total
