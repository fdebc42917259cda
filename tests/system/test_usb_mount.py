"""pb-usb-mount, the program the udev rule's unit (pb-usb@.service) runs
when a USB stick comes and goes. This machine has no udev events and no
systemd as PID 1, so the test runs the program directly, as the unit
would, with a loop device standing in for the stick (a real block device
with a real FAT, exFAT or ext4 file system, mounted by the kernel); the
rule and the unit themselves are checked by reading them, and the unit by
systemd-analyze in tests/image/test_units.py. This kernel has ext4 but no
FAT or exFAT driver (and loads no modules): where vfat is missing, the FAT
test puts a stand-in mount(8) first on PATH that records the options
pb-usb-mount asks for and mounts a tmpfs in the stick's place."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROG = os.path.join(ROOT, "image", "firstboot", "pb-usb-mount")

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/dev/loop-control"),
                                reason="loop devices and mounting need root")


def run(*args, env):
    return subprocess.run([PROG, *args], env=env, capture_output=True, text=True, timeout=60)


def options(d):
    p = subprocess.run(["findmnt", "-n", "-o", "SOURCE,FSTYPE,OPTIONS", "--mountpoint", d],
                       capture_output=True, text=True)
    return p.stdout.split() if p.returncode == 0 else None


@pytest.fixture
def place():
    d = tempfile.mkdtemp(prefix=f"pbusb-{os.getpid()}-")
    os.chmod(d, 0o755)          # the stick's user must reach the mount point
    loops = []

    def stick(mkfs):
        img = os.path.join(d, f"stick{len(loops)}.img")
        with open(img, "wb") as f:
            f.truncate(16 * 1024 * 1024)
        subprocess.run(mkfs + [img], check=True, capture_output=True)
        dev = subprocess.run(["losetup", "-f", "--show", img], check=True, capture_output=True,
                             text=True).stdout.strip()
        loops.append(dev)
        return dev
    mnt = os.path.join(d, "media", "pb-usb")
    env = dict(os.environ, PB_USB_DIR=mnt, PB_USB_USER="nobody", PB_USB_GROUP="nogroup")
    yield stick, mnt, env
    subprocess.run(["umount", mnt], capture_output=True)
    for dev in loops:
        subprocess.run(["losetup", "-d", dev], capture_output=True)
    shutil.rmtree(d)


def kernel_has(fs):
    with open("/proc/filesystems") as f:
        return any(line.split()[-1] == fs for line in f if line.strip())


def fat_stand_in(env, d):
    """mount(8) for a kernel without vfat: records its arguments, mounts a
    tmpfs owned as the FAT options say. Returns the log's path."""
    log = os.path.join(d, "mount.args")
    bindir = os.path.join(d, "bin")
    os.makedirs(bindir)
    with open(os.path.join(bindir, "mount"), "w") as f:
        f.write("#!/bin/sh\n"
                f'echo "$@" > {log}\n'
                'for a; do last=$a; done\n'
                'uid=$(echo "$@" | sed -n "s/.*uid=\\([0-9]*\\).*/\\1/p")\n'
                'exec /bin/mount -t tmpfs -o size=1m,uid=$uid,mode=0770 pbusb "$last"\n')
    os.chmod(os.path.join(bindir, "mount"), 0o755)
    env["PATH"] = bindir + ":" + env["PATH"]
    return log


def test_fat_stick_mounted_for_pb_sync_and_unmounted(place):
    stick, mnt, env = place
    dev = stick(["mkfs.vfat", "-n", "PBUSB"])
    uid = int(subprocess.run(["id", "-u", "nobody"], capture_output=True, text=True).stdout)
    log = None if kernel_has("vfat") else fat_stand_in(env, os.path.dirname(
        os.path.dirname(mnt)))
    p = run("add", os.path.basename(dev), env=env)
    assert p.returncode == 0, p.stderr
    if log is None:
        src, fstype, opts = options(mnt)
        assert src == dev and fstype == "vfat"
    else:
        args = open(log).read().split()
        assert args[:2] == ["-t", "vfat"] and args[-2:] == [dev, mnt], args
        opts = args[3]
    opts = opts.split(",")
    for want in ("rw", "noexec", "nosuid", "nodev", f"uid={uid}"):
        assert want in opts, opts
    assert os.stat(mnt).st_uid == uid and os.path.ismount(mnt)
    # the user pb-sync runs as can write there
    w = subprocess.run(["runuser", "-u", "nobody", "--", "sh", "-c",
                        f"mkdir {mnt}/pb-outbox && echo x > {mnt}/pb-outbox/f"],
                       capture_output=True, text=True)
    assert w.returncode == 0, w.stderr
    # a second stick while one is mounted is left alone
    other = stick(["mkfs.vfat"])
    p = run("add", other, env=env)
    assert p.returncode == 0 and "already mounted" in p.stderr
    # the other stick going away does not unmount this one
    assert run("remove", other, env=env).returncode == 0
    assert os.path.ismount(mnt)
    # pulled out: unmounted
    if log is None:
        p = run("remove", os.path.basename(dev), env=env)
        assert p.returncode == 0, p.stderr
        assert options(mnt) is None and not os.path.ismount(mnt)


def test_ext4_stick_gets_a_folder_for_pb_sync(place):
    stick, mnt, env = place
    dev = stick(["mkfs.ext4", "-q", "-F"])
    assert run("add", dev, env=env).returncode == 0
    _, fstype, opts = options(mnt)
    assert fstype == "ext4" and "noexec" in opts.split(",")
    st = os.stat(os.path.join(mnt, "pb-outbox"))
    assert oct(st.st_mode & 0o777) == "0o770"
    assert run("remove", dev, env=env).returncode == 0 and not os.path.ismount(mnt)


def test_other_file_systems_and_bad_names_are_refused(place):
    stick, mnt, env = place
    dev = stick(["mkfs.ext2", "-q", "-F"])
    p = run("add", dev, env=env)
    assert p.returncode == 0 and "not FAT, exFAT or ext4" in p.stderr
    assert not os.path.ismount(mnt)
    for bad in ("../sda1", "", "a/b"):
        assert run("add", bad, env=env).returncode == 2
    assert run("add", "pb-no-such-dev", env=env).returncode == 1


def test_rule_and_unit_name_the_program():
    rule = open(os.path.join(ROOT, "image", "udev", "90-pb-usb.rules")).read()
    line = [l for l in rule.splitlines() if l and not l.startswith("#")]
    assert len(line) == 1
    assert 'ENV{ID_BUS}=="usb"' in line[0] and 'ACTION=="add"' in line[0]
    assert re.search(r'ENV\{ID_FS_TYPE\}=="vfat\|exfat\|ext4"', line[0])
    assert 'ENV{SYSTEMD_WANTS}+="pb-usb@%k.service"' in line[0]
    unit = open(os.path.join(ROOT, "image", "systemd", "pb-usb@.service")).read()
    assert "BindsTo=dev-%i.device" in unit
    assert "ExecStart=/usr/lib/pusat-belajar/pb-usb-mount add %I" in unit
    assert "ExecStop=/usr/lib/pusat-belajar/pb-usb-mount remove %I" in unit
    # the folder it mounts at is the one pb-web and pb-sync look at by default
    conf = subprocess.run(["grep", "-n", "usb_dir", os.path.join(ROOT, "docs",
                                                                 "configuration.md")],
                          capture_output=True, text=True).stdout
    assert "/media/pb-usb" in conf
    assert "/media/pb-usb" in open(PROG).read()
