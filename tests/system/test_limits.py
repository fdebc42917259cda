"""Named limits: connections in total and per client address, request head
and body size, idle timeout. A client over a limit gets an error or a
closed connection, and the box keeps serving everyone else."""
import http.client
import socket
import time

import pytest
import requests


def connect(box, src):
    s = socket.create_connection((box.host, box.port), timeout=10,
                                 source_address=(src, 0))
    return s


def served_connection(box, src):
    """A connection the server has accepted and counted: one request has
    been answered on it, and it stays open (keep-alive). Connecting alone
    is not enough, since the kernel completes the handshake before the
    server's worker threads accept, in any order."""
    c = http.client.HTTPConnection(box.host, box.port, timeout=10,
                                   source_address=(src, 0))
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    assert r.status == 200
    return c


def healthz_from(box, src):
    c = http.client.HTTPConnection(box.host, box.port, timeout=10,
                                   source_address=(src, 0))
    c.request("GET", "/healthz")
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def is_refused(s, timeout=5.0):
    """True if the server closed this connection, or answered 503 and
    closed it, when it sent a request."""
    s.settimeout(timeout)
    try:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        data = s.recv(1000)
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return data == b"" or (data.startswith(b"HTTP/1.1 503") and b"busy" in data)


def test_300_idle_connections_do_not_stop_healthz(make_box):
    box = make_box(extra="max_connections_per_ip = 64\nmax_connections = 1000\n"
                         "connection_timeout = 60").start()
    held = []
    try:
        for i in range(300):
            held.append(connect(box, f"127.0.0.{10 + i // 60}"))
        time.sleep(0.3)
        for _ in range(5):
            assert healthz_from(box, "127.0.0.1") == 200
        assert box.web.alive()
    finally:
        for s in held:
            s.close()


# Four event loops, so that one client's connections land on several: with
# a listening socket per loop each loop is a libmicrohttpd daemon of its
# own, and the limits must hold over all of them.
LOOPS = ["threads = 4\nlisten_per_thread = yes\n",
         "threads = 4\nlisten_per_thread = no\n"]


@pytest.mark.parametrize("loops", LOOPS, ids=["socket-per-loop", "shared-socket"])
def test_per_client_limit(make_box, loops):
    box = make_box(extra=loops + "max_connections_per_ip = 5").start()
    held = [served_connection(box, "127.0.0.2") for _ in range(5)]
    try:
        extra = connect(box, "127.0.0.2")
        assert is_refused(extra), "sixth connection from one address was served"
        extra.close()
        # Another client is served while the first holds its five.
        assert healthz_from(box, "127.0.0.3") == 200
    finally:
        for s in held:
            s.close()
    time.sleep(0.3)
    assert healthz_from(box, "127.0.0.2") == 200


@pytest.mark.parametrize("loops", LOOPS, ids=["socket-per-loop", "shared-socket"])
def test_total_connection_limit(make_box, loops):
    box = make_box(extra=loops + "max_connections = 20\nmax_connections_per_ip = 20").start()
    held = [served_connection(box, f"127.0.0.{2 + i // 10}") for i in range(20)]
    try:
        extra = connect(box, "127.0.0.9")
        assert is_refused(extra)
        extra.close()
    finally:
        for s in held:
            s.close()
    time.sleep(0.5)
    assert healthz_from(box, "127.0.0.9") == 200


def test_request_head_too_large(make_box):
    box = make_box(extra="max_header_bytes = 8192").start()
    r = requests.get(box.base + "/healthz", headers={"X-Big": "a" * 20000})
    assert r.status_code in (413, 414, 431)
    r = requests.get(box.base + "/api/v1/modules?q=" + "a" * 20000)
    assert r.status_code in (413, 414, 431)
    assert requests.get(box.base + "/healthz").status_code == 200


def test_body_too_large_and_unexpected_body(make_box):
    box = make_box(extra="max_body_bytes = 4096").start()
    r = requests.post(box.base + "/api/v1/rates", data=b"x" * 10000)
    assert r.status_code == 413
    assert r.json()["error"] == "too_large"
    r = requests.get(box.base + "/healthz", data=b"x" * 100)
    assert r.status_code == 400 and r.json()["error"] == "unexpected_body"
    r = requests.post(box.base + "/healthz")
    assert r.status_code == 405
    assert requests.get(box.base + "/healthz").status_code == 200


def test_idle_and_slow_clients_are_closed(make_box):
    box = make_box(extra="connection_timeout = 2").start()
    idle = connect(box, "127.0.0.2")
    slow = connect(box, "127.0.0.3")
    slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")   # never finishes
    idle.settimeout(15)
    slow.settimeout(15)
    assert idle.recv(10) == b""
    data = slow.recv(1000)
    assert data == b"" or data.startswith(b"HTTP/1.1 4")
    idle.close()
    slow.close()
    assert healthz_from(box, "127.0.0.4") == 200


def closed_by_box(s):
    """True once the box has closed s: a write fails, or a read finds the end."""
    try:
        s.sendall(b"X-a: b\r\n")
        s.setblocking(False)
        try:
            return s.recv(1000) == b""
        except BlockingIOError:
            return False
        finally:
            s.setblocking(True)
    except OSError:
        return True


def test_a_trickled_head_is_closed(make_box):
    """libmicrohttpd closes a connection only once it has been silent for
    connection_timeout: a head trickled a header line every half second
    (here 2 s timeout) held its connection for as long as it trickled, and
    eight of them (max_connections) held the whole box: every other phone
    got 503. A head must be whole within connection_timeout of the
    connection's start, or of the answer before it on a kept-alive
    connection."""
    box = make_box(extra="connection_timeout = 2\nmax_connections = 8\n"
                         "max_connections_per_ip = 8").start()
    kept = served_connection(box, "127.0.0.2")        # one answer, then a trickle
    held = [kept.sock] + [connect(box, "127.0.0.2") for _ in range(7)]
    try:
        for s in held:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        # 80 lines of 8 bytes: still within the head's bytes (8 KiB), so
        # only a limit on the head's time ends them
        for _ in range(80):
            time.sleep(0.5)
            if all(closed_by_box(s) for s in held):
                break
        assert all(closed_by_box(s) for s in held), "a trickled head kept its connection"
        assert healthz_from(box, "127.0.0.3") == 200
    finally:
        for s in held:
            s.close()
    assert "no whole request head" in box.web.output()
