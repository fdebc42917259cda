"""Forged USB sticks given to the hub, by `pb-hub import DIR` and by the
office's page (POST /v1/kantor/import): batches signed by one box in
another box's folder, a batch signed by a box that claims another box's
id, a manifest that lies about a batch's seqs, file names that climb out
of the folder, a zip and a gzip bomb, a manifest of 4 MiB of "{},", the
same batch twice. Each is
refused by name, and nothing of it is stored. Real pbctl exports, pb-hub
and PostgreSQL (tests/sync/test_usb.py has the honest stick, altered
bytes, unknown and revoked boxes, forged acknowledgements)."""
import gzip
import hashlib
import io
import json
import os
import shutil
import struct
import subprocess
import time
import zipfile

import requests

from officeweb import API, WEBAPP, Office, add_user
from pbhub import Hub, box_key, box_meta, box_records, sign
from pbtest import BUILD, binary
from test_usb import box_dir, enrolled, export, hub_import, training_day

MIB = 1024 * 1024
BATCH_GZ_MAX = 4 * MIB        # PB_PROTO_BATCH_GZ_MAX
# ASan keeps up to quarantine_size_mb (256 MiB by default) of freed memory
# before reusing it: the sanitizer build's memory bound adds it.
SAN_SLACK_KIB = 256 * 1024 if "/asan" in BUILD else 0


def manifest_of(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        return json.load(f)


def write_manifest(folder, man):
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(man, f)


def put_batch(folder, name, body, key, seqs=None):
    """body as FOLDER/NAME, named in the manifest as its only batch with
    its hash and key's signature; seqs (first, last) from the records
    inside unless given."""
    with open(os.path.join(folder, name), "wb") as f:
        f.write(body)
    man = manifest_of(folder)
    if seqs is None:
        recs = json.loads(gzip.decompress(body))["records"]
        seqs = recs[0]["seq"], recs[-1]["seq"]
    man["batches"] = [{"file": name, "first": seqs[0], "last": seqs[1],
                       "sha256": hashlib.sha256(body).hexdigest(), "signature": sign(key, body)}]
    write_manifest(folder, man)


def fresh_stick(tmpdir, name, box):
    d = os.path.join(tmpdir, name)
    os.mkdir(d)
    export(box, d)
    return d


def refused(hub, stick, words, *boxes):
    p = hub_import(hub, stick, check=False)
    assert p.returncode == 1, p.stdout + p.stderr
    assert words in p.stderr, p.stderr
    for b in boxes:
        assert hub.count(box_meta(b, "box_id")) == 0, p.stdout
    return p


def test_forged_sticks_store_nothing(boxes, khub, tmpdir_hub):
    a, b = enrolled(boxes, khub), enrolled(boxes, khub)
    aid, bid = box_meta(a, "box_id"), box_meta(b, "box_id")
    total = training_day(a)
    training_day(b, 10)

    # A's batches in B's folder, the manifest saying B: B's key says no
    s = fresh_stick(tmpdir_hub, "s1", a)
    os.rename(box_dir(a, s), os.path.join(s, "pb-outbox", bid))
    man = manifest_of(os.path.join(s, "pb-outbox", bid))
    man["box_id"] = bid
    write_manifest(os.path.join(s, "pb-outbox", bid), man)
    refused(khub, s, "bad_signature", a, b)

    # B signs a batch of A's records (A's id inside): B may speak only
    # for itself
    s = fresh_stick(tmpdir_hub, "s2", b)
    put_batch(box_dir(b, s), "000001.batch", gzip.compress(json.dumps(
        {"v": 1, "box_id": aid, "records": box_records(a)}).encode()), box_key(b))
    refused(khub, s, "box_mismatch", a, b)

    # the manifest says other seqs than the batch holds
    for first, last in ((1, 3), (2, total), (1, total + 5)):
        s = fresh_stick(tmpdir_hub, f"s3-{first}-{last}", a)
        man = manifest_of(box_dir(a, s))
        man["batches"][0]["first"], man["batches"][0]["last"] = first, last
        write_manifest(box_dir(a, s), man)
        p = refused(khub, s, "manifest says seq", a)
        assert f"{first}..{last}" in p.stderr

    # file names that climb out of the box's folder
    s = fresh_stick(tmpdir_hub, "s4", a)
    batch = manifest_of(box_dir(a, s))["batches"][0]["file"]
    shutil.copy(os.path.join(box_dir(a, s), batch), os.path.join(s, batch))
    for name in ("../../" + batch, "/etc/passwd", "..", "x/../../" + batch):
        man = manifest_of(box_dir(a, s))
        man["batches"][0]["file"] = name
        write_manifest(box_dir(a, s), man)
        refused(khub, s, "malformed", a)

    # a gzip bomb signed by an enrolled box: 512 MiB of zeros in 0.5 MiB
    s = fresh_stick(tmpdir_hub, "s5", b)
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb", compresslevel=9) as g:
        g.write(b'{"v":1,"box_id":"' + bid.encode() + b'","records":[')
        zeros = b"0" * MIB
        for _ in range(512):
            g.write(zeros)
    put_batch(box_dir(b, s), "000001.batch", bomb.getvalue(), box_key(b), (1, 9))
    refused(khub, s, "bytes inflated", b)

    # the same batch twice in one manifest: stored once
    s = fresh_stick(tmpdir_hub, "s6", a)
    man = manifest_of(box_dir(a, s))
    man["batches"] = man["batches"] * 2
    write_manifest(box_dir(a, s), man)
    p = hub_import(khub, s)
    assert f"{total} stored" in p.stdout and f"{total} already held" in p.stdout, p.stdout
    assert khub.count(aid) == total
    assert khub.count(bid) == 0


def test_a_manifest_of_empty_objects_is_refused_unparsed(boxes, khub, tmpdir_hub):
    """4 MiB of "{}," in a manifest (within PB_CARRY_MANIFEST_MAX) took
    `pb-hub import` to a peak of 321 MiB while jansson parsed it (and the
    stick was imported, the extra key ignored); the separators are now
    counted first (PB_CARRY_MANIFEST_MARKS_MAX): refused, peak 56 MiB."""
    a = enrolled(boxes, khub)
    training_day(a)
    s = fresh_stick(tmpdir_hub, "bomb", a)
    man = json.dumps(manifest_of(box_dir(a, s)))[:-1]
    pad = ',"x":[' + "{}," * ((4 * MIB - len(man) - 4096) // 3) + "{}]}"
    with open(os.path.join(box_dir(a, s), "manifest.json"), "w") as f:
        f.write(man + pad)
    log = os.path.join(tmpdir_hub, "bomb.log")
    with open(log, "w") as f:
        p = subprocess.Popen([binary("pb-hub"), "-d", khub.conn, "-f", khub.files,
                              "-k", khub.key, "import", s], stdout=f, stderr=f)
        peak = hub_peak(p)
    with open(log) as f:
        text = f.read()
    assert p.returncode == 1 and "JSON values" in text, text
    assert khub.count(box_meta(a, "box_id")) == 0
    assert peak < (96 * 1024 + SAN_SLACK_KIB) * 1024, peak


def hub_peak(p):
    """pb-hub's VmHWM (bytes), read while it runs: its rusage would count
    the pytest process it was forked from."""
    peak = 0
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/status") as f:
                st = dict(line.split(":", 1) for line in f)
            if st["Name"].strip() == "pb-hub":
                peak = max(peak, int(st["VmHWM"].split()[0]) * 1024)
        except (OSError, KeyError, ValueError):
            pass
        time.sleep(0.005)
    return peak

def zipped(folder):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for base, _dirs, files in os.walk(folder):
            for f in files:
                path = os.path.join(base, f)
                z.write(path, os.path.relpath(path, folder))
    return out.getvalue()


def lying_size(data, name, size):
    """The zip with NAME's uncompressed size said as SIZE in its local and
    central headers (what a zip bomb does to look small)."""
    data = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(name)
    struct.pack_into("<I", data, info.header_offset + 22, size)
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if bytes(data[central + 46:central + 46 + n]) == name.encode():
            struct.pack_into("<I", data, central + 24, size)
            return bytes(data)
        central = data.find(b"PK\x01\x02", central + 46)
    raise AssertionError("no central entry for " + name)


def test_forged_zips_on_the_office_page(boxes, pg, tmpdir_hub):
    key = os.path.join(tmpdir_hub, "hub.key")
    hub = Hub(pg, tmpdir_hub, args=["-k", key, "-w", WEBAPP]).start()
    try:
        a = enrolled(boxes, hub)
        aid = box_meta(a, "box_id")
        total = training_day(a)
        pw = add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
        o = Office(hub)
        assert o.login("bendahara", pw).status_code == 200
        pid = hub.daemon.proc.pid

        def send(data):
            return o.s.post(hub.base + API + "import", data=data, timeout=120, headers={
                "Content-Type": "application/zip", "X-CSRF-Token": o.csrf})

        s = fresh_stick(tmpdir_hub, "s", a)
        batch = manifest_of(box_dir(a, s))["batches"][0]["file"]
        honest = zipped(s)
        inner = f"pb-outbox/{aid}/{batch}"
        # a batch entry inflating to 256 MiB of zeros: larger than a batch may be
        bomb = io.BytesIO()
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            for info in zipfile.ZipFile(io.BytesIO(honest)).infolist():
                if info.filename != inner:
                    z.writestr(info, zipfile.ZipFile(io.BytesIO(honest)).read(info))
            with z.open(inner, "w") as w:
                zeros = b"\0" * MIB
                for _ in range(256):
                    w.write(zeros)
        before = int(open(f"/proc/{pid}/status").read().split("VmHWM:")[1].split()[0])
        r = send(bomb.getvalue())
        one = r.json()["boxes"][0]
        assert one["refused"] == 1 and "larger than it may be" in one["error"], one
        # the same bomb saying it is small: read up to what it says, which
        # is not the batch the manifest names
        r = send(lying_size(bomb.getvalue(), inner, 1000))
        one = r.json()["boxes"][0]
        assert one["refused"] == 1 and "bad_hash" in one["error"], one
        grew = int(open(f"/proc/{pid}/status").read().split("VmHWM:")[1].split()[0]) - before
        assert grew < (32 + 2 * 4 + 40) * 1024 + SAN_SLACK_KIB, f"pb-hub grew by {grew} kB"
        # the box's folder under two tops, and a name climbing out: once
        twice = io.BytesIO()
        with zipfile.ZipFile(twice, "w") as z:
            for top in ("stick/", "copy/", "../../"):
                for info in zipfile.ZipFile(io.BytesIO(honest)).infolist():
                    z.writestr(top + info.filename, zipfile.ZipFile(io.BytesIO(honest)).read(info))
        r = send(twice.getvalue())
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["stored"] == total and [x["stored"] for x in got["boxes"]] == [total, 0, 0]
        assert hub.count(aid) == total
        assert requests.get(hub.base + "/healthz", timeout=30).status_code == 200
        print(f"pb-hub VmHWM grew by {grew} kB over the two zip bombs")
    finally:
        print(hub.daemon.output() if hub.daemon else "")
        hub.stop()
