#!/usr/bin/python3
"""Run each libFuzzer harness for a set time and print a table of
executions and coverage (make fuzz).

  tests/fuzz/run_fuzz.py --build build/fuzz --seconds 60 [--merge] NAME…

Each run starts from the committed seeds in tests/fuzz/corpus/NAME/ and
keeps what it finds in BUILD/corpus/NAME/ (not committed); a dictionary
tests/fuzz/NAME.dict (JSON keys, CSV headings) is used when there is one. A crash leaves
its input in BUILD/crashes/ and fails the run: fix the bug, then commit the
input to tests/fuzz/corpus/NAME/ so make test replays it for ever.
--merge adds the inputs that reach new coverage to the committed corpus
(libFuzzer -merge=1 keeps a small set)."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Per-input limits: a slow or greedy input is a finding too.
TIMEOUT_S = 5
RSS_LIMIT_MB = 1024
MAX_LEN = 65536


def run(build, name, seconds):
    binp = os.path.join(build, f"fuzz-{name}")
    seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    work = os.path.join(build, "corpus", name)
    crashes = os.path.join(build, "crashes")
    os.makedirs(work, exist_ok=True)
    os.makedirs(crashes, exist_ok=True)
    cmd = [binp, f"-max_total_time={seconds}", "-print_final_stats=1",
           f"-timeout={TIMEOUT_S}", f"-rss_limit_mb={RSS_LIMIT_MB}",
           f"-max_len={MAX_LEN}", f"-artifact_prefix={crashes}/{name}-", work, seeds]
    words = os.path.join(ROOT, "tests", "fuzz", f"{name}.dict")
    if os.path.exists(words):
        cmd.insert(1, f"-dict={words}")
    # Harnesses with a database make their folder under TMPDIR; one that
    # stops at a crash cannot remove it, so the whole TMPDIR goes after.
    tmp = tempfile.mkdtemp(prefix=f"pbfuzz-run-{name}-")
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           timeout=seconds * 3 + 120, env=dict(os.environ, TMPDIR=tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = p.stderr
    with open(os.path.join(build, f"fuzz-{name}.log"), "w") as f:
        f.write(out)
    execs = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    covs = re.findall(r"cov: (\d+) ft: (\d+)", out)
    rate = re.search(r"stat::average_exec_per_sec:\s*(\d+)", out)
    return {
        "name": name, "rc": p.returncode,
        "execs": int(execs.group(1)) if execs else 0,
        "rate": int(rate.group(1)) if rate else 0,
        "cov": int(covs[-1][0]) if covs else 0, "ft": int(covs[-1][1]) if covs else 0,
        "corpus": len(os.listdir(work)),
        "crash": re.findall(r"Test unit written to (\S+)", out),
    }


def merge(build, name):
    binp = os.path.join(build, f"fuzz-{name}")
    seeds = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    work = os.path.join(build, "corpus", name)
    tmp = tempfile.mkdtemp(prefix=f"pbfuzz-merge-{name}-")
    try:
        subprocess.run([binp, "-merge=1", f"-max_len={MAX_LEN}", seeds, work],
                       capture_output=True, timeout=600, env=dict(os.environ, TMPDIR=tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/fuzz")
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--merge", action="store_true")
    ap.add_argument("names", nargs="+")
    a = ap.parse_args()
    rows = []
    for n in a.names:
        print(f"fuzzing {n} for {a.seconds} s …", flush=True)
        r = run(a.build, n, a.seconds)
        rows.append(r)
        if a.merge and r["rc"] == 0:
            merge(a.build, n)
    print()
    print("| harness | seconds | executions | exec/s | cov | ft | corpus | result |")
    print("|---|---|---|---|---|---|---|---|")
    bad = 0
    for r in rows:
        res = "ok" if r["rc"] == 0 else "CRASH " + " ".join(r["crash"])
        bad += r["rc"] != 0
        print(f"| {r['name']} | {a.seconds} | {r['execs']} | {r['rate']} | {r['cov']} | "
              f"{r['ft']} | {r['corpus']} | {res} |")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
