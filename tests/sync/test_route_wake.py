"""pb-sync hears the kernel's route events: in a network namespace without
a default route it waits without trying the hub (its fallback look at the
routing table is a minute away), and the moment a default route appears —
as a DHCP client or modem adds it — it notices (box_meta
sync.route_seen_ms) and uploads. A box namespace and a hub namespace on a
plain veth (tests/badlink.py without the bad parts)."""
import json
import os

import pytest

from badlink import hub_behind, hub_url, namespaces
from pbhub import Sync, box_counts, box_meta, sync_section, wait_for
from pbtest import BUILD, Daemon

FALLBACK_S = 60        # PB_SYNC_ROUTE_IDLE_S: without events, the next look


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
    for i in range(3):
        b.pbctl("outbox", "add", "attendance.checkin", json.dumps({"n": i}))
    sync = Sync(b)
    sync.daemon = Daemon(["ip", "netns", "exec", link.box_ns, os.path.join(BUILD, "pb-sync"),
                          "-c", b.conf], os.path.join(b.dir, "pb-sync.log"))
    try:
        wait_for(lambda: box_meta(b, "sync.state") == "offline", 30, what="offline")
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
