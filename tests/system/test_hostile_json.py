"""JSON bodies a hostile phone may send to a public route: jansson with
JSON_REJECT_DUPLICATES refuses every one as 400 bad_json (nesting past its
depth, numbers past int64 or a double, duplicate keys, \\u0000, invalid
or overlong UTF-8, a lone surrogate, a BOM, trailing data); a body past
the route's limit is 413 before it is parsed; pb-web's memory stays
small and it serves the next honest request."""
import json
import socket
import threading

import requests

CHECKS = [
    (b"[" * 4000 + b"]" * 4000, 400, "bad_json"),
    (b'{"session":1' + b"1" * 5000 + b',"nuptk":"1","code":"123456"}', 400, "bad_json"),
    (b'{"session":1e999,"nuptk":"1","code":"123456"}', 400, "bad_json"),
    (b'{"session":1,"session":2,"nuptk":"1","code":"123456"}', 400, "bad_json"),
    (b'{"session":1,"nuptk":"12\\u0000","code":"123456"}', 400, "bad_json"),
    (b'{"session":1,"nuptk":"\xff\xfe","code":"123456"}', 400, "bad_json"),
    (b'{"session":1,"nuptk":"\xc0\xaf","code":"123456"}', 400, "bad_json"),
    (b'{"session":1,"nuptk":"\\ud800","code":"123456"}', 400, "bad_json"),
    (b'\xef\xbb\xbf{"session":1,"nuptk":"1","code":"123456"}', 400, "bad_json"),
    (b'{"session":1,"nuptk":"1","code":"123456"} {}', 400, "bad_json"),
    (b'{"session":-9223372036854775808,"nuptk":"1","code":"123456"}', 400, "bad_session"),
    (b'{"a":' * 2700 + b"1" + b"}" * 2700, 413, "too_large"),
]


def hwm(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(x.split()[1]) for x in f if x.startswith("VmHWM:")) * 1024


def post_while_reading(box, path, body):
    """POST body and read the answer while it is still being sent, as a
    browser does: pb-web answers 413 from Content-Length and closes
    without reading the rest, and a client that only reads once all is
    sent (requests) may meet the reset first and never see the answer.
    Returns (status, JSON body)."""
    s = socket.create_connection((box.host, box.port), timeout=30)
    head = (f"POST {path} HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")

    def send():
        try:
            s.sendall(head.encode() + body)
        except OSError:             # closed by the box once it answered
            pass
    t = threading.Thread(target=send)
    t.start()
    got = b""
    try:
        while b"\r\n\r\n" not in got or len(got.split(b"\r\n\r\n", 1)[1]) < length(got):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    finally:
        t.join()
        s.close()
    status = int(got.split(b" ", 2)[1])
    return status, json.loads(got.split(b"\r\n\r\n", 1)[1][:length(got)])


def length(answer):
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    raise AssertionError(f"no Content-Length in {answer[:200]!r}")


def test_hostile_json_bodies(box):
    before = hwm(box.web.proc.pid)
    for body, status, error in CHECKS:
        r = requests.post(box.base + "/api/v1/checkin/lookup", data=body, timeout=30,
                          headers={"Content-Type": "application/json"})
        assert r.status_code == status and r.json()["error"] == error, (body[:60], r.text)
    # a signature of 200,000 points: past the check-in's 96 KB
    pts = ",".join(["1,1"] * 200000)
    status, answer = post_while_reading(
        box, "/api/v1/checkin",
        ('{"session":1,"nuptk":"1","code":"123456","signature":'
         '{"w":300,"h":150,"s":[[' + pts + ']]}}').encode())
    assert status == 413 and answer["error"] == "too_large", answer
    grew = hwm(box.web.proc.pid) - before
    assert grew < 48 * 1024 * 1024, f"pb-web grew by {grew >> 20} MiB"
    r = requests.post(box.base + "/api/v1/checkin/lookup", timeout=30,
                      json={"session": 1, "nuptk": "1234567890123456", "code": "123456"})
    assert r.status_code in (403, 404) and r.json()["error"] != "bad_json", r.text
