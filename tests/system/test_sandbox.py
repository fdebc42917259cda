"""pb-web confines itself: every thread runs under its seccomp filter once it
listens ([web] seccomp = yes, the default), and the same filter, linked into
a small probe program, refuses what pb-web never needs (a raw socket, a new
process) and kills the process that tries to run a program. pb-web also
serves a listening socket handed over by a service manager (LISTEN_FDS=1),
as an unprivileged user, so it never needs root for port 80."""
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess

import pytest
import requests

from pbtest import (BUILD, binary, copy_for_user, free_port, start_unprivileged_with_socket,
                    status_field, stop_clean, user_folder, wait_http, write_config)

ASAN = "/asan" in BUILD


def test_every_thread_runs_under_the_filter(box):
    pid = box.web.proc.pid
    tasks = glob.glob(f"/proc/{pid}/task/*/status")
    assert len(tasks) >= 2, "expected the server threads"
    for t in tasks:
        assert status_field(t, "Seccomp") == "2", t
        assert status_field(t, "NoNewPrivs") == "1", t
    assert requests.get(box.base + "/healthz").status_code == 200


def test_filter_can_be_turned_off(make_box):
    box = make_box(extra="seccomp = no").start()
    assert status_field(f"/proc/{box.web.proc.pid}/status", "Seccomp") == "0"


def probe(call):
    return subprocess.run([binary("tests/sandbox-probe"), call], capture_output=True,
                          text=True, timeout=30)


def test_allowed_calls_still_work():
    p = probe("allowed")
    assert p.returncode == 0, p.stdout + p.stderr


def test_raw_socket_is_refused():
    p = probe("socket")
    assert p.returncode == 0 and "Operation not permitted" in p.stdout, p.stdout + p.stderr


def test_running_a_program_kills_the_process():
    p = probe("execve")
    assert p.returncode == -signal.SIGSYS, (p.returncode, p.stdout, p.stderr)


@pytest.mark.skipif(ASAN, reason="sanitizer builds allow clone for LeakSanitizer")
def test_new_process_is_refused():
    p = probe("fork")
    assert p.returncode == 0 and "Operation not permitted" in p.stdout, p.stdout + p.stderr


def test_socket_handed_over_to_an_unprivileged_pb_web():
    user = pwd.getpwnam("nobody")
    tmp = user_folder("pbsock")
    lsock = socket.socket()
    proc = None
    try:
        # nobody runs copies: the clone may be out of its reach
        web, webapp = copy_for_user(tmp, "pb-web", "webapp")
        data = os.path.join(tmp, "data")
        os.mkdir(data)
        os.chown(data, user.pw_uid, user.pw_gid)
        # [web] listen names another port: the answer must come from the socket.
        conf = write_config(tmp, free_port(), webapp=webapp)
        os.chmod(conf, 0o644)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        log = open(os.path.join(tmp, "log"), "w")
        proc = start_unprivileged_with_socket(lsock, user, [web, "-c", conf], log)
        wait_http(f"http://127.0.0.1:{port}/healthz", proc=proc)
        st = f"/proc/{proc.pid}/status"
        assert status_field(st, "Uid").split()[0] == str(user.pw_uid)
        assert status_field(st, "CapEff") == "0000000000000000"
        assert status_field(st, "Seccomp") == "2"
        out = stop_clean(proc, os.path.join(tmp, "log"))
        assert "socket handed over" in out, out
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        lsock.close()
        shutil.rmtree(tmp, ignore_errors=True)
