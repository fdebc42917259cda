"""pbctl update apply | commit | rollback on the A/B roots, outside the
emulator: the roots are folders and the boot partition a folder holding
the files the Raspberry Pi firmware reads (autoboot.txt, config.txt and its
include pb-slot.txt, the cmdline files). The firmware cannot run here, so
firmware_boot() plays its part from those same files and the tryboot flag
(tests/pifirmware.py):
it picks the command line, whose root=LABEL= becomes the "running" root
(the [update] cmdline file stands for /proc/cmdline). The release comes
from the real pb-hub through the real pb-sync; dpkg installs it. The qemu
boot of the A/B image is tests/image/test_update_qemu.py. A release whose
pb-web adds a migration is played by build/tests/pb-web-next and its pbctl
by build/tests/pbctl-next (tests/schema/next.c); with PB_NEXT_NEWER_ONLY=1
the release also carries a migration marked newer only."""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pifirmware
import requests
from pbhub import make_deb, sync_section
from pbtest import binary
from test_release import VERSION, one_round, release_key

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import Staff, add_staff, nuptk, roster_csv, set_meta  # noqa: E402
from claims_util import ATT, CLAIMS, SIG, checkin, rates_csv  # noqa: E402

FIRMWARE_CONFIG = "arm_64bit=1\nkernel=vmlinuz\ninitramfs initrd.img followkernel\n" \
                  "include pb-slot.txt\n"
CMDLINE = "console=serial0,115200 root=LABEL=PBROOTA ro rootfstype=ext4 rootwait\n"


def firmware_boot(boot, tryboot, cmdline_file):
    """The firmware's choice of a root (tests/pifirmware.py) from the boot
    folder's files. Writes the chosen command line where pbctl reads the
    running one; returns 'A' or 'B'."""
    def read(name):
        path = os.path.join(boot, name)
        return open(path).read() if os.path.exists(path) else None

    _, text = pifirmware.choose_cmdline(read, tryboot)
    with open(cmdline_file, "w") as f:
        f.write(text)
    return pifirmware.root_of(text)


def layout(tmp):
    boot, a, b = (os.path.join(tmp, n) for n in ("boot", "rootA", "rootB"))
    for d in (boot, b, os.path.join(a, "var/lib/dpkg/info"), os.path.join(a, "var/lib/dpkg/updates"),
              os.path.join(a, "etc")):
        os.makedirs(d, exist_ok=True)
    for f in ("status", "available"):
        open(os.path.join(a, "var/lib/dpkg", f), "w").close()
    with open(os.path.join(a, "etc", "system-of"), "w") as f:
        f.write("A\n")
    with open(os.path.join(boot, "autoboot.txt"), "w") as f:
        f.write("[all]\ntryboot_a_b=1\nboot_partition=1\n")
    with open(os.path.join(boot, "config.txt"), "w") as f:
        f.write(FIRMWARE_CONFIG)
    with open(os.path.join(boot, "cmdline.txt"), "w") as f:
        f.write(CMDLINE)
    for name in ("vmlinuz", "initrd.img"):        # the kernel config.txt names
        with open(os.path.join(boot, name), "w") as f:
            f.write(name + "\n")
    cmdline = os.path.join(tmp, "proc-cmdline")
    return boot, a, b, cmdline


def ab_box(boxes, hub, tmp, pk, wait_s=10, sections=""):
    boot, a, b, cmdline = layout(tmp)
    tok = hub.cli("token", "PB-TEST-001").stdout.strip()
    box = boxes(sections=sync_section(hub.base, tok) +
                f"[update]\nrelease_key = {pk}\nboot_dir = {boot}\nroot_a = {a}\n"
                f"root_b = {b}\nroots_mounted = no\ncmdline = {cmdline}\n"
                f"commit_wait_s = {wait_s}\n" + sections)
    box.pbctl("init")
    assert firmware_boot(boot, False, cmdline) == "A"
    return box, boot, a, b, cmdline


def publish(hub, tmp):
    key, pk = release_key(hub, tmp)
    deb = make_deb(tmp, "pb-update-probe", 4096, arch="all")
    hub.cli("release", "add", deb, "--key", key, "--version", VERSION, "--notes", "uji")
    return pk


def meta(box, key):
    with sqlite3.connect(box.db_path()) as c:
        row = c.execute("SELECT value FROM box_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def update_files(box):
    d = os.path.join(box.dir, "data", "update")
    return sorted(os.listdir(d)) if os.path.isdir(d) else []


def installed(root, package="pb-update-probe"):
    status = open(os.path.join(root, "var/lib/dpkg/status")).read()
    return f"Package: {package}\nStatus: install ok installed" in status


def test_update_boots_new_root_once_then_commits(boxes, hub, tmpdir_hub):
    pk = publish(hub, tmpdir_hub)
    box, boot, a, b, cmdline = ab_box(boxes, hub, tmpdir_hub, pk)
    rc, log = one_round(box)
    assert rc == 0, log
    st = box.pbctl("update", "status").stdout
    assert "booted:     root A" in st and f"release:    {VERSION} ready" in st, st
    assert f"release {VERSION}: signature and SHA-256 verified" in \
        box.pbctl("update", "check").stdout
    box.start()
    try:
        # a session day that is open holds the update back; locked, it goes
        with sqlite3.connect(box.db_path()) as c:
            c.execute("INSERT INTO kegiatan(uid, title, mode, start_date, days, jp_per_day, "
                      "code_secret, created_by, created_ms) VALUES ('K1', 'Pelatihan', "
                      "'tatap_muka', date('now', 'localtime', '-1 day'), 3, 8, x'00', "
                      "'admin', 0)")
        p = box.pbctl("update", "apply", "--no-reboot", check=False)
        assert p.returncode == 3 and "session day is open" in p.stderr and "K1" in p.stderr
        assert not os.path.exists(os.path.join(b, "etc"))        # nothing written
        with sqlite3.connect(box.db_path()) as c:
            for d in ("-1 day", "+0 day", "+1 day"):
                c.execute("INSERT INTO day_lock(kegiatan_id, day, locked_by, wall_ms) "
                          f"SELECT id, date('now', 'localtime', '{d}'), 'admin', 0 "
                          "FROM kegiatan")
        # root B must be a partition of its own unless the layout says not
        conf = open(box.conf).read()
        with open(box.conf, "w") as f:
            f.write(conf.replace("roots_mounted = no", "roots_mounted = yes"))
        p = box.pbctl("update", "apply", "--no-reboot", check=False)
        assert p.returncode == 1 and "not a mounted root partition" in p.stderr
        with open(box.conf, "w") as f:
            f.write(conf)
        out = box.pbctl("update", "apply", "--no-reboot").stdout
        assert f"release {VERSION} installed into root B" in out
        assert installed(b) and not installed(a)                 # the running root untouched
        assert open(os.path.join(b, "etc", "system-of")).read() == "A\n"   # a copy of A
        # a boot without the tryboot flag still starts A
        assert firmware_boot(boot, False, cmdline) == "A"
        # the one-shot tryboot starts B; pb-web answers and pb-sync reaches the hub
        assert firmware_boot(boot, True, cmdline) == "B"
        assert "root B" in box.pbctl("update", "status").stdout
        rc, log = one_round(box)
        assert rc == 0, log
        assert "pb-update-probe_99.1.0_all.deb" in update_files(box)
        out = box.pbctl("update", "commit", "--no-reboot").stdout
        assert "root B committed: pb-sync reached the hub" in out, out
        # installed for good: the downloaded release is removed, and the
        # next round does not fetch it again
        assert update_files(box) == []
        assert meta(box, "update.committed").startswith(f"{VERSION} committed")
        rc, log = one_round(box)
        assert rc == 0, log
        assert update_files(box) == [] and meta(box, "update.state") == "committed"
        # from now on every boot, tryboot or not, starts B
        assert firmware_boot(boot, False, cmdline) == "B"
        assert firmware_boot(boot, True, cmdline) == "B"
        assert "PBROOTB" in open(os.path.join(boot, "cmdline.txt")).read()
        st = box.pbctl("update", "status").stdout
        assert "committed:  root B" in st and "pending:    none" in st, st
        assert f"last:       {VERSION} committed (pb-sync reached the hub)" in st, st
        # and back by hand: rollback commits A again
        assert "root A committed again" in box.pbctl("update", "rollback",
                                                     "--no-reboot").stdout
        assert firmware_boot(boot, False, cmdline) == "A"
    finally:
        box.stop()


def tried_on_b(boxes, hub, tmp, sections=""):
    """A box whose release is installed into root B and tryboot started
    there: box, boot folder, command-line file."""
    pk = publish(hub, tmp)
    box, boot, a, b, cmdline = ab_box(boxes, hub, tmp, pk, sections=sections)
    rc, log = one_round(box)
    assert rc == 0, log
    box.pbctl("update", "apply", "--no-reboot")
    assert firmware_boot(boot, True, cmdline) == "B"
    return box, boot, cmdline


def test_update_whose_web_fails_returns_to_old_root(boxes, hub, tmpdir_hub):
    """The trial fails; the failed release stays on the data partition but
    is not installed again (by a sync round or a plain apply) until a newer
    release comes."""
    box, boot, cmdline = tried_on_b(boxes, hub, tmpdir_hub)
    key = os.path.join(tmpdir_hub, "release.key")          # publish()'s
    # pb-web of the new root does not answer /healthz (not started here)
    p = box.pbctl("update", "commit", "--no-reboot", check=False)
    assert p.returncode == 1 and "failed its checks" in p.stderr and "back to root A" in p.stderr
    assert p.stderr.startswith(f"pbctl: {VERSION} on root B failed its checks"), p.stderr
    # the trial is over: the next boot (the commit step reboots) starts A,
    # even were the tryboot flag set again by mistake
    assert firmware_boot(boot, False, cmdline) == "A"
    assert firmware_boot(boot, True, cmdline) == "A"
    box.pbctl("update", "commit", "--no-reboot")
    st = box.pbctl("update", "status").stdout
    assert "booted:     root A" in st and "committed:  root A" in st, st
    assert f"error:      {VERSION} on root B failed its checks" in st, st
    assert f"release:    {VERSION} failed" in st, st
    # not retried: a sync round leaves it failed (nothing fetched again)...
    files = update_files(box)
    assert f"pb-update-probe_{VERSION}_all.deb" in files
    rc, log = one_round(box)
    assert rc == 0, log
    assert update_files(box) == files and meta(box, "update.state") == "failed"
    # ...and apply refuses it, unless told to try it again
    p = box.pbctl("update", "apply", "--no-reboot", check=False)
    assert p.returncode == 1 and f"release {VERSION} failed its trial" in p.stderr, p.stderr
    assert firmware_boot(boot, True, cmdline) == "A"
    # nor does rollback switch into the root that holds it, never committed
    p = box.pbctl("update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and f"root B holds release {VERSION}, which failed its trial" \
        in p.stderr, p.stderr
    assert firmware_boot(boot, False, cmdline) == "A"
    # a newer release replaces it and is installed
    newer = "99.2.0"
    folder = os.path.join(tmpdir_hub, newer)
    os.makedirs(folder)
    deb = make_deb(folder, "pb-update-probe", 4096, version=newer, arch="all")
    hub.cli("release", "add", deb, "--key", key, "--version", newer, "--notes", "perbaikan")
    rc, log = one_round(box)
    assert rc == 0, log
    assert meta(box, "update.state") == "ready"
    assert update_files(box) == sorted(["release.json", f"pb-update-probe_{newer}_all.deb"])
    out = box.pbctl("update", "apply", "--no-reboot").stdout
    assert f"release {newer} installed into root B" in out, out
    # armed for its trial: rollback would skip it
    p = box.pbctl("update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and "root B is armed for a trial" in p.stderr, p.stderr
    assert firmware_boot(boot, True, cmdline) == "B"


def test_trial_that_never_reaches_its_check_fails_on_the_old_root(boxes, hub, tmpdir_hub):
    """Root B on trial hangs before pb-update-commit runs (a panic, a boot
    stuck, pbctl broken): the hardware watchdog, the boot deadline
    (pb-update-deadline.timer) or the power resets it, and without the
    spent one-shot flag the firmware starts root A, whose commit step ends
    the trial and says so."""
    box, boot, cmdline = tried_on_b(boxes, hub, tmpdir_hub)
    # nothing ran on B; the reset: no flag, the committed root
    assert firmware_boot(boot, False, cmdline) == "A"
    out = box.pbctl("update", "commit", "--no-reboot").stdout
    assert f"{VERSION} on root B did not reach its checks" in out and "back on root A" in out, out
    assert meta(box, "update.state") == "failed" and meta(box, "update.failed") == VERSION
    assert meta(box, "update.pending") == ""
    # the trial is over: a tryboot set again by mistake starts A too
    assert firmware_boot(boot, True, cmdline) == "A"
    st = box.pbctl("update", "status").stdout
    assert "committed:  root A" in st and "next tryboot" not in st, st
    assert f"error:      {VERSION} on root B did not reach its checks" in st, st
    # said once: the next boot is a plain one on the committed root
    assert "nothing on trial" in box.pbctl("update", "commit", "--no-reboot").stdout
    p = box.pbctl("update", "apply", "--no-reboot", check=False)
    assert p.returncode == 1 and f"release {VERSION} failed its trial" in p.stderr, p.stderr


BULK_FILES = 5000              # new files in root A: a copy that lasts long enough to cut


def cut_mid_copy(box, a, b):
    """Apply with many new files in root A, killed (a power cut) once root B
    holds some of them but not all: mid-copy, before dpkg. Returns what
    pbctl printed."""
    bulk = os.path.join(a, "opt", "bulk")
    os.makedirs(bulk)
    for i in range(BULK_FILES):
        with open(os.path.join(bulk, f"f{i:05d}"), "wb") as f:
            f.write(i.to_bytes(4, "little") * 256)
    p = subprocess.Popen([binary("pbctl"), "-c", box.conf, "update", "apply", "--no-reboot"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    there = os.path.join(b, "opt", "bulk")
    for _ in range(60000):
        if os.path.isdir(there) and len(os.listdir(there)) > 10 or p.poll() is not None:
            break
        time.sleep(0.001)
    os.killpg(p.pid, 9)              # pbctl and what it runs, all at once
    out, err = p.communicate()
    assert p.returncode == -9 and "root copied" not in out, (out, err)
    assert len(os.listdir(there)) < BULK_FILES
    for name in os.listdir(there):   # a file is whole under its name, or not there
        assert name == ".pb-rootcopy.tmp" or \
            open(os.path.join(there, name), "rb").read() == \
            open(os.path.join(bulk, name), "rb").read(), name
    return out


def test_power_cut_mid_install_keeps_the_old_root(boxes, hub, tmpdir_hub):
    """A power cut while the other root is written (the apply killed): both
    a normal boot and a tryboot still start root A, and apply runs again."""
    pk = publish(hub, tmpdir_hub)
    box, boot, a, b, cmdline = ab_box(boxes, hub, tmpdir_hub, pk)
    rc, log = one_round(box)
    assert rc == 0, log
    cut_mid_copy(box, a, b)
    assert firmware_boot(boot, False, cmdline) == "A"
    assert firmware_boot(boot, True, cmdline) == "A"
    # the commit step of the next boot says the install was cut off
    out = box.pbctl("update", "commit", "--no-reboot").stdout
    assert f"installing {VERSION} into root B did not finish" in out, out
    st = box.pbctl("update", "status").stdout
    assert f"release:    {VERSION} ready" in st and "did not finish" in st, st
    out = box.pbctl("update", "apply", "--no-reboot").stdout
    assert f"release {VERSION} installed into root B" in out
    assert firmware_boot(boot, True, cmdline) == "B"


def test_going_back_after_a_safe_migration_keeps_the_records(boxes, hub, tmpdir_hub):
    """The release's pb-web (pb-web-next: the real one with migration 189,
    marked safe for older programs) starts on root B and records are made
    there; then its checks fail and root A comes back. Root A's pb-web,
    which does not know 189, opens the database, answers /healthz and
    serves the records made on B; its pb-sync sends them up."""
    box, boot, cmdline = tried_on_b(boxes, hub, tmpdir_hub)
    box.start("tests/pb-web-next")
    try:
        add_staff(box)
        sid = Staff(box).create_session(title="Pelatihan di root B")
    finally:
        box.stop()
    with sqlite3.connect(box.db_path()) as c:
        assert c.execute("PRAGMA user_version").fetchone() == (189,)
        assert c.execute("SELECT older_ok FROM schema_migration "
                         "WHERE version = 189").fetchone() == (1,)
        made_on_b = c.execute("SELECT COUNT(*) FROM outbox WHERE acked = 0").fetchone()[0]
    assert made_on_b >= 1
    # the release's pb-web no longer answers: the check fails, back to A
    p = box.pbctl("update", "commit", "--no-reboot", check=False)
    assert p.returncode == 1 and "back to root A" in p.stderr, p.stderr
    assert firmware_boot(boot, False, cmdline) == "A"
    box.start()                                   # waits for /healthz 200
    try:
        r = Staff(box).get("/api/v1/sessions")
        assert r.status_code == 200 and "Pelatihan di root B" in r.text, r.text
        assert Staff(box).get(f"/api/v1/sessions/{sid}/code").status_code == 200
        assert "migration 189 of a newer version" in box.web.output()
        st = box.pbctl("update", "status").stdout
        assert "booted:     root A" in st and "database:   migration 189 of a newer" in st, st
    finally:
        box.stop()
    rc, log = one_round(box)
    assert rc == 0, log
    with sqlite3.connect(box.db_path()) as c:
        assert c.execute("SELECT COUNT(*) FROM outbox WHERE acked = 0").fetchone() == (0,)
    # the release again later: 189 is there already and is not applied twice
    box.start("tests/pb-web-next")
    box.stop()
    with sqlite3.connect(box.db_path()) as c:
        assert c.execute("SELECT COUNT(*) FROM schema_migration "
                         "WHERE version = 189").fetchone() == (1,)


def next_ctl(box, *args, check=True):
    """The release's own pbctl (pbctl-next: it knows the release's migrations)."""
    p = subprocess.run([binary("tests/pbctl-next"), "-c", box.conf, *args],
                       capture_output=True, text=True, timeout=120)
    assert not check or p.returncode == 0, (args, p.returncode, p.stdout, p.stderr)
    return p


def records(box):
    """What the box holds that must never be lost: the session, the
    check-ins with their signatures, the claims with their events, the
    outbox (every record that goes upstream: later ones may follow)."""
    with sqlite3.connect(box.db_path()) as c:
        return {
            "sessions": c.execute("SELECT uid, title FROM kegiatan ORDER BY uid").fetchall(),
            "checkins": c.execute("SELECT uid, nuptk, signature FROM attendance "
                                  "ORDER BY uid").fetchall(),
            "claims": c.execute("SELECT uid, nuptk, item, amount FROM claim "
                                "ORDER BY uid").fetchall(),
            "claim_events": c.execute("SELECT COUNT(*) FROM claim_event").fetchone()[0],
            "outbox": c.execute("SELECT id, hash FROM outbox ORDER BY seq").fetchall(),
        }


def kept(now, made):
    """Every record made is still there, the outbox's as its first part."""
    return {**now, "outbox": now["outbox"][:len(made["outbox"])]} == made


def applied(box, version):
    with sqlite3.connect(box.db_path()) as c:
        return c.execute("SELECT older_ok FROM schema_migration WHERE version = ?",
                         (version,)).fetchone()


def trial_with_records(boxes, hub, tmp, monkeypatch, held="1"):
    """Root B on trial runs the release (pb-web-next and pbctl-next with 188
    marked newer only, and 189 above it); on it a session is made, a teacher
    checks in with a signature and files a claim. Returns the box (pb-web-next
    still serving), its boot folder, command-line file and the session."""
    monkeypatch.setenv("PB_NEXT_NEWER_ONLY", held)
    box, boot, cmdline = tried_on_b(boxes, hub, tmp, sections=ATT + CLAIMS)
    box.start("tests/pb-web-next")
    add_staff(box)
    staff = Staff(box)
    sid = staff.create_session(title="Pelatihan di root B")
    assert staff.roster(sid, roster_csv(2)).status_code == 200
    rates = os.path.join(box.dir, "rates.csv")
    with open(rates, "w") as f:
        f.write(rates_csv())
    next_ctl(box, "rates", "import", rates)
    st, j = checkin(box, "127.0.0.41", sid, nuptk(0), staff.code(sid), sig=SIG)
    assert st == 201, j
    r = requests.post(box.base + "/api/v1/claims", timeout=30, json={
        "session": sid, "nuptk": nuptk(0), "item": "uang_harian", "checkin": j["uid"]})
    assert r.status_code == 201, r.text
    # held back: 188 (newer only) and 189 above it; the release serves without them
    assert applied(box, 188) is None and applied(box, 189) is None
    st = next_ctl(box, "update", "status").stdout
    assert "database:   migration 188, 189 held back until this release is committed" in st, st
    assert "migration 188 is marked newer only" in box.web.output()
    return box, boot, cmdline, sid


def test_failed_trial_with_a_newer_only_migration_keeps_the_records(boxes, hub, tmpdir_hub,
                                                                     monkeypatch):
    """The release's migration marked newer only is held back on trial; the
    trial fails and root A's pb-web, which could not read a database that
    held it, serves every record made on B, and pb-sync sends them up."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch)
    box.stop()
    made = records(box)
    assert made["checkins"] and made["claims"] and made["checkins"][0][2]   # a signature
    p = next_ctl(box, "update", "commit", "--no-reboot", check=False)
    assert p.returncode == 1 and "back to root A" in p.stderr, p.stderr
    assert firmware_boot(boot, False, cmdline) == "A"
    box.start()                                   # root A's pb-web: /healthz 200
    try:
        staff = Staff(box)
        day = staff.day(sid)
        assert day["session"]["title"] == "Pelatihan di root B", day
        assert nuptk(0) in json.dumps(day), day
        r = staff.get(f"/api/v1/sessions/{sid}/claims")
        assert r.status_code == 200 and "uang_harian" in r.text, r.text
        assert "newer version" not in box.web.output()
    finally:
        box.stop()
    assert kept(records(box), made)
    rc, log = one_round(box)
    assert rc == 0, log
    with sqlite3.connect(box.db_path()) as c:
        assert c.execute("SELECT COUNT(*) FROM outbox WHERE acked = 0").fetchone() == (0,)
    assert applied(box, 188) is None


def test_committed_trial_applies_the_held_migration(boxes, hub, tmpdir_hub, monkeypatch):
    """The trial passes: commit first tries the held migrations on a copy,
    names 188 as the one root A cannot read, commits root B, then applies
    188 and 189 over every record, which stay; rollback to root A is then
    refused, since root A's programs would refuse the database. The admin
    page's GET /api/v1/admin/sync says both: held, then no return."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch)
    try:
        rc, log = one_round(box)
        assert rc == 0, log
        # the admin page's source says what pbctl update status says
        add_staff(box, "kepala", "admin")
        admin = Staff(box, "kepala")
        sw = admin.get("/api/v1/admin/sync").json()["software"]
        assert (sw["held"], sw["no_return"]) == ("188, 189", None), sw
        made = records(box)
        saved = os.path.join(tmpdir_hub, "release-files")
        shutil.copytree(os.path.join(box.dir, "data", "update"), saved)
        out = next_ctl(box, "update", "commit", "--no-reboot").stdout
        assert "migration 188, 189 held back during the trial: it applies to a copy" in out, out
        assert "root B committed: pb-sync reached the hub" in out, out
        assert "migration 188, 189 applied (held back during the trial)" in out, out
        assert applied(box, 188) == (0,) and applied(box, 189) == (1,)
        assert kept(records(box), made)
        with sqlite3.connect(box.db_path()) as c:
            uid = c.execute("SELECT uid FROM kegiatan").fetchone()[0]
            assert c.execute("SELECT uid FROM next_held").fetchall() == [(uid,)]
        assert not os.path.exists(os.path.join(box.dir, "data", "migration-rehearsal.db"))
        # the release's pb-web goes on serving on the migrated database
        staff = Staff(box)
        assert nuptk(0) in json.dumps(staff.day(sid))
        # nothing held any more, and no going back
        sw = admin.get("/api/v1/admin/sync").json()["software"]
        assert (sw["held"], sw["no_return"]) == (None, "188"), sw
    finally:
        box.stop()
    assert firmware_boot(boot, False, cmdline) == "B"
    st = next_ctl(box, "update", "status").stdout
    assert "no return:  migration 188 (newer only) is applied: root A cannot read" in st, st
    p = next_ctl(box, "update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and "root A cannot read the database: migration 188" in p.stderr, \
        p.stderr
    assert firmware_boot(boot, False, cmdline) == "B"
    # which is what root A's programs would say
    p = box.pbctl("status", check=False)
    assert p.returncode != 0 and "migration 188" in p.stderr, (p.stdout, p.stderr)
    # an apply that stops before it marks root A as being written (here:
    # root A cannot be mounted writable) leaves root A the old system, and
    # the guard with it
    # (the release's files as pb-sync left them: root A's pb-sync cannot
    # open this database any more)
    shutil.copytree(saved, os.path.join(box.dir, "data", "update"), dirs_exist_ok=True)
    a = os.path.join(tmpdir_hub, "rootA")
    os.rename(a, a + ".away")
    try:
        p = next_ctl(box, "update", "apply", "--force", "--no-reboot", check=False)
    finally:
        os.rename(a + ".away", a)
    assert p.returncode == 1 and "cannot mount" in p.stderr, p.stderr
    assert meta(box, "update.no_return") == "188"
    p = next_ctl(box, "update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and "root A cannot read the database: migration 188" in p.stderr, \
        p.stderr
    assert firmware_boot(boot, False, cmdline) == "B"


def test_held_migration_that_fails_on_the_data_fails_the_trial(boxes, hub, tmpdir_hub,
                                                              monkeypatch):
    """Commit tries the held migrations on a copy of the database first: one
    that fails on this box's data fails the trial while going back is still
    possible, instead of committing a root whose next start could not open
    the database. Root A serves every record."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch,
                                                 held="fails")
    try:
        rc, log = one_round(box)
        assert rc == 0, log
        made = records(box)
        p = next_ctl(box, "update", "commit", "--no-reboot", check=False)
    finally:
        box.stop()
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "migration 188, 189 held back during the trial does not apply to this box's " \
        "database" in p.stderr and "back to root A" in p.stderr, p.stderr
    assert meta(box, "update.state") == "failed" and not meta(box, "update.no_return")
    assert applied(box, 188) is None and kept(records(box), made)
    assert not os.path.exists(os.path.join(box.dir, "data", "migration-rehearsal.db"))
    assert firmware_boot(boot, False, cmdline) == "A"
    box.start()                                   # root A's pb-web serves it all
    try:
        assert nuptk(0) in json.dumps(Staff(box).day(sid))
    finally:
        box.stop()


def test_power_cut_after_the_commit_is_written_finishes_it(boxes, hub, tmpdir_hub,
                                                          monkeypatch):
    """A power cut right after commit wrote pb-slot.txt (root B committed),
    before it recorded the commit and applied the held migration: the box
    is left with the files as pb_slot_write leaves them and update.state
    still "installed". The next boot is root B; its pb-web still holds 188
    back, and the commit step finishes the commit and applies it."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch)
    box.stop()
    made = records(box)
    # what commit wrote before the cut: the migration's name, then the boot files
    set_meta(box, update_no_return="188")
    with open(os.path.join(boot, "cmdline-b.txt")) as f:
        line = f.read()
    with open(os.path.join(boot, "cmdline.txt"), "w") as f:
        f.write(line)
    with open(os.path.join(boot, "pb-slot.txt"), "w") as f:
        f.write("# The root the Pi firmware boots (pbctl update; docs/updates.md).\n"
                "[all]\ncmdline=cmdline-b.txt\n")
    assert firmware_boot(boot, False, cmdline) == "B"             # a cold boot
    assert meta(box, "update.state") == "installed"
    # and a copy of the database a cut rehearsal left behind
    rehearsal = os.path.join(box.dir, "data", "migration-rehearsal.db")
    for suffix in ("", "-wal"):
        with open(rehearsal + suffix, "wb") as f:
            f.write(b"cut")
    box.start("tests/pb-web-next")
    try:
        assert applied(box, 188) is None                          # still held
        out = next_ctl(box, "update", "commit", "--no-reboot").stdout
        assert "root B committed: its checks passed before a power cut" in out, out
        assert not os.path.exists(rehearsal) and not os.path.exists(rehearsal + "-wal")
        assert "migration 188, 189 applied (held back during the trial)" in out, out
        assert applied(box, 188) == (0,) and kept(records(box), made)
        assert nuptk(0) in json.dumps(Staff(box).day(sid))
    finally:
        box.stop()
    assert meta(box, "update.state") == "committed" and meta(box, "update.pending") == ""
    assert meta(box, "update.committed").startswith(f"{VERSION} committed")
    p = next_ctl(box, "update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and "migration 188" in p.stderr, p.stderr


def test_leaving_a_trial_keeps_the_hold_until_the_old_root_runs(boxes, hub, tmpdir_hub,
                                                                monkeypatch):
    """A failed check and a rollback from the trial root both leave root B
    running until the reboot: every program of the release that opens the
    database meanwhile (pb-web restarting, any pbctl, or for good with
    --no-reboot) still holds 188 back, so root A reads the data. Root A's
    commit step ends the hold, keeping why the trial failed; rollback from
    root A does not switch into root B, which was never committed."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch)
    box.stop()
    p = next_ctl(box, "update", "commit", "--no-reboot", check=False)
    assert p.returncode == 1 and "back to root A" in p.stderr, p.stderr
    assert meta(box, "update.pending") == f"{VERSION} on root B"
    # still on root B, before the reboot: the release opens the database
    st = next_ctl(box, "update", "status").stdout
    assert "database:   migration 188, 189 held back" in st, st
    box.start("tests/pb-web-next")
    try:
        assert nuptk(0) in json.dumps(Staff(box).day(sid))
    finally:
        box.stop()
    assert applied(box, 188) is None and applied(box, 189) is None
    assert firmware_boot(boot, False, cmdline) == "A"
    # the trial's end not recorded yet: rollback waits for the commit step
    p = box.pbctl("update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and "has not ended yet" in p.stderr, p.stderr
    out = box.pbctl("update", "commit", "--no-reboot").stdout
    assert f"the trial of {VERSION} on root B ended (failed)" in out, out
    assert meta(box, "update.pending") == "" and meta(box, "update.state") == "failed"
    assert meta(box, "update.error").startswith(f"{VERSION} on root B failed its checks")
    assert box.pbctl("status", check=False).returncode == 0
    # root B holds the release that failed: no rollback into it
    p = box.pbctl("update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and f"root B holds release {VERSION}, which failed its trial" \
        in p.stderr, p.stderr
    assert firmware_boot(boot, False, cmdline) == "A"
    assert firmware_boot(boot, True, cmdline) == "A"
    assert applied(box, 188) is None


def test_rollback_from_the_trial_root_keeps_the_hold(boxes, hub, tmpdir_hub, monkeypatch):
    """Rollback run on the trial root commits root A again; until root A
    runs the release's programs still hold 188 back."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch)
    box.stop()
    out = next_ctl(box, "update", "rollback", "--no-reboot").stdout
    assert "root A committed again" in out, out
    assert meta(box, "update.pending") == f"{VERSION} on root B"
    next_ctl(box, "update", "status")
    assert applied(box, 188) is None
    assert firmware_boot(boot, False, cmdline) == "A"
    out = box.pbctl("update", "commit", "--no-reboot").stdout
    assert "ended (rolled back)" in out, out
    assert meta(box, "update.pending") == "" and meta(box, "update.state") == "rolled back"
    assert box.pbctl("status", check=False).returncode == 0
    # nor does a rollback from root A go into root B, never committed
    p = box.pbctl("update", "rollback", "--no-reboot", check=False)
    assert p.returncode == 1 and f"root B holds release {VERSION}" in p.stderr, p.stderr
    assert firmware_boot(boot, False, cmdline) == "A"


def test_update_status_and_rollback_open_without_migrating(boxes, hub, tmpdir_hub, monkeypatch):
    """A held migration that fails once nothing holds it back (here: the
    record of the trial lost) stops every open that would apply it: pbctl
    status refuses, but pbctl update status and rollback, which apply no
    migration, still tell and go back to root A, which reads the data."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmpdir_hub, monkeypatch,
                                                 held="fails")
    box.stop()
    set_meta(box, update_pending="")
    p = next_ctl(box, "status", check=False)
    assert p.returncode != 0 and "migration 188" in p.stderr, (p.stdout, p.stderr)
    st = next_ctl(box, "update", "status").stdout
    assert "booted:     root B" in st and "committed:  root A" in st, st
    out = next_ctl(box, "update", "rollback", "--no-reboot").stdout
    assert "root A committed again" in out, out
    assert applied(box, 188) is None
    assert firmware_boot(boot, False, cmdline) == "A"
    assert box.pbctl("status", check=False).returncode == 0
    box.start()
    try:
        assert nuptk(0) in json.dumps(Staff(box).day(sid))
    finally:
        box.stop()
