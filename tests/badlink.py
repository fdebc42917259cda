"""A box and a hub in two network namespaces joined by a veth made bad on
purpose on both sides, as a rural backhaul is: 64 kbit/s (tbf), 5 % of
packets lost (nft numgen) and 300 ms held per direction (NFQUEUE +
build/tests/pb-nfq-delay), ~600 ms round trip. Names carry the pid; down()
removes everything. Needs root. Used by tests/sync/test_badlink.py and
bench/bench_sync.py --badlink.

A cut drops every packet on the wire silently, as a broken backhaul does:
each side's input from the veth is dropped both before the delay queue
(sent during the cut) and after it (in flight when the cut began). Neither
end's own interface or routes change, so neither kernel learns of the cut:
taking the hub's interface down instead made the hub's SYN-ACK retries fail
locally, the kernel then forgot the half-open connection, and the box's
request after the cut was answered with a reset no real cut gives."""
import contextlib
import os
import re
import subprocess

from pbtest import BUILD, Daemon

DELAY = os.path.join(BUILD, "tests", "pb-nfq-delay")


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, timeout=30)


def nft(ns, rules):
    subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=rules, text=True,
                   check=True, capture_output=True, timeout=30)


def available():
    return os.geteuid() == 0 and os.path.exists(DELAY)


class BadLink:
    def __init__(self, bad=True):
        pid = os.getpid()
        self.bad = bad
        self.box_ns, self.hub_ns = f"pbB{pid}", f"pbH{pid}"
        self.box_if, self.hub_if = f"pbb{pid}", f"pbh{pid}"
        net = pid % 250
        self.box_ip, self.hub_ip = f"10.214.{net}.1", f"10.214.{net}.2"
        self.delays = []
        self.tool = []          # each delay tool's exit report, after down()

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
            nft(ns, f"table inet pbcut {{\n"
                    f" chain wire {{ type filter hook input priority -10; }}\n"
                    f" chain held {{ type filter hook input priority 10; }}\n}}\n")
            if not self.bad:
                continue
            sh("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", ifname, "root", "tbf",
               "rate", "64kbit", "burst", "1600", "limit", "30000")
            rules = (f"table inet pbloss {{\n chain in {{\n type filter hook input priority 0;\n"
                     f" iifname \"{ifname}\" numgen random mod 100 < 5 counter drop\n }}\n}}\n")
            nft(ns, rules)
            sh("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-i", ifname, "-j",
               "NFQUEUE", "--queue-num", "7", "--queue-bypass")
            self.delays.append(Daemon(["ip", "netns", "exec", ns, DELAY, "7", "300"],
                                      os.path.join(tmp, f"delay-{ns}.log")))
        return self

    def route(self, present):
        sh("ip", "-n", self.box_ns, "route", "add" if present else "del", "default",
           "via", self.hub_ip)

    def enrol(self, box, tries=3):
        """Enrol the box at the hub over the link (done long before a
        training day), leaving it without a default route again."""
        self.route(True)
        try:
            for i in range(tries):
                p = subprocess.run(["ip", "netns", "exec", self.box_ns,
                                    os.path.join(BUILD, "pbctl"), "-c", box.conf, "enrol"],
                                   capture_output=True, text=True, timeout=120)
                if p.returncode == 0:
                    return
            raise AssertionError(p.stderr)
        finally:
            self.route(False)

    def cut(self, down):
        """Cut the wire (down) or mend it: both sides' input from the veth
        dropped or let through again, nothing else touched."""
        for ns, ifname in ((self.hub_ns, self.hub_if), (self.box_ns, self.box_if)):
            rules = "".join(f"flush chain inet pbcut {c}\n" +
                            (f"add rule inet pbcut {c} iifname \"{ifname}\" drop\n" if down else "")
                            for c in ("wire", "held"))
            nft(ns, rules)

    def down(self):
        for d in self.delays:
            d.stop(expect_code=None)
            self.tool.append(tool_report(d.output()))
            if os.environ.get("PB_NFQ_TRACE") == "1":
                print(d.argv[3], d.output())
        self.delays = []
        for ns in (self.box_ns, self.hub_ns):
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


def tool_report(log):
    """pb-nfq-delay's exit line as numbers: packets, dropped (by the kernel:
    queue full or not delivered to the tool), undelayed, late_max_ms, late
    (over its LATE_MS); None when it printed none."""
    m = re.search(r"(\d+) packets, unintended: (\d+) dropped .*?, (\d+) undelayed; "
                  r"late: (\d+) ms at most, (\d+) over", log)
    if m is None:
        return None
    return dict(zip(("packets", "dropped", "undelayed", "late_max_ms", "late"),
                    map(int, m.groups())))


def unintended(link):
    """What the delay tools did that a real link would not: packets dropped
    or passed undelayed, summed over both sides (None when a tool gave no
    report)."""
    if not link.tool or None in link.tool:
        return None
    return sum(r["dropped"] + r["undelayed"] for r in link.tool)


@contextlib.contextmanager
def namespaces(tmp, bad=True):
    """A BadLink made and removed around a with block."""
    link = BadLink(bad)
    try:
        link.up(tmp)
        yield link
    finally:
        link.down()


def hub_behind(link, pg, tmp):
    """A pb-hub listening on the hub's side of the link."""
    from pbhub import SERVE_AS, Hub, wait_for
    hub = Hub(pg, tmp)
    hub.daemon = Daemon(["ip", "netns", "exec", link.hub_ns, os.path.join(BUILD, "pb-hub"),
                         "-d", hub.conn, "-f", hub.files, "-l", f"{link.hub_ip}:8780",
                         *SERVE_AS], hub.log)
    wait_for(lambda: "listening on" in hub.daemon.output(), 20, what="pb-hub listening")
    return hub


def hub_url(link):
    return f"http://{link.hub_ip}:8780"


def day_over_link(link, box, cuts, cut_s=1.0):
    """pb-sync in the box's namespace, no default route yet; then the route
    appears and the hub's side of the link is cut cuts times (cut_s down,
    cut_s up) while the records go up. Returns (route noticed after s, last
    acknowledgement after s, cuts made while records were pending), both
    times from the route's appearance, by the box's own clock stamps
    (box_meta sync.route_seen_ms, outbox acked_ms)."""
    import sqlite3
    import time
    from pbhub import Sync, box_counts, box_meta, wait_for
    total = box_counts(box)[0]
    sync = Sync(box)
    sync.daemon = Daemon(["ip", "netns", "exec", link.box_ns, os.path.join(BUILD, "pb-sync"),
                          "-c", box.conf], os.path.join(box.dir, "pb-sync.log"))
    cuts_mid_upload = 0
    try:
        wait_for(lambda: box_meta(box, "sync.state") == "offline", 30, what="offline")
        assert "no default route" in box_meta(box, "sync.last_error")
        assert box_counts(box) == (total, total)
        t0_ms = time.time() * 1000
        link.route(True)           # as a DHCP client or modem would add it
        if os.environ.get("PB_SHOW_SYNC_LOG"):
            print(f"route added at {t0_ms:.0f}")
        wait_for(lambda: box_meta(box, "sync.route_seen_ms"), 90, what="route noticed")
        for _ in range(cuts):
            pending = box_counts(box)[1]
            if os.environ.get("PB_SHOW_SYNC_LOG"):
                print(f"cut at {time.time() * 1000:.0f}")
            link.cut(True)
            time.sleep(cut_s)
            link.cut(False)
            cuts_mid_upload += pending > 0
            time.sleep(cut_s)
        wait_for(lambda: box_counts(box) == (total, 0), 240, 0.5, what="the day acknowledged")
    finally:
        if os.environ.get("PB_SHOW_SYNC_LOG"):
            print(sync.daemon.output())
        sync.stop()
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        last_ack = c.execute("SELECT max(acked_ms) FROM outbox").fetchone()[0]
    noticed = (int(box_meta(box, "sync.route_seen_ms")) - t0_ms) / 1000
    return noticed, (last_ack - t0_ms) / 1000, cuts_mid_upload
