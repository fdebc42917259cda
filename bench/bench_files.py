#!/usr/bin/python3
"""File-serving benchmark: pb-web against nginx, same files, same run.

  bench/bench_files.py [--build build] [--seconds 10]

Serves a 50 MB video, a 20 KB file and the catalogue JSON from both servers
on loopback and measures them with wrk (large file: 16 connections; small
requests: 64 connections), then pb-web's resident memory idle and under 200
connections. Prints the figures and the pb-web/nginx ratios, and writes
them to build/bench/files.json.

Besides throughput it reports each server's CPU time per request (user +
system, from /proc, over the wrk run): on a machine shared with other work
the throughput ratio moves with the load, the CPU cost per request much
less."""
import argparse
import os
import re
import shutil
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
from benchlib import save_result  # noqa: E402

NGINX_CONF = """
daemon off;
user root;
master_process on;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    types {{ video/mp4 mp4; application/json json; application/octet-stream bin; }}
    server {{
        listen 127.0.0.1:{port};
        location = /api/v1/modules {{ default_type application/json; alias {dir}/catalogue.json; }}
        location ~ "^/f/([0-9a-f]{{2}})([0-9a-f]{{62}})/" {{
            default_type application/octet-stream;
            alias {store}/$1/$1$2;
        }}
    }}
}}
"""


def wrk(url, conns, seconds, threads=2):
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s",
                          "--latency", url], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    m = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", out)
    mult = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "requests": total, "bytes_per_s": float(m.group(1)) * mult,
            "non2xx": int(errors.group(1)) if errors else 0,
            "socket_errors": sock.group(1) if sock else ""}


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


def measured(url, conns, seconds, pids):
    """wrk's figures plus the server's CPU microseconds per request."""
    before = cpu_s(pids)
    r = wrk(url, conns, seconds)
    r["cpu_us_per_req"] = (cpu_s(pids) - before) * 1e6 / max(1, r["requests"])
    return r


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=10)
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(a.build)
    pbtest.BUILD = os.environ["PB_BUILD"]
    if not shutil.which("wrk") or not shutil.which("nginx"):
        sys.exit("bench needs wrk and nginx (make bench installs them)")

    box = pbtest.Box(extra="max_connections_per_ip = 1000\nmax_connections = 2000\n" + os.environ.get("PB_BENCH_WEB", ""))
    tmp = tempfile.mkdtemp(prefix="pbbench-")
    nginx = None
    try:
        usb = os.path.join(tmp, "usb")
        make_folder(usb, [{"id": "bench", "title": "Bench", "kk": "A", "subject": "IPA",
                           "level": "SMP", "files": [("video.mp4", os.urandom(50 << 20), None),
                                                     ("small.bin", os.urandom(20 << 10), None)]}])
        box.pbctl("content", "import", usb)
        box.start()
        cat = requests.get(box.base + "/api/v1/modules").json()
        urls = {f["name"]: f["url"] for m in cat["modules"] for f in m["files"]}
        with open(os.path.join(tmp, "catalogue.json"), "w") as f:
            f.write(requests.get(box.base + "/api/v1/modules").text)
        nport = pbtest.free_port()
        with open(os.path.join(tmp, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=tmp, port=nport, workers=box_threads(),
                                      store=os.path.join(box.dir, "data", "store")))
        nginx = subprocess.Popen(["nginx", "-c", os.path.join(tmp, "nginx.conf")])
        nbase = f"http://127.0.0.1:{nport}"
        pbtest.wait_http(nbase + "/api/v1/modules")
        for u in urls.values():
            assert requests.get(nbase + u).content == requests.get(box.base + u).content

        cases = [("large file 50 MB, 16 conns", urls["video.mp4"], 16),
                 ("small file 20 KB, 64 conns", urls["small.bin"], 64),
                 ("catalogue JSON, 64 conns", "/api/v1/modules", 64)]
        results = {"cases": []}
        pid = box.web.proc.pid
        results["rss_idle_kb"] = rss_kb(pid)
        npids = nginx_pids(nginx.pid)
        for name, path, conns in cases:
            p = measured(box.base + path, conns, a.seconds, [pid])
            n = measured(nbase + path, conns, a.seconds, npids)
            key = "bytes_per_s" if "large" in name else "rps"
            results["cases"].append({"case": name, "pb_web": p, "nginx": n,
                                     "ratio": p[key] / n[key], "metric": key,
                                     "cpu_ratio": n["cpu_us_per_req"] /
                                     max(1e-9, p["cpu_us_per_req"])})
        # Memory under 200 connections.
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], rss_kb(pid))
                time.sleep(0.1)
        t = threading.Thread(target=sample)
        t.start()
        under = wrk(box.base + urls["small.bin"], 200, max(5, a.seconds // 2))
        stop.set()
        t.join()
        results["rss_200_conns_kb"] = peak[0]
        results["rps_200_conns"] = under["rps"]
        results["rss_after_kb"] = rss_kb(pid)
        results["cpus"] = os.cpu_count()

        print(f"{'case':34} {'pb-web':>14} {'nginx':>14} {'ratio':>7}   "
              f"{'CPU µs/req pb-web':>17} {'nginx':>6} {'ratio':>6}")
        for c in results["cases"]:
            unit = (lambda v: f"{v / (1 << 20):9.1f} MiB/s") if c["metric"] == "bytes_per_s" \
                else (lambda v: f"{v:10.0f} req/s")
            print(f"{c['case']:34} {unit(c['pb_web'][c['metric']]):>14} "
                  f"{unit(c['nginx'][c['metric']]):>14} {c['ratio']:7.2f}   "
                  f"{c['pb_web']['cpu_us_per_req']:17.1f} {c['nginx']['cpu_us_per_req']:6.1f} "
                  f"{c['cpu_ratio']:6.2f}")
        print(f"pb-web RSS idle {results['rss_idle_kb'] / 1024:.1f} MiB, "
              f"peak under 200 connections {results['rss_200_conns_kb'] / 1024:.1f} MiB, "
              f"after {results['rss_after_kb'] / 1024:.1f} MiB")
        save_result(a.build, "files", results)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait()
        box.close()
        shutil.rmtree(tmp, ignore_errors=True)


def box_threads():
    return 2


if __name__ == "__main__":
    main()
