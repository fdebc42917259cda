"""The web app's pages have Indonesian names; the English names they had
(in QR codes, printed posters, bookmarks, the captive portal of older
boxes, older operators' guides) answer 301 Moved Permanently to the new
name over real HTTP, with the query string kept as sent (encoded again),
for GET and HEAD. Each new name serves its page, no answer leads to a
second redirect, and the pages, scripts and docs of the box name only the
new pages."""
import os
import re
import socket

import requests

from pbtest import ROOT

# firmware/web/redirect.c
RENAMED = {
    "staff.html": "petugas.html",
    "klaim-staff.html": "klaim-petugas.html",
    "admin-sync.html": "admin-sinkron.html",
    "admin-wifi.html": "admin-pemancar.html",
    "checkin.html": "presensi.html",
    "portal-ok.html": "portal-lanjut.html",
    "setup.html": "penyiapan.html",
}
WEBAPP = os.path.join(ROOT, "webapp")


def test_each_old_name_answers_301_to_its_new_name(box):
    for old, new in RENAMED.items():
        for method in ("GET", "HEAD"):
            r = requests.request(method, box.base + "/" + old, allow_redirects=False,
                                 timeout=30)
            assert r.status_code == 301, (old, method, r.status_code)
            assert r.headers["Location"] == "/" + new, (old, r.headers)
            assert r.content == b""
        # the new name serves the page itself, with no further redirect
        r = requests.get(box.base + "/" + new, allow_redirects=False, timeout=30)
        assert r.status_code == 200, (new, r.status_code)
        assert r.headers["Content-Type"].startswith("text/html")
        with open(os.path.join(WEBAPP, new), "rb") as f:
            assert r.content == f.read()
        # no new name is an old one: no loop, no chain
        assert new not in RENAMED
        # a browser's way: follows once and lands on the page
        r = requests.get(box.base + "/" + old, timeout=30)
        assert r.status_code == 200 and [h.status_code for h in r.history] == [301]
        assert r.url == box.base + "/" + new
    # the old files are gone from the web app: only the redirect answers
    for old in RENAMED:
        assert not os.path.exists(os.path.join(WEBAPP, old)), old


def test_the_query_string_is_kept(box):
    cases = [
        ("checkin.html?s=12", "/presensi.html?s=12"),       # the projector's QR code
        ("staff.html?session=3&x=a%20b", "/petugas.html?session=3&x=a%20b"),
        ("klaim-staff.html?session=7&status=diajukan", "/klaim-petugas.html?session=7&status=diajukan"),
        ("portal-ok.html?lanjut", "/portal-lanjut.html?lanjut"),
        ("checkin.html?s=1&nama=%C3%A9%26%3D%2F", "/presensi.html?s=1&nama=%C3%A9%26%3D%2F"),
        ("setup.html?", "/penyiapan.html"),
    ]
    for asked, location in cases:
        r = requests.get(box.base + "/" + asked, allow_redirects=False, timeout=30)
        assert r.status_code == 301, asked
        assert r.headers["Location"] == location, (asked, r.headers["Location"])
    # a hostile query: header injection is not possible, the value comes back encoded
    s = socket.create_connection(("127.0.0.1", box.port), timeout=30)
    try:
        s.sendall(b"GET /staff.html?a=%0d%0aSet-Cookie:%20x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  b"Connection: close\r\n\r\n")
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
    finally:
        s.close()
    assert head.startswith(b"HTTP/1.1 301"), head
    assert b"\r\nLocation: /petugas.html?a=%0D%0ASet-Cookie%3A%20x%3D1\r\n" in head, head
    assert b"Set-Cookie: x=1" not in head


def test_other_paths_are_not_redirected(box):
    for path in ("/", "/index.html", "/cetak.html", "/js/staff.js", "/STAFF.html",
                 "/staff.htm", "/x/staff.html"):
        r = requests.get(box.base + path, allow_redirects=False, timeout=30)
        assert r.status_code != 301, path
    assert requests.get(box.base + "/staff.html", allow_redirects=False,
                        timeout=30).status_code == 301
    assert requests.post(box.base + "/staff.html", timeout=30,
                         allow_redirects=False).status_code == 405


def test_pages_scripts_and_docs_name_only_the_new_pages():
    old = re.compile(r"(?<![\w-])(" + "|".join(re.escape(o) for o in RENAMED) + r")")
    seen = []
    for top in ("webapp", "docs", "firmware"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                path = os.path.join(d, name)
                if name == "redirect.c" or not name.endswith(
                        (".html", ".js", ".css", ".json", ".md", ".c", ".h")):
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    for n, line in enumerate(f, 1):
                        if old.search(line):
                            seen.append(f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}")
    # docs/development.md's "Page names" lists the old names beside the new;
    # docs/api.md gives one redirect as an example
    assert all(s.startswith("docs/development.md:") or
               (s.startswith("docs/api.md:") and "301" in s) for s in seen), "\n".join(seen)
