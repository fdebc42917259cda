#!/usr/bin/python3
"""Run every test: C unit tests (normal and ASan+UBSan builds), then the
pytest suites under tests/ against the real binaries. Prints one closing
line: 'N passed, N failed, N skipped'.

  tests/run.py [--build build] [--only unit,system,...] [-k EXPR] [--no-asan]

Suites: unit (cmocka), and each folder of tests/ holding test_*.py. The
system suite runs twice, on build/ and on build/asan/; the others run on
build/ only (they are slower: namespaces, browser, images)."""
import argparse
import glob
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
# Suites that also run against the sanitizer build.
ASAN_SUITES = {"system", "hub", "sync"}
# Order: fast and basic first.
ORDER = ["system", "hub", "sync", "net", "gpio", "image", "browser"]


def run_unit(build, tally):
    bins = sorted(glob.glob(os.path.join(build, "tests", "test_*")))
    for b in bins:
        if not os.access(b, os.X_OK) or b.endswith(".d"):
            continue
        t0 = time.time()
        p = subprocess.run([b], capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, CMOCKA_MESSAGE_OUTPUT="stdout"))
        out = p.stdout + p.stderr
        passed = sum(int(n) for n in re.findall(r"\[  PASSED  \] (\d+) test", out))
        failed = sum(int(n) for n in re.findall(r"\[  FAILED  \] (\d+) test", out))
        if p.returncode != 0 and failed == 0:
            failed = 1
            print(out)
        if failed:
            print(out)
        tally["passed"] += passed
        tally["failed"] += failed
        print(f"unit {os.path.relpath(b, ROOT)}: {passed} passed, {failed} failed "
              f"({time.time() - t0:.1f}s)", flush=True)


def run_pytest(suite, build, tally, kexpr):
    folder = os.path.join(ROOT, "tests", suite)
    xml = os.path.join(ROOT, build, f"pytest-{suite}.xml")
    os.makedirs(os.path.dirname(xml), exist_ok=True)
    cmd = [PY, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE",
           f"--junitxml={xml}", folder]
    if kexpr:
        cmd += ["-k", kexpr]
    env = dict(os.environ, PB_BUILD=os.path.join(ROOT, build), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.time()
    print(f"== {suite} on {build}", flush=True)
    p = subprocess.run(cmd, env=env, cwd=ROOT)
    passed = failed = skipped = 0
    if os.path.exists(xml):
        root = ET.parse(xml).getroot()
        for ts in root.iter("testsuite"):
            n = int(ts.get("tests", 0))
            f = int(ts.get("failures", 0)) + int(ts.get("errors", 0))
            s = int(ts.get("skipped", 0))
            passed += n - f - s
            failed += f
            skipped += s
    if p.returncode not in (0, 5) and failed == 0:
        failed = 1
    tally["passed"] += passed
    tally["failed"] += failed
    tally["skipped"] += skipped
    print(f"{suite} on {build}: {passed} passed, {failed} failed, {skipped} skipped "
          f"({time.time() - t0:.0f}s)", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="")
    ap.add_argument("-k", default="")
    ap.add_argument("--no-asan", action="store_true",
                    help="the normal build only, not also the sanitizer build (make check)")
    a = ap.parse_args()
    only = set(filter(None, a.only.split(",")))
    tally = {"passed": 0, "failed": 0, "skipped": 0}
    asan = os.path.join(a.build, "asan")

    if not only or "unit" in only:
        run_unit(os.path.join(ROOT, a.build), tally)
        if not a.no_asan:
            run_unit(os.path.join(ROOT, asan), tally)
    suites = [d for d in sorted(os.listdir(os.path.join(ROOT, "tests")))
              if glob.glob(os.path.join(ROOT, "tests", d, "test_*.py"))]
    suites.sort(key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))
    for s in suites:
        if only and s not in only:
            continue
        run_pytest(s, a.build, tally, a.k)
        if s in ASAN_SUITES and not a.no_asan:
            run_pytest(s, asan, tally, a.k)
    print(f"{tally['passed']} passed, {tally['failed']} failed, {tally['skipped']} skipped")
    return 1 if tally["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
