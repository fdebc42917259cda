"""pb-hub's ingest under faults (docs/reliability.md, "Hub ingest"): boxes
upload batches without pause while pb-hub is killed with SIGKILL at random
moments with batches in flight, many times, and then PostgreSQL is stopped
with `pg_ctl stop -m immediate` mid-batch and started again, several
times. While PostgreSQL is down the same pb-hub process must answer 5xx at
once (no hang, no exit); once it is back, the hub must go on by itself.
Afterwards the hub's rows are exactly the boxes' records: none missing,
none twice, every chain verified, no conflict.

The boxes are made in Python (tests/pbhub.py SimBox: own keys, real hash
chains, signed gzipped batches); each uploads like pb-sync does, from the
hub's `acked`, resending after any failure. A dedicated PostgreSQL is used
so that stopping it disturbs no other test. Its fsync is off: an immediate
stop kills processes, the page cache survives, so this is a crash of
PostgreSQL, not a power cut.

PostgreSQL runs with synchronous_commit on (its default): a commit has
reached the OS before pb-hub answers. PB_PG_SYNC_COMMIT=off is the control
experiment: PostgreSQL then loses acknowledged batches at an immediate
stop, the boxes see it as a `gap` answer, and the test fails.

PB_HUB_KILLS (default 25) and PB_PG_STOPS (default 5) set the counts.

A second test runs a real pb-sync through a database outage: 503 with
Retry-After, said in plain words on the box, everything delivered after."""
import http.client
import json
import os
import shutil
import random
import tempfile
import threading
import time

from pbhub import Hub, Postgres, SimBox, wait_for

KILLS = int(os.environ.get("PB_HUB_KILLS", "25"))
PG_STOPS = int(os.environ.get("PB_PG_STOPS", "5"))
BOXES = 4
RECORDS = 4000              # per box; a new round of boxes starts when one ends
BATCH = 200
REQUEST_TIMEOUT_S = 30      # an answer later than this counts as a hang


class Uploader:
    """One box uploading like pb-sync: the batch that starts after the
    hub's acked, again after any failure. Counts what happened."""

    def __init__(self, box, port, stats):
        self.box = box
        self.port = port
        self.stats = stats
        self.acked = 0
        self.unexpected = []
        self.done = threading.Event()
        self.stop = False

    def run(self):
        try:
            self.upload()
        finally:
            self.done.set()

    def upload(self):
        c = None
        while self.acked < len(self.box.records) and not self.stop:
            body, sig = self.box.batches[self.acked // self.box.batch]
            if c is None:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S)
            self.stats.inflight(+1)
            try:
                c.request("POST", "/v1/batch", body, {
                    "Content-Type": "application/vnd.pb-batch+gzip",
                    "X-PB-Box": self.box.box_id, "X-PB-Signature": sig})
                r = c.getresponse()
                text = r.read()
            except TimeoutError:
                self.unexpected.append("no answer within the timeout")
                c.close()
                c = None
                continue
            except OSError:
                self.stats.count("connection_broken")
                c.close()
                c = None
                time.sleep(0.02)
                continue
            finally:
                self.stats.inflight(-1)
            j = json.loads(text) if text else {}
            if r.status == 200:
                if j["acked"] < self.acked:
                    self.unexpected.append(f"acked went back from {self.acked} to {j['acked']}")
                self.acked = j["acked"]
                self.stats.count("ok")
                if j["duplicates"]:
                    self.stats.count("duplicates_acked", j["duplicates"])
            elif r.status == 409 and j.get("error") == "gap":
                # only an acknowledged batch that the database lost makes the
                # hub hold less than it said
                if j["acked"] < self.acked:
                    self.stats.count("acknowledged_then_lost", self.acked - j["acked"])
                self.acked = j["acked"]
                self.stats.count("gap")
            elif r.status in (500, 503):
                self.stats.count(f"http_{r.status}")
                time.sleep(0.02)
            else:
                self.unexpected.append(f"{r.status} {text[:200]!r}")
                return
        if c is not None:
            c.close()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = {}
        self.flying = 0

    def count(self, k, v=1):
        with self.lock:
            self.n[k] = self.n.get(k, 0) + v

    def inflight(self, d):
        with self.lock:
            self.flying += d

    def busy(self):
        with self.lock:
            return self.flying > 0


def post_now(hub, box):
    """One batch on a fresh connection: the status (an exception when no
    answer comes within REQUEST_TIMEOUT_S)."""
    body, sig = box.batches[0]
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=REQUEST_TIMEOUT_S)
    try:
        c.request("POST", "/v1/batch", body, {
            "Content-Type": "application/vnd.pb-batch+gzip", "X-PB-Box": box.box_id,
            "X-PB-Signature": sig})
        r = c.getresponse()
        r.read()
        return r.status
    finally:
        c.close()


def test_hub_killed_and_postgres_stopped_mid_batch_exactly_once():
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    pg = Postgres()
    pg.synchronous_commit = os.environ.get("PB_PG_SYNC_COMMIT", "on") == "on"
    pg.start()
    tmp = tempfile.mkdtemp(prefix=f"pbfault-{os.getpid()}-")
    hub = None
    uploaders = []
    try:
        hub = Hub(pg, tmp).start()
        stats = Stats()
        boxes = []

        def working():
            return any(not u.done.is_set() for u in uploaders)

        def progress():
            return sum(u.acked for u in uploaders)

        def keep_busy():
            """A new round of boxes when the last has finished, so that
            every fault finds work whatever the machine's speed."""
            if working():
                return
            for n in range(BOXES):
                b = SimBox(len(boxes), RECORDS, BATCH)
                b.enrol(hub.port, hub.cli("token", f"PB-F{len(boxes)}").stdout.strip(), 50)
                boxes.append(b)
                u = Uploader(b, hub.port, stats)
                uploaders.append(u)
                threading.Thread(target=u.run, daemon=True).start()

        def mid_batch(within):
            """Wait until a batch is in flight, then a random moment more;
            1 when one is still in flight then."""
            def in_flight():
                # the last box of a round may finish while we wait: the
                # next round starts here, not only before the wait
                keep_busy()
                return stats.busy()
            wait_for(in_flight, 20, 0.001, what="a batch in flight")
            time.sleep(rng.uniform(0, within))
            return int(stats.busy())

        # (a) SIGKILL of pb-hub at random moments while batches are in flight
        kills = landed = 0
        while kills < KILLS:
            landed += mid_batch(0.08)
            hub.kill9()
            kills += 1
            hub.start()

        # (b) PostgreSQL stopped immediately mid-batch: the same pb-hub
        # answers 5xx at once while it is down, and goes on when it is back
        hub_pid = hub.daemon.proc.pid
        stops = pg_landed = 0
        down_answers = []
        while stops < PG_STOPS:
            pg_landed += mid_batch(0.05)
            pg.stop_immediate()
            stops += 1
            for _ in range(3):
                down_answers.append(post_now(hub, boxes[0]))
                time.sleep(0.2)
            assert hub.daemon.alive() and hub.daemon.proc.pid == hub_pid
            before = progress()
            pg.start_server()
            wait_for(lambda: progress() > before or not working(), 60, 0.05,
                     what="uploads going again once PostgreSQL is back")
        assert all(s in (500, 503) for s in down_answers), down_answers
        assert 503 in down_answers

        for u in uploaders:
            assert u.done.wait(120), f"box {u.box.box_id} stuck at {u.acked}: {stats.n}"
            assert not u.unexpected, u.unexpected
        assert hub.daemon.alive() and hub.daemon.proc.pid == hub_pid

        # the hub's rows are exactly the boxes' records
        for b in boxes:
            rows = hub.sql(f"SELECT string_agg(seq || ' ' || id || ' ' || hash, ',' ORDER BY seq) "
                           f"FROM records WHERE box_id = '{b.box_id}'").split(",")
            assert rows == [f"{r['seq']} {r['id']} {r['hash']}" for r in b.records]
        verify = hub.cli("verify").stdout
        assert verify.count(f"chain OK, {RECORDS} records") == len(boxes), verify
        assert hub.count() == len(boxes) * RECORDS
        assert hub.sql("SELECT count(*) FROM conflicts") == "0"
        assert hub.sql("SELECT string_agg(DISTINCT last_seq::text, ',') FROM boxes") == str(RECORDS)
        print(f"\nseed {seed}: {kills} kills of pb-hub ({landed} with batches in flight), "
              f"{stops} immediate stops of PostgreSQL ({pg_landed} with batches in flight), "
              f"{len(down_answers)} requests while it was down: {sorted(set(down_answers))}; "
              f"{len(boxes)} boxes, {len(boxes) * RECORDS} records; {stats.n}")
        # nothing the hub acknowledged was lost
        assert "acknowledged_then_lost" not in stats.n and "gap" not in stats.n, stats.n
        # most kills found a batch in flight (some land between two batches)
        assert landed > KILLS // 2, (landed, KILLS)
    finally:
        for u in uploaders:
            u.stop = True
        if hub is not None:
            hub.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_pb_sync_waits_out_a_database_outage(boxes):
    """A real pb-sync while the hub's PostgreSQL is down: the hub answers
    503 with Retry-After, the box says so in plain words and keeps its
    records, and delivers them once the database is back."""
    from pbhub import Sync, box_counts, box_meta, sync_section
    pg = Postgres()
    pg.synchronous_commit = True
    pg.start()
    tmp = tempfile.mkdtemp(prefix=f"pbfault-{os.getpid()}-")
    hub = s = None
    try:
        hub = Hub(pg, tmp).start()
        b = boxes(sections=sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout.strip()))
        b.pbctl("enrol")
        b.pbctl("outbox", "add", "attendance.checkin", '{"session_id":"S1"}', "10")
        pg.stop_immediate()
        s = Sync(b).start()
        # pb-sync writes the error words during the round and its state
        # once the round has returned: wait for both.
        wait_for(lambda: "database is unavailable" in (box_meta(b, "sync.last_error") or "")
                 and box_meta(b, "sync.state") == "error",
                 60, 0.1, what="the box to see the outage")
        assert box_meta(b, "sync.state") == "error"
        assert box_counts(b) == (10, 10)
        pg.start_server()
        wait_for(lambda: box_counts(b) == (10, 0), 60, 0.2, what="upload after the outage")
        assert hub.count() == 10
    finally:
        if s is not None:
            s.stop()
        if hub is not None:
            hub.stop()
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)
