"""The box's programs run as different users that share the database
through one group (on the box: pb-web as pb, pb-sync and pb-gpio as their
own users in group pb, pbctl as root or an admin in group pb). Whoever
opens the database first makes its -wal and -shm files, and SQLite gives
them the database file's mode: every program must still be able to write,
whatever the order they start in and whoever made the files.

The users here are numeric ids without passwd entries (setpriv), in a
shared group, with the units' UMask=0007; the data folder is set-group-ID
and belongs to pb-web's user, as the image makes it. The programs, the
web app and the box's folder are copied where those users can read them,
so the test also passes from a clone in a private folder."""
import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time

import pytest
import requests

from pbtest import Daemon, binary, free_port, wait_http, write_config, ROOT

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch users")

PASSWORD = "rahasia-fasil-1"
UMASK = "0007"                      # what the units set


def free_id(start, taken):
    """A uid/gid that is neither a user nor a group here."""
    n = start
    while True:
        try:
            pwd.getpwuid(n)
        except KeyError:
            try:
                grp.getgrgid(n)
            except KeyError:
                if n not in taken:
                    return n
        n += 1


class Ids:
    def __init__(self):
        taken = set()
        for name in ("group", "web", "sync", "sync_group", "admin", "admin_group"):
            n = free_id(61000 + len(taken) * 7, taken)
            taken.add(n)
            setattr(self, name, n)


class Site:
    """A box folder readable by the test users, with its own copy of the
    programs and the web app."""

    def __init__(self, ids):
        self.ids = ids
        self.tmp = tempfile.mkdtemp(prefix=f"pbmodes-{os.getpid()}-")
        os.chmod(self.tmp, 0o755)
        self.bin = os.path.join(self.tmp, "bin")
        os.mkdir(self.bin)
        for name in ("pb-web", "pb-sync", "pbctl"):
            shutil.copy2(binary(name), self.bin)
        self.webapp = os.path.join(self.tmp, "webapp")
        shutil.copytree(os.path.join(ROOT, "webapp"), self.webapp)
        self.port = free_port()
        self.conf = write_config(self.tmp, self.port)
        with open(self.conf) as f:
            text = f.read().replace(os.path.join(ROOT, "webapp"), self.webapp)
        # pb-sync's hub is a closed port: it opens the database and keeps
        # trying to reach the hub.
        text += "\n[sync]\nhub_url = http://127.0.0.1:1\ntest_mode = 1\n"
        with open(self.conf, "w") as f:
            f.write(text)
        os.chmod(self.conf, 0o644)
        self.data = os.path.join(self.tmp, "data")
        self.db = os.path.join(self.data, "pb.db")
        self.base = f"http://127.0.0.1:{self.port}"
        self.daemons = []

    def run_as(self, who, argv, **kw):
        """argv as user who ("root", "web", "sync", "admin") with UMask=0007."""
        return subprocess.run(self.wrap(who, argv), capture_output=True, text=True,
                              timeout=120, **kw)

    def wrap(self, who, argv):
        i = self.ids
        user = {
            "web": ["--reuid", str(i.web), "--regid", str(i.group), "--clear-groups"],
            "sync": ["--reuid", str(i.sync), "--regid", str(i.sync_group),
                     "--groups", str(i.group)],
            "admin": ["--reuid", str(i.admin), "--regid", str(i.admin_group),
                      "--groups", str(i.group)],
        }
        shell = ["sh", "-c", f'umask {UMASK}; exec "$@"', "sh"]
        if who == "root":
            return shell + argv
        return ["setpriv", *user[who], "--inh-caps=-all", "--bounding-set=-all"] + shell + argv

    def pbctl(self, who, *args, input=None):
        return self.run_as(who, [os.path.join(self.bin, "pbctl"), "-c", self.conf, *args],
                           input=input)

    def provision(self):
        """What the image and its first boot do: the data folder belongs to
        pb-web's user, set-group-ID, group-writable; pbctl (root) makes the
        database and an account, then hands everything to pb-web's user."""
        os.mkdir(self.data)
        os.chown(self.data, self.ids.web, self.ids.group)
        os.chmod(self.data, 0o2770)
        p = self.pbctl("root", "user", "add", "fasil", "--role", "fasilitator",
                       input=PASSWORD + "\n")
        assert p.returncode == 0, p.stdout + p.stderr
        for top, dirs, files in os.walk(self.data):
            for n in dirs + files:
                os.lchown(os.path.join(top, n), self.ids.web, self.ids.group)

    def start(self, who):
        exe = {"web": "pb-web", "sync": "pb-sync"}[who]
        d = Daemon(self.wrap(who, [os.path.join(self.bin, exe), "-c", self.conf]),
                   os.path.join(self.tmp, f"{exe}.log"))
        self.daemons.append(d)
        if who == "web":
            wait_http(self.base + "/healthz", timeout=60, proc=d.proc)
        else:
            # pb-sync has the database open once its wake socket exists
            end = time.time() + 60
            while not os.path.exists(os.path.join(self.data, "run", "sync-wake.sock")):
                assert d.alive() and time.time() < end, d.output()
                time.sleep(0.05)
        return d

    def stop_all(self):
        for d in self.daemons:
            d.stop(expect_code=None)
        self.daemons = []

    def close(self):
        try:
            self.stop_all()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def site():
    s = Site(Ids())
    yield s
    s.close()


def login(site):
    r = requests.post(site.base + "/api/v1/login", json={"user": "fasil", "password": PASSWORD},
                      timeout=60)
    return r


def accept(site):
    return requests.post(site.base + "/api/v1/portal/accept",
                         headers={"Accept": "application/json"}, timeout=60)


def db_files(site):
    return [p for p in (site.db, site.db + "-wal", site.db + "-shm") if os.path.exists(p)]


def describe(site):
    out = []
    for name in sorted(os.listdir(site.data)):
        st = os.lstat(os.path.join(site.data, name))
        out.append(f"{name} {st.st_uid}:{st.st_gid} {oct(stat.S_IMODE(st.st_mode))}")
    return "\n".join(out)


def assert_everyone_writes(site):
    """pb-web (a login and a portal acceptance), pbctl as root and as an
    admin in the group: each writes."""
    r = login(site)
    assert r.status_code == 200, (r.text, describe(site), site.daemons[-1].output()[-2000:])
    r = accept(site)
    assert r.status_code == 200, (r.text, describe(site))
    for who in ("root", "admin"):
        p = site.pbctl(who, "outbox", "add", "test.event", '{"who": "%s"}' % who)
        assert p.returncode == 0, (who, p.stdout + p.stderr, describe(site))
    # after root wrote, pb-web still writes
    assert login(site).status_code == 200, describe(site)
    for path in db_files(site):
        st = os.stat(path)
        assert st.st_gid == site.ids.group, (path, describe(site))
        assert stat.S_IMODE(st.st_mode) & 0o060 == 0o060, (path, describe(site))


def boot(site, order):
    """One boot: the root step of the first boot, then the daemons in
    order."""
    p = site.pbctl("root", "data", "mend")
    for who in order:
        site.start(who)
    return p


def test_pb_sync_first_then_pb_web_writes(site):
    """The failure seen on boxes: pb-sync opened the database before
    pb-web's first request and made -shm with the database's mode."""
    site.provision()
    boot(site, ["sync", "web"])
    assert_everyone_writes(site)


def test_any_order_across_restarts(site):
    site.provision()
    for order in (["web", "sync"], ["sync", "web"], ["sync", "web"]):
        p = boot(site, order)
        assert p.returncode == 0, p.stdout + p.stderr
        assert_everyone_writes(site)
        site.stop_all()
    # a clean power-off of an older system removed -wal and -shm: the next
    # opener makes them again
    for path in db_files(site)[1:]:
        os.unlink(path)
    boot(site, ["sync", "web"])
    assert_everyone_writes(site)


def test_mend_puts_wrong_modes_right_and_check_reports_them(site):
    """A box provisioned before: the database 0640, its -shm left by
    pb-sync's user in pb-sync's own group. `pbctl data check` names each
    wrong file and fails; `pbctl data mend` (root) puts them right."""
    site.provision()
    site.start("sync")
    site.stop_all()
    i = site.ids
    os.chmod(site.db, 0o640)
    shm = site.db + "-shm"
    if not os.path.exists(shm):
        open(shm, "wb").close()
    os.chown(shm, i.sync, i.sync_group)
    os.chmod(shm, 0o640)
    p = site.pbctl("admin", "data", "check")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "pb.db:" in p.stdout and "pb.db-shm:" in p.stdout, p.stdout
    p = site.pbctl("root", "data", "mend")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "pb.db-shm" in p.stdout, p.stdout
    p = site.pbctl("admin", "data", "check")
    assert p.returncode == 0, p.stdout + p.stderr
    st = os.stat(shm)
    assert (st.st_gid, stat.S_IMODE(st.st_mode)) == (i.group, 0o660), describe(site)
    site.start("web")
    site.start("sync")
    assert_everyone_writes(site)


def test_unmended_wrong_mode_is_reported_not_silent(site):
    """Without the root step, a -shm pb-web cannot write makes pb-web say
    so: it does not start serving as if all were well."""
    site.provision()
    site.start("sync")
    site.stop_all()
    i = site.ids
    shm = site.db + "-shm"
    if not os.path.exists(shm):
        open(shm, "wb").close()
    os.chown(shm, i.sync, i.sync_group)
    os.chmod(shm, 0o640)
    d = Daemon(site.wrap("web", [os.path.join(site.bin, "pb-web"), "-c", site.conf]),
               os.path.join(site.tmp, "pb-web.log"))
    site.daemons.append(d)
    end = time.time() + 60
    while d.alive() and time.time() < end:
        try:
            r = requests.get(site.base + "/healthz", timeout=5)
            if r.status_code in (200, 503):
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    if d.alive():
        r = requests.get(site.base + "/healthz", timeout=30)
        assert r.status_code == 503, r.text
        assert "pb.db-shm" in r.json().get("database_error", ""), r.text
    out = d.output()
    assert "pb.db-shm" in out and "pbctl data mend" in out, out
