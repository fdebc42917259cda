"""The office's pages on pb-hub (/v1/kantor/) against floods of half-sent
bodies: headers with a large Content-Length, a few bytes, and never the
rest. What needs a login is answered from its headers (401, 403 csrf or
admin_only) before a byte of the body is read or taken from the body
budget (-M); what a login lets in is held within that budget; the login
route reads at most HUB_OFFICE_LOGIN_BODY_MAX. Meanwhile /healthz answers
and an enrolled box's batch is stored, and the memory comes back after.
Real pb-hub and PostgreSQL on loopback; 127.0.0.x addresses stand for
different clients (at most -A, 64 by default, connections each)."""
import json
import select

import requests

from floods import Flood, close_all
from officeweb import API, add_user, admin_and_staf, office_hub
from pbtest import BUILD
from test_hostile import MIB, new_box, post, read_status, records, vm

IMPORT_MAX = 32 * MIB         # HUB_OFFICE_IMPORT_MAX
OFFICE_BODY_MAX = 64 * 1024   # HUB_OFFICE_BODY_MAX
LOGIN_BODY_MAX = 4 * 1024     # HUB_OFFICE_LOGIN_BODY_MAX
BUDGET = 64 * MIB             # -M default (HUB_BODY_BUDGET_MIB_DEFAULT)
FLOOD = Flood(per_address=60)  # under -A (HUB_ADDR_CONNECTIONS_DEFAULT 64)
# ASan keeps up to quarantine_size_mb (256 MiB by default) of freed memory
# before reusing it: the sanitizer build's bounds add it.
SAN_SLACK = 256 * MIB if "/asan" in BUILD else 0


def half_sent(hub, n, method, path, length, cookie=None, csrf=None):
    """n connections announcing a body of LENGTH bytes and sending its
    first 16 bytes."""
    head = (f"{method} {API}{path} HTTP/1.1\r\nHost: hub\r\n"
            f"Content-Type: application/zip\r\nContent-Length: {length}\r\n")
    if cookie:
        head += f"Cookie: pb_kantor={cookie}\r\n"
    if csrf:
        head += f"X-CSRF-Token: {csrf}\r\n"
    return FLOOD.half_sent("127.0.0.1", hub.port, n, head, b"PK\x03\x04" + b"\0" * 12)


def answers(socks):
    """The status and error code each connection was answered."""
    out = []
    for s in socks:
        s.settimeout(60)
        try:
            status, _headers, text = read_status(s)
        except OSError:
            status, text = None, ""
        err = json.loads(text).get("error") if text.startswith("{") else None
        out.append((status, err))
    return out


def honest_client_served(hub, box):
    assert requests.get(hub.base + "/healthz", timeout=30).status_code == 200
    status, j, _ = post(hub, box, records(box, [("attendance.checkin", {"n": 1})]),
                        src="127.0.1.1")
    assert status == 200, j


def test_floods_of_half_sent_office_bodies(pg, tmpdir_hub):
    hub = office_hub(pg, tmpdir_hub)
    socks = []
    try:
        admin, staf = admin_and_staf(hub)
        box = new_box(hub, "PB-A")
        pid = hub.daemon.proc.pid
        idle = vm(pid, "VmRSS")

        # 300 strangers announcing a 32 MiB stick: 401 from the headers,
        # nothing taken from the budget, so the box's batch still fits
        socks = half_sent(hub, 300, "POST", "import", IMPORT_MAX)
        got = answers(socks)
        assert got == [(401, "login_required")] * 300, set(got)
        honest_client_served(hub, box)
        close_all(socks)

        # an office account that is not kantor-admin, with and without its
        # CSRF token; the admin without it; a guessed cookie
        staf_cookie = staf.s.cookies["pb_kantor"]
        admin_cookie = admin.s.cookies["pb_kantor"]
        for cookie, csrf, want in ((staf_cookie, staf.csrf, (403, "admin_only")),
                                   (staf_cookie, None, (403, "csrf")),
                                   (admin_cookie, None, (403, "csrf")),
                                   ("0" * 64, "x", (401, "login_required"))):
            socks = half_sent(hub, 100, "POST", "import", IMPORT_MAX, cookie, csrf)
            got = answers(socks)
            assert got == [want] * 100, set(got)
            close_all(socks)
        # another method on the import path reads no 32 MiB either
        socks = half_sent(hub, 100, "PUT", "import", IMPORT_MAX)
        assert answers(socks) == [(413, "too_large")] * 100
        close_all(socks)

        # the login reads a few KB; a flood of them within it is held and
        # the box's batch still fits beside them
        socks = half_sent(hub, 100, "POST", "login", LOGIN_BODY_MAX + 1)
        assert answers(socks) == [(413, "too_large")] * 100
        close_all(socks)
        socks = half_sent(hub, 300, "POST", "login", LOGIN_BODY_MAX)
        honest_client_served(hub, box)
        during = vm(pid, "VmRSS")
        close_all(socks)

        # each logged-in route with the admin's cookie and token: held,
        # within the budget; /healthz and the box meanwhile
        for method, path in (("GET", "me"), ("GET", "boxes"), ("GET", "activities"),
                             ("GET", "claims"), ("GET", "conflicts"),
                             ("GET", "export/claims.csv"), ("POST", "claims/paid"),
                             ("POST", "boxes/x/revoke"), ("POST", "conflicts/x/resolve"),
                             ("POST", "logout")):
            socks = half_sent(hub, 100, method, path, OFFICE_BODY_MAX, admin_cookie,
                              admin.csrf)
            honest_client_served(hub, box)
            during = max(during, vm(pid, "VmRSS"))
            close_all(socks)

        # the admin's own stick uploads: two fit in the budget, the rest are
        # told to come back before a byte is read
        socks = half_sent(hub, 100, "POST", "import", IMPORT_MAX, admin_cookie, admin.csrf)
        answered = []
        while len(answered) < 98:
            ready, _, _ = select.select([s for s in socks if s not in answered], [], [], 60)
            assert ready, f"{len(answered)} of 100 answered"
            answered.extend(ready)
        # (one alone, while the budget of the bodies just closed is on its
        # way back)
        waiting = [s for s in socks if s not in answered]
        answered.extend(select.select(waiting, [], [], 2)[0])
        assert set(answers(answered)) == {(503, "unavailable")}
        assert 98 <= len(answered) <= 99, "the uploads that fit were answered"
        assert requests.get(hub.base + "/healthz", timeout=30).status_code == 200
        during = max(during, vm(pid, "VmRSS"))
        peak = vm(pid, "VmHWM")
        close_all(socks)
        socks = []

        # The bodies held are a few bytes each; the budget bounds the rest.
        bound = BUDGET + 40 * MIB + SAN_SLACK
        assert peak - idle < bound, f"pb-hub grew by {(peak - idle) / MIB:.0f} MiB"
        # Closed, the budget comes back (the box's batch fits) and the
        # memory with it.
        honest_client_served(hub, box)
        after = vm(pid, "VmRSS")
        assert after - idle < 40 * MIB + SAN_SLACK, f"{(after - idle) / MIB:.0f} MiB kept"
        assert admin.get("me").status_code == 200
        print(f"pb-hub VmRSS idle {idle // 1024} kB, during {during // 1024} kB, "
              f"after {after // 1024} kB; VmHWM {peak // 1024} kB")
    finally:
        close_all(socks)
        print(hub.daemon.output() if hub.daemon else "")   # shown when the test fails
        hub.stop()


def login_from(hub, src, user, password):
    """An office login from address src: (status, error code, Retry-After)."""
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60, source_address=(src, 0))
    try:
        c.request("POST", API + "login", json.dumps({"user": user, "password": password}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        j = json.loads(r.read() or b"{}")
        return r.status, j.get("error"), r.getheader("Retry-After")
    finally:
        c.close()


def test_office_login_guessing_with_the_default_limits(pg, tmpdir_hub):
    """The defaults (-O fail_max=5 per address and account, fail_max_client=20
    per address, fail_max_account=20 per account, lockout_s=300), and an
    attacker changing addresses: past the account's 20 each address gets
    one wrong password and then waits; the right password from an address
    that has not failed logs in."""
    hub = office_hub(pg, tmpdir_hub)
    try:
        pw = add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
        bad = "salah-salah-salah"
        # 5 per address and account
        for _ in range(5):
            assert login_from(hub, "127.0.2.1", "bendahara", bad)[:2] == (401, "bad_login")
        st, err, retry = login_from(hub, "127.0.2.1", "bendahara", pw)
        assert (st, err) == (429, "locked_out") and 0 < int(retry) <= 300
        # 20 per address over all accounts (names that do not exist too)
        for i in range(20):
            assert login_from(hub, "127.0.2.2", f"orang{i}", bad)[0] == 401
        assert login_from(hub, "127.0.2.2", "bendahara", pw)[:2] == (429, "locked_out")
        # 20 per account from anywhere: 5 so far, 15 more from three addresses
        for a in (3, 4, 5):
            for _ in range(5):
                assert login_from(hub, f"127.0.2.{a}", "bendahara", bad)[0] == 401
        # the attacker steps through fresh addresses: one guess each
        for a in range(10, 30):
            ip = f"127.0.2.{a}"
            assert login_from(hub, ip, "bendahara", bad)[0] == 401
            st, err, retry = login_from(hub, ip, "bendahara", pw)
            assert (st, err) == (429, "locked_out") and 0 < int(retry) <= 300, (ip, st, retry)
        assert login_from(hub, "127.0.2.99", "bendahara", pw)[0] == 200
    finally:
        print(hub.daemon.output() if hub.daemon else "")
        hub.stop()
