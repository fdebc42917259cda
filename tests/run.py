#!/usr/bin/python3
"""Run every test: C unit tests (normal and ASan+UBSan builds), then the
pytest suites under tests/ against the real binaries. Prints one closing
line: 'N passed, N failed, N skipped'.

  tests/run.py [--build build] [--only unit,system,...] [-k EXPR] [--no-asan]
               [--lanes N] [--image-build CMD] [--trees CMD]

Suites: unit (cmocka), and each folder of tests/ holding test_*.py. The
system, hub and sync suites run twice, on build/ and on build/asan/; the
others run on build/ only (they are slower: namespaces, browser, images).

--lanes N (default 2) runs N suites at a time: much of a suite's time is
spent waiting (qemu boots, daemons starting, timeouts), so a second lane
uses what the first leaves idle. Suites are handed to the lanes longest
first (the image suite, then browser, sync, ...); each suite's output is
kept in build/.../pytest-SUITE.log and printed whole when it ends.
--lanes 1 runs them one after another in the fixed order, output as it
comes. The suites run at once share nothing: every test picks free ports,
names its network namespaces, interfaces and folders after its pid and
starts its own PostgreSQL, dnsmasq and Chromium.

--image-build CMD (make test: the packages and the SD image) is started at
once, in the background, with its output in build/image-build.log; the
image suite waits for it, in a lane of its own beside the N others, which
run the other suites meanwhile (the build spends much of its time on
Debian's mirror and in qemu-user, the image suite on one emulated core). If it fails,
the image suite counts as one failure and the log's end is printed. --trees CMD
(make test: the normal and the ASan build) runs after it has started and
before any suite: the two builds share the machine."""
import argparse
import glob
import os
import re
import subprocess
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
# Suites that also run against the sanitizer build.
ASAN_SUITES = {"system", "hub", "sync"}
# Order with one lane: fast and basic first.
ORDER = ["system", "hub", "sync", "net", "gpio", "image", "browser"]
# Order with more lanes: longest first (image, then browser, sync on either
# build; tests/run.py prints each suite's time), then gpio and net, which
# mostly wait (about a tenth of their time on the processor), while the
# long suites keep the cores busy; then system, hub and reliability, which
# keep a core busy to their end, so the last suites to start are short and
# the lanes end close together with no core idle. (gpio and net last left
# the cores about a third idle for the run's last four minutes.) Folders
# not named here come after these, the unit tests last.
LANE_ORDER = ["image", "browser", "sync", "gpio", "net", "system", "hub", "reliability"]
# With an image build (--image-build), the image suite runs in two parts:
# the files named here (the longest chain of emulated boots) in the lane
# that waits for the build, so they start the moment the image is there;
# the rest of the suite on the next lane free once the build is done. Two
# emulated Pis boot at once.
PARTS = {"image": {"update": ["test_update_qemu.py"]}}
# With an image build, every other suite and the unit tests run this much
# nicer (nice(1)): the build and then the emulated boots are the longest
# chain of make test, so they get the processor first when both want it;
# the other suites fill what they leave (the lanes are mostly short of
# processor, not of time).
BESIDE_IMAGE_NICE = 4
# The image build itself runs at this niceness (below 0 as root; nice(1)
# warns and runs it as it is otherwise): Debian's root file system is a
# chain of emulated programs one after another, so it takes at most about
# one core, and every minute it waits delays the emulated boots.
IMAGE_BUILD_NICE = -5
# Printing from the lanes: one suite's output at a time.
OUT_LOCK = threading.Lock()


def say_now(text):
    print(text, flush=True)


def niced(cmd, nice):
    return (["nice", "-n", str(nice)] if nice else []) + cmd


def run_unit(build, tally, say=say_now, nice=0):
    bins = sorted(glob.glob(os.path.join(build, "tests", "test_*")))
    for b in bins:
        if not os.access(b, os.X_OK) or b.endswith(".d"):
            continue
        t0 = time.time()
        p = subprocess.run(niced([b], nice), capture_output=True, text=True, timeout=600,
                           env=dict(os.environ, CMOCKA_MESSAGE_OUTPUT="stdout"))
        out = p.stdout + p.stderr
        passed = sum(int(n) for n in re.findall(r"\[  PASSED  \] (\d+) test", out))
        failed = sum(int(n) for n in re.findall(r"\[  FAILED  \] (\d+) test", out))
        if p.returncode != 0 and failed == 0:
            failed = 1
            say(out)
        if failed:
            say(out)
        add(tally, passed, failed, 0)
        say(f"unit {os.path.relpath(b, ROOT)}: {passed} passed, {failed} failed "
            f"({time.time() - t0:.1f}s)")


def add(tally, passed, failed, skipped):
    with OUT_LOCK:
        tally["passed"] += passed
        tally["failed"] += failed
        tally["skipped"] += skipped


def run_counted(cmd, **kw):
    """Run cmd; (exit code, processor seconds it and the children it waited
    for used). The lanes share the machine: a suite's processor time says
    what it costs the other lane."""
    p = subprocess.Popen(cmd, **kw)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_utime + ru.ru_stime


def run_pytest(suite, build, tally, kexpr, say=None, part=None, nice=0):
    """One suite on one build (part: (name, its test files) for a part of
    it). say=None: its output goes straight to this terminal; otherwise to
    build/pytest-SUITE[-PART].log, given to say() whole at the end."""
    folder = os.path.join(ROOT, "tests", suite)
    name = suite if part is None else f"{suite}-{part[0]}"
    xml = os.path.join(ROOT, build, f"pytest-{name}.xml")
    log = os.path.join(ROOT, build, f"pytest-{name}.log")
    os.makedirs(os.path.dirname(xml), exist_ok=True)
    cmd = niced([PY, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfE",
                 f"--junitxml={xml}"] + ([folder] if part is None else part[1]), nice)
    if kexpr:
        cmd += ["-k", kexpr]
    env = dict(os.environ, PB_BUILD=os.path.join(ROOT, build), PYTHONDONTWRITEBYTECODE="1")
    t0 = time.time()
    head = f"== {name} on {build}"
    if say is None:
        print(head, flush=True)
        rc, cpu = run_counted(cmd, env=env, cwd=ROOT)
    else:
        with open(log, "w") as f:
            rc, cpu = run_counted(cmd, env=env, cwd=ROOT, stdin=subprocess.DEVNULL,
                                  stdout=f, stderr=subprocess.STDOUT)
        with open(log, errors="replace") as f:
            head += "\n" + f.read().rstrip("\n")
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
    if rc not in (0, 5) and failed == 0:
        failed = 1
    add(tally, passed, failed, skipped)
    tail = (f"{name} on {build}: {passed} passed, {failed} failed, {skipped} skipped "
            f"({time.time() - t0:.0f}s, processor {cpu:.0f}s)")
    if say is None:
        print(tail, flush=True)
    else:
        say(head + "\n" + tail)


class Background:
    """A command run at once on a thread of its own (the image build);
    wait() gives its exit code."""

    def __init__(self, cmd, log):
        self.cmd, self.log, self.rc, self.said = cmd, log, None, False
        self.t0 = time.time()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        with open(self.log, "w") as f:
            self.rc = subprocess.run(f"nice -n {IMAGE_BUILD_NICE} {self.cmd}", shell=True,
                                     cwd=ROOT, stdin=subprocess.DEVNULL,
                                     stdout=f, stderr=subprocess.STDOUT).returncode
        self.seconds = time.time() - self.t0

    def done(self):
        return not self.thread.is_alive()

    def wait(self, tally, say):
        """0 when the command succeeded; otherwise counts one failure,
        gives say() the log's end and returns -1."""
        self.thread.join()
        if self.said:                   # each image part waits: said once
            return 0 if self.rc == 0 else -1
        self.said = True
        if self.rc == 0:
            say(f"image build: {self.cmd} ({self.seconds:.0f}s, {os.path.relpath(self.log, ROOT)})")
            return 0
        with open(self.log, errors="replace") as f:
            tail = f.read()[-4000:]
        say(f"{tail}\nimage build failed (exit {self.rc}): {self.cmd}")
        add(tally, 0, 1, 0)
        return -1


def run_lanes(jobs, lanes, tally):
    """Run jobs (name, fn(say), ready) on LANES threads: each lane takes the
    first job listed (longest first) whose ready() is true or None; each
    job's lines are printed together when it ends."""
    todo = list(jobs)
    lock = threading.Lock()
    t0 = time.time()

    def take():
        """The next job to run; None when none is left."""
        while True:
            with lock:
                if not todo:
                    return None
                for i, (name, fn, ready) in enumerate(todo):
                    if ready is None or ready():
                        return todo.pop(i)[:2]
            time.sleep(1)               # every job left waits for something

    def lane(n):
        while True:
            job = take()
            if job is None:
                return
            name, fn = job
            with OUT_LOCK:
                print(f"-- lane {n}: {name} started at {time.time() - t0:.0f}s", flush=True)
            lines = []
            try:
                fn(lines.append)
            except Exception:           # a crash of this runner counts as a failure
                lines.append(traceback.format_exc())
                add(tally, 0, 1, 0)
            finally:
                with OUT_LOCK:
                    print("\n".join(lines), flush=True)
                    print(f"-- lane {n}: {name} ended at {time.time() - t0:.0f}s", flush=True)

    threads = [threading.Thread(target=lane, args=(n + 1,)) for n in range(lanes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", default="")
    ap.add_argument("-k", default="")
    ap.add_argument("--no-asan", action="store_true",
                    help="the normal build only, not also the sanitizer build (make check)")
    ap.add_argument("--lanes", type=int, default=2,
                    help="suites run at a time (1: one after another, in the fixed order)")
    ap.add_argument("--image-build", default="",
                    help="command that builds the image, started at once; the image suite waits")
    ap.add_argument("--trees", default="",
                    help="command that builds what the suites run against, before any suite")
    a = ap.parse_args()
    if a.lanes < 1:
        ap.error("--lanes must be 1 or more")
    only = set(filter(None, a.only.split(",")))
    tally = {"passed": 0, "failed": 0, "skipped": 0}
    asan = os.path.join(a.build, "asan")

    builds = [a.build] + ([] if a.no_asan else [asan])
    suites = [d for d in sorted(os.listdir(os.path.join(ROOT, "tests")))
              if glob.glob(os.path.join(ROOT, "tests", d, "test_*.py"))
              and (not only or d in only)]
    image_build = None
    if a.image_build and "image" in suites:
        image_build = Background(a.image_build, os.path.join(ROOT, a.build, "image-build.log"))
    # beside an image build, the other suites and the unit tests yield to it
    beside = BESIDE_IMAGE_NICE if image_build is not None else 0

    if a.trees:
        t = time.time()
        print(f"trees: {a.trees}", flush=True)
        if subprocess.run(a.trees, shell=True, cwd=ROOT).returncode != 0:
            print("the trees did not build: no suite run", flush=True)
            return 1
        print(f"trees built ({time.time() - t:.0f}s)", flush=True)

    def run_suite(s, b, say=None, part=None):
        if s == "image" and image_build is not None:
            if image_build.wait(tally, say or say_now) != 0:
                return
        run_pytest(s, b, tally, a.k, say, part, 0 if s == "image" else beside)

    if a.lanes == 1:
        if not only or "unit" in only:
            for b in builds:
                run_unit(os.path.join(ROOT, b), tally)
        suites.sort(key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))
        for s in suites:
            for b in builds if s in ASAN_SUITES else builds[:1]:
                run_suite(s, b)
    else:
        suites.sort(key=lambda s: LANE_ORDER.index(s) if s in LANE_ORDER else len(LANE_ORDER))
        jobs = []
        for s in suites:
            for b in builds if s in ASAN_SUITES else builds[:1]:
                jobs.append((f"{s} on {b}",
                             lambda say, s=s, b=b: run_suite(s, b, say), None))
        if image_build is not None:
            # The image suite's own lane takes the parts named in PARTS
            # and waits for the build itself; the files not named there go
            # to the next lane free once the build is done.
            i = [j[0] for j in jobs].index(f"image on {a.build}")
            folder = os.path.join(ROOT, "tests", "image")
            files = sorted(os.path.basename(f) for f in
                           glob.glob(os.path.join(folder, "test_*.py")))
            named = [f for fs in PARTS["image"].values() for f in fs]
            parts = [(pname, [os.path.join(folder, f) for f in pfiles])
                     for pname, pfiles in PARTS["image"].items()]
            rest = ("rest", [os.path.join(folder, f) for f in files if f not in named])
            jobs[i:i + 1] = [(f"image-{part[0]} on {a.build}",
                              lambda say, part=part: run_suite("image", a.build, say, part),
                              None if k == 0 else image_build.done)
                             for k, part in enumerate(parts + [rest])]
        if not only or "unit" in only:
            for b in builds:
                jobs.append((f"unit on {b}",
                             lambda say, b=b: run_unit(
                                 os.path.join(ROOT, b), tally, say, beside),
                             None))
        # The image suite's lane is one more: it first waits for the build,
        # then mostly for the emulator (one core), beside LANES others.
        run_lanes(jobs, a.lanes + (image_build is not None), tally)
    print(f"{tally['passed']} passed, {tally['failed']} failed, {tally['skipped']} skipped")
    return 1 if tally["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
