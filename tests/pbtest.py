"""Shared helpers for the system, network and browser tests.

They start the real binaries (from PB_BUILD, default build/) on loopback
with a temporary data folder, and stop them afterwards."""
import errno
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.abspath(os.environ.get("PB_BUILD", os.path.join(ROOT, "build")))

# A box whose clock is unconfirmed since boot holds check-ins until a staff
# browser or NTP confirms it (docs/attendance.md). This machine's kernel
# reports an unsynchronised clock, so the boxes started by tests that are
# not about the clock believe NTP set it; tests of the clock set
# PB_CLOCK_SOURCE themselves.
os.environ.setdefault("PB_CLOCK_SOURCE", "ntp")


def binary(name):
    path = os.path.join(BUILD, name)
    if not os.path.exists(path):
        raise RuntimeError(f"{path} is missing: run make first")
    return path


# Ports for the daemons the tests start, below the kernel's ephemeral range
# (where it picks ports for bind(0) and outgoing connections), handed out in
# turn from one counter that every test process on this machine shares (a
# locked file): a daemon stopped and started again on its port (a reboot, a
# database outage) finds it still free, where a port the kernel picked could
# meanwhile be given to a suite running beside it.
PORTS_FIRST = 10000
PORTS_FILE = os.path.join(tempfile.gettempdir(), "pbtest-next-port")


def _ephemeral_first():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


PORTS_SPAN = _ephemeral_first() - PORTS_FIRST


def _kernel_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def free_port(host="127.0.0.1"):
    """A TCP port free on host now and not handed out to another test for
    a long while (the next of PORTS_FIRST up to the ephemeral range, in turn);
    the kernel's choice where that range is too low to leave room, or the
    counter is another user's."""
    if PORTS_SPAN < 1000:
        return _kernel_port(host)
    try:
        f = open(PORTS_FILE, "a+")
    except OSError:
        return _kernel_port(host)
    with f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        text = f.read().strip()
        n = int(text) if text.isdigit() else 0
        for _ in range(PORTS_SPAN):
            port = PORTS_FIRST + n % PORTS_SPAN
            n += 1
            with socket.socket() as s:
                try:
                    s.bind((host, port))
                except OSError as e:
                    if e.errno != errno.EADDRINUSE:
                        raise
                    continue
            break
        else:
            raise RuntimeError(f"no free port from {PORTS_FIRST} to {PORTS_FIRST + PORTS_SPAN}")
        f.seek(0)
        f.truncate()
        f.write(str(n % PORTS_SPAN))
    return port


def write_config(folder, port, extra="", host="127.0.0.1", sections=None,
                 webapp=os.path.join(ROOT, "webapp")):
    """A box.conf for a test box. extra is appended to [web]; sections is
    appended at the end (more [sections])."""
    conf = os.path.join(folder, "box.conf")
    with open(conf, "w") as f:
        f.write(
            "[box]\ncentre_id = PB-TEST-001\ncentre_name = Pusat Belajar Uji\n"
            f"data_dir = {folder}/data\n\n"
            f"[web]\nlisten = {host}:{port}\nwebapp_dir = {webapp}\n{extra}\n"
            + (sections or "")
        )
    return conf


def pbctl(conf, *args, input=None, check=True):
    p = subprocess.run([binary("pbctl"), "-c", conf, *args], input=input,
                       capture_output=True, text=True, timeout=120)
    if check and p.returncode != 0:
        raise AssertionError(f"pbctl {args} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def user_folder(prefix):
    """A new temp folder that any user may enter and read (0755), for what a
    test runs as an unprivileged user. The caller removes it."""
    folder = tempfile.mkdtemp(prefix=f"{prefix}-{os.getpid()}-")
    os.chmod(folder, 0o755)
    path = folder
    while path != "/":
        path = os.path.dirname(path)
        assert os.stat(path).st_mode & 0o001, f"{path} is closed to other users: set TMPDIR"
    return folder


def copy_for_user(folder, *names, build=None):
    """Copies, in FOLDER (from user_folder()), of what a test runs as an
    unprivileged user: programs and libraries of the build (paths relative
    to it, e.g. "pb-web", "tests/libfakegpiod.so") and "webapp", the web app.
    The clone may sit where that user cannot go (under a 0700 home), so the
    originals cannot be used. Sanitizer builds need nothing more: their
    runtime is a system library. Returns the copies' paths, in order."""
    out = []
    for name in names:
        src = os.path.join(ROOT, "webapp") if name == "webapp" else \
            os.path.join(build or BUILD, name)
        dst = os.path.join(folder, name)
        os.makedirs(os.path.dirname(dst), mode=0o755, exist_ok=True)
        if os.path.isdir(src):
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
        out.append(dst)
    for dirpath, _, files in os.walk(folder):
        os.chmod(dirpath, 0o755)
        for f in files:
            p = os.path.join(dirpath, f)
            os.chmod(p, os.stat(p).st_mode | 0o444)
    return out


# What a sanitizer build's programs run with (a caller's own settings win):
# a report makes the program exit with a code of its own, after the whole
# report (tests/system/test_sanitizer_reports.py).
ASAN_OPTIONS = "detect_leaks=1:abort_on_error=0:exitcode=66"
UBSAN_OPTIONS = "print_stacktrace=1:halt_on_error=1:exitcode=67"


class Daemon:
    """A running program: started, waited for, stopped with SIGTERM; its
    stderr is kept and checked for sanitizer reports."""

    def __init__(self, argv, log_path, env=None):
        self.argv = argv
        self.log_path = log_path
        self.log = open(log_path, "w")
        e = dict(os.environ)
        e.setdefault("ASAN_OPTIONS", ASAN_OPTIONS)
        e.setdefault("UBSAN_OPTIONS", UBSAN_OPTIONS)
        if env:
            e.update(env)
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, env=e)

    def output(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def stop(self, expect_code=0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.argv[0]} did not stop on SIGTERM")
        self.log.close()
        out = self.output()
        assert "ERROR: AddressSanitizer" not in out, out[-4000:]
        assert "runtime error:" not in out, out[-4000:]
        assert "ERROR: LeakSanitizer" not in out, out[-4000:]
        if expect_code is not None:
            assert self.proc.returncode == expect_code, (
                f"{self.argv[0]} exited {self.proc.returncode}:\n{out[-4000:]}")


def status_field(path, name):
    """A field of /proc/PID/status (or a task's), e.g. "Seccomp"."""
    with open(path) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split(":", 1)[1].strip()
    return None


def start_unprivileged_with_socket(lsock, user, argv, log):
    """Start argv as a socket unit would (systemd socket activation): the
    listening socket as fd 3 with LISTEN_FDS=1 and LISTEN_PID its pid, run
    as user (a pwd entry) with no capabilities at all. lsock is closed
    here: the program holds the only copy."""
    fd = lsock.fileno()
    handover = ("import os, sys; f = int(sys.argv[1]); f != 3 and (os.dup2(f, 3), os.close(f)); "
                "os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS='1'); "
                "os.execvp(sys.argv[2], sys.argv[2:])")
    proc = subprocess.Popen(
        [sys.executable, "-c", handover, str(fd), "setpriv", f"--reuid={user.pw_uid}",
         f"--regid={user.pw_gid}", "--clear-groups", "--inh-caps=-all",
         "--bounding-set=-all", *argv],
        pass_fds=(fd,), stdout=log, stderr=subprocess.STDOUT)
    lsock.close()
    return proc


def stop_clean(proc, log_path):
    """SIGTERM, exit 0 and no sanitizer report in the log; the log's text."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    with open(log_path) as f:
        out = f.read()
    assert "ERROR: AddressSanitizer" not in out and "runtime error:" not in out, out
    return out


def wait_http(url, timeout=20.0, proc=None):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"process exited early with {proc.returncode}")
        try:
            r = requests.get(url, timeout=2)
            if r.status_code == 200:
                return r
            last = r.status_code
        except requests.RequestException as e:
            last = e
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer 200: {last}")


class Box:
    """A test box: a temp folder with box.conf, and pb-web serving it."""

    def __init__(self, extra="", sections=None, port=None, host="127.0.0.1"):
        self.tmp = tempfile.TemporaryDirectory(prefix="pbtest-")
        self.dir = self.tmp.name
        self.host = host
        self.port = port or free_port(host)
        self.conf = write_config(self.dir, self.port, extra, host, sections)
        self.base = f"http://{host}:{self.port}"
        self.web = None

    def start(self, program="pb-web"):
        """pb-web, or another build of it (a path under the build folder)."""
        self.web = Daemon([binary(program), "-c", self.conf],
                          os.path.join(self.dir, "pb-web.log"))
        wait_http(self.base + "/healthz", proc=self.web.proc)
        return self

    def restart(self):
        self.start()

    def stop(self):
        if self.web is not None:
            self.web.stop()
            self.web = None

    def pbctl(self, *args, **kw):
        return pbctl(self.conf, *args, **kw)

    def demo(self):
        """Fill this box the way `pbctl demo` does (sample modules imported
        from a demo USB folder, demo accounts); box.conf is kept."""
        p = subprocess.run([binary("pbctl"), "demo", self.dir], capture_output=True,
                           text=True, timeout=120)
        if p.returncode != 0:
            raise AssertionError(f"pbctl demo failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p

    def db_path(self):
        return os.path.join(self.dir, "data", "pb.db")

    def close(self):
        try:
            self.stop()
        finally:
            self.tmp.cleanup()
