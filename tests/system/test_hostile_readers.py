"""Phones that ask for a large module file and never read it: 4 addresses
x 64 connections (the per-address limit) each GET a 32 MiB file with a
4 KiB receive buffer. libmicrohttpd sends the file with sendfile(), so
pb-web holds no copy of it: VmHWM stays within a few MiB of idle, /healthz
answers another phone at once, and [web] connection_timeout (3 s here)
closes every stalled download: its descriptors come back (what the
kernel still holds of the file in the socket's buffer is the kernel's). Range headers
of 2,000 ranges or of numbers past any file get the whole file (200), as
docs/api.md says of several ranges."""
import os
import socket
import time

import requests

from content_fixture import make_folder

SIZE = 32 * 1024 * 1024
PER_ADDRESS = 64                       # [web] max_connections_per_ip
SPARE_FDS = 16                         # files and databases opened on first use


def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise AssertionError(key)


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def stalled_download(box, src, url):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((src, 0))
    s.settimeout(30)
    s.connect((box.host, box.port))
    s.sendall(f"GET {url} HTTP/1.1\r\nHost: {box.host}\r\n\r\n".encode())
    return s


def test_stalled_downloads_hold_no_memory_and_are_closed(make_box, tmp_path):
    box = make_box(extra="connection_timeout = 3").start()
    usb = str(tmp_path / "usb")
    make_folder(usb, [{"id": "kk-a-video", "title": "Video", "kk": "A", "subject": "IPA",
                       "level": "SMP", "files": [("a/video.mp4", os.urandom(SIZE), None)]}])
    box.pbctl("content", "import", usb)
    cat = requests.get(box.base + "/api/v1/modules", timeout=30).json()
    url = cat["modules"][0]["files"][0]["url"]
    pid = box.web.proc.pid
    idle_fds, before = fds(pid), status(pid, "VmHWM")

    socks = [stalled_download(box, f"127.0.0.{2 + a}", url)
             for a in range(4) for _ in range(PER_ADDRESS)]
    try:
        time.sleep(1)
        assert fds(pid) >= idle_fds + 4 * PER_ADDRESS - 8      # all taken and stalled
        assert requests.get(box.base + "/healthz", timeout=30).status_code == 200
        grew = status(pid, "VmHWM") - before
        assert grew < 24 * 1024 * 1024, f"pb-web grew by {grew >> 20} MiB"
        for rng in ("bytes=" + ",".join(["0-"] * 2000), "bytes=" + "9" * 400 + "-",
                    "bytes=-" + "9" * 400):
            r = requests.get(box.base + url, headers={"Range": rng}, timeout=30, stream=True)
            assert r.status_code == 200 and int(r.headers["Content-Length"]) == SIZE, rng
            r.close()
        # unread, they stall; connection_timeout closes them
        deadline = time.monotonic() + 60
        while fds(pid) > idle_fds + SPARE_FDS and time.monotonic() < deadline:
            time.sleep(0.5)
        assert fds(pid) <= idle_fds + SPARE_FDS, (fds(pid), idle_fds)
    finally:
        for s in socks:
            s.close()
