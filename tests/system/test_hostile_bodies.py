"""Request bodies from hostile phones: each route takes at most the body it
reads (none on GET routes, a few KB on JSON forms such as
/api/v1/portal/accept, the receipt size only on /api/v1/claims), checked from Content-Length before a byte is
held and chunk by chunk; and the bytes held for bodies over all
connections stay within [web] body_budget_bytes (503 with Retry-After).
Memory is read from /proc/PID/status (VmHWM: the highest RSS)."""
import select
import socket
import time

import requests

from pbtest import status_field

MIB = 1024 * 1024


def kib(pid, field):
    return int(status_field(f"/proc/{pid}/status", field).split()[0])


def open_upload(box, src, path, length, ctype="application/json", chunked=False):
    s = socket.create_connection((box.host, box.port), timeout=30, source_address=(src, 0))
    head = f"POST {path} HTTP/1.1\r\nHost: {box.host}:{box.port}\r\nContent-Type: {ctype}\r\n"
    head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {length}\r\n"
    s.sendall((head + "\r\n").encode())
    return s


def push(socks, total, chunk=64 * 1024):
    """Send total bytes on every socket, round robin; a socket the server
    closed (it answered early) is dropped from the round."""
    sent = {id(s): 0 for s in socks}
    live = list(socks)
    data = b"x" * chunk
    while live:
        for s in list(live):
            n = min(chunk, total - sent[id(s)])
            try:
                s.sendall(data[:n])
            except OSError:
                live.remove(s)
                continue
            sent[id(s)] += n
            if sent[id(s)] >= total:
                live.remove(s)


def status_of(s, timeout=30):
    s.settimeout(timeout)
    try:
        data = s.recv(4096)
    except OSError:
        return None, b""
    if not data.startswith(b"HTTP/1.1 "):
        return None, data
    return int(data[9:12]), data


def test_180_uploads_to_portal_accept_hold_no_memory(make_box):
    """The attack that took pb-web to 363 MB: 3 addresses x 60 connections,
    each sending ~2 MiB to a route that reads at most an empty JSON form."""
    box = make_box(extra="max_connections_per_ip = 64").start()
    pid = box.web.proc.pid
    base_rss = kib(pid, "VmRSS")
    socks = []
    try:
        for a in (2, 3, 4):
            for _ in range(60):
                socks.append(open_upload(box, f"127.0.0.{a}", "/api/v1/portal/accept",
                                         2 * MIB - 1, ctype="application/x-www-form-urlencoded"))
        push(socks, 2 * MIB - 1)
        time.sleep(0.5)
        statuses = [status_of(s)[0] for s in socks[:10]]
        hwm = kib(pid, "VmHWM")
        assert hwm - base_rss < 48 * 1024, f"pb-web grew from {base_rss} kB to {hwm} kB"
        assert all(st == 413 for st in statuses), statuses
    finally:
        for s in socks:
            s.close()
    assert requests.get(box.base + "/healthz", timeout=30).status_code == 200


def test_route_limits_from_content_length_and_while_streaming(make_box):
    box = make_box().start()
    # A JSON form route refuses a large announced body at once.
    s = open_upload(box, "127.0.0.2", "/api/v1/login", 100 * 1024)
    st, data = status_of(s)
    s.close()
    assert st == 413 and b"too_large" in data
    # The same without Content-Length: refused while it streams in.
    s = open_upload(box, "127.0.0.2", "/api/v1/checkin/lookup", 0, chunked=True)
    try:
        for _ in range(8):
            s.sendall(b"%x\r\n%s\r\n" % (4096, b"x" * 4096))
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    st, data = status_of(s)
    s.close()
    assert st == 413, data
    # A route that reads no body refuses one, also when it is announced.
    s = socket.create_connection((box.host, box.port), timeout=30)
    s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n"
              "Content-Length: 1000000\r\n\r\n".encode())
    st, data = status_of(s)
    s.close()
    assert st == 400 and b"unexpected_body" in data
    # The portal's "Lanjut" (an empty JSON form) still works.
    r = requests.post(box.base + "/api/v1/portal/accept", json={}, timeout=30)
    assert r.status_code == 200, r.text
    # A receipt-sized body is taken where receipts go (refused later for
    # what it holds, not for its size).
    r = requests.post(box.base + "/api/v1/claims", data=b"{" + b" " * 300000 + b"}",
                      headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code != 413, r.text


def test_body_budget_across_connections(make_box):
    box = make_box(extra="body_budget_bytes = 1048576").start()
    pid = box.web.proc.pid
    base_rss = kib(pid, "VmRSS")
    held = []
    refused = []
    try:
        for i in range(12):
            s = open_upload(box, f"127.0.0.{2 + i % 3}", "/api/v1/claims", 600000)
            s.sendall(b"{" + b" " * 1000)
            held.append(s)
        # One of them fits in the budget and waits for the rest of its
        # body; every other is answered at once. pb-web's threads accept in
        # any order, so which one fits is not known in advance.
        answered = {}
        deadline = time.time() + 60
        while len(answered) < len(held) - 1 and time.time() < deadline:
            waiting = [s for s in held if s not in answered]
            ready, _, _ = select.select(waiting, [], [], 1)
            for s in ready:
                answered[s] = status_of(s)
        assert len(answered) == len(held) - 1, f"{len(answered)} of {len(held)} answered"
        for st, data in answered.values():
            assert st == 503, data
            assert b"Retry-After: 5" in data
        refused.extend(answered)
        waiting = [s for s in held if s not in answered]
        assert not select.select(waiting, [], [], 1)[0], "the upload that fits was answered"
        assert kib(pid, "VmHWM") - base_rss < 32 * 1024
    finally:
        for s in held:
            s.close()
    # Closed connections give their share back: a new upload fits.
    assert_budget_back(box)


def assert_budget_back(box, size=600000):
    """Within 30 s a body of SIZE bytes is taken again (not 503)."""
    deadline = time.time() + 30
    while True:
        r = requests.post(box.base + "/api/v1/claims", data=b"{" + b" " * size + b"}",
                          headers={"Content-Type": "application/json"}, timeout=30)
        if r.status_code != 503 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code != 503, r.text


def test_staff_uploads_answer_strangers_before_the_body(make_box):
    """Unauthenticated roster uploads (2 MiB CSV each, staff only) are
    answered 401 from their headers, holding no budget, and a teacher's
    lookup beside a flood of check-in bodies from one address still gets
    through: that address holds at most [web] body_budget_per_client_bytes."""
    box = make_box().start()
    held = []
    try:
        for _ in range(7):
            s = open_upload(box, "127.0.0.2", "/api/v1/sessions/1/roster", 2 * MIB,
                            ctype="text/csv")
            s.sendall(b"nuptk,nama\n")
            held.append(s)
        for s in held:
            assert select.select([s], [], [], 30)[0], "a stranger's roster upload was held"
            st, data = status_of(s)
            assert st == 401 and b"login_required" in data, data
        # A login's cookie without its CSRF token: 403 csrf, also at once.
        from attendance_util import Staff, add_staff
        add_staff(box)
        staff = Staff(box)
        s = socket.create_connection((box.host, box.port), timeout=30)
        s.sendall(f"POST /api/v1/sessions/1/roster HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n"
                  f"Cookie: pb_sid={staff.s.cookies.get('pb_sid')}\r\n"
                  f"Content-Type: text/csv\r\nContent-Length: {2 * MIB}\r\n\r\n".encode())
        st, data = status_of(s)
        s.close()
        assert st == 403 and b"csrf" in data, data
        for _ in range(40):
            s = open_upload(box, "127.0.0.2", "/api/v1/checkin", 96 * 1024)
            s.sendall(b"{")
            held.append(s)
        r = requests.post(box.base + "/api/v1/checkin/lookup",
                          json={"nuptk": "3200000000000001", "code": "123456"}, timeout=30)
        assert r.status_code != 503, r.text
    finally:
        for s in held:
            s.close()


def test_one_client_holds_at_most_its_share(make_box):
    box = make_box(extra="body_budget_per_client_bytes = 1048576").start()
    held = []
    try:
        first = open_upload(box, "127.0.0.2", "/api/v1/claims", 600000)
        first.sendall(b"{")
        held.append(first)
        time.sleep(0.5)
        assert not select.select([first], [], [], 0.5)[0], "the first upload was answered"
        second = open_upload(box, "127.0.0.2", "/api/v1/claims", 600000)
        held.append(second)
        st, data = status_of(second)
        assert st == 503 and b"Retry-After: 5" in data, data
        # Another phone still has the rest of the budget.
        other = open_upload(box, "127.0.0.3", "/api/v1/claims", 600000)
        other.sendall(b"{")
        held.append(other)
        assert not select.select([other], [], [], 1)[0], "another client's upload was answered"
    finally:
        for s in held:
            s.close()
    # Closed connections give the share back.
    assert_budget_back(box)


def test_trickled_body_is_closed(make_box):
    """A body trickled a byte at a time (each byte restarting
    connection_timeout) is closed once it falls below [web] body_min_rate
    after body_rate_grace_s, and its budget comes back; a body sent at a
    normal pace beside it is answered."""
    box = make_box(extra="body_rate_grace_s = 2\nbody_min_rate = 100\n"
                         "body_budget_per_client_bytes = 131072").start()
    s = open_upload(box, "127.0.0.2", "/api/v1/checkin", 90 * 1024)
    start = time.time()
    closed = None
    try:
        while time.time() - start < 25:
            try:
                s.sendall(b" ")
            except OSError:
                closed = time.time() - start
                break
            if select.select([s], [], [], 0.5)[0]:
                data = s.recv(4096)
                assert not data.startswith(b"HTTP/1.1 2"), data
                closed = time.time() - start
                break
    finally:
        s.close()
    # connection_timeout (30 s) would never end it: each byte restarts it.
    assert closed is not None, "the trickled body was held for 25 s"
    assert "slower than 100 bytes/s" in box.web.output()
    # Its share (the client's whole one here) is free again.
    r = post_json = requests.post(box.base + "/api/v1/checkin", data=b"{" + b" " * 90000 + b"}",
                                  headers={"Content-Type": "application/json"}, timeout=30,
                                  )
    assert post_json.status_code != 503, r.text


def test_one_station_holds_one_share_over_its_addresses(make_box, tmp_path):
    """One phone may hold many addresses (about 30 DHCP leases past the
    guard, docs/hotspot.md): counted by address, five of them announcing
    receipt-sized claims took the whole body budget with their heads alone,
    and every other phone's body got 503. A share is now the station's (the
    MAC of the lease file, as the captive portal reads it): its four
    addresses together hold one share, another phone and an address without
    a lease still get theirs."""
    leases = tmp_path / "dnsmasq.leases"
    until = int(time.time()) + 86400
    leases.write_text("".join(f"{until} 02:00:00:00:00:0a 127.0.4.{i} ponsel-{i} *\n"
                              for i in range(1, 5)) +
                      f"{until} 02:00:00:00:00:0b 127.0.0.3 ponsel-guru *\n")
    box = make_box(extra="body_budget_per_client_bytes = 1048576",
                   sections=f"[net]\nlease_file = {leases}\n").start()
    assert_one_share(box, [f"127.0.4.{i}" for i in range(1, 5)],
                     ["127.0.0.3", "127.0.0.4"])          # another phone; no lease


def assert_one_share(box, sharers, others):
    """With body_budget_per_client_bytes 1 MiB: a receipt-sized claim from
    the first of sharers is held, the rest of them get 503 (one share
    between them), and each of others still gets a share of its own."""
    held = []
    try:
        first = open_upload(box, sharers[0], "/api/v1/claims", 600000)
        first.sendall(b"{")
        held.append(first)
        assert not select.select([first], [], [], 0.5)[0], "the first upload was answered"
        for src in sharers[1:]:
            s = open_upload(box, src, "/api/v1/claims", 600000)
            held.append(s)
            st, data = status_of(s)
            assert st == 503 and b"Retry-After: 5" in data, (src, data)
        for src in others:
            s = open_upload(box, src, "/api/v1/claims", 600000)
            s.sendall(b"{")
            held.append(s)
            assert not select.select([s], [], [], 1)[0], f"{src}'s upload was answered"
    finally:
        for s in held:
            s.close()
    assert_budget_back(box)
