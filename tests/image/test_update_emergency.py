"""A root on trial that falls into systemd's emergency mode reboots by
itself (docs/updates.md, "A new root that hangs before its check"): one
boot of the built image under qemu-system-aarch64, the stand-in for the
Pi (test_boot.py's emulated card; the Pi firmware's part is played from
the card's boot files by tests/pifirmware.py, and qemu runs with
-no-reboot, so a reboot ends the process).

On a copy of the image the test arms a trial of root A, the root the
image holds, as `pbctl update apply` leaves the boot files when root B is
the committed one (firmware/lib/pb_slot.c, pb_slot_write): cmdline.txt is
root B's line, pb-slot.txt names root B under [all] and root A under
[tryboot]. It makes root A fail early: a test-only drop-in gives
/boot/firmware's mount (from fstab, required by local-fs.target) a file
system type that does not exist, so the mount fails at once,
local-fs.target fails and systemd starts emergency mode, long before
pb-web; the boot partition is then not mounted, so the emergency drop-in
must mount it itself. The box is started with the tryboot flag: qemu must
end by itself (the reboot) within EMERGENCY_REBOOT_S, the console must
show pb-update-deadline's line and the kernel's "reboot: Restarting
system", and sulogin must never have started (its emergency greeting and
"Press Enter" never printed).

That a committed root in emergency mode is left there (not rebooted) is
tested on the script itself (test_units.py,
test_emergency_mode_reboots_only_a_root_on_trial): a second emulated boot
would cost as much as this one."""
import os
import re
import subprocess

import pytest

from imagetools import ROOT_A, debugfs, firmware_choice, mput, mtype
from test_boot import cards

EMERGENCY_REBOOT_S = 600      # power-on to the reboot, emulated on the loaded machine
BOGUS_MOUNT = "[Mount]\nType=pbtest-nofs\n"   # test-only: no such file system type
# pb-slot.txt as pb_slot_write(boot, committed B, trial A) writes it on
# this card: slot-b/ holds no kernel yet, so root B keeps the top files.
TRIAL_OF_A = ("# The root the Pi firmware boots (pbctl update; docs/updates.md).\n[all]\n"
              "cmdline=cmdline-b.txt\n"
              "# one boot of the updated root, by reboot '0 tryboot'\n[tryboot]\n"
              "os_prefix=slot-a/\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n"
              "cmdline=cmdline-a.txt\n[all]\n")


@pytest.fixture(scope="module")
def card():
    yield from cards("pb-emergency")


def put_fat(card, name, text):
    local = os.path.join(card.tmp, os.path.basename(name))
    with open(local, "w") as f:
        f.write(text)
    mput(card.img, local, name)


def arm_trial_of_a(card):
    """The boot files as the update code leaves them with root B committed
    and root A armed for one tryboot."""
    put_fat(card, "cmdline.txt", mtype(card.img, "cmdline-b.txt"))
    put_fat(card, "pb-slot.txt", TRIAL_OF_A)
    tried = firmware_choice(card.img, tryboot=True)
    assert (tried["cmdline"], tried["kernel"]) == ("cmdline-a.txt", "slot-a/vmlinuz"), tried
    assert firmware_choice(card.img, tryboot=False)["cmdline"] == "cmdline-b.txt"
    assert "root=LABEL=PBROOTB" in mtype(card.img, "cmdline.txt").split()


def break_boot_mount(card):
    """Root A cannot mount /boot/firmware: local-fs.target fails at once."""
    dropin = os.path.join(card.tmp, "50-test.conf")
    with open(dropin, "w") as f:
        f.write(BOGUS_MOUNT)
    for cmd in ["mkdir /etc/systemd/system/boot-firmware.mount.d",
                f"write {dropin} /etc/systemd/system/boot-firmware.mount.d/50-test.conf"]:
        out, err = debugfs(card.img, ROOT_A, cmd, write=True)
        assert "rror" not in err, (cmd, err)


def test_trial_root_in_emergency_mode_reboots_into_the_committed_root(card):
    arm_trial_of_a(card)
    break_boot_mount(card)
    card.boot(tryboot=True)
    assert "root=LABEL=PBROOTA" in card.cmdline.split()
    try:
        card.wait(timeout=EMERGENCY_REBOOT_S)
    except subprocess.TimeoutExpired:
        card.kill()
        raise AssertionError("the box stayed in emergency mode:\n" + card.console_text()[-4000:])
    text = card.console_text()
    # it did fall into emergency mode, for the reason the test gave it
    assert re.search(r"Failed to mount .*/boot/firmware", text), text[-3000:]
    assert "pb-update-deadline: PBROOTA runs on trial and fell into emergency mode: " \
           "rebooting into PBROOTB" in text, text[-3000:]
    assert re.search(r"reboot: Restarting system\r?$", text, re.M), text[-3000:]
    assert "with command '0 tryboot'" not in text
    # the ordinary reboot stopped emergency mode; sulogin never waited
    assert "forcing it" not in text, text[-3000:]
    assert "You are in emergency mode" not in text and "Press Enter" not in text, text[-3000:]
    # the flag is spent: the next start is root B, as its boot files say
    assert firmware_choice(card.img, tryboot=False)["cmdline"] == "cmdline-b.txt"
