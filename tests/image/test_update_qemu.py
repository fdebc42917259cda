"""Software updates of the built image, end to end under
qemu-system-aarch64 (docs/updates.md), in one chain of boots on one copy
of the card (every boot costs about a minute of CPU):

1. The admin installs release 99.1.0 (put on the card's data partition as
   pb-sync leaves it: update/release.json and the .deb, signed on a real
   pb-hub) the way the admin's page does: logged in over HTTP through the
   loopback forward, with the CSRF token, POST
   /api/v1/admin/update/apply answers 202; pb-web's request file starts
   pb-update-apply.service through pb-update-apply.path (systemd is PID 1
   in the emulated box), which removes the request and runs `pbctl update
   apply`: root A is copied into root B, the .deb installed there with
   dpkg, and the box reboots with the one-shot tryboot flag; root B boots,
   pb-update-commit.service commits it and removes the downloaded release;
   the next cold boot stays on root B.
2. On that cold boot root B applies release 99.2.0 into root A. Its
   package ships a unit that never ends and a drop-in ordering
   pb-update-commit after it (a stuck data move): on root A the boot hangs
   before the check. Nothing but the boot deadline brings it back:
   pb-update-deadline.timer (lowered to TEST_DEADLINE by a drop-in the
   same release ships) finds root A still on trial and reboots it; the
   next boot, without the flag, is root B again, serving, whose commit
   step ends the trial, with update.state failed and update.error naming
   99.2.0, also as the admin's page reads them.
3. On that boot root B applies release 99.3.0 and the power is cut (qemu
   killed) in the middle of the copy into root A: root B holds a folder of
   BULK_FILES files root A lacks (written into it with debugfs while the
   card is off: a system that changed much since root A was written), and
   the driver unit says on the console once root A is marked unfinished
   and holds some of them but not all; qemu is killed then, before the
   copy's end is printed. Root A keeps the mark on the card. The next boot
   is root B, serving, with the data partition whole (the database's
   quick_check, the count of boots kept on it, the downloaded release),
   the cut on record (its commit step, `pbctl update status`) and root A,
   as the box mounts it for apply, still marked; it powers off and root A
   is as the cut left it. That an apply finding the mark writes every file
   again and runs to the end is proven outside the emulator
   (tests/sync/test_update_delta.py, test_update_ab.py); a whole root
   written on the emulated card is case 1's copy into the empty root B.

The Pi's boot firmware cannot run under qemu's virt machine, so the test
plays its part (tests/pifirmware.py) from the files the firmware reads on
the card's FAT partition, read with mtools without mounting: autoboot.txt
(tryboot_a_b=1), config.txt with its `include pb-slot.txt`, and the
cmdline file they name; its root=LABEL= goes into qemu's -append. The
kernel and initrd qemu gets (-kernel, -initrd) are those the firmware
loads under os_prefix: the folder of the root it starts (slot-a/,
slot-b/), which apply fills from the new root's /boot. The release here
carries the same kernel build as root A, so the test checks which file
qemu was given and that slot-b/ holds root B's own kernel. The
tryboot flag is what the box asked for when it rebooted: the kernel's
"Restarting system with command '0 tryboot'" on the serial console (qemu
runs with -no-reboot, so a reboot ends the process and the test starts
the next boot). The flag counts for that one start only.

What pbctl prints on the box reaches the test through a test-only unit
added to the card's root A with its script, update-driver.sh (the image
as built has neither; apply copies them into root B with the rest): it reports the mounts, the release packages
installed, the data partition and `pbctl update status`. On the first
boot it makes the admin's account and sets the two box_meta keys pb-sync
writes once a release is whole (this box has no hub to fetch from), then
waits for pb-update-apply.service to start and reports the request
folder, the units' states and the service's journal. For the later
cases it runs `pbctl update apply` itself while the count in a flag file
the test leaves on the data partition lasts (one apply per boot; counted
down before it runs, so an apply cut by the power does not run again on
the next boot). It also says whether each root carries the mark of an
unfinished copy."""
import json
import os
import re
import shutil
import subprocess
import time

import pytest

from imagetools import (DATA, ROOT_A, ROOT_B, SECTOR, debugfs,
                        ext4_stat, ext4_stats, firmware_choice, firmware_cmdline, mget, mtype,
                        offset, partitions)
from pbhub import make_deb
from test_boot import BOOT_TIMEOUT_S, MOUNTS_PATH, MOUNTS_SCRIPT, SECRETS, BoxApi, cards

VERSION = "99.1.0"            # newer than any build of this tree
PROBE = "pb-update-probe"     # the release's package (a small file of random bytes)
BAD = "99.2.0"                # a release whose new root hangs before its check
BAD_PKG = "pb-web-tuning"     # its package: a unit the check waits for, never ending
HANG_UNIT = """[Unit]
Description=pb-web-tuning: move the settings (never ends)

[Service]
Type=oneshot
StandardOutput=journal+console
ExecStart=/bin/sh -c 'echo PBU-HANG; exec sleep infinity'
"""
HANG_DROPIN = "[Unit]\nWants=pb-web-tuning-move.service\nAfter=pb-web-tuning-move.service\n"
TEST_DEADLINE = "90s"         # the trial's boot deadline for that root (the image's: 15min);
                              # longer than the boot to the hang (42-60 s quiet, printed);
                              # should the deadline come first, the test passes as well
                              # (an unchecked trial either way) and prints which came
DEADLINE_DROPIN = f"[Timer]\nOnBootSec=\nOnBootSec={TEST_DEADLINE}\n"
GOOD = "99.3.0"               # the release whose apply the power cut stops
COMMIT_WAIT_S = 180           # [update] commit_wait_s: room for pb-web under emulation
DEADLINE_WAIT_S = 90 + 2 * BOOT_TIMEOUT_S   # the deadline, a boot and a reboot, emulated
APPLY_TIMEOUT_S = 1800        # copying the running root into the other, emulated
BULK_FILES = 3000             # files root A lacks: a copy long enough to be cut in
BULK_LEN = 16 * 1024          # bytes of each (48 MiB in all, room on both roots)
BULK_DIR = "/opt/pb-bulk"
MARK = "/.pb-rootcopy.unfinished"  # firmware/ctl/rootcopy.c: root being written
DRIVER_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "update-driver.sh")
DRIVER_PATH = "/usr/local/lib/pb-test-update.sh"
DRIVER_UNIT = f"""[Unit]
Description=Update test driver (test-only)
After=pb-update-commit.service pb-web.service pb-firstboot.service pb-grow-data.service

[Service]
Type=oneshot
StandardOutput=journal+console
ExecStart=/bin/sh {DRIVER_PATH}

[Install]
WantedBy=multi-user.target
"""


def publish(hub, card, version, name, files=None):
    """A release as the hub signs it: (public key, release.json text, .deb)."""
    key = os.path.join(card.tmp, "release.key")
    pk = hub.cli("release", "key", key).stdout.strip()
    folder = os.path.join(card.tmp, version)
    os.makedirs(folder)
    deb = make_deb(folder, name, 4096, version=version, arch="all", files=files)
    hub.cli("release", "add", deb, "--key", key, "--version", version, "--notes", "uji qemu")
    doc = hub.sql("SELECT json_build_object('manifest', manifest, 'signature', signature) "
                  f"FROM releases WHERE version = '{version}'")
    assert json.loads(doc)["signature"], doc
    return pk, doc, deb


def debugfs_ok(img, part, cmds):
    for cmd in cmds:
        out, err = debugfs(img, part, cmd, write=True)
        assert "rror" not in err, (cmd, err)


def update_files(card):
    """The names in DATA/update, read from the powered-off card."""
    out, err = debugfs(card.img, DATA, "ls -l /update")
    return sorted(line.split()[-1] for line in out.splitlines()
                  if line.split() and line.split()[-1] not in (".", ".."))


def put_release(card, doc, deb, applies=1):
    """DATA/update as pb-sync leaves it once a release is verified (the
    files of an older one removed), and the count of applies for the
    driver unit."""
    rel = os.path.join(card.tmp, "release.json")
    with open(rel, "w") as f:
        f.write(doc)
    gid = ext4_stat(card.img, DATA, "/")["gid"]
    uid = ext4_stat(card.img, DATA, "/")["uid"]
    flag = os.path.join(card.tmp, "test-apply")
    with open(flag, "w") as f:
        f.write(f"{applies}\n")
    name = os.path.basename(deb)
    old = update_files(card) if ext4_stat(card.img, DATA, "/update") else None
    cmds = ["mkdir /update"] if old is None else [f"rm /update/{n}" for n in old]
    cmds += [f"write {rel} /update/release.json", f"write {deb} /update/{name}",
             "rm /system/test-apply"] + ([f"write {flag} /system/test-apply"] if applies else [])
    for path in ("/update", "/update/release.json", f"/update/{name}"):
        cmds += [f"set_inode_field {path} uid {uid}", f"set_inode_field {path} gid {gid}"]
    for cmd in cmds:
        out, err = debugfs(card.img, DATA, cmd, write=True)
        assert "rror" not in err or cmd == "rm /system/test-apply", (cmd, err)


def ask_admin_route(card, version):
    """For the driver on the next boot: an admin account (as the admin's
    page or a provisioning bundle makes one) and box_meta saying the
    release is verified and ready, the two keys pb-sync writes once the
    files above are whole (pb-sync cannot reach a hub from here)."""
    pw = os.path.join(card.tmp, "test-admin")
    with open(pw, "w") as f:
        f.write(SECRETS["password"] + "\n")
    sql = os.path.join(card.tmp, "test-ready.sql")
    with open(sql, "w") as f:
        f.write(".timeout 30000\nINSERT INTO box_meta(key, value) VALUES "
                f"('update.available', '{version}'), ('update.state', 'ready'), "
                "('update.error', '') ON CONFLICT(key) DO UPDATE SET value = excluded.value;\n")
    debugfs_ok(card.img, DATA, [f"write {pw} /system/test-admin",
                                f"write {sql} /system/test-ready.sql"])


def add_driver_unit(card):
    unit = os.path.join(card.tmp, "pb-test-update.service")
    with open(unit, "w") as f:
        f.write(DRIVER_UNIT)
    os.chmod(unit, 0o644)
    debugfs_ok(card.img, ROOT_A, [
        f"write {MOUNTS_SCRIPT} {MOUNTS_PATH}", f"write {DRIVER_SCRIPT} {DRIVER_PATH}",
        f"write {unit} /etc/systemd/system/pb-test-update.service",
        "symlink /etc/systemd/system/multi-user.target.wants/pb-test-update.service "
        "/etc/systemd/system/pb-test-update.service"])


def wait_console(card, marker, timeout, every=1):
    end = time.time() + timeout
    while time.time() < end:
        text = card.console_text()
        if marker in text:
            return text
        if card.proc.poll() is not None:
            raise card.exited()
        time.sleep(every)
    raise AssertionError(f"no {marker} on the console:\n" + card.console_text()[-4000:])


def bulk_bytes(i):
    return f"{i:05d}".encode() * (BULK_LEN // 5) + b"\n" * (BULK_LEN % 5)


def add_bulk(card, part):
    """BULK_FILES files under BULK_DIR of the powered-off card's root part,
    in one run of debugfs."""
    folder = os.path.join(card.tmp, "bulk")
    os.makedirs(folder)
    cmds = [f"mkdir {BULK_DIR}"]
    for i in range(BULK_FILES):
        local = os.path.join(folder, f"f{i:05d}")
        with open(local, "wb") as f:
            f.write(bulk_bytes(i))
        cmds.append(f"write {local} {BULK_DIR}/f{i:05d}")
    script = os.path.join(card.tmp, "bulk.debugfs")
    with open(script, "w") as f:
        f.write("\n".join(cmds) + "\n")
    p = subprocess.run(["debugfs", "-w", "-f", script, f"{card.img}?offset={offset(card.img, part)}"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0 and "rror" not in p.stderr, p.stderr[-2000:]
    shutil.rmtree(folder)
    assert len(bulk_names(card, part)) == BULK_FILES


def bulk_names(card, part):
    out, err = debugfs(card.img, part, f"ls {BULK_DIR}")
    return [n for n in out.split() if re.fullmatch(r"f\d{5}", n)]


def after_replay(card, part, cmds):
    """debugfs's answers to cmds on a copy of partition part whose journal
    was replayed, as the kernel does when it mounts it (debugfs alone reads
    only the blocks the journal was written back to; the card itself is
    left for the box)."""
    p = partitions(card.img)["partitions"][part - 1]
    copy = os.path.join(card.tmp, "replayed.part")
    subprocess.run(["dd", f"if={card.img}", f"of={copy}", "bs=4M", "status=none",
                    "iflag=skip_bytes,count_bytes", "conv=sparse",
                    f"skip={p['start'] * SECTOR}", f"count={p['size'] * SECTOR}"], check=True)
    try:
        r = subprocess.run(["e2fsck", "-y", "-E", "journal_only", copy], capture_output=True,
                           text=True, timeout=600)
        assert r.returncode in (0, 1), r.stdout + r.stderr
        return [subprocess.run(["debugfs", "-R", cmd, copy], capture_output=True, text=True,
                               timeout=300).stdout for cmd in cmds]
    finally:
        os.unlink(copy)


def marked_bulk(card):
    """Root A on the powered-off card (its journal replayed) carries the
    mark of an unfinished copy: how many files of BULK_DIR it holds."""
    mark, bulk = after_replay(card, ROOT_A, [f"stat {MARK}", f"ls {BULK_DIR}"])
    assert "Inode:" in mark, mark
    return len(re.findall(r"\bf\d{5}\b", bulk))


def report(text):
    rep = dict(re.findall(r"PBU (\w+)=(.*?)\r?$", text, re.M))
    rep["status"] = "\n".join(re.findall(r"PBSTATUS (.*?)\r?$", text, re.M))
    rep["commitlog"] = "\n".join(re.findall(r"PBLOG commit: (.*?)\r?$", text, re.M))
    rep["apply"] = "\n".join(re.findall(r"PBAPPLY (.*?)\r?$", text, re.M))
    rep["applyjournal"] = "\n".join(re.findall(r"PBJ (.*?)\r?$", text, re.M))
    return rep


def wait_exit(card, timeout):
    try:
        card.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        card.kill()
        raise AssertionError("the box did not reboot:\n" + card.console_text()[-4000:])


def assert_committed(card, slot):
    """The boot files name root slot, and its kernel, with and without the
    tryboot flag."""
    name = f"cmdline-{slot.lower()}.txt"
    for tryboot in (False, True):
        got = firmware_choice(card.img, tryboot)
        assert (got["cmdline"], got["kernel"]) == (name, f"slot-{slot.lower()}/vmlinuz"), got
    assert f"root=LABEL=PBROOT{slot}" in mtype(card.img, "cmdline.txt").split()


def same_kernel_in_slot(card, part, slot):
    """slot-SLOT/vmlinuz and initrd.img on the FAT are the root's own
    /boot/vmlinuz-VERSION and initrd.img-VERSION."""
    out, _ = debugfs(card.img, part, "ls -p /boot")
    kernel = re.search(r"/(vmlinuz-[^/]+)/", out).group(1)
    version = kernel[len("vmlinuz-"):]
    for in_slot, in_root in (("vmlinuz", kernel), ("initrd.img", f"initrd.img-{version}")):
        mine, theirs = (os.path.join(card.tmp, n) for n in ("slot-file", "root-file"))
        mget(card.img, f"slot-{slot}/{in_slot}", mine)
        debugfs(card.img, part, f"dump /boot/{in_root} {theirs}")
        with open(mine, "rb") as f, open(theirs, "rb") as g:
            assert f.read() == g.read(), in_slot


def cold_boot_on_b(card, until="PBU-END"):
    """A boot without the flag: root B with the first release serves (the
    report until the driver ends, or starts an apply)."""
    card.boot()
    health = card.healthz()
    assert health["status"] == "ok", health
    rep = report(wait_console(card, until, BOOT_TIMEOUT_S))
    assert rep["root"].startswith("/dev/vda3,ro"), rep
    assert rep["probe"] == VERSION and rep["tuning"] == "", rep
    assert rep["dbcheck"] == "ok", rep
    return rep


def applied(card, version, target, t0, what):
    """Wait for the apply the driver runs to reboot the box asking for the
    tryboot of target."""
    wait_exit(card, APPLY_TIMEOUT_S)
    text = card.console_text()
    assert f"release {version} installed into root {target}" in report(text)["apply"], \
        text[-4000:]
    assert re.search(r"Restarting system with command '0 tryboot'", text), text[-3000:]
    copied = re.search(r"root copied: .*?\r?$", report(text)["apply"], re.M)
    print(f"{what}: {time.time() - t0:.0f}s ({copied.group(0) if copied else 'no copy'})")


@pytest.fixture(scope="module")
def card():
    made = cards("pb-update")
    c = next(made)
    c.stage = 0               # how far the chain of boots got
    yield c
    next(made, None)


def test_update_boots_new_root_commits_and_stays(card, hub):
    t0 = time.time()
    pk, doc, deb = publish(hub, card, VERSION, PROBE)
    card.add_conf(f"\n[update]\nrelease_key = {pk}\ncommit_wait_s = {COMMIT_WAIT_S}\n")
    put_release(card, doc, deb, applies=0)      # the admin asks, over HTTP
    ask_admin_route(card, VERSION)
    add_driver_unit(card)
    root_a_before = ext4_stats(card.img, ROOT_A)

    # boot 1, root A: the firmware (no flag) starts root A; the admin
    # presses "Pasang sekarang": pb-web writes the request, the path unit
    # starts pb-update-apply.service (systemd is PID 1 here), which runs
    # the apply; the reboot then asks for the one-shot tryboot
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-a.txt"
    card.boot()
    assert card.firmware["kernel"] == "slot-a/vmlinuz", card.firmware
    text = wait_console(card, "PBU-READY", BOOT_TIMEOUT_S)
    rep = report(text)
    assert rep["root"].startswith("/dev/vda2,ro"), rep
    assert "root=LABEL=PBROOTA" in rep["cmdline"].split(), rep
    assert rep["roota"].startswith("/dev/vda2,ro") and rep["rootb"].startswith("/dev/vda3,ro"), rep
    assert rep["probe"] == ""                      # not installed in root A
    assert rep["marka"] == "whole" and rep["markb"] == "whole", rep
    assert "booted:     root A" in rep["status"] and "committed:  root A" in rep["status"], \
        rep["status"]
    assert "account created" in rep["admin"], rep["admin"]
    # what brings a hung root back: a panic reboots (panic= on the command
    # line), systemd read the hardware watchdog's setting (the virt machine
    # has no watchdog device: test_image.py checks the image carries it),
    # the boot deadline's timer waits
    assert int(rep["panic"]) > 0, rep
    assert rep["watchdog"] == "15s", rep
    assert "ActiveState=active SubState=waiting" in rep["deadline"], rep
    api = BoxApi(card)
    adi = api.login("adi")
    sw = api.req("GET", "/api/v1/admin/sync", adi).json()["software"]
    assert sw["state"] == "ready" and sw["available"] == VERSION, sw
    assert sw["apply_requested"] is False, sw
    r = api.req("POST", "/api/v1/admin/update/apply", adi, json={})
    assert r.status_code == 403 and r.json()["error"] == "csrf", r.text   # no token, no install
    r = api.req("POST", "/api/v1/admin/update/apply", adi, adi.csrf, json={})
    assert r.status_code == 202, r.text
    assert r.json() == {"requested": True, "version": VERSION}
    # the path unit took the request: the service removed it and runs apply
    rep = report(wait_console(card, "PBU-TAKEN", APPLY_TIMEOUT_S))
    assert rep["request"].strip() == "", rep          # /run/pb-update holds no request
    assert "ActiveState=active" in rep["applypath"], rep
    assert "ActiveState=activating" in rep["applyunit"], rep
    journal = rep["applyjournal"]
    assert "Pusat Belajar software install requested from the admin page" in journal, journal
    assert f"installing release {VERSION} into root B" in journal, journal
    wait_exit(card, APPLY_TIMEOUT_S)
    text = card.console_text()
    assert "PBU-APPLY" not in text                 # the test's own apply did not run
    assert re.search(r"Restarting system with command '0 tryboot'", text), text[-3000:]
    print(f"boot 1 and apply asked by the admin: {time.time() - t0:.0f}s")
    # the running root was never written; the files name B for the tryboot only
    root_a_after = ext4_stats(card.img, ROOT_A)
    for k in ["Last write time", "Filesystem state"]:
        assert root_a_after[k] == root_a_before[k], (k, root_a_before[k], root_a_after[k])
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-a.txt"
    assert firmware_cmdline(card.img, tryboot=True)[0] == "cmdline-b.txt"
    assert "Inode:" in debugfs(card.img, ROOT_B, f"stat /usr/share/{PROBE}/blob")[0]
    assert "Inode:" not in debugfs(card.img, ROOT_A, f"stat /usr/share/{PROBE}/blob")[0]
    # root B's own kernel (here the same build as A's) went into slot-b/
    same_kernel_in_slot(card, ROOT_B, "b")

    # boot 2, the tryboot: root B, on trial, commits itself, started by
    # the firmware with the kernel, initrd and command line of slot-b/
    card.boot(tryboot=True)
    assert (card.firmware["kernel"], card.firmware["initrd"], card.firmware["cmdline_file"]) \
        == ("slot-b/vmlinuz", "slot-b/initrd.img", "slot-b/cmdline-b.txt"), card.firmware
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
    # committed: without the flag (every later boot) the firmware picks B;
    # the downloaded release is gone from the data partition
    assert_committed(card, "B")
    assert update_files(card) == []
    card.stage = 1


def test_update_that_hangs_before_its_check_returns_by_itself(card, hub):
    """Boot 3 (cold: root B stays) applies into root A a release whose
    package ships a unit the check is ordered after and that never ends
    (its boot hangs before pb-update-commit can run); boot 4 (its tryboot)
    waits for nothing: the boot deadline (pb-update-deadline.timer, lowered
    for that root by a drop-in the release ships) reboots it, and the spent
    one-shot flag leaves boot 5 to root B, serving, which says which
    release failed."""
    assert card.stage == 1, "the first update did not finish"
    t0 = time.time()
    pk, doc, deb = publish(hub, card, BAD, BAD_PKG, files={
        "lib/systemd/system/pb-web-tuning-move.service": HANG_UNIT,
        "lib/systemd/system/pb-update-commit.service.d/50-tuning.conf": HANG_DROPIN,
        "lib/systemd/system/pb-update-deadline.timer.d/50-test.conf": DEADLINE_DROPIN})
    put_release(card, doc, deb)

    # boot 3, a cold start: root B again, nothing on trial; it applies
    rep = cold_boot_on_b(card, "PBU-APPLY")
    assert "root B is committed: nothing on trial" in rep["commitlog"], rep["commitlog"]
    applied(card, BAD, "A", t0, "boot 3 (cold on B) and apply into A")
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-b.txt"
    assert firmware_cmdline(card.img, tryboot=True)[0] == "cmdline-a.txt"

    # boot 4, the tryboot: root A with the release; its check never
    # starts, and the deadline reboots it without the flag
    card.boot(tryboot=True)
    assert card.firmware["kernel"] == "slot-a/vmlinuz", card.firmware
    assert "root=LABEL=PBROOTA" in card.cmdline.split()
    hang_s, end = None, time.time() + DEADLINE_WAIT_S
    while card.proc.poll() is None and time.time() < end:
        if hang_s is None and "PBU-HANG" in card.console_text():
            hang_s = time.time() - card.t0     # how much room the deadline left
        time.sleep(1)
    wait_exit(card, max(1, end - time.time()))
    text = card.console_text()
    assert "pb-update-deadline: PBROOTA runs on trial and was not committed by its " \
           "deadline: rebooting into PBROOTB" in text, text[-3000:]
    assert "PBU-END" not in text and "root A committed" not in text, text[-3000:]
    assert re.search(r"reboot: Restarting system\r?$", text, re.M), text[-3000:]
    assert "with command '0 tryboot'" not in text
    hung = "the deadline came first" if "PBU-HANG" not in text else \
        "the unit hung" + (f" {hang_s:.0f}s after power-on" if hang_s else "")
    print(f"boot 4 (tryboot of A, no check: {hung}): {time.time() - t0:.0f}s")
    # the trial is still armed on the card, but the flag is spent: root B
    assert firmware_cmdline(card.img, tryboot=False)[0] == "cmdline-b.txt"

    # boot 5: root B, serving; its commit step ends the trial and puts the
    # failure on record, naming the release, where the admin's page reads it
    rep = cold_boot_on_b(card)
    words = f"{BAD} on root A did not reach its checks (it hung, was reset or lost power " \
            "first): back on root B"
    assert words in rep["commitlog"], rep["commitlog"]
    assert f"error:      {words}" in rep["status"], rep["status"]
    assert f"release:    {BAD} failed" in rep["status"], rep["status"]
    api = BoxApi(card)
    adi = api.login("adi")
    sw = api.req("GET", "/api/v1/admin/sync", adi).json()["software"]
    assert sw["state"] == "failed" and sw["error"] == words, sw
    card.poweroff()
    assert_committed(card, "B")
    print(f"boot 5 (back on B): {time.time() - t0:.0f}s")
    card.stage = 2


def test_power_cut_mid_install_keeps_the_old_root(card, hub):
    """Boot 6 (root B) applies a newer release into root A and the power
    goes mid-copy; boot 7 is root B, serving, its data whole, the cut on
    record and root A still marked for the next apply (which writes every
    file of it again: tests/sync/test_update_delta.py proves that part)."""
    assert card.stage == 2, "the failed update did not finish"
    t0 = time.time()
    pk, doc, deb = publish(hub, card, GOOD, PROBE)
    put_release(card, doc, deb)
    assert update_files(card) == sorted(["release.json", os.path.basename(deb)])
    # root B differs from root A in many files, and the driver says when
    # the copy into root A is under way
    add_bulk(card, ROOT_B)
    flag = os.path.join(card.tmp, "test-cut")
    with open(flag, "w") as f:
        f.write("a\n")
    debugfs_ok(card.img, DATA, [f"write {flag} /system/test-cut"])

    # boot 6: the apply marks root A and starts writing the folder; then the cut
    rep = cold_boot_on_b(card, "PBU-APPLY")
    assert rep["marka"] == "whole" and rep["markb"] == "whole", rep
    wait_console(card, "PBU-MIDCOPY", APPLY_TIMEOUT_S, every=0.1)
    card.kill()
    text = card.console_text()
    seen = int(re.search(r"PBU-MIDCOPY root a marked, bulk files=(\d+)", text).group(1))
    assert 0 < seen < BULK_FILES, seen
    assert "root copied" not in text and "installed into root A" not in text, \
        "the copy ended before the cut"
    boots = int(rep["boots"])
    print(f"boot 6 (apply cut with {seen} of {BULK_FILES} files in root A): "
          f"{time.time() - t0:.0f}s")
    # the mark went to the card before the copy: root A says it is unfinished;
    # the boot files never named root A: any start, flag or not, is root B
    held = marked_bulk(card)
    assert held < BULK_FILES
    assert_committed(card, "B")

    # boot 7: root B serves with its data whole; the commit step puts the
    # cut on record, the release is still there to apply, and root A, as
    # the box mounts it where apply writes (/run/pb-root/a), still carries
    # the mark: the next apply writes every file of it again
    # (test_update_delta.py::test_cut_mid_delta_copy_then_apply_again and
    # test_update_ab.py::test_power_cut_mid_install_keeps_the_old_root run
    # that apply to its end natively; writing a whole root again under
    # emulation takes minutes, and the first test here writes one already)
    card.boot()
    health = card.healthz()
    assert health["status"] == "ok", health
    rep = report(wait_console(card, "PBU-END", BOOT_TIMEOUT_S))
    assert rep["root"].startswith("/dev/vda3,ro"), rep
    assert rep["dbcheck"] == "ok" and int(rep["boots"]) == boots + 1, rep
    assert rep["updatedir"].split() == sorted(["release.json", os.path.basename(deb)]), rep
    assert rep["marka"] == "marked" and rep["markb"] == "whole", rep
    assert f"installing {GOOD} into root A did not finish" in rep["commitlog"], \
        rep["commitlog"]
    assert f"release:    {GOOD} ready" in rep["status"], rep["status"]
    assert "PBU-APPLY" not in card.console_text()     # no apply asked for on this boot
    card.poweroff()
    print(f"boot 7 (back on B, root A marked): {time.time() - t0:.0f}s")
    # root B ran and powered off: root A is as the cut left it, marked, and
    # the boot files still name root B only
    assert marked_bulk(card) == held
    assert_committed(card, "B")
