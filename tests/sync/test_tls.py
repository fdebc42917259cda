"""TLS to the hub with the CA from the provisioning bundle pinned
(CURLOPT_CAINFO), optionally the hub's key (CURLOPT_PINNEDPUBLICKEY);
plain http only in test mode. pb-hub serves HTTPS itself here (-C/-K)."""
import base64
import hashlib
import os
import subprocess

import pytest

from pbhub import Hub, Sync, box_counts, box_meta, sync_section
from pbtest import binary


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def pki(tmpdir_hub):
    d = os.path.join(tmpdir_hub, "pki")
    os.makedirs(d)
    for ca in ("ca", "other"):
        openssl("req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", f"{ca}.key",
                "-out", f"{ca}.pem", "-days", "2", "-subj", f"/CN=Pusat Belajar {ca}", cwd=d)
    openssl("req", "-newkey", "ed25519", "-nodes", "-keyout", "hub.key", "-out", "hub.csr",
            "-subj", "/CN=127.0.0.1", cwd=d)
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "hub.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "hub.pem", "-days", "2", "-extfile", "ext", cwd=d)
    der = subprocess.run(["openssl", "pkey", "-in", "hub.key", "-pubout", "-outform", "DER"],
                         cwd=d, check=True, capture_output=True).stdout
    pin = "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    return d, pin


def one_round(b):
    s = Sync(b).start(["-1"])
    code = s.daemon.proc.wait(timeout=60)
    s.daemon.stop(expect_code=None)
    return code


def test_pinned_ca_and_key(pki, pg, tmpdir_hub, boxes):
    d, pin = pki
    hub = Hub(pg, tmpdir_hub, tls=(os.path.join(d, "hub.pem"), os.path.join(d, "hub.key")))
    hub.start()
    try:
        def box(extra):
            b = boxes(sections=sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout
                                            .strip(), "test_mode = 0\n" + extra))
            b.pbctl("outbox", "add", "attendance.checkin", '{"session_id":"S1"}', "3")
            return b

        good = box(f"ca_file = {d}/ca.pem\npinned_key = {pin}")
        assert one_round(good) == 0, good.pbctl("sync", "status").stdout
        assert box_counts(good) == (3, 0)

        stranger = box(f"ca_file = {d}/other.pem")
        assert one_round(stranger) == 1
        assert "certificate not trusted" in box_meta(stranger, "sync.last_error")
        assert box_counts(stranger) == (3, 3)

        wrong_pin = box(f"ca_file = {d}/ca.pem\npinned_key = sha256//"
                        + base64.b64encode(b"x" * 32).decode())
        assert one_round(wrong_pin) == 1
        assert "certificate not trusted" in box_meta(wrong_pin, "sync.last_error")
        assert hub.count() == 3
    finally:
        hub.stop()


def test_plain_http_only_in_test_mode(boxes, hub):
    b = boxes(sections=sync_section(hub.base, "t", "test_mode = 0"))
    p = b.pbctl("enrol", check=False)
    assert p.returncode == 1 and "https://" in p.stderr
    p = subprocess.run([binary("pb-sync"), "-c", b.conf, "-n"], capture_output=True, text=True)
    assert p.returncode == 1 and "https://" in p.stderr
    b2 = boxes(sections=sync_section(hub.base, "t"))
    p = subprocess.run([binary("pb-sync"), "-c", b2.conf, "-n"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "configuration OK"
