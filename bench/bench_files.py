#!/usr/bin/python3
"""File-serving benchmark: pb-web against nginx, same files, same run.

  bench/bench_files.py [--build build] [--seconds 3] [--rounds 3]
                       [--sizes 20K,200K,1M,50M] [--conns 32,200]
                       [--modes keepalive,close] [--perf CASE]
                       [--variant NAME='web lines']...

Serves 20 KB, 200 KB, 1 MB and 50 MB files from both servers on loopback
(pb-web with its configured threads, nginx with 2 workers and sendfile) and
measures each case with wrk: every size at every connection count, with
kept-alive connections and with `Connection: close` (a new connection per
request). The two servers are measured interleaved, case by case, round
after round (their order swapped every round), so a change in the machine's
load hits both alike; the ratio pb-web/nginx is taken within each round and
reported as median with its spread (min..max over the rounds), each
measurement with the load average it ran under. 50 MB files are compared in
bytes per second (a 50 MB request may not finish inside a short run), the
others in requests per second.

Besides throughput it reports each server's CPU time per request (user +
system, from /proc, over the wrk run): on a shared machine it moves much
less with the load than throughput does.

A second pb-web runs alongside with `file_map_max = 0` (every file by
sendfile, as before mapped answers): its ratios are reported as
*_sendfile, so the change is measured in the same run (--no-sendfile-box
leaves it out).

--variant NAME='threads = 2' runs one more pb-web with those [web] lines
added (repeatable; reported as *_NAME), to compare settings in one run;
e.g. --variant 'reuseport=listen_per_thread = yes' sets event loops with
a listening socket each against loops sharing one (the default).

Each run also counts the server's voluntary context switches per request
(summed over its threads from /proc; "ctx/req"): each is a thread going
to sleep to be woken for the next event, what a server pays besides its
own instructions, and unlike preemptions it does not move with the load (this machine's VM has no hardware counters
for perf stat -e instructions).

--syscalls counts each server's system calls per request during every
run with `perf stat` on the syscall tracepoints (all of them, and
sendfile, sendmsg/writev, setsockopt, epoll_wait, accept4 by name):
counts, unlike times, do not move with the machine's load.

Where a request's time goes besides the server's own CPU, per request
for each server (a table after the ratios, and "per_req" in the JSON):
TCP segments sent (OutSegs; on loopback the client's ACKs count too) and
of them with data (TCPOrigDataSent), resent segments and tail loss probes,
zero-window advertisements (the client's receive buffer full), wrk's own
CPU time and voluntary context switches (its rusage), the share of the
machine's CPU left idle during the run, and for kept-alive connections
the share of the server's sending time held back by the client's receive
window or by the server's send buffer (ss -i, sampled near the end of the
run). The TCP counters are those of the network namespace: run the bench
in one of its own (ip netns exec) so that nothing else is counted. On
loopback the client's read and ACK also transmit what the server had
queued, so wrk's CPU includes part of the sending: compare the sum.

--perf CASE (e.g. 200K-32-keepalive) records each server (nginx too) with
`perf record -g` during its runs of that case and writes the top of
`perf report` to build/bench/files-perf-NAME.txt.

Run the whole bench under one `nice` so both servers and wrk get the same
priority. Writes build/bench/files.json."""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "system"))

import requests  # noqa: E402

from content_fixture import make_folder  # noqa: E402
import pbtest  # noqa: E402
from benchlib import ROOT, save_result  # noqa: E402

NGINX_WORKERS = 2
SIZES = {"20K": 20 << 10, "200K": 200 << 10, "1M": 1 << 20, "50M": 50 << 20}

NGINX_CONF = """
daemon off;
user root;
master_process on;
worker_processes {workers};
worker_rlimit_nofile 8192;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 2048; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types {{ application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port};
        location ~ "^/f/([0-9a-f]{{2}})([0-9a-f]{{62}})/" {{
            default_type application/octet-stream;
            alias {store}/$1/$1$2;
        }}
    }}
}}
"""


def wrk(url, conns, seconds, close=False, threads=2):
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
           "--timeout", "30s", url]
    if close:
        cmd[1:1] = ["-H", "Connection: close"]
    # wait4, not run(): the rusage of wrk itself, the client's CPU time
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    proc.stdout.close()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", out)
    mult = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "requests": total, "bytes_per_s": float(m.group(1)) * mult,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sock.group(1) if sock else "",
            "wrk_cpu_s": ru.ru_utime + ru.ru_stime, "wrk_ctx": ru.ru_nvcsw}


def send_limits(port):
    """What held back the server's open connections on PORT, summed over
    them, from the kernel's per-connection timers (ss -i): ms busy sending,
    and of it ms limited by the receiver's window (the client not reading
    fast enough) and by the server's own send buffer."""
    out = subprocess.run(["ss", "-tinH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True).stdout
    total = {"conns": 0, "busy_ms": 0, "rwnd_limited_ms": 0, "sndbuf_limited_ms": 0}
    for m in re.finditer(r"busy:(\d+)ms(?: rwnd_limited:(\d+)ms)?[^\n]*?"
                         r"(?: sndbuf_limited:(\d+)ms)?", out):
        total["conns"] += 1
        total["busy_ms"] += int(m.group(1))
        total["rwnd_limited_ms"] += int(m.group(2) or 0)
        total["sndbuf_limited_ms"] += int(m.group(3) or 0)
    return total


def tcp_counts():
    """Every TCP counter of this network namespace so far (Tcp and TcpExt of
    /proc/net/snmp and /proc/net/netstat): on loopback the server's and the
    client's sides alike. OutSegs are the segments sent, TCPOrigDataSent
    those carrying new data (the rest are ACKs, SYN, FIN)."""
    counts = {}
    for path, table in (("/proc/net/snmp", "Tcp:"), ("/proc/net/netstat", "TcpExt:")):
        with open(path) as f:
            rows = [line.split() for line in f if line.startswith(table)]
        for name, value in zip(rows[0][1:], rows[1][1:]):
            if name != "MaxConn" and not name.startswith("Rto") and name != "CurrEstab":
                counts[name] = int(value)
    return counts


def cpu_idle():
    """(idle, total) jiffies of all CPUs so far (idle includes iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[3] + v[4], sum(v[:8])


# Per request, median over the rounds, for each server: TCP segments sent
# on loopback (both directions) and of them with data, the server's and
# wrk's CPU microseconds, and the share of the machine's CPU left idle.
PER_REQ = ("segs_per_req", "data_segs_per_req", "retrans_per_req", "loss_probes_per_req",
           "zero_window_per_req", "cpu_us_per_req", "wrk_cpu_us_per_req", "wrk_ctx_per_req",
           "idle", "rwnd_limited", "sndbuf_limited")


def cpu_s(pids):
    """User + system CPU seconds of the processes PIDS so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def ctx_switches(pids, kind="voluntary"):
    """Context switches of every thread of PIDS: voluntary (the thread
    waited: a wake-up per event) or nonvoluntary (preempted: that moves
    with the machine's load)."""
    total = 0
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/status") as f:
                    text = f.read()
            except FileNotFoundError:
                continue
            total += sum(int(v) for v in re.findall(kind + r"_ctxt_switches:\s+(\d+)", text))
    return total


SYSCALLS = ["raw_syscalls:sys_enter", "syscalls:sys_enter_sendfile64",
            "syscalls:sys_enter_sendmsg", "syscalls:sys_enter_writev",
            "syscalls:sys_enter_setsockopt", "syscalls:sys_enter_epoll_wait",
            "syscalls:sys_enter_accept4"]


class SyscallCount:
    """perf stat on the syscall tracepoints of a server's processes."""

    def __init__(self, pids, out):
        self.out = out
        self.proc = subprocess.Popen(
            ["perf", "stat", "-x", ",", "-o", out, "-e", ",".join(SYSCALLS),
             "-p", ",".join(map(str, pids))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)

    def stop(self):
        """{syscall name: count} since the start."""
        self.proc.send_signal(2)
        self.proc.wait(timeout=60)
        counts = {}
        with open(self.out) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) > 2 and parts[0].isdigit():
                    name = parts[2].split(":")[1].replace("sys_enter_", "")
                    counts["all" if name == "sys_enter" else name] = int(parts[0])
        return counts


def nginx_pids(master):
    """nginx's master and its workers."""
    pids = [master]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(d))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return pids


def measured(url, conns, seconds, close, pids, syscalls=None):
    """wrk's figures plus the server's CPU microseconds and context
    switches per request (and system calls, with SYSCALLS a scratch
    file) and the load average (1 min) when the run started."""
    load = os.getloadavg()[0]
    count = SyscallCount(pids, syscalls) if syscalls else None
    before, ctx = cpu_s(pids), ctx_switches(pids)
    pre = ctx_switches(pids, "nonvoluntary")
    segs, idle = tcp_counts(), cpu_idle()
    limits = {}
    if not close:     # kept-alive connections live as long as the run: sample near its end
        port = int(url.split(":")[2].split("/")[0])
        timer = threading.Timer(max(0.5, seconds - 0.3),
                                lambda: limits.update(send_limits(port)))
        timer.start()
    r = wrk(url, conns, seconds, close)
    segs2, idle2 = tcp_counts(), cpu_idle()
    n = max(1, r["requests"])
    tcp = {k: (segs2[k] - segs[k]) / n for k in segs2 if segs2[k] != segs.get(k)}
    r["tcp_per_req"] = tcp
    r["segs_per_req"] = tcp.get("OutSegs", 0)
    r["data_segs_per_req"] = tcp.get("TCPOrigDataSent", 0)
    r["retrans_per_req"] = tcp.get("RetransSegs", 0)
    # a receiver (wrk) with a full buffer; the sender's probes and
    # timer-driven resends (tail loss probes) while it waits for ACKs
    r["zero_window_per_req"] = tcp.get("TCPToZeroWindowAdv", 0)
    r["loss_probes_per_req"] = tcp.get("TCPLossProbes", 0)
    r["wrk_cpu_us_per_req"] = r["wrk_cpu_s"] * 1e6 / n
    r["idle"] = (idle2[0] - idle[0]) / max(1, idle2[1] - idle[1])
    r["wrk_ctx_per_req"] = r["wrk_ctx"] / n
    if not close:
        timer.join()
        r["send_limits"] = limits
        busy = max(1, limits.get("busy_ms", 0))
        r["rwnd_limited"] = limits.get("rwnd_limited_ms", 0) / busy
        r["sndbuf_limited"] = limits.get("sndbuf_limited_ms", 0) / busy
    r["cpu_us_per_req"] = (cpu_s(pids) - before) * 1e6 / max(1, r["requests"])
    r["ctx_per_req"] = (ctx_switches(pids) - ctx) / max(1, r["requests"])
    r["preempt_per_req"] = (ctx_switches(pids, "nonvoluntary") - pre) / max(1, r["requests"])
    if count is not None:
        r["syscalls_per_req"] = {k: v / max(1, r["requests"])
                                 for k, v in count.stop().items()}
    r["load1"] = load
    return r


def rss_kb(pid, field="VmRSS"):
    """Resident KiB; RssAnon leaves out the mapped store files' pages,
    which are the page cache, shared and dropped first."""
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(field + r":\s+(\d+)", f.read()).group(1))


class Perf:
    """perf record -g on a server's processes, started and stopped around runs."""

    def __init__(self, pids, data):
        self.pids, self.data, self.proc, self.n = pids, data, None, 0

    def start(self):
        out = f"{self.data}.{self.n}"
        self.n += 1
        self.proc = subprocess.Popen(["perf", "record", "-q", "-g", "-F", "999",
                                      "-p", ",".join(map(str, self.pids)), "-o", out],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.3)

    def stop(self):
        self.proc.send_signal(2)
        self.proc.wait(timeout=60)
        self.proc = None

    def report(self, path):
        parts = []
        for i in range(self.n):
            src = f"{self.data}.{i}"
            if not os.path.exists(src):
                continue
            for args in (["--no-children", "--sort", "dso,symbol"], ["--sort", "symbol"]):
                parts.append(subprocess.run(
                    ["perf", "report", "-i", src, "--stdio", "-g", "none",
                     "--percent-limit", "0.7"] + args,
                    capture_output=True, text=True).stdout)
        with open(path, "w") as f:
            f.write("\n".join(parts))


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="20K,200K,1M,50M")
    ap.add_argument("--conns", default="32,200")
    ap.add_argument("--modes", default="keepalive,close")
    ap.add_argument("--no-sendfile-box", dest="sendfile_too", action="store_false",
                    help="skip the second pb-web with file_map_max = 0")
    ap.add_argument("--variant", action="append", default=[],
                    help="NAME='web lines': one more pb-web with those [web] lines")
    ap.add_argument("--perf", default="", help="case to profile, e.g. 200K-32-keepalive")
    ap.add_argument("--syscalls", action="store_true",
                    help="count system calls per request (perf stat)")
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(a.build)
    pbtest.BUILD = os.environ["PB_BUILD"]
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("bench needs wrk and nginx (make bench installs them)")
    sizes = a.sizes.split(",")
    conns = [int(c) for c in a.conns.split(",")]
    modes = a.modes.split(",")

    web = "max_connections_per_ip = 1000\nmax_connections = 2000\n" + \
        os.environ.get("PB_BENCH_WEB", "")
    box = pbtest.Box(extra=web)
    # The same pb-web with every file on sendfile (file_map_max = 0): the
    # way it served files before mapped answers, measured in the same run.
    boxes = {"pb_web": box}
    if a.sendfile_too:
        boxes["pb_web_sendfile"] = pbtest.Box(extra=web + "file_map_max = 0\n")
    for v in a.variant:
        name, lines = v.split("=", 1)
        boxes["pb_web_" + name] = pbtest.Box(extra=web + lines.replace(";", "\n") + "\n")
    tmp = tempfile.mkdtemp(prefix="pbbench-")
    nginx = None
    try:
        usb = os.path.join(tmp, "usb")
        make_folder(usb, [{"id": "bench", "title": "Bench", "kk": "A", "subject": "IPA",
                           "level": "SMP",
                           "files": [(f"f{s}.bin", os.urandom(SIZES[s]), None)
                                     for s in sizes]}])
        for b in boxes.values():
            b.pbctl("content", "import", usb)
            b.start()
        cat = requests.get(box.base + "/api/v1/modules").json()
        urls = {f["name"]: f["url"] for m in cat["modules"] for f in m["files"]}
        nport = pbtest.free_port()
        with open(os.path.join(tmp, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=tmp, port=nport, workers=NGINX_WORKERS,
                                      store=os.path.join(box.dir, "data", "store")))
        nginx = subprocess.Popen(["nginx", "-c", os.path.join(tmp, "nginx.conf")])
        nbase = f"http://127.0.0.1:{nport}"
        pbtest.wait_http(nbase + urls[f"f{sizes[0]}.bin"])
        pid = box.web.proc.pid
        servers = [(name, b.base, [b.web.proc.pid]) for name, b in boxes.items()]
        servers.append(("nginx", nbase, nginx_pids(nginx.pid)))
        for u in urls.values():
            want = requests.get(nbase + u).content
            for _, base, _ in servers:
                assert requests.get(base + u).content == want
        perf = {name: Perf(pids, os.path.join(tmp, f"perf-{name}.data"))
                for name, _, pids in servers} if a.perf else {}

        cases = [(s, c, m) for s in sizes for c in conns for m in modes]
        runs = {f"{s}-{c}-{m}": {name: [] for name, _, _ in servers} for s, c, m in cases}
        with open("/proc/sys/net/ipv4/tcp_congestion_control") as f:
            congestion = f.read().strip()
        results = {"rss_idle_kb": rss_kb(pid), "rss_anon_idle_kb": rss_kb(pid, "RssAnon"),
                   "tcp_congestion_control": congestion,
                   "cpus": os.cpu_count(),
                   "nginx_workers": NGINX_WORKERS, "seconds": a.seconds,
                   "rounds": a.rounds, "cases": []}
        for rnd in range(a.rounds):
            for s, c, m in cases:
                key = f"{s}-{c}-{m}"
                path = urls[f"f{s}.bin"]
                # each server goes first, middle and last in turn
                k = rnd % len(servers)
                for name, base, pids in servers[k:] + servers[:k]:
                    profiling = name in perf and key == a.perf
                    if profiling:
                        perf[name].start()
                    runs[key][name].append(measured(
                        base + path, c, a.seconds, m == "close", pids,
                        os.path.join(tmp, "syscalls.txt") if a.syscalls else None))
                    if profiling:
                        perf[name].stop()
                print(f"round {rnd + 1}/{a.rounds} {key}: " +
                      ", ".join(f"{name} {runs[key][name][-1]['rps']:.0f} req/s"
                                for name, _, _ in servers) +
                      f", load {runs[key]['nginx'][-1]['load1']:.1f}", flush=True)

        for s, c, m in cases:
            key = f"{s}-{c}-{m}"
            metric = "bytes_per_s" if SIZES[s] >= (8 << 20) else "rps"
            n = runs[key]["nginx"]
            case = {"case": key, "size": s, "conns": c, "mode": m, "metric": metric,
                    "nginx": spread([x[metric] for x in n]),
                    "load1": spread([x["load1"] for r in runs[key].values() for x in r]),
                    "errors": sum(x["non2xx"] for r in runs[key].values() for x in r),
                    "runs": runs[key]}
            for name, _, _ in servers[:-1]:
                p = runs[key][name]
                sfx = name[len("pb_web"):]
                case[name] = spread([x[metric] for x in p])
                case["ratio" + sfx] = spread([pp[metric] / max(1e-9, nn[metric])
                                              for pp, nn in zip(p, n)])
                case["cpu_ratio" + sfx] = spread(
                    [nn["cpu_us_per_req"] / max(1e-9, pp["cpu_us_per_req"])
                     for pp, nn in zip(p, n)])
                case["ctx_per_req" + sfx] = spread([x["ctx_per_req"] for x in p])
            case["ctx_per_req_nginx"] = spread([x["ctx_per_req"] for x in n])
            # per server: where the time of a request goes besides its own CPU
            case["per_req"] = {
                name: {k: statistics.median(x.get(k, 0) for x in runs[key][name])
                       for k in PER_REQ}
                for name, _, _ in servers}
            if a.syscalls:
                case["syscalls_per_req"] = {
                    name: {k: statistics.median(x["syscalls_per_req"].get(k, 0)
                                                for x in runs[key][name])
                           for k in runs[key][name][0]["syscalls_per_req"]}
                    for name, _, _ in servers}
            results["cases"].append(case)

        # Memory under 200 connections.
        peak = [0, 0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kb(pid))
                peak[1] = max(peak[1], rss_kb(pid, "RssAnon"))
                time.sleep(0.1)
        t = threading.Thread(target=sample)
        t.start()
        wrk(box.base + urls[f"f{sizes[0]}.bin"], 200, max(3, a.seconds))
        stop.set()
        t.join()
        results["rss_200_conns_kb"] = peak[0]
        results["rss_anon_200_conns_kb"] = peak[1]
        results["rss_after_kb"] = rss_kb(pid)
        results["rss_anon_after_kb"] = rss_kb(pid, "RssAnon")

        others = [name[len("pb_web"):] for name, _, _ in servers[1:-1]]
        print(f"\n{'case':22} {'pb-web':>13} {'nginx':>13} {'ratio (min..max)':>20}  "
              f"{'CPU ratio':>9}  {'ctx/req':>11}  {'load':>9}" +
              "".join(f"  {o[1:] + ': ratio':>20}  {'CPU':>5}  {'ctx/req':>7}" for o in others))
        for c in results["cases"]:
            def unit(v, c=c):
                if c["metric"] == "bytes_per_s":
                    return f"{v / (1 << 20):8.0f} MiB/s"
                return f"{v:8.0f} req/s"
            r = c["ratio"]
            print(f"{c['case']:22} {unit(c['pb_web']['median']):>13} "
                  f"{unit(c['nginx']['median']):>13} "
                  f"{r['median']:6.2f} ({r['min']:.2f}..{r['max']:.2f})  "
                  f"{c['cpu_ratio']['median']:9.2f}  "
                  f"{c['ctx_per_req']['median']:5.2f}/{c['ctx_per_req_nginx']['median']:<5.2f} "
                  f"{c['load1']['min']:4.1f}-{c['load1']['max']:.1f}" +
                  "".join(f"  {c['ratio' + o]['median']:6.2f} "
                          f"({c['ratio' + o]['min']:.2f}..{c['ratio' + o]['max']:.2f})"
                          f"  {c['cpu_ratio' + o]['median']:5.2f}"
                          f"  {c['ctx_per_req' + o]['median']:7.2f}" for o in others))
        print(f"\n{'case':22} {'server':20} {'segments/req':>12} {'with data':>9} "
              f"{'retrans':>7} {'TLP':>6} {'0-window':>8} {'server us/req':>13} "
              f"{'wrk us/req':>10} {'wrk ctx':>7} {'idle':>5} {'rwnd-lim':>8} {'sndbuf-lim':>10}")
        for c in results["cases"]:
            for name, v in c["per_req"].items():
                print(f"{c['case']:22} {name:20} {v['segs_per_req']:12.2f} "
                      f"{v['data_segs_per_req']:9.2f} {v['retrans_per_req']:7.3f} "
                      f"{v['loss_probes_per_req']:6.3f} {v['zero_window_per_req']:8.3f} "
                      f"{v['cpu_us_per_req']:13.1f} {v['wrk_cpu_us_per_req']:10.1f} "
                      f"{v['wrk_ctx_per_req']:7.2f} {v['idle'] * 100:4.0f}% "
                      + (f"{v['rwnd_limited'] * 100:7.0f}% {v['sndbuf_limited'] * 100:9.0f}%"
                         if c["mode"] == "keepalive" else ""))
        for c in results["cases"]:
            for name, counts in c.get("syscalls_per_req", {}).items():
                print(f"{c['case']:22} {name:20} system calls per request: " +
                      ", ".join(f"{k} {v:.2f}" for k, v in counts.items()))
        print(f"TCP congestion control: {congestion} (segments and wrk counted over "
              f"the network namespace the bench runs in)")
        print(f"pb-web RSS idle {results['rss_idle_kb'] / 1024:.1f} MiB, "
              f"peak under 200 connections {results['rss_200_conns_kb'] / 1024:.1f} MiB, "
              f"after {results['rss_after_kb'] / 1024:.1f} MiB; of it anonymous (not "
              f"mapped files): {results['rss_anon_idle_kb'] / 1024:.1f}, "
              f"{results['rss_anon_200_conns_kb'] / 1024:.1f}, "
              f"{results['rss_anon_after_kb'] / 1024:.1f} MiB")
        for name, pf in perf.items():
            out = os.path.join(ROOT, a.build, "bench", f"files-perf-{name}.txt")
            os.makedirs(os.path.dirname(out), exist_ok=True)
            pf.report(out)
            results.setdefault("perf_reports", {})[name] = out
            print(f"perf report of {name} during {a.perf}: {out}")
        print("written to", save_result(a.build, "files", results))
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait()
        for b in boxes.values():
            b.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
