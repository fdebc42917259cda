"""Issue: the box serves its module library. Real pb-web over real HTTP:
catalogue, file serving rules (Range, ETag, HEAD, 304, 416, downloads),
paths that must not escape the store, and the content import."""
import hashlib
import http.client
import os
import sqlite3
import time

import pytest
import requests

from content_fixture import make_folder, sha256_file

VIDEO = os.urandom(3 * 1024 * 1024 + 17)
PDF = b"%PDF-1.4\n" + os.urandom(20000)
SHEET = "Lembar kerja: tulis tiga hal penting.\n".encode()

MODULES = [
    {"id": "kk-a-mat", "title": "Bilangan Bulat", "kk": "A", "subject": "Matematika",
     "level": "SMP", "description": "Operasi hitung",
     "files": [("a/modul.pdf", PDF, "Modul A — Bilangan.pdf"),
               ("a/video.mp4", VIDEO, None)]},
    {"id": "kk-b-ipa", "title": "Energi dan Perubahannya", "kk": "B", "subject": "IPA",
     "level": "SMP", "files": [("b/lembar kerja.txt", SHEET, None)]},
    {"id": "kk-b-mat", "title": "Aljabar", "kk": "B", "subject": "Matematika",
     "level": "SMP", "files": [("b/aljabar.pdf", PDF[:5000], None)]},
]


@pytest.fixture
def lib(box, tmp_path):
    hashes = make_folder(str(tmp_path / "usb"), MODULES)
    p = box.pbctl("content", "import", str(tmp_path / "usb"))
    assert "3 baru" in p.stdout, p.stdout
    cat = requests.get(box.base + "/api/v1/modules").json()
    files = {f["name"]: f for m in cat["modules"] for f in m["files"]}
    return box, hashes, files, tmp_path


def raw(box, method, path, headers=None):
    """A request with the path exactly as given (no client normalisation)."""
    c = http.client.HTTPConnection(box.host, box.port, timeout=10)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r, body


def test_catalogue_lists_and_filters(lib):
    box, hashes, files, _ = lib
    cat = requests.get(box.base + "/api/v1/modules").json()
    assert cat["count"] == 3
    assert cat["subjects"] == ["IPA", "Matematika"]
    f = files["Modul A — Bilangan.pdf"]
    assert f["sha256"] == hashes["a/modul.pdf"]
    assert f["size"] == len(PDF)
    assert f["mime"] == "application/pdf"
    assert f["url"].startswith("/f/" + f["sha256"] + "/")
    assert files["video.mp4"]["mime"] == "video/mp4"
    ids = lambda q: [m["id"] for m in requests.get(box.base + "/api/v1/modules",
                                                  params=q).json()["modules"]]
    assert ids({"kk": "B"}) == ["kk-b-ipa", "kk-b-mat"]
    assert ids({"subject": "Matematika"}) == ["kk-a-mat", "kk-b-mat"]
    assert ids({"q": "energi"}) == ["kk-b-ipa"]
    assert ids({"q": "100%_"}) == []
    assert ids({"kk": "B", "subject": "Matematika"}) == ["kk-b-mat"]
    one = requests.get(box.base + "/api/v1/modules/kk-a-mat").json()
    assert one["title"] == "Bilangan Bulat" and len(one["files"]) == 2
    r = requests.get(box.base + "/api/v1/modules/nope")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    r = requests.get(box.base + "/api/v1/modules", params={"kk": "K"})
    assert r.status_code == 400 and r.json()["error"] == "bad_kk"
    r = requests.get(box.base + "/api/v1/modules", params={"q": "x" * 101})
    assert r.status_code == 400


def test_catalogue_is_gzipped_when_asked(lib):
    box = lib[0]
    r = requests.get(box.base + "/api/v1/modules", headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("Content-Encoding") == "gzip"
    assert r.json()["count"] == 3
    r2, body = raw(box, "GET", "/api/v1/modules")
    assert r2.getheader("Content-Encoding") is None and body.startswith(b"{")


def test_file_full_get_and_head(lib):
    box, hashes, files, _ = lib
    f = files["video.mp4"]
    r = requests.get(box.base + f["url"])
    assert r.status_code == 200
    assert hashlib.sha256(r.content).hexdigest() == hashes["a/video.mp4"]
    assert r.headers["Content-Type"] == "video/mp4"
    assert int(r.headers["Content-Length"]) == len(VIDEO)
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["ETag"] == '"%s"' % f["sha256"]
    assert "max-age" in r.headers["Cache-Control"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    h, body = raw(box, "HEAD", f["url"])
    assert h.status == 200 and body == b""
    assert int(h.getheader("Content-Length")) == len(VIDEO)
    assert h.getheader("ETag") == r.headers["ETag"]


def test_conditional_get(lib):
    box, _, files, _ = lib
    f = files["video.mp4"]
    etag = '"%s"' % f["sha256"]
    r = requests.get(box.base + f["url"], headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    assert r.headers["ETag"] == etag
    r = requests.get(box.base + f["url"], headers={"If-None-Match": '"other", ' + etag})
    assert r.status_code == 304
    r = requests.get(box.base + f["url"], headers={"If-None-Match": '"other"'})
    assert r.status_code == 200 and len(r.content) == len(VIDEO)


@pytest.mark.parametrize("hdr,first,last", [
    ("bytes=0-99", 0, 99),
    ("bytes=100-", 100, len(VIDEO) - 1),
    ("bytes=-500", len(VIDEO) - 500, len(VIDEO) - 1),
    ("bytes=1000000-1000000", 1000000, 1000000),
    ("bytes=5-99999999999", 5, len(VIDEO) - 1),
])
def test_single_range(lib, hdr, first, last):
    box, _, files, _ = lib
    r = requests.get(box.base + files["video.mp4"]["url"], headers={"Range": hdr})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes {first}-{last}/{len(VIDEO)}"
    assert r.content == VIDEO[first:last + 1]
    assert int(r.headers["Content-Length"]) == last - first + 1


def test_unsatisfiable_and_ignored_ranges(lib):
    box, _, files, _ = lib
    url = box.base + files["video.mp4"]["url"]
    r = requests.get(url, headers={"Range": f"bytes={len(VIDEO)}-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(VIDEO)}"
    for junk in ("bytes=x-y", "pages=1-2", "bytes=9-3"):
        r = requests.get(url, headers={"Range": junk})
        assert r.status_code == 200 and r.content == VIDEO


def test_multi_range_is_never_an_error(lib):
    box, _, files, _ = lib
    r = requests.get(box.base + files["video.mp4"]["url"],
                     headers={"Range": "bytes=0-9,100-199,-10"})
    assert r.status_code in (200, 206)
    if r.status_code == 200:
        assert r.content == VIDEO
    else:
        assert r.headers["Content-Type"].startswith("multipart/byteranges")
        for part in (VIDEO[0:10], VIDEO[100:200], VIDEO[-10:]):
            assert part in r.content


def test_if_range(lib):
    box, _, files, _ = lib
    f = files["video.mp4"]
    url = box.base + f["url"]
    r = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"%s"' % f["sha256"]})
    assert r.status_code == 206 and r.content == VIDEO[:10]
    r = requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status_code == 200 and r.content == VIDEO
    r = requests.get(url, headers={"Range": "bytes=0-9",
                                   "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert r.status_code == 200 and len(r.content) == len(VIDEO)


def test_download_names_the_file(lib):
    box, _, files, _ = lib
    f = files["Modul A — Bilangan.pdf"]
    r = requests.get(box.base + f["url"] + "?download=1")
    cd = r.headers["Content-Disposition"]
    assert cd.startswith("attachment;")
    assert 'filename="Modul A _ Bilangan.pdf"' in cd or 'filename="Modul A ' in cd
    assert "filename*=UTF-8''Modul%20A%20%E2%80%94%20Bilangan.pdf" in cd
    assert r.content == PDF
    r = requests.get(box.base + f["url"])
    assert "Content-Disposition" not in r.headers


def test_no_path_leaves_the_store(lib):
    box, hashes, files, tmp = lib
    secret = open("/etc/passwd", "rb").read()[:40]
    sha = files["video.mp4"]["sha256"]
    paths = [
        "/f/../../../../etc/passwd",
        "/f/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/f/" + sha + "/..%2f..%2f..%2fetc%2fpasswd",
        "/f/..%2f..%2f..%2f..%2fetc%2fpasswd/x",
        "/f/" + sha[:63] + "%00/x",
        "/f/%00/../../etc/passwd",
        "/f//etc/passwd",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/..%2f..%2f..%2fetc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/.%2e/.%2e/etc/passwd",
        "/locale/../../../../etc/passwd",
        "/f/" + "0" * 64 + "/x",
        "/f/" + sha.upper() + "/x",
        "/app.css%00.txt",
        "/.git/config",
    ]
    for p in paths:
        r, body = raw(box, "GET", p)
        assert r.status in (400, 404), (p, r.status)
        assert secret not in body, p
    # Files in the store that are not in the catalogue are not served.
    other = tmp / "x.bin"
    other.write_bytes(b"private receipt photo")
    r, _ = raw(box, "GET", "/f/" + sha256_file(str(other)) + "/x.bin")
    assert r.status == 404


def test_reimport_is_a_no_op_and_wrong_hash_is_refused(lib):
    box, hashes, files, tmp = lib
    usb = str(tmp / "usb")
    p = box.pbctl("content", "import", usb)
    assert "0 baru, 0 diperbarui, 3 tidak berubah, 0 ditolak" in p.stdout
    assert "0 disalin" in p.stdout
    # A stick whose video was damaged after the manifest was written.
    bad = str(tmp / "bad")
    make_folder(bad, [{"id": "kk-c-rusak", "title": "Rusak", "kk": "C", "subject": "IPA",
                       "level": "SMA", "files": [("rusak.mp4", b"good bytes", None),
                                                 ("ok.txt", b"fine", None)]}])
    with open(os.path.join(bad, "rusak.mp4"), "wb") as f:
        f.write(b"damaged bytes")
    p = box.pbctl("content", "import", bad, check=False)
    assert p.returncode == 1
    assert "rusak.mp4" in p.stdout and "SHA-256" in p.stdout
    assert "1 ditolak" in p.stdout
    ids = [m["id"] for m in requests.get(box.base + "/api/v1/modules").json()["modules"]]
    assert "kk-c-rusak" not in ids
    store = os.path.join(box.dir, "data", "store")
    bad_sha = hashlib.sha256(b"damaged bytes").hexdigest()
    assert not os.path.exists(os.path.join(store, bad_sha[:2], bad_sha))
    assert os.listdir(os.path.join(store, "tmp")) == []


def test_bad_manifests_are_reported(box, tmp_path):
    d = tmp_path / "m"
    d.mkdir()
    (d / "manifest.json").write_text("{not json")
    p = box.pbctl("content", "import", str(d), check=False)
    assert p.returncode == 1 and "not JSON" in p.stdout
    make_folder(str(d), [{"id": "x", "title": "t", "kk": "A", "subject": "s", "level": "l",
                          "files": [("a.txt", b"a", None)]}])
    import json
    m = json.loads((d / "manifest.json").read_text())
    m["modules"][0]["files"][0]["path"] = "../../etc/passwd"
    (d / "manifest.json").write_text(json.dumps(m))
    p = box.pbctl("content", "import", str(d), check=False)
    assert p.returncode == 1 and "unsafe path" in p.stdout


def test_health(box):
    h = requests.get(box.base + "/healthz").json()
    assert h["status"] == "ok" and h["database"] == "ok"
    assert h["version"] and h["schema"] >= 1


def test_database_settings(box):
    db = sqlite3.connect(box.db_path())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_catalogue_etag_and_fresh_after_import(lib):
    box, _, _, tmp = lib
    r = requests.get(box.base + "/api/v1/modules")
    etag = r.headers["ETag"]
    r2 = requests.get(box.base + "/api/v1/modules", headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.content == b""
    # Warm the gzip and filtered entries too, then import a new module.
    requests.get(box.base + "/api/v1/modules", headers={"Accept-Encoding": "gzip"})
    assert requests.get(box.base + "/api/v1/modules", params={"kk": "D"}).json()["count"] == 0
    make_folder(str(tmp / "more"), [{"id": "kk-d-baru", "title": "Modul Baru", "kk": "D",
                                     "subject": "IPS", "level": "SD",
                                     "files": [("baru.txt", b"isi baru", None)]}])
    box.pbctl("content", "import", str(tmp / "more"))
    r3 = requests.get(box.base + "/api/v1/modules", headers={"If-None-Match": etag})
    assert r3.status_code == 200 and r3.json()["count"] == 4
    assert r3.headers["ETag"] != etag
    assert requests.get(box.base + "/api/v1/modules", params={"kk": "D"}).json()["count"] == 1
    gz = requests.get(box.base + "/api/v1/modules", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gz.json()["count"] == 4


def test_catalogue_pages(lib):
    box = lib[0]
    get = lambda **q: requests.get(box.base + "/api/v1/modules", params=q)
    all_ids = [m["id"] for m in get().json()["modules"]]
    p1 = get(limit=2).json()
    assert p1["count"] == 2 and p1["total"] == 3
    p2 = get(limit=2, offset=2).json()
    assert p2["count"] == 1 and p2["total"] == 3
    assert [m["id"] for m in p1["modules"] + p2["modules"]] == all_ids
    assert get(kk="B", limit=1).json()["total"] == 2
    for bad in ({"limit": 0}, {"limit": 501}, {"limit": "x"}, {"offset": -1}, {"limit": "1e3"}):
        r = get(**bad)
        assert r.status_code == 400 and r.json()["error"] == "bad_page", bad


def test_kept_file_answers_follow_the_catalogue(lib):
    # Whole-file answers are kept open between requests: many gets of the
    # same file, on one connection and on several, give the same bytes
    # and headers, and a file that leaves the catalogue is not served.
    box, hashes, files, tmp = lib
    f = files["aljabar.pdf"]
    with requests.Session() as s:
        for _ in range(20):
            r = s.get(box.base + f["url"])
            assert r.status_code == 200 and r.content == PDF[:5000]
            assert r.headers["ETag"] == '"%s"' % f["sha256"]
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Content-Type"] == "application/pdf"
    h, body = raw(box, "HEAD", f["url"])
    assert h.status == 200 and body == b"" and int(h.getheader("Content-Length")) == 5000
    # a Range on the kept file still gets its 206
    r = requests.get(box.base + f["url"], headers={"Range": "bytes=0-9"})
    assert r.status_code == 206 and r.content == PDF[:10]
    # The module now carries another file: the old one is gone.
    make_folder(str(tmp / "v2"), [{"id": "kk-b-mat", "title": "Aljabar", "kk": "B",
                                   "subject": "Matematika", "level": "SMP",
                                   "files": [("b/aljabar2.pdf", PDF[:6000], None)]}])
    box.pbctl("content", "import", str(tmp / "v2"))
    # pb-web reads the catalogue version at most every 250 ms for kept answers
    end = time.time() + 10
    while requests.get(box.base + f["url"]).status_code != 404:
        assert time.time() < end, "a file that left the catalogue is still served"
        time.sleep(0.05)
    new = hashlib.sha256(PDF[:6000]).hexdigest()
    r = requests.get(box.base + f"/f/{new}/aljabar2.pdf")
    assert r.status_code == 200 and r.content == PDF[:6000]
