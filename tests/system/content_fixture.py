"""Make a module folder (what a USB stick carries) with a manifest."""
import hashlib
import json
import os


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def make_folder(folder, modules):
    """modules: list of dicts with id, title, kk, subject, level and files:
    list of (relpath, bytes, name or None). Returns {relpath: sha256}."""
    os.makedirs(folder, exist_ok=True)
    hashes = {}
    out = []
    for m in modules:
        files = []
        for rel, data, name in m["files"]:
            p = os.path.join(folder, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(data)
            hashes[rel] = hashlib.sha256(data).hexdigest()
            e = {"path": rel, "sha256": hashes[rel]}
            if name:
                e["name"] = name
            files.append(e)
        mm = {k: v for k, v in m.items() if k != "files"}
        mm["files"] = files
        out.append(mm)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump({"format": 1, "modules": out}, f)
    return hashes
