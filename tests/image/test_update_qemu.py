"""A software update of the built image, end to end under
qemu-system-aarch64 (docs/updates.md): a release published and signed on
a real pb-hub is put on the card's data partition as pb-sync leaves it
(update/release.json and the .deb), `pbctl update apply` runs on the
booted box (root A), copies root A into root B, installs the .deb there
with dpkg and reboots with the one-shot tryboot flag; the new root B
boots, pb-update-commit.service commits it, and the next cold boot stays
on root B.

The Pi's boot firmware cannot run under qemu's virt machine, so the test
plays its part (tests/pifirmware.py) from the files the firmware reads on
the card's FAT partition, read with mtools without mounting: autoboot.txt
(tryboot_a_b=1), config.txt with its `include pb-slot.txt`, and the
cmdline file they name; its root=LABEL= goes into qemu's -append. The
tryboot flag is what the box asked for when it rebooted: the kernel's
"Restarting system with command '0 tryboot'" on the serial console (qemu
runs with -no-reboot, so a reboot ends the process and the test starts
the next boot). The flag counts for that one start only.

What pbctl prints on the box reaches the test through a test-only unit
added to the card's root A (the image as built has none): it reports the
mounts, the probe package's file and `pbctl update status`, and runs
`pbctl update apply` once when the test left a flag file on the data
partition."""
import json
import os
import re
import subprocess
import time

import pytest

from imagetools import (DATA, ROOT_A, ROOT_B, debugfs, ext4_stat, ext4_stats,
                        firmware_cmdline, mtype)
from pbhub import make_deb
from test_boot import BOOT_TIMEOUT_S, cards

VERSION = "99.1.0"            # newer than any build of this tree
PROBE = "pb-update-probe"     # the release's package (a small file of random bytes)
COMMIT_WAIT_S = 180           # [update] commit_wait_s: room for pb-web under emulation
APPLY_TIMEOUT_S = 1800        # copying the running root into the other, emulated
DRIVER_UNIT = r"""[Unit]
Description=Update test driver (test-only)
After=pb-update-commit.service pb-web.service pb-firstboot.service pb-grow-data.service

[Service]
Type=oneshot
StandardOutput=journal+console
ExecStart=/bin/sh -c 'echo "PBU root=$(findmnt -no SOURCE,OPTIONS / | tr " " ",")"; \
 echo "PBU cmdline=$(cat /proc/cmdline)"; \
 echo "PBU roota=$(findmnt -no SOURCE,OPTIONS /run/pb-root/a | tr " " ",")"; \
 echo "PBU rootb=$(findmnt -no SOURCE,OPTIONS /run/pb-root/b | tr " " ",")"; \
 echo "PBU probe=$(dpkg-query -W pb-update-probe 2>/dev/null | cut -f2)"; \
 echo "PBU commit=$(systemctl show -p ActiveState,Result pb-update-commit.service | tr "\n" " ")"; \
 journalctl -b -u pb-update-commit -o cat --no-pager | sed "s/^/PBLOG commit: /"; \
 pbctl -c /etc/pusat-belajar/box.conf update status 2>&1 | sed "s/^/PBSTATUS /"; \
 if [ -e /var/lib/pb/system/test-apply ]; then rm -f /var/lib/pb/system/test-apply; sync; \
  echo PBU-APPLY; \
  pbctl -c /etc/pusat-belajar/box.conf update apply 2>&1 | sed "s/^/PBAPPLY /"; fi; \
 echo PBU-END'

[Install]
WantedBy=multi-user.target
"""


def publish(hub, card, version, name):
    """A release as the hub signs it: (public key, release.json text, .deb)."""
    key = os.path.join(card.tmp, "release.key")
    pk = hub.cli("release", "key", key).stdout.strip()
    folder = os.path.join(card.tmp, version)
    os.makedirs(folder)
    deb = make_deb(folder, name, 4096, version=version, arch="all")
    hub.cli("release", "add", deb, "--key", key, "--version", version, "--notes", "uji qemu")
    doc = hub.sql("SELECT json_build_object('manifest', manifest, 'signature', signature) "
                  f"FROM releases WHERE version = '{version}'")
    assert json.loads(doc)["signature"], doc
    return pk, doc, deb


def debugfs_ok(img, part, cmds):
    for cmd in cmds:
        out, err = debugfs(img, part, cmd, write=True)
        assert "rror" not in err, (cmd, err)


def put_release(card, doc, deb):
    """DATA/update as pb-sync leaves it once a release is verified, and the
    flag for the driver unit to run pbctl update apply once."""
    rel = os.path.join(card.tmp, "release.json")
    with open(rel, "w") as f:
        f.write(doc)
    gid = ext4_stat(card.img, DATA, "/")["gid"]
    uid = ext4_stat(card.img, DATA, "/")["uid"]
    flag = os.path.join(card.tmp, "test-apply")
    open(flag, "w").close()
    name = os.path.basename(deb)
    cmds = ["mkdir /update", f"write {rel} /update/release.json",
            f"write {deb} /update/{name}", f"write {flag} /system/test-apply"]
    for path in ("/update", "/update/release.json", f"/update/{name}"):
        cmds += [f"set_inode_field {path} uid {uid}", f"set_inode_field {path} gid {gid}"]
    debugfs_ok(card.img, DATA, cmds)


def add_driver_unit(card):
    unit = os.path.join(card.tmp, "pb-test-update.service")
    with open(unit, "w") as f:
        f.write(DRIVER_UNIT)
    os.chmod(unit, 0o644)
    debugfs_ok(card.img, ROOT_A, [
        f"write {unit} /etc/systemd/system/pb-test-update.service",
        "symlink /etc/systemd/system/multi-user.target.wants/pb-test-update.service "
        "/etc/systemd/system/pb-test-update.service"])


def wait_console(card, marker, timeout):
    end = time.time() + timeout
    while time.time() < end:
        text = card.console_text()
        if marker in text:
            return text
        if card.proc.poll() is not None:
            raise card.exited()
        time.sleep(1)
    raise AssertionError(f"no {marker} on the console:\n" + card.console_text()[-4000:])


def report(text):
    rep = dict(re.findall(r"PBU (\w+)=(.*?)\r?$", text, re.M))
    rep["status"] = "\n".join(re.findall(r"PBSTATUS (.*?)\r?$", text, re.M))
    rep["commitlog"] = "\n".join(re.findall(r"PBLOG commit: (.*?)\r?$", text, re.M))
    rep["apply"] = "\n".join(re.findall(r"PBAPPLY (.*?)\r?$", text, re.M))
    return rep


def wait_exit(card, timeout):
    try:
        card.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        card.kill()
        raise AssertionError("the box did not reboot:\n" + card.console_text()[-4000:])


def assert_b_committed(card):
    """The boot files name root B with and without the tryboot flag."""
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-b.txt"
    assert firmware_cmdline(card.img, tryboot=True)[0] == "cmdline-b.txt"
    assert "root=LABEL=PBROOTB" in mtype(card.img, "cmdline.txt").split()


def cold_boot_on_b(card):
    """A boot without the flag: root B with the first release serves."""
    card.boot()
    health = card.healthz()
    assert health["status"] == "ok", health
    rep = report(wait_console(card, "PBU-END", BOOT_TIMEOUT_S))
    assert rep["root"].startswith("/dev/vda3,ro"), rep
    assert rep["probe"] == VERSION, rep
    return rep


@pytest.fixture(scope="module")
def card():
    yield from cards("pb-update")


def test_update_boots_new_root_commits_and_stays(card, hub):
    t0 = time.time()
    pk, doc, deb = publish(hub, card, VERSION, PROBE)
    card.add_conf(f"\n[update]\nrelease_key = {pk}\ncommit_wait_s = {COMMIT_WAIT_S}\n")
    put_release(card, doc, deb)
    add_driver_unit(card)
    root_a_before = ext4_stats(card.img, ROOT_A)

    # boot 1, root A: the firmware (no flag) starts root A; apply, then
    # the reboot asks for the one-shot tryboot
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-a.txt"
    card.boot()
    text = wait_console(card, "PBU-APPLY", BOOT_TIMEOUT_S)
    rep = report(text)
    assert rep["root"].startswith("/dev/vda2,ro"), rep
    assert "root=LABEL=PBROOTA" in rep["cmdline"].split(), rep
    assert rep["roota"].startswith("/dev/vda2,ro") and rep["rootb"].startswith("/dev/vda3,ro"), rep
    assert rep["probe"] == ""                      # not installed in root A
    assert "booted:     root A" in rep["status"] and "committed:  root A" in rep["status"], \
        rep["status"]
    wait_exit(card, APPLY_TIMEOUT_S)
    text = card.console_text()
    apply_out = report(text)["apply"]
    assert f"release {VERSION} installed into root B" in apply_out, text[-4000:]
    assert re.search(r"Restarting system with command '0 tryboot'", text), text[-3000:]
    print(f"boot 1 and apply: {time.time() - t0:.0f}s")
    # the running root was never written; the files name B for the tryboot only
    root_a_after = ext4_stats(card.img, ROOT_A)
    for k in ["Last write time", "Filesystem state"]:
        assert root_a_after[k] == root_a_before[k], (k, root_a_before[k], root_a_after[k])
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-a.txt"
    assert firmware_cmdline(card.img, tryboot=True)[0] == "cmdline-b.txt"
    assert "Inode:" in debugfs(card.img, ROOT_B, f"stat /usr/share/{PROBE}/blob")[0]
    assert "Inode:" not in debugfs(card.img, ROOT_A, f"stat /usr/share/{PROBE}/blob")[0]

    # boot 2, the tryboot: root B, on trial, commits itself
    card.boot(tryboot=True)
    health = card.healthz()
    assert health["status"] == "ok", health
    rep = report(wait_console(card, "PBU-END", BOOT_TIMEOUT_S + COMMIT_WAIT_S))
    assert rep["root"].startswith("/dev/vda3,ro"), rep
    assert "root=LABEL=PBROOTB" in rep["cmdline"].split(), rep
    assert rep["probe"] == VERSION, rep
    assert "Result=success" in rep["commit"], rep
    assert "root B committed" in rep["commitlog"], rep["commitlog"]
    assert "booted:     root B" in rep["status"] and "committed:  root B" in rep["status"], \
        rep["status"]
    card.poweroff()
    print(f"boot 2 (tryboot, commit): {time.time() - t0:.0f}s")
    # committed: without the flag (every later boot) the firmware picks B
    assert_b_committed(card)

    # boot 3, a cold start: root B again, nothing on trial
    rep = cold_boot_on_b(card)
    assert "root B is committed: nothing on trial" in rep["commitlog"], rep["commitlog"]
    assert rep["apply"] == ""
    card.poweroff()
    print(f"update end to end, three boots: {time.time() - t0:.0f}s")

