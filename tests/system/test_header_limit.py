"""[web] max_header_bytes as a phone meets it: a request whose head (request
line and headers) is at most max_header_bytes is served; one larger, up to
3 KiB past the limit (with up to 80 header lines and cookies together),
gets 431 Request Header Fields Too Large with the box's JSON error body
("header_too_large"), as does a head of more than 64 header lines or 64
cookies; one larger than the connection's whole memory (twice
max_header_bytes + PB_WEB_HEAD_MARGIN, 14 KiB) gets libmicrohttpd's own 431. Never a connection closed with no answer (a
phone shows that as a blank failure). Sizes are swept from well under to
well over several limits, as one long header, as many cookies (how phones
grow a head) and as many small header lines. Between those two ranges
libmicrohttpd 0.9.75 cannot answer some sizes at all (docs/configuration.md,
"Request heads"); they are not swept."""
import socket

import pytest

from pbtest import Box  # noqa: F401

HOLD = 60       # seconds to wait for an answer; a hang fails too
OWN_431 = 3072  # bytes past the limit answered with the box's own 431


def memory(limit):
    """libmicrohttpd's memory per connection (PB_WEB_CONN_MEMORY, web.h)."""
    return (2 * limit + 14 * 1024 + 4095) // 4096 * 4096


def ask(box, head):
    """Send head; return (status or None when closed unanswered, data)."""
    s = socket.create_connection((box.host, box.port), timeout=HOLD)
    try:
        try:
            s.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass        # the answer may already be waiting
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    top, _, rest = data.partition(b"\r\n\r\n")
                    length = [int(line.split(b":")[1]) for line in top.split(b"\r\n")
                              if line.lower().startswith(b"content-length:")]
                    if length and len(rest) >= length[0]:
                        break
        except ConnectionResetError:
            pass
    finally:
        s.close()
    if not data.startswith(b"HTTP/1.1 "):
        return None, data
    return int(data[9:12]), data


def head_with_pad(box, total):
    """A GET /healthz head of exactly total bytes (one X-Pad header)."""
    start = (f"GET /healthz HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n"
             "User-Agent: Mozilla/5.0 (Linux; Android 10)\r\nX-Pad: ").encode()
    pad = total - len(start) - 4
    assert pad >= 1
    return start + b"a" * pad + b"\r\n\r\n"


def head_with_cookies(box, count, size, one_line):
    """A GET /healthz head carrying count cookies of size bytes each."""
    cookies = [f"c{i:02d}=" + "v" * (size - 4) for i in range(count)]
    if one_line:
        lines = ["Cookie: " + "; ".join(cookies)]
    else:
        lines = ["Cookie: " + c for c in cookies]
    return (f"GET /healthz HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n"
            "User-Agent: Mozilla/5.0 (Linux; Android 10)\r\nAccept: */*\r\n"
            "Accept-Language: id-ID,id;q=0.9\r\n" + "\r\n".join(lines) +
            "\r\n\r\n").encode()


def check(box, limit, head, seen, cookies=0):
    status, data = ask(box, head)
    assert status is not None, (
        f"limit {limit}, head {len(head)} bytes: connection closed unanswered")
    if len(head) <= limit and cookies <= 64:
        assert status == 200, (limit, len(head), data[:300])
    else:
        assert status in (431, 414), (limit, len(head), data[:300])
        if len(head) <= limit + OWN_431:    # the box's own answer
            assert b'"header_too_large"' in data, (limit, len(head), data[:300])
    seen.add(status)


@pytest.mark.parametrize("limit", [4096, 8192, 16384])
def test_every_head_size_is_served_or_431(make_box, limit):
    box = make_box(extra=f"max_header_bytes = {limit}\nmax_connections_per_ip = 1000\n"
                         "connection_timeout = 120").start()
    seen = set()
    sizes = sorted(set(list(range(limit - 1500, limit + OWN_431 + 1, 23)) +
                       [limit - 1, limit, limit + 1, limit + OWN_431] +
                       # past the connection's whole memory: libmicrohttpd's 431
                       list(range(memory(limit) + 1, memory(limit) + 3000, 97)) +
                       [limit * 4, limit * 16]))
    for total in sizes:
        check(box, limit, head_with_pad(box, total), seen)
    for size in (85, 110, 300):
        for count in range(max(1, (limit - 1500) // size),
                           min(76, (limit + OWN_431) // size - 2)):
            check(box, limit, head_with_cookies(box, count, size, True), seen, count)
            if count <= 60:     # one line each: past 64 lines is 431 too
                check(box, limit, head_with_cookies(box, count, size, False), seen)
    # many small header lines: libmicrohttpd's bookkeeping grows with each
    # (about 56 bytes a line); more than 64 lines get the box's 431 too
    for n in list(range(1, 80)) + list(range(80, 160, 9)):
        line = b"X-L%03d: " % n
        head = (f"GET /healthz HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n").encode()
        head += b"".join(b"X-L%03d: %s\r\n" % (i, b"v" * max(1, (limit // n) - len(line) - 40))
                         for i in range(n - 1)) + b"\r\n"
        status, data = ask(box, head)
        assert status is not None, (limit, n, "lines: closed unanswered")
        if n <= 64 and len(head) <= limit:
            assert status == 200, (limit, n, len(head), data[:300])
        else:
            assert status == 431 and b'"header_too_large"' in data, (limit, n, len(head))
    assert {200, 431} <= seen, seen
    status, _ = ask(box, head_with_pad(box, 300))
    assert status == 200 and box.web.alive()
