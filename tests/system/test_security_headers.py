"""Every answer pb-web builds carries the security headers: a
Content-Security-Policy that allows only the box itself and no framing by
other sites, X-Frame-Options, nosniff and a strict referrer policy. Walks API
JSON, module files (200, 206, 304, 416, HEAD, download), the web app (200,
304), the captive portal and the admin answers (Wi-Fi, poster, uplink: 200
for an admin, 401 JSON or page without a login), 302 for another host,
staff login (200, 401), sessions and check-in refusals, error pages and
errors (404, 405, 413, 400) and 503 busy.

libmicrohttpd answers a few malformed requests itself, before pb-web sees
them (a request head over the connection's memory: 431/414; a request line it cannot
parse: 400). Those fixed texts carry no headers of ours; the test checks they
echo nothing of the request (docs/reliability.md)."""
import http.client
import json
import os
import socket
import time

from content_fixture import make_folder

HEADERS = {
    "x-content-type-options": {"nosniff"},
    "x-frame-options": {"SAMEORIGIN", "DENY"},
    "referrer-policy": {"no-referrer", "same-origin"},
}
# Sources a directive may name: only the box itself (and inline data).
ALLOWED_SOURCES = {"'self'", "'none'", "data:", "blob:"}
# Module files (/f/) run in a sandbox: an opaque origin, so inline script
# there has no rights of the box's (HTML5 lessons need it). Never
# allow-same-origin (nor top navigation): the flags are exactly these.
SANDBOX_SOURCES = ALLOWED_SOURCES | {"'unsafe-inline'"}
SANDBOX_FLAGS = {"allow-scripts", "allow-forms", "allow-popups", "allow-modals",
                 "allow-downloads"}
# default-src: the box's own answers only 'self'; a sandboxed one adds
# inline script and inline data, nothing from elsewhere (docs/api.md).
DEFAULT_SRC = ["'self'"]
SANDBOX_DEFAULT_SRC = ["'self'", "'unsafe-inline'", "data:", "blob:"]


def check_headers(what, headers):
    h = {k.lower(): v for k, v in headers}
    for name, ok in HEADERS.items():
        assert h.get(name) in ok, f"{what}: {name} is {h.get(name)!r}"
    csp = h.get("content-security-policy")
    assert csp, f"{what}: no Content-Security-Policy"
    directives = {}
    for d in csp.split(";"):
        parts = d.split()
        if parts:
            directives[parts[0]] = parts[1:]
    sandboxed = "sandbox" in directives
    if sandboxed:
        flags = directives.pop("sandbox")
        assert "allow-same-origin" not in flags, f"{what}: {csp}"
        assert sorted(flags) == sorted(SANDBOX_FLAGS), f"{what}: {csp}"
    assert sandboxed == (" /f/" in what), f"{what}: {csp}"
    assert directives.get("default-src") == \
        (SANDBOX_DEFAULT_SRC if sandboxed else DEFAULT_SRC), f"{what}: {csp}"
    assert directives.get("frame-ancestors") in (["'self'"], ["'none'"]), f"{what}: {csp}"
    for name, sources in directives.items():
        for s in sources:
            assert s in (SANDBOX_SOURCES if sandboxed else ALLOWED_SOURCES), \
                f"{what}: {name} allows {s}"


def request(box, method, path, headers=None, body=None):
    c = http.client.HTTPConnection(box.host, box.port, timeout=10)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, r.getheaders(), data


def test_every_answer_carries_the_security_headers(make_box, tmp_path):
    box = make_box(extra="max_body_bytes = 4096",
                   sections="[wifi]\npassphrase = rahasia-guru-9\n").start()
    usb = str(tmp_path / "usb")
    hashes = make_folder(usb, [{"id": "kk-a-1", "title": "Modul", "kk": "A",
                                "subject": "IPA", "level": "SMP",
                                "files": [("a/video.mp4", os.urandom(50000), None)]}])
    box.pbctl("content", "import", usb)
    box.pbctl("user", "import", "-", input=json.dumps([
        {"name": "uji", "role": "fasilitator", "password": "kata-sandi-uji-1"},
        {"name": "kepala", "role": "admin", "password": "kata-sandi-admin-1"}]))
    json_h = {"Content-Type": "application/json"}
    status, h, _ = request(box, "POST", "/api/v1/login", json_h,
                           b'{"user":"kepala","password":"kata-sandi-admin-1"}')
    assert status == 200
    admin = {"Cookie": dict((k.lower(), v) for k, v in h)["set-cookie"].split(";")[0]}
    sha = hashes["a/video.mp4"]
    f = f"/f/{sha}/video.mp4"
    etag = f'"{sha}"'
    _, h, _ = request(box, "GET", "/index.html")
    app_etag = dict((k.lower(), v) for k, v in h)["etag"]

    cases = [
        ("GET", "/healthz", {}, None, 200),
        ("GET", "/api/v1/modules", {"Accept-Encoding": "gzip"}, None, 200),
        ("GET", "/api/v1/modules/kk-a-1", {}, None, 200),
        ("GET", "/api/v1/modules/none", {}, None, 404),
        ("GET", f, {}, None, 200),
        ("HEAD", f, {}, None, 200),
        ("GET", f + "?download=1", {}, None, 200),
        ("GET", f, {"Range": "bytes=100-199"}, None, 206),
        ("GET", f, {"If-None-Match": etag}, None, 304),
        ("GET", f, {"Range": "bytes=900000-"}, None, 416),
        ("GET", "/f/" + "0" * 64 + "/x", {}, None, 404),
        ("GET", "/", {}, None, 200),
        ("GET", "/index.html", {"If-None-Match": app_etag}, None, 304),
        ("GET", "/no/such/page.html", {}, None, 404),
        ("GET", "/api/nothing", {}, None, 404),
        ("POST", "/healthz", {}, None, 405),
        ("POST", "/api/v1/login", json_h, b"x" * 10000, 413),
        ("GET", "/healthz", {}, b"x" * 10, 400),
        ("GET", "/generate_204", {"Host": "connectivitycheck.gstatic.com"}, None, 302),
        ("GET", "/api/captive", {}, None, 200),
        ("GET", "/portal", {}, None, 200),
        ("GET", "/api/v1/portal", {}, None, 200),
        ("POST", "/api/v1/portal/accept", {"Content-Type": "application/json"}, b"{}", 200),
        ("GET", "/api/v1/admin/wifi", admin, None, 200),
        ("GET", "/admin/wifi/poster", admin, None, 200),
        ("GET", "/api/v1/admin/sync", admin, None, 200),
        ("GET", "/api/v1/admin/wifi", {}, None, 401),
        ("GET", "/admin/wifi/poster", {"Accept": "text/html"}, None, 401),
        ("POST", "/api/v1/admin/sync/now", admin, None, 403),
        ("GET", "/generate_204", {"Host": "connectivitycheck.gstatic.com"}, None, 204),
        ("GET", "/hotspot-detect.html", {"Host": "captive.apple.com"}, None, 200),
        ("POST", "/api/v1/login", json_h, b'{"user":"uji","password":"salah-sekali"}', 401),
        ("POST", "/api/v1/login", json_h, b'{"user":"uji","password":"kata-sandi-uji-1"}', 200),
        ("GET", "/api/v1/me", {}, None, 401),
        ("GET", "/api/v1/sessions", {}, None, 200),
        ("GET", "/api/v1/sessions/999", {}, None, 404),
        ("GET", "/api/v1/sessions/1/attendance", {}, None, 401),
        ("POST", "/api/v1/checkin/lookup", json_h, b"{}", 400),
    ]
    for method, path, hdrs, body, want in cases:
        status, headers, _ = request(box, method, path, hdrs, body)
        assert status == want, f"{method} {path} {hdrs}: {status}"
        check_headers(f"{method} {path} {hdrs} → {status}", headers)


def test_busy_answer_carries_the_security_headers(make_box):
    box = make_box(extra="max_connections = 8\nmax_connections_per_ip = 64").start()
    held = [socket.create_connection((box.host, box.port)) for _ in range(12)]
    try:
        time.sleep(0.3)
        status, headers, body = request(box, "GET", "/healthz")
        assert status == 503 and b"busy" in body
        check_headers("503 busy", headers)
    finally:
        for s in held:
            s.close()


def test_answers_libmicrohttpd_makes_echo_nothing(make_box):
    box = make_box(extra="max_header_bytes = 8192").start()
    marker = "<script>alert(1)</script>"
    # past the connection's memory (2 * 8192 + 14 KiB, docs/configuration.md)
    status, _, body = request(box, "GET", "/healthz", {"X-Big": marker + "a" * 40000})
    assert status in (413, 414, 431)
    assert marker.encode() not in body
    s = socket.create_connection((box.host, box.port), timeout=10)
    s.sendall(b"GET /" + marker.encode() + b" NOT-HTTP\r\n\r\n")
    data = s.recv(4000)
    s.close()
    assert data == b"" or data.startswith(b"HTTP/1.1 4")
    assert marker.encode() not in data
