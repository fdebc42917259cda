"""The captive portal and hotspot routes of pb-web over loopback.

On the hotspot a phone's probes arrive with foreign Host headers; here the
same requests are sent to 127.0.0.1 with those headers. The phone is the
test client (127.0.0.1); its DHCP lease is a lease file the test writes in
dnsmasq's format. The namespace suite (tests/net) does the same with real
dnsmasq and a real DHCP client."""
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading

import pytest
import requests

from pbtest import Daemon, binary, wait_http

PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", 204, b""),
    ("www.google.com", "/gen_204", 204, b""),
    ("captive.apple.com", "/hotspot-detect.html", 200,
     b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("captive.apple.com", "/library/test/success.html", 200,
     b"<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("www.msftconnecttest.com", "/connecttest.txt", 200, b"Microsoft Connect Test"),
    ("www.msftncsi.com", "/ncsi.txt", 200, b"Microsoft NCSI"),
    ("www.msftconnecttest.com", "/redirect", 302, None),
    ("detectportal.firefox.com", "/canonical.html", 200,
     b'<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'),
    ("detectportal.firefox.com", "/success.txt", 200, b"success\n"),
]
ADMIN_PASSWORD = "rahasia-admin-1"
MAC_A = "aa:bb:cc:00:00:0a"
MAC_B = "aa:bb:cc:00:00:0b"


def admin(box):
    """A logged-in admin's session on the box (the Wi-Fi view and poster
    carry the password and the phones' addresses: admins only)."""
    s = getattr(box, "admin_session", None)
    if s is None:
        box.pbctl("user", "add", "admin", "--role", "admin", input=ADMIN_PASSWORD + "\n")
        s = requests.Session()
        r = s.post(box.base + "/api/v1/login", json={"user": "admin", "password": ADMIN_PASSWORD},
                   timeout=60)
        assert r.status_code == 200, r.text
        box.admin_session = s
    return s


@pytest.fixture
def hotspot(make_box):
    b = make_box(extra="short_name = belajar.lan",
                 sections="[wifi]\nssid = PB Uji\npassphrase = rahasia-guru-9\n"
                          "[net]\naddress = 10.42.0.1\nlease_file = leases\nportal_hours = 2\n")
    b.leases = os.path.join(b.dir, "leases")
    b.portal = f"http://10.42.0.1:{b.port}/portal"
    b.home = f"http://10.42.0.1:{b.port}/"
    b.start()
    return b


def write_lease(box, mac, ip="127.0.0.1"):
    with open(os.path.join(box.dir, "leases"), "w") as f:
        f.write(f"2000000000 {mac} {ip} hp-guru 01:{mac}\n")


def get(box, host, path, **kw):
    return requests.get(box.base + path, headers={"Host": host}, allow_redirects=False,
                        timeout=10, **kw)


def captive(box):
    r = requests.get(box.base + "/api/captive", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/captive+json"
    assert "no-store" in r.headers["Cache-Control"]
    return r.json()


def accept(box):
    r = requests.post(box.base + "/api/v1/portal/accept",
                      headers={"Accept": "application/json"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_probes_go_to_the_portal_then_answer_online(hotspot):
    for host, path, _, _ in PROBES:
        r = get(hotspot, host, path)
        assert (r.status_code, r.headers.get("Location")) == (302, hotspot.portal), (host, path)
        assert r.headers["Cache-Control"] == "no-store"
    r = get(hotspot, "example.org", "/artikel/1")
    assert (r.status_code, r.headers["Location"]) == (302, hotspot.portal)
    api = captive(hotspot)
    assert api == {"captive": True, "user-portal-url": hotspot.portal,
                   "venue-info-url": hotspot.home}

    got = accept(hotspot)
    assert got["accepted"] is True and got["mac"] == ""    # no lease: keyed by address

    for host, path, status, body in PROBES:
        r = get(hotspot, host, path)
        assert r.status_code == status, (host, path, r.status_code)
        if body is None:
            assert r.headers["Location"] == hotspot.home
        else:
            assert r.content == body, (host, path)
    r = get(hotspot, "example.org", "/artikel/1")
    assert (r.status_code, r.headers["Location"]) == (302, hotspot.home)
    api = captive(hotspot)
    assert api["captive"] is False
    assert 0 < api["seconds-remaining"] <= 2 * 3600
    # HEAD is answered like GET
    r = requests.head(hotspot.base + "/generate_204", headers={"Host": "clients3.google.com"},
                      timeout=10)
    assert r.status_code == 204


def test_own_names_reach_the_web_app(hotspot):
    for host in ("belajar.lan", "BELAJAR.LAN.", "10.42.0.1", f"127.0.0.1:{hotspot.port}",
                 f"localhost:{hotspot.port}"):
        r = get(hotspot, host, "/healthz")
        assert r.status_code == 200, host
    # a client without Host (HTTP/1.0) is not a probe either
    with socket.create_connection(("127.0.0.1", hotspot.port), timeout=10) as s:
        s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        status_line = s.recv(64).split(b"\r\n", 1)[0]
        assert status_line.endswith(b" 200 OK"), status_line
    r = get(hotspot, "belajar.lan", "/generate_204")
    assert r.status_code == 404            # not a probe on the box's own name


def test_portal_page_and_info(hotspot):
    r = get(hotspot, "10.42.0.1", "/portal")
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert "Lanjut" in r.text and "http://belajar.lan" in r.text
    assert 'action="/api/v1/portal/accept"' in r.text
    info = requests.get(hotspot.base + "/api/v1/portal", timeout=10).json()
    assert info["accepted"] is False
    assert info["url"] == "http://belajar.lan"
    assert info["ip_url"] == f"http://10.42.0.1:{hotspot.port}"
    assert info["centre_name"] == "Pusat Belajar Uji"


def test_tapping_lanjut_again_writes_nothing(hotspot):
    first = accept(hotspot)
    db = sqlite3.connect(hotspot.db_path())
    before = db.execute("SELECT accepted_ms, expires_ms FROM portal_clients").fetchall()
    second = accept(hotspot)
    assert second["expires_ms"] == first["expires_ms"]
    assert db.execute("SELECT accepted_ms, expires_ms FROM portal_clients").fetchall() == before
    # past half its time, Lanjut renews it
    db.execute("UPDATE portal_clients SET expires_ms = ?", (first["expires_ms"] - 3600 * 1000 - 1,))
    db.commit()
    assert accept(hotspot)["expires_ms"] > first["expires_ms"] - 3600 * 1000
    db.close()


def test_form_post_without_javascript_returns_to_the_page(hotspot):
    r = requests.post(hotspot.base + "/api/v1/portal/accept", data={"lanjut": "1"},
                      headers={"Accept": "text/html,application/xhtml+xml"},
                      allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"] == "/portal?lanjut=1"
    assert captive(hotspot)["captive"] is False


def test_acceptance_expires(hotspot):
    accept(hotspot)
    assert captive(hotspot)["captive"] is False
    db = sqlite3.connect(hotspot.db_path())
    db.execute("UPDATE portal_clients SET expires_ms = accepted_ms - 1")
    db.commit()
    db.close()
    assert captive(hotspot)["captive"] is True
    assert get(hotspot, "captive.apple.com", "/hotspot-detect.html").status_code == 302
    # the next Lanjut forgets phones whose time is over
    db = sqlite3.connect(hotspot.db_path())
    db.execute("INSERT INTO portal_clients VALUES ('10.42.0.77', '', 1, 2)")
    db.commit()
    accept(hotspot)
    assert db.execute("SELECT ip FROM portal_clients").fetchall() == [("127.0.0.1",)]
    db.close()


def test_acceptance_follows_the_lease_mac(hotspot):
    write_lease(hotspot, MAC_A)
    assert accept(hotspot)["mac"] == MAC_A
    assert get(hotspot, "connectivitycheck.gstatic.com", "/generate_204").status_code == 204
    # the address now belongs to another phone: that phone sees the portal
    write_lease(hotspot, MAC_B)
    assert get(hotspot, "connectivitycheck.gstatic.com", "/generate_204").status_code == 302
    assert captive(hotspot)["captive"] is True
    write_lease(hotspot, MAC_A)
    assert captive(hotspot)["captive"] is False


def test_body_to_a_foreign_host_is_redirected(hotspot):
    r = requests.post(hotspot.base + "/login", data=b"x" * 5000,
                      headers={"Host": "portal.example.com"}, allow_redirects=False,
                      timeout=10)
    assert r.status_code == 302
    assert requests.get(hotspot.base + "/healthz", timeout=10).status_code == 200


def test_admin_wifi_needs_an_admin(hotspot):
    for path in ("/api/v1/admin/wifi", "/admin/wifi/poster"):
        r = requests.get(hotspot.base + path, timeout=10)
        assert r.status_code == 401 and r.json()["error"] == "login_required"
    # a browser opening the poster without a login gets a page in Indonesian
    r = requests.get(hotspot.base + "/admin/wifi/poster", headers={"Accept": "text/html"},
                     timeout=10)
    assert r.status_code == 401 and "text/html" in r.headers["Content-Type"]
    assert "Silakan masuk" in r.text and "rahasia-guru-9" not in r.text
    hotspot.pbctl("user", "add", "fasil", "--role", "fasilitator", input="rahasia-fasil-1\n")
    s = requests.Session()
    assert s.post(hotspot.base + "/api/v1/login", json={"user": "fasil",
                  "password": "rahasia-fasil-1"}, timeout=30).status_code == 200
    r = s.get(hotspot.base + "/api/v1/admin/wifi", timeout=10)
    assert r.status_code == 403 and r.json()["error"] == "admin_only"
    assert s.get(hotspot.base + "/admin/wifi/poster", timeout=10).status_code == 403


def test_admin_wifi_view(hotspot):
    write_lease(hotspot, MAC_A, "10.42.0.23")
    r = admin(hotspot).get(hotspot.base + "/api/v1/admin/wifi", timeout=10)
    assert r.status_code == 200
    w = r.json()
    assert (w["ssid"], w["radio"], w["capacity"], w["hostapd"]) == ("PB Uji", "onboard", 8, False)
    assert w["count"] == 1 and w["near_capacity"] is False
    assert w["phones"][0]["mac"] == MAC_A and w["phones"][0]["ip"] == "10.42.0.23"
    assert w["phones"][0]["hostname"] == "hp-guru"
    # 7 of 8: the page warns
    with open(hotspot.leases, "w") as f:
        for i in range(7):
            f.write(f"2000000000 aa:bb:cc:00:01:{i:02x} 10.42.0.{30 + i} * *\n")
        f.write("1000000000 aa:bb:cc:00:02:00 10.42.0.99 expired *\n")
    w = admin(hotspot).get(hotspot.base + "/api/v1/admin/wifi", timeout=10).json()
    assert w["count"] == 7 and w["near_capacity"] is True


def test_poster(hotspot):
    r = admin(hotspot).get(hotspot.base + "/admin/wifi/poster", timeout=10)
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert "<svg" in r.text and "PB Uji" in r.text and "rahasia-guru-9" in r.text
    assert "data seluler" in r.text and "mobile data off" in r.text      # docs/hotspot.md
    assert "http://belajar.lan" in r.text and 'href="/css/poster.css"' in r.text
    assert requests.get(hotspot.base + "/css/poster.css", timeout=10).status_code == 200


def test_poster_without_a_passphrase_in_the_config(make_box):
    """The Wi-Fi page shows a network name: its poster button works, and
    the poster says to ask the staff for the password."""
    b = make_box()
    b.start()
    ssid = admin(b).get(b.base + "/api/v1/admin/wifi", timeout=10).json()["ssid"]
    assert ssid
    r = admin(b).get(b.base + "/admin/wifi/poster", timeout=10)
    assert r.status_code == 200 and "tanyakan petugas" in r.text and ssid in r.text
    assert "<svg" in r.text and "data seluler" in r.text


@pytest.mark.skipif(shutil.which("valgrind") is None or "/asan" in os.environ.get("PB_BUILD", ""),
                    reason="valgrind checks the normal build only")
def test_portal_routes_are_valgrind_clean(make_box, tmp_path):
    # valgrind cannot run the seccomp() call itself: the documented escape.
    b = make_box(extra="seccomp = no", sections="[wifi]\npassphrase = rahasia-guru-9\n[net]\nlease_file = leases\n")
    write_lease(b, MAC_A)
    log = str(tmp_path / "vg.log")
    d = Daemon(["valgrind", "--error-exitcode=99", "--leak-check=full",
                "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
                f"--log-file={log}", binary("pb-web"), "-c", b.conf], str(tmp_path / "out.log"))
    wait_http(b.base + "/healthz", timeout=60, proc=d.proc)
    for _ in range(2):                      # captive, then online
        for host, path, _, _ in PROBES:
            assert get(b, host, path).status_code in (200, 204, 302)
        assert captive(b)["user-portal-url"]
        assert requests.get(b.base + "/api/v1/portal", timeout=10).status_code == 200
        accept(b)
    assert get(b, "10.42.0.1", "/portal").status_code == 200
    assert admin(b).get(b.base + "/api/v1/admin/wifi", timeout=10).status_code == 200
    assert admin(b).get(b.base + "/admin/wifi/poster", timeout=10).status_code == 200
    d.stop(expect_code=0)
    text = open(log).read()
    assert re.search(r"ERROR SUMMARY: 0 errors", text), text[-3000:]


def test_pbctl_poster(make_box, tmp_path):
    b = make_box(sections="[wifi]\nssid = Kelas;Guru\npassphrase = kata:sandi,1\n")
    out = str(tmp_path / "poster.html")
    p = b.pbctl("net", "poster", out)
    assert "A4 poster" in p.stdout
    html = open(out).read()
    # a file that prints anywhere: the web app's stylesheet is copied in
    assert "<style>" in html and "@page" in html and "/css/poster.css" not in html
    assert "<svg" in html and "Kelas;Guru" in html and "kata:sandi,1" in html
    assert "http://belajar.lan" in html
    assert b.pbctl("net", "poster").stdout == html      # to stdout without a file
    bad = make_box(sections="[wifi]\npassphrase = pendek\n")
    p = bad.pbctl("net", "poster", str(tmp_path / "x.html"), check=False)
    assert p.returncode == 1 and "passphrase has 6 characters" in p.stderr
    assert not os.path.exists(tmp_path / "x.html")


class StationSocket:
    """Stand-in for hostapd's control socket with phones associated (this
    machine has no radio, and the real hostapd's radio-less driver has no
    stations): a unix datagram socket at CTRL/INTERFACE answering
    STA-FIRST / STA-NEXT MAC with hostapd 2.10's reply text. The real
    hostapd's socket is read in tests/net/test_portal_walk.py."""

    def __init__(self, folder, ifname, macs):
        os.makedirs(folder, exist_ok=True)
        self.path = os.path.join(folder, ifname)
        self.macs = macs
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def station(self, i):
        return (f"{self.macs[i]}\nflags=[AUTH][ASSOC][AUTHORIZED][WMM][HT]\naid={i + 1}\n"
                "capability=0x421\nlisten_interval=10\nsupported_rates=82 84 8b 96\n"
                f"timeout_next=NULLFUNC POLL\nrx_packets=1200\ntx_packets=900\n"
                f"signal=-{50 + i}\nrx_rate_info=720 mcs 7 shortGI\n"
                f"connected_time={300 + i}\n")

    def serve(self):
        while self.running:
            try:
                cmd, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            cmd = cmd.decode()
            if cmd == "STA-FIRST":
                i = 0
            elif cmd.startswith("STA-NEXT "):
                i = self.macs.index(cmd.split()[1]) + 1
            else:
                self.sock.sendto(b"UNKNOWN COMMAND\n", peer)
                continue
            self.sock.sendto(self.station(i).encode() if i < len(self.macs) else b"", peer)

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def test_admin_view_reads_hostapd_stations(make_box):
    b = make_box(sections="[wifi]\npassphrase = rahasia-guru-9\n"
                          "[net]\nlease_file = leases\nhostapd_ctrl = ctrl\n")
    macs = [f"aa:bb:cc:00:05:{i:02x}" for i in range(7)]
    with open(os.path.join(b.dir, "leases"), "w") as f:
        f.write(f"2000000000 {macs[0]} 10.42.0.40 hp-a *\n"
                f"2000000000 {macs[1]} 10.42.0.41 * *\n"
                "2000000000 aa:bb:cc:00:06:00 10.42.0.50 hp-gone *\n")
    hostapd = StationSocket(os.path.join(b.dir, "ctrl"), "wlan0", macs)
    try:
        b.start()
        w = admin(b).get(b.base + "/api/v1/admin/wifi", timeout=10).json()
    finally:
        hostapd.close()
    assert w["hostapd"] is True and w["count"] == 7 and w["near_capacity"] is True
    phones = w["phones"]
    assert [p["mac"] for p in phones] == macs + ["aa:bb:cc:00:06:00"]
    assert phones[0] == {"mac": macs[0], "ip": "10.42.0.40", "hostname": "hp-a",
                         "lease_expires": 2000000000, "associated": True,
                         "connected_s": 300, "signal_dbm": -50, "portal_accepted": False}
    assert phones[2]["ip"] is None and phones[2]["signal_dbm"] == -52
    assert phones[7]["associated"] is False and phones[7]["connected_s"] is None


def provision(box, name, doc):
    folder = os.path.join(box.dir, "data", "provision")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "w") as f:
        json.dump(doc, f)


def test_setup_mode_sends_phones_to_the_setup_page(make_box):
    """A box never provisioned: first boot leaves provision/setup.json, the
    hotspot is the open setup network and the portal is its setup page."""
    b = make_box(sections="[net]\naddress = 10.42.0.1\n")
    provision(b, "setup.json", {"mode": "setup", "ssid": "PusatBelajar-Setup",
                                "page": "/penyiapan.html"})
    b.start()
    r = get(b, "connectivitycheck.gstatic.com", "/generate_204")
    assert r.headers["Location"] == f"http://10.42.0.1:{b.port}/penyiapan.html"
    assert captive(b)["user-portal-url"] == f"http://10.42.0.1:{b.port}/penyiapan.html"
    w = admin(b).get(b.base + "/api/v1/admin/wifi", timeout=10).json()
    assert (w["ssid"], w["security"]) == ("PusatBelajar-Setup", "open")
    out = os.path.join(b.dir, "net")
    p = b.pbctl("net", "render", out)
    assert "hostapd.conf" in p.stdout
    hconf = open(os.path.join(out, "hostapd.conf")).read()
    assert "\nssid=PusatBelajar-Setup\n" in hconf and "wpa=" not in hconf


def test_provisioned_wifi_and_the_boot_services_folder(make_box):
    """First boot's provision/bundle.json gives the centre's Wi-Fi; the boot
    service runs `pbctl net render` with the folder in PB_NET_DIR."""
    b = make_box()
    provision(b, "bundle.json", {"format": 1, "centre": {"id": "PB-JATIM-0001"},
                                 "wifi": {"ssid": "PusatBelajar-PB-JATIM-0001",
                                          "passphrase": "rahasia-pusat-1", "country": "ID"}})
    out = os.path.join(b.dir, "run-pb-net")
    p = subprocess.run([binary("pbctl"), "-c", b.conf, "net", "render"], capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, PB_NET_DIR=out))
    assert p.returncode == 0, p.stderr
    hconf = open(os.path.join(out, "hostapd.conf")).read()
    assert "\nssid=PusatBelajar-PB-JATIM-0001\n" in hconf
    assert "\nwpa_passphrase=rahasia-pusat-1\n" in hconf
    assert "lease" in open(os.path.join(out, "dnsmasq.conf")).read()
    b.start()
    r = admin(b).get(b.base + "/admin/wifi/poster", timeout=10)
    assert r.status_code == 200 and "rahasia-pusat-1" in r.text
    # without a folder at all: a usage error
    p = b.pbctl("net", "render", check=False)
    assert p.returncode == 2 and "PB_NET_DIR" in p.stderr
    # a damaged bundle: pbctl refuses, pb-web keeps box.conf's Wi-Fi and says why
    provision(b, "bundle.json", {"wifi": "PusatBelajar"})
    p = b.pbctl("net", "render", out, check=False)
    assert p.returncode == 1 and 'bundle.json: no "wifi" object' in p.stderr
    b.stop()
    b.start()
    assert 'bundle.json: no "wifi" object' in b.web.output()


ODD_HOSTS = ["", "[", "[::1", "[::1]:80", "[]", ":80", ":", "a" * 300, "example.com:",
             "ex ample.com", "\x01bad", "xn--bcher-kva.example", "10.42.0.1:99999",
             "BELAJAR.LAN:80", "belajar.lan..", ".", "[10.42.0.1]", "%00", "a" * 5000]


def test_odd_host_headers_get_an_answer(hotspot):
    """Whatever a client puts in Host, it gets a proper answer (a redirect to
    the portal, or the box's own page) and the server keeps serving."""
    for host in ODD_HOSTS:
        with socket.create_connection(("127.0.0.1", hotspot.port), timeout=10) as s:
            s.sendall(b"GET /generate_204 HTTP/1.1\r\nHost: " + host.encode("latin-1")
                      + b"\r\nConnection: close\r\n\r\n")
            head = s.recv(4096).split(b"\r\n", 1)[0]
        status = int(head.split()[1])
        assert status in (204, 302, 400, 404, 431), (host, head)
    assert requests.get(hotspot.base + "/healthz", timeout=10).status_code == 200
