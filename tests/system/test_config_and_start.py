"""pb-web -n checks the configuration; -l overrides the listen address; a
damaged database stops the start with a clear error; pb-sync -n and the
configuration pbctl reads without -c."""
import os
import subprocess
import time

import requests

from pbtest import Box, binary, wait_http, Daemon, free_port, write_config


def run_web(*args):
    return subprocess.run([binary("pb-web"), *args], capture_output=True, text=True,
                          timeout=30)


def test_check_good_config(tmp_path):
    conf = write_config(str(tmp_path), 8080)
    p = run_web("-c", conf, "-n")
    assert p.returncode == 0
    assert p.stdout.strip() == "configuration OK"


def test_check_bad_config_names_each_line(tmp_path):
    conf = tmp_path / "box.conf"
    conf.write_text("[box]\ncentre_id = bad id!\n[web]\nthreads = 999\n"
                    "max_body_bytes = lots\nlisten = 80\nnope = 1\n")
    p = run_web("-c", str(conf), "-n")
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 5, p.stderr
    for n, word in ((2, "centre_id"), (4, "threads"), (5, "max_body_bytes"),
                    (6, "listen"), (7, "nope")):
        assert any(l.startswith(f"{conf}:{n}:") and word in l for l in lines), (n, lines)
    assert "configuration OK" not in p.stdout


def test_check_of_keys_together_names_the_file(tmp_path):
    """A check across keys (channel and band) names the file, no line
    (docs/configuration.md)."""
    conf = write_config(str(tmp_path), 8080, sections="[wifi]\nchannel = 40\n")
    p = run_web("-c", conf, "-n")
    assert p.returncode == 1 and "configuration OK" not in p.stdout
    assert p.stderr.strip() == (f"{conf}: [wifi] channel 40 is not a 2.4 GHz channel: "
                                "use 1-13 (1, 6 or 11 avoid overlap)"), p.stderr


def test_pb_sync_check_and_default_config(tmp_path):
    """pb-sync -n: OK with an https hub, exit 1 and a plain reason without one;
    pbctl without -c reads the file PB_CONFIG names (docs/operations.md,
    docs/configuration.md)."""
    env = dict(os.environ)
    conf = write_config(str(tmp_path), 8080)
    env["PB_CONFIG"] = conf
    p = subprocess.run([binary("pb-sync"), "-c", conf, "-n"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1 and "[sync] hub_url is empty: nothing to do" in p.stderr, p
    os.mkdir(tmp_path / "hub")
    hub = write_config(str(tmp_path / "hub"), 8080, sections="[sync]\nhub_url = https://hub.example/\n")
    p = subprocess.run([binary("pb-sync"), "-n"], capture_output=True, text=True,
                       timeout=30, env=dict(env, PB_CONFIG=hub))
    assert p.returncode == 0 and p.stdout == "configuration OK\n", p
    p = subprocess.run([binary("pbctl"), "init"], capture_output=True, text=True,
                       timeout=60, env=env)
    assert p.returncode == 0 and os.path.exists(tmp_path / "data" / "pb.db"), p


def test_overlong_line_is_named(tmp_path):
    """A line longer than libinih's line buffer (199 characters) is one
    error on its own line, not a syntax error on a line the file does not
    have; the lines after it keep their numbers (docs/configuration.md)."""
    conf = write_config(str(tmp_path), 8080,
                        sections="[gpio]\nsync_command = pbctl sync now " + "x" * 200 +
                        "\nhold_s = 99\n")
    n = open(conf).read().splitlines().index("[gpio]") + 2
    p = run_web("-c", conf, "-n")
    assert p.returncode == 1 and "configuration OK" not in p.stdout
    assert p.stderr.splitlines() == [
        f"{conf}:{n}: line longer than 199 characters",
        f"{conf}:{n + 1}: [gpio] hold_s = '99': out of range (2 to 60)"], p.stderr
    fits = write_config(str(tmp_path), 8080, sections="[gpio]\nsync_command = " +
                        "x" * (199 - len("sync_command = ")) + "\n")
    p = run_web("-c", fits, "-n")
    assert p.returncode == 0 and p.stdout == "configuration OK\n", p


def test_missing_config():
    p = run_web("-c", "/nonexistent/box.conf", "-n")
    assert p.returncode == 1 and "cannot open" in p.stderr


def test_listen_override(tmp_path):
    port = free_port()
    conf = write_config(str(tmp_path), free_port())
    d = Daemon([binary("pb-web"), "-c", conf, "-l", f"127.0.0.1:{port}"],
               str(tmp_path / "log"))
    try:
        assert wait_http(f"http://127.0.0.1:{port}/healthz", proc=d.proc).status_code == 200
    finally:
        d.stop()
    assert run_web("-c", conf, "-l", "nonsense").returncode == 1


def test_damaged_database_is_refused(tmp_path):
    b = Box()
    b.start()
    b.pbctl("status")
    b.stop()
    path = b.db_path()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    size = os.path.getsize(path)
    with open(path, "r+b") as f:          # scribble over the schema pages
        f.seek(100)
        f.write(os.urandom(min(size - 100, 8000)))
    p = subprocess.run([binary("pb-web"), "-c", b.conf], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode != 0
    assert "damaged" in p.stderr or "malformed" in p.stderr or "not a database" in p.stderr
    b.tmp.cleanup()


def test_sigterm_stops_cleanly(box):
    assert requests.get(box.base + "/healthz").status_code == 200
    box.stop()        # asserts exit code 0 and no sanitizer report


# libmicrohttpd names its event-loop threads: one "MHD-single" or a pool
# of "MHD-worker"s
EVENT_LOOP_NAMES = ("MHD-single", "MHD-worker")


def event_loops(pid, timeout=60):
    """pb-web's event-loop threads, counted once the count has held for a
    few reads (threads may still be starting after /healthz answers)."""
    def count():
        n = 0
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{t}/comm") as f:
                    n += f.read().strip() in EVENT_LOOP_NAMES
            except FileNotFoundError:
                pass              # a thread that just ended
        return n
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        seen = (seen + [count()])[-5:]
        if len(seen) == 5 and len(set(seen)) == 1:
            return seen[0]
        time.sleep(0.2)
    raise AssertionError(f"pb-web's event-loop threads still changing: {seen}")


def test_event_threads_follow_the_cores():
    """[web] threads = 0 (the default) runs one event loop per online core,
    and two more are two more event loops; pb-web says how many it serves
    with."""
    cores = os.cpu_count()
    counts = {}
    for threads in (0, cores + 2):
        b = Box(extra=f"threads = {threads}\n")
        try:
            b.start()
            assert requests.get(b.base + "/healthz", timeout=30).status_code == 200
            counts[threads] = event_loops(b.web.proc.pid)
            b.stop()
            want = cores if threads == 0 else threads
            with open(os.path.join(b.dir, "pb-web.log")) as f:
                assert f"serving with {want} event-loop threads" in f.read()
        finally:
            b.close()
    assert counts == {0: cores, cores + 2: cores + 2}, counts


def listening_sockets(pid, port):
    """The sockets of process pid listening on TCP port `port`."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for row in f.readlines()[1:]:
                cols = row.split()
                if (cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port
                        and cols[9] in inodes):
                    found += 1
    return found


def test_each_event_loop_listens_on_its_own_socket():
    """[web] listen_per_thread = yes: every event loop has a listening
    socket of its own on the one port, and all of them serve; no (the
    default): one socket shared by all the loops."""
    for setting, want in (("yes", 3), ("no", 1)):
        b = Box(extra=f"threads = 3\nlisten_per_thread = {setting}\n")
        try:
            b.start()
            assert requests.get(b.base + "/healthz", timeout=30).status_code == 200
            assert event_loops(b.web.proc.pid) == 3
            assert listening_sockets(b.web.proc.pid, b.port) == want, setting
            # new connections (each from another source port) all served,
            # whichever socket the kernel queues them on
            for _ in range(30):
                assert requests.get(b.base + "/healthz", timeout=30,
                                    headers={"Connection": "close"}).status_code == 200
            b.stop()
            with open(os.path.join(b.dir, "pb-web.log")) as f:
                log = f.read()
            assert ("a listening socket each" if want > 1 else
                    "sharing one listening socket") in log
        finally:
            b.close()
