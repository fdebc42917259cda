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
import threading
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


def stalled_download(box, src, url, mss=None):
    """A GET of url from src with a 4 KiB receive buffer (and, with mss,
    that segment size)."""
    s = socket.socket()
    if mss is not None:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((src, 0))
    s.settimeout(30)
    s.connect((box.host, box.port))
    s.sendall(f"GET {url} HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n\r\n".encode())
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


def trickle_reader(box, src, url, mss=536):
    """A download whose client takes its answer a few hundred bytes at a
    time: a small segment size and receive buffer, so each small read
    opens the window again and the box sends a little more (activity to
    libmicrohttpd each time)."""
    return stalled_download(box, src, url, mss)


def test_an_answer_taken_a_byte_at_a_time_is_closed(make_box, tmp_path):
    """Each few bytes a client takes are activity to libmicrohttpd, so a
    client taking a module file 512 bytes every 0.5 s (a byte every 25 s
    does the same on a real link) kept its connection for good, past
    connection_timeout (3 s here). While bytes of an answer wait for it, a
    client must take [web] answer_min_rate (8 KiB/s here) over each
    answer_rate_window_s (2 s): the trickle is closed; a phone on a slow
    link taking 32 KiB/s keeps its download, whole."""
    size = 8 * 1024 * 1024
    box = make_box(extra="connection_timeout = 3\nanswer_min_rate = 8192\n"
                         "answer_rate_window_s = 2").start()
    usb = str(tmp_path / "usb")
    data = os.urandom(size)
    make_folder(usb, [{"id": "kk-a-video", "title": "Video", "kk": "A", "subject": "IPA",
                       "level": "SMP", "files": [("a/video.mp4", data, None)]}])
    box.pbctl("content", "import", usb)
    url = requests.get(box.base + "/api/v1/modules", timeout=30).json()["modules"][0][
        "files"][0]["url"]
    pid = box.web.proc.pid
    idle = status(pid, "VmRSS")
    trickle = [trickle_reader(box, "127.0.0.2", url) for _ in range(8)]
    slow = trickle_reader(box, "127.0.0.3", url, mss=1400)
    slow_got = []

    def slow_phone():
        """32 KiB/s for 12 s, then the rest as fast as it comes."""
        got, t0, head = 0, time.monotonic(), b""
        while True:
            chunk = slow.recv(16384)
            if not chunk:
                break
            if len(head) < 4096:
                head += chunk[:4096]
            got += len(chunk)
            lag = got / (32 * 1024) - (time.monotonic() - t0)
            if lag > 0 and time.monotonic() - t0 < 12:
                time.sleep(lag)
            body = head.find(b"\r\n\r\n")
            if body >= 0 and got - body - 4 >= size:
                break
        slow_got.append(got - head.find(b"\r\n\r\n") - 4)

    reader = threading.Thread(target=slow_phone)
    reader.start()
    closed_at, start = {}, time.monotonic()
    try:
        while time.monotonic() - start < 12 and len(closed_at) < len(trickle):
            tick = time.monotonic()
            for i, s in enumerate(trickle):
                if i in closed_at:
                    continue
                try:
                    if s.recv(512) == b"":
                        closed_at[i] = tick - start
                except OSError:
                    closed_at[i] = tick - start
            time.sleep(max(0.0, 0.5 - (time.monotonic() - tick)))
        held = status(pid, "VmRSS")
        print(f"trickles closed at {sorted(round(t, 1) for t in closed_at.values())} s; "
              f"VmRSS idle {idle / 2**20:.1f} MB, during {held / 2**20:.1f} MB")
        assert len(closed_at) == len(trickle), \
            f"{len(trickle) - len(closed_at)} trickled answers kept their connections"
        reader.join(60)
        assert slow_got == [size], f"the slow phone got {slow_got} of {size} bytes"
    finally:
        for s in trickle + [slow]:
            s.close()
        reader.join(60)
    assert "answer taken slower than 8192 bytes/s" in box.web.output()
    assert requests.get(box.base + "/healthz", timeout=30).status_code == 200
