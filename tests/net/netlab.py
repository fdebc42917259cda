"""Helpers for the hotspot tests in network namespaces: a "box" namespace
running the real dnsmasq (and pb-web, and hostapd with its radio-less driver)
on a bridge, and "phone" namespaces on veths into that bridge that get their
addresses from dnsmasq with a real DHCP client. There is no Wi-Fi radio on
this machine: the bridge and veths stand in for the radio link, the only part
that is not real. Names carry the pid; everything is deleted afterwards."""
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
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:          # it ended between the last look and now
        pass


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


class Phone:
    """A phone: its own namespace on a veth whose other end is in the box's
    bridge, and a folder for what its DHCP client learnt."""

    def __init__(self, lab, i):
        pid = os.getpid()
        self.ns = f"pbphone{i}-{pid}"
        self.ifname = f"pbp{i}{pid}"[:15]
        self.peer = f"pbb{i}{pid}"[:15]        # the box's end
        self.dir = os.path.join(lab.tmp, f"phone{i}")
        os.makedirs(self.dir)
        self.made = False
        self.pidfile = None             # a DHCP client still running

    def setup(self, box_ns, bridge):
        run(["ip", "netns", "add", self.ns])
        self.made = True
        run(["ip", "link", "add", self.peer, "type", "veth", "peer", "name", self.ifname])
        run(["ip", "link", "set", self.peer, "netns", box_ns])
        run(["ip", "link", "set", self.ifname, "netns", self.ns])
        run(["ip", "-n", box_ns, "link", "set", self.peer, "master", bridge, "up"])
        run(["ip", "-n", self.ns, "link", "set", "lo", "up"])
        run(["ip", "-n", self.ns, "link", "set", self.ifname, "up"])

    def run_in(self, *argv):
        return ["ip", "netns", "exec", self.ns, *argv]

    def shell(self, command):
        """A shell command in the phone's namespace with the resolv.conf its
        DHCP lease gave it (a private mount namespace: the host's file is
        not touched)."""
        resolv = os.path.join(self.dir, "resolv.conf")
        return self.run_in("unshare", "-m", "sh", "-c",
                           f"mount --bind {resolv} /etc/resolv.conf && {command}")

    def dhcp(self, client="udhcpc"):
        """Get a lease with a real DHCP client asking for option 114: busybox
        udhcpc, or ISC dhclient (which stays running: stopped by close()).
        Returns what the client's hook script saw, in udhcpc's names."""
        env = dict(os.environ, PB_PHONE_DIR=self.dir)
        if client == "udhcpc":
            p = run(self.run_in("busybox", "udhcpc", "-i", self.ifname, "-s",
                                os.path.join(HERE, "udhcpc-hook.sh"), "-n", "-q", "-t", "5",
                                "-T", "1", "-O", "114"), env=env)
        else:
            # dhclient gives its script only the lease's variables: a wrapper
            # names this phone's folder
            hook = os.path.join(self.dir, "dhclient-hook")
            with open(hook, "w") as f:
                f.write(f"#!/bin/sh\nPB_PHONE_DIR={self.dir} exec "
                        f"{os.path.join(HERE, 'dhclient-hook.sh')} \"$@\"\n")
            os.chmod(hook, 0o755)
            self.pidfile = os.path.join(self.dir, "dhclient.pid")
            p = run(self.run_in("dhclient", "-1", "-cf", os.path.join(HERE, "dhclient.conf"),
                                "-sf", hook, "-lf", os.path.join(self.dir, "dhclient.leases"),
                                "-pf", self.pidfile, self.ifname), env=env, timeout=90)
        lease = {"log": p.stdout + p.stderr}
        with open(os.path.join(self.dir, "lease.env")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                lease[k] = v
        return lease

    def mac(self):
        return run(self.run_in("cat", f"/sys/class/net/{self.ifname}/address")).stdout.strip()

    def close(self):
        if self.pidfile:
            kill_pidfile(self.pidfile)
        if self.made:
            run(["ip", "netns", "del", self.ns], check=False)
            # a veth left in this namespace when setup stopped half way
            if os.path.exists(f"/sys/class/net/{self.peer}"):
                run(["ip", "link", "del", self.peer], check=False)


class Lab:
    """The box namespace with a bridge (the radio's stand-in: every phone on
    it sees the box, like stations of one access point) and PHONES phones."""

    PHONES = 2

    def __init__(self):
        pid = os.getpid()
        self.box = f"pbbox{pid}"
        self.box_if = f"pbbr{pid}"[:15]        # the AP side: [net] interface
        self.tmp = tempfile.mkdtemp(prefix=f"pbnet-{pid}-")
        self.phones = [Phone(self, i) for i in range(self.PHONES)]
        self.daemons = []
        self.pidfiles = []
        self.made = False

    def setup(self):
        run(["ip", "netns", "add", self.box])
        self.made = True
        run(["ip", "-n", self.box, "link", "set", "lo", "up"])
        run(["ip", "-n", self.box, "link", "add", self.box_if, "type", "bridge"])
        run(["ip", "-n", self.box, "link", "set", self.box_if, "up"])
        for ph in self.phones:
            ph.setup(self.box, self.box_if)
        # networkd's job on the box: the AP side's address (from the render)
        run(["ip", "-n", self.box, "addr", "add", BOX_IP + "/24", "dev", self.box_if])

    def in_box(self, *argv):
        return ["ip", "netns", "exec", self.box, *argv]

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
        for ph in self.phones:
            ph.close()
        if self.made:
            run(["ip", "netns", "del", self.box], check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
