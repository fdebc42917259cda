"""Malformed and cross-site requests: JSON routes take only
Content-Type: application/json (a cross-site text/plain form gets 415);
two Content-Length headers, one beside Transfer-Encoding, or a
Transfer-Encoding other than one "chunked" get 400; a
method a path does not answer (HEAD on a POST route) gets 405 with Allow;
more than PB_WEB_QUERY_PARAMS_MAX (64) query parameters get 414 at once
instead of a connection left hanging until its timeout."""
import json
import socket

import requests

from pbtest import Box  # noqa: F401


def raw(box, head, body=b"", timeout=60):
    s = socket.create_connection((box.host, box.port), timeout=timeout)
    try:
        s.sendall(head.replace("HOST", f"{box.host}:{box.port}").encode() + body)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    status = int(data[9:12]) if data.startswith(b"HTTP/1.1 ") else None
    headers = {}
    for line in data.split(b"\r\n\r\n")[0].split(b"\r\n")[1:]:
        k, _, v = line.decode().partition(":")
        headers[k.strip().lower()] = v.strip()
    return status, headers, data


def test_hostile_request_shapes(make_box):
    # a long idle timeout: a hanging connection would fail the test; heads
    # of 16 KiB, so that 2000 query parameters (~12 KB) meet the parameter
    # limit rather than the head's
    box = make_box(extra="connection_timeout = 300\nmax_header_bytes = 16384").start()
    login = json.dumps({"user": "x", "password": "y"})
    for path in ("/api/v1/login", "/api/v1/checkin", "/api/v1/checkin/lookup",
                 "/api/v1/claims", "/api/v1/claims/proof"):
        r = requests.post(box.base + path, data=login, timeout=30,
                          headers={"Content-Type": "text/plain"})
        assert r.status_code == 415 and r.json()["error"] == "need_json", (path, r.text)
    r = requests.post(box.base + "/api/v1/login", data=login, timeout=30,
                      headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 401, r.text

    st, _, data = raw(box, "POST /api/v1/login HTTP/1.1\r\nHost: HOST\r\nContent-Type: "
                      "application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", b"{}")
    assert st == 400 and b"bad_length" in data
    st, _, data = raw(box, "POST /api/v1/login HTTP/1.1\r\nHost: HOST\r\nContent-Type: "
                      "application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
                      "\r\n\r\n", b"2\r\n{}\r\n0\r\n\r\n")
    assert st == 400 and b"bad_length" in data

    st, h, _ = raw(box, "HEAD /api/v1/login HTTP/1.1\r\nHost: HOST\r\n\r\n")
    assert st == 405 and h["allow"] == "POST"
    r = requests.get(box.base + "/api/v1/claims/proof", timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    r = requests.post(box.base + "/healthz", timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
    r = requests.post(box.base + "/api/v1/claims?session=1", json={}, timeout=30)
    assert r.status_code != 405
    r = requests.delete(box.base + "/api/v1/claims", timeout=30)
    assert r.status_code == 405 and r.headers["Allow"] == "POST, GET, HEAD"

    for n in (65, 300, 600, 2000):
        q = "&".join(f"a{i}" for i in range(n))
        st, _, data = raw(box, f"GET /api/v1/modules?{q} HTTP/1.1\r\nHost: HOST\r\n\r\n")
        assert st == 414 and b"too_many_params" in data, (n, data[:200])
    # a target longer than [web] max_header_bytes: 414 uri_too_long
    q = "&".join(f"a{i}=1" for i in range(5000))
    st, _, data = raw(box, f"GET /api/v1/modules?{q} HTTP/1.1\r\nHost: HOST\r\n\r\n")
    assert st == 414 and b"uri_too_long" in data
    q = "&".join(f"a{i}=1" for i in range(64))
    assert requests.get(box.base + "/api/v1/modules?" + q, timeout=30).status_code == 200
    assert box.web.alive()


def test_transfer_codings_other_than_one_chunked_are_refused(make_box):
    """libmicrohttpd takes the first of two Transfer-Encoding headers (a
    proxy may take the last), and reads a body in a coding it does not
    know until the client closes: such a request was never answered, the
    connection held until the phone gave up. Each gets 400 bad_length at
    once; one chunked body is still read."""
    box = make_box(extra="connection_timeout = 300").start()
    head = ("POST /api/v1/login HTTP/1.1\r\nHost: HOST\r\nContent-Type: application/json\r\n"
            "{}\r\n\r\n")
    body = b"2\r\n{}\r\n0\r\n\r\n"
    for te in ("Transfer-Encoding: xchunked", "Transfer-Encoding: gzip, chunked",
               "Transfer-Encoding: identity", "Transfer-Encoding: chunked\r\n"
               "Transfer-Encoding: identity", "Transfer-Encoding: chunked\r\n"
               "Transfer-Encoding: chunked"):
        st, _, data = raw(box, head.format(te), body, timeout=20)
        assert st == 400 and b"bad_length" in data, (te, data[:200])
    st, _, data = raw(box, head.format("Transfer-Encoding: Chunked"), body, timeout=20)
    assert st == 400 and b"bad_login_request" in data, data[:300]
    assert box.web.alive()
