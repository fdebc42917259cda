"""pb-hub confines itself (docs/hub.md#running-without-privilege): it never
serves as root (started as root it switches to -u USER once it listens),
it serves a listening socket handed over by a service manager, and once
serving every thread runs under its seccomp filter (-S turns it off). The
same filter, linked into a small probe program, refuses what pb-hub never
needs and kills the process that tries to run a program. The rest of the
hub and sync suites run pb-hub this way (tests/pbhub.py: -u nobody, filter
on), including PostgreSQL restarts and TLS."""
import glob
import os
import pwd
import signal
import socket
import subprocess

import pytest
import requests

from pbhub import HUB_USER, Hub, Postgres, sync_once, wait_for
from pbtest import (BUILD, binary, start_unprivileged_with_socket, status_field, stop_clean,
                    wait_http)
from test_ingest import box_id, enrolled_box

ASAN = "/asan" in BUILD


def check_confined(pid, uid):
    tasks = glob.glob(f"/proc/{pid}/task/*/status")
    assert len(tasks) >= 3, "expected the main thread and the server threads"
    for t in tasks:
        assert status_field(t, "Seccomp") == "2", t
        assert status_field(t, "NoNewPrivs") == "1", t
        assert status_field(t, "Uid").split() == [str(uid)] * 4, t
        assert status_field(t, "CapEff") == "0000000000000000", t


def test_every_thread_runs_under_the_filter_as_an_unprivileged_user(boxes, hub):
    check_confined(hub.daemon.proc.pid, pwd.getpwnam(HUB_USER).pw_uid
                   if os.geteuid() == 0 else os.geteuid())
    assert "seccomp filter on" in hub.daemon.output()
    # and it still does its work: enrolment, an upload, the office's export
    b = enrolled_box(boxes, hub, records=5)
    sync_once(b)
    assert hub.count(box_id(b)) == 5
    tok = hub.cli("office-token", "keuangan").stdout.strip()
    r = requests.get(hub.base + "/v1/office/export/attendance.csv",
                     headers={"Authorization": "Bearer " + tok}, timeout=30)
    assert r.status_code == 200 and r.text.count("\n") == 6, r.text


def test_filter_can_be_turned_off(pg, tmpdir_hub):
    h = Hub(pg, tmpdir_hub, args=["-S"]).start()
    try:
        assert status_field(f"/proc/{h.daemon.proc.pid}/status", "Seccomp") == "0"
        assert "no seccomp filter (-S)" in h.daemon.output()
    finally:
        h.stop()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to be refused as root")
def test_refuses_to_serve_as_root(pg, tmpdir_hub):
    h = Hub(pg, tmpdir_hub)
    p = subprocess.run([binary("pb-hub"), "-d", h.conn, "-f", h.files, "-l",
                        f"127.0.0.1:{h.port}"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "does not serve as root" in p.stderr, p.stderr
    p = subprocess.run([binary("pb-hub"), "-d", h.conn, "-f", h.files, "-l",
                        f"127.0.0.1:{h.port}", "-u", "root"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 1 and "that is root" in p.stderr, p.stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", h.port), timeout=2).close()
    p = h.cli("-u", "no-such-user-pb", "-n", check=False)
    assert p.returncode == 1 and "no such user" in p.stderr, p.stderr
    assert h.cli("-u", HUB_USER, "-n").stdout.strip() == "configuration OK"


def test_reconnects_over_tcp_after_a_postgres_restart_under_the_filter(tmpdir_hub):
    """libpq makes its connections again under the filter: a new TCP socket
    to a database named by host name, after PostgreSQL was stopped."""
    pg = Postgres()
    pg.tcp = True
    pg.synchronous_commit = True     # the office token must survive the stop
    pg.start()
    h = None
    try:
        h = Hub(pg, tmpdir_hub)
        h.conn = f"host=localhost port={pg.port} user=pb dbname={h.dbname}"
        h.start()
        tok = h.cli("office-token", "keuangan").stdout.strip()

        def boxes_route():
            return requests.get(h.base + "/v1/office/boxes", timeout=30,
                                headers={"Authorization": "Bearer " + tok}).status_code
        assert boxes_route() == 200
        pg.stop_immediate()
        assert boxes_route() in (500, 503)
        pg.start_server()
        wait_for(lambda: boxes_route() == 200, 30, what="pb-hub back on PostgreSQL")
        assert status_field(f"/proc/{h.daemon.proc.pid}/status", "Seccomp") == "2"
        h.stop()
        out = open(h.log).read()
        assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out, out
    finally:
        if h is not None:
            h.stop()
        pg.stop()


# hub-sandbox-probe CALL: what pb-hub's filter does to one call
# (tests/sandbox/sandbox_probe.c): the exit status, and what it prints.
REFUSED = "Operation not permitted"
PROBES = [
    ("allowed", 0, "ok"),                  # reading a file, the clock
    ("tcp", 0, "created"),                 # libpq's new connections
    ("socket", 0, REFUSED),                # a raw socket
    ("write", 0, REFUSED),                 # opening a file for writing
    ("execve", -signal.SIGSYS, ""),        # running a program kills the process
    pytest.param("fork", 0, REFUSED, marks=pytest.mark.skipif(
        ASAN, reason="sanitizer builds allow clone for LeakSanitizer")),
    # the export worker's filter (hub/xlsx_worker.c): files yes, sockets no
    ("worker:allowed", 0, "ok"),
    ("worker:write", 1, "opened"),          # its XLSX files
    ("worker:tcp", 1, REFUSED),             # no database, no network
    ("worker:socket", 0, REFUSED),
    ("worker:execve", -signal.SIGSYS, ""),
]


@pytest.mark.parametrize("call,code,says", PROBES)
def test_what_the_filter_does_to_a_call(call, code, says):
    p = subprocess.run([binary("tests/hub-sandbox-probe"), call], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == code and says in p.stdout, (p.returncode, p.stdout, p.stderr)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to drop to another user")
def test_socket_handed_over_to_an_unprivileged_pb_hub(pg, tmpdir_hub):
    user = pwd.getpwnam(HUB_USER)
    h = Hub(pg, tmpdir_hub)          # -l names its own port: the answer must come from the socket
    lsock = socket.socket()
    proc = None
    try:
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        log = open(h.log, "w")
        proc = start_unprivileged_with_socket(lsock, user, [
            binary("pb-hub"), "-d", h.conn, "-f", h.files, "-l", f"127.0.0.1:{h.port}", "-t", "2"],
            log)
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc)
        check_confined(proc.pid, user.pw_uid)
        tok = h.cli("office-token", "keuangan").stdout.strip()
        r = requests.get(f"http://127.0.0.1:{port}/v1/office/boxes", timeout=30,
                         headers={"Authorization": "Bearer " + tok})
        # no box yet: an empty list and the default thresholds (docs/hub.md)
        assert r.status_code == 200 and r.json() == {
            "boxes": [], "thresholds": {"silent_days": 3, "low_disk_mb": 1024,
                                        "min_version": ""}}, r.text
        out = stop_clean(proc, h.log)
        assert "socket handed over" in out, out
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        lsock.close()
