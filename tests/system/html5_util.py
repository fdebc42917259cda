"""HTML5 lessons for the tests: a zip made here with Python's zipfile (an
index.html that links its style, script and picture by relative paths),
written into a module folder whose manifest lists it as kind "html5"."""
import hashlib
import io
import json
import os
import zipfile

MODULE = "kk-c-pelajaran-interaktif"

INDEX = b"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8">
<title>Pelajaran Pecahan</title>
<link rel="stylesheet" href="css/gaya.css">
</head><body>
<h1>Pecahan</h1>
<p id="hasil">belum</p>
<img src="img/titik.png" alt="titik">
<a href="bab/dua.html">Bab dua</a>
<script src="js/app.js"></script>
</body></html>
"""
CSS = b"#hasil { color: rgb(0, 128, 0); }\n"
# writes into the page, then tries the box's API from the lesson's origin
JS = b"""document.getElementById('hasil').textContent = 'skrip jalan';
var me = 'belum';
try {
  var x = new XMLHttpRequest();
  x.open('GET', '/api/v1/me', false);
  x.send();
  me = 'terbaca ' + x.status;
} catch (e) { me = 'tertolak'; }
document.body.setAttribute('data-me', me);
"""
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
                    "890000000d49444154789c63606860f80f0002840180fa05561d0000000049454e44ae426082")
CHAPTER = b"<!DOCTYPE html><html><head><title>Bab 2</title></head><body>Bab dua</body></html>"

ENTRIES = {
    "index.html": (INDEX, "text/html; charset=utf-8"),
    "css/gaya.css": (CSS, "text/css; charset=utf-8"),
    "js/app.js": (JS, "text/javascript; charset=utf-8"),
    "img/titik.png": (PNG, "image/png"),
    "bab/dua.html": (CHAPTER, "text/html; charset=utf-8"),
}


def lesson_zip(entries=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, (data, _) in (entries or ENTRIES).items():
            z.writestr(name, data)
    return buf.getvalue()


def write_module(folder, zdata, module=MODULE, extra_files=()):
    """A module folder with the lesson zip (and extra (path, bytes) files);
    returns the zip's SHA-256."""
    os.makedirs(folder, exist_ok=True)
    sha = hashlib.sha256(zdata).hexdigest()
    with open(os.path.join(folder, "pelajaran.zip"), "wb") as f:
        f.write(zdata)
    files = [{"path": "pelajaran.zip", "name": "Pelajaran Pecahan.zip", "sha256": sha,
              "kind": "html5"}]
    for rel, data in extra_files:
        with open(os.path.join(folder, rel), "wb") as f:
            f.write(data)
        files.append({"path": rel, "sha256": hashlib.sha256(data).hexdigest()})
    doc = {"format": 1, "modules": [{
        "id": module, "title": "Pecahan Interaktif", "kk": "C", "subject": "Matematika",
        "level": "SD", "description": "Pelajaran HTML5 tentang pecahan.", "files": files}]}
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(doc, f)
    return sha
