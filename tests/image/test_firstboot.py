"""pbctl firstboot against a temporary root: a bundle is checked whole,
applied (box.conf, accounts, provision/), and removed from the "boot
partition" with its bytes zeroed; a bad bundle changes nothing; no bundle
means setup mode on a box never provisioned."""
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile

import pytest
import requests

from pbtest import Daemon, binary, free_port, wait_http

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def good_bundle():
    return {"format": 1,
            "centre": {"id": "PB-SULSEL-0310", "name": "Pusat Belajar Makassar"},
            "wifi": {"ssid": "PB-Makassar", "passphrase": "angin-mamiri-2026"},
            "hub": {"url": "https://hub.example.id/", "ca_pem":
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    "enrolment_token": "tok_makassar_0123456789"},
            "facilitators": [{"name": "andi", "role": "fasilitator", "kind": "pengampu",
                              "password": "sandi-andi-77"},
                             {"name": "kepala", "role": "admin", "password": "sandi-kepala-9"}]}


class Root:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix=f"pb-firstboot-{os.getpid()}-")
        self.boot = os.path.join(self.dir, "boot")
        self.data = os.path.join(self.dir, "data")
        os.makedirs(self.boot)
        self.conf = os.path.join(self.dir, "box.conf")
        template = open(os.path.join(ROOT, "image", "box.conf")).read()
        template = template.replace("data_dir = /var/lib/pb", f"data_dir = {self.data}")
        template = template.replace("/usr/share/pusat-belajar/webapp", f"{ROOT}/webapp")
        template += "\n# kept as it was\n"
        with open(self.conf, "w") as f:
            f.write(template)
        self.bundle = os.path.join(self.boot, "pusat-belajar.json")

    def put(self, bundle):
        with open(self.bundle, "w") as f:
            f.write(bundle if isinstance(bundle, str) else json.dumps(bundle))

    def firstboot(self):
        return subprocess.run([binary("pbctl"), "-c", self.conf, "firstboot", self.bundle],
                              capture_output=True, text=True, timeout=120)

    def close(self):
        shutil.rmtree(self.dir)


@pytest.fixture
def root():
    r = Root()
    yield r
    r.close()


def test_apply_bundle(root):
    root.put(good_bundle())
    size = os.path.getsize(root.bundle)
    p = root.firstboot()
    assert p.returncode == 0, p.stderr
    conf = open(root.conf).read()
    assert "centre_id = PB-SULSEL-0310" in conf
    assert "centre_name = Pusat Belajar Makassar" in conf
    assert conf.count("centre_id") == 1 and "# kept as it was" in conf
    assert "webapp_dir" in conf and "[web]" in conf
    # pb-sync's settings: where the hub is, its CA, the one-time token.
    sync = conf[conf.index("[sync]"):]
    assert "hub_url = https://hub.example.id/" in sync
    assert "enrol_token = tok_makassar_0123456789" in sync
    assert f"ca_file = {root.data}/provision/hub-ca.pem" in sync
    assert conf.count("[sync]") == 1
    p = subprocess.run([binary("pb-sync"), "-n", "-c", root.conf], capture_output=True,
                       text=True, timeout=60)
    assert "configuration OK" in p.stdout, p.stdout + p.stderr
    db = sqlite3.connect(os.path.join(root.data, "pb.db"))
    staff = dict(db.execute("SELECT name, role FROM staff").fetchall())
    assert staff == {"andi": "fasilitator", "kepala": "admin"}
    prov = json.load(open(os.path.join(root.data, "provision", "bundle.json")))
    assert prov["wifi"]["passphrase"] == "angin-mamiri-2026"
    assert prov["hub"]["enrolment_token"] == "tok_makassar_0123456789"
    assert prov["hub"]["ca_file"] == "hub-ca.pem"
    assert "password" not in json.dumps(prov)               # passwords only as hashes
    assert os.stat(os.path.join(root.data, "provision", "bundle.json")).st_mode & 0o007 == 0
    assert open(os.path.join(root.data, "provision", "hub-ca.pem")).read().startswith(
        "-----BEGIN CERTIFICATE-----")
    assert not os.path.exists(root.bundle)
    applied = open(os.path.join(root.boot, "pusat-belajar.applied.json")).read()
    for secret in ["angin-mamiri-2026", "tok_makassar", "sandi-andi-77", "sandi-kepala-9"]:
        assert secret not in applied
    assert json.loads(applied)["facilitators"] == ["andi", "kepala"]
    assert size > 0
    # The box now serves as that centre, and the accounts log in.
    port = free_port()
    web = Daemon([binary("pb-web"), "-c", root.conf, "-l", f"127.0.0.1:{port}"],
                 os.path.join(root.dir, "pb-web.log"))
    try:
        r = wait_http(f"http://127.0.0.1:{port}/healthz", proc=web.proc)
        assert r.json()["centre"] == "Pusat Belajar Makassar"
    finally:
        web.stop()
    # Without the bundle on the next boot: nothing changes.
    p = root.firstboot()
    assert p.returncode == 0 and "sudah diatur" in p.stdout
    assert not os.path.exists(os.path.join(root.data, "provision", "setup.json"))


def test_applied_again_resets_passwords(root):
    root.put(good_bundle())
    assert root.firstboot().returncode == 0
    db = os.path.join(root.data, "pb.db")
    before = sqlite3.connect(db).execute(
        "SELECT pw_hash FROM staff WHERE name='andi'").fetchone()
    b = good_bundle()
    b["facilitators"][0]["password"] = "sandi-baru-andi"
    b["hub"]["enrolment_token"] = "tok_second_time_0123456"
    root.put(b)
    p = root.firstboot()
    assert p.returncode == 0, p.stderr
    after = sqlite3.connect(db).execute(
        "SELECT pw_hash FROM staff WHERE name='andi'").fetchone()
    assert before != after
    conf = open(root.conf).read()
    assert conf.count("enrol_token") == 1 and "tok_second_time_0123456" in conf


def mutate(path, value):
    b = good_bundle()
    cur = b
    for k in path[:-1]:
        cur = cur[k]
    if value is None:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return b


@pytest.mark.parametrize("bundle, says", [
    ("{not json", "pusat-belajar.json:1"),
    (mutate(["format"], 2), "format"),
    (mutate(["centre", "id"], "PB 01"), "centre.id"),
    (mutate(["centre", "name"], "a\nb"), "centre.name"),
    (mutate(["wifi", "passphrase"], "pendek"), "wifi.passphrase"),
    (mutate(["wifi", "ssid"], "x" * 33), "wifi.ssid"),
    (mutate(["hub", "url"], "ftp://hub"), "hub.url"),
    (mutate(["hub", "enrolment_token"], "short"), "enrolment_token"),
    (mutate(["hub", "ca_pem"], "not a cert"), "ca_pem"),
    (mutate(["facilitators"], []), "facilitators"),
    (mutate(["facilitators"], [{"name": "x", "role": "boss", "password": "12345678"}]),
     "facilitators[0]"),
    (mutate(["wifi"], None), "wifi"),
])
def test_bad_bundle_changes_nothing(root, bundle, says):
    conf_before = open(root.conf).read()
    root.put(bundle)
    p = root.firstboot()
    assert p.returncode == 1
    assert says in p.stderr, p.stderr
    assert "nothing changed" in p.stderr
    assert open(root.conf).read() == conf_before
    assert os.path.exists(root.bundle)                   # left for the operator to fix
    assert not os.path.exists(os.path.join(root.data, "provision"))


def test_no_bundle_means_setup_mode(root):
    p = root.firstboot()
    assert p.returncode == 0, p.stderr
    assert "PusatBelajar-Setup" in p.stdout
    setup = json.load(open(os.path.join(root.data, "provision", "setup.json")))
    assert setup == {"mode": "setup", "ssid": "PusatBelajar-Setup", "page": "/penyiapan.html"}
    assert os.path.exists(os.path.join(ROOT, "webapp", "penyiapan.html"))
    # A bundle later ends setup mode.
    root.put(good_bundle())
    assert root.firstboot().returncode == 0
    assert not os.path.exists(os.path.join(root.data, "provision", "setup.json"))
