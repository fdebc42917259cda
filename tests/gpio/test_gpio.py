"""pb-gpio against a stand-in GPIO chip.

This machine has no GPIO chip and its kernel cannot simulate one, so the
real, unchanged build/pb-gpio runs with build/tests/libfakegpiod.so
preloaded (tests/gpio/fakegpiod.c): it replaces libgpiod v1 at its own
interface, writes every line change with a time stamp to lines.log, and
takes button edges from a FIFO. Everything else is real: pb-web for the
ready LED, the SQLite database for the sync LED, hostapd (driver=none) for
the Wi-Fi LED, the commands run by the button.

LED patterns are checked by the shape of the recorded changes (solid = no
change; blinking = how many changes, lit/dark runs long or short compared
with each other), with wide margins, never by exact durations."""
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import BUILD, Box, Daemon, binary, copy_for_user, user_folder  # noqa: E402

READY, WIFI, SYNC, BUTTON = 17, 27, 22, 26
LEDS = (READY, WIFI, SYNC)


def gpio_section(folder, **kw):
    keys = {
        "health_poll_ms": 200,
        "health_timeout_ms": 300,
        "status_poll_ms": 200,
        "startup_s": 60,
        "wifi_check": "none",
        "throttled_path": os.path.join(folder, "throttled"),
        "sync_command": f"touch {folder}/synced",
        "shutdown_command": f"touch {folder}/shutdown",
    }
    keys.update(kw)
    return "[gpio]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())


def asan_runtime(exe):
    """An ASan build needs its runtime first in LD_PRELOAD, before the fake."""
    ldd = subprocess.run(["ldd", exe], capture_output=True, text=True).stdout
    for line in ldd.splitlines():
        if "libasan" in line and "=>" in line:
            return [line.split("=>")[1].split()[0]]
    return []


class Gpio:
    """build/pb-gpio on the fake chip in FOLDER/gpio."""

    def __init__(self, box, build=BUILD, wrapper=(), env=None):
        self.box = box
        self.dir = os.path.join(box.dir, "gpio")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(self.dir, "lines.log")
        fake = os.path.join(build, "tests", "libfakegpiod.so")
        if not os.path.exists(fake):
            raise RuntimeError(f"{fake} is missing: run make first")
        self.preload = ":".join([*asan_runtime(os.path.join(build, "pb-gpio")), fake])
        env = {"FAKEGPIOD_DIR": self.dir, "LD_PRELOAD": self.preload, **(env or {})}
        self.daemon = Daemon([*wrapper, os.path.join(build, "pb-gpio"), "-c", box.conf, "-d"],
                             os.path.join(box.dir, "pb-gpio.log"), env=env)
        self.wait_log(lambda ls: any(f"request-events {BUTTON}" in l for l in ls),
                      "the button line requested", timeout=30)
        self.pid = self.daemon.proc.pid

    # ---- the recorded line changes ----
    def lines(self):
        try:
            with open(self.log_path) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def wait_log(self, pred, what, timeout=10.0):
        end = time.time() + timeout
        while time.time() < end:
            if pred(self.lines()):
                return
            if not self.daemon.alive():
                raise AssertionError(f"pb-gpio exited: {self.daemon.output()[-3000:]}")
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n" + "\n".join(self.lines()[-30:]))

    def wait_output(self, pred, what, timeout=10.0):
        """Wait until PRED holds for pb-gpio's own log (its output)."""
        end = time.time() + timeout
        while time.time() < end:
            if pred(self.daemon.output()):
                return
            if not self.daemon.alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}:\n{self.daemon.output()[-3000:]}")

    def changes(self, offset, since=0.0, until=None):
        """(level at SINCE, [(t, level)] of the changes of an output line
        from SINCE to UNTIL)."""
        start, trans = 0, []
        for l in self.lines():
            w = l.split()
            if len(w) < 5 or int(w[1]) != self.pid or int(w[3]) != offset:
                continue
            if w[2] == "set":
                t, v = float(w[0]), int(w[4])
            elif w[2] == "request-output":
                t, v = float(w[0]), int(w[-1].split("=")[1])
            else:
                continue
            if t < since:
                start = v
                continue
            if until is not None and t > until:
                break
            if v != (trans[-1][1] if trans else start):
                trans.append((t, v))
        return start, trans

    def runs(self, offset, seconds):
        """Watch an LED for SECONDS; return (level at start, transitions,
        [(level, duration)] of the complete runs in between)."""
        t0 = time.time()
        time.sleep(seconds)
        start, trans = self.changes(offset, since=t0, until=t0 + seconds)
        runs = [(trans[i][1], trans[i + 1][0] - trans[i][0]) for i in range(len(trans) - 1)]
        return start, trans, runs

    def wait_state(self, led_name, state, timeout=10.0):
        end = time.time() + timeout
        needle = f"{led_name} LED: {state} "
        while time.time() < end:
            if needle in self.daemon.output():
                return
            if not self.daemon.alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no '{needle}' in:\n{self.daemon.output()[-3000:]}")

    # ---- the button: physical levels, wired to GND with a pull-up ----
    def button(self, levels):
        with open(os.path.join(self.dir, f"line{BUTTON}.fifo"), "w") as f:
            f.write(levels)

    def press(self):
        self.button(f"@{time.monotonic_ns()}:0")   # stamped like the kernel does

    def release(self):
        self.button(f"@{time.monotonic_ns()}:1")

    def stop(self, expect_code=0):
        self.daemon.stop(expect_code=expect_code)


def wait_file(path, timeout):
    end = time.time() + timeout
    while not os.path.exists(path) and time.time() < end:
        time.sleep(0.05)
    return os.path.exists(path)


def short_press_syncs(g, box, timeout=5.0):
    """Press and release; True once the sync command has left its file."""
    g.press()
    time.sleep(0.3)
    g.release()
    return wait_file(os.path.join(box.dir, "synced"), timeout)


def solid(g, offset, level, seconds=1.5):
    start, trans, _ = g.runs(offset, seconds)
    assert trans == [] and start == level, (offset, start, trans)


def assert_blinks(g, offset, seconds, lo_ms, hi_ms, min_changes):
    """Regular blinking: enough changes, every complete run within [lo, hi]."""
    _, trans, runs = g.runs(offset, seconds)
    assert len(trans) >= min_changes, (offset, trans)
    for level, d in runs:
        assert lo_ms / 1000 <= d <= hi_ms / 1000, (offset, runs)
    return runs


@pytest.fixture
def make_box():
    boxes = []

    def make(start_web=True, net=None, **gpio_keys):
        b = Box(sections="")
        with open(b.conf, "a") as f:
            f.write(gpio_section(b.dir, **gpio_keys))
            if net:
                f.write("[net]\n" + "".join(f"{k} = {v}\n" for k, v in net.items()))
        boxes.append(b)
        if start_web:
            b.start()
        return b
    yield make
    for b in boxes:
        b.close()


def outbox_add(db_path, wall_ms, acked=0):
    db = sqlite3.connect(db_path, timeout=10)
    n = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    db.execute("INSERT INTO outbox(id, type, payload, wall_ms, clock_source, boot_id, "
               "mono_ms, prev_hash, hash, acked) VALUES (?, 'attendance.checkin', '{}', ?, "
               "'ntp', 'boot', 0, '', '', ?)", (f"rec-{n}", wall_ms, acked))
    db.commit()
    db.close()


def set_meta(db_path, key, value):
    db = sqlite3.connect(db_path, timeout=10)
    db.execute("INSERT INTO box_meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
    db.commit()
    db.close()


def get_meta(db_path, key):
    db = sqlite3.connect(db_path, timeout=10)
    row = db.execute("SELECT value FROM box_meta WHERE key = ?", (key,)).fetchone()
    db.close()
    return row[0] if row else None


# ---------------------------------------------------------------------------

def dynamic_symbols(path, which):
    out = subprocess.run(["nm", "-D", which, path], capture_output=True, text=True,
                         check=True).stdout
    return {l.split()[-1] for l in out.splitlines() if l.split()[-1].startswith("gpiod_")}


def test_stand_in_defines_every_libgpiod_call():
    # A libgpiod function pb-gpio calls but the stand-in lacks would reach
    # the real library with the stand-in's objects: make that a failure here.
    used = dynamic_symbols(binary("pb-gpio"), "--undefined-only")
    fake = dynamic_symbols(os.path.join(BUILD, "tests", "libfakegpiod.so"), "--defined-only")
    assert "gpiod_line_event_get_fd" in used and "gpiod_chip_close" in used, used
    assert used <= fake, sorted(used - fake)


def check(conf):
    return subprocess.run([binary("pb-gpio"), "-c", conf, "-n"], capture_output=True,
                          text=True, timeout=30)


def test_check_config(make_box):
    p = check(make_box(start_web=False).conf)
    assert p.returncode == 0 and p.stdout.strip() == "configuration OK", p.stderr
    p = check(make_box(start_web=False, hold_s=99).conf)
    assert p.returncode != 0 and "[gpio] hold_s = '99': out of range" in p.stderr, p.stderr
    p = check(make_box(start_web=False, wifi_check="radio", sync_line=26,
                       sync_command=" ").conf)
    assert p.returncode != 0
    for msg in ("wifi_check = 'radio'", "line 26 is used twice", "sync_command: empty"):
        assert msg in p.stderr, p.stderr
    assert "configuration OK" not in p.stdout


def test_ready_led_follows_pb_web(make_box):
    b = make_box(start_web=False)
    g = Gpio(b)
    try:
        # pb-web not answering yet, young boot: blinking (0.5 s on/off)
        g.wait_state("ready", "ready-starting")
        assert_blinks(g, READY, 2.6, 250, 900, 3)
        # pb-web up: solid
        b.start()
        g.wait_state("ready", "ready-up")
        solid(g, READY, 1)
        # pb-web down after it was up: off, and pb-gpio keeps going
        b.stop()
        g.wait_state("ready", "ready-down")
        solid(g, READY, 0)
        b.start()
        g.wait_output(lambda out: out.count("ready LED: ready-up") == 2, "ready-up again")
        solid(g, READY, 1)
    finally:
        g.stop()


def test_sync_led_patterns(make_box):
    b = make_box()
    db = b.db_path()
    g = Gpio(b)
    try:
        g.wait_state("sync", "sync-idle")
        solid(g, SYNC, 0, 1.0)

        now = int(time.time() * 1000)
        outbox_add(db, now - 2 * 3600 * 1000)            # waits for two hours
        g.wait_state("sync", "sync-waiting")
        slow = assert_blinks(g, SYNC, 4.5, 600, 1500, 3)

        set_meta(db, "sync.state", "uploading")
        g.wait_state("sync", "sync-uploading")
        fast = assert_blinks(g, SYNC, 1.5, 40, 400, 6)
        assert max(d for _, d in fast) < min(d for _, d in slow)

        set_meta(db, "sync.state", "idle")
        sql = sqlite3.connect(db, timeout=10)
        sql.execute("UPDATE outbox SET acked = 1")
        sql.commit()
        sql.close()
        outbox_add(db, now - 60 * 1000)                  # a record of the last hour
        g.wait_state("sync", "sync-done")
        solid(g, SYNC, 1)

        set_meta(db, "sync.state", "refused")
        g.wait_state("sync", "sync-refused")
        _, trans, runs = g.runs(SYNC, 4.5)
        lit = [d for v, d in runs if v == 1]
        dark = [d for v, d in runs if v == 0]
        # three short flashes, then a long dark pause
        assert len(trans) >= 8 and lit and dark, runs
        assert max(lit) < 0.4 and max(dark) > 1.0 and min(dark) < 0.4, runs
    finally:
        g.stop()


def test_wifi_led_hostapd_and_phones(make_box, tmp_path):
    # Real hostapd without a radio (driver=none) answers STATUS on its
    # control socket: state=ENABLED, no stations.
    ctrl = tmp_path / "ctrl"
    iface = f"pbgw{os.getpid() % 100000}"
    conf = tmp_path / "hostapd.conf"
    conf.write_text(f"interface={iface}\ndriver=none\nctrl_interface={ctrl}\n"
                    "ssid=PusatBelajar\nhw_mode=g\nchannel=6\n")
    pidfile = tmp_path / "hostapd.pid"
    subprocess.run(["hostapd", "-B", "-P", str(pidfile), "-f", str(tmp_path / "hostapd.log"),
                    str(conf)], check=True, timeout=20)
    try:
        b = make_box(start_web=False, wifi_check="auto",
                     net={"hostapd_ctrl": ctrl, "interface": iface})
        g = Gpio(b)
        try:
            g.wait_state("wifi", "wifi-up")
            solid(g, WIFI, 1)
        finally:
            g.stop()
    finally:
        os.kill(int(pidfile.read_text()), signal.SIGTERM)

    # Interface state and dnsmasq's lease file ([net] lease_file): two
    # phones = two gaps.
    state = tmp_path / "operstate"
    state.write_text("down\n")
    leases = tmp_path / "leases"
    t = int(time.time())
    leases.write_text(f"{t + 3600} aa:bb:cc:00:00:01 10.213.0.10 hp1 *\n"
                      f"{t + 3600} aa:bb:cc:00:00:02 10.213.0.11 hp2 *\n"
                      f"{t - 10} aa:bb:cc:00:00:03 10.213.0.12 gone *\n")
    b = make_box(start_web=False, wifi_check="operstate", wifi_operstate=str(state),
                 net={"lease_file": leases})
    g = Gpio(b)
    try:
        g.wait_state("wifi", "wifi-down")
        solid(g, WIFI, 0, 1.0)
        state.write_text("up\n")
        g.wait_state("wifi", "wifi-phones")
        _, trans, runs = g.runs(WIFI, 7.8)
        # between two long lit rests (the last short lit step runs into the
        # rest), exactly two short dark gaps: "L d l d L"
        text = "".join("L" if (v == 1 and d > 1.0) else ("d" if v == 0 else "l")
                       for v, d in runs)
        between = text.split("L")[1:-1]
        assert between and all(s == "dld" for s in between), (text, runs)
        assert all(d < 0.5 for v, d in runs if v == 0), runs
    finally:
        g.stop()


def test_short_press_runs_sync(make_box):
    b = make_box(start_web=False)
    g = Gpio(b)
    try:
        assert short_press_syncs(g, b), g.daemon.output()
        g.wait_output(lambda out: "sync command (pid" in out and "finished: exit 0" in out,
                      "the sync command's exit")
        assert not os.path.exists(os.path.join(b.dir, "shutdown"))
    finally:
        g.stop()


def test_bounce_is_one_press(make_box):
    b = make_box(start_web=False, sync_command=f"mktemp -p {os.path.join('/tmp')} "
                 f"pbgpio-{os.getpid()}-XXXXXX")
    g = Gpio(b)
    prefix = f"pbgpio-{os.getpid()}-"
    try:
        g.button("0101010")          # contact bounce, ending pressed
        time.sleep(0.3)
        g.button("10101")            # bounce on release, ending released
        g.wait_log(lambda ls: sum(1 for l in ls if f"edge {BUTTON}" in l) >= 12,
                   "the twelve edges")
        g.wait_output(lambda out: "finished: exit 0" in out, "the sync command's exit")
        time.sleep(1.0)              # room for a second run, which must not come
        edges = [l for l in g.lines() if f"edge {BUTTON}" in l]
        assert len(edges) == 12, edges
        runs = [f for f in os.listdir("/tmp") if f.startswith(prefix)]
        assert len(runs) == 1, (runs, g.daemon.output())
        assert g.daemon.output().count("short press") == 1
    finally:
        for f in os.listdir("/tmp"):
            if f.startswith(prefix):
                os.unlink(os.path.join("/tmp", f))
        g.stop()


def test_edges_read_late_keep_their_times(make_box):
    # A busy box reads a press and its release together, after both
    # happened: the kernel's time stamps still make it one short press
    # (read times alone would make it a 0 ms "bounce").
    b = make_box(start_web=False)
    g = Gpio(b)
    try:
        t = time.monotonic_ns() - 400_000_000
        g.button(f"@{t}:0@{t + 200_000_000}:1")
        assert wait_file(os.path.join(b.dir, "synced"), 5.0), g.daemon.output()
        assert g.daemon.output().count("short press") == 1
    finally:
        g.stop()


def test_hold_five_seconds_shuts_down(make_box):
    # The command prints the exact time it ran into pb-gpio's log (file
    # times are too coarse to order against the LED changes).
    b = make_box(start_web=False, shutdown_command="date +pb-shutdown-at=%s.%N")
    g = Gpio(b)
    try:
        t_press = time.time()
        g.press()
        ran = re.compile(r"^pb-shutdown-at=(\d+\.\d+)$", re.M)
        end = time.time() + 12
        while not ran.search(g.daemon.output()) and time.time() < end:
            time.sleep(0.05)
        out = g.daemon.output()
        assert ran.search(out), out
        t_cmd = float(ran.search(out).group(1))
        g.release()
        assert "button: held 5 s, shutting the box down" in out, out
        # the warning pattern ran on all three LEDs during the hold …
        for led in LEDS:
            _, trans = g.changes(led, since=t_press, until=t_cmd)
            assert sum(1 for _, v in trans if v == 1) >= 3, (led, trans)
        # … and all three were lit before the command ran
        for led in LEDS:
            start, _ = g.changes(led, since=t_cmd)
            assert start == 1, led
        assert not os.path.exists(os.path.join(b.dir, "synced"))
    finally:
        g.stop()


def test_early_release_cancels(make_box):
    b = make_box(start_web=False, hold_s=3)
    g = Gpio(b)
    try:
        g.press()
        g.wait_state("ready", "hold-warning")
        time.sleep(0.5)
        g.release()
        g.wait_output(lambda out: "shutdown cancelled" in out, "the cancelled shutdown")
        time.sleep(3.0)              # past the moment the hold would have ended
        out = g.daemon.output()
        assert not os.path.exists(os.path.join(b.dir, "shutdown"))
        assert not os.path.exists(os.path.join(b.dir, "synced"))
        assert "shutdown command" not in out
        # the LEDs went back to what they showed before
        assert out.count("ready LED: ready-starting") == 2, out
    finally:
        g.stop()


def test_failing_commands_are_logged(make_box):
    # pb-sync down or pbctl missing: the press is logged as failed and
    # pb-gpio carries on; a failed shutdown leaves the box on, LEDs normal.
    b = make_box(start_web=False, sync_command="/nonexistent/pbctl sync now",
                 shutdown_command="false", hold_s=2)
    g = Gpio(b)
    try:
        g.press()
        time.sleep(0.2)
        g.release()
        g.wait_log(lambda _: "failed: exit 127 (not found?)" in g.daemon.output(),
                   "the failed sync command")
        g.press()
        g.wait_log(lambda _: "the shutdown command failed" in g.daemon.output(),
                   "the failed shutdown command")
        g.release()
        g.wait_output(lambda out: "shutdown command (pid" in out and "failed: exit 1" in out
                      and out.count("ready LED: ready-starting") == 2,
                      "the failed shutdown and the LEDs restored")
        out = g.daemon.output()
        assert out.count("ready LED: ready-starting") == 2, out
        assert g.daemon.alive()
    finally:
        g.stop()


def test_undervoltage_pattern_and_admin_key(make_box):
    b = make_box()
    throttled = os.path.join(b.dir, "throttled")
    with open(throttled, "w") as f:
        f.write("0x50005\n")
    g = Gpio(b)
    try:
        g.wait_state("ready", "under-voltage")
        _, trans, runs = g.runs(READY, 4.5)
        lit = [d for v, d in runs if v == 1]
        dark = [d for v, d in runs if v == 0]
        assert len(trans) >= 6 and max(lit) < 0.4 and max(dark) > 1.0, runs
        assert get_meta(b.db_path(), "power.throttled") == "0x50005"
        with open(throttled, "w") as f:
            f.write("0x50000\n")    # no under-voltage now, but it happened
        g.wait_state("ready", "ready-up")
        solid(g, READY, 1, 1.0)
        assert get_meta(b.db_path(), "power.throttled") == "0x50000"
    finally:
        g.stop()


def test_sigterm_releases_and_restarts(make_box):
    b = make_box()
    g = Gpio(b)
    g.wait_state("ready", "ready-up")
    # A second pb-gpio cannot claim the same lines while the first runs.
    second = subprocess.run([binary("pb-gpio"), "-c", b.conf], capture_output=True, text=True,
                            timeout=30, env=dict(os.environ, LD_PRELOAD=g.preload,
                                                 FAKEGPIOD_DIR=g.dir))
    assert second.returncode == 1 and "cannot claim line 17" in second.stderr, second.stderr
    g.stop()
    mine = [l.split()[2:] for l in g.lines() if l.split()[1] == str(g.pid)]
    tail = mine[-8:]
    for led in LEDS:
        assert ["set", str(led), "0", "0"] in tail, tail
        assert ["release", str(led)] in tail, tail
        assert tail.index(["set", str(led), "0", "0"]) < tail.index(["release", str(led)])
    assert ["release", str(BUTTON)] in tail and tail[-1] == ["close", "gpiochip0"], tail
    # Restarts cleanly on the released lines.
    g2 = Gpio(b)
    try:
        g2.wait_state("ready", "ready-up")
        solid(g2, READY, 1, 1.0)
    finally:
        g2.stop()


def test_tells_systemd_ready_watchdog_stopping(make_box, tmp_path):
    # The unit is Type=notify with a watchdog: a datagram socket stands in
    # for systemd's $NOTIFY_SOCKET.
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    b = make_box(start_web=False)
    g = Gpio(b, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "600000"})
    try:
        msgs = [sock.recv(4096).decode()]
        assert msgs[0].startswith("READY=1"), msgs
        t0 = time.time()
        while time.time() - t0 < 1.5:
            msgs.append(sock.recv(4096).decode())
        pings = [m for m in msgs if m == "WATCHDOG=1"]
        assert 3 <= len(pings) <= 8, msgs      # every 0.3 s, loosely
    finally:
        g.stop()
    tail = []
    sock.settimeout(0.5)
    try:
        while True:
            tail.append(sock.recv(4096).decode())
    except socket.timeout:
        pass
    sock.close()
    assert "STOPPING=1" in tail, tail


def test_runs_unprivileged(make_box):
    b = make_box()
    os.makedirs(os.path.join(b.dir, "gpio"))
    os.chmod(b.dir, 0o777)           # the test's own temp folder: the command writes here
    os.chmod(os.path.join(b.dir, "gpio"), 0o777)
    # nobody runs copies: the clone may be out of its reach
    build = user_folder("pbgpio")
    copy_for_user(build, "pb-gpio", "tests/libfakegpiod.so")
    g = Gpio(b, build=build, wrapper=("setpriv", "--reuid=65534", "--regid=65534",
                                      "--clear-groups", "--inh-caps=-all"))
    try:
        g.wait_state("ready", "ready-up")
        assert short_press_syncs(g, b), g.daemon.output()
        assert os.stat(os.path.join(b.dir, "synced")).st_uid == 65534
        assert "running as root" not in g.daemon.output()
    finally:
        g.stop()
        os.chmod(b.dir, 0o700)
        shutil.rmtree(build, ignore_errors=True)


def test_asan_build(make_box):
    asan = os.path.join(BUILD, "asan")
    exe = os.path.join(asan, "pb-gpio")
    if not os.path.exists(exe) or os.path.basename(BUILD) == "asan":
        pytest.skip("no ASan build next to this one (make BUILD=build/asan SAN=1)")
    b = make_box()
    g = Gpio(b, build=asan)          # with ASan's runtime preloaded first
    try:
        g.wait_state("ready", "ready-up")
        assert short_press_syncs(g, b, 10.0), g.daemon.output()
    finally:
        g.stop()                      # checks for sanitizer reports


def test_valgrind_clean(make_box):
    if asan_runtime(binary("pb-gpio")):
        pytest.skip("valgrind does not run ASan builds")
    b = make_box()
    vlog = os.path.join(b.dir, "valgrind.log")
    g = Gpio(b, wrapper=("valgrind", "--quiet", "--error-exitcode=99",
                         "--leak-check=full", "--errors-for-leak-kinds=definite",
                         f"--log-file={vlog}"))
    try:
        g.wait_state("ready", "ready-up", timeout=30)
        assert short_press_syncs(g, b, 15.0), g.daemon.output()
    finally:
        g.stop()
    with open(vlog) as f:
        report = f.read()
    assert "ERROR SUMMARY" not in report or "ERROR SUMMARY: 0 errors" in report, report


def test_without_a_chip_keeps_running_and_says_why(make_box, tmp_path):
    """A board without the configured chip (the emulated machine of the
    image test has none): pb-gpio does not fail its unit. It tells systemd
    it is up with the reason as its status, logs the reason once, keeps
    pinging the watchdog, and takes the chip when it appears (SIGHUP looks
    at once; otherwise every PB_GPIO_CHIP_RETRY_S)."""
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(30)
    b = make_box(start_web=False)
    gdir = os.path.join(b.dir, "gpio")
    os.makedirs(gdir)
    nochip = os.path.join(gdir, "no-chip")
    open(nochip, "w").close()
    exe = os.path.join(BUILD, "pb-gpio")
    preload = ":".join([*asan_runtime(exe), os.path.join(BUILD, "tests", "libfakegpiod.so")])
    d = Daemon([exe, "-c", b.conf, "-d"], os.path.join(b.dir, "pb-gpio.log"),
               env={"FAKEGPIOD_DIR": gdir, "LD_PRELOAD": preload, "NOTIFY_SOCKET": path,
                    "WATCHDOG_USEC": "600000"})
    try:
        first = sock.recv(4096).decode()
        assert first.startswith("READY=1"), first
        assert "STATUS=waiting for GPIO chip gpiochip0" in first, first
        pings = 0
        while pings < 3:
            m = sock.recv(4096).decode()
            pings += m == "WATCHDOG=1"
        assert d.alive()
        out = d.output()
        assert "no GPIO chip 'gpiochip0'" in out and out.count("no GPIO chip") == 1, out
        log = os.path.join(gdir, "lines.log")
        assert not os.path.exists(log) or "request-output" not in open(log).read()
        # the chip appears; SIGHUP makes pb-gpio look now
        os.unlink(nochip)
        d.proc.send_signal(signal.SIGHUP)
        end = time.time() + 30
        while not (os.path.exists(log) and f"request-events {BUTTON}" in open(log).read()):
            assert d.alive() and time.time() < end, d.output()
            time.sleep(0.05)
        assert "GPIO chip 'gpiochip0' found" in d.output()
    finally:
        d.stop()
        sock.close()
