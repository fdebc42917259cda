"""The SD-card image from `make image`, read without mounting it (sfdisk,
mtools, debugfs), and its arm64 root file system run under qemu-user in a
chroot: pb-web started from its unit's command line answers /healthz, and
first boot applies a bundle there."""
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile

import pytest

from imagetools import (DATA, IMAGE, ROOT, ROOT_A, ROOT_B, debugfs, ext4_cat, ext4_exists,
                        ext4_label, ext4_stat, ext4_stats, firmware_choice, firmware_cmdline,
                        mdir, mget, mtype, partitions, rdump)

WAIT_S = 120  # pb-web under qemu-user: SQLite work is ~18x slower


@pytest.fixture(scope="module")
def img():
    if not os.path.exists(IMAGE):
        pytest.fail(f"{IMAGE} is missing: run make image")
    return IMAGE


def test_partition_table(img):
    t = partitions(img)
    assert t["label"] == "dos"
    p = t["partitions"]
    # boot, root A, root B, data: the four primary partitions of MBR
    assert [x["type"] for x in p] == ["c", "83", "83", "83"]
    assert p[0]["start"] == 8192 and p[0].get("bootable")
    for x in p:
        assert x["start"] % 2048 == 0 and x["size"] % 2048 == 0    # 1 MiB aligned
    for a, b in zip(p, p[1:]):
        assert a["start"] + a["size"] <= b["start"]
    # Root B takes a copy of root A at each update: as large as A.
    assert p[ROOT_A - 1]["size"] == p[ROOT_B - 1]["size"]
    # The data partition is last: first boot grows it to the end of the card.
    assert p[DATA - 1]["start"] + p[DATA - 1]["size"] == os.path.getsize(img) // 512


def test_boot_partition(img):
    names = mdir(img)
    for want in ["config.txt", "cmdline.txt", "bootcode.bin", "start4.elf", "fixup4.dat",
                 "bcm2711-rpi-4-b.dtb", "bcm2837-rpi-3-b.dtb", "bcm2837-rpi-3-b-plus.dtb"]:
        assert want in names, want
    kernels = [n for n in names if n.startswith("vmlinuz-")]
    initrds = [n for n in names if n.startswith("initrd.img-")]
    assert kernels and initrds
    assert "pusat-belajar.json" not in names          # no bundle in the image itself
    cmdline = mtype(img, "cmdline.txt").split()
    assert "root=LABEL=PBROOTA" in cmdline and "ro" in cmdline and "rw" not in cmdline
    # a kernel panic reboots by itself: the tryboot flag is one-shot, so a
    # new root on trial that panics comes back in the committed root
    panic = [w for w in cmdline if w.startswith("panic=")]
    assert len(panic) == 1 and int(panic[0].split("=")[1]) > 0, cmdline
    # The A/B boot files as pbctl update reads and writes them (pb_slot.c):
    # the firmware starts root A, with or without the tryboot flag.
    assert re.search(r"^\[all\]\ntryboot_a_b=1\n", mtype(img, "autoboot.txt"))
    assert mtype(img, "cmdline-a.txt").split() == cmdline
    assert mtype(img, "cmdline-b.txt").split() == [
        "root=LABEL=PBROOTB" if w == "root=LABEL=PBROOTA" else w for w in cmdline]
    assert firmware_cmdline(img, tryboot=False)[0] == "cmdline-a.txt"
    assert firmware_cmdline(img, tryboot=True)[0] == "cmdline-a.txt"
    assert "[tryboot]" not in mtype(img, "pb-slot.txt")
    config = mtype(img, "config.txt")
    # the include comes last, under [all], so no model filter hides it
    assert re.search(r"\[all\]\ninclude pb-slot.txt\n$", config), config
    assert re.search(r"initramfs\s+" + re.escape(initrds[0]), config), config
    assert re.search(r"kernel=" + re.escape(kernels[0]), config), config
    label = subprocess.run(["mlabel", "-s", "-i", f"{img}@@{8192 * 512}", "::"],
                           capture_output=True, text=True).stdout
    assert "PBBOOT" in label


def test_each_root_boots_its_own_kernel(img, tmp_path):
    """Root A's kernel, initramfs, device trees and command line in slot-a/
    (firmware/lib/pb_slot_kernel.c), which pb-slot.txt names by os_prefix=:
    the firmware loads them with and without the tryboot flag. slot-b/ comes
    with the first update; the files at the top stay as the fallback."""
    names = mdir(img)
    assert "slot-a" in names and "slot-b" not in names
    slot = mdir(img, "slot-a")
    for want in ["vmlinuz", "initrd.img", "cmdline-a.txt", "bcm2711-rpi-4-b.dtb",
                 "bcm2837-rpi-3-b.dtb", "bcm2837-rpi-3-b-plus.dtb"]:
        assert want in slot, (want, slot)
    assert mtype(img, "slot-a/cmdline-a.txt") == mtype(img, "cmdline-a.txt")
    slot_txt = mtype(img, "pb-slot.txt")
    assert "[all]\nos_prefix=slot-a/\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n" \
        "cmdline=cmdline-a.txt\n" in slot_txt, slot_txt
    for tryboot in (False, True):
        got = firmware_choice(img, tryboot)
        assert (got["prefix"], got["kernel"], got["initrd"], got["cmdline_file"]) == \
            ("slot-a/", "slot-a/vmlinuz", "slot-a/initrd.img", "slot-a/cmdline-a.txt"), got
    # the same kernel and initramfs as root A's /boot and as the top files
    kernel = [n for n in names if n.startswith("vmlinuz-")][0]
    version = kernel[len("vmlinuz-"):]
    for top, in_slot, in_root in [(kernel, "vmlinuz", f"/boot/{kernel}"),
                                  (f"initrd.img-{version}", "initrd.img",
                                   f"/boot/initrd.img-{version}")]:
        mget(img, top, str(tmp_path / "top"))
        mget(img, f"slot-a/{in_slot}", str(tmp_path / "slot"))
        debugfs(img, ROOT_A, f"dump {in_root} {tmp_path / 'root'}")
        data = (tmp_path / "slot").read_bytes()
        assert data == (tmp_path / "top").read_bytes() == (tmp_path / "root").read_bytes()


def test_root_partition(img):
    assert ext4_label(img, ROOT_A) == "PBROOTA"
    fstab = ext4_cat(img, ROOT_A, "/etc/fstab")
    # / comes from the command line (either root); both roots read-only
    # where pbctl update looks for them ([update] root_a, root_b)
    assert not re.search(r"^\S+\s+/\s", fstab, re.M), fstab
    assert re.search(r"^LABEL=PBROOTA\s+/run/pb-root/a\s+ext4\s+ro[,\s]", fstab, re.M)
    assert re.search(r"^LABEL=PBROOTB\s+/run/pb-root/b\s+ext4\s+ro[,\s]", fstab, re.M)
    assert re.search(r"^LABEL=PBDATA\s+/var/lib/pb\s+ext4\s", fstab, re.M)
    assert re.search(r"^LABEL=PBBOOT\s+/boot/firmware\s+vfat\s", fstab, re.M)
    assert re.search(r"^tmpfs\s+/var/log\s+tmpfs", fstab, re.M)
    assert "x-systemd.device-timeout" not in fstab
    journald = ext4_cat(img, ROOT_A, "/etc/systemd/journald.conf.d/pusat-belajar.conf")
    assert "Storage=volatile" in journald and "RuntimeMaxUse=" in journald
    # A hung kernel or PID 1 resets the box through the Pi's watchdog
    # (bcm2835-wdt, whose longest timeout is about 15 s). qemu's virt
    # machine has no such device, so test_update_qemu.py only sees that
    # systemd read the setting; here: the image carries it.
    manager = ext4_cat(img, ROOT_A, "/etc/systemd/system.conf.d/pusat-belajar.conf")
    assert re.search(r"^\[Manager\]$", manager, re.M), manager
    m = re.search(r"^RuntimeWatchdogSec=(\d+)s$", manager, re.M)
    assert m and 0 < int(m.group(1)) <= 15, manager
    for path in ["/usr/bin/pb-web", "/usr/bin/pbctl", "/usr/sbin/hostapd", "/usr/sbin/dnsmasq",
                 "/usr/sbin/fake-hwclock", "/usr/share/pusat-belajar/webapp/index.html",
                 "/usr/share/pusat-belajar/webapp/penyiapan.html",
                 "/lib/systemd/system/pb-web.service", "/usr/lib/pusat-belajar/pb-grow-data",
                 "/etc/systemd/system/multi-user.target.wants/pb-web.service",
                 "/etc/systemd/system/multi-user.target.wants/pb-firstboot.service",
                 # the admin's "Pasang sekarang" (tests/image/test_units.py: what
                 # the path unit watches and what the service runs)
                 "/etc/systemd/system/multi-user.target.wants/pb-update-apply.path",
                 "/lib/systemd/system/pb-update-apply.service",
                 # the boot deadline of a root on trial
                 "/etc/systemd/system/timers.target.wants/pb-update-deadline.timer",
                 "/lib/systemd/system/pb-update-deadline.service",
                 "/usr/lib/pusat-belajar/pb-update-deadline",
                 # ... and of one that falls into emergency or rescue mode
                 "/lib/systemd/system/emergency.service.d/pb-update-trial.conf",
                 "/lib/systemd/system/rescue.service.d/pb-update-trial.conf",
                 "/lib/firmware/brcm/brcmfmac43455-sdio.bin"]:
        assert ext4_exists(img, ROOT_A, path), path
    st = ext4_stat(img, ROOT_A, "/etc/pusat-belajar/box.conf")
    assert st["type"] == "symlink"
    out, _ = debugfs(img, ROOT_A, "stat /etc/systemd/system/hostapd.service")
    assert "/dev/null" in out                          # Debian's own unit is masked
    for unit in ("e2scrub_reap.service", "e2scrub_all.timer"):  # no LVM on the box
        out, _ = debugfs(img, ROOT_A, f"stat /etc/systemd/system/{unit}")
        assert "/dev/null" in out, (unit, out)
    # nothing on the box uses device-mapper, loop, EFI pstore, configfs,
    # FUSE, debugfs or tracefs: not loaded nor mounted at every start
    for unit in ("systemd-repart.service", "systemd-pstore.service", "sys-kernel-config.mount",
                 "sys-fs-fuse-connections.mount", "sys-kernel-debug.mount",
                 "sys-kernel-tracing.mount"):
        out, _ = debugfs(img, ROOT_A, f"stat /etc/systemd/system/{unit}")
        assert "/dev/null" in out, (unit, out)
    assert ext4_stat(img, ROOT_A, "/etc/machine-id")["size"] == 0
    # The mount point is empty: the data lives on PBDATA.
    out, _ = debugfs(img, ROOT_A, "ls /var/lib/pb")
    assert set(out.split()) - {".", ".."} == set() or all(
        tok.isdigit() or tok in (".", "..") or tok.startswith("(") for tok in out.split())


def test_root_b_is_empty(img):
    """Root B ships empty (no system to roll back to until an update)."""
    assert ext4_label(img, ROOT_B) == "PBROOTB"
    out, _ = debugfs(img, ROOT_B, "ls -p /")
    names = {line.split("/")[5] for line in out.splitlines() if line.count("/") >= 6}
    assert names <= {".", "..", "lost+found"}, names
    assert ext4_stats(img, ROOT_B)["Filesystem state"] == "clean"


def test_no_secret_in_image(img):
    # No account can log in with a password (root included).
    for line in ext4_cat(img, ROOT_A, "/etc/shadow").splitlines():
        name, pw = line.split(":")[:2]
        assert pw in ("*", "!", "!*") or pw.startswith("!"), name
    for path in ["/etc/ssh", "/var/lib/pb/sync"]:
        assert not ext4_exists(img, ROOT_A, path), path
    out, _ = debugfs(img, DATA, "ls -p /")
    names = [f.split("/")[5] for f in out.split("\n") if f.count("/") >= 6]
    assert not [n for n in names if re.search(r"key|token|secret|\.pem", n)], names
    assert not ext4_exists(img, DATA, "/provision")


def test_data_partition(img):
    assert ext4_label(img, DATA) == "PBDATA"
    conf = ext4_cat(img, DATA, "/etc/box.conf")
    assert "centre_id = PB-BELUM-DIATUR" in conf and "data_dir = /var/lib/pb" in conf
    root = ext4_stat(img, DATA, "/")
    conf_st = ext4_stat(img, DATA, "/etc/box.conf")
    assert root["uid"] != 0 and root["mode"] & 0o7777 == 0o2770   # pb:pb, setgid
    assert conf_st["uid"] == 0 and conf_st["gid"] == root["gid"]
    assert conf_st["mode"] & 0o777 == 0o640


@pytest.fixture(scope="module")
def rootfs(img):
    """The image's root with its data partition at /var/lib/pb, copied out
    with debugfs into a temp folder (a chroot for qemu-user)."""
    d = tempfile.mkdtemp(prefix=f"pb-imgroot-{os.getpid()}-")
    try:
        rdump(img, ROOT_A, "/", d)
        rdump(img, DATA, "/", os.path.join(d, "var", "lib", "pb"))
        # /dev/null as the box has it: a masked unit is a link to it, and
        # systemd-analyze opens the units the installed ones pull in.
        os.mknod(os.path.join(d, "dev", "null"), 0o20666, os.makedev(1, 3))
        yield d
    finally:
        shutil.rmtree(d)


def unit_exec(root, unit):
    """ExecStart= of UNIT as the image has it."""
    with open(os.path.join(root, "lib", "systemd", "system", unit)) as f:
        for line in f:
            if line.startswith("ExecStart="):
                return shlex.split(line.split("=", 1)[1])
    raise AssertionError(f"{unit}: no ExecStart")


def in_netns_chroot(root, script, timeout=WAIT_S * 2):
    """SCRIPT (host sh) in a new network namespace with only loopback; CHROOT
    in it runs a command inside the image's root, arm64 through binfmt."""
    return subprocess.run(["unshare", "-n", "sh", "-c", "ip link set lo up\n" + script],
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, CHROOT=f"chroot {root}"))


def test_pb_web_from_its_unit_in_arm64_chroot(rootfs):
    argv = unit_exec(rootfs, "pb-web.service")
    assert argv[0] == "/usr/bin/pb-web"
    # qemu-user translates the arm64 program's system calls into its own, so
    # a seccomp filter installed inside it would filter qemu, and libseccomp
    # refuses TSYNC there: this stand-in for the box runs pb-web with its own
    # filter off. The booted image (test_boot.py) runs it with the filter.
    conf = rootfs + argv[argv.index("-c") + 1]
    while os.path.islink(conf):          # /etc/… links into the data partition
        target = os.readlink(conf)
        conf = rootfs + target if target.startswith("/") else \
            os.path.join(os.path.dirname(conf), target)
    with open(conf) as f, open(os.path.join(rootfs, "tmp", "box-qemu-user.conf"), "w") as o:
        o.write(f.read() + "\n[web]\nseccomp = no\n")
    argv[argv.index("-c") + 1] = "/tmp/box-qemu-user.conf"
    cmd = ("$CHROOT setpriv --reuid=pb --regid=pb --init-groups "
           "--inh-caps=+net_bind_service --ambient-caps=+net_bind_service "
           + " ".join(shlex.quote(a) for a in argv))
    script = f"""
{cmd} > {rootfs}/tmp/pb-web.log 2>&1 &
pid=$!
i=0
while [ $i -lt {WAIT_S} ] && kill -0 $pid 2>/dev/null; do
    if curl -fsS http://127.0.0.1:80/healthz; then break; fi
    i=$((i + 1)); sleep 1
done
kill $pid; wait $pid
cat {rootfs}/tmp/pb-web.log >&2
"""
    p = in_netns_chroot(rootfs, script)
    assert '"status": "ok"' in p.stdout or '"status":"ok"' in p.stdout, p.stdout + p.stderr
    health = json.loads(p.stdout.strip().splitlines()[0])
    assert health["centre"] == "Pusat Belajar - belum diatur"
    # pb-web ran as pb and made its database on the data partition.
    st = os.stat(os.path.join(rootfs, "var", "lib", "pb", "pb.db"))
    assert st.st_uid == int(subprocess.run(["chroot", rootfs, "id", "-u", "pb"],
                                           capture_output=True, text=True).stdout)


def firstboot_argv(rootfs):
    with open(os.path.join(rootfs, "lib", "systemd", "system", "pb-firstboot.service")) as f:
        for line in f:
            if line.startswith("ExecStart="):
                return shlex.split(line.split("=", 1)[1])
    raise AssertionError("pb-firstboot.service: no ExecStart")


def test_firstboot_in_arm64_chroot(rootfs):
    boot = os.path.join(rootfs, "boot", "firmware")
    os.makedirs(boot, exist_ok=True)
    # No bundle on the card: setup mode.
    p = subprocess.run(["chroot", rootfs] + firstboot_argv(rootfs), capture_output=True,
                       text=True, timeout=WAIT_S)
    assert p.returncode == 0 and "PusatBelajar-Setup" in p.stdout, p.stdout + p.stderr
    setup = os.path.join(rootfs, "var", "lib", "pb", "provision", "setup.json")
    assert json.load(open(setup))["ssid"] == "PusatBelajar-Setup"
    bundle = {"format": 1, "centre": {"id": "PB-CHROOT-0007", "name": "Pusat Belajar Ende"},
              "wifi": {"ssid": "PB-Ende", "passphrase": "wifi-rahasia-77"},
              "hub": {"url": "https://hub.example.id/",
                      "enrolment_token": "tok_chroot_0123456789"},
              "facilitators": [{"name": "yohana", "role": "fasilitator", "kind": "mentor",
                                "password": "sandi-yohana-1"}]}
    with open(os.path.join(boot, "pusat-belajar.json"), "w") as f:
        json.dump(bundle, f)
    p = subprocess.run(["chroot", rootfs] + firstboot_argv(rootfs), capture_output=True,
                       text=True, timeout=WAIT_S)
    assert p.returncode == 0, p.stdout + p.stderr
    assert not os.path.exists(setup)                     # setup mode is over
    conf = open(os.path.join(rootfs, "var", "lib", "pb", "etc", "box.conf")).read()
    assert "centre_id = PB-CHROOT-0007" in conf
    assert "centre_name = Pusat Belajar Ende" in conf
    assert not os.path.exists(os.path.join(boot, "pusat-belajar.json"))
    applied = open(os.path.join(boot, "pusat-belajar.applied.json")).read()
    assert "wifi-rahasia-77" not in applied and "tok_chroot" not in applied
    users = subprocess.run(["chroot", rootfs, "pbctl", "user", "list"], capture_output=True,
                           text=True, timeout=WAIT_S).stdout
    assert "yohana" in users
    pb_uid = int(subprocess.run(["chroot", rootfs, "id", "-u", "pb"], capture_output=True,
                                text=True).stdout)
    assert os.stat(os.path.join(rootfs, "var", "lib", "pb", "pb.db")).st_uid == pb_uid
    p = subprocess.run(["chroot", rootfs, "pb-web", "-n", "-c", "/etc/pusat-belajar/box.conf"],
                       capture_output=True, text=True, timeout=WAIT_S)
    assert "configuration OK" in p.stdout, p.stderr


def test_units_verify_inside_the_image(rootfs):
    """systemd-analyze of the image's own systemd, on the installed units
    and on Debian's emergency and rescue units with the box's drop-ins."""
    units = sorted(u for u in os.listdir(os.path.join(rootfs, "lib", "systemd", "system"))
                   if u.startswith("pb-") and u.endswith(".service"))
    assert "pb-web.service" in units
    p = subprocess.run(["chroot", rootfs, "systemd-analyze", "verify"]
                       + [f"/lib/systemd/system/{u}" for u in units
                          if u not in ("pb-sync.service", "pb-gpio.service")
                          or os.path.exists(os.path.join(rootfs, "usr", "bin", u[:-8]))],
                       capture_output=True, text=True, timeout=WAIT_S * 2)
    assert p.stdout + p.stderr == "", p.stdout + p.stderr
    # Debian's units name sulogin(8), and the box has no man pages at all
    p = subprocess.run(["chroot", rootfs, "systemd-analyze", "verify", "--man=no",
                        "emergency.service", "rescue.service"],
                       capture_output=True, text=True, timeout=WAIT_S * 2)
    assert p.stdout + p.stderr == "", p.stdout + p.stderr


def test_certificates_as_the_package_makes_them(rootfs):
    """/etc/ssl/certs as ca-certificates' update-ca-certificates makes it
    (image/rootfs-certs.sh runs the image's script with the build machine's
    sh and tools on the image's files): a link per certificate named in /etc/ca-certificates.conf, the
    bundle made of exactly those certificates in that order, and a hash
    link per certificate under the name OpenSSL looks it up by."""
    certs = os.path.join(rootfs, "etc", "ssl", "certs")
    share = "/usr/share/ca-certificates"
    with open(os.path.join(rootfs, "etc", "ca-certificates.conf")) as f:
        enabled = [ln.strip() for ln in f if ln.strip() and ln[0] not in "#!"]
    assert len(enabled) > 100, enabled
    assert os.listdir(os.path.join(rootfs, "usr", "local", "share", "ca-certificates")) == []
    bundle = b""
    pems = set()
    for crt in enabled:
        name = os.path.basename(crt)[:-len(".crt")]
        pem = re.sub(r"[()]", "=", name.replace(" ", "_")).replace(",", "_") + ".pem"
        link = os.path.join(certs, pem)
        assert os.path.islink(link), pem
        assert os.readlink(link) == f"{share}/{crt}", (pem, os.readlink(link))
        with open(rootfs + os.readlink(link), "rb") as f:
            data = f.read()
        assert b"-----BEGIN CERTIFICATE-----" in data, crt
        bundle += data if data.endswith(b"\n") else data + b"\n"
        pems.add(pem)
    with open(os.path.join(certs, "ca-certificates.crt"), "rb") as f:
        assert f.read() == bundle
    hashed = {}
    others = []
    for n in os.listdir(certs):
        if re.fullmatch(r"[0-9a-f]{8}\.\d+", n):
            hashed[n] = os.readlink(os.path.join(certs, n))
        elif n not in pems and n != "ca-certificates.crt":
            others.append(n)
    assert others == []
    assert sorted(hashed.values()) == sorted(pems)      # one hash link each
    # the same links made afresh by one openssl rehash over copies of the
    # certificates (the .pem links name /usr/share/...: copied from the root)
    with tempfile.TemporaryDirectory(prefix=f"pb-certs-{os.getpid()}-") as d:
        for pem in pems:
            shutil.copyfile(rootfs + os.readlink(os.path.join(certs, pem)), os.path.join(d, pem))
        subprocess.run(["openssl", "rehash", d], check=True, timeout=WAIT_S)
        fresh = {n: os.readlink(os.path.join(d, n)) for n in os.listdir(d)
                 if os.path.islink(os.path.join(d, n))}
    assert hashed == fresh


def inside(rootfs, path):
    """PATH of the image's root as a path here: links (/bin -> usr/bin, or
    absolute ones) followed within ROOTFS."""
    parts = [p for p in path.split("/") if p]
    done = []
    for _ in range(40):
        if not parts:
            return os.path.join(rootfs, *done)
        p = parts.pop(0)
        full = os.path.join(rootfs, *done, p)
        if os.path.islink(full):
            target = os.readlink(full)
            if target.startswith("/"):
                done = []
            parts = [x for x in target.split("/") if x] + parts
        elif p == "..":
            done = done[:-1]
        elif p != ".":
            done.append(p)
    raise AssertionError(f"{path}: too many links")


def package_files(rootfs):
    """{path: md5} of every file the image's packages list in their md5sums
    (dpkg leaves conffiles out: scripts and the admin may change those)."""
    info = os.path.join(rootfs, "var", "lib", "dpkg", "info")
    files = {}
    for n in sorted(os.listdir(info)):
        if n.endswith(".md5sums"):
            with open(os.path.join(info, n), encoding="utf-8", errors="surrogateescape") as f:
                for line in f:
                    md5, path = line.rstrip("\n").split("  ", 1)
                    files["/" + path] = md5
    return files


def test_packages_unpacked_as_dpkg_deb_makes_them(rootfs):
    """Every packaged file holds the bytes its package's md5sums names
    (image/rootfs-native.sh has the build machine's dpkg-deb unpack them
    for the image's dpkg), and dpkg-deb and deb-systemd-helper are the
    packages' own again: no stand-in, diversion or pipe of the build left."""
    files = package_files(rootfs)
    assert len(files) > 10000, len(files)
    wrong = []
    for path, md5 in files.items():
        with open(inside(rootfs, path), "rb") as f:
            if hashlib.md5(f.read()).hexdigest() != md5:
                wrong.append(path)
    assert wrong == []
    for prog in ("/usr/bin/dpkg-deb", "/usr/bin/deb-systemd-helper"):
        assert prog in files, prog
        assert not os.path.exists(rootfs + prog + ".distrib"), prog
    with open(os.path.join(rootfs, "var", "lib", "dpkg", "diversions")) as f:
        diverted = f.read().split("\n")[0::3]
    assert not [p for p in diverted if p.startswith("/usr/bin/")], diverted
    assert not os.path.exists(os.path.join(rootfs, "run", "pb-native"))


def rootfs_tarball():
    """image/rootfs.sh's tarball in build/cache for its scripts as they are
    (named by their hash as rootfs.sh names it)."""
    h = hashlib.sha256()
    for n in ("rootfs.sh", "rootfs-certs.sh", "rootfs-native.sh"):
        with open(os.path.join(ROOT, "image", n), "rb") as f:
            h.update(f.read())
    path = os.path.join(ROOT, "build", "cache", f"rootfs-bookworm-arm64-{h.hexdigest()[:16]}.tar")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: run make image")
    return path


def test_units_enabled_as_deb_systemd_helper_makes_them(rootfs):
    """The links deb-systemd-helper made for the packages' units (run with
    the build machine's perl over the image's files, image/rootfs-native.sh):
    each link a state file records is in /etc/systemd and names its unit by
    the path the box has, and each unit enabled has its marker. The state
    is read from the root's tarball: the image's /var/lib/systemd is empty
    (a tmpfs on the box, mkimage.sh)."""
    state = "var/lib/systemd/deb-systemd-helper-enabled"
    recorded = {}
    marked = set()
    with tarfile.open(rootfs_tarball()) as t:
        for m in t:
            name = m.name.removeprefix("./")
            if not name.startswith(state + "/") or m.isdir():
                continue
            if name.endswith(".dsh-also"):
                recorded[os.path.basename(name)[:-len(".dsh-also")]] = \
                    t.extractfile(m).read().decode().splitlines()
            else:
                marked.add(name[len(state):])
    # apt.s and dpkg.s timers, timesyncd, resolved, hostapd, dnsmasq, nftables, ...
    assert len(recorded) >= 10, sorted(recorded)
    enabled = set()
    for unit, links in recorded.items():
        assert links, unit
        for link in links:
            assert link.startswith("/etc/systemd/system/"), (unit, link)
            full = rootfs + link
            # the marker deb-systemd-helper's was-enabled and debian-installed
            # read: the link was made (a unit its package does not enable,
            # nftables', has its links recorded but neither made nor marked)
            if link[len("/etc/systemd/system"):] not in marked:
                continue
            enabled.add(unit)
            assert os.path.islink(full), (unit, link)
            target = os.readlink(full)
            if target == "/dev/null":              # masked later by mkimage.sh
                continue
            assert target.startswith(("/lib/systemd/", "/usr/lib/systemd/", "/etc/systemd/")), \
                (unit, link, target)
            assert os.path.isfile(rootfs + target), (unit, link, target)
    assert {"systemd-timesyncd.service", "fstrim.timer", "systemd-resolved.service"} <= enabled
    assert "systemd-timesyncd.service" in recorded
    assert "/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service" in \
        recorded["systemd-timesyncd.service"]


NATIVE = os.path.join(ROOT, "image", "rootfs-native.sh")
UNIT = "pb-native-test.service"


def dsh(rootfs, *args, prog="deb-systemd-helper"):
    """deb-systemd-helper in the image's root as a maintainer script calls it."""
    return subprocess.run(["chroot", rootfs, prog, *args], capture_output=True, text=True,
                          timeout=WAIT_S, env=dict(os.environ, DPKG_MAINTSCRIPT_PACKAGE="pb-test"))


def enable_and_purge(rootfs, prog):
    """A new unit enabled as its package's postinst does, then purged: what
    each step answered and left in /etc/systemd and the helper's state."""
    link = os.path.join(rootfs, "etc", "systemd", "system", "multi-user.target.wants", UNIT)
    state = os.path.join(rootfs, "var", "lib", "systemd", "deb-systemd-helper-enabled")
    seen = []
    for args in (["--quiet", "was-enabled", UNIT], ["enable", UNIT], ["is-enabled", UNIT],
                 ["debian-installed", UNIT], ["purge", UNIT], ["debian-installed", UNIT]):
        p = dsh(rootfs, *args, prog=prog)
        # the helper names itself by its path: the image's, or the root's seen from here
        seen.append((args[-2], p.returncode, p.stdout,
                     re.sub(r"\S*deb-systemd-helper(\.distrib)?", "PROG", p.stderr),
                     os.readlink(link) if os.path.islink(link) else None,
                     os.path.exists(os.path.join(state, f"{UNIT}.dsh-also"))))
    return seen


def test_native_stand_ins_serve_and_fall_back(rootfs, tmp_path):
    """image/rootfs-native.sh on the image's root: its stand-ins hand
    dpkg-deb's two calls from dpkg and deb-systemd-helper's to this
    machine's programs (the log names each call served), with the bytes,
    files, links, exit statuses and output of the image's own programs,
    which still take every other call, and take them all when this machine's
    perl is not the image's. stop leaves the root as it was."""
    env = dict(os.environ, PB_WORK=str(tmp_path))
    log = tmp_path / "native.log"
    dpkg = os.path.join(rootfs, "var", "lib", "dpkg")
    with open(os.path.join(dpkg, "diversions"), "rb") as f:
        diversions = f.read()
    with open(os.path.join(rootfs, "lib", "systemd", "system", UNIT), "w") as f:
        f.write("[Unit]\nDescription=test\n[Service]\nExecStart=/bin/true\n"
                "[Install]\nWantedBy=multi-user.target\n")
    # a package, built here, in the root's /tmp
    pkg = tmp_path / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text(
        "Package: pb-native-test\nVersion: 1\nArchitecture: all\nMaintainer: t <t@t>\n"
        "Description: test\n")
    (pkg / "DEBIAN" / "postinst").write_text("#!/bin/sh\nexit 0\n")
    (pkg / "DEBIAN" / "postinst").chmod(0o755)
    (pkg / "usr" / "share" / "pb-native-test").mkdir(parents=True)
    (pkg / "usr" / "share" / "pb-native-test" / "data").write_bytes(os.urandom(200000))
    deb = os.path.join(rootfs, "tmp", "pb-native-test.deb")
    subprocess.run(["dpkg-deb", "--build", "-Zxz", str(pkg), deb], check=True,
                   capture_output=True)
    want_tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", deb], check=True,
                              capture_output=True).stdout
    try:
        emulated = enable_and_purge(rootfs, "deb-systemd-helper")
        try:
            # in the try: a start that fails half-way still has its server stopped
            p = subprocess.run(["sh", NATIVE, "start", rootfs], capture_output=True, text=True,
                               env=env, timeout=WAIT_S)
            assert p.returncode == 0, p.stderr
            perl_here = "perl" not in p.stderr
            got = subprocess.run(["chroot", rootfs, "dpkg-deb", "--fsys-tarfile",
                                  "/tmp/pb-native-test.deb"], capture_output=True, timeout=WAIT_S)
            assert got.returncode == 0 and got.stdout == want_tar, got.stderr
            ci = os.path.join(rootfs, "tmp", "pb-native-test.ci")
            got = subprocess.run(["chroot", rootfs, "dpkg-deb", "--control",
                                  "/tmp/pb-native-test.deb", "/tmp/pb-native-test.ci"],
                                 capture_output=True, timeout=WAIT_S)
            assert got.returncode == 0, got.stderr
            assert sorted(os.listdir(ci)) == ["control", "postinst"]
            assert os.stat(os.path.join(ci, "postinst")).st_mode & 0o777 == 0o755
            shutil.rmtree(ci)
            # not served: the image's own dpkg-deb, emulated
            got = subprocess.run(["chroot", rootfs, "dpkg-deb", "-f",
                                  "/tmp/pb-native-test.deb", "Package"],
                                 capture_output=True, text=True, timeout=WAIT_S)
            assert got.stdout == "pb-native-test\n", got.stderr
            # a missing package: the native run fails, the image's own says why
            got = subprocess.run(["chroot", rootfs, "dpkg-deb", "--fsys-tarfile", "/tmp/none.deb"],
                                 capture_output=True, text=True, timeout=WAIT_S)
            assert got.returncode != 0 and "/tmp/none.deb" in got.stderr, got.stderr
            native = enable_and_purge(rootfs, "deb-systemd-helper")
        finally:
            p = subprocess.run(["sh", NATIVE, "stop", rootfs], capture_output=True, text=True,
                               env=env, timeout=WAIT_S)
            assert p.returncode == 0, p.stderr
        served = log.read_text().splitlines()
        # each line: the call, then its exit status, or emulate (handed back)
        assert "dpkg-deb --fsys-tarfile /tmp/pb-native-test.deb -> 0" in served, served
        assert "dpkg-deb --control /tmp/pb-native-test.deb /tmp/pb-native-test.ci -> 0" in served
        assert "dpkg-deb --fsys-tarfile /tmp/none.deb -> emulate" in served, served
        assert not [ln for ln in served if " -f " in ln], served
        assert native == emulated, (native, emulated)
        assert ("deb-systemd-helper =pb-test   enable " + UNIT + " -> 0" in served) == perl_here, \
            served
        # another perl here than in the image: the image's own runs, emulated
        with open(os.path.join(dpkg, "status")) as f:
            status = f.read()
        try:
            with open(os.path.join(dpkg, "status"), "w") as f:
                f.write(re.sub(r"(Package: perl-base\n(?:[^\n]+\n)*?Version: )[^\n]+",
                               r"\g<1>9.99.0-1", status))
            log.unlink()
            p = subprocess.run(["sh", NATIVE, "start", rootfs], capture_output=True, text=True,
                               env=env, timeout=WAIT_S)
            assert p.returncode == 0 and "9.99.0-1 in the image" in p.stderr, p.stderr
            try:
                assert enable_and_purge(rootfs, "deb-systemd-helper") == emulated
            finally:
                subprocess.run(["sh", NATIVE, "stop", rootfs], check=True, env=env,
                               timeout=WAIT_S)
            assert not [ln for ln in log.read_text().splitlines()
                        if ln.startswith("deb-systemd-helper")]
        finally:
            with open(os.path.join(dpkg, "status"), "w") as f:
                f.write(status)
        # as it was: the packages' programs back, no stand-in, pipe or diversion
        with open(os.path.join(dpkg, "diversions"), "rb") as f:
            assert f.read() == diversions
        md5 = dict(ln.split("  ", 1)[::-1] for ln in
                   open(os.path.join(dpkg, "info", "dpkg.md5sums")).read().splitlines())
        with open(os.path.join(rootfs, "usr", "bin", "dpkg-deb"), "rb") as f:
            assert hashlib.md5(f.read()).hexdigest() == md5["usr/bin/dpkg-deb"]
        assert not os.path.exists(os.path.join(rootfs, "usr", "bin", "dpkg-deb.distrib"))
        assert not os.path.exists(os.path.join(rootfs, "run", "pb-native"))
    finally:
        os.unlink(os.path.join(rootfs, "lib", "systemd", "system", UNIT))
        os.unlink(deb)
