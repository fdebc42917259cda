"""Power cuts and kills (docs/reliability.md).

- The database: build/tests/crashsim runs workloads through the real library
  on a SQLite VFS that models a power cut (everything synced, plus any subset
  of the later writes, torn at 512-byte sectors), and checks every
  acknowledged record survives, the outbox chain verifies and
  integrity_check is ok. PB_CRASH_CUTS cut points per workload (make test: a
  few hundred; make crashtest: thousands).
- The control experiment: the same with synchronous = NORMAL must lose
  acknowledged records, or the simulator is not cutting anything.
- Claims and decisions ("claims", "decisions"): a session with a roster,
  a rate table and claim settings, check-ins, claims through pb_claim_submit
  and single and bulk decisions through pb_claim_decide; besides each
  acknowledged claim (with its amount) and decision (with its event and
  outbox record), the money rules hold (first event a submit, amounts as
  priced, append-only triggers refusing a change).
- pb-sync's acknowledgement ("acked"): appends and pb_outbox_set_acked as
  upload.c calls it; the acked records are exactly the prefix of the last
  acknowledgement that returned, or of the one in flight.
- The download path ("download"): a module file written into
  store/tmp/SHA.part in resumed pieces, pb_store_adopt, the catalogue; after
  the cut no store file fails its hash, and every part left is removed
  (its file is placed) or resumes to a verified file (a torn one is refused
  by its hash and downloaded again).
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

import pytest

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
    names = {ln.split()[2] for ln in lines}
    assert {"outbox", "catalog", "mixed", "import", "attendance", "claims", "decisions",
            "acked", "download"} <= names, out
    # The cuts left download parts behind, and each was dealt with.
    parts = re.search(r"download: (\d+) parts left by the cuts: (\d+) beside .*?, (\d+) "
                      r"resumed .*?, (\d+) torn", out)
    assert parts, out
    left, stale, resumed, torn = (int(g) for g in parts.groups())
    assert left > 0 and left == stale + resumed + torn, out
    for ln in lines:
        assert ln.endswith(" 0 failures"), ln
        cuts = int(re.search(r" (\d+) cuts over", ln).group(1))
        assert cuts == CUTS, ln
        # The model must really drop and tear unsynced writes.
        torn = int(re.search(r"/ (\d+) torn", ln).group(1))
        assert torn > 0, ln


@pytest.mark.parametrize("workload", ["outbox", "claims", "decisions", "acked"])
def test_control_experiment_without_sync_loses_records(workload):
    rc, out, err = crashsim("-u", "-w", workload, "-n", "40", "-s", str(SEED))
    assert rc == 1, out + err
    failures = int(re.search(r"(\d+) failures", out).group(1))
    assert failures > 0, out
    # the acknowledgement workload may also see acked records from an
    # acknowledgement that was lost
    assert "is lost" in err or (workload == "acked" and "acked up to" in err), err[-3000:]


@pytest.mark.parametrize("workload", ["import", "download"])
def test_control_experiment_without_folder_sync_loses_store_files(workload):
    rc, out, err = crashsim("-u", "-w", workload, "-n", "40", "-s", str(SEED))
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
