"""pbctl update commit when the data partition has no room for the copy of
the database that the held migrations are tried on (docs/updates.md,
"Migrations marked newer only wait for the commit"): the release is not
blamed, the trial goes on, and once space is freed commit runs again.

The space runs out for real: SQLite's VACUUM INTO meets ENOSPC. A full SD
card's data partition cannot be made here, so a small tmpfs stands in for
it, mounted over the box's data folder in a mount namespace of the test's
own (unshare -m, private), so that nothing outside the test sees it; the
box's database and files are copied onto it, and every program that
works on the data (the release's pb-web and pbctl, root A's pbctl) runs
in that namespace (nsenter). The test reads the same files through
/proc/PID/root of the namespace's holder. The tmpfs is sized so that the
database fits with room to write, but its copy does not; a file standing
for what filled the card is removed to free space. The A/B roots and the
firmware's part are played as in test_update_ab.py; reboots are seen
through a stand-in for systemctl (systemd is not PID 1 here), which pbctl
runs from PATH. A newer release published at the hub meanwhile is asked
for by the real pb-sync, run in the same namespace: it waits until the
trial ends, and the no-space state stays what the admin is told."""
import ctypes
import json
import os
import pickle
import shutil
import sqlite3
import subprocess

from pbhub import make_deb
from pbtest import Daemon, binary, wait_http
from test_release import VERSION, one_round
from test_update_ab import firmware_boot, kept, records, trial_with_records

# tests/system, where these are, is on sys.path once test_update_ab is imported
from attendance_util import Staff, add_staff, nuptk

PAGE = 4096
AUDIT_ROWS = 16000             # a term of staff actions: the database grows to some MB
AUDIT_DETAIL = 480             # bytes of each row's detail
REHEARSAL = "migration-rehearsal.db"
NEWER = "99.2.0"               # published while the trial waits for space
NO_SPACE = ("no space on the data partition for a copy of the database to try migration "
            "188, 189 on (copying the database: database or disk is full): the trial goes "
            "on; free space and run pbctl update commit again")
CLONE_NEWNS = 0x00020000
LIBC = ctypes.CDLL(None, use_errno=True)
FAKE_SYSTEMCTL = '#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls"\n'


def pages(n):
    return (n + PAGE - 1) // PAGE * PAGE


class SmallData:
    """The box's data folder on a tmpfs of its own in a private mount
    namespace (the module's docstring says why), holding a copy of what
    the folder held. fill bytes of it are taken by the file filler(), and
    room bytes are free beside it."""

    def __init__(self, box, fill, room):
        self.box = box
        self.data = os.path.join(box.dir, "data")
        self.holder = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             "echo up; exec sleep 3600"], stdout=subprocess.PIPE, text=True)
        try:
            assert self.holder.stdout.readline() == "up\n"
            self.run(["mount", "-t", "tmpfs", "-o", f"size={64 << 20},mode=0755",
                      "pb-nospace", self.data])
            shutil.copytree(self.data, self.path(), symlinks=True, dirs_exist_ok=True)
            self.run(["mount", "-o", f"remount,size={self.used() + pages(fill) + pages(room)}",
                      self.data])
            with open(self.filler(), "wb") as f:
                f.write(b"\0" * pages(fill))
        except BaseException:
            self.close()
            raise

    def path(self, *names):
        """A path of the data folder as the namespace sees it."""
        return os.path.join(f"/proc/{self.holder.pid}/root{self.data}", *names)

    def filler(self):
        return self.path("what-filled-the-card")

    def used(self):
        s = os.statvfs(self.path())
        return (s.f_blocks - s.f_bfree) * s.f_frsize

    def free(self):
        s = os.statvfs(self.path())
        return s.f_bavail * s.f_frsize

    def inside(self, fn, *args):
        """fn(*args) in the namespace (a child forked into it): its result.
        SQLite cannot be pointed at the database through /proc/PID/root: it
        resolves that link to "/" and would open the folder under the tmpfs."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                fd = os.open(f"/proc/{self.holder.pid}/ns/mnt", os.O_RDONLY)
                if LIBC.setns(fd, CLONE_NEWNS) != 0:
                    raise OSError(ctypes.get_errno(), "setns")
                out = (True, fn(*args))
            except BaseException as e:          # noqa: B036 (said to the parent)
                out = (False, repr(e))
            with os.fdopen(w, "wb") as f:
                pickle.dump(out, f)
            os._exit(0)
        os.close(w)
        with os.fdopen(r, "rb") as f:
            ok, out = pickle.load(f)
        os.waitpid(pid, 0)
        assert ok, out
        return out

    def argv(self, argv):
        return ["nsenter", "-t", str(self.holder.pid), "-m", "--", *argv]

    def run(self, argv, check=True, env=None):
        p = subprocess.run(self.argv(argv), capture_output=True, text=True, timeout=120,
                           env=env)
        assert not check or p.returncode == 0, (argv, p.returncode, p.stdout, p.stderr)
        return p

    def start_web(self, program):
        """The box's pb-web (a path under the build folder) in the namespace."""
        self.box.web = Daemon(self.argv([binary(program), "-c", self.box.conf]),
                              os.path.join(self.box.dir, "pb-web.log"))
        wait_http(self.box.base + "/healthz", proc=self.box.web.proc)

    def close(self):
        self.holder.kill()
        self.holder.wait()
        self.holder.stdout.close()


def copy_size(db):
    """The bytes VACUUM INTO writes for db."""
    copy = db + ".size-probe"
    with sqlite3.connect(db) as c:
        c.execute("VACUUM INTO ?", (copy,))
    try:
        return os.path.getsize(copy)
    finally:
        os.remove(copy)


def grow(box):
    """Many audit rows, as a box has after a term: the database and its copy
    some MB, so the room left beside it can hold what the programs write
    meanwhile and still be too small for the copy."""
    with sqlite3.connect(box.db_path()) as c:
        c.executemany("INSERT INTO audit(at_ms, actor, action, detail) VALUES (?, ?, ?, ?)",
                      ((i, "admin", "test.filler", f"{i:08d}" + "x" * (AUDIT_DETAIL - 8))
                       for i in range(AUDIT_ROWS)))


def look(box):
    """What the box's database holds (run where it is): box_meta, the
    migrations 188 and 189 (None when not applied, else older_ok), quick_check,
    the audit rows of grow() and the records of test_update_ab.records()."""
    with sqlite3.connect(box.db_path()) as c:
        return {
            "meta": dict(c.execute("SELECT key, value FROM box_meta").fetchall()),
            "applied": [c.execute("SELECT older_ok FROM schema_migration WHERE version = ?",
                                  (v,)).fetchone() for v in (188, 189)],
            "check": c.execute("PRAGMA quick_check").fetchone()[0],
            "grown": c.execute("SELECT COUNT(*) FROM audit "
                               "WHERE action = 'test.filler'").fetchone()[0],
            "records": records(box),
        }


def boot_files(boot):
    """Every file of the boot folder, by its path in it, with its bytes."""
    files = {}
    for d, _, names in os.walk(boot):
        for n in names:
            with open(os.path.join(d, n), "rb") as f:
                files[os.path.relpath(os.path.join(d, n), boot)] = f.read()
    return files


def stand_in_systemctl(tmp):
    """A folder for PATH with a systemctl that notes its arguments in calls."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    with open(os.path.join(bindir, "systemctl"), "w") as f:
        f.write(FAKE_SYSTEMCTL)
    os.chmod(os.path.join(bindir, "systemctl"), 0o755)
    return bindir


def commit_step(data, bindir, program="tests/pbctl-next"):
    """pbctl update commit as pb-update-commit.service runs it: free to reboot."""
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")
    return data.run([binary(program), "-c", data.box.conf, "update", "commit"], check=False,
                    env=env)


def sync_round(data, program):
    """One round (-1) of the real pb-sync (program: root A's, or the
    release's build/tests/pb-sync-next) in the namespace: its exit code and
    log."""
    d = Daemon(data.argv([binary(program), "-c", data.box.conf, "-1"]),
               os.path.join(data.box.dir, "pb-sync.log"))
    try:
        rc = d.proc.wait(timeout=120)
        return rc, d.output()
    finally:
        d.stop(expect_code=None)


def release_files(data):
    return sorted(os.listdir(data.path("update")))


def deb_of(version):
    return f"pb-update-probe_{version}_all.deb"


def newer_release_waits(box, hub, tmp, data):
    """While the trial waits for space, the hub publishes a newer release and
    pb-sync asks the feed: nothing of it is taken (the trial's release stays
    in DATA/update), and the state and error are still the no-space ones, for
    pbctl and for the admin."""
    folder = os.path.join(tmp, NEWER)
    os.makedirs(folder)
    deb = make_deb(folder, "pb-update-probe", 4096, version=NEWER, arch="all")
    hub.cli("release", "add", deb, "--key", os.path.join(tmp, "release.key"),  # publish()'s
            "--version", NEWER, "--notes", "perbaikan")
    rc, log = sync_round(data, "tests/pb-sync-next")      # root B's
    assert rc == 0, log
    m = data.inside(look, box)["meta"]
    assert (m["update.state"], m["update.error"], m["update.available"],
            m["update.pending"]) == ("no space", NO_SPACE, VERSION, f"{VERSION} on root B"), m
    assert release_files(data) == sorted(["release.json", deb_of(VERSION)])
    assert f"the release feed waits: {VERSION} on root B is on trial" in log, log
    sw = Staff(box, "kepala").get("/api/v1/admin/sync").json()["software"]
    assert (sw["state"], sw["error"], sw["available"], sw["pending"]) == \
        ("no space", NO_SPACE, VERSION, f"{VERSION} on root B"), sw
    st = data.run([binary("tests/pbctl-next"), "-c", box.conf, "update", "status"]).stdout
    assert f"release:    {VERSION} no space" in st and f"error:      {NO_SPACE}" in st, st
    # asked to look for a release, pbctl says the feed waits for the trial
    ck = data.run([binary("tests/pbctl-next"), "-c", box.conf, "update", "check"]).stdout
    assert f"{VERSION} on root B is on trial: pb-sync asks the hub for a newer release " \
        "once the trial ends" in ck and "pb-sync woken" not in ck, ck


def newer_release_comes(data, program):
    """The trial over, the next pb-sync round takes the newer release."""
    rc, log = sync_round(data, program)
    assert rc == 0, log
    assert release_files(data) == sorted(["release.json", deb_of(NEWER)])
    m = data.inside(look, data.box)["meta"]
    assert (m["update.state"], m["update.available"]) == ("ready", NEWER), m


def rehearsal_left(data):
    return [n for n in os.listdir(data.path()) if n.startswith(REHEARSAL)]


def no_space_trial(boxes, hub, tmp, monkeypatch):
    """Root B on trial with records (test_update_ab.trial_with_records), pb-sync
    having reached the hub, an admin account, and the data on a tmpfs with
    room for the database and its writes but not for its copy; the release's
    pb-web serves there. Returns the box, boot folder, command-line file,
    session, the records made, the SmallData and its copy's size."""
    box, boot, cmdline, sid = trial_with_records(boxes, hub, tmp, monkeypatch)
    try:
        rc, log = one_round(box)
        assert rc == 0, log
        add_staff(box, "kepala", "admin")
    finally:
        box.stop()
    grow(box)
    made = records(box)
    size = copy_size(box.db_path())
    data = SmallData(box, fill=size, room=size // 2)
    try:
        assert data.free() < size
        now = data.inside(look, box)
        assert (now["check"], now["grown"], now["records"]) == ("ok", AUDIT_ROWS, made)
        data.start_web("tests/pb-web-next")
    except BaseException:
        box.stop()
        data.close()
        raise
    return box, boot, cmdline, sid, made, data, size


def out_of_space(box, boot, data, bindir):
    """The commit step meets a full data partition: what it must do and
    leave. Returns the boot folder's files, unchanged by it."""
    files = boot_files(boot)
    p = commit_step(data, bindir)
    assert p.returncode == 1, (p.stdout, p.stderr)
    # (before it, the notice that 188 is held: the release's pbctl opened the database)
    assert p.stderr.splitlines()[-1] == f"pbctl: {NO_SPACE}", p.stderr
    assert "back to root" not in p.stderr, p.stderr
    assert "root B runs on trial" in p.stdout and "committed" not in p.stdout, p.stdout
    now = data.inside(look, box)
    m = now["meta"]
    assert m["update.error"] == NO_SPACE and m["update.state"] == "no space", m
    # not blamed, nothing gone back: the trial goes on, armed as it was
    assert m["update.pending"] == f"{VERSION} on root B", m
    assert not m.get("update.failed") and not m.get("update.no_return"), m
    assert boot_files(boot) == files
    assert not os.path.exists(os.path.join(bindir, "calls"))         # no reboot asked
    assert "rebooting" not in p.stdout
    # the copy does not stay; the database is whole, the migrations still held
    assert rehearsal_left(data) == []
    assert (now["check"], now["grown"], now["applied"]) == ("ok", AUDIT_ROWS, [None, None])
    return files, now


def test_no_space_for_the_copy_keeps_the_trial_until_space_is_freed(boxes, hub, tmpdir_hub,
                                                                    monkeypatch):
    box, boot, cmdline, sid, made, data, size = no_space_trial(boxes, hub, tmpdir_hub,
                                                              monkeypatch)
    bindir = stand_in_systemctl(tmpdir_hub)
    try:
        _, now = out_of_space(box, boot, data, bindir)
        assert kept(now["records"], made)
        # what the admin and a technician are told
        sw = Staff(box, "kepala").get("/api/v1/admin/sync").json()["software"]
        assert (sw["state"], sw["error"], sw["pending"], sw["held"], sw["no_return"]) == \
            ("no space", NO_SPACE, f"{VERSION} on root B", "188, 189", None), sw
        st = data.run([binary("tests/pbctl-next"), "-c", box.conf, "update", "status"]).stdout
        assert "booted:     root B" in st and \
            "committed:  root A (the next tryboot tries the other)" in st, st
        assert f"release:    {VERSION} no space" in st and f"error:      {NO_SPACE}" in st, st
        assert "database:   migration 188, 189 held back until this release is committed" \
            in st, st
        # the release still serves on the database
        assert nuptk(0) in json.dumps(Staff(box).day(sid))
        newer_release_waits(box, hub, tmpdir_hub, data)
        # free space, and commit again: now it commits
        os.remove(data.filler())
        assert data.free() > size
        p = commit_step(data, bindir)
        assert p.returncode == 0, (p.stdout, p.stderr)
        assert "migration 188, 189 held back during the trial: it applies to a copy" \
            in p.stdout, p.stdout
        assert "root B committed: pb-sync reached the hub" in p.stdout, p.stdout
        assert "migration 188, 189 applied (held back during the trial)" in p.stdout, p.stdout
        assert not os.path.exists(os.path.join(bindir, "calls"))
        assert rehearsal_left(data) == []
        now = data.inside(look, box)
        m = now["meta"]
        assert (m["update.state"], m["update.error"], m["update.pending"],
                m["update.no_return"]) == ("committed", "", "", "188"), m
        assert now["applied"] == [(0,), (1,)]
        assert (now["check"], now["grown"]) == ("ok", AUDIT_ROWS)
        assert kept(now["records"], made)
        assert nuptk(0) in json.dumps(Staff(box).day(sid))
        # the trial over, the newer release comes (root B's pb-sync)
        newer_release_comes(data, "tests/pb-sync-next")
    finally:
        box.stop()
        data.close()
    assert firmware_boot(boot, False, cmdline) == "B"


def reset_into_a(box, boot, cmdline, data, bindir):
    """Root A boots before space was freed (no one-shot flag: the committed
    root) and its commit step ends the trial: the release, not to blame, is
    ready, not failed, and named untried. Returns what the database holds."""
    box.stop()
    assert firmware_boot(boot, False, cmdline) == "A"
    p = commit_step(data, bindir, program="pbctl")
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert f"root A is committed: the trial of {VERSION} on root B ended (no space for " \
        "the copy of the database)" in p.stdout, p.stdout
    assert "did not reach its checks" not in p.stdout, p.stdout
    assert not os.path.exists(os.path.join(bindir, "calls"))
    now = data.inside(look, box)
    m = now["meta"]
    assert (m["update.state"], m["update.pending"], m["update.untried"]) == \
        ("ready", "", VERSION), m
    assert not m.get("update.failed"), m
    # the trial root's words ("the trial goes on ... commit again") no longer hold
    assert m["update.error"] == "no space on the data partition for a copy of the " \
        f"database: the trial of {VERSION} on root B ended; free space, then pbctl " \
        "update apply installs it again", m
    return now


def untried_then_applied(box, boot, cmdline, data, version):
    """Root B holds the release never committed: rollback does not switch
    into it; apply, with no --retry, installs version into it (--force: the
    session day made on root B is not locked), and root B is a root to try
    again."""
    files = boot_files(boot)
    p = data.run([binary("pbctl"), "-c", box.conf, "update", "rollback", "--no-reboot"],
                 check=False)
    assert p.returncode == 1 and f"root B holds release {VERSION}, whose trial ended for " \
        "want of space and which was never committed" in p.stderr, (p.stdout, p.stderr)
    assert boot_files(boot) == files and firmware_boot(boot, False, cmdline) == "A"
    p = data.run([binary("pbctl"), "-c", box.conf, "update", "apply", "--force",
                  "--no-reboot"], check=False)
    assert p.returncode == 0 and f"release {version} installed into root B" in p.stdout, \
        (p.stdout, p.stderr)
    assert firmware_boot(boot, True, cmdline) == "B"
    m = data.inside(look, box)["meta"]
    assert (m["update.pending"], m["update.untried"]) == (f"{version} on root B", ""), m


def test_reset_after_no_space_makes_the_release_ready_again(boxes, hub, tmpdir_hub,
                                                            monkeypatch):
    """Root A boots before space was freed (the boot deadline, a reset, the
    power): its commit step ends the trial, and the release, not to blame,
    is ready to be applied again, not failed; root B, which holds it never
    committed, is no root to roll back to until apply writes it again."""
    box, boot, cmdline, sid, made, data, size = no_space_trial(boxes, hub, tmpdir_hub,
                                                              monkeypatch)
    bindir = stand_in_systemctl(tmpdir_hub)
    try:
        files, _ = out_of_space(box, boot, data, bindir)
        now = reset_into_a(box, boot, cmdline, data, bindir)
        # the trial is over: a tryboot set again by mistake starts A too
        assert boot_files(boot) != files
        assert firmware_boot(boot, True, cmdline) == "A"
        assert (now["check"], now["grown"], now["applied"]) == ("ok", AUDIT_ROWS, [None, None])
        assert kept(now["records"], made)
        st = data.run([binary("pbctl"), "-c", box.conf, "update", "status"]).stdout
        assert f"release:    {VERSION} ready" in st and "pending:    none" in st, st
        untried_then_applied(box, boot, cmdline, data, VERSION)
    finally:
        box.stop()
        data.close()


def test_reset_after_no_space_with_a_newer_release_waiting(boxes, hub, tmpdir_hub,
                                                           monkeypatch):
    """A newer release was published while the trial waited for space, and
    then root A boots (a reset): its commit step still sees the no-space
    state and ends the trial with the release ready and untried, not failed
    (a state pb-sync had overwritten would read as a trial that never reached
    its checks). Then pb-sync takes the newer release, rollback still refuses
    root B, and apply installs the newer release there without --retry."""
    box, boot, cmdline, sid, made, data, size = no_space_trial(boxes, hub, tmpdir_hub,
                                                              monkeypatch)
    bindir = stand_in_systemctl(tmpdir_hub)
    try:
        out_of_space(box, boot, data, bindir)
        newer_release_waits(box, hub, tmpdir_hub, data)
        reset_into_a(box, boot, cmdline, data, bindir)
        # the trial over, root A's pb-sync takes the newer release; root B
        # still holds the one never committed
        newer_release_comes(data, "pb-sync")
        assert data.inside(look, box)["meta"]["update.untried"] == VERSION
        untried_then_applied(box, boot, cmdline, data, NEWER)
        assert kept(data.inside(look, box)["records"], made)
    finally:
        box.stop()
        data.close()
