"""The Debian packages from `make deb` (debian/, dpkg-buildpackage): fields,
contents, no secrets, the right machine code, lintian clean, every binary
hardened; the amd64 package working from its installed paths (unpacked into
a temporary root and run there in a chroot whose /usr/lib is the host's,
bound read-only in a private mount namespace); and its maintainer scripts
run for real over an overlay of this machine's /etc and /var/lib, where
they make the users and enable the units once."""
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
        # enabling is left to deb-systemd-helper, which remembers a disable
        assert "systemctl --quiet enable" not in post
        assert "deb-systemd-helper --quiet was-enabled 'pb-web.service'" in post
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


BOX_PROGRAMS = ["pb-web", "pbctl", "pb-sync", "pb-gpio"]


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_lintian_clean(arch):
    """No error and no warning; each override in
    debian/pusat-belajar.lintian-overrides says why."""
    p = subprocess.run(["lintian", "--fail-on", "error,warning", deb(arch)],
                       capture_output=True, text=True, timeout=600)
    tags = [l for l in p.stdout.splitlines() if re.match(r"^[EW]: ", l)]
    assert p.returncode == 0 and not tags, p.stdout + p.stderr


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_binaries_hardened(arch, unpacked):
    """hardening-check on the packaged programs: PIE, stack protector,
    FORTIFY, RELRO and BIND_NOW each found. (Control-flow protection is not
    asked: Debian 12's start files carry no IBT marking.)"""
    d = unpacked(arch)
    progs = [os.path.join(d, "usr", "bin", p) for p in BOX_PROGRAMS]
    p = subprocess.run(["hardening-check", "--nocfprotection", *progs],
                       capture_output=True, text=True, timeout=300)
    report = p.stdout + p.stderr
    assert p.returncode == 0, report
    for prog in progs:
        section = report.split(prog + ":", 1)[1].split("\n/", 1)[0]
        for feature in ["Position Independent Executable: yes", "Stack protected: yes",
                        "Fortify Source functions: yes", "Read-only relocations: yes",
                        "Immediate binding: yes"]:
            assert feature in section, f"{prog}: {feature} missing\n{report}"


OBJCOPY = {"amd64": "objcopy", "arm64": "aarch64-linux-gnu-objcopy"}


@pytest.mark.parametrize("arch", ["amd64", "arm64"])
def test_compiled_with_every_hardening_option(arch, unpacked, tmp_path):
    """What hardening-check cannot see in a stripped program (it reports
    stack clash protection as "unknown"): the compiler's command line
    recorded in the debugging symbols of the -dbgsym package names
    -fstack-clash-protection, -fstack-protector-strong and -O2 for every
    compilation unit."""
    dbg = os.path.join(ROOT, "build", "deb", arch, f"pusat-belajar-dbgsym_{VERSION}_{arch}.deb")
    if not os.path.exists(dbg):
        pytest.fail(f"{dbg} is missing: run make deb")
    d = str(tmp_path / "dbg")
    subprocess.run(["dpkg-deb", "-x", dbg, d], check=True)
    producers = set()
    found = [os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(d, "usr", "lib", "debug"))
             for f in fs if f.endswith(".debug")]      # under .build-id/ and .dwz/
    for n, path in enumerate(found):
        plain = str(tmp_path / f"{n}.debug")
        subprocess.run([OBJCOPY[arch], "--decompress-debug-sections", path, plain], check=True)
        with open(plain, "rb") as f:
            producers |= set(re.findall(rb"GNU C\d+ [^\x00]*", f.read()))
    assert producers, "no compiler command line in the debugging symbols"
    for p in producers:
        for flag in [b"-fstack-clash-protection", b"-fstack-protector-strong", b"-O2"]:
            assert flag in p, p


def test_maintainer_scripts_make_users_and_enable_units_once(unpacked, tmp_path):
    """The amd64 package's own postinst, run as dpkg runs it on install and
    then on an upgrade, in a private mount namespace where /etc, /var/lib and
    the unit folder are overlays of this machine's (every write lands in a
    temp folder). systemd is not PID 1 here: the units are enabled as
    symlinks by deb-systemd-helper, as on a box being installed. An admin's
    `systemctl disable` must survive the upgrade."""
    d = unpacked("amd64")
    host_users = subprocess.run(["getent", "passwd"], capture_output=True, text=True).stdout
    ctl = tmp_path / "DEBIAN"
    subprocess.run(["dpkg-deb", "-e", deb("amd64"), str(ctl)], check=True)
    units = "/usr/lib/systemd/system"
    mounts = []
    for target in ["/etc", "/var/lib", units]:
        name = target.strip("/").replace("/", "_")
        up, work = tmp_path / f"{name}-up", tmp_path / f"{name}-work"
        up.mkdir()
        work.mkdir()
        mounts.append(f"mount -t overlay overlay -o lowerdir={target},upperdir={up},"
                      f"workdir={work} {target}")
    wants = "/etc/systemd/system/multi-user.target.wants"
    script = "\n".join([
        "set -e", *mounts,
        f"cp {d}/lib/systemd/system/pb-* {units}/",
        f"mkdir -p /etc/pusat-belajar && cp {d}/etc/pusat-belajar/box.conf /etc/pusat-belajar/",
        "export DPKG_MAINTSCRIPT_PACKAGE=pusat-belajar DPKG_MAINTSCRIPT_NAME=postinst",
        f"{ctl}/postinst configure",
        "id pb; id pb-sync; id pb-gpio",
        "stat -c 'data %U:%G %a' /var/lib/pb",
        "stat -c 'conf %G %a' /etc/pusat-belajar/box.conf",
        f"ls {wants}",
        "echo ---disable",
        "systemctl disable pb-sync.service",
        f"{ctl}/postinst configure {VERSION}",
        f"ls {wants}",
    ])
    p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    assert p.returncode == 0, p.stdout + p.stderr
    installed, upgraded = p.stdout.split("---disable", 1)
    assert re.search(r"uid=\d+\(pb-sync\).*\(pb\)", installed), installed
    assert "data pb:pb 2770" in installed and "conf pb 640" in installed, installed
    for unit in ["pb-web.service", "pb-sync.service", "pb-gpio.service",
                 "pb-firstboot.service", "pb-net.service", "pb-hostapd.service"]:
        assert unit in installed, installed
    assert "pb-web.service" in upgraded and "pb-gpio.service" in upgraded, upgraded
    assert "pb-sync.service" not in upgraded, upgraded     # the admin's disable stays
    # nothing leaked to this machine
    assert subprocess.run(["getent", "passwd"], capture_output=True,
                          text=True).stdout == host_users


def test_the_image_root_has_every_dependency():
    """mkimage.sh installs the arm64 package with dpkg -i into the root file
    system of image/rootfs.sh, which fetches nothing more: each package the
    .deb depends on must be in that script's lists (or in every such root),
    or the image build fails at dpkg -i."""
    text = open(os.path.join(ROOT, "image", "rootfs.sh")).read()
    include = re.search(r"^INCLUDE=((?:[^\n]*\\\n)*[^\n]*)", text, re.M).group(1)
    late = re.search(r'^LATE="([^"]*)"', text, re.M).group(1)
    have = set(re.split(r"[,\s\\]+", include + " " + late)) - {""}
    # in every root: Essential or required, or a dependency of systemd
    minbase = {"libc6", "zlib1g", "libseccomp2"}
    depends = re.search(r"^ *Depends: (.*)$", info(deb("arm64")), re.M).group(1)
    wanted = {re.sub(r"[ (:].*", "", d.strip()) for d in depends.split(",")}
    missing = sorted(wanted - have - minbase)
    assert not missing, f"add to INCLUDE in image/rootfs.sh: {missing}"
