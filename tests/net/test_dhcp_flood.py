"""One phone on the hotspot takes every DHCP lease by making up client
addresses (a new random chaddr in each DISCOVER/REQUEST, as DHCP starvation
tools do), so teachers' phones get no address.

Real parts: dnsmasq with the config `pbctl net render` wrote, the rendered
DHCP guard loaded with nft as pb-dnsmasq.service does, busybox udhcpc as a
teacher's phone, and tests/net/dhcp_flood.py sending real DHCP packets from
the hostile phone's namespace. A bridge and veths stand in for the radio:
each phone is one station, its frames carry its own MAC (a Wi-Fi station
that wants another must associate anew, which hostapd's station limit
bounds; that part needs a radio and is not tested here)."""
import json
import os
import shlex
import time

import pytest

from netlab import BOX_IP, HERE, NET, ROOT, box_config, pbctl, run

POOL = 50                       # .50 - .99


def start_dnsmasq(lab, out, name):
    pid = os.path.join(lab.tmp, name + ".pid")
    lab.pidfiles.append(pid)
    d = lab.start(lab.in_box("dnsmasq", "-k", "-C", os.path.join(out, "dnsmasq.conf"),
                             f"--pid-file={pid}", "--log-facility=-", "--user=root",
                             "--log-dhcp"), name)
    for _ in range(200):
        if os.path.exists(pid):
            break
        assert d.alive(), d.output()
        time.sleep(0.05)
    return d


def load_guard(lab, out):
    """pb-dnsmasq.service's nft line, as written but for the folder."""
    unit = open(os.path.join(ROOT, "image", "systemd", "pb-dnsmasq.service")).read()
    lines = [ln.split("=", 1)[1].lstrip("-") for ln in unit.splitlines()
             if ln.startswith("ExecStartPre=") and "/nft " in ln]
    assert len(lines) == 1, unit
    run(lab.in_box(*shlex.split(lines[0].replace("/run/pb-net", out))))


def flood(lab, most):
    p = run(lab.phones[0].run_in("/usr/bin/python3", os.path.join(HERE, "dhcp_flood.py"),
                                 lab.phones[0].ifname, str(most), "8"), timeout=300)
    return json.loads(p.stdout)


def teacher_lease(lab):
    ph = lab.phones[1]
    return run(ph.run_in("busybox", "udhcpc", "-i", ph.ifname, "-s",
                         os.path.join(HERE, "udhcpc-hook.sh"), "-n", "-q", "-t", "3",
                         "-T", "1"), check=False, env=dict(os.environ, PB_PHONE_DIR=ph.dir))


def leases(path):
    with open(path) as f:
        return len(f.read().splitlines())


def test_one_phone_cannot_take_every_lease(lab):
    conf = box_config(
        lab.tmp, wifi="security = open\n",
        net=(f"address = {BOX_IP}\ndhcp_start = {NET}.50\ndhcp_end = {NET}.99\n"
             f"interface = {lab.box_if}\nuplink = pbup0\n"))
    out = os.path.join(lab.tmp, "rendered")
    pbctl(conf, "net", "render", out)
    lease_file = os.path.join(lab.tmp, "dnsmasq.leases")

    # dnsmasq alone, as the box ran it: one phone takes the whole pool in
    # seconds, and a teacher's phone gets no address.
    dns = start_dnsmasq(lab, out, "dnsmasq-alone")
    r = flood(lab, POOL + 10)
    assert r["acked"] == POOL, r
    assert leases(lease_file) == POOL
    p = teacher_lease(lab)
    assert p.returncode != 0, p.stdout + p.stderr
    dns.stop()
    os.unlink(lease_file)

    # With the rendered guard: the phone gets what its burst pays for (two
    # packets a lease), the teacher gets an address from the pool.
    load_guard(lab, out)
    try:
        dns = start_dnsmasq(lab, out, "dnsmasq-guarded")
        r = flood(lab, POOL + 10)
        assert r["acked"] <= 10 // 2, r
        p = teacher_lease(lab)
        assert p.returncode == 0, p.stdout + p.stderr
        with open(os.path.join(lab.phones[1].dir, "lease.env")) as f:
            got = dict(line.rstrip("\n").partition("=")[::2] for line in f)
        last = int(got["ip"].rsplit(".", 1)[1])
        assert got["ip"].startswith(NET + ".") and 50 <= last <= 99, got
        rules = run(lab.in_box("nft", "list", "table", "inet", "pb_dhcp")).stdout
        dropped = int(rules.split("counter packets ")[1].split()[0])
        assert dropped > 0, rules
        print(f"flood: alone {POOL}/{POOL} leases; guarded {r}, {dropped} packets dropped")
    finally:
        run(lab.in_box("nft", "delete", "table", "inet", "pb_dhcp"), check=False)
