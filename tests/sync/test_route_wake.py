"""pb-sync hears the kernel's route events: in a network namespace without
a default route it waits without trying the hub (its fallback look at the
routing table is a minute away), and the moment a default route appears —
as a DHCP client or modem adds it — it notices (box_meta
sync.route_seen_ms) and uploads. A box namespace and a hub namespace on a
plain veth (tests/badlink.py without the bad parts)."""
import os
import re

import pytest

from badlink import hub_behind, hub_url, namespaces
from pbhub import Sync, add_records, box_counts, box_meta, sync_section, wait_for
from pbtest import BUILD, Daemon

FALLBACK_S = 60        # PB_SYNC_ROUTE_IDLE_S: without events, the next look


def sync_in_box_ns(link, b):
    """pb-sync in the box's namespace, once it says offline (no route)."""
    sync = Sync(b)
    sync.daemon = Daemon(["ip", "netns", "exec", link.box_ns, os.path.join(BUILD, "pb-sync"),
                          "-c", b.conf], os.path.join(b.dir, "pb-sync.log"))
    wait_for(lambda: box_meta(b, "sync.state") == "offline", 30, what="offline")
    return sync


@pytest.fixture
def link(tmpdir_hub):
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    with namespaces(tmpdir_hub, bad=False) as lk:
        yield lk


def test_default_route_event_wakes_pb_sync(link, pg, tmpdir_hub, boxes):
    hub = hub_behind(link, pg, tmpdir_hub)
    b = boxes(sections=sync_section(hub_url(link), hub.cli("token", "PB-TEST-001").stdout
                                    .strip(), "backoff_max_s = 900"))
    b.pbctl("init")
    add_records(b, "attendance.checkin", [{"n": i} for i in range(3)])
    sync = sync_in_box_ns(link, b)
    try:
        assert "no default route" in box_meta(b, "sync.last_error")
        assert box_meta(b, "sync.route_seen_ms") is None
        assert hub.sql("SELECT count(*) FROM boxes") == "0"      # never tried
        link.route(True)
        # well before the fallback look: only the event can have woken it
        wait_for(lambda: box_meta(b, "sync.route_seen_ms"), FALLBACK_S * 2 / 3,
                 what="the route noticed")
        wait_for(lambda: box_counts(b) == (3, 0), FALLBACK_S * 2 / 3, what="uploaded")
        assert "backhaul: a default route appeared" in sync.daemon.output()
        assert "no route events" not in sync.daemon.output()      # not the 5 s fallback
    finally:
        sync.stop()
        hub.stop()
    assert hub.count(box_meta(b, "box_id")) == 3


PROBE_BATCH_BYTES = 1024     # PB_SYNC_PROBE_BATCH_BYTES
RECORDS = 60


@pytest.mark.parametrize("batch_probes", [1, 0])
def test_first_batch_checks_the_hub(link, pg, tmpdir_hub, boxes, batch_probes):
    """Once a default route appears and records wait, pb-sync sends a first
    batch of one TCP segment at once, without a reachability check before
    it ([sync] batch_probes = 1): the hub's answer proves it is there, and
    the next batch starts at batch_start_bytes. While the hub cannot be
    reached (the wire cut silently) that batch is the check that fails:
    pb-sync says offline and tries it again, again without a check, until
    the hub answers; every record arrives once, the chain verified. With
    batch_probes = 0 the check goes first and the first batch is a full
    one."""
    hub = hub_behind(link, pg, tmpdir_hub)
    # the check over the cut wire times out after probe_timeout_s (the
    # shortest allowed), not the default 20 s
    b = boxes(sections=sync_section(hub_url(link), hub.cli("token", "PB-TEST-001").stdout
                                    .strip(), f"batch_probes = {batch_probes}\n"
                                    "probe_timeout_s = 2"))
    b.pbctl("init")
    link.enrol(b)
    add_records(b, "attendance.checkin",         # ~100 B each once compressed
                [{"n": i, "note": os.urandom(100).hex()} for i in range(RECORDS)])
    sync = sync_in_box_ns(link, b)
    try:
        link.cut(True)
        link.route(True)
        wait_for(lambda: "offline: " in (box_meta(b, "sync.last_error") or ""), 90,
                 what="the first try failing")
        assert box_counts(b) == (RECORDS, RECORDS)
        link.cut(False)
        wait_for(lambda: box_counts(b) == (RECORDS, 0), 120, what="uploaded")
        log = sync.daemon.output()
    finally:
        sync.stop()
        hub.stop()
    tries = [line for line in log.splitlines() if "batch 1.." in line or "probe:" in line]
    sizes = [int(m.group(1)) for m in re.finditer(r"batch \d+\.\.\d+, (\d+) B: .*answered",
                                                  log)]
    if batch_probes:
        assert "records wait: the first batch checks that the hub is there" in log
        assert not any("probe:" in t for t in tries), log
        # the one that failed in the cut, then the same batch again, answered
        assert "timed out" in tries[0] and tries[-1].endswith("answered"), log
        assert sizes[0] <= PROBE_BATCH_BYTES < sizes[1], log
    else:
        assert "records wait" not in log
        assert "probe:" in tries[0] and "timed out" in tries[0], log
        assert "hub there" in tries[-2] and tries[-1].endswith("answered"), log
        assert sizes[0] > PROBE_BATCH_BYTES, log
    bid = box_meta(b, "box_id")
    assert hub.count(bid) == RECORDS
    assert f"chain OK, {RECORDS} records" in hub.cli("verify", bid).stdout
