"""The Debian packages from `make deb`: fields, contents, no secrets, the
right machine code, and the amd64 package working from its installed
paths (unpacked into a temporary root and run there in a chroot whose
/usr/lib is the host's, bound read-only in a private mount namespace)."""
import glob
import os
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VERSION = open(os.path.join(ROOT, "VERSION")).read().strip()
MACHINE = {"amd64": "Advanced Micro Devices X86-64", "arm64": "AArch64"}
# Names and contents that must never be in a package: keys are made on the box.
SECRET_NAMES = re.compile(r"(\.key|\.pem|\.p12|id_ed25519|id_rsa|secret|token|bundle\.json"
                          r"|pusat-belajar\.json)$")
SECRET_TEXT = [re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
               re.compile(rb"enrolment_token\"\s*:\s*\"[A-Za-z0-9_-]{16,}\""),
               re.compile(rb"passphrase\"\s*:\s*\"[^\"]{8,}\"")]


def deb(arch):
    path = os.path.join(ROOT, "build", f"pusat-belajar_{VERSION}_{arch}.deb")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run make deb")
    return path


def info(path):
    return subprocess.run(["dpkg-deb", "--info", path], capture_output=True, text=True,
                          check=True).stdout


def contents(path):
    out = subprocess.run(["dpkg-deb", "--contents", path], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1].lstrip(".") for line in out.splitlines()}


@pytest.fixture
def unpacked():
    dirs = []

    def unpack(arch):
        d = tempfile.mkdtemp(prefix=f"pb-deb-{os.getpid()}-")
        dirs.append(d)
        subprocess.run(["dpkg-deb", "-x", deb(arch), d], check=True)
        return d
    yield unpack
    for d in dirs:
        shutil.rmtree(d)


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_control_fields(arch):
    text = info(deb(arch))
    assert "Package: pusat-belajar" in text
    assert f"Version: {VERSION}" in text
    assert f"Architecture: {arch}" in text
    depends = re.search(r"Depends: (.*)", text).group(1)
    for lib in ["libmicrohttpd12", "libsqlite3-0", "libjansson4", "libsodium23", "adduser"]:
        assert lib in depends
    assert "conffiles" in text and "postinst" in text


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_contents(arch):
    files = contents(deb(arch))
    for want in ["/usr/bin/pb-web", "/usr/bin/pbctl",
                 "/usr/share/pusat-belajar/webapp/index.html",
                 "/usr/share/pusat-belajar/demo/video-contoh.mp4",
                 "/lib/systemd/system/pb-web.service",
                 "/lib/systemd/system/pb-firstboot.service",
                 "/usr/lib/pusat-belajar/pb-grow-data",
                 "/etc/pusat-belajar/box.conf"]:
        assert want in files, want
    assert not [f for f in files if SECRET_NAMES.search(f)]
    assert "/usr/bin/pb-hub" not in files          # runs on the hub, not the box


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_no_secret_inside_and_right_machine(arch, unpacked):
    d = unpacked(arch)
    for dirpath, _, names in os.walk(d):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.islink(p):
                continue
            data = open(p, "rb").read()
            for s in SECRET_TEXT:
                assert not s.search(data), f"{p} holds {s.pattern!r}"
    for prog in glob.glob(os.path.join(d, "usr", "bin", "*")):
        hdr = subprocess.run(["readelf", "-h", prog], capture_output=True, text=True).stdout
        assert MACHINE[arch] in hdr, prog


def test_conffile_and_control_scripts():
    d = tempfile.mkdtemp(prefix=f"pb-deb-ctl-{os.getpid()}-")
    try:
        subprocess.run(["dpkg-deb", "-e", deb("arm64"), d], check=True)
        assert open(os.path.join(d, "conffiles")).read().split() == [
            "/etc/pusat-belajar/box.conf"]
        post = open(os.path.join(d, "postinst")).read()
        for user in ["pb", "pb-sync", "pb-gpio"]:
            assert user in post
        assert "adduser --quiet --system" in post
        p = subprocess.run(["sh", "-n", os.path.join(d, "postinst")])
        assert p.returncode == 0
    finally:
        shutil.rmtree(d)


def in_root(root, script):
    """Run SCRIPT (sh) chrooted in ROOT with the host's libraries bound
    read-only, in a private mount namespace that ends with it."""
    os.makedirs(os.path.join(root, "usr", "lib64"), exist_ok=True)
    os.makedirs(os.path.join(root, "tmp"), exist_ok=True)
    binds = " && ".join(
        f"mount --bind {src} {root}/{dst} && mount -o remount,bind,ro {root}/{dst}"
        for src, dst in [("/usr/lib", "lib"), ("/usr/lib", "usr/lib"),
                         ("/usr/lib64", "usr/lib64")])
    if not os.path.exists(os.path.join(root, "lib64")):
        os.symlink("usr/lib64", os.path.join(root, "lib64"))
    return subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                           f"{binds} && chroot {root} sh -c '{script}'"],
                          capture_output=True, text=True, timeout=120)


def test_amd64_runs_from_installed_paths(unpacked):
    d = unpacked("amd64")
    shutil.copy("/bin/sh", os.path.join(d, "usr", "bin", "sh"))
    p = in_root(d, "/usr/bin/pb-web -n -c /etc/pusat-belajar/box.conf && "
                   "/usr/bin/pbctl demo /tmp/demo")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "configuration OK" in p.stdout
    conf = open(os.path.join(d, "tmp", "demo", "box.conf")).read()
    # The package was built without a source tree: pbctl used the installed copies.
    assert "webapp_dir = /usr/share/pusat-belajar/webapp" in conf
    assert ROOT not in conf
