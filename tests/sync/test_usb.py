"""The outbox carried on a USB stick (docs/sync-protocol.md §10), with real
pbctl, pb-hub, pb-sync and PostgreSQL: export, import, the signed
acknowledgement carried back, exactly once alongside the backhaul, and
what a forger or a damaged stick can do (nothing)."""
import glob
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

from pbhub import (Hub, add_records, box_counts, box_meta, carried_day, publish_module, sync_once,
                   sync_section)

TEACHERS = 3


@pytest.fixture
def stick(tmpdir_hub):
    """The USB stick's folder."""
    d = os.path.join(tmpdir_hub, "stick")
    os.mkdir(d)
    return d


def hub_public(h):
    with open(h.key, "rb") as f:
        return f.read()[32:].hex()


def enrolled(boxes, h):
    """A box enrolled while the link worked once; pb-sync never runs."""
    b = boxes(sections=sync_section(h.base, h.cli("token", "PB-TEST-001").stdout.strip()))
    b.pbctl("enrol")
    return b


def training_day(b, first=0):
    return carried_day(b, first, TEACHERS)


def export(b, d):
    p = b.pbctl("outbox", "export", d)
    return p.stdout


def hub_import(h, d, check=True, key=None):
    return h.cli("-k", key or h.key, "import", d, check=check)


def box_dir(b, d):
    return os.path.join(d, "pb-outbox", box_meta(b, "box_id"))


def ack_of(b, d):
    with open(os.path.join(box_dir(b, d), "ack.json")) as f:
        return json.load(f)


def write_ack(b, d, doc):
    with open(os.path.join(box_dir(b, d), "ack.json"), "w") as f:
        json.dump(doc, f)


def acked_seqs(b):
    with sqlite3.connect(b.db_path()) as c:
        return [r[0] for r in c.execute(
            "SELECT seq FROM outbox WHERE acked = 1 AND acked_ms IS NOT NULL ORDER BY seq")]


def once_each(h, bid, total):
    """Every record of the box once at the hub, and once in its exports."""
    assert h.count(bid) == total
    assert int(h.sql(f"SELECT count(DISTINCT seq) FROM records WHERE box_id = '{bid}'")) == total
    att = h.cli("export", "attendance", "--centre", "PB-TEST-001").stdout
    claims = h.cli("export", "claims", "--centre", "PB-TEST-001").stdout
    n = total // 3
    for t in range(n):
        assert att.count(f"{3200000000000000 + t}") == 1, att
        assert claims.count(f"U{t:03d}") == 1, claims


def test_stick_there_and_back(boxes, khub, stick):
    b = enrolled(boxes, khub)
    bid = box_meta(b, "box_id")
    # the hub's key came with the enrolment answer, over the pinned link
    assert box_meta(b, "sync.hub_key") == hub_public(khub)
    total = training_day(b)
    out = export(b, stick)
    assert f"{total} catatan" in out, out
    files = os.listdir(box_dir(b, stick))
    assert "manifest.json" in files and not [f for f in files if f.startswith(".")], files
    with open(os.path.join(box_dir(b, stick), "manifest.json")) as f:
        man = json.load(f)
    assert man["box_id"] == bid and man["batches"][0]["first"] == 1
    assert man["batches"][-1]["last"] == total

    p = hub_import(khub, stick)
    assert f"{total} stored" in p.stdout, p.stdout
    once_each(khub, bid, total)
    ack = ack_of(b, stick)
    assert ack["box_id"] == bid and ack["acked"] == total
    # the acknowledgement verifies with the hub's public key alone
    msg = f"pb-usb-ack-1\n{bid}\n{ack['acked']}\n{ack['hash']}\n{ack['made_ms']}".encode()
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(hub_public(khub))).verify(
        bytes.fromhex(ack["signature"]), msg)

    # the same stick again: nothing twice
    p = hub_import(khub, stick)
    assert "0 stored" in p.stdout and f"{total} already held" in p.stdout, p.stdout
    once_each(khub, bid, total)

    # back at the box: the records are acknowledged, as after an upload
    assert box_counts(b) == (total, total)
    p = b.pbctl("outbox", "import-ack", stick)
    assert f"sampai seq {total}" in p.stdout, p.stdout
    assert box_counts(b) == (total, 0)
    assert acked_seqs(b) == list(range(1, total + 1))
    # the same file again changes nothing and says so
    p = b.pbctl("outbox", "import-ack", stick)
    assert "sudah tercatat" in p.stdout and box_counts(b) == (total, 0)

    # more records; carried on the stick while the backhaul also works
    more = training_day(b, TEACHERS)
    out = export(b, stick)
    assert f"{more} catatan (seq {total + 1}..{total + more})" in out, out
    # the batches of the first trip left the stick with the new manifest
    assert len(glob.glob(os.path.join(box_dir(b, stick), "*.batch"))) == 1
    sync_once(b)                          # the backhaul uploads first
    once_each(khub, bid, total + more)
    assert box_counts(b) == (total + more, 0)
    p = hub_import(khub, stick)           # then the stick arrives
    assert "0 stored" in p.stdout and f"{more} already held" in p.stdout, p.stdout
    once_each(khub, bid, total + more)
    p = b.pbctl("outbox", "import-ack", stick)
    assert "sudah tercatat" in p.stdout


def test_stick_then_backhaul(boxes, khub, stick):
    """Imported from the stick, then pb-sync sends the same records: the
    hub keeps them once; an older acknowledgement cannot undo a newer one."""
    b = enrolled(boxes, khub)
    bid = box_meta(b, "box_id")
    total = training_day(b)
    export(b, stick)
    hub_import(khub, stick)
    old_trip = stick + "-first-trip"
    shutil.copytree(stick, old_trip)
    more = training_day(b, TEACHERS)
    sync_once(b)
    once_each(khub, bid, total + more)
    assert box_counts(b) == (total + more, 0)
    # the first trip's acknowledgement (up to total) moves nothing back
    p = b.pbctl("outbox", "import-ack", old_trip)
    assert "sudah tercatat" in p.stdout
    assert box_counts(b) == (total + more, 0)


def refused(b, d, words):
    p = b.pbctl("outbox", "import-ack", d, check=False)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "tidak ada yang diubah" in p.stderr and words in p.stderr, p.stderr
    return p


def test_forged_acks_change_nothing(boxes, khub, stick, tmpdir_hub):
    b = enrolled(boxes, khub)
    other = enrolled(boxes, khub)
    total = training_day(b)
    training_day(other)
    export(b, stick)
    export(other, stick)
    hub_import(khub, stick)
    good = ack_of(b, stick)
    assert box_counts(b) == (total, total)

    # one byte changed: a record count the hub did not sign
    forged = dict(good, acked=good["acked"] - 1)
    write_ack(b, stick, forged)
    refused(b, stick, "bad signature")
    # one hex digit of the signature changed
    sig = good["signature"]
    write_ack(b, stick, dict(good, signature=("1" if sig[0] != "1" else "2") + sig[1:]))
    refused(b, stick, "bad signature")
    # the file itself cut short on the stick
    with open(os.path.join(box_dir(b, stick), "ack.json"), "w") as f:
        f.write(json.dumps(good)[:-3])
    refused(b, stick, "malformed")
    # a well-formed acknowledgement signed by another key, which it names
    sk = Ed25519PrivateKey.generate()
    pk = sk.public_key().public_bytes(serialization.Encoding.Raw,
                                      serialization.PublicFormat.Raw).hex()
    msg = f"pb-usb-ack-1\n{good['box_id']}\n{total}\n{good['hash']}\n{good['made_ms']}"
    write_ack(b, stick, dict(good, hub_key=pk, signature=sk.sign(msg.encode()).hex()))
    refused(b, stick, "unknown key")
    # ... or the right key named but signed by the other one
    write_ack(b, stick, dict(good, signature=sk.sign(msg.encode()).hex()))
    refused(b, stick, "bad signature")
    # a pb-hub with another key writes one: not the hub this box trusts
    hub_import(khub, stick, key=os.path.join(tmpdir_hub, "other-hub.key"))
    refused(b, stick, "unknown key")
    # the hub's genuine acknowledgement for the other box
    hub_import(khub, stick)
    shutil.copy(os.path.join(box_dir(other, stick), "ack.json"),
                os.path.join(box_dir(b, stick), "ack.json"))
    refused(b, stick, "other box")
    assert box_counts(b) == (total, total) and acked_seqs(b) == []

    # the genuine one still works after all that
    write_ack(b, stick, good)
    b.pbctl("outbox", "import-ack", stick)
    assert box_counts(b) == (total, 0)


def test_hub_refuses_what_it_cannot_trust(boxes, khub, stick, pg, tmpdir_hub):
    b = enrolled(boxes, khub)
    bid = box_meta(b, "box_id")
    training_day(b)
    export(b, stick)
    batch = glob.glob(os.path.join(box_dir(b, stick), "*.batch"))[0]
    with open(batch, "rb") as f:
        original = f.read()
    manifest = os.path.join(box_dir(b, stick), "manifest.json")
    with open(manifest) as f:
        man = json.load(f)

    # a byte of the batch changed on the stick
    altered = bytearray(original)
    altered[len(altered) // 2] ^= 0x01
    with open(batch, "wb") as f:
        f.write(altered)
    p = hub_import(khub, stick, check=False)
    assert p.returncode == 1 and bid in p.stderr and os.path.basename(batch) in p.stderr
    assert "bad_hash" in p.stderr, p.stderr
    assert khub.count(bid) == 0
    # ... and the manifest mended to match: the box's signature still says no
    man["batches"][0]["sha256"] = hashlib.sha256(altered).hexdigest()
    with open(manifest, "w") as f:
        json.dump(man, f)
    p = hub_import(khub, stick, check=False)
    assert p.returncode == 1 and "bad_signature" in p.stderr, p.stderr
    assert khub.count(bid) == 0

    # a hub where the box is not enrolled refuses it by name
    with open(batch, "wb") as f:
        f.write(original)
    man["batches"][0]["sha256"] = hashlib.sha256(original).hexdigest()
    with open(manifest, "w") as f:
        json.dump(man, f)
    stranger = Hub(pg, tmpdir_hub)
    p = stranger.cli("-k", khub.key, "import", stick, check=False)
    assert p.returncode == 1 and bid in p.stderr and "unknown_box" in p.stderr, p.stderr
    assert stranger.count() == 0

    # a revoked box is refused, and gets no acknowledgement
    os.unlink(os.path.join(box_dir(b, stick), "ack.json"))
    khub.cli("revoke", bid)
    p = hub_import(khub, stick, check=False)
    assert p.returncode == 1 and "revoked" in p.stderr, p.stderr
    assert khub.count(bid) == 0
    assert not os.path.exists(os.path.join(box_dir(b, stick), "ack.json"))

    # without the hub's key, import does not start
    p = khub.cli("import", stick, check=False)
    assert p.returncode == 2 and "-k" in p.stderr


def modules_on(b):
    with sqlite3.connect(b.db_path()) as c:
        return dict(c.execute("SELECT id, source FROM modules"))


def test_modules_come_back_on_a_stick(boxes, khub, stick, tmpdir_hub):
    src = os.path.join(tmpdir_hub, "published")
    os.mkdir(src)
    mine = publish_module(khub, src, "kk-a-mat-1", 300 * 1024, "PB-TEST-001")
    everyone = publish_module(khub, src, "kk-a-mat-2", 1000)
    publish_module(khub, src, "kk-b-ipa-1", 1000, "PB-OTHER")
    content = os.path.join(stick, "konten")
    p = khub.cli("export-content", content, "--centre", "PB-TEST-001")
    assert "2 module(s), 2 file(s)" in p.stdout, p.stdout
    assert sorted(os.listdir(os.path.join(content, "files"))) == sorted([mine, everyone])

    b = enrolled(boxes, khub)
    p = b.pbctl("content", "import", content)
    assert "2 baru" in p.stdout, p.stdout
    assert modules_on(b) == {"kk-a-mat-1": "usb", "kk-a-mat-2": "usb"}
    for sha in (mine, everyone):
        with open(os.path.join(b.dir, "data", "store", sha[:2], sha), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha
    with sqlite3.connect(b.db_path()) as c:
        assert c.execute("SELECT name FROM module_files WHERE sha256 = ?",
                         (mine,)).fetchone() == ("video.mp4",)

    # again, into the same folder: files already there are kept, nothing new
    p = khub.cli("export-content", content, "--centre", "PB-TEST-001")
    assert "2 module(s)" in p.stdout
    assert "2 tidak berubah" in b.pbctl("content", "import", content).stdout

    # a file damaged on the stick is refused by the box, the rest goes in
    b2 = enrolled(boxes, khub)
    with open(os.path.join(content, "files", mine), "r+b") as f:
        f.seek(1000)
        f.write(b"\xff\x00")
    p = b2.pbctl("content", "import", content, check=False)
    assert p.returncode == 1 and "hash mismatch" in p.stdout, p.stdout
    assert modules_on(b2) == {"kk-a-mat-2": "usb"}
    # exported again, the damaged copy is written anew
    khub.cli("export-content", content, "--centre", "PB-TEST-001")
    assert "1 baru" in b2.pbctl("content", "import", content).stdout
    assert modules_on(b2) == {"kk-a-mat-1": "usb", "kk-a-mat-2": "usb"}


def test_export_needs_the_box_key(boxes, khub, stick):
    b = boxes(sections=sync_section(khub.base))      # never enrolled: no key yet
    training_day(b)
    p = b.pbctl("outbox", "export", stick, check=False)
    assert p.returncode == 1 and "pbctl enrol" in p.stderr, p.stderr
    assert os.listdir(stick) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="a small stick is a tmpfs mount")
def test_full_stick_keeps_the_last_whole_export(boxes, khub, stick):
    """The stick fills up mid-export: the export fails and says so, and
    what the stick held before is still whole and imports."""
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "pbusb", stick], check=True)
    try:
        b = enrolled(boxes, khub)
        bid = box_meta(b, "box_id")
        total = training_day(b)
        export(b, stick)
        before = open(os.path.join(box_dir(b, stick), "manifest.json")).read()
        # big records that do not compress do not fit
        add_records(b, "attendance.checkin",
                    [{"session_id": "S-USB", "pad": os.urandom(16000).hex()} for _ in range(12)])
        p = b.pbctl("outbox", "export", stick, check=False)
        assert p.returncode == 1 and "No space left" in p.stderr, (p.stdout, p.stderr)
        assert open(os.path.join(box_dir(b, stick), "manifest.json")).read() == before
        assert not [f for f in os.listdir(box_dir(b, stick)) if f.startswith(".")]
        p = hub_import(khub, stick)
        assert f"{total} stored" in p.stdout
        assert khub.count(bid) == total
    finally:
        subprocess.run(["umount", stick], check=True)
