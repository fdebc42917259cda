"""A phone joins the hotspot and walks through the captive portal.

Real parts: dnsmasq with the config `pbctl net render` wrote, busybox udhcpc
as the phone's DHCP client, pb-web, curl and headless Chromium in the phone
namespace, hostapd with its radio-less driver for the control socket. A
bridge and veths stand in for the radio link (this machine has no Wi-Fi stack).

The tests in this file are one walk, in order: lease, DNS, probes while
captive, the browser landing on the portal and tapping Lanjut, probes
online, the admin view, and a second phone that is still captive."""
import json
import os
import sqlite3
import time

import pytest

from netlab import BOX_IP, HERE, NET, ROOT, binary, box_config, pbctl, run

PASSPHRASE = "rahasia-uji-123"
ADMIN_PASSWORD = "rahasia-admin-1"

# (host, path, online status, online body or None): what each OS asks.
PROBES = [
    ("connectivitycheck.gstatic.com", "/generate_204", 204, ""),
    ("clients3.google.com", "/generate_204", 204, ""),
    ("www.google.com", "/gen_204", 204, ""),
    ("captive.apple.com", "/hotspot-detect.html", 200,
     "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("www.apple.com", "/library/test/success.html", 200,
     "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"),
    ("www.msftconnecttest.com", "/connecttest.txt", 200, "Microsoft Connect Test"),
    ("www.msftncsi.com", "/ncsi.txt", 200, "Microsoft NCSI"),
    ("www.msftconnecttest.com", "/redirect", 302, None),
    ("detectportal.firefox.com", "/canonical.html", 200,
     '<meta http-equiv="refresh" content="0;url=https://support.mozilla.org/kb/captive-portal"/>'),
    ("detectportal.firefox.com", "/success.txt", 200, "success\n"),
]
PORTAL = f"http://{BOX_IP}/portal"


@pytest.fixture(scope="module")
def hotspot(lab):
    conf = box_config(
        lab.tmp, wifi=f"ssid = PB Uji\npassphrase = {PASSPHRASE}\n",
        net=(f"address = {BOX_IP}\ndhcp_start = {NET}.50\ndhcp_end = {NET}.99\n"
             f"interface = {lab.box_if}\nuplink = pbup0\n"),
        web="listen = 0.0.0.0:80")
    out = os.path.join(lab.tmp, "rendered")
    pbctl(conf, "net", "render", out)
    check = pbctl(conf, "net", "check", out)
    assert "configuration OK" in check.stdout, check.stdout

    dnsmasq_pid = os.path.join(lab.tmp, "dnsmasq.pid")
    lab.pidfiles.append(dnsmasq_pid)
    dns = lab.start(lab.in_box("dnsmasq", "-k", "-C", os.path.join(out, "dnsmasq.conf"),
                               f"--pid-file={dnsmasq_pid}", "--log-facility=-",
                               "--user=root", "--log-dhcp", "--log-queries"), "dnsmasq")

    # hostapd with its radio-less driver, only for its control socket
    hconf = os.path.join(lab.tmp, "hostapd-none.conf")
    radio_less_copy(os.path.join(out, "hostapd.conf"), hconf)
    hpid = os.path.join(lab.tmp, "hostapd.pid")
    lab.pidfiles.append(hpid)
    run(lab.in_box("hostapd", "-B", "-P", hpid, "-f", os.path.join(lab.tmp, "hostapd.log"),
                   hconf))

    web = lab.start(lab.in_box(binary("pb-web"), "-c", conf, "-d"), "pb-web")
    for _ in range(200):
        p = run(lab.in_box("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           "http://127.0.0.1/healthz"), check=False)
        if p.stdout == "200":
            break
        assert web.alive() and dns.alive(), web.output() + dns.output()
        time.sleep(0.05)
    else:
        raise AssertionError("pb-web did not answer in the box namespace")

    lease = lab.phones[0].dhcp()
    yield {"conf": conf, "out": out, "lease": lease, "web": web, "dns": dns,
           "udhcpc": lease["log"]}
    web.stop()


def radio_less_copy(src, dst):
    """hostapd.conf with driver=none and without the regulatory lines (with
    them the radio-less driver waits forever in COUNTRY_UPDATE)."""
    with open(src) as f, open(dst, "w") as o:
        for line in f:
            key = line.split("=", 1)[0]
            if key == "driver":
                o.write("driver=none\n")
            elif key not in ("country_code", "ieee80211d", "ieee80211h"):
                o.write(line)


def phone_curl(lab, url, *extra, phone=0):
    """curl in a phone's namespace; returns (status, redirect, body)."""
    p = run(lab.phones[phone].shell(
        "curl -s -m 10 -o /dev/stdout -w '\\n%{http_code} %{redirect_url}' "
        + " ".join(extra) + f" '{url}'"))
    body, _, tail = p.stdout.rpartition("\n")
    status, _, redirect = tail.partition(" ")
    return int(status), redirect, body


def captive_api(lab, phone=0):
    url = hotspot_api_url(lab, phone)
    p = run(lab.phones[phone].shell(f"curl -s -m 10 -i '{url}'"))
    head, _, body = p.stdout.partition("\n\n")   # text mode turned CRLF into LF
    assert "content-type: application/captive+json" in head.lower(), head
    return json.loads(body)


def hotspot_api_url(lab, phone=0):
    with open(os.path.join(lab.phones[phone].dir, "lease.env")) as f:
        for line in f:
            if line.startswith("opt114="):
                return bytes.fromhex(line.strip().split("=", 1)[1]).decode()
    raise AssertionError("the lease has no option 114")


def test_phone_gets_a_lease_with_the_portal_option(lab, hotspot):
    lease = hotspot["lease"]
    assert lease["ip"].startswith(NET + "."), hotspot["udhcpc"]
    assert 50 <= int(lease["ip"].rsplit(".", 1)[1]) <= 99
    assert lease["router"] == BOX_IP
    assert lease["dns"].split() == [BOX_IP]
    # RFC 8910 option 114: the RFC 8908 API of the box
    assert hotspot_api_url(lab) == f"http://{BOX_IP}/api/captive"


def test_every_name_is_the_box(lab, hotspot):
    names = ["connectivitycheck.gstatic.com", "captive.apple.com",
             "www.msftconnecttest.com", "belajar.lan", "contoh.example.org"]
    p = run(lab.phones[0].shell("getent ahostsv4 " + " ".join(names)
                            + " ; for n in " + " ".join(names)
                            + "; do getent hosts $n; done"))
    for n in names:
        assert f"{BOX_IP}" in p.stdout and n in p.stdout, p.stdout
    assert all(line.split()[0] == BOX_IP for line in p.stdout.splitlines()), p.stdout
    # Windows' DNS check gets the address it expects from an online network
    p = run(lab.phones[0].run_in("dig", "+short", "+time=2", "+tries=1", f"@{BOX_IP}",
                         "dns.msftncsi.com"))
    assert p.stdout.split() == ["131.107.255.255"], p.stdout
    # the box's own lookups do not go to the phones' dnsmasq (it is not on loopback)
    p = run(lab.in_box("dig", "+time=1", "+tries=1", "@127.0.0.1", "captive.apple.com"),
            check=False)
    assert p.returncode != 0 and BOX_IP not in p.stdout, p.stdout
    # AAAA and the rest: an empty NOERROR answer, not REFUSED
    for rtype in ("AAAA", "TXT", "MX", "HTTPS"):
        p = run(lab.phones[0].run_in("dig", "+time=2", "+tries=1", f"@{BOX_IP}", rtype,
                             "captive.apple.com"))
        assert "status: NOERROR" in p.stdout and "ANSWER: 0" in p.stdout, p.stdout


def test_probes_are_sent_to_the_portal_before_lanjut(lab, hotspot):
    for host, path, _, _ in PROBES:
        status, redirect, _ = phone_curl(lab, f"http://{host}{path}")
        assert (status, redirect) == (302, PORTAL), (host, path, status, redirect)
    status, redirect, _ = phone_curl(lab, "http://berita.example.com/hari-ini?x=1")
    assert (status, redirect) == (302, PORTAL)
    # following the redirect lands on the portal page
    status, _, body = phone_curl(lab, "http://captive.apple.com/hotspot-detect.html", "-L")
    assert status == 200 and "Lanjut" in body and "belajar.lan" in body
    api = captive_api(lab)
    assert api["captive"] is True
    assert api["user-portal-url"] == PORTAL


def test_chromium_lands_on_the_portal_and_taps_lanjut(lab, hotspot):
    shots = os.path.join(ROOT, "build", "screenshots")
    os.makedirs(shots, exist_ok=True)
    profile = os.path.join(lab.tmp, "chromium-profile")
    p = run(lab.phones[0].shell(f"/usr/bin/python3 {HERE}/phone_browser.py "
                            f"'http://sekolah.example.net/materi/bab-1.html' {shots} "
                            f"{profile}"), timeout=120)
    result = json.loads(p.stdout.strip().splitlines()[-1])
    assert result["landed"] == PORTAL, result
    assert "http://belajar.lan" in result["text"] and BOX_IP in result["text"], result
    assert "Buka browser Anda" in result["text"], result
    assert "Tersambung" in result["done"], result
    assert os.path.getsize(os.path.join(shots, "portal.png")) > 5000


def test_probes_answer_online_after_lanjut(lab, hotspot):
    for host, path, online, body in PROBES:
        status, redirect, got = phone_curl(lab, f"http://{host}{path}")
        assert status == online, (host, path, status, redirect)
        if body is not None:
            assert got == body, (host, path, got)
        else:
            assert redirect == f"http://{BOX_IP}/", (host, path, redirect)
    status, redirect, _ = phone_curl(lab, "http://berita.example.com/hari-ini")
    assert (status, redirect) == (302, f"http://{BOX_IP}/")
    api = captive_api(lab)
    assert api["captive"] is False
    assert 0 < api["seconds-remaining"] <= 12 * 3600


def test_acceptance_is_kept_with_the_phone_mac(lab, hotspot):
    mac = lab.phones[0].mac()
    db = sqlite3.connect(os.path.join(lab.tmp, "data", "pb.db"))
    rows = db.execute("SELECT ip, mac FROM portal_clients").fetchall()
    db.close()
    assert rows == [(hotspot["lease"]["ip"], mac)]


def test_admin_view_lists_the_phone(lab, hotspot):
    """The Wi-Fi view needs an admin login; an admin may open it from a
    phone or laptop on the hotspot."""
    mac = lab.phones[0].mac()
    status, _, body = phone_curl(lab, f"http://{BOX_IP}/api/v1/admin/wifi")
    assert status == 401 and json.loads(body)["error"] == "login_required"
    pbctl(hotspot["conf"], "user", "add", "admin", "--role", "admin",
          input=ADMIN_PASSWORD + "\n")
    jar = os.path.join(lab.phones[0].dir, "cookies")
    status, _, body = phone_curl(
        lab, f"http://{BOX_IP}/api/v1/login", "-c", jar, "-H", "'Content-Type: application/json'",
        "-d", "'" + json.dumps({"user": "admin", "password": ADMIN_PASSWORD}) + "'")
    assert status == 200 and json.loads(body)["role"] == "admin", body
    status, _, body = phone_curl(lab, f"http://{BOX_IP}/api/v1/admin/wifi", "-b", jar)
    assert status == 200, body
    w = json.loads(body)
    assert w["hostapd"] is True            # answered STA-FIRST on its socket
    assert w["radio"] == "onboard" and w["capacity"] == 8
    phones = {ph["mac"]: ph for ph in w["phones"]}
    assert phones[mac]["ip"] == hotspot["lease"]["ip"]
    assert phones[mac]["portal_accepted"] is True
    assert phones[mac]["associated"] is False   # the radio-less driver has no stations


def test_a_second_phone_is_still_captive(lab, hotspot):
    """Acceptance belongs to the phone that tapped Lanjut: another phone on
    the same Wi-Fi still lands on the portal until it taps Lanjut too. This
    phone uses ISC dhclient, the other busybox udhcpc."""
    lease = lab.phones[1].dhcp("dhclient")
    assert lease["ip"] != hotspot["lease"]["ip"] and lease["router"] == BOX_IP
    assert lease["dns"].split() == [BOX_IP]
    assert hotspot_api_url(lab, phone=1) == f"http://{BOX_IP}/api/captive"
    status, redirect, _ = phone_curl(lab, "http://connectivitycheck.gstatic.com/generate_204",
                                     phone=1)
    assert (status, redirect) == (302, PORTAL)
    assert captive_api(lab, phone=1)["captive"] is True
    assert captive_api(lab, phone=0)["captive"] is False
    p = run(lab.phones[1].shell(f"curl -s -m 10 -X POST -H 'Accept: application/json' "
                                f"http://{BOX_IP}/api/v1/portal/accept"))
    assert json.loads(p.stdout)["mac"] == lab.phones[1].mac()
    status, _, _ = phone_curl(lab, "http://connectivitycheck.gstatic.com/generate_204", phone=1)
    assert status == 204
    assert captive_api(lab, phone=1)["captive"] is False
