"""A training day over a bad backhaul (tests/badlink.py: 64 kbit/s, 5 %
loss, ~600 ms round trip), the day made through pb-web's API as on a real
box, and the hub's side of the link cut and restored 10 times while the
batches go up. pb-sync waits without trying while there is no default
route, notices the route when it appears (a kernel route event), and
everything arrives exactly once, chains verified. The times are printed
(bench/bench_sync.py --badlink reports them), not asserted."""
import csv
import io

import pytest

from badlink import available, day_over_link, hub_behind, hub_url, namespaces
from pbhub import box_counts, box_meta, sync_section
from pbtest import BUILD
from uplink_day import TrainingDay

TEACHERS = 40
CUTS = 10


@pytest.fixture
def badlink(tmpdir_hub):
    if not available():
        pytest.skip("needs root and build/tests/pb-nfq-delay (libnetfilter-queue-dev)")
    if "/asan" in BUILD:
        pytest.skip("a test of the link, run once on the normal build (the ASan build "
                    "runs every other uplink test)")
    with namespaces(tmpdir_hub) as link:
        yield link


def test_training_day_over_a_bad_link(badlink, pg, tmpdir_hub, boxes):
    hub = hub_behind(badlink, pg, tmpdir_hub)
    try:
        token = hub.cli("token", "PB-TEST-001").stdout.strip()
        day = TrainingDay(boxes, sync_section(hub_url(badlink), token), teachers=TEACHERS)
        day.checkins()
        day.file_claims()
        day.decide()
        b = day.box
        badlink.enrol(b)
        total = box_counts(b)[0]
        noticed, took, cuts_mid = day_over_link(badlink, b, CUTS)
    finally:
        hub.stop()
    bid = box_meta(b, "box_id")
    assert hub.count(bid) == total
    assert hub.sql("SELECT string_agg(type || '=' || n, ',' ORDER BY type) FROM (SELECT type, "
                   "count(*) n FROM records WHERE type LIKE 'attendance.checkin' OR type LIKE "
                   "'claim.%' GROUP BY type) t") == \
        f"attendance.checkin={TEACHERS},claim.decision={3 * TEACHERS}," \
        f"claim.settings=1,claim.submit={3 * TEACHERS}"
    assert f"chain OK, {total} records" in hub.cli("verify", bid).stdout
    rows = list(csv.DictReader(io.StringIO(hub.cli("export", "claims").stdout)))
    assert len(rows) == 3 * TEACHERS
    assert sum(int(r["amount_rp"]) for r in rows) == \
        sum(30000 + 1000 * t + 350000 + 150000 for t in range(TEACHERS))
    print(f"\nbad link: route noticed after {noticed:.1f} s; {total} records acknowledged "
          f"{took:.0f} s after the route appeared, {cuts_mid} of {CUTS} cuts while records "
          f"were pending, {box_meta(b, 'sync.bytes_batches')} bytes of batches")
