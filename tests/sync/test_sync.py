"""pb-sync as a daemon against pb-hub and PostgreSQL, all real processes
on loopback: wake-up, status, exactly once through kill -9 of either side,
the feeds and a module file download cut three times."""
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
import time

from pbhub import Sync, box_counts, box_meta, publish_module, sync_section, wait_for
from pbtest import Daemon, copy_for_user, user_folder


def enrolled_box(boxes, hub, extra="", token=True):
    tok = hub.cli("token", "PB-TEST-001").stdout.strip() if token else ""
    b = boxes(sections=sync_section(hub.base, tok, extra))
    b.pbctl("init")
    return b


def add(b, n, session="S1"):
    b.pbctl("outbox", "add", "attendance.checkin",
            json.dumps({"session_id": session, "nuptk": "1234567890123456", "name": "Siti",
                        "signature": "M10 10 L20 20"}), str(n))


def box_id(b):
    return box_meta(b, "box_id")


def all_acked(b, total):
    return box_counts(b) == (total, 0)


def test_daemon_wakes_uploads_and_reports(boxes, hub):
    b = enrolled_box(boxes, hub, extra="interval_s = 3600")
    add(b, 10)
    s = Sync(b).start()
    try:
        wait_for(lambda: all_acked(b, 10), 30, what="first upload")
        wait_for(lambda: box_meta(b, "sync.state") == "idle", 30, what="idle")
        # the next round is an hour away: only the wake-up makes it happen now
        add(b, 5)
        assert box_counts(b) == (15, 5)
        out = b.pbctl("sync", "now").stdout
        assert "woken" in out
        wait_for(lambda: all_acked(b, 15), 30, what="upload after wake-up")
        # the round goes on after the last acknowledgement (photos, the
        # feed): it is over when the state is back to idle
        wait_for(lambda: box_meta(b, "sync.state") == "idle", 30, what="idle again")
        st = b.pbctl("sync", "status").stdout
        assert "state:        idle" in st and "pending:      0" in st, st
        assert int(box_meta(b, "sync.bytes_up")) > 0
        assert int(box_meta(b, "sync.last_success_ms")) > 0
        assert hub.count(box_id(b)) == 15
    finally:
        s.stop()
    # the key was made on the box, private to its owner
    key = os.path.join(b.dir, "data", "sync.key")
    assert os.stat(key).st_mode & 0o777 == 0o600
    assert os.path.getsize(key) == 64
    # with pb-sync stopped, waking it is an error that says so
    p = b.pbctl("sync", "now", check=False)
    assert p.returncode == 1 and "not running" in p.stderr


def test_offline_then_hub_appears(boxes, pg, tmpdir_hub):
    from pbhub import Hub
    h = Hub(pg, tmpdir_hub)          # not started yet: the box is offline
    b = enrolled_box(boxes, h)
    add(b, 7)
    s = Sync(b).start()
    try:
        wait_for(lambda: box_meta(b, "sync.state") == "offline", 30, what="offline")
        assert "not reachable" in box_meta(b, "sync.last_error")
        h.start()
        b.pbctl("sync", "now")
        wait_for(lambda: all_acked(b, 7), 30, what="upload once the hub is up")
        assert h.count() == 7
    finally:
        s.stop()
        h.stop()


def test_kill9_hub_and_sync_mid_upload_exactly_once(boxes, hub):
    total = 30000
    b = enrolled_box(boxes, hub, extra="batch_records = 200")
    add(b, total)
    bid = box_id(b)
    b.start()                           # pb-web serves the same database meanwhile
    s = Sync(b).start()
    try:
        wait_for(lambda: 0 < hub.count(bid) < total, 60, 0.02, what="upload under way")
        hub.kill9()                     # mid-ingest
        time.sleep(0.5)
        hub.start()
        wait_for(lambda: 3 * total // 10 < hub.count(bid) < total, 90, 0.02,
                 what="upload going again")
        s.kill9()                       # mid-upload, then the whole box restarts
        b.web.kill9()
        b.web = None
        b.start()
        s = Sync(b).start()
        wait_for(lambda: all_acked(b, total), 180, 0.2, what="all acknowledged")
    finally:
        s.stop()
    assert hub.count(bid) == total
    assert hub.sql(f"SELECT count(DISTINCT id) FROM records WHERE box_id = '{bid}'") == str(total)
    assert hub.sql(f"SELECT min(seq) || ' ' || max(seq) FROM records WHERE box_id = '{bid}'") \
        == f"1 {total}"
    assert f"chain OK, {total} records" in hub.cli("verify", bid).stdout
    assert b.pbctl("outbox", "verify").stdout.strip() == "chain OK"


class CuttingProxy:
    """A TCP proxy in front of the hub that cuts the first `cuts` responses
    longer than `after` bytes once `after` bytes have gone through, and
    notes the Range header of every request."""

    def __init__(self, target_port, after, cuts):
        self.target = target_port
        self.after = after
        self.cuts_left = cuts
        self.ranges = []
        self.lock = threading.Lock()
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(16)
        self.port = self.srv.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.stopped:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,), daemon=True).start()

    def serve(self, c):
        u = socket.create_connection(("127.0.0.1", self.target))
        req = b""

        def up():
            nonlocal req
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    req += d
                    u.sendall(d)
            except OSError:
                pass
        threading.Thread(target=up, daemon=True).start()
        sent, cut = 0, None
        try:
            while True:
                d = u.recv(65536)
                if not d:
                    break
                if cut is None and b"/v1/files/" in req:
                    for line in req.split(b"\r\n"):
                        if line.lower().startswith(b"range:"):
                            with self.lock:
                                self.ranges.append(line.split(b"=")[1].decode())
                    with self.lock:
                        cut = self.cuts_left > 0
                        if cut:
                            self.cuts_left -= 1
                if cut and sent + len(d) > self.after:
                    c.sendall(d[:self.after - sent])
                    break
                c.sendall(d)
                sent += len(d)
        except OSError:
            pass
        for s in (c, u):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.stopped = True
        self.srv.close()


def test_feeds_and_module_file_cut_three_times(boxes, hub, tmpdir_hub):
    # the office publishes a module with a 1 MB file, rates and a roster
    sha = publish_module(hub, tmpdir_hub, "kk-a-mat-1", 1024 * 1024)
    hub.cli("publish", "rates", input=json.dumps([{"item": "uang_harian", "amount_rp": 150000}]))
    hub.cli("publish", "roster", "--centre", "PB-TEST-001",
            input=json.dumps({"session_id": "S1", "nuptk": "1234567890123456"}))
    hub.cli("publish", "roster", "--centre", "PB-OTHER",
            input=json.dumps({"session_id": "S9", "nuptk": "9999999999999999"}))

    proxy = CuttingProxy(hub.port, after=200 * 1024, cuts=3)
    b = boxes(sections=sync_section(f"http://127.0.0.1:{proxy.port}",
                                    hub.cli("token", "PB-TEST-001").stdout.strip()))
    b.pbctl("outbox", "add", "claim.submit",
            json.dumps({"claim_id": "C1", "session_id": "S1", "amount_rp": 75000}))
    b.pbctl("outbox", "add", "claim.decision",
            json.dumps({"claim_id": "C1", "session_id": "S1", "decision": "approved"}))
    s = Sync(b).start()
    try:
        stored = os.path.join(b.dir, "data", "store", sha[:2], sha)
        wait_for(lambda: os.path.exists(stored), 90, 0.2, what="module file stored")
        with open(stored, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha
        # three cuts, each resumed from where it stopped
        assert len(proxy.ranges) == 4, proxy.ranges
        starts = [int(r.split("-")[0]) for r in proxy.ranges]
        assert starts[0] == 0 and starts == sorted(starts) and len(set(starts)) == 4, starts
        assert not os.listdir(os.path.join(b.dir, "data", "store", "tmp"))
        with sqlite3.connect(b.db_path()) as c:
            kinds = dict(c.execute("SELECT kind, count(*) FROM sync_inbox GROUP BY kind"))
            assert c.execute("SELECT source FROM modules WHERE id = 'kk-a-mat-1'").fetchone() \
                == ("hub",)
        assert kinds == {"rates": 1, "roster": 1, "catalogue": 1}   # not the other centre's
        # finance marks the approved claim paid: it comes back down
        csv = hub.cli("export", "claims", "--centre", "PB-TEST-001").stdout
        assert "C1" in csv and "75000" in csv and csv.strip().endswith("no")
        hub.cli("paid", "C1", "TRF-001")
        assert hub.cli("paid", "C1", check=False).returncode == 1   # not twice
        # a part a power cut left beside the stored file (the rename out of
        # tmp/ lost): the next round removes it (docs/reliability.md)
        stale = os.path.join(b.dir, "data", "store", "tmp", sha + ".part")
        with open(stale, "wb") as f:
            f.write(b"\0" * 4096)
        b.pbctl("sync", "now")
        wait_for(lambda: not os.path.exists(stale), 30, 0.2, what="stale part removed")
        with open(stored, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == sha

        def paid():
            with sqlite3.connect(b.db_path()) as c:
                return c.execute("SELECT doc FROM sync_inbox WHERE kind = 'payments'").fetchone()
        doc = json.loads(wait_for(paid, 30, what="payment status")[0])
        assert doc["claim_id"] == "C1" and doc["status"] == "paid"
        assert hub.cli("export", "claims").stdout.strip().endswith("yes")
    finally:
        s.stop()
        proxy.close()


def test_daily_budget_limits_module_files_not_uploads(boxes, hub, tmpdir_hub):
    sha = publish_module(hub, tmpdir_hub, "big", 1536 * 1024)
    b = enrolled_box(boxes, hub, extra="daily_budget_mb = 1")
    add(b, 300)
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    assert box_counts(b) == (300, 0)                      # uploads are never budgeted
    part = os.path.join(b.dir, "data", "store", "tmp", f"{sha}.part")
    assert os.path.getsize(part) == 1024 * 1024           # stopped at the budget
    assert not os.path.exists(os.path.join(b.dir, "data", "store", sha[:2], sha))
    assert "budget" in box_meta(b, "sync.last_error")
    assert int(box_meta(b, "sync.budget_used")) == 1024 * 1024
    # the next day (a fresh budget), it resumes where it stopped and ends verified
    with sqlite3.connect(b.db_path()) as c:
        c.execute("UPDATE box_meta SET value = '0' WHERE key = 'sync.budget_day'")
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    with open(os.path.join(b.dir, "data", "store", sha[:2], sha), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == sha
    assert int(box_meta(b, "sync.budget_used")) == 512 * 1024


def test_enrol_from_bundle_file(boxes, hub, tmpdir_hub):
    b = enrolled_box(boxes, hub, token=False)
    bundle = os.path.join(tmpdir_hub, "bundle.json")
    with open(bundle, "w") as f:
        json.dump({"centre_id": "PB-LAIN", "token": hub.cli("token", "PB-LAIN").stdout.strip()}, f)
    p = b.pbctl("enrol", "--bundle", bundle, check=False)
    assert p.returncode == 1 and "PB-LAIN" in p.stderr     # a bundle for another centre
    with open(bundle, "w") as f:
        f.write(hub.cli("token", "PB-TEST-001", "--bundle").stdout)
    assert "enrolled" in b.pbctl("enrol", "--bundle", bundle).stdout
    assert "PB-TEST-001" in b.pbctl("sync", "status").stdout
    # without a token at all pb-sync says what is missing
    c = enrolled_box(boxes, hub, token=False)
    s = Sync(c).start(["-1"])
    assert s.daemon.proc.wait(timeout=30) == 1
    s.daemon.stop(expect_code=1)
    assert "no enrolment token" in box_meta(c, "sync.last_error")


def test_runs_as_an_unprivileged_user(boxes, hub):
    """pb-sync needs no root: its own user owning the data folder is enough
    (here `nobody`, standing in for the image's pb-sync user)."""
    b = enrolled_box(boxes, hub)
    add(b, 20)
    subprocess.run(["chown", "-R", "nobody:nogroup", b.dir], check=True)
    os.chmod(b.dir, 0o755)
    s = Sync(b)
    build = user_folder("pbsync")       # nobody runs a copy: the clone may be out of its reach
    try:
        s.daemon = Daemon(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                           "--inh-caps=-all", *copy_for_user(build, "pb-sync"), "-c", b.conf,
                           "-1"], os.path.join(b.dir, "pb-sync.log"))
        assert s.daemon.proc.wait(timeout=60) == 0, s.daemon.output()
        s.daemon.stop()
    finally:
        shutil.rmtree(build, ignore_errors=True)
    assert box_counts(b) == (20, 0)
    key = os.path.join(b.dir, "data", "sync.key")
    assert os.stat(key).st_uid == int(subprocess.check_output(["id", "-u", "nobody"]))


def test_tells_the_service_manager(boxes, hub):
    """READY, STATUS and watchdog pings over $NOTIFY_SOCKET, as systemd's
    Type=notify with WatchdogSec expects (the socket here stands in for
    systemd, which does not run as PID 1 on this machine)."""
    b = enrolled_box(boxes, hub, extra="interval_s = 3600")
    add(b, 5)
    path = os.path.join(b.dir, "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.2)
    got = []

    def drain():
        try:
            while True:
                got.append(sock.recv(1024).decode())
        except OSError:
            pass
        return got
    s = Sync(b, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"}).start()
    try:
        wait_for(lambda: sum(m == "WATCHDOG=1" for m in drain()) >= 3, 60, what="watchdog pings")
        assert got[0].startswith("READY=1")
        assert "STATUS=idle" in got
        assert box_counts(b) == (5, 0)
    finally:
        s.stop()
        drain()
        sock.close()
    assert got[-1] == "STOPPING=1"


def test_record_edited_on_the_box_is_refused(boxes, hub):
    """A record changed in the box's database after it was written no longer
    matches its hash: the hub refuses the batch, stores none of it, and the
    box says so instead of retrying in a loop."""
    b = enrolled_box(boxes, hub)
    add(b, 5)
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 0
    s.daemon.stop()
    add(b, 5)
    with sqlite3.connect(b.db_path()) as c:
        c.execute("UPDATE outbox SET payload = replace(payload, 'Siti', 'Sita') WHERE seq = 8")
    assert "BROKEN at seq 8" in b.pbctl("outbox", "verify", check=False).stdout
    s = Sync(b).start(["-1"])
    assert s.daemon.proc.wait(timeout=60) == 1
    s.daemon.stop(expect_code=1)
    assert box_meta(b, "sync.state") == "refused"
    assert "does not match its hash" in box_meta(b, "sync.last_error")
    assert hub.count(box_id(b)) == 5
    assert box_counts(b) == (10, 5)
