"""The box's systemd units (image/systemd/): lint and hardening.

systemd is not PID 1 here, so the units are checked with systemd-analyze:
`verify` must print nothing at all (it returns 0 on unknown keys and only
warns), and `security --offline=true` must rate the network daemons 2.5 or
better. verify also insists every ExecStart program exists: the units are
copied with /usr/bin and /usr/lib/pusat-belajar pointed at a staging folder
holding this build's programs; a program not built on this tree (pb-sync or
pb-gpio before they are merged) is stood in for by a script, said so below."""
import glob
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNITS = sorted(glob.glob(os.path.join(ROOT, "image", "systemd", "*.service")) +
               glob.glob(os.path.join(ROOT, "image", "systemd", "*.path")) +
               glob.glob(os.path.join(ROOT, "image", "systemd", "*.timer")))
# Drop-ins for Debian's own units (image/systemd/UNIT.d/), installed into
# /lib/systemd/system/UNIT.d/ by the package.
DROPINS = sorted(glob.glob(os.path.join(ROOT, "image", "systemd", "*.d", "*.conf")))
BUILD = os.path.abspath(os.environ.get("PB_BUILD", os.path.join(ROOT, "build")))
DAEMONS = ["pb-web", "pb-sync", "pb-gpio"]
MAX_EXPOSURE = 2.5


def unit_path(name, kind="service"):
    return os.path.join(ROOT, "image", "systemd", name + "." + kind)


def read_unit(name, kind="service"):
    """The unit's keys as {section: {key: [values]}} (keys repeat)."""
    out = {}
    section = None
    with open(unit_path(name, kind)) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                out.setdefault(section, {})
                continue
            k, v = line.split("=", 1)
            out[section].setdefault(k, []).append(v)
    return out


@pytest.fixture(scope="module")
def staged():
    """Units rewritten to run programs from a staging folder."""
    d = tempfile.mkdtemp(prefix=f"pb-units-{os.getpid()}-")
    try:
        bindir = os.path.join(d, "usr", "bin")
        libdir = os.path.join(d, "usr", "lib", "pusat-belajar")
        os.makedirs(bindir)
        os.makedirs(libdir)
        for prog in ["pb-web", "pbctl", "pb-sync", "pb-gpio"]:
            built = os.path.join(BUILD, prog)
            if os.path.exists(built):
                shutil.copy(built, bindir)
            else:  # stand-in: the program is on another branch
                with open(os.path.join(bindir, prog), "w") as f:
                    f.write("#!/bin/sh\nexit 0\n")
                os.chmod(os.path.join(bindir, prog), 0o755)
        for tool in glob.glob(os.path.join(ROOT, "image", "firstboot", "pb-*")):
            shutil.copy(tool, libdir)
        units = os.path.join(d, "units")
        os.makedirs(units)
        for u in UNITS + DROPINS:
            text = open(u).read()
            text = text.replace("/usr/bin/", bindir + "/")
            text = text.replace("/usr/lib/pusat-belajar/", libdir + "/")
            dest = os.path.join(units, os.path.relpath(u, os.path.join(ROOT, "image", "systemd")))
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                f.write(text)
        yield units
    finally:
        shutil.rmtree(d)


def verify(path):
    p = subprocess.run(["systemd-analyze", "verify", path], capture_output=True,
                       text=True, timeout=120, cwd="/")
    return p.returncode, (p.stdout + p.stderr).strip()


def test_units_exist():
    names = {os.path.basename(u) for u in UNITS}
    for want in ["pb-web.service", "pb-sync.service", "pb-gpio.service",
                 "pb-firstboot.service", "pb-grow-data.service", "pb-net.service",
                 "pb-hostapd.service", "pb-dnsmasq.service"]:
        assert want in names


@pytest.mark.parametrize("unit", [os.path.basename(u) for u in UNITS])
def test_verify_prints_nothing(staged, unit):
    rc, out = verify(os.path.join(staged, unit))
    assert rc == 0 and out == "", f"{unit}:\n{out}"


def verify_unit(units, name):
    """systemd-analyze verify of a unit by name, with the staged folder
    first on the search path (its drop-ins folders with it)."""
    p = subprocess.run(["systemd-analyze", "verify", name], capture_output=True, text=True,
                       timeout=120, cwd="/", env=dict(os.environ, SYSTEMD_UNIT_PATH=units + ":"))
    return p.returncode, (p.stdout + p.stderr).strip()


@pytest.mark.parametrize("unit", ["emergency.service", "rescue.service"])
def test_emergency_dropins_verify(staged, unit):
    """Debian's emergency.service and rescue.service with the box's drop-in:
    verify prints nothing, and it does read the drop-in (a misspelt key in
    it is reported)."""
    rc, out = verify_unit(staged, unit)
    assert rc == 0 and out == "", f"{unit}:\n{out}"
    dropin = os.path.join(staged, unit + ".d", "pb-update-trial.conf")
    good = open(dropin).read()
    try:
        with open(dropin, "w") as f:
            f.write(good.replace("ExecStartPre=", "ExecStartPr="))
        rc, out = verify_unit(staged, unit)
        assert "ExecStartPr" in out, out
    finally:
        with open(dropin, "w") as f:
            f.write(good)


def test_verify_catches_a_bad_key(staged):
    """The check itself can fail: an unknown key only warns, and we see it."""
    bad = os.path.join(staged, "pb-bad.service")
    text = open(os.path.join(staged, "pb-web.service")).read()
    with open(bad, "w") as f:
        f.write(text.replace("[Service]", "[Service]\nProtectSystm=strict"))
    try:
        rc, out = verify(bad)
        assert "ProtectSystm" in out
    finally:
        os.unlink(bad)


@pytest.mark.parametrize("name", ["pb-web", "pb-sync"])
def test_security_exposure(name):
    p = subprocess.run(["systemd-analyze", "security", "--offline=true", unit_path(name)],
                       capture_output=True, text=True, timeout=120, cwd="/")
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", p.stdout + p.stderr)
    assert m, p.stdout + p.stderr
    assert float(m.group(1)) <= MAX_EXPOSURE, p.stdout[-3000:]


@pytest.mark.parametrize("name", DAEMONS)
def test_daemon_hardening(name):
    u = read_unit(name)
    s = u["Service"]
    assert s["Type"] == ["notify"]
    assert int(s["WatchdogSec"][0]) > 0
    assert s["Restart"] == ["always"]
    assert s["User"] == [name.replace("pb-web", "pb")]
    assert s["NoNewPrivileges"] == ["yes"]
    assert s["ProtectSystem"] == ["strict"]
    # pb-sync also writes the USB stick mounted under /media (pb-usb@.service)
    assert s["ReadWritePaths"] == ["/var/lib/pb"] + (["-/media"] if name == "pb-sync" else [])
    assert s["PrivateTmp"] == ["yes"]
    assert "@system-service" in s["SystemCallFilter"]
    assert "RestrictAddressFamilies" in s
    caps = s["CapabilityBoundingSet"]
    if name == "pb-web":
        assert caps == ["CAP_NET_BIND_SERVICE"]
        assert s["AmbientCapabilities"] == ["CAP_NET_BIND_SERVICE"]
    else:
        assert caps == [""]
    assert "/var/lib/pb" in u["Unit"]["RequiresMountsFor"]


def test_firstboot_runs_before_the_daemons():
    u = read_unit("pb-firstboot")
    before = " ".join(u["Unit"]["Before"])
    for d in DAEMONS + ["pb-net"]:
        assert d + ".service" in before
    assert "firstboot /boot/firmware/pusat-belajar.json" in u["Service"]["ExecStart"][0]
    assert "/boot/firmware" in u["Service"]["ReadWritePaths"][0]
    # every boot, before the daemons share the database: its group and
    # modes put right as root; a failure is logged and provisioning goes on
    assert u["Service"]["ExecStartPre"] == [
        "-/usr/bin/pbctl -c /etc/pusat-belajar/box.conf data mend"]
    assert u["Service"]["UMask"] == ["0007"]
    for d in DAEMONS:
        assert read_unit(d)["Service"]["UMask"] == ["0007"], d


def test_hotspot_units_use_rendered_files():
    net = read_unit("pb-net")
    assert "net render" in net["Service"]["ExecStart"][0]
    assert net["Service"]["Environment"] == ["PB_NET_DIR=/run/pb-net"]
    assert "/run/pb-net/hostapd.conf" in read_unit("pb-hostapd")["Service"]["ExecStart"][0]
    assert "/run/pb-net/dnsmasq.conf" in read_unit("pb-dnsmasq")["Service"]["ExecStart"][0]


def apply_request_default():
    """[update] apply_request as pb-web reads it on the image: the image's
    box.conf does not set it, so the default of the key table (the row
    make config-doc writes from firmware/lib/pb_config.c)."""
    conf = open(os.path.join(ROOT, "image", "box.conf")).read()
    assert not re.search(r"^\s*apply_request\s*=", conf, re.M)
    doc = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    m = re.search(r"^\| \[update\] \| `apply_request` \| path \| `([^`]+)` \|", doc, re.M)
    assert m, "docs/configuration.md has no [update] apply_request row"
    return m.group(1)


def test_update_apply_units_watch_what_pb_web_writes():
    """The admin's "Install now": pb-web (user pb) creates the request in
    its RuntimeDirectory, the path unit watches that very file, and the
    root service removes it and runs pbctl update apply. systemd is not
    PID 1 here, so the path unit itself cannot be fired: these are the
    units' own keys (systemd-analyze verify checks them above)."""
    request = apply_request_default()
    web = read_unit("pb-web")["Service"]
    assert web["User"] == ["pb"]
    folder = os.path.dirname(request)
    assert folder.startswith("/run/")
    assert web["RuntimeDirectory"] == [folder[len("/run/"):]]
    assert web["RuntimeDirectoryMode"] == ["0750"]

    path = read_unit("pb-update-apply", "path")
    assert path["Path"]["PathExists"] == [request]
    assert path["Path"]["Unit"] == ["pb-update-apply.service"]
    assert path["Install"]["WantedBy"] == ["multi-user.target"]

    svc = read_unit("pb-update-apply")["Service"]
    assert "User" not in svc and "DynamicUser" not in svc      # root: it mounts, dpkg, reboots
    assert svc["Type"] == ["oneshot"]
    assert svc["ExecStartPre"] == [f"/bin/rm -f {request}"]
    # no --force (an open day waits) and no --retry (a failed trial stays failed)
    assert svc["ExecStart"] == ["/usr/bin/pbctl -c /etc/pusat-belajar/box.conf update apply"]

    # enabled when the package is installed, like pb-poweroff.path
    rules = open(os.path.join(ROOT, "debian", "rules")).read()
    block = rules[rules.index("override_dh_installsystemd:"):]
    assert "pb-update-apply.path" in block and "pb-update-apply.service" in block


def test_update_apply_service_lines_against_a_data_dir(tmp_path):
    """A stand-in for the path unit firing (no systemd as PID 1 here): the
    service's own ExecStartPre and ExecStart lines, run as written but for
    the configuration and request paths pointed at a test box, with this
    build's pbctl. With today's demo session open, apply waits (exit 3),
    the request is gone (one request, one try) and update.error says why,
    where the admin's page reads it."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from pbtest import Box
    box = Box(sections=f"[update]\napply_request = {tmp_path}/apply\n")
    try:
        box.demo()
        request = tmp_path / "apply"
        request.write_text("9.1.0\n")
        svc = read_unit("pb-update-apply")["Service"]
        results = []
        for line in svc["ExecStartPre"] + svc["ExecStart"]:
            line = line.replace(apply_request_default(), str(request))
            line = line.replace("/etc/pusat-belajar/box.conf", box.conf)
            line = line.replace("/usr/bin/pbctl", os.path.join(BUILD, "pbctl"))
            results.append(subprocess.run(shlex.split(line), capture_output=True, text=True,
                                          timeout=120))
        assert results[0].returncode == 0 and not request.exists()
        assert results[1].returncode == 3, results[1].stderr
        assert "session day is open" in results[1].stderr
        with sqlite3.connect(box.db_path(), timeout=10) as c:
            err = c.execute("SELECT value FROM box_meta WHERE key = 'update.error'").fetchone()
        assert err and "session day is open" in err[0]
    finally:
        box.close()


DEADLINE = os.path.join(ROOT, "image", "firstboot", "pb-update-deadline")
# A stand-in for systemctl (systemd is not PID 1 here): `show` answers the
# state of pb-update-commit.service from the file "commit-states" (one line
# a call, the last one kept; a line "committed" stands for the check
# committing: cmdline.txt then names the running root), `reboot` is noted.
FAKE_SYSTEMCTL = """#!/bin/sh
d=$(dirname "$0")
echo "$*" >> "$d/calls"
case "$1" in
show) n=$(wc -l < "$d/calls"); s=$(sed -n "${n}p" "$d/commit-states"); \
      [ -n "$s" ] || s=$(tail -n 1 "$d/commit-states"); \
      if [ "$s" = committed ]; then cp "$d/proc-cmdline" "$d/boot/cmdline.txt"; s=active; fi; \
      echo "$s";;
reboot) echo reboot >> "$d/rebooted";;
--no-block) [ "$*" = "--no-block --job-mode=replace-irreversibly start reboot.target" ] && \
            echo reboot >> "$d/rebooted"; \
            if [ -e "$d/reboot-stops" ]; then kill -TERM "$PPID"; fi;;
esac
"""
# In emergency mode the script asks for the reboot job itself
# (REBOOT_JOB, what `systemctl reboot` does without logind); a file
# "reboot-stops" makes it do what systemd does to emergency.service then:
# stop it, killing the script (SIGTERM); without it the reboot never comes.
REBOOT_JOB = "--no-block --job-mode=replace-irreversibly start reboot.target"
# Stand-ins for mount and umount: mount notes its arguments and fills the
# folder it is given from "card-boot" (the boot partition), failing
# without one.
FAKE_MOUNT = """#!/bin/sh
d=$(dirname "$0")
echo "mount $*" >> "$d/calls"
[ -d "$d/card-boot" ] || exit 32
for a; do dir=$a; done
cp "$d/card-boot/"* "$dir/"
"""
FAKE_UMOUNT = """#!/bin/sh
echo "umount $*" >> "$(dirname "$0")/calls"
"""


def test_update_deadline_units():
    """The boot deadline of a root on trial: a timer from boot on, enabled
    by the package, whose service runs the script as root with the boot
    partition and the kernel's command line."""
    timer = read_unit("pb-update-deadline", "timer")
    m = re.fullmatch(r"(\d+)min", timer["Timer"]["OnBootSec"][0])
    # longer than a boot plus the check's default wait ([update] commit_wait_s, 300 s)
    assert m and int(m.group(1)) * 60 > 300 + 120, timer
    assert timer["Install"]["WantedBy"] == ["timers.target"]
    svc = read_unit("pb-update-deadline")
    assert svc["Service"]["Type"] == ["oneshot"] and "User" not in svc["Service"]
    assert svc["Service"]["ExecStart"] == [
        "/usr/lib/pusat-belajar/pb-update-deadline /boot/firmware /proc/cmdline"]
    assert svc["Unit"]["ConditionPathExists"] == ["/boot/firmware/pb-slot.txt"]
    rules = open(os.path.join(ROOT, "debian", "rules")).read()
    block = rules[rules.index("override_dh_installsystemd:"):]
    assert "pb-update-deadline.timer" in block


@pytest.mark.parametrize("running,committed,states,reboots", [
    ("B", "A", ["inactive"], True),               # the check never started: hung before it
    ("B", "A", ["failed"], True),                 # the check broke without deciding
    ("B", "A", ["activating", "activating", "committed"], False),   # it ran late, and committed
    ("B", "A", ["activating", "failed"], True),   # it ran late, and gave up without a reboot
    ("B", "B", ["active"], False),                # committed root: nothing to do
    ("A", "A", ["inactive"], False),
    ("B", None, ["inactive"], False),             # no A/B boot files: cannot tell, leave it
])
def test_update_deadline_reboots_only_a_root_left_on_trial(tmp_path, running, committed,
                                                             states, reboots):
    """The script itself, with a stand-in for systemctl (said above)."""
    bindir = tmp_path
    (bindir / "systemctl").write_text(FAKE_SYSTEMCTL)
    (bindir / "systemctl").chmod(0o755)
    (bindir / "commit-states").write_text("\n".join(states) + "\n")
    boot = bindir / "boot"
    boot.mkdir()
    line = "console=serial0,115200 root=LABEL=PBROOT{} ro rootfstype=ext4 panic=10\n"
    (bindir / "proc-cmdline").write_text(line.format(running))
    if committed:
        (boot / "cmdline.txt").write_text(line.format(committed))
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}", PB_DEADLINE_POLL_S="0.01")
    p = subprocess.run([DEADLINE, str(boot), str(bindir / "proc-cmdline")], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert (bindir / "rebooted").exists() == reboots, (p.stdout, p.stderr)
    if reboots:
        assert f"PBROOT{running} runs on trial and was not committed by its deadline: " \
               f"rebooting into PBROOT{committed}" in p.stdout, p.stdout
        # it waited for the check while that ran
        calls = (bindir / "calls").read_text().splitlines()
        assert calls[-1] == "reboot"
        assert len(calls) - 1 == len(states), calls
    else:
        assert "nothing to do" in p.stdout, p.stdout


@pytest.mark.parametrize("mode,running,committed,boot_mounted,stops,reboots", [
    ("emergency", "A", "B", True, True, True),    # on trial: rebooted, stopped by it
    ("emergency", "A", "B", False, True, True),   # the boot partition not mounted
    ("emergency", "B", "B", False, True, False),  # committed root: emergency mode goes on
    ("emergency", "A", "A", True, True, False),
    ("emergency", "A", "B", True, False, True),   # the reboot does not come: forced
    ("rescue", "B", "A", True, True, True),
    ("emergency", "A", None, False, True, False), # no boot partition: cannot tell, goes on
])
def test_emergency_mode_reboots_only_a_root_on_trial(tmp_path, mode, running, committed,
                                                     boot_mounted, stops, reboots):
    """pb-update-deadline --emergency / --rescue (the drop-ins of
    emergency.service and rescue.service) with stand-ins for systemctl,
    mount and umount (said above): a root on trial reboots, a committed
    one goes on into emergency mode; an unmounted boot partition is
    mounted read-only by its label for the look, and unmounted again."""
    d = tmp_path
    for name, text in [("systemctl", FAKE_SYSTEMCTL), ("mount", FAKE_MOUNT),
                       ("umount", FAKE_UMOUNT)]:
        (d / name).write_text(text)
        (d / name).chmod(0o755)
    (d / "commit-states").write_text("inactive\n")
    if stops:
        (d / "reboot-stops").write_text("")
    line = "console=serial0,115200 root=LABEL=PBROOT{} ro rootfstype=ext4 panic=10\n"
    (d / "proc-cmdline").write_text(line.format(running))
    boot = d / "boot"                  # the empty mount point, or the mounted partition
    boot.mkdir()
    if committed:
        card = boot if boot_mounted else d / "card-boot"
        card.mkdir(exist_ok=True)
        (card / "cmdline.txt").write_text(line.format(committed))
    env = dict(os.environ, PATH=f"{d}:{os.environ['PATH']}", PB_EMERGENCY_REBOOT_WAIT_S="0",
               PB_EMERGENCY_BOOT=str(d / "rescue-boot"))
    p = subprocess.run([DEADLINE, f"--{mode}", str(boot), str(d / "proc-cmdline")], env=env,
                       capture_output=True, text=True, timeout=60)
    calls = (d / "calls").read_text().splitlines() if (d / "calls").exists() else []
    mounts = [c for c in calls if c.startswith("mount ")]
    if boot_mounted:
        assert mounts == [], calls
    else:
        assert mounts == [f"mount -t vfat -o ro,nosuid,nodev,noexec LABEL=PBBOOT {d}/rescue-boot"]
    if reboots:
        assert f"pb-update-deadline: PBROOT{running} runs on trial and fell into {mode} mode: " \
               f"rebooting into PBROOT{committed}" in p.stdout, p.stdout
        if stops:                      # stopped by the reboot it asked for
            assert p.returncode == -signal.SIGTERM, (p.returncode, p.stdout, p.stderr)
            assert calls[len(mounts):] == [REBOOT_JOB], calls
            assert "forcing" not in p.stdout
        else:
            assert p.returncode == 0, p.stderr
            assert calls[len(mounts):] == [REBOOT_JOB, "reboot --force"], calls
            assert f"the reboot did not stop {mode} mode: forcing it" in p.stdout, p.stdout
    else:
        assert p.returncode == 0, p.stderr
        assert not (d / "rebooted").exists(), (p.stdout, calls)
        if committed:
            assert f"PBROOT{running} is the committed root and fell into {mode} mode: " \
                   "not rebooting" in p.stdout, p.stdout
        else:
            assert f"{mode} mode goes on" in p.stdout, p.stdout
        # a partition it mounted is unmounted again, before sulogin
        assert calls[len(mounts):] == ([f"umount {d}/rescue-boot"] if committed and mounts
                                       else []), calls
