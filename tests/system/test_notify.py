"""pb-web and the service manager: READY=1 once it serves, WATCHDOG=1 pings
when a watchdog is set, STOPPING=1 on SIGTERM. The test plays systemd's
part with its own unix datagram socket (systemd is not PID 1 here)."""
import os
import socket

import requests

from pbtest import Box, Daemon, binary

WAIT_S = 60  # generous: the same test runs under qemu-user for arm64


def recv_state(sock):
    sock.settimeout(WAIT_S)
    return sock.recv(4096).decode()


def start_with_notify(box, env):
    path = os.path.join(box.dir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(env, NOTIFY_SOCKET=path)
    box.web = Daemon([binary("pb-web"), "-c", box.conf],
                     os.path.join(box.dir, "pb-web.log"), env=env)
    return sock


def test_ready_then_stopping():
    box = Box()
    try:
        sock = start_with_notify(box, {})
        state = recv_state(sock)
        assert "READY=1" in state.split("\n"), state
        # Ready means serving: the very next request is answered.
        r = requests.get(box.base + "/healthz", timeout=WAIT_S)
        assert r.status_code == 200
        box.web.proc.terminate()
        assert "STOPPING=1" in recv_state(sock)
        box.stop()
        sock.close()
    finally:
        box.close()


def test_watchdog_pings():
    box = Box()
    try:
        sock = start_with_notify(box, {"WATCHDOG_USEC": "200000"})
        assert "READY=1" in recv_state(sock)
        pings = [recv_state(sock) for _ in range(3)]
        assert all(p == "WATCHDOG=1" for p in pings), pings
        box.stop()
        sock.close()
    finally:
        box.close()


def test_no_watchdog_for_another_pid():
    """WATCHDOG_PID names another process: pb-web must not ping."""
    box = Box()
    try:
        sock = start_with_notify(box, {"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"})
        assert "READY=1" in recv_state(sock)
        requests.get(box.base + "/healthz", timeout=WAIT_S)
        box.web.proc.terminate()
        assert recv_state(sock) == "STOPPING=1"
        box.stop()
        sock.close()
    finally:
        box.close()
