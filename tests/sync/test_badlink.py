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

from badlink import available, day_over_link, hub_behind, hub_url, namespaces, unintended
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
    # the link was as bad as asked and no worse: the delay tools dropped
    # nothing and let nothing skip the delay (their exit reports)
    badlink.down()
    assert len(badlink.tool) == 2 and all(r and r["packets"] > 0 for r in badlink.tool), \
        badlink.tool
    assert unintended(badlink) == 0, badlink.tool
    print(f"\nbad link: route noticed after {noticed:.1f} s; {total} records acknowledged "
          f"{took:.0f} s after the route appeared, {cuts_mid} of {CUTS} cuts while records "
          f"were pending, {box_meta(b, 'sync.bytes_batches')} bytes of batches; delay tools: "
          f"{badlink.tool}")


RECEIVE = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9))
s.settimeout(60)
print("ready", flush=True)
while True:
    m = s.recv(100).decode()
    print(m, flush=True)
    if m == "after":
        break
"""

SEND = """
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(sys.argv[2].encode(), (sys.argv[1], 9))
"""

CONNECT = """
import socket, sys
try:
    socket.create_connection((sys.argv[1], 9), timeout=2)
    print("connected")
except socket.timeout:
    print("timed out")
except OSError as e:
    print(e)
"""


def test_a_cut_drops_packets_silently(tmp_path):
    """A cut of the emulated backhaul behaves as a real one: the hub's own
    stack still has its route and sends without error, what it sends is
    lost, a connection tried during the cut gets no reset (it times out),
    and traffic flows again once the cut ends."""
    import os
    import subprocess
    import sys
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")

    def run(ns, code, *args):
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", code, *args],
                              capture_output=True, text=True, timeout=60)

    with namespaces(str(tmp_path), bad=False) as link:
        rx = subprocess.Popen(["ip", "netns", "exec", link.box_ns, sys.executable, "-c",
                               RECEIVE, link.box_ip], stdout=subprocess.PIPE, text=True)
        try:
            assert rx.stdout.readline().strip() == "ready"
            link.cut(True)
            route = subprocess.run(["ip", "-n", link.hub_ns, "route", "get", link.box_ip],
                                   capture_output=True, text=True, timeout=30)
            assert route.returncode == 0, route.stderr
            sent = run(link.hub_ns, SEND, link.box_ip, "during")
            assert sent.returncode == 0, sent.stderr
            assert run(link.box_ns, CONNECT, link.hub_ip).stdout.strip() == "timed out"
            link.cut(False)
            sent = run(link.hub_ns, SEND, link.box_ip, "after")
            assert sent.returncode == 0, sent.stderr
            got = rx.communicate(timeout=60)[0].split()
        finally:
            rx.kill()
            rx.wait()
    assert got == ["after"]
