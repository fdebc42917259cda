"""Helpers for the hotspot tests in network namespaces: a "box" namespace running the real
dnsmasq (and pb-web, and hostapd with its radio-less driver) on one end of
a veth pair, and a "phone" namespace on the other end that gets its address
from dnsmasq with a real DHCP client. There is no Wi-Fi radio on this
machine: the veth stands in for the radio link, which is the only part not
real. Names carry the pid; everything is deleted afterwards."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import ROOT, Daemon, binary, pbctl  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
NET = "10.77.0"                 # inside the namespaces only
BOX_IP = NET + ".1"


def run(argv, check=True, timeout=60, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{argv} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def kill_pidfile(path):
    try:
        with open(path) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)


def box_config(folder, wifi="", net="", web=""):
    """box.conf for a hotspot box; the sections' extra lines are appended."""
    conf = os.path.join(folder, "box.conf")
    with open(conf, "w") as f:
        f.write(
            "[box]\ncentre_id = PB-TEST-NET\ncentre_name = Pusat Belajar Uji\n"
            f"data_dir = {folder}/data\n\n"
            f"[web]\nwebapp_dir = {ROOT}/webapp\nshort_name = belajar.lan\n{web}\n\n"
            f"[wifi]\n{wifi}\n\n"
            f"[net]\nlease_file = {folder}/dnsmasq.leases\n"
            f"hostapd_ctrl = {folder}/hostapd-ctrl\n{net}\n")
    return conf


class Lab:
    def __init__(self):
        pid = os.getpid()
        self.box = f"pbbox{pid}"
        self.phone = f"pbphone{pid}"
        self.box_if = f"pbb{pid}"[:15]
        self.phone_if = f"pbp{pid}"[:15]
        self.tmp = tempfile.mkdtemp(prefix=f"pbnet-{pid}-")
        self.phone_dir = os.path.join(self.tmp, "phone")
        os.makedirs(self.phone_dir)
        self.daemons = []
        self.pidfiles = []
        self.made = False

    def setup(self):
        run(["ip", "netns", "add", self.box])
        run(["ip", "netns", "add", self.phone])
        self.made = True
        run(["ip", "link", "add", self.box_if, "type", "veth", "peer", "name", self.phone_if])
        run(["ip", "link", "set", self.box_if, "netns", self.box])
        run(["ip", "link", "set", self.phone_if, "netns", self.phone])
        for ns, ifname in ((self.box, self.box_if), (self.phone, self.phone_if)):
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "link", "set", ifname, "up"])
        # networkd's job on the box: the AP side's address (from the render)
        run(["ip", "-n", self.box, "addr", "add", BOX_IP + "/24", "dev", self.box_if])

    def in_box(self, *argv):
        return ["ip", "netns", "exec", self.box, *argv]

    def in_phone(self, *argv):
        return ["ip", "netns", "exec", self.phone, *argv]

    def phone_shell(self, command):
        """Run a shell command in the phone namespace with the resolv.conf
        the DHCP lease gave it (a private mount namespace: the host's file
        is not touched)."""
        resolv = os.path.join(self.phone_dir, "resolv.conf")
        return self.in_phone("unshare", "-m", "sh", "-c",
                             f"mount --bind {resolv} /etc/resolv.conf && {command}")

    def start(self, argv, name):
        d = Daemon(argv, os.path.join(self.tmp, name + ".log"))
        self.daemons.append(d)
        return d

    def close(self):
        for d in reversed(self.daemons):
            if d.alive():
                d.proc.send_signal(signal.SIGTERM)
                try:
                    d.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    d.proc.kill()
                    d.proc.wait()
        for p in self.pidfiles:
            kill_pidfile(p)
        if self.made:
            run(["ip", "netns", "del", self.phone], check=False)
            run(["ip", "netns", "del", self.box], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
