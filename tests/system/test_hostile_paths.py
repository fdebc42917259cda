"""Spellings of a staff route's path from a phone without a login: each
reaches the route's gate (401 login_required) or no route at all (404,
405); none reaches a staff answer, and nothing outside the web app and
the content store is served (the database, the configuration, /etc)."""
import socket

GATED = ["GET /api/v1/sessions/1/code", "HEAD /api/v1/sessions/1/code",
         "GET /api/v1/sessions/1%2Fcode", "GET /%61pi/v1/sessions/1/code",
         "GET /api/v1/sessions/1/code?x=/../", "GET /api/v1/sessions/1;/code",
         "GET /api/v1/sessions/-1/code", "GET /api/v1/sessions/1x/code",
         "GET /api/v1/admin/wifi", "GET /admin/wifi/poster",
         "GET /api/v1/sessions/1/attendance.csv"]
ELSEWHERE = ["GET /api/v1/sessions/1/code/", "GET //api/v1/sessions/1/code",
             "GET /api/v1//sessions/1/code", "GET /api/v1/./sessions/1/code",
             "GET /api/v1/x/../sessions/1/code", "GET /API/V1/sessions/1/code",
             "GET /api/v1/sessions/1/code%00", "GET /api/v1/sessions/1/code#x",
             "GET /api/v1/sessions/" + "9" * 300 + "/code",
             "GET /" + "a/" * 3000, "POST /api/v1/sessions/1/lock/",
             "POST //api/v1/sessions/1/lock", "PUT /api/v1/sessions/1/lock",
             "GET /../../etc/passwd", "GET /%2e%2e/%2e%2e/etc/passwd",
             "GET /..%2f..%2fetc/passwd", "GET /f/../../etc/passwd",
             "GET /h/%2e%2e/%2e%2e/etc/passwd", "GET /static/..%5c..%5cdata/pb.db",
             "GET /data/pb.db", "GET /box.conf"]


def raw(box, line):
    s = socket.create_connection((box.host, box.port), timeout=30)
    s.sendall(f"{line} HTTP/1.1\r\nHost: {box.host}:{box.port}\r\nConnection: close\r\n\r\n"
              .encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data[9:12]), data


def test_path_spellings_never_pass_the_gate(box):
    for line in GATED:
        st, data = raw(box, line)
        assert st == 401, (line, data[:200])
        assert line.startswith("HEAD") or b"login_required" in data, (line, data[:200])
    for line in ELSEWHERE:
        st, data = raw(box, line)
        assert st in (404, 405), (line, data[:200])
        assert b"root:" not in data and b"SQLite format" not in data and b"[web]" not in data
