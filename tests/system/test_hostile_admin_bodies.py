"""The box's admin routes for the USB stick and the modules
(/api/v1/admin/usb, .../usb/export, .../usb/import, /api/v1/admin/modules,
.../modules/remove) against floods of half-sent bodies from phones on the
hotspot: headers with a large Content-Length, a few bytes, never the rest.
A stranger or a facilitator (not admin) is answered from the headers; a
GET refuses any body; a body the admin's login lets in is at most
PB_WEB_JSON_BODY_MAX (8 KiB) and held within [web] body_budget_bytes and
body_budget_per_client_bytes. /healthz answers throughout, and the memory
comes back after. Memory from /proc/PID/status; 127.0.0.x addresses stand
for different phones (at most [web] max_connections_per_ip each)."""
import requests

from attendance_util import Staff, add_staff
from floods import Flood, close_all
from pbtest import BUILD
from test_hostile_bodies import MIB, kib, status_of

JSON_BODY_MAX = 8 * 1024      # PB_WEB_JSON_BODY_MAX
FLOOD = Flood(per_address=60)  # under max_connections_per_ip (64)
# ASan keeps up to quarantine_size_mb (256 MiB by default) of freed memory
# before reusing it: the sanitizer build's bounds add it.
SAN_SLACK_KIB = 256 * 1024 if "/asan" in BUILD else 0
POSTS = ("/api/v1/admin/usb/export", "/api/v1/admin/usb/import",
         "/api/v1/admin/modules/remove")
GETS = ("/api/v1/admin/usb", "/api/v1/admin/modules")


def half_sent(box, n, method, path, length, staff=None):
    """n connections announcing a body of LENGTH bytes and sending its
    first byte."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: {box.host}:{box.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n")
    if staff is not None:
        head += (f"Cookie: pb_sid={staff.s.cookies.get('pb_sid')}\r\n"
                 f"X-CSRF-Token: {staff.csrf}\r\n")
    return FLOOD.half_sent(box.host, box.port, n, head, b"{")


def statuses(socks):
    return [status_of(s)[0] for s in socks]


def healthy(box):
    assert requests.get(box.base + "/healthz", timeout=30).status_code == 200


def test_floods_of_half_sent_admin_bodies(make_box):
    box = make_box().start()
    add_staff(box, "admin", "admin", also=[("fasil", "fasilitator")])
    adm, fasil = Staff(box, "admin"), Staff(box, "fasil")
    pid = box.web.proc.pid
    idle = kib(pid, "VmRSS")
    peak_during = idle
    socks = []
    try:
        for path in POSTS:
            # 300 strangers, then 100 facilitators' sessions, announcing 2 MiB
            # and then the largest body the route takes: answered from the
            # headers
            for n, staff, length, want in ((300, None, 2 * MIB, 413),
                                           (300, None, JSON_BODY_MAX, 401),
                                           (100, fasil, JSON_BODY_MAX, 403)):
                socks = half_sent(box, n, "POST", path, length, staff)
                healthy(box)
                got = statuses(socks)
                assert got == [want] * n, (path, staff, set(got))
                close_all(socks)
        for path in GETS:
            socks = half_sent(box, 300, "GET", path, JSON_BODY_MAX, adm)
            assert statuses(socks) == [400] * 300, path     # unexpected_body
            close_all(socks)
        # the admin's own: 100 and 300 bodies held open, /healthz beside
        for path in POSTS:
            for n in (100, 300):
                socks = half_sent(box, n, "POST", path, JSON_BODY_MAX, adm)
                healthy(box)
                peak_during = max(peak_during, kib(pid, "VmRSS"))
                close_all(socks)
        peak = kib(pid, "VmHWM")
        # held bytes are at most 300 x 8 KiB; the rest is the connections
        bound_kib = (300 * JSON_BODY_MAX) // 1024 + 32 * 1024 + SAN_SLACK_KIB
        assert peak - idle < bound_kib, f"pb-web grew from {idle} kB to {peak} kB"
        # closed, the budget is back: the admin's request is served
        healthy(box)
        r = adm.s.post(box.base + "/api/v1/admin/modules/remove", json={"id": "nothing"},
                       headers={"X-CSRF-Token": adm.csrf}, timeout=30)
        assert r.status_code == 404 and r.json()["error"] == "unknown_module", r.text
        after = kib(pid, "VmRSS")
        assert after - idle < 32 * 1024 + SAN_SLACK_KIB, f"pb-web kept {after - idle} kB"
        print(f"pb-web VmRSS idle {idle} kB, during {peak_during} kB, after {after} kB; "
              f"VmHWM {peak} kB")
    finally:
        close_all(socks)
