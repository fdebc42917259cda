"""The fleet tool (provisioning/pb-fleet): bundles from a CSV of centres,
each one accepted by the real `pbctl firstboot`, and written onto a boot
partition (a folder) or into the FAT partition of an image file with
mtools. Against a real pb-hub on a throwaway PostgreSQL: the hub issues the
tokens, and a box made from a bundle enrols with pb-sync."""
import csv
import json
import os
import shutil
import subprocess
import tempfile

import pytest

from pbtest import binary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLEET = os.path.join(ROOT, "provisioning", "pb-fleet")
PY = "/usr/bin/python3"

CENTRES = """centre_id,centre_name,facilitators,ssid,language
PB-JATIM-0001,Pusat Belajar Malang,siti:fasilitator:mentor budi:admin,,id
PB-NTT-0002,"Pusat Belajar Kupang, NTT",maria:fasilitator:pengampu,PB-Kupang,en
"""


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix=f"pb-fleet-{os.getpid()}-")
    yield d
    shutil.rmtree(d)


def fleet(*args):
    return subprocess.run([PY, FLEET, *args], capture_output=True, text=True, timeout=60)


def make_bundles(tmp, text=CENTRES):
    path = os.path.join(tmp, "centres.csv")
    with open(path, "w") as f:
        f.write(text)
    return fleet("bundles", path, os.path.join(tmp, "out"), "--hub", "https://hub.example.id/",
                 "--no-hub")


def test_bundles_and_password_sheet(tmp):
    p = make_bundles(tmp)
    assert p.returncode == 0, p.stderr
    out = os.path.join(tmp, "out")
    b1 = json.load(open(os.path.join(out, "PB-JATIM-0001", "pusat-belajar.json")))
    b2 = json.load(open(os.path.join(out, "PB-NTT-0002", "pusat-belajar.json")))
    assert b1["centre"] == {"id": "PB-JATIM-0001", "name": "Pusat Belajar Malang",
                            "language": "id"}
    assert b1["wifi"]["ssid"] == "PusatBelajar-PB-JATIM-0001"
    assert b2["wifi"]["ssid"] == "PB-Kupang" and b2["centre"]["language"] == "en"
    assert [f["name"] for f in b1["facilitators"]] == ["siti", "budi"]
    secrets_ = [b1["wifi"]["passphrase"], b2["wifi"]["passphrase"],
                b1["hub"]["enrolment_token"], b2["hub"]["enrolment_token"]]
    assert len(set(secrets_)) == 4
    assert os.stat(os.path.join(out, "PB-JATIM-0001", "pusat-belajar.json")).st_mode & 0o077 == 0
    sheet = list(csv.DictReader(open(os.path.join(out, "kata-sandi.csv"))))
    assert {(r["centre_id"], r["user"]) for r in sheet} == {
        ("PB-JATIM-0001", "siti"), ("PB-JATIM-0001", "budi"), ("PB-NTT-0002", "maria")}
    assert sheet[0]["password"] == b1["facilitators"][0]["password"]
    # A second run does not overwrite bundles already made.
    p = make_bundles(tmp)
    assert p.returncode == 1 and "--force" in p.stderr


@pytest.mark.parametrize("bad, says", [
    ("centre_id,centre_name,facilitators\nPB 1,X,siti:admin\n", "centre_id"),
    ("centre_id,centre_name,facilitators\nPB-1,X,siti:boss\n", "peran"),
    ("centre_id,centre_name,facilitators\nPB-1,X,\n", "minimal satu"),
    ("centre_id,centre_name,facilitators\nPB-1,X,a:admin\nPB-1,Y,b:admin\n", "ganda"),
    ("centre_id,name\nPB-1,X\n", "kolom wajib"),
])
def test_bad_csv_refused_nothing_written(tmp, bad, says):
    p = make_bundles(tmp, bad)
    assert p.returncode == 1
    assert says in p.stderr
    assert not os.path.exists(os.path.join(tmp, "out", "PB-1"))


def test_every_bundle_is_accepted_by_firstboot(tmp):
    assert make_bundles(tmp).returncode == 0
    for cid in ["PB-JATIM-0001", "PB-NTT-0002"]:
        box = os.path.join(tmp, cid)
        os.makedirs(os.path.join(box, "boot"))
        bundle = os.path.join(box, "boot", "pusat-belajar.json")
        shutil.copy(os.path.join(tmp, "out", cid, "pusat-belajar.json"), bundle)
        conf = os.path.join(box, "box.conf")
        with open(conf, "w") as f:
            f.write(f"[box]\ndata_dir = {box}/data\n\n[web]\nwebapp_dir = {ROOT}/webapp\n")
        p = subprocess.run([binary("pbctl"), "-c", conf, "firstboot", bundle],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        assert f"centre_id = {cid}" in open(conf).read()
        assert not os.path.exists(bundle)


def test_write_to_mounted_boot_partition(tmp):
    assert make_bundles(tmp).returncode == 0
    bundle = os.path.join(tmp, "out", "PB-NTT-0002", "pusat-belajar.json")
    boot = os.path.join(tmp, "boot")
    os.makedirs(boot)
    p = fleet("write", bundle, boot)
    assert p.returncode == 1 and "config.txt" in p.stderr     # not a boot partition
    open(os.path.join(boot, "config.txt"), "w").close()
    p = fleet("write", bundle, boot)
    assert p.returncode == 0, p.stderr
    assert open(os.path.join(boot, "pusat-belajar.json")).read() == open(bundle).read()


def test_write_into_image_file(tmp):
    """A small card image with a DOS table and a FAT first partition."""
    assert make_bundles(tmp).returncode == 0
    img = os.path.join(tmp, "card.img")
    with open(img, "wb") as f:
        f.truncate(40 * 1024 * 1024)
    subprocess.run(["sfdisk", "--quiet", img], input="label: dos\nstart=2048, size=65536, "
                   "type=c\nstart=67584, type=83\n", text=True, check=True)
    subprocess.run(["mformat", "-i", f"{img}@@{2048 * 512}", "-v", "PBBOOT", "-T", "65536",
                    "-h", "64", "-s", "32", "::"], check=True)
    bundle = os.path.join(tmp, "out", "PB-JATIM-0001", "pusat-belajar.json")
    p = fleet("write", bundle, img)
    assert p.returncode == 0, p.stderr
    back = subprocess.run(["mtype", "-i", f"{img}@@{2048 * 512}", "::/pusat-belajar.json"],
                          capture_output=True, text=True, check=True).stdout
    assert json.loads(back) == json.load(open(bundle))


def test_needs_the_hub_or_a_trial_run(tmp):
    path = os.path.join(tmp, "centres.csv")
    with open(path, "w") as f:
        f.write(CENTRES)
    p = fleet("bundles", path, os.path.join(tmp, "out"), "--hub", "https://hub.example.id/")
    assert p.returncode == 1 and "--pb-hub" in p.stderr
    p = fleet("bundles", path, os.path.join(tmp, "out"), "--hub", "https://hub.example.id/",
              "--pb-hub", "/nonexistent/pb-hub")
    assert p.returncode == 1 and "pb-hub" in p.stderr
    assert not os.path.exists(os.path.join(tmp, "out", "PB-JATIM-0001"))


def test_with_a_real_hub_the_box_enrols(tmp, hub):
    """Tokens from pb-hub; first boot of one bundle; pb-sync enrols with it."""
    path = os.path.join(tmp, "centres.csv")
    with open(path, "w") as f:
        f.write(CENTRES)
    cmd = f"{binary('pb-hub')} -d '{hub.conn}' -f {hub.files}"
    p = fleet("bundles", path, os.path.join(tmp, "out"), "--hub", hub.base, "--pb-hub", cmd)
    assert p.returncode == 0, p.stderr
    bundle = json.load(open(os.path.join(tmp, "out", "PB-NTT-0002", "pusat-belajar.json")))
    token = bundle["hub"]["enrolment_token"]
    stored = hub.sql("SELECT count(*) FROM tokens WHERE centre_id = 'PB-NTT-0002'")
    assert "1" in str(stored)
    assert token not in str(hub.sql("SELECT * FROM tokens"))       # only its hash

    box = os.path.join(tmp, "box")
    os.makedirs(os.path.join(box, "boot"))
    conf = os.path.join(box, "box.conf")
    with open(conf, "w") as f:
        # test_mode: this hub speaks plain http on loopback (pb-sync wants https).
        f.write(f"[box]\ndata_dir = {box}/data\n\n[web]\nwebapp_dir = {ROOT}/webapp\n"
                "\n[sync]\ntest_mode = 1\n")
    card = os.path.join(box, "boot", "pusat-belajar.json")
    shutil.copy(os.path.join(tmp, "out", "PB-NTT-0002", "pusat-belajar.json"), card)
    p = subprocess.run([binary("pbctl"), "-c", conf, "firstboot", card], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert not os.path.exists(os.path.join(box, "data", "sync.key"))   # made by pb-sync
    p = subprocess.run([binary("pb-sync"), "-c", conf, "-1"], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert os.path.exists(os.path.join(box, "data", "sync.key"))       # made on the box
    boxes = hub.cli("boxes").stdout
    assert "PB-NTT-0002" in boxes, boxes
