"""Module files sent from a memory mapping ([web] file_map_max) answer
exactly as those sent by sendfile: the same bytes, the same headers, the
same Range, HEAD, 304 and download rules, and a file dropped from the
catalogue stops being served from a kept mapped answer."""
import hashlib
import http.client
import os
import subprocess
import time

import pytest
import requests

from content_fixture import make_folder
from pbtest import binary

SMALL = b"%PDF-1.4\n" + os.urandom(20000)              # one packet of headers + body
BIG = os.urandom(300 * 1024 + 5)                       # more than one sendfile chunk
LIMIT = 64 * 1024

MODULES = [{"id": "kk-a-map", "title": "Peta", "kk": "A", "subject": "IPA", "level": "SMP",
            "files": [("m/kecil.pdf", SMALL, "Kecil — satu.pdf"), ("m/besar.bin", BIG, None)]}]


def serve(make_box, tmp_path, limit):
    box = make_box(extra=f"file_map_max = {limit}\n")
    make_folder(str(tmp_path / f"usb{limit}"), MODULES)
    box.pbctl("content", "import", str(tmp_path / f"usb{limit}"))
    box.start()
    cat = requests.get(box.base + "/api/v1/modules").json()
    return box, {f["name"]: f for m in cat["modules"] for f in m["files"]}


def raw(box, method, path, headers=None):
    c = http.client.HTTPConnection(box.host, box.port, timeout=30)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders() if k.lower() != "date"}
    c.close()
    return r.status, hdrs, body


REQUESTS = [
    ("GET", {}),
    ("HEAD", {}),
    ("GET", {"Range": "bytes=100-299"}),
    ("GET", {"Range": "bytes=-10"}),
    ("GET", {"Range": "bytes=0-1,5-9"}),
    ("GET", {"Range": "bytes=99999999-"}),
    ("GET", {"If-Range": '"other"', "Range": "bytes=0-9"}),
]


@pytest.mark.parametrize("which", ["small", "big"])
def test_mapped_answers_match_sendfile(make_box, tmp_path, which):
    name, data = {"small": ("Kecil — satu.pdf", SMALL), "big": ("besar.bin", BIG)}[which]
    mapped, mfiles = serve(make_box, tmp_path, LIMIT if len(data) < LIMIT else 1 << 20)
    plain, pfiles = serve(make_box, tmp_path, 0)
    url = mfiles[name]["url"]
    assert pfiles[name]["url"] == url
    for method, hdrs in REQUESTS:
        for _ in range(2):        # the second whole GET comes from a kept answer
            got = raw(mapped, method, url, hdrs)
            want = raw(plain, method, url, hdrs)
            assert got == want, (method, hdrs)
    status, hdrs, body = raw(mapped, "GET", url)
    assert status == 200 and body == data
    assert hdrs["content-length"] == str(len(data))
    assert hdrs["etag"] == '"%s"' % hashlib.sha256(data).hexdigest()
    assert hdrs["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in hdrs
    etag = hdrs["etag"]
    assert raw(mapped, "GET", url, {"If-None-Match": etag})[0] == 304
    s, h, b = raw(mapped, "GET", url + "?download=1")
    assert s == 200 and b == data and "attachment" in h["content-disposition"]


def test_mapped_file_leaves_with_the_catalogue(make_box, tmp_path):
    box, files = serve(make_box, tmp_path, LIMIT)
    url = files["Kecil — satu.pdf"]["url"]
    with requests.Session() as s:
        for _ in range(5):
            r = s.get(box.base + url)
            assert r.status_code == 200 and r.content == SMALL
    # the module now carries other files: the kept mapped answer goes
    make_folder(str(tmp_path / "v2"), [dict(MODULES[0], files=[("m/baru.pdf", SMALL[:900],
                                                                 None)])])
    box.pbctl("content", "import", str(tmp_path / "v2"))
    deadline = time.monotonic() + 30
    while requests.get(box.base + url).status_code != 404:
        assert time.monotonic() < deadline, "a dropped file is still served"
        time.sleep(0.05)


def test_file_map_limit_is_checked(tmp_path):
    conf = tmp_path / "box.conf"
    conf.write_text("[web]\nfile_map_max = 99999999999\n")
    p = subprocess.run([binary("pb-web"), "-c", str(conf), "-n"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1
    assert f"{conf}:2:" in p.stderr and "file_map_max" in p.stderr
