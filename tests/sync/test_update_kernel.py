"""Each root boots its own kernel (docs/updates.md, firmware/lib/pb_slot_kernel.c):
the real pbctl update apply | commit | rollback with the A/B layout of
tests/sync/test_update_ab.py, where the roots are folders and a folder
stands for the FAT boot partition (this machine has no Pi firmware and no
SD card). The boot folder is laid out as image/mkimage.sh lays out the
card: slot-a/ holding root A's kernel, initramfs, device trees and command
line, pb-slot.txt naming it by os_prefix= (or, for a card made before the
folders, the kernel at the top only). tests/pifirmware.py plays the
firmware from those files: the os_prefix in force, the kernel, initramfs
and command line it would load."""
import os
import shutil
import signal
import subprocess
import time

import pifirmware
from pbhub import make_deb
from pbtest import binary
from test_release import VERSION, one_round, release_key
from test_update_ab import ab_box, publish

OLD = "6.1.0-1-arm64"          # root A's kernel, as the image carries it
NEW = "6.1.0-2-arm64"          # the kernel a release brings
BIG_KERNEL = 64 * 1024 * 1024  # bytes of root A's kernel where the copy is cut
BIG_INITRD = 16 * 1024 * 1024
TOP_KERNEL = b"the kernel at the top of a card made before the folders\n"
PB_SLOT_A = ("# The root the Pi firmware boots (pbctl update; docs/updates.md).\n[all]\n"
             "os_prefix=slot-a/\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n"
             "cmdline=cmdline-a.txt\n")
PB_SLOT_FLAT = ("# The root the Pi firmware boots (pbctl update; docs/updates.md).\n[all]\n"
                "cmdline=cmdline-a.txt\n")


def kernel_files(version, size=0):
    """{path below /: bytes} of a kernel package in a root: the kernel (its
    version first, so each is told apart), the initramfs, device trees."""
    def blob(what, n):
        head = f"{what} {version}\n".encode()
        return head + b"k" * max(0, n - len(head))
    dtbs = f"usr/lib/linux-image-{version}/broadcom"
    return {f"boot/vmlinuz-{version}": blob("kernel", size),
            f"boot/initrd.img-{version}": blob("initramfs", size // 4),
            f"{dtbs}/{pifirmware.DTB}": blob("device tree bcm2711", 0),
            f"{dtbs}/bcm2837-rpi-3-b.dtb": blob("device tree bcm2837", 0)}


def put(top, files):
    for path, data in files.items():
        os.makedirs(os.path.dirname(os.path.join(top, path)), exist_ok=True)
        with open(os.path.join(top, path), "wb") as f:
            f.write(data)


def get(path):
    with open(path, "rb") as f:
        return f.read()


def card(boot, a, folders=True, size=0):
    """Root A with its kernel; the boot folder as the image (mkimage.sh)
    makes it: the top files config.txt names, cmdline-a/-b.txt, and, on a
    card with folders, slot-a/ filled from root A and named by pb-slot.txt."""
    files = kernel_files(OLD, size)
    put(a, files)
    with open(os.path.join(boot, "vmlinuz"), "wb") as f:
        f.write(TOP_KERNEL)
    shutil.copy(os.path.join(a, f"boot/initrd.img-{OLD}"), os.path.join(boot, "initrd.img"))
    line = open(os.path.join(boot, "cmdline.txt")).read()
    with open(os.path.join(boot, "cmdline-a.txt"), "w") as f:
        f.write(line)
    with open(os.path.join(boot, "cmdline-b.txt"), "w") as f:
        f.write(line.replace("PBROOTA", "PBROOTB"))
    with open(os.path.join(boot, "pb-slot.txt"), "w") as f:
        f.write(PB_SLOT_A if folders else PB_SLOT_FLAT)
    if folders:
        slot = os.path.join(boot, "slot-a")
        os.makedirs(slot)
        shutil.copy(os.path.join(a, f"boot/vmlinuz-{OLD}"), os.path.join(slot, "vmlinuz"))
        shutil.copy(os.path.join(a, f"boot/initrd.img-{OLD}"), os.path.join(slot, "initrd.img"))
        for name in (pifirmware.DTB, "bcm2837-rpi-3-b.dtb"):
            shutil.copy(os.path.join(a, f"usr/lib/linux-image-{OLD}/broadcom", name), slot)
        shutil.copy(os.path.join(boot, "cmdline-a.txt"), slot)


def firmware(boot, tryboot, cmdline_file):
    """What the firmware loads from the boot folder (tests/pifirmware.py):
    its choice, with 'root' ('A' or 'B') and the kernel's first line; the
    command line is written where pbctl reads the running one."""
    def read(name):
        path = os.path.join(boot, name)
        return open(path).read() if os.path.isfile(path) else None

    got = pifirmware.choose(read, tryboot, lambda n: os.path.isfile(os.path.join(boot, n)))
    with open(cmdline_file, "w") as f:
        f.write(got["text"])
    got["root"] = pifirmware.root_of(got["text"])
    got["kernel_is"] = get(os.path.join(boot, got["kernel"])).split(b"\n")[0].decode()
    return got


def snapshot(folder):
    return {n: get(os.path.join(folder, n)) for n in sorted(os.listdir(folder))}


def publish_kernel(hub, tmp):
    """A release whose package brings kernel NEW (as linux-image does:
    /boot and /usr/lib/linux-image-NEW)."""
    key, pk = release_key(hub, tmp)
    files = {p: d.decode() for p, d in kernel_files(NEW).items()}
    deb = make_deb(tmp, "pb-update-probe", 4096, arch="all", files=files)
    hub.cli("release", "add", deb, "--key", key, "--version", VERSION, "--notes", "kernel")
    return pk


def kernel_box(boxes, hub, tmp, pk, folders=True, size=0):
    """An A/B box on a card() whose release is downloaded."""
    box, boot, a, b, cmdline = ab_box(boxes, hub, tmp, pk)
    card(boot, a, folders, size)
    rc, log = one_round(box)
    assert rc == 0, log
    return box, boot, a, b, cmdline


def test_release_kernel_boots_from_the_trial_slot_folder(boxes, hub, tmpdir_hub):
    """The release's kernel goes into slot-b/ and the tryboot loads it from
    there; the committed slot-a/ is untouched and still boots root A
    without the flag; the commit makes slot-b/ the one every boot loads,
    and rollback goes back to slot-a/ and its kernel."""
    box, boot, a, b, cmdline = kernel_box(boxes, hub, tmpdir_hub,
                                          publish_kernel(hub, tmpdir_hub))
    slot_a = snapshot(os.path.join(boot, "slot-a"))
    got = firmware(boot, False, cmdline)
    assert (got["root"], got["kernel"], got["kernel_is"]) == ("A", "slot-a/vmlinuz",
                                                              f"kernel {OLD}")
    box.start()
    try:
        out = box.pbctl("update", "apply", "--no-reboot").stdout
        assert f"kernel {NEW} of root B written into {boot}/slot-b/" in out, out
        assert f"release {VERSION} installed into root B" in out, out
        slot_b = os.path.join(boot, "slot-b")
        assert get(os.path.join(slot_b, "vmlinuz")) == get(os.path.join(b, f"boot/vmlinuz-{NEW}"))
        assert get(os.path.join(slot_b, "initrd.img")) == \
            get(os.path.join(b, f"boot/initrd.img-{NEW}"))
        assert sorted(os.listdir(slot_b)) == sorted(
            ["vmlinuz", "initrd.img", "cmdline-b.txt", pifirmware.DTB, "bcm2837-rpi-3-b.dtb"])
        assert "root=LABEL=PBROOTB" in open(os.path.join(slot_b, "cmdline-b.txt")).read()
        assert snapshot(os.path.join(boot, "slot-a")) == slot_a
        slot_txt = open(os.path.join(boot, "pb-slot.txt")).read()
        assert "[tryboot]\nos_prefix=slot-b/\nkernel=vmlinuz\n" in slot_txt, slot_txt
        # without the flag: root A and its own kernel; the tryboot: root B with
        # the release's kernel, initramfs and command line from slot-b/
        got = firmware(boot, False, cmdline)
        assert (got["root"], got["kernel"], got["kernel_is"]) == ("A", "slot-a/vmlinuz",
                                                                  f"kernel {OLD}")
        got = firmware(boot, True, cmdline)
        assert (got["root"], got["kernel"], got["initrd"], got["cmdline_file"],
                got["kernel_is"]) == ("B", "slot-b/vmlinuz", "slot-b/initrd.img",
                                      "slot-b/cmdline-b.txt", f"kernel {NEW}")
        rc, log = one_round(box)
        assert rc == 0, log
        out = box.pbctl("update", "commit", "--no-reboot").stdout
        assert "root B committed" in out, out
        for tryboot in (False, True):
            got = firmware(boot, tryboot, cmdline)
            assert (got["root"], got["kernel"], got["kernel_is"]) == ("B", "slot-b/vmlinuz",
                                                                      f"kernel {NEW}")
        assert "PBROOTB" in open(os.path.join(boot, "cmdline.txt")).read()
        # back by hand: slot-a/ and root A's kernel again
        assert "root A committed again" in box.pbctl("update", "rollback",
                                                     "--no-reboot").stdout
        got = firmware(boot, False, cmdline)
        assert (got["root"], got["kernel"], got["kernel_is"]) == ("A", "slot-a/vmlinuz",
                                                                  f"kernel {OLD}")
        assert snapshot(os.path.join(boot, "slot-a")) == slot_a
    finally:
        box.stop()


def test_power_cut_mid_kernel_copy_keeps_the_committed_slot(boxes, hub, tmpdir_hub):
    """The apply killed (a power cut) while it writes root B's kernel into
    slot-b/: slot-a/ and pb-slot.txt are as they were, every boot is root A
    with its kernel, slot-b/ holds no kernel (so nothing names it), and the
    next apply writes it whole."""
    box, boot, a, b, cmdline = kernel_box(boxes, hub, tmpdir_hub, publish(hub, tmpdir_hub),
                                          size=BIG_KERNEL)
    slot_a = snapshot(os.path.join(boot, "slot-a"))
    slot_txt = get(os.path.join(boot, "pb-slot.txt"))
    slot_b = os.path.join(boot, "slot-b")
    p = subprocess.Popen([binary("pbctl"), "-c", box.conf, "update", "apply", "--no-reboot"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    for _ in range(600000):
        if p.poll() is not None or (os.path.isdir(slot_b) and any(
                n.endswith(".tmp") and n.startswith((".vmlinuz", ".initrd.img"))
                for n in os.listdir(slot_b))):
            break
        time.sleep(0.0005)
    os.killpg(p.pid, signal.SIGKILL)
    out, err = p.communicate()
    assert p.returncode == -9 and "written into" not in out, (out, err)
    assert "vmlinuz" not in os.listdir(slot_b)               # no kernel: never named
    assert snapshot(os.path.join(boot, "slot-a")) == slot_a
    assert get(os.path.join(boot, "pb-slot.txt")) == slot_txt   # the trial not armed
    for tryboot in (False, True):
        got = firmware(boot, tryboot, cmdline)
        assert (got["root"], got["kernel"], got["kernel_is"]) == ("A", "slot-a/vmlinuz",
                                                                  f"kernel {OLD}")
    out = box.pbctl("update", "commit", "--no-reboot").stdout
    assert f"installing {VERSION} into root B did not finish" in out, out
    out = box.pbctl("update", "apply", "--no-reboot").stdout
    assert f"kernel {OLD} of root B written into" in out, out
    assert not [n for n in os.listdir(slot_b) if n.endswith(".tmp")]
    assert get(os.path.join(slot_b, "vmlinuz")) == get(os.path.join(a, f"boot/vmlinuz-{OLD}"))
    got = firmware(boot, True, cmdline)
    assert (got["root"], got["kernel"]) == ("B", "slot-b/vmlinuz")
    assert snapshot(os.path.join(boot, "slot-a")) == slot_a


def test_card_made_before_the_folders(boxes, hub, tmpdir_hub):
    """A card from before the folders (the kernel only at the top, pb-slot.txt
    without os_prefix, as older software wrote it): the committed root keeps
    booting the top kernel; the first apply of this software gives root B
    its folder and its tryboot loads it; after the commit, going back to
    root A boots the top kernel again, the one root A always had."""
    box, boot, a, b, cmdline = kernel_box(boxes, hub, tmpdir_hub,
                                          publish_kernel(hub, tmpdir_hub), folders=False)
    for tryboot in (False, True):
        got = firmware(boot, tryboot, cmdline)
        assert (got["root"], got["prefix"], got["kernel"]) == ("A", "", "vmlinuz")
    box.start()
    try:
        out = box.pbctl("update", "apply", "--no-reboot").stdout
        assert f"kernel {NEW} of root B written into" in out, out
        assert not os.path.exists(os.path.join(boot, "slot-a"))
        got = firmware(boot, False, cmdline)
        assert (got["root"], got["kernel"], get(os.path.join(boot, got["kernel"]))) == \
            ("A", "vmlinuz", TOP_KERNEL)
        got = firmware(boot, True, cmdline)
        assert (got["root"], got["kernel"], got["kernel_is"]) == ("B", "slot-b/vmlinuz",
                                                                  f"kernel {NEW}")
        rc, log = one_round(box)
        assert rc == 0, log
        assert "root B committed" in box.pbctl("update", "commit", "--no-reboot").stdout
        got = firmware(boot, False, cmdline)
        assert (got["root"], got["kernel"]) == ("B", "slot-b/vmlinuz")
        assert "root A committed again" in box.pbctl("update", "rollback",
                                                     "--no-reboot").stdout
        got = firmware(boot, False, cmdline)
        assert (got["root"], got["prefix"], got["kernel"]) == ("A", "", "vmlinuz")
        assert open(os.path.join(boot, "pb-slot.txt")).read() == PB_SLOT_FLAT
    finally:
        box.stop()


def test_root_without_a_kernel_is_not_tried_after_a_foldered_one(boxes, hub, tmpdir_hub):
    """A root with no kernel in /boot cannot be tried on a card whose
    committed root boots from its folder: its tryboot would load the
    committed root's kernel with the wrong modules. Apply refuses, the
    trial is not armed, and root B stays marked unfinished."""
    box, boot, a, b, cmdline = kernel_box(boxes, hub, tmpdir_hub, publish(hub, tmpdir_hub))
    for name in os.listdir(os.path.join(a, "boot")):
        os.unlink(os.path.join(a, "boot", name))
    p = box.pbctl("update", "apply", "--no-reboot", check=False)
    assert p.returncode == 1 and "holds no kernel" in p.stderr, p.stderr
    assert get(os.path.join(boot, "pb-slot.txt")).decode() == PB_SLOT_A
    assert os.path.exists(os.path.join(b, ".pb-rootcopy.unfinished"))
    for tryboot in (False, True):
        assert firmware(boot, tryboot, cmdline)["root"] == "A"
