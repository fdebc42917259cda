"""Signed software releases from the real pb-hub to the real pb-sync
(docs/updates.md): a good release is fetched and verified into the data
partition's update folder; a .deb altered on the hub, a release signed by
a key the box does not trust and a download cut short by the byte budget
that resumes the next day (by HTTP Range) are each handled as the box must."""
import hashlib
import json
import os
import sqlite3
import subprocess

from pbhub import Sync, box_meta, make_deb, sync_section
from pbtest import binary

VERSION = "99.1.0"        # newer than any build of this tree


def release_key(hub, folder, name="release.key"):
    path = os.path.join(folder, name)
    p = hub.cli("release", "key", path)
    pk = p.stdout.strip()
    assert len(pk) == 64 and os.stat(path).st_mode & 0o777 == 0o600
    return path, pk


def box_with_key(boxes, hub, pk, extra=""):
    tok = hub.cli("token", "PB-TEST-001").stdout.strip()
    b = boxes(sections=sync_section(hub.base, tok, extra) + f"[update]\nrelease_key = {pk}\n")
    b.pbctl("init")
    return b


def one_round(b):
    """One pb-sync round (-1): its exit code (0 when all went up and down)
    and its log; the sanitizer checks of Daemon.stop still apply."""
    s = Sync(b).start(["-1"])
    try:
        rc = s.daemon.proc.wait(timeout=120)
        return rc, s.daemon.output()
    finally:
        s.daemon.stop(expect_code=None)


def update_dir(b):
    return os.path.join(b.dir, "data", "update")


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_good_release_fetched_and_verified(boxes, hub, tmpdir_hub):
    key, pk = release_key(hub, tmpdir_hub)
    # the key is kept, not made again, when asked twice
    assert hub.cli("release", "key", key).stdout.strip() == pk
    debs = [make_deb(tmpdir_hub, "pusat-belajar", 200 * 1024),
            make_deb(tmpdir_hub, "pb-extra", 10 * 1024)]
    out = hub.cli("release", "add", *debs, "--key", key, "--version", VERSION,
                  "--notes", "Perbaikan absensi").stdout
    assert f"release {VERSION} published: 2 .deb file(s)" in out
    assert hub.cli("release", "list").stdout.startswith(VERSION + "\t")
    # the same or an older version cannot be published after it
    p = hub.cli("release", "add", debs[0], "--key", key, "--version", "99.0.9",
                "--notes", "x", check=False)
    assert p.returncode == 1 and "newer" in p.stderr
    # a file that is not a Debian package is refused
    fake = os.path.join(tmpdir_hub, "fake_1_arm64.deb")
    with open(fake, "wb") as f:
        f.write(b"#!/bin/sh\necho hello\n")
    p = hub.cli("release", "add", fake, "--key", key, "--version", "99.2.0", "--notes", "x",
                check=False)
    assert p.returncode == 1 and "not a Debian package" in p.stderr

    b = box_with_key(boxes, hub, pk)
    rc, log = one_round(b)
    assert rc == 0, log
    d = update_dir(b)
    for deb in debs:
        got = os.path.join(d, os.path.basename(deb))
        assert sha(got) == sha(deb)
    assert sorted(os.listdir(d)) == sorted([os.path.basename(x) for x in debs] +
                                           ["release.json"])
    doc = json.load(open(os.path.join(d, "release.json")))
    manifest = json.loads(doc["manifest"])
    assert manifest["version"] == VERSION and manifest["notes"] == "Perbaikan absensi"
    assert box_meta(b, "update.state") == "ready"
    assert box_meta(b, "update.available") == VERSION
    # the next round asks again and is told nothing changed
    rc, log = one_round(b)
    assert rc == 0 and box_meta(b, "update.state") == "ready", log


def test_tampered_deb_is_refused(boxes, hub, tmpdir_hub):
    key, pk = release_key(hub, tmpdir_hub)
    deb = make_deb(tmpdir_hub, "pusat-belajar", 64 * 1024)
    hub.cli("release", "add", deb, "--key", key, "--version", VERSION, "--notes", "n")
    # someone with the hub's files (not the release key) swaps bytes of it
    digest = sha(deb)
    served = os.path.join(hub.files, digest[:2], digest)
    with open(served, "r+b") as f:
        f.seek(os.path.getsize(served) - 100)
        f.write(b"X" * 10)
    b = box_with_key(boxes, hub, pk)
    rc, log = one_round(b)
    assert rc != 0
    d = update_dir(b)
    assert os.listdir(d) == ["release.json"]          # the bad bytes are not kept
    assert box_meta(b, "update.state") == "downloading"
    assert "SHA-256" in box_meta(b, "update.error")
    # the hub's file mended: the next round fetches it whole and it verifies
    with open(deb, "rb") as src, open(served, "wb") as f:
        f.write(src.read())
    rc, log = one_round(b)
    assert rc == 0, log
    assert sha(os.path.join(d, os.path.basename(deb))) == digest
    assert box_meta(b, "update.state") == "ready"


def test_release_signed_by_another_key_is_refused(boxes, hub, tmpdir_hub):
    key, pk = release_key(hub, tmpdir_hub)
    other, other_pk = release_key(hub, tmpdir_hub, "other.key")
    assert other_pk != pk
    deb = make_deb(tmpdir_hub, "pusat-belajar", 32 * 1024)
    hub.cli("release", "add", deb, "--key", other, "--version", VERSION, "--notes", "n")
    b = box_with_key(boxes, hub, pk)
    rc, log = one_round(b)
    assert rc == 0, log                                # the rest of the round went on
    assert not os.path.exists(os.path.join(update_dir(b), "release.json"))
    assert not os.path.exists(os.path.join(update_dir(b), os.path.basename(deb)))
    assert box_meta(b, "update.state") == "refused"
    assert "signature" in box_meta(b, "update.error")
    # the hub's own signature key is not the release key either: a box
    # enrolled with it trusts no release it signs unless configured so
    # a key that is not 64 hex digits is named by pb-sync -n
    bad = box_with_key(boxes, hub, "not-a-key")
    p = subprocess.run([binary("pb-sync"), "-c", bad.conf, "-n"], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 1 and "release_key" in p.stderr
    b2 = box_with_key(boxes, hub, "0" * 64)
    rc, log = one_round(b2)
    assert box_meta(b2, "update.state") == "refused"
    # a box whose key is then mended takes the same release on its next round
    conf = open(b.conf).read().replace(pk, other_pk)
    with open(b.conf, "w") as f:
        f.write(conf)
    rc, log = one_round(b)
    assert rc == 0, log
    assert box_meta(b, "update.state") == "ready"


def test_cut_download_resumes_next_day(boxes, hub, tmpdir_hub):
    key, pk = release_key(hub, tmpdir_hub)
    deb = make_deb(tmpdir_hub, "pusat-belajar", 1536 * 1024)
    size = os.path.getsize(deb)
    hub.cli("release", "add", deb, "--key", key, "--version", VERSION, "--notes", "n")
    b = box_with_key(boxes, hub, pk, extra="daily_budget_mb = 1")
    rc, log = one_round(b)
    assert rc == 0, log
    name = os.path.basename(deb)
    part = os.path.join(update_dir(b), name + ".part")
    assert os.path.getsize(part) == 1024 * 1024          # stopped at the budget
    assert not os.path.exists(os.path.join(update_dir(b), name))
    assert box_meta(b, "update.state") == "downloading"
    assert "budget" in box_meta(b, "sync.last_error")
    # the next day it asks for the rest only (Range) and ends verified
    with sqlite3.connect(b.db_path()) as c:
        c.execute("UPDATE box_meta SET value = '0' WHERE key = 'sync.budget_day'")
    rc, log = one_round(b)
    assert rc == 0, log
    assert sha(os.path.join(update_dir(b), name)) == sha(deb)
    assert not os.path.exists(part)
    assert int(box_meta(b, "sync.budget_used")) == size - 1024 * 1024
    assert box_meta(b, "update.state") == "ready"
