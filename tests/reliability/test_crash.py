"""Power cuts and kills (docs/reliability.md).

- The database: build/tests/crashsim runs workloads through the real library
  on a SQLite VFS that models a power cut (everything synced, plus any subset
  of the later writes, torn at 512-byte sectors), and checks every
  acknowledged record survives, the outbox chain verifies and
  integrity_check is ok. PB_CRASH_CUTS cut points per workload (make test: a
  few hundred; make crashtest: thousands).
- The control experiment: the same with synchronous = NORMAL must lose
  acknowledged records, or the simulator is not cutting anything.
- The content store under a power cut: crashsim's "import" workload runs
  pb_store_import + pb_catalog_upsert with the store's file calls going
  through a model (tests/crash/crashfs.c) cut at the same moment as the
  database: no file in the store may fail its hash, no catalogued file may
  be missing.
- The real `pbctl content import` killed with SIGKILL at random moments
  (PB_STORE_KILLS times): a process crash (the page cache survives); the
  same checks, and importing again completes."""
import hashlib
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from pbtest import binary, pbctl, write_config  # noqa: E402
from content_fixture import make_folder  # noqa: E402

CUTS = int(os.environ.get("PB_CRASH_CUTS", "200"))
KILLS = int(os.environ.get("PB_STORE_KILLS", "12"))
SEED = int(os.environ.get("PB_CRASH_SEED", str(random.randrange(1, 1 << 40))))


def crashsim(*args):
    p = subprocess.run([binary("tests/crashsim"), *args], capture_output=True,
                       text=True, timeout=1800)
    return p.returncode, p.stdout, p.stderr


def test_power_cuts_keep_every_acknowledged_record():
    rc, out, err = crashsim("-n", str(CUTS), "-s", str(SEED))
    print(out)
    assert rc == 0, f"seed {SEED}\n{out}\n{err[-6000:]}"
    lines = [ln for ln in out.splitlines() if ln.startswith("crashsim: workload")]
    assert len(lines) >= 5, out
    for ln in lines:
        assert ln.endswith(" 0 failures"), ln
        cuts = int(re.search(r" (\d+) cuts over", ln).group(1))
        assert cuts == CUTS, ln
        # The model must really drop and tear unsynced writes.
        torn = int(re.search(r"/ (\d+) torn", ln).group(1))
        assert torn > 0, ln


def test_control_experiment_without_sync_loses_records():
    rc, out, err = crashsim("-u", "-w", "outbox", "-n", "40", "-s", str(SEED))
    assert rc == 1, out + err
    failures = int(re.search(r"(\d+) failures", out).group(1))
    assert failures > 0, out
    assert "is lost" in err


def test_control_experiment_without_folder_sync_loses_store_files():
    rc, out, err = crashsim("-u", "-w", "import", "-n", "40", "-s", str(SEED))
    assert rc == 1, out + err
    assert "missing from the store" in err


def store_problems(data):
    """Files in the store whose bytes do not match their name, and
    catalogued files that are missing or have the wrong size."""
    store = os.path.join(data, "store")
    bad = []
    for shard in os.listdir(store):
        if shard == "tmp":
            continue
        for name in os.listdir(os.path.join(store, shard)):
            path = os.path.join(store, shard, name)
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 16), b""):
                    h.update(chunk)
            if h.hexdigest() != name or not name.startswith(shard):
                bad.append(f"{path}: content hashes to {h.hexdigest()}")
    db = sqlite3.connect(os.path.join(data, "pb.db"))
    try:
        for sha, size in db.execute("SELECT sha256, size FROM module_files"):
            path = os.path.join(store, sha[:2], sha)
            if not os.path.exists(path):
                bad.append(f"catalogued {sha} is missing from the store")
            elif os.path.getsize(path) != size:
                bad.append(f"catalogued {sha} has {os.path.getsize(path)} bytes, not {size}")
    finally:
        db.close()
    return bad


def test_import_killed_at_random_moments():
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix=f"pbcrash-{os.getpid()}-") as tmp:
        modules = [{"id": f"m{i}", "title": f"Modul {i}", "kk": "ABCDEFGHIJ"[i % 10],
                    "subject": "Matematika", "level": "SMP",
                    "files": [(f"m{i}/a.bin", os.urandom(rng.randrange(1, 600_000)), None),
                              (f"m{i}/b.bin", os.urandom(rng.randrange(1, 60_000)), None)]}
                   for i in range(6)]
        usb = os.path.join(tmp, "usb")
        make_folder(usb, modules)
        # How long a whole import takes here, to spread the kills over it.
        conf = write_config(os.path.join(tmp), 1)
        pbctl(conf, "init")
        t0 = time.monotonic()
        pbctl(conf, "content", "import", usb)
        full = time.monotonic() - t0
        kills = 0
        for i in range(KILLS):
            folder = os.path.join(tmp, f"box{i}")
            os.makedirs(folder)
            conf = write_config(folder, 1)
            pbctl(conf, "init")
            p = subprocess.Popen([binary("pbctl"), "-c", conf, "content", "import", usb],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, full))
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                kills += 1
            p.wait()
            data = os.path.join(folder, "data")
            assert store_problems(data) == [], f"seed {SEED}, kill {i}"
            out = pbctl(conf, "content", "import", usb).stdout
            assert "6 modul" in out and "0 ditolak" in out, out
            assert store_problems(data) == []
            subprocess.run(["rm", "-rf", folder], check=True)
        print(f"import killed {kills} times of {KILLS} (a whole import takes {full:.2f} s)")
        assert kills > 0
