"""HTML5 lessons over real HTTP: a module carrying a lesson zip (made here
with zipfile) is imported with pbctl, unpacked into the content store, and
every file of it is served under /h/ZIPSHA/ with its own media type and the
sandbox headers of module files; a path the index does not name is 404.
Hostile zips are refused at import with a clear message and leave nothing
behind: no catalogue entry, no index, no new object in the store."""
import os
import sqlite3
import stat
import struct
import sys
import zipfile

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from html5_util import ENTRIES, MODULE, lesson_zip, write_module  # noqa: E402

import io  # noqa: E402


def store_objects(box):
    root = os.path.join(box.dir, "data", "store")
    out = set()
    for d, _, files in os.walk(root):
        for f in files:
            out.add(os.path.relpath(os.path.join(d, f), root))
    return out


def index_rows(box):
    db = sqlite3.connect(box.db_path())
    try:
        return db.execute("SELECT count(*) FROM html5_entry").fetchone()[0]
    finally:
        db.close()


def check_sandbox(r):
    csp = r.headers.get("Content-Security-Policy", "")
    assert csp.startswith("sandbox allow-scripts"), csp
    assert "allow-same-origin" not in csp
    assert r.headers.get("X-Content-Type-Options") == "nosniff"
    assert r.headers.get("Referrer-Policy") == "no-referrer"


def test_lesson_served_under_its_prefix(box, tmp_path):
    sha = write_module(str(tmp_path / "usb"), lesson_zip())
    p = box.pbctl("content", "import", str(tmp_path / "usb"))
    assert "pelajaran HTML5 / HTML5 lesson: 5 berkas" in p.stdout, p.stdout
    m = requests.get(box.base + "/api/v1/modules/" + MODULE, timeout=30).json()
    f = m["files"][0]
    assert f["kind"] == "html5" and f["lesson_url"] == f"/h/{sha}/index.html", f
    for path, (data, mime) in ENTRIES.items():
        r = requests.get(f"{box.base}/h/{sha}/{path}", timeout=30)
        assert r.status_code == 200, (path, r.text)
        assert r.content == data and r.headers["Content-Type"] == mime, path
        check_sandbox(r)
    # HEAD, a folder's index page, a range
    r = requests.head(f"{box.base}/h/{sha}/css/gaya.css", timeout=30)
    assert r.status_code == 200 and int(r.headers["Content-Length"]) == len(ENTRIES["css/gaya.css"][0])
    r = requests.get(f"{box.base}/h/{sha}/", timeout=30)
    assert r.status_code == 200 and r.content == ENTRIES["index.html"][0]
    check_sandbox(r)
    r = requests.get(f"{box.base}/h/{sha}/js/app.js", headers={"Range": "bytes=0-7"}, timeout=30)
    assert r.status_code == 206 and r.content == ENTRIES["js/app.js"][0][:8]
    # what the index does not name: 404 with the same sandbox
    for bad in (f"/h/{sha}/css/tidak-ada.css", f"/h/{sha}/CSS/gaya.css", f"/h/{sha}",
                "/h/" + "0" * 64 + "/index.html",
                "/h/bukan-hash/index.html", f"/h/{sha}/%2e%2e/{sha[:2]}/{sha}"):
        r = requests.get(box.base + bad, timeout=30)
        assert r.status_code == 404, (bad, r.status_code)
    # the zip itself stays a module file to download, as before
    r = requests.get(box.base + f["url"], timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    # importing again changes nothing
    p = box.pbctl("content", "import", str(tmp_path / "usb"))
    assert "0 baru, 0 diperbarui, 1 tidak berubah" in p.stdout, p.stdout


def zinfo(name, mode=None):
    zi = zipfile.ZipInfo(name)
    zi.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        zi.create_system = 3
        zi.external_attr = mode << 16
    return zi


def hostile(kind):
    buf = io.BytesIO()
    index = ENTRIES["index.html"][0]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.html", index)
        if kind == "dotdot":
            z.writestr(zinfo("../../luar.html"), b"<p>di luar</p>")
        elif kind == "dotdir":
            z.writestr(zinfo("css/../../luar/"), b"")
        elif kind == "absolute":
            z.writestr(zinfo("/etc/pb-luar.html"), b"<p>mutlak</p>")
        elif kind == "symlink":
            z.writestr(zinfo("tautan", stat.S_IFLNK | 0o777), b"/etc/passwd")
        elif kind == "many":
            for i in range(2000):
                z.writestr(f"f/{i}.txt", b"x")
        elif kind == "bomb":
            z.writestr("nol.txt", bytes(8 * 1024 * 1024))
        elif kind == "oversized":
            z.writestr("besar.bin", b"0123456789abcdef" * 64)
        elif kind == "duplicate":
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                z.writestr("css/a.css", b"a{}")
                z.writestr("css/a.css", b"b{}")
        elif kind == "noindex":
            pass
        elif kind == "crc":
            for path, (data, _) in ENTRIES.items():
                if path != "index.html":
                    z.writestr(path, data)
    data = bytearray(buf.getvalue())
    if kind == "noindex":
        with zipfile.ZipFile(io.BytesIO(), "w") as z2:
            pass
        b2 = io.BytesIO()
        with zipfile.ZipFile(b2, "w") as z2:
            z2.writestr("halaman.html", index)
        data = bytearray(b2.getvalue())
    if kind == "oversized":
        # declare 65 MiB unpacked for besar.bin (more than one entry may hold)
        patch(data, "besar.bin", size=65 * 1024 * 1024)
    if kind == "crc":
        # the last file unpacked (by path) is damaged: the others, already
        # copied into the store, must go again
        patch(data, "js/app.js", crc=0x12345678)
    return bytes(data)


def patch(data, name, size=None, crc=None):
    """Change an entry's size or CRC in its local header and the central
    directory alike (so the zip stays consistent but lies)."""
    n = name.encode()
    for sig, crc_at, size_at, name_len_at, name_at in ((b"PK\x03\x04", 14, 22, 26, 30),
                                                       (b"PK\x01\x02", 16, 24, 28, 46)):
        i = 0
        while True:
            i = data.find(sig, i)
            assert i >= 0, name
            ln = struct.unpack_from("<H", data, i + name_len_at)[0]
            if bytes(data[i + name_at:i + name_at + ln]) == n:
                break
            i += 4
        if crc is not None:
            struct.pack_into("<I", data, i + crc_at, crc)
        if size is not None:
            struct.pack_into("<I", data, i + size_at, size)


CASES = [
    ("dotdot", "nama tidak aman"),
    ("dotdir", "nama tidak aman"),
    ("absolute", "nama tidak aman"),
    ("symlink", "tautan simbolik"),
    ("many", "lebih dari 2000 entri"),
    ("bomb", "bom zip"),
    ("oversized", "berkas terlalu besar"),
    ("duplicate", "dua kali"),
    ("noindex", "tidak ada index.html"),
    ("crc", "rusak"),
]


@pytest.mark.parametrize("kind,message", CASES, ids=[c[0] for c in CASES])
def test_hostile_zip_refused_and_nothing_left(box, tmp_path, kind, message):
    # a lesson already there shares files with the hostile one: they stay
    good = tmp_path / "baik"
    write_module(str(good), lesson_zip(), module="kk-c-sudah-ada")
    box.pbctl("content", "import", str(good))
    before, rows = store_objects(box), index_rows(box)
    folder = tmp_path / kind
    write_module(str(folder), hostile(kind))
    p = box.pbctl("content", "import", str(folder), check=False)
    assert p.returncode == 1, p.stdout
    assert "DITOLAK / REFUSED: pelajaran HTML5" in p.stdout and message in p.stdout, p.stdout
    assert f"modul {MODULE}: DITOLAK" in p.stdout
    assert store_objects(box) == before
    assert index_rows(box) == rows
    r = requests.get(box.base + "/api/v1/modules/" + MODULE, timeout=30)
    assert r.status_code == 404
    r = requests.get(box.base + "/api/v1/modules/kk-c-sudah-ada", timeout=30)
    url = r.json()["files"][0]["lesson_url"]
    assert requests.get(box.base + url.replace("index.html", "js/app.js"),
                        timeout=30).content == ENTRIES["js/app.js"][0]


def test_unknown_file_kind_refuses_the_module(box, tmp_path):
    folder = tmp_path / "usb"
    write_module(str(folder), lesson_zip())
    mpath = folder / "manifest.json"
    mpath.write_text(mpath.read_text().replace('"html5"', '"scorm"'))
    p = box.pbctl("content", "import", str(folder), check=False)
    assert p.returncode == 1 and "kind 'scorm' is not \"html5\"" in p.stdout, p.stdout


def test_progres_saya_opens_the_lesson(make_box, tmp_path):
    from attendance_util import nuptk
    from claims_util import ClaimBox
    cb = ClaimBox(make_box, n=1, rates=False)
    sha = write_module(str(tmp_path / "usb"), lesson_zip(),
                       extra_files=[("materi.txt", b"Materi pecahan\n")])
    cb.box.pbctl("content", "import", str(tmp_path / "usb"))
    who = {"session": cb.sid, "nuptk": nuptk(0), "checkin": cb.check_in(0)}
    url = cb.base + "/api/v1/learning/modules/" + MODULE
    acts = requests.get(url, params=who, timeout=30).json()["activities"]
    assert [a["url"] for a in acts] == [f"/h/{sha}/index.html",
                                        acts[1]["url"]] and acts[1]["url"].startswith("/f/")
    r = requests.post(url + "/progress", json=dict(who, activity="file:0", state="done"),
                      timeout=30)
    assert r.status_code == 200, r.text
    acts = requests.get(url, params=who, timeout=30).json()["activities"]
    assert acts[0]["state"] == "done"
