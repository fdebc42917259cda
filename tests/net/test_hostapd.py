"""Every kind of hostapd.conf `pbctl net render` writes is read by the real
hostapd: first `pbctl net check` (hostapd's own parser on the real config),
then a copy brought up with hostapd's radio-less driver (driver=none; this
machine has no Wi-Fi stack), asked over its control socket with hostapd_cli.
Bad settings are refused by pbctl before any file is written.

The same, once more, under pb-hostapd.service's own privileges: systemd is
not PID 1 here, so setpriv stands in for it and applies what the unit
says (CapabilityBoundingSet, SupplementaryGroups, NoNewPrivileges) before
hostapd starts, as systemd would."""
import codecs
import grp
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from netlab import ROOT, binary, box_config, kill_pidfile, pbctl, run

UNIT = os.path.join(ROOT, "image", "systemd", "pb-hostapd.service")
# The rendered file names the box's group pb (pb-web reads the phones
# through the control socket); this machine has no such group, so an
# existing one stands in for it, in the file and in the unit's groups.
GROUP_STANDIN = "nogroup"

VARIANTS = {
    "onboard-wpa2-2.4": ("radio = onboard\nband = 2.4\nchannel = 6\n"
                         "passphrase = rahasia-guru-1\n", "wlan0", 8, "WPA-PSK"),
    "onboard-open-2.4": ("radio = onboard\nband = 2.4\nchannel = 1\nsecurity = open\n",
                         "wlan0", 8, None),
    "onboard-wpa2-5": ("radio = onboard\nband = 5\nchannel = 44\n"
                       "ssid = Kelas \"Guru\"; Ruang 3 é\npassphrase = kata sandi;panjang\n",
                       "wlan0", 8, "WPA-PSK"),
    "usb-wpa2-5": ("radio = usb\nband = 5\nchannel = 36\nmax_clients = 40\n"
                   "passphrase = rahasia-guru-2\n", "wlan1", 40, "WPA-PSK"),
    "usb-open-2.4": ("radio = usb\nband = 2.4\nchannel = 11\nsecurity = open\n",
                     "wlan1", 32, None),
    "usb-wpa2-2.4-default": ("radio = usb\npassphrase = 12345678\n", "wlan1", 32,
                             "WPA-PSK"),
}


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix=f"pbhapd-{os.getpid()}-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def conf_value(path, key):
    with open(path) as f:
        return conf_line(f.read(), key)


def conf_line(text, key):
    for line in text.splitlines():
        if line.startswith(key + "="):
            return line.split("=", 1)[1]
    return None


def hostapd_text(s):
    """Undo hostapd's printf_encode (\\" and \\xNN for other bytes)."""
    return codecs.escape_decode(s.encode())[0].decode("utf-8")


def wifi_value(wifi, key):
    for line in wifi.splitlines():
        k, _, v = line.partition("=")
        if k.strip() == key:
            return v.strip()
    return None


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_rendered_hostapd_conf_runs_in_real_hostapd(tmp, name):
    if os.geteuid() != 0:
        pytest.skip("hostapd needs root")
    wifi, ifname, sta, mgmt = VARIANTS[name]
    conf = box_config(tmp, wifi=wifi)
    out = os.path.join(tmp, "out")
    pbctl(conf, "net", "render", out)
    hconf = os.path.join(out, "hostapd.conf")
    assert conf_value(hconf, "interface") == ifname
    assert conf_value(hconf, "max_num_sta") == str(sta)
    assert conf_value(hconf, "hw_mode") == ("a" if "band = 5" in wifi else "g")

    # stage 1: hostapd's parser on the real file
    chk = pbctl(conf, "net", "check", out)
    assert "hostapd.conf: OK" in chk.stdout and "dnsmasq.conf: OK" in chk.stdout, chk.stdout

    # stage 2: bring it up on the radio-less driver
    ctrl = os.path.join(tmp, "ctrl")
    up = radio_less_copy(hconf, tmp, ctrl)
    pidf = os.path.join(tmp, "hostapd.pid")
    try:
        cli = start_hostapd([], up, tmp, ctrl, ifname)
        got = run(cli + ["get_config"]).stdout
        ssid = wifi_value(wifi, "ssid") or "PusatBelajar"
        assert hostapd_text(conf_line(got, "ssid")) == ssid, got
        if mgmt:
            assert conf_line(got, "key_mgmt") == mgmt and conf_line(got, "wpa") == "2", got
        else:
            assert conf_line(got, "key_mgmt") is None and conf_line(got, "wpa") is None, got
    finally:
        kill_pidfile(pidf)


def radio_less_copy(hconf, tmp, ctrl, group=None):
    """A copy of the rendered hostapd.conf for hostapd's radio-less driver,
    its control socket under ctrl (in group, when given, as the box's file
    puts it in pb)."""
    up = os.path.join(tmp, "hostapd-none.conf")
    with open(hconf) as f, open(up, "w") as o:
        for line in f:
            key = line.split("=", 1)[0]
            if key == "driver":
                o.write("driver=none\n")
            elif key == "ctrl_interface":
                o.write(f"ctrl_interface={ctrl}\n")
                if group:
                    o.write(f"ctrl_interface_group={group}\n")
            elif key not in ("country_code", "ieee80211d", "ieee80211h",
                             "ctrl_interface_group"):
                o.write(line)
    return up


def start_hostapd(wrapper, up, tmp, ctrl, ifname):
    """hostapd -B on up (under wrapper), until its control socket says the
    access point is enabled; returns the hostapd_cli command for it."""
    log = os.path.join(tmp, "hostapd.log")
    p = run([*wrapper, "hostapd", "-B", "-P", os.path.join(tmp, "hostapd.pid"), "-f", log, up],
            check=False)
    cli = ["hostapd_cli", "-p", ctrl, "-i", ifname]
    status = ""
    for _ in range(100 if p.returncode == 0 else 0):
        status = run(cli + ["status"], check=False).stdout
        if "state=ENABLED" in status:
            break
        time.sleep(0.05)
    with open(log) as f:
        assert "state=ENABLED" in status, f"hostapd exited {p.returncode}\n{status}{f.read()}"
    return cli


def unit_values(key):
    """The values of key in pb-hostapd.service's [Service] section."""
    out = []
    with open(UNIT) as f:
        for line in f:
            k, _, v = line.strip().partition("=")
            if k == key:
                out += v.split()
    return out


def test_hostapd_starts_under_its_units_privileges(tmp):
    """hostapd runs as root but with only the capabilities the unit leaves
    it: it must still make its control socket in the box's group, or it
    exits before the access point starts (pb-web lists the phones through
    that socket)."""
    if os.geteuid() != 0:
        pytest.skip("hostapd and setpriv need root")
    wifi, ifname, _, _ = VARIANTS["onboard-wpa2-2.4"]
    out = os.path.join(tmp, "out")
    pbctl(box_config(tmp, wifi=wifi), "net", "render", out)
    ctrl = os.path.join(tmp, "ctrl")
    up = radio_less_copy(os.path.join(out, "hostapd.conf"), tmp, ctrl, GROUP_STANDIN)
    caps = [c.lower().replace("cap_", "+") for c in unit_values("CapabilityBoundingSet")]
    gids = [str(grp.getgrnam(GROUP_STANDIN if g == "pb" else g).gr_gid)
            for g in unit_values("SupplementaryGroups")]
    # as systemd runs ExecStart: uid 0, no groups but the unit's, the
    # bounding set cut to the unit's list, nothing inherited
    wrapper = ["setpriv", "--bounding-set", ",".join(["-all"] + caps), "--inh-caps=-all",
               *(["--groups", ",".join(gids)] if gids else ["--clear-groups"])]
    if unit_values("NoNewPrivileges") == ["yes"]:
        wrapper.append("--no-new-privs")
    try:
        start_hostapd(wrapper, up, tmp, ctrl, ifname)
        sock = os.stat(os.path.join(ctrl, ifname))
        assert sock.st_gid == grp.getgrnam(GROUP_STANDIN).gr_gid
        assert sock.st_mode & 0o060 == 0o060, oct(sock.st_mode)   # the group may talk to it
    finally:
        kill_pidfile(os.path.join(tmp, "hostapd.pid"))


def test_external_access_point_renders_dnsmasq_only(tmp):
    out = os.path.join(tmp, "out")
    pbctl(box_config(tmp, wifi="security = open\n"), "net", "render", out)
    assert os.path.exists(os.path.join(out, "hostapd.conf"))
    # switching to an external access point removes the old hostapd.conf
    conf = box_config(tmp, wifi="radio = external\nsecurity = open\n")
    p = pbctl(conf, "net", "render", out)
    assert sorted(os.listdir(out)) == ["10-pb-ap.network", "20-pb-uplink.network",
                                       "dhcp-guard.nft", "dnsmasq.conf"], p.stdout
    with open(os.path.join(out, "dhcp-guard.nft")) as f:    # the guard on the same port
        assert '"eth0"' in f.read()
    assert conf_value(os.path.join(out, "dnsmasq.conf"), "interface") == "eth0"
    with open(os.path.join(out, "20-pb-uplink.network")) as f:
        assert "Name=usb0" in f.read()
    chk = pbctl(conf, "net", "check", out)
    assert "dnsmasq.conf: OK" in chk.stdout and "not used" in chk.stdout, chk.stdout


BAD = [
    ("passphrase = rahasia\n", "passphrase has 7 characters: WPA2 needs 8-63"),
    ("passphrase = " + "x" * 64 + "\n", "passphrase has 64 characters"),
    ("passphrase = rahasia-guru\nband = 2.4\nchannel = 36\n",
     "channel 36 is not a 2.4 GHz channel"),
    ("passphrase = rahasia-guru\nband = 5\nchannel = 6\n", "channel 6 is not usable on 5 GHz"),
    ("passphrase = rahasia-guru\nband = 5\nchannel = 52\n", "radar"),
    ("passphrase = rahasia-guru\nssid = " + "S" * 33 + "\n",
     "is 33 bytes: a Wi-Fi name holds at most 32 bytes"),
    # 22 characters but 33 bytes in UTF-8
    ("passphrase = rahasia-guru\nssid = Guru Hebat " + "é" * 11 + "\n", "is 33 bytes"),
    ("security = wpa2\n", "passphrase is not set"),
    ("passphrase = rahasia-guru\nmax_clients = 20\n", "onboard radio's firmware"),
    ("passphrase = rahasia-guru\nband = 6\n", "band = '6': expected 2.4 or 5"),
]


@pytest.mark.parametrize("wifi,message", BAD)
def test_bad_settings_are_refused_before_rendering(tmp, wifi, message):
    conf = box_config(tmp, wifi=wifi)
    out = os.path.join(tmp, "out")
    p = pbctl(conf, "net", "render", out, check=False)
    assert p.returncode == 1, p.stdout
    assert message in p.stderr, p.stderr
    assert not os.path.exists(out)
    p = pbctl(conf, "net", "check", check=False)
    assert p.returncode == 1 and message in p.stderr


def test_bad_network_settings_name_the_key(tmp):
    conf = box_config(tmp, wifi="passphrase = rahasia-guru\n",
                      net="address = 10.42.0.1\ndhcp_start = 10.43.0.10\n")
    p = pbctl(conf, "net", "render", os.path.join(tmp, "out"), check=False)
    assert p.returncode == 1
    assert "[net] dhcp_start and dhcp_end must lie in 10.42.0.1/24" in p.stderr, p.stderr


@pytest.mark.parametrize("name,bad_line,expect", [
    ("hostapd.conf", "hw_mode=q", ["hostapd.conf: ERROR", "Line ", "unknown hw_mode 'q'"]),
    ("dnsmasq.conf", "dhcp-range=nonsense", ["dnsmasq.conf: ERROR", "bad dhcp-range at line"]),
])
def test_tool_errors_are_printed(tmp, name, bad_line, expect):
    conf = box_config(tmp, wifi="passphrase = rahasia-guru\n")
    out = os.path.join(tmp, "out")
    pbctl(conf, "net", "render", out)
    with open(os.path.join(out, name), "a") as f:
        f.write(bad_line + "\n")
    p = pbctl(conf, "net", "check", out, check=False)
    assert p.returncode == 1 and "configuration has errors" in p.stdout
    for e in expect:
        assert e in p.stdout, p.stdout


def test_pb_web_refuses_a_bad_channel(tmp):
    conf = box_config(tmp, wifi="band = 5\nchannel = 13\n")
    p = subprocess.run([binary("pb-web"), "-c", conf, "-n"], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode != 0 and "channel 13 is not usable on 5 GHz" in p.stderr
