"""A training day over a bad backhaul: the box and the hub in two network
namespaces joined by a veth made bad on purpose on both sides — 64 kbit/s
(tbf), 5 % of packets lost (nft numgen) and 300 ms held per direction
(NFQUEUE + build/tests/pb-nfq-delay), ~600 ms round trip — and the hub's
side of the link cut and restored 10 times while the batches go up.
Everything must arrive exactly once, chains verified."""
import json
import os
import random
import subprocess
import time

import pytest

from pbhub import (SERVE_AS, Hub, Sync, box_counts, box_meta, signature_strokes, sync_section,
                   wait_for)
from pbtest import BUILD, Daemon

DELAY = os.path.join(BUILD, "tests", "pb-nfq-delay")
TEACHERS = 40
CUTS = 10


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


class BadLink:
    def __init__(self):
        pid = os.getpid()
        self.box_ns, self.hub_ns = f"pbB{pid}", f"pbH{pid}"
        self.box_if, self.hub_if = f"pbb{pid}", f"pbh{pid}"
        net = pid % 250
        self.box_ip, self.hub_ip = f"10.214.{net}.1", f"10.214.{net}.2"
        self.delays = []

    def up(self, tmp):
        sh("ip", "netns", "add", self.box_ns)
        sh("ip", "netns", "add", self.hub_ns)
        sh("ip", "link", "add", self.box_if, "type", "veth", "peer", "name", self.hub_if)
        for ns, ifname, ip in ((self.box_ns, self.box_if, self.box_ip),
                               (self.hub_ns, self.hub_if, self.hub_ip)):
            sh("ip", "link", "set", ifname, "netns", ns)
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", ifname)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "link", "set", ifname, "up")
            sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", ifname, "root", "tbf",
               "rate", "64kbit", "burst", "1600", "limit", "30000")
            rules = (f"table inet pbloss {{\n chain in {{\n type filter hook input priority 0;\n"
                     f" iifname \"{ifname}\" numgen random mod 100 < 5 counter drop\n }}\n}}\n")
            subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=rules,
                           text=True, check=True, capture_output=True)
            sh("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-i", ifname, "-j",
               "NFQUEUE", "--queue-num", "7", "--queue-bypass")
            self.delays.append(Daemon(["ip", "netns", "exec", ns, DELAY, "7", "300"],
                                      os.path.join(tmp, f"delay-{ns}.log")))
        sh("ip", "-n", self.box_ns, "route", "add", "default", "via", self.hub_ip)

    def cut(self, down):
        sh("ip", "-n", self.hub_ns, "link", "set", self.hub_if, "down" if down else "up")

    def down(self):
        for d in self.delays:
            d.stop(expect_code=None)
        for ns in (self.box_ns, self.hub_ns):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


@pytest.fixture
def badlink(tmpdir_hub):
    if os.geteuid() != 0 or not os.path.exists(DELAY):
        pytest.skip("needs root and build/tests/pb-nfq-delay (libnetfilter-queue-dev)")
    if "/asan" in BUILD:
        pytest.skip("a test of the link, run once on the normal build (the ASan build "
                    "runs every other uplink test)")
    link = BadLink()
    try:
        link.up(tmpdir_hub)
        yield link
    finally:
        link.down()


def training_day(b):
    rng = random.Random(5)
    for t in range(TEACHERS):
        nuptk = f"{3200000000000000 + t}"
        claim = f"C{t:03d}"
        b.pbctl("outbox", "add", "attendance.checkin", json.dumps(
            {"session_id": "S-2026-11-28", "day": 1, "nuptk": nuptk, "name": f"Guru {t}",
             "signature": signature_strokes(rng), "jp": 8}))
        b.pbctl("outbox", "add", "claim.submit", json.dumps(
            {"session_id": "S-2026-11-28", "claim_id": claim, "nuptk": nuptk,
             "item": "transport", "amount_rp": 45000 + 1000 * t}))
        b.pbctl("outbox", "add", "claim.decision", json.dumps(
            {"session_id": "S-2026-11-28", "claim_id": claim, "decision": "approved",
             "by": "fasilitator1"}))


def test_training_day_over_a_bad_link(badlink, pg, tmpdir_hub, boxes):
    hub = Hub(pg, tmpdir_hub)
    hub.daemon = Daemon(["ip", "netns", "exec", badlink.hub_ns, os.path.join(BUILD, "pb-hub"),
                         "-d", hub.conn, "-f", hub.files, "-l", f"{badlink.hub_ip}:8780",
                         *SERVE_AS],
                        hub.log)
    wait_for(lambda: "listening on" in hub.daemon.output(), 20, what="pb-hub listening")
    token = hub.cli("token", "PB-TEST-001").stdout.strip()
    b = boxes(sections=sync_section(f"http://{badlink.hub_ip}:8780", token,
                                    "batch_bytes = 4096\nbackoff_max_s = 5"))
    b.pbctl("init")
    training_day(b)
    total = 3 * TEACHERS
    assert box_counts(b) == (total, total)

    # no backhaul yet: the box waits without trying the hub
    sh("ip", "-n", badlink.box_ns, "route", "del", "default")
    sync = Sync(b)
    sync.daemon = Daemon(["ip", "netns", "exec", badlink.box_ns, os.path.join(BUILD, "pb-sync"),
                          "-c", b.conf], os.path.join(b.dir, "pb-sync.log"))
    cuts_mid_upload = 0
    try:
        wait_for(lambda: box_meta(b, "sync.state") == "offline", 30, what="offline")
        assert "no default route" in box_meta(b, "sync.last_error")
        assert box_counts(b) == (total, total)
        # the backhaul appears (a default route, as a DHCP client or modem would add)
        t0 = time.time()
        sh("ip", "-n", badlink.box_ns, "route", "add", "default", "via", badlink.hub_ip)
        wait_for(lambda: box_meta(b, "sync.state") == "uploading", 60, what="upload started")
        noticed = time.time() - t0
        for _ in range(CUTS):
            pending = box_counts(b)[1]
            badlink.cut(True)
            time.sleep(1.0)
            badlink.cut(False)
            cuts_mid_upload += pending > 0
            time.sleep(1.0)
        wait_for(lambda: box_counts(b) == (total, 0), 240, 0.5, what="the day acknowledged")
        took = time.time() - t0
    finally:
        sync.stop()
        hub.stop()
    bid = box_meta(b, "box_id")
    assert hub.count(bid) == total
    assert hub.sql("SELECT string_agg(type || '=' || n, ',' ORDER BY type) FROM (SELECT type, "
                   "count(*) n FROM records GROUP BY type) t") == \
        f"attendance.checkin={TEACHERS},claim.decision={TEACHERS},claim.submit={TEACHERS}"
    assert f"chain OK, {total} records" in hub.cli("verify", bid).stdout
    csv = hub.cli("export", "claims", "--session", "S-2026-11-28").stdout.strip().splitlines()
    assert len(csv) == TEACHERS + 1
    assert sum(int(line.split(",")[7]) for line in csv[1:]) == \
        sum(45000 + 1000 * t for t in range(TEACHERS))
    print(f"\nbad link: route noticed after {noticed:.1f} s; "
          f"{total} records in {took:.0f} s, {cuts_mid_upload} of {CUTS} cuts "
          f"while records were pending, {box_meta(b, 'sync.bytes_up')} bytes up")
