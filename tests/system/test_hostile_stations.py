"""One phone with many addresses on the hotspot: many DHCP leases (about 30
past the DHCP guard, docs/hotspot.md) or any number set by hand. Counted by
address, 16 leases x [web] max_connections_per_ip filled max_connections
and the box answered nobody else. Connections (and body bytes) are now
counted per client: the station the lease file gives an address (all its
addresses together), the hotspot's addresses without a lease together (when
the box's DHCP serves the hotspot: the lease file exists), or another
address alone.

127.0.x.y source addresses stand for phones; [net] address = 127.0.6.1/24
makes 127.0.6.0/24 the hotspot's network here; 127.0.4.x and 127.0.0.x are
outside it, so they count by their lease, or alone."""
import http.client
import os
import socket
import time

from attendance_util import Staff, add_staff, checkin, nuptk, roster_csv
from pbtest import status_field
from test_hostile_bodies import assert_one_share
from test_limits import connect, is_refused

ATTACKER = "02:00:00:00:00:0a"
TEACHER = "02:00:00:00:00:0b"
NET = ("[net]\naddress = 127.0.6.1\nprefix = 24\ndhcp_start = 127.0.6.10\n"
       "dhcp_end = 127.0.6.250\nlease_file = {}\n")
ATT = "[attendance]\ncode_fail_max = 5\n"


def lease_lines(mac, ips):
    until = int(time.time()) + 86400
    return "".join(f"{until} {mac} {ip} ponsel *\n" for ip in ips)


def write_leases(path, text):
    """Rewrite the lease file in place, as dnsmasq does."""
    with open(path, "w") as f:
        f.write(text)


def mib(pid):
    return int(status_field(f"/proc/{pid}/status", "VmRSS").split()[0]) / 1024


def try_served(box, src):
    """A connection from src that got 200 for /healthz and stays open, or
    None if the box closed it or answered 503."""
    c = http.client.HTTPConnection(box.host, box.port, timeout=10, source_address=(src, 0))
    try:
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
    except (OSError, http.client.HTTPException):
        c.close()
        return None
    if r.status != 200:
        c.close()
        return None
    return c


def test_many_addresses_of_one_phone_leave_the_teachers_room(make_box, tmp_path):
    """16 leases of one station and 8 hand-set addresses, 8 connections
    tried on each (192) against max_connections 40, max_connections_per_ip
    8: the station holds 8, the hand-set addresses 8 together; the teacher
    (a lease of its own) loads pages and checks in meanwhile."""
    leases = tmp_path / "dnsmasq.leases"
    attack_ips = [f"127.0.4.{i}" for i in range(1, 17)]
    write_leases(leases, lease_lines(ATTACKER, attack_ips) + lease_lines(TEACHER, ["127.0.0.3"]))
    box = make_box(extra="max_connections = 40\nmax_connections_per_ip = 8\n"
                         "connection_timeout = 60",
                   sections=NET.format(leases) + ATT).start()
    add_staff(box)
    staff = Staff(box)
    sid = staff.create_session()
    assert staff.roster(sid, roster_csv(3)).status_code == 200
    code = staff.code(sid)
    pid = box.web.proc.pid
    idle = mib(pid)
    held = {"station": [], "by hand": []}
    try:
        for ip in attack_ips:
            for _ in range(8):
                c = try_served(box, ip)
                if c is not None:
                    held["station"].append(c)
        for i in range(2, 10):
            for _ in range(8):
                c = try_served(box, f"127.0.6.{i}")
                if c is not None:
                    held["by hand"].append(c)
        during = mib(pid)
        print(f"VmRSS idle {idle:.1f} MB, with the attack held {during:.1f} MB; "
              f"served: station {len(held['station'])}, by hand {len(held['by hand'])}")
        # the teacher's phone: a page, the catalogue, a check-in
        for path in ("/", "/api/v1/modules", "/healthz"):
            c = http.client.HTTPConnection(box.host, box.port, timeout=10,
                                           source_address=("127.0.0.3", 0))
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            assert r.status == 200, (path, r.status)
        st, j = checkin(box, "127.0.0.3", sid, nuptk(1), code)
        assert st == 201 and j["existing"] is False, (st, j)
        assert len(held["station"]) == 8, len(held["station"])
        assert len(held["by hand"]) == 8, len(held["by hand"])
        # every held connection is still the attacker's: none was let go
        assert all(is_refused(connect(box, ip), timeout=5) for ip in ("127.0.4.1", "127.0.6.20"))
    finally:
        for cs in held.values():
            for c in cs:
                c.close()


def test_stations_follow_the_lease_file(make_box, tmp_path):
    """No lease file (the hotspot's DHCP is not the box's): each address
    counts alone, as before. Once the file exists, hand-set addresses of
    the hotspot share one client's connections; a station whose lease moved
    to another address keeps its count there."""
    leases = tmp_path / "dnsmasq.leases"
    box = make_box(extra="max_connections = 100\nmax_connections_per_ip = 4\n"
                         "connection_timeout = 60",
                   sections=NET.format(leases)).start()
    held = []
    try:
        for ip in ("127.0.6.2", "127.0.6.3"):
            for _ in range(4):
                c = try_served(box, ip)
                assert c is not None, f"{ip} alone was refused without a lease file"
                held.append(c)
        extra = connect(box, "127.0.6.2")
        assert is_refused(extra), "a fifth connection from one address was served"
        extra.close()

        write_leases(leases, lease_lines(ATTACKER, ["127.0.4.1"]))
        pool = [try_served(box, "127.0.6.4") for _ in range(4)]
        held += [c for c in pool if c is not None]
        assert all(c is not None for c in pool)
        assert try_served(box, "127.0.6.5") is None, \
            "a hand-set address got connections of its own beside the others"

        station = [try_served(box, "127.0.4.1") for _ in range(4)]
        assert all(c is not None for c in station)
        assert try_served(box, "127.0.4.2") is not None, "an address without a lease " \
            "outside the hotspot's network counts alone"
        # the station's lease moves to 127.0.4.2 (dnsmasq rewrites the file)
        write_leases(leases, lease_lines(ATTACKER, ["127.0.4.2"]))
        assert try_served(box, "127.0.4.2") is None, \
            "the station's new address got connections beside its old ones"
        for c in station:
            c.close()
        time.sleep(0.5)
        c = try_served(box, "127.0.4.2")
        assert c is not None, "the station's new address was refused once the old closed"
        held.append(c)
    finally:
        for c in held:
            c.close()


def test_hand_set_addresses_share_one_body_share(make_box, tmp_path):
    """Five hand-set addresses of the hotspot announcing receipt-sized
    claims: one share between them (the first fits, the rest 503), while a
    phone with its lease and an address of another network still get
    theirs."""
    leases = tmp_path / "dnsmasq.leases"
    write_leases(leases, lease_lines(TEACHER, ["127.0.0.3"]))
    box = make_box(extra="body_budget_per_client_bytes = 1048576",
                   sections=NET.format(leases)).start()
    assert_one_share(box, [f"127.0.6.{i}" for i in range(2, 7)],
                     ["127.0.0.3", "127.0.0.4"])        # the teacher; another network


def test_a_large_lease_file_is_read_once(make_box, tmp_path):
    """A lease file of 20,000 lines (far past PB_STATION_LEASES_MAX): read
    once into the table, not per connection; a station in its first
    lines counts as one; 300 connections cost little processor time."""
    leases = tmp_path / "dnsmasq.leases"
    until = int(time.time()) + 86400
    lines = lease_lines(ATTACKER, ["127.0.4.1", "127.0.4.2"])
    lines += "".join(f"{until} 02:00:00:01:{i >> 8 & 255:02x}:{i & 255:02x} "
                     f"10.9.{i >> 8 & 255}.{i & 255} x *\n" for i in range(20000))
    write_leases(leases, lines)
    box = make_box(extra="max_connections_per_ip = 4\nconnection_timeout = 60",
                   sections=NET.format(leases)).start()
    pid = box.web.proc.pid
    held = [try_served(box, "127.0.4.1") for _ in range(4)]
    try:
        assert all(c is not None for c in held)
        assert try_served(box, "127.0.4.2") is None
        t0 = os.times()
        cpu0 = sum(int(x) for x in open(f"/proc/{pid}/stat").read().split(")")[1].split()[11:13])
        for _ in range(300):
            s = socket.create_connection((box.host, box.port), source_address=("127.0.0.5", 0))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while s.recv(4096):
                pass
            s.close()
        cpu1 = sum(int(x) for x in open(f"/proc/{pid}/stat").read().split(")")[1].split()[11:13])
        ticks = os.sysconf("SC_CLK_TCK")
        cpu = (cpu1 - cpu0) / ticks
        print(f"300 connections with a 20,000-line lease file: pb-web {cpu:.2f} s of "
              f"processor ({os.times().elapsed - t0.elapsed:.1f} s wall)")
        assert cpu < 1.5, cpu
    finally:
        for c in held:
            if c is not None:
                c.close()
