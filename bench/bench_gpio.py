#!/usr/bin/python3
"""pb-gpio's cost at rest and its button latency, on the stand-in chip.

  bench/bench_gpio.py [--build build] [--seconds 30] [--presses 20]

Runs the real pb-gpio with build/tests/libfakegpiod.so preloaded (this
machine has no GPIO chip) and default poll intervals, pb-web absent and
no Wi-Fi check, so every LED is solid or off. Prints:
  - CPU time and wake-ups (context switches of both threads) per minute
    while nothing blinks;
  - time from the button's release to the sync command having run (the
    file it touches), over several short presses."""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def switches(pid):
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/status") as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
    return total


def cpu_ms(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--presses", type=int, default=20)
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    with tempfile.TemporaryDirectory(prefix="pbbench-gpio-") as d:
        conf = os.path.join(d, "box.conf")
        synced = os.path.join(d, "synced")
        with open(conf, "w") as f:
            f.write(f"[box]\ndata_dir = {d}/data\n[web]\nlisten = 127.0.0.1:1\n"
                    f"webapp_dir = {ROOT}/webapp\n[gpio]\nwifi_check = none\nstartup_s = 0\n"
                    f"sync_command = touch {synced}\nthrottled_path = {d}/throttled\n")
        env = dict(os.environ, FAKEGPIOD_DIR=d,
                   LD_PRELOAD=os.path.join(build, "tests", "libfakegpiod.so"))
        p = subprocess.Popen([os.path.join(build, "pb-gpio"), "-c", conf], env=env,
                             stderr=subprocess.DEVNULL)
        try:
            fifo = os.path.join(d, "line26.fifo")
            while not os.path.exists(fifo):
                time.sleep(0.05)
            time.sleep(1.0)
            c0, s0, t0 = cpu_ms(p.pid), switches(p.pid), time.time()
            time.sleep(a.seconds)
            c1, s1, t1 = cpu_ms(p.pid), switches(p.pid), time.time()
            per_min = 60 / (t1 - t0)
            print(f"at rest: {(c1 - c0) * per_min:.0f} ms CPU and "
                  f"{(s1 - s0) * per_min:.0f} wake-ups per minute")
            lat = []
            for _ in range(a.presses):
                if os.path.exists(synced):
                    os.unlink(synced)
                with open(fifo, "w") as f:
                    f.write(f"@{time.monotonic_ns()}:0")
                time.sleep(0.15)
                t = time.time()
                with open(fifo, "w") as f:
                    f.write(f"@{time.monotonic_ns()}:1")
                while not os.path.exists(synced):
                    if time.time() - t > 5:
                        sys.exit("the sync command did not run")
                    time.sleep(0.001)
                lat.append((time.time() - t) * 1000)
                time.sleep(0.2)
            print(f"release -> sync command ran: median {statistics.median(lat):.1f} ms, "
                  f"max {max(lat):.1f} ms over {len(lat)} presses (debounce 30 ms)")
        finally:
            p.terminate()
            p.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
