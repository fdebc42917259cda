#!/usr/bin/python3
"""Pi-sized bench: pb-web on the CPU of about one Raspberry Pi 4 core, with
SD-card-like sync latency, serving a training day's check-ins while a class
browses the library.

  bench/bench_pi.py [--build build] [--sync-ms 5] [--period-ms 10]
                    [--arrival-s 60] [--phones 40] [--class-size 40]
                    [--burst-rounds 5] [--pi-events 1477.83] [--no-cgroup]
                    [--think 2,10] [--web 'file_map_max = 0']

The budget: a CPU cgroup whose quota is calibrated with `sysbench cpu`
(primes up to 10000, one thread), for which a Raspberry Pi 4 core is
documented at PI_EVENTS_PER_S events/s (docs/performance.md gives the
source). The bench measures sysbench's events per CPU-second here (CPU
time, so other work on the machine does not skew it), sets the quota to
the Pi's share of one core, and checks it by running sysbench inside the
cgroup. cgroup v2 `cpu.max` is used when the v2 hierarchy has the cpu
controller; otherwise the v1 cpu controller's cpu.cfs_quota_us and
cpu.cfs_period_us (the same CFS bandwidth limit under its v1 names). A
short period (10 ms) keeps the limit close to a slower core rather than a
fast core that stops for most of every 100 ms.

Sync latency: bench/slowsync.c (LD_PRELOAD) wraps SQLite's default VFS and
sleeps --sync-ms before every xSync, as an SD card takes that long to
flush.

Under that budget:
- arrivals: --phones phones, each from its own loopback address
  (127.0.30.x), check in once each at random moments over --arrival-s
  seconds, each on a new connection, with a finger signature of ~180
  points;
- burst: the same phones all check in at the same moment, --burst-rounds
  times (new teachers each round);
- all the while a class of --class-size phones (127.0.40.x) browses the
  library (catalogue, then a module file of 200 KB to 1 MB, then --think
  2-10 s of reading, on kept-alive connections: some 25-30 Mbit/s in all,
  about what the Pi's own Wi-Fi carries), and /healthz is asked every
  200 ms from its own address. The class and the prober run in processes
  of their own, so their reading does not delay the phones' clocks.

Prints p50/p99 of each and writes build/bench/pi.json."""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from benchlib import save_result  # noqa: E402

# sysbench 1.0.20 `sysbench cpu --threads=1 --time=60 run` on a Raspberry Pi 4
# (one core), events/s: https://leoncode.co.uk/articles/raspberry-pi-benchmarks
PI_EVENTS_PER_S = 1477.83
CG_V2 = "/sys/fs/cgroup"
CG_V1_CPU = "/sys/fs/cgroup/cpu"
HEALTHZ_EVERY_S = 0.2


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def summary(ms):
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99),
            "max_ms": max(ms) if ms else float("nan")}


def sysbench(seconds, prefix=()):
    """sysbench cpu, one thread: (events/s over wall time, events per
    CPU-second of sysbench)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(list(prefix) + ["sysbench", "cpu", "--threads=1",
                                         f"--time={seconds}", "run"],
                         capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    events = int(re.search(r"total number of events:\s+(\d+)", out).group(1))
    per_s = float(re.search(r"events per second:\s+([\d.]+)", out).group(1))
    return per_s, events / max(cpu, 1e-9)


class CpuBudget:
    """A CPU cgroup holding pb-web, quota = share x period."""

    def __init__(self, share, period_us):
        self.share, self.period_us = share, period_us
        self.quota_us = max(1000, int(share * period_us))
        name = f"pb-bench-pi-{os.getpid()}"
        with open("/proc/filesystems") as f:
            has_v2 = "cgroup2" in f.read()
        ctl = os.path.join(CG_V2, "cgroup.controllers")
        if has_v2 and os.path.exists(ctl) and "cpu" in open(ctl).read().split():
            self.kind = "cgroup v2 cpu.max"
            self.dir = os.path.join(CG_V2, name)
            os.mkdir(self.dir)
            with open(os.path.join(self.dir, "cpu.max"), "w") as f:
                f.write(f"{self.quota_us} {period_us}\n")
        else:
            self.kind = "cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us"
            self.dir = os.path.join(CG_V1_CPU, name)
            os.mkdir(self.dir)
            with open(os.path.join(self.dir, "cpu.cfs_period_us"), "w") as f:
                f.write(f"{period_us}\n")
            with open(os.path.join(self.dir, "cpu.cfs_quota_us"), "w") as f:
                f.write(f"{self.quota_us}\n")

    def wrap(self, argv):
        """argv run inside the cgroup (the shell joins it, then execs)."""
        procs = os.path.join(self.dir, "cgroup.procs")
        return ["sh", "-c", f'echo $$ > {procs} && exec "$0" "$@"'] + list(argv)

    def throttled(self):
        try:
            with open(os.path.join(self.dir, "cpu.stat")) as f:
                st = dict(line.split() for line in f if line.strip())
        except OSError:
            return {}
        return {k: int(v) for k, v in st.items()
                if k in ("nr_periods", "nr_throttled", "throttled_time", "throttled_usec")}

    def close(self):
        for _ in range(50):
            try:
                os.rmdir(self.dir)
                return
            except OSError:
                time.sleep(0.1)


def signature(points=180, seed=7):
    """A finger signature: three strokes, POINTS points in all, small steps
    inside a 600 x 200 box."""
    rng = random.Random(seed)
    strokes, left = [], points
    for k in range(3):
        n = left if k == 2 else points // 3
        left -= n
        x, y = 20 + 190 * k, 100
        s = [x, y]
        for _ in range(n - 1):
            dx, dy = rng.randint(0, 3), rng.randint(-4, 4)
            dy = max(10 - y, min(190 - y, dy))
            x, y = x + dx, y + dy
            s += [dx, dy]
        strokes.append(s)
    return {"w": 600, "h": 200, "s": strokes}


def checkin_once(box, ip, sid, teacher, code, sig, timeout=60):
    """One phone: a new connection from IP, one check-in; (ms, status)."""
    from attendance_util import nuptk
    body = json.dumps({"session": sid, "nuptk": nuptk(teacher), "code": code,
                       "signature": sig, "name": "Peserta Uji", "school": "SMPN 1"})
    t0 = time.perf_counter()
    c = http.client.HTTPConnection(box.host, box.port, timeout=timeout,
                                   source_address=(ip, 0))
    try:
        c.request("POST", "/api/v1/checkin", body=body,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return (time.perf_counter() - t0) * 1000.0, r.status
    finally:
        c.close()


def phone_ip(i):
    return "127.0.30.%d" % (i + 1)


def arrivals(box, sid, code, sig, phones, seconds, first_teacher, rng):
    """Each phone checks in once at a random moment within SECONDS."""
    at = sorted(rng.uniform(0, seconds) for _ in range(phones))
    lat, bad = [], []
    lock = threading.Lock()
    t0 = time.monotonic()

    def phone(i, when):
        time.sleep(max(0.0, t0 + when - time.monotonic()))
        ms, status = checkin_once(box, phone_ip(i), sid, first_teacher + i, code, sig)
        with lock:
            lat.append(ms)
            if status != 201:
                bad.append(status)

    ts = [threading.Thread(target=phone, args=(i, w)) for i, w in enumerate(at)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat, bad


def burst(box, sid, code, sig, phones, rounds, first_teacher):
    """All phones check in at the same moment, ROUNDS times."""
    lat, bad = [], []
    lock = threading.Lock()
    gate = threading.Barrier(phones)

    def phone(i):
        for k in range(rounds):
            gate.wait()
            ms, status = checkin_once(box, phone_ip(i), sid,
                                      first_teacher + k * phones + i, code, sig)
            with lock:
                lat.append(ms)
                if status != 201:
                    bad.append(status)
            time.sleep(1.0)     # the class settles before the next burst

    ts = [threading.Thread(target=phone, args=(i,)) for i in range(phones)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat, bad


PHASES = ("warmup", "arrivals", "burst", "after")


class Background:
    """A class browsing the library (SIZE students), or /healthz asked every
    200 ms (PROBER); latencies collected per phase. Each runs in a process
    of its own: the threads of one Python process share one interpreter
    lock, and forty students reading files would otherwise delay the
    phones' and the prober's clocks."""

    def __init__(self, box, size, files, phase, prober, stop, think_s):
        self.box, self.size, self.files, self.prober_too = box, size, files, prober
        self.think_s = think_s
        self.phase, self.stop = phase, stop
        self.lock = threading.Lock()
        self.healthz = {}
        self.browse = {}
        self.errors = 0
        self.bytes = 0
        self.threads = []

    def note(self, table, ms):
        with self.lock:
            table.setdefault(PHASES[self.phase.value], []).append(ms)

    def get(self, c, path):
        t0 = time.perf_counter()
        c.request("GET", path)
        r = c.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t0) * 1000.0
        if r.status != 200:
            with self.lock:
                self.errors += 1
        return ms, len(data)

    def student(self, i):
        rng = random.Random(i)
        c = None
        while not self.stop.is_set():
            try:
                if c is None:
                    c = http.client.HTTPConnection(self.box.host, self.box.port, timeout=60,
                                                   source_address=("127.0.40.%d" % (i + 1), 0))
                ms, _ = self.get(c, "/api/v1/modules")
                self.note(self.browse, ms)
                ms, n = self.get(c, rng.choice(self.files))
                self.note(self.browse, ms)
                with self.lock:
                    self.bytes += n
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.errors += 1
                if c is not None:
                    c.close()
                c = None
            self.stop.wait(rng.uniform(*self.think_s))
        if c is not None:
            c.close()

    def prober(self):
        while not self.stop.is_set():
            t_next = time.monotonic() + HEALTHZ_EVERY_S
            try:
                c = http.client.HTTPConnection(self.box.host, self.box.port, timeout=60,
                                               source_address=("127.0.41.1", 0))
                ms, _ = self.get(c, "/healthz")
                c.close()
                self.note(self.healthz, ms)
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.errors += 1
            self.stop.wait(max(0.0, t_next - time.monotonic()))

    def run(self, out):
        """In the child process: until stop, then the figures into OUT."""
        self.threads = [threading.Thread(target=self.student, args=(i,))
                        for i in range(self.size)]
        if self.prober_too:
            self.threads.append(threading.Thread(target=self.prober))
        for t in self.threads:
            t.start()
        for t in self.threads:
            t.join()
        out.put({"healthz": self.healthz, "browse": self.browse, "errors": self.errors,
                 "bytes": self.bytes})


class Backgrounds:
    """The class and the prober, each in a forked process."""

    def __init__(self, box, size, files, think_s):
        ctx = multiprocessing.get_context("fork")
        self.phase = ctx.Value("i", 0)
        self.stop = ctx.Event()
        self.out = ctx.Queue()
        self.procs = [ctx.Process(target=Background(box, n, files, self.phase, pr,
                                                    self.stop, think_s).run, args=(self.out,))
                      for n, pr in ((size, False), (0, True))]
        self.healthz, self.browse, self.errors, self.bytes = {}, {}, 0, 0

    def start(self):
        for p in self.procs:
            p.start()

    def set_phase(self, name):
        self.phase.value = PHASES.index(name)

    def close(self):
        self.stop.set()
        for _ in self.procs:
            r = self.out.get(timeout=300)
            for table in ("healthz", "browse"):
                for ph, v in r[table].items():
                    getattr(self, table).setdefault(ph, []).extend(v)
            self.errors += r["errors"]
            self.bytes += r["bytes"]
        for p in self.procs:
            p.join(timeout=60)


def library(box, tmp):
    """A library of modules: PDFs of 200 KB to 1 MB, imported into BOX."""
    from content_fixture import make_folder
    rng = random.Random(3)
    mods = []
    for m in range(8):
        files = [(f"m{m}/bab{k}.pdf", os.urandom(rng.choice([200, 350, 500, 800, 1024]) << 10),
                  None) for k in range(3)]
        mods.append({"id": f"modul-{m}", "title": f"Modul {m}", "kk": "A", "subject": "IPA",
                     "level": "SMP", "files": files})
    usb = os.path.join(tmp, "usb")
    make_folder(usb, mods)
    box.pbctl("content", "import", usb)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--sync-ms", type=float, default=5.0)
    ap.add_argument("--period-ms", type=int, default=10)
    ap.add_argument("--arrival-s", type=int, default=60)
    ap.add_argument("--phones", type=int, default=40)
    ap.add_argument("--class-size", type=int, default=40)
    ap.add_argument("--burst-rounds", type=int, default=5)
    ap.add_argument("--think", default="2,10",
                    help="seconds a student reads before the next file: min,max")
    ap.add_argument("--pi-events", type=float, default=PI_EVENTS_PER_S,
                    help="sysbench cpu events/s of the target core")
    ap.add_argument("--calibrate-s", type=int, default=5)
    ap.add_argument("--web", default="",
                    help="more [web] settings for pb-web, e.g. 'file_map_max = 0'")
    ap.add_argument("--no-cgroup", action="store_true",
                    help="no CPU budget (only the sync latency)")
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(os.path.join(ROOT, a.build))
    import pbtest
    pbtest.BUILD = os.environ["PB_BUILD"]
    from attendance_util import Staff, add_staff, roster_csv
    shim = os.path.join(os.environ["PB_BUILD"], "tests", "libpbslowsync.so")
    if not os.path.exists(shim):
        sys.exit(f"{shim} is missing: make all builds it")
    if not shutil.which("sysbench") and not a.no_cgroup:
        sys.exit("bench needs sysbench (make bench installs it)")

    think = tuple(float(x) for x in a.think.split(","))
    rng = random.Random(11)
    result = {"load1_start": os.getloadavg()[0], "sync_ms": a.sync_ms, "web": a.web,
              "think_s": think,
              "phones": a.phones, "class_size": a.class_size}
    budget = None
    if not a.no_cgroup:
        wall_here, per_cpu_s = sysbench(a.calibrate_s)
        share = a.pi_events / per_cpu_s
        try:
            budget = CpuBudget(share, a.period_ms * 1000)
        except OSError as e:
            sys.exit(f"cannot make a CPU cgroup ({e}): run as root, or --no-cgroup")
        inside, _ = sysbench(a.calibrate_s, budget.wrap([]))
        result["calibration"] = {
            "pi4_sysbench_events_per_s": a.pi_events,
            "here_events_per_cpu_s": per_cpu_s, "here_events_per_s_wall": wall_here,
            "share_of_one_core": share, "period_us": budget.period_us,
            "quota_us": budget.quota_us, "mechanism": budget.kind,
            "sysbench_inside_events_per_s": inside}
        print(f"calibration: here {per_cpu_s:.0f} sysbench events per CPU-second, "
              f"Pi 4 core {a.pi_events:.0f}: budget {share:.3f} of a core "
              f"({budget.quota_us} us per {budget.period_us} us, {budget.kind}); "
              f"sysbench inside: {inside:.0f} events/s", flush=True)

    sig = signature()
    box = pbtest.Box(extra="threads = 4\nmax_connections_per_ip = 64\n" +
                     a.web.replace(";", "\n") + "\n",
                     sections="[attendance]\ncheckin_per_client_max = 100000\n"
                              "code_period_s = 3600\ncode_grace_s = 3600\n")
    tmp = tempfile.mkdtemp(prefix="pbbench-pi-")
    bg = None
    try:
        library(box, tmp)
        argv = [pbtest.binary("pb-web"), "-c", box.conf]
        count = os.path.join(box.dir, "syncs")
        env = {"LD_PRELOAD": shim, "PB_SLOWSYNC_US": str(int(a.sync_ms * 1000)),
               "PB_SLOWSYNC_COUNT": count}
        box.web = pbtest.Daemon(budget.wrap(argv) if budget else argv,
                                os.path.join(box.dir, "pb-web.log"), env=env)
        pbtest.wait_http(box.base + "/healthz", proc=box.web.proc)
        import requests
        files = [f["url"] for m in requests.get(box.base + "/api/v1/modules").json()["modules"]
                 for f in m["files"]]
        add_staff(box)
        st = Staff(box)
        sid = st.create_session(title="Bench Pi")
        teachers = a.phones * (1 + a.burst_rounds)
        r = st.roster(sid, roster_csv(teachers + 1))
        assert r.status_code == 200, r.text
        code = st.code(sid)
        # one check-in outside the measurement (the first write warms up)
        ms, status = checkin_once(box, "127.0.31.1", sid, teachers, code, sig)
        if status != 201:
            sys.exit(f"a check-in answered {status}: see {box.dir}/pb-web.log")

        bg = Backgrounds(box, a.class_size, files, think)
        bg.start()
        time.sleep(3)
        bg.set_phase("arrivals")
        load0 = os.getloadavg()[0]
        lat, bad = arrivals(box, sid, code, sig, a.phones, a.arrival_s, 0, rng)
        result["arrivals"] = dict(summary(lat), errors=len(bad), load1=load0,
                                  error_statuses=sorted(set(bad)))
        bg.set_phase("burst")
        load0 = os.getloadavg()[0]
        lat, bad = burst(box, sid, code, sig, a.phones, a.burst_rounds, a.phones)
        result["burst"] = dict(summary(lat), errors=len(bad), load1=load0,
                               error_statuses=sorted(set(bad)))
        bg.set_phase("after")
        time.sleep(2)
        bg.close()
        result["healthz"] = {ph: summary(v) for ph, v in bg.healthz.items()}
        result["healthz"]["all"] = summary([x for ph, v in bg.healthz.items()
                                            if ph != "warmup" for x in v])
        result["browse"] = {ph: summary(v) for ph, v in bg.browse.items()}
        result["browse_errors"] = bg.errors
        result["browse_mib"] = bg.bytes / (1 << 20)
        bg = None
        if budget is not None:
            result["throttling"] = budget.throttled()
        result["load1_end"] = os.getloadavg()[0]
        result["signature_points"] = sum(len(s) // 2 for s in sig["s"])

        def line(name, s):
            return (f"{name:28} n={s['n']:4}  p50 {s['p50_ms']:7.1f} ms  "
                    f"p99 {s['p99_ms']:7.1f} ms  max {s['max_ms']:7.1f} ms")
        print(line("check-in, random arrivals", result["arrivals"]) +
              f"  errors {result['arrivals']['errors']}")
        print(line("check-in, burst", result["burst"]) +
              f"  errors {result['burst']['errors']}")
        for ph in ("arrivals", "burst"):
            if ph in result["healthz"]:
                print(line(f"/healthz during {ph}", result["healthz"][ph]))
            if ph in result["browse"]:
                print(line(f"browsing during {ph}", result["browse"][ph]))
        print(f"class: {result['browse_mib']:.0f} MiB read, {result['browse_errors']} errors; load average {result['load1_start']:.1f} at start, "
              f"{result['load1_end']:.1f} at end")
        if budget is not None:
            print("cgroup:", result["throttling"])
        box.stop()
        if os.path.exists(count):
            with open(count) as f:
                result["syncs"] = int(f.read())
            print(f"SQLite syncs (each {a.sync_ms} ms): {result['syncs']}")
        print("written to", save_result(a.build, "pi", result))
    finally:
        if bg is not None:
            bg.close()
        box.close()
        if budget is not None:
            budget.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
