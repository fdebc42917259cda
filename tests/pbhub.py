"""Helpers for the uplink tests: a throwaway PostgreSQL, pb-hub, pb-sync,
and batches made the way a box makes them (for the refusal tests).

PostgreSQL runs as the unprivileged `postgres` user from a temp folder,
on a unix socket in that folder (and a free loopback port only when a test
asks for TCP), with fsync off (it is thrown away), and is stopped
afterwards."""
import atexit
import gzip
import hashlib
import http.client
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
import time

import requests

from pbtest import Daemon, binary, free_port, wait_http

PG_BIN = "/usr/lib/postgresql/15/bin"
PG_USER = "postgres"
# pb-hub never serves as root: the tests run as root, so it switches to
# this user once it listens (-u). Its files folder must be readable by it;
# its program may stay in the clone (started as root, it is already loaded
# when it switches), unlike programs started as another user
# (pbtest.copy_for_user).
HUB_USER = "nobody"
SERVE_AS = ["-u", HUB_USER] if os.geteuid() == 0 else []


# initdb takes seconds (much more on a loaded machine) and makes the same
# cluster every time: it runs once per test process, into PRISTINE, and
# every Postgres copies that folder (cp -a keeps the postgres owner).
PRISTINE = {}


def pristine_cluster():
    """The folder of a cluster fresh from initdb (never started), made on
    first use and removed when this process ends."""
    if "data" not in PRISTINE:
        tmp = tempfile.mkdtemp(prefix=f"pbpg-pristine-{os.getpid()}-")
        os.chmod(tmp, 0o755)
        shutil.chown(tmp, PG_USER)
        atexit.register(shutil.rmtree, tmp, True)
        data = os.path.join(tmp, "data")
        p = subprocess.run(["runuser", "-u", PG_USER, "--", f"{PG_BIN}/initdb", "-D", data,
                            "-A", "trust", "-U", "pb", "--no-sync", "-E", "UTF8",
                            "--locale=C"], capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stderr
        PRISTINE["data"] = data
    return PRISTINE["data"]


PSQL_SESSIONS_MAX = 4     # psql sessions kept open per server


class PsqlSession:
    """One psql reading queries from a pipe, ON_ERROR_STOP: each query is
    followed by an \\echo of a marker, and its output is what comes before
    the marker. On an error psql exits; run() then gives (None, stderr)."""

    def __init__(self, conninfo, folder):
        self.marker = f"--pb-psql-done-{secrets.token_hex(8)}--"
        self.err = tempfile.TemporaryFile(mode="w+", dir=folder)
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True,
            bufsize=1)

    def run(self, sql):
        """(output, "") or (None, what psql said on stderr)."""
        lines = []
        try:
            self.proc.stdin.write(f"{sql}\n;\n\\echo {self.marker}\n")
            self.proc.stdin.flush()
            for line in self.proc.stdout:
                if line.rstrip("\n") == self.marker:
                    return "".join(lines).strip(), ""
                lines.append(line)
        except BrokenPipeError:
            pass
        self._end(60)
        self.err.seek(0)
        return None, self.err.read() or f"psql ended ({self.proc.returncode})"

    def _end(self, timeout):
        """psql's end: it exits by itself within timeout, or is killed."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self._end(10)
        self.proc.stdout.close()
        self.err.close()


class Postgres:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix=f"pbpg-{os.getpid()}-")
        os.chmod(self.tmp, 0o755)
        self.data = os.path.join(self.tmp, "data")
        self.sock = self.tmp
        # With TCP off the port only names the socket file in self.sock.
        self.port = free_port()
        self.tcp = False        # listen on 127.0.0.1:port too
        shutil.chown(self.tmp, PG_USER)
        self.started = False
        self.sessions = {}      # db: PsqlSession, the least recently used first
        self.fsync = False      # thrown away after the tests; benchmarks turn it on
        # Without fsync, commits still reach the OS before they are answered
        # when this is on (a killed server loses none); off is faster.
        self.synchronous_commit = False
        self.hub_template = None    # a database pb-hub migrated once (hub_db)

    def _as_pg(self, *cmd, **kw):
        return subprocess.run(["runuser", "-u", PG_USER, "--", *cmd], capture_output=True,
                              text=True, timeout=120, **kw)

    def start(self):
        """A new cluster (a copy of pristine_cluster()) and its server."""
        subprocess.run(["cp", "-a", pristine_cluster(), self.data], check=True, timeout=120)
        return self.start_server()

    def start_server(self):
        """Start the server on the data folder made by start() (again after
        stop_immediate(): that is a crash recovery)."""
        log = os.path.join(self.tmp, "pg.log")
        listen = "127.0.0.1" if self.tcp else "''"
        p = self._as_pg(f"{PG_BIN}/pg_ctl", "-D", self.data, "-w", "-l", log, "-o",
                        f"-k {self.sock} -p {self.port} -c listen_addresses={listen} "
                        + ("" if self.fsync else "-c fsync=off -c full_page_writes=off ")
                        + ("" if self.fsync or self.synchronous_commit
                           else "-c synchronous_commit=off ")
                        + "-c max_connections=300", "start")
        if p.returncode != 0:
            with open(log, errors="replace") as f:
                tail = f.read()[-2000:]
            raise AssertionError(f"{p.stderr}{p.stdout}\npg.log:\n{tail}")
        self.started = True
        return self

    def conninfo(self, db="postgres"):
        return f"host={self.sock} port={self.port} user=pb dbname={db}"

    def create_db(self, name, template=None):
        self.psql("postgres", f"CREATE DATABASE {name}"
                  + (f" TEMPLATE {template}" if template else ""))
        return self.conninfo(name)

    def hub_db(self, name):
        """A new database with pb-hub's schema: a copy of one that `pb-hub
        migrate` made once on this server (CREATE DATABASE ... TEMPLATE),
        not every migration run again for each test. Nothing ever connects
        to the template but that migrate, so it can be copied."""
        if self.hub_template is None:
            tpl = f"hub_template_{os.getpid()}"
            self.create_db(tpl)
            files = os.path.join(self.tmp, "hub-template-files")
            os.makedirs(files, exist_ok=True)
            p = subprocess.run([binary("pb-hub"), "-d", self.conninfo(tpl), "-f", files,
                                "migrate"], capture_output=True, text=True, timeout=120)
            assert p.returncode == 0, f"pb-hub migrate failed ({p.returncode}):\n{p.stdout}\n{p.stderr}"
            self.hub_template = tpl
        return self.create_db(name, self.hub_template)

    def psql(self, db, sql):
        """The output of sql (unaligned, tuples only, stripped), run by a
        psql kept open on db: a psql and a server backend started for
        every query cost more than most queries. A session whose server
        went away (stop_immediate) is opened again once."""
        for again in (False, True):
            out, err = self._session(db).run(sql)
            if out is not None:
                return out
            self._close_session(db)
            lost = "connection" in err and "ERROR:" not in err
            if not lost or again:
                break
        raise AssertionError(err)

    def _session(self, db):
        s = self.sessions.pop(db, None)
        if s is None:
            s = PsqlSession(self.conninfo(db), self.tmp)
        self.sessions[db] = s                 # the newest last
        while len(self.sessions) > PSQL_SESSIONS_MAX:
            self._close_session(next(iter(self.sessions)))
        return s

    def _close_session(self, db):
        s = self.sessions.pop(db, None)
        if s is not None:
            s.close()

    def close_sessions(self):
        for db in list(self.sessions):
            self._close_session(db)

    def stop_immediate(self):
        """`pg_ctl stop -m immediate`: every backend is killed, no shutdown
        checkpoint; the next start recovers from the WAL."""
        self.close_sessions()
        p = self._as_pg(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        assert p.returncode == 0, p.stderr + p.stdout
        self.started = False

    def stop(self):
        self.close_sessions()
        if self.started:
            self._as_pg(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.tmp, ignore_errors=True)


class Process:
    """Something with a Daemon in self.daemon."""
    daemon = None

    def stop(self):
        if self.daemon is not None:
            self.daemon.stop()
            self.daemon = None

    def kill9(self):
        if self.daemon is not None:
            self.daemon.kill9()
            self.daemon = None


class Hub(Process):
    """One pb-hub process on a free loopback port over a fresh database."""
    counter = 0

    def __init__(self, pg, tmpdir, threads=2, db=None, tls=None, args=()):
        Hub.counter += 1
        self.pg = pg
        self.dbname = db or f"hub_{os.getpid()}_{Hub.counter}"
        if db is None:
            self.conn = pg.hub_db(self.dbname)
        else:
            self.conn = pg.conninfo(db)
        self.files = os.path.join(tmpdir, f"hub-files-{Hub.counter}")
        os.makedirs(self.files, exist_ok=True)
        os.chmod(tmpdir, 0o755)   # pb-hub serves as HUB_USER (SERVE_AS)
        self.port = free_port()
        self.tls = tls            # (cert.pem, key.pem) or None
        self.base = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.log = os.path.join(tmpdir, f"pb-hub-{Hub.counter}.log")
        self.threads = threads
        self.args = list(args)    # more options for serving, e.g. ["-L", "box=60/5"]
        self.daemon = None

    def cli(self, *args, input=None, check=True):
        p = subprocess.run([binary("pb-hub"), "-d", self.conn, "-f", self.files, *args],
                           input=input, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError(f"pb-hub {args} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def start(self):
        tls = ["-C", self.tls[0], "-K", self.tls[1]] if self.tls else []
        self.daemon = Daemon([binary("pb-hub"), "-d", self.conn, "-f", self.files,
                              "-l", f"127.0.0.1:{self.port}", "-t", str(self.threads), *tls,
                              *SERVE_AS, *self.args],
                             self.log)
        if self.tls:
            wait_for(lambda: "listening on" in self.daemon.output(), 20, what="pb-hub")
        else:
            wait_http(self.base + "/healthz", proc=self.daemon.proc)
        return self

    def sql(self, q):
        return self.pg.psql(self.dbname, q)

    def count(self, box_id=None):
        if box_id:
            return int(self.sql(f"SELECT count(*) FROM records WHERE box_id = '{box_id}'"))
        return int(self.sql("SELECT count(*) FROM records"))


def sync_section(hub_url, token="", extra=""):
    """A [sync] section for a test box; extra holds "key = value" lines
    that replace the defaults here. box.health reports are off unless extra
    sets health_interval_s (tests/sync/test_health.py), so the other tests
    count only the records they make."""
    keys = {"hub_url": hub_url, "test_mode": "1", "enrol_token": token, "interval_s": "5",
            "backoff_max_s": "5", "health_interval_s": "0"}
    for line in extra.splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            keys[k.strip()] = v.strip()
    return "[sync]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())


class Sync(Process):
    """pb-sync for a test box."""

    def __init__(self, box, env=None):
        self.box = box
        self.daemon = None
        self.env = env

    def start(self, args=()):
        self.daemon = Daemon([binary("pb-sync"), "-c", self.box.conf, *args],
                             os.path.join(self.box.dir, "pb-sync.log"), env=self.env)
        return self


# valgrind for the daemons: errors and definite or indirect leaks fail the run
VALGRIND = ["valgrind", "--error-exitcode=99", "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect"]


def sync_once(box, timeout=60):
    """One pb-sync round (-1) that must end with everything up and down."""
    s = Sync(box).start(["-1"])
    try:
        assert s.daemon.proc.wait(timeout=timeout) == 0, s.daemon.output()
    finally:
        s.stop()


def box_meta(box, key):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        row = c.execute("SELECT value FROM box_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def box_counts(box):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        total = c.execute("SELECT count(*) FROM outbox").fetchone()[0]
        unacked = c.execute("SELECT count(*) FROM outbox WHERE acked = 0").fetchone()[0]
    return total, unacked


def wait_for(pred, timeout=60.0, step=0.1, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def signature_strokes(rng):
    """Finger strokes as an SVG-like path, about 1.5 KB like a real signature."""
    pts, x, y = [], 100, 50
    for _ in range(180):
        x, y = max(0, min(300, x + rng.randint(-9, 9))), max(0, min(100, y + rng.randint(-6, 6)))
        pts.append(f"{x} {y}")
    return "M" + " L".join(pts)


def finger_signature(rng, points=180, w=300, h=150):
    """A signature as the check-in page's pad sends it ({w, h, s}, webapp/js/
    signature.js): a few strokes drawn by a finger, sampled like pointer
    events (2 units apart at least), each a smooth curve whose heading
    turns a little from one sample to the next."""
    import math
    strokes, left = [], points
    n_strokes = rng.randint(2, 4)
    for k in range(n_strokes):
        want = left if k == n_strokes - 1 else \
            rng.randint(points // (2 * n_strokes), points // n_strokes)
        left -= want
        x, y = rng.uniform(30, w - 30), rng.uniform(30, h - 30)
        heading, turn = rng.uniform(0, 2 * math.pi), 0.0
        pts = [(round(x), round(y))]
        while len(pts) < want:
            turn = max(-0.45, min(0.45, turn + rng.gauss(0, 0.12)))
            heading += turn
            step = rng.uniform(2.5, 5.0)
            x, y = x + step * math.cos(heading), y + step * math.sin(heading)
            if not (4 < x < w - 4 and 4 < y < h - 4):      # turn back from the edge
                heading += math.pi
                x, y = min(w - 4, max(4, x)), min(h - 4, max(4, y))
            p = (round(x), round(y))
            if abs(p[0] - pts[-1][0]) >= 2 or abs(p[1] - pts[-1][1]) >= 2:
                pts.append(p)
        flat = [pts[0][0], pts[0][1]]
        for a, b in zip(pts, pts[1:]):
            flat += [b[0] - a[0], b[1] - a[1]]
        strokes.append(flat)
    return {"w": w, "h": h, "s": strokes}


# ---- batches made like a box makes them (docs/sync-protocol.md §4) ----

def box_records(box, first=1, limit=1000):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        rows = c.execute("SELECT seq, id, type, payload, wall_ms, clock_source, boot_id, "
                         "mono_ms, prev_hash, hash FROM outbox WHERE seq >= ? ORDER BY seq "
                         "LIMIT ?", (first, limit)).fetchall()
    keys = ["seq", "id", "type", "payload", "wall_ms", "clock_source", "boot_id", "mono_ms",
            "prev_hash", "hash"]
    return [dict(zip(keys, r)) for r in rows]


def make_body(box_id, records):
    doc = {"v": 1, "box_id": box_id, "records": records}
    return gzip.compress(json.dumps(doc, separators=(",", ":")).encode())


def box_key(box):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    with open(os.path.join(box.dir, "data", "sync.key"), "rb") as f:
        sk = f.read()
    return Ed25519PrivateKey.from_private_bytes(sk[:32])


def sign(key, data):
    return key.sign(data).hex()


def post_batch(hub, box_id, body, sig):
    return requests.post(hub.base + "/v1/batch", data=body, timeout=30, headers={
        "Content-Type": "application/vnd.pb-batch+gzip", "X-PB-Box": box_id,
        "X-PB-Signature": sig})


GENESIS = "0" * 64


def record_hash(box_id, r):
    """The record hash of docs/sync-protocol.md §3."""
    fields = ["pb-outbox-1", box_id, str(r["seq"]), r["id"], r["type"], str(r["wall_ms"]),
              r["clock_source"], r["boot_id"], str(r["mono_ms"]), r["prev_hash"]]
    return hashlib.sha256(("\n".join(fields) + "\n" + r["payload"]).encode()).hexdigest()


class SimBox:
    """A box made in Python for load and fault tests: its own Ed25519 key,
    `records` hash-chained records, cut into gzipped, signed batches of
    `batch` made beforehand (self.batches: (body, signature))."""

    def __init__(self, n, records, batch):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        self.key = Ed25519PrivateKey.generate()
        self.box_id = secrets.token_hex(16)
        self.pk = self.key.public_key().public_bytes(serialization.Encoding.Raw,
                                                     serialization.PublicFormat.Raw).hex()
        prev, self.records = GENESIS, []
        for seq in range(1, records + 1):
            r = {"seq": seq, "id": secrets.token_hex(16), "type": "attendance.checkin",
                 "payload": json.dumps({"session_id": f"S{n % 50}", "nuptk":
                                        f"{3200000000000000 + seq}", "jp": 8},
                                       separators=(",", ":")),
                 "wall_ms": 1795000000000 + seq, "clock_source": "ntp", "boot_id": "b",
                 "mono_ms": seq, "prev_hash": prev}
            r["hash"] = prev = record_hash(self.box_id, r)
            self.records.append(r)
        self.batch = batch
        self.batches = []
        for i in range(0, records, batch):
            body = gzip.compress(json.dumps({"v": 1, "box_id": self.box_id,
                                             "records": self.records[i:i + batch]},
                                            separators=(",", ":")).encode(), 6)
            self.batches.append((body, self.key.sign(body).hex()))

    def enrol(self, port, token, tries=1):
        """Enrol; a 5xx answer is tried again, up to tries times in all."""
        msg = f"pb-enrol-1\n{self.box_id}\n{self.pk}\n{token}".encode()
        for _ in range(tries):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("POST", "/v1/enrol", json.dumps({
                "box_id": self.box_id, "public_key": self.pk, "token": token,
                "signature": self.key.sign(msg).hex()}), {"Content-Type": "application/json"})
            r = c.getresponse()
            text = r.read()
            c.close()
            if r.status < 500:
                break
            time.sleep(0.1)
        assert r.status == 200, text


def add_records(b, kind, payloads):
    """Records of one type appended to the box's outbox in one go (pbctl
    outbox add TYPE -, one payload a line): one pbctl, not one each."""
    text = "".join(json.dumps(p, separators=(",", ":")) + "\n" for p in payloads)
    out = b.pbctl("outbox", "add", kind, "-", input=text).stdout
    assert f"{len(payloads)} records added" in out, out


def carried_day(b, first, teachers):
    """A training day's check-ins and approved claims, as the box's outbox
    records (pbctl outbox add: the check-ins, then the claims, then their
    approvals); returns how many."""
    people = [(t, f"{3200000000000000 + t}") for t in range(first, first + teachers)]
    add_records(b, "attendance.checkin", [
        {"session_id": "S-USB", "day": 1, "nuptk": nuptk, "name": f"Guru {t}", "jp": 8}
        for t, nuptk in people])
    add_records(b, "claim.submit", [
        {"session_id": "S-USB", "claim_id": f"U{t:03d}", "nuptk": nuptk, "item": "transport",
         "amount_rp": 50000 + t} for t, nuptk in people])
    add_records(b, "claim.decision", [
        {"session_id": "S-USB", "claim_id": f"U{t:03d}", "decision": "approved"}
        for t, _ in people])
    return 3 * teachers


def publish_module(hub, tmpdir, module_id, size, centre=None):
    """The office publishes a module with one file of random bytes (for
    one centre, or for all); returns the file's SHA-256."""
    mod = os.path.join(tmpdir, module_id)
    os.makedirs(mod)
    data = os.urandom(size)
    with open(os.path.join(mod, "video.mp4"), "wb") as f:
        f.write(data)
    sha = hashlib.sha256(data).hexdigest()
    with open(os.path.join(mod, "manifest.json"), "w") as f:
        json.dump({"format": 1, "modules": [{"id": module_id, "title": "Pecahan", "kk": "A",
                   "subject": "Matematika", "level": "SD",
                   "files": [{"path": "video.mp4", "sha256": sha}]}]}, f)
    hub.cli("catalogue", "add", mod, *(["--centre", centre] if centre else []))
    return sha


def make_deb(folder, name, payload_bytes, version="99.1.0", arch="arm64", files=None):
    """A real (tiny) Debian package for a software release
    (docs/updates.md): /usr/share/NAME/blob with payload_bytes of random
    data, uncompressed so its size is what the test asks, and files
    ({path below /: text}) besides."""
    root = os.path.join(folder, name + "-root")
    os.makedirs(os.path.join(root, "DEBIAN"))
    os.makedirs(os.path.join(root, "usr", "share", name))
    for path, text in (files or {}).items():
        os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
        with open(os.path.join(root, path), "w") as f:
            f.write(text)
    with open(os.path.join(root, "DEBIAN", "control"), "w") as f:
        f.write(f"Package: {name}\nVersion: {version}\nArchitecture: {arch}\n"
                "Maintainer: Test <t@example.org>\nDescription: test package\n")
    with open(os.path.join(root, "usr", "share", name, "blob"), "wb") as f:
        f.write(os.urandom(payload_bytes))
    deb = os.path.join(folder, f"{name}_{version}_{arch}.deb")
    subprocess.run(["dpkg-deb", "-Znone", "--root-owner-group", "--build", root, deb],
                   check=True, capture_output=True)
    return deb
