"""Guessing session codes: wrong codes on /api/v1/checkin/lookup,
/api/v1/checkin and /api/v1/claims/proof are limited per client address,
per device (its pb_dev cookie) and per session ([attendance]
code_fail_max, code_fail_max_session in code_fail_window_s; then 429 with
Retry-After). A session under attack slows down to one try per phone but
never locks out a teacher who types the right code; the day view shows
the count and the log names the guessing address."""
import os
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, nuptk, post_from, roster_csv  # noqa: E402
from test_hostile_bodies import kib  # noqa: E402

ATT = ("[attendance]\ncode_fail_max = 5\ncode_fail_max_session = 20\n"
       "code_fail_window_s = 600\n")
DEV = "0123456789abcdef0123456789abcdef"


def wrong(code):
    return "000000" if code != "000000" else "111111"


def lookup(box, ip, sid, code, cookie=None):
    return post_from(box, ip, "/api/v1/checkin/lookup",
                     {"session": sid, "nuptk": nuptk(1), "code": code}, cookie=cookie)


def session_box(make_box, sections):
    """A started box with staff, one session and a roster of five."""
    box = make_box(sections=sections).start()
    add_staff(box)
    staff = Staff(box)
    sid = staff.create_session()
    assert staff.roster(sid, roster_csv(5)).status_code == 200
    return box, staff, sid


def test_wrong_codes_are_limited(make_box):
    box = make_box(sections=ATT).start()
    add_staff(box)
    staff = Staff(box)
    sid = staff.create_session()
    assert staff.roster(sid, roster_csv(5)).status_code == 200
    code = staff.code(sid)
    bad = wrong(code)

    # 30 wrong codes at once from one address: exactly code_fail_max are
    # answered, check and count being one step.
    with ThreadPoolExecutor(30) as ex:
        res = list(ex.map(lambda _: lookup(box, "127.0.0.2", sid, bad), range(30)))
    statuses = sorted(st for st, _ in res)
    assert statuses.count(403) == 5, statuses
    assert statuses.count(429) == 25, statuses
    st, j = lookup(box, "127.0.0.2", sid, staff.code(sid))
    assert st == 429 and j["error"] == "too_many_wrong_codes" and j["retry_after_s"] > 0
    # The same address is refused on every route that takes a code.
    for path, extra in (("/api/v1/checkin", {"signature": {"w": 10, "h": 10, "s": []}}),
                        ("/api/v1/claims/proof", {})):
        body = {"session": sid, "nuptk": nuptk(1), "code": bad}
        body.update(extra)
        st, j = post_from(box, "127.0.0.2", path, body)
        assert st == 429, (path, st, j)

    # Per device: a phone that changes its address keeps its count.
    cookie = "pb_dev=" + DEV
    for i in range(5):
        st, _ = lookup(box, f"127.0.0.{3 + i}", sid, bad, cookie=cookie)
        assert st == 403
    st, _ = lookup(box, "127.0.0.8", sid, staff.code(sid), cookie=cookie)
    assert st == 429
    st, j = lookup(box, "127.0.0.8", sid, staff.code(sid))
    assert st == 200, j

    # Per session: 20 wrong codes in the window from many addresses (so
    # far 5 + 5 = 10, ten more from two each).
    for i in range(5):
        for _ in range(2):
            st, _ = lookup(box, f"127.0.1.{10 + i}", sid, bad)
            assert st == 403
    # Now an address that already sent a wrong code waits ...
    st, j = lookup(box, "127.0.1.10", sid, staff.code(sid))
    assert st == 429, j
    # ... while a teacher's phone that types the right code gets in,
    st, j = lookup(box, "127.0.1.50", sid, staff.code(sid))
    assert st == 200, j
    # and a fresh phone gets one try, not code_fail_max.
    assert lookup(box, "127.0.1.51", sid, bad)[0] == 403
    assert lookup(box, "127.0.1.51", sid, staff.code(sid))[0] == 429

    # The facilitator sees it on the day view, and the log names the guesser.
    day = staff.day(sid)
    assert day["wrong_codes"]["wrong"] == 21
    assert day["wrong_codes"]["refused"] >= 25 + 2 + 1 + 1 + 1
    assert "client 127.0.0.2 waits" in box.web.output()


def test_nuptk_tries_on_claims_proof_are_limited(make_box):
    """With the right code (on the projector), NUPTKs without a check-in
    count per address and per device ([attendance] nuptk_miss_max): past it
    429 with Retry-After, so nobody collects teachers' check-in ids; a hit
    does not count, and a teacher elsewhere still gets their proof."""
    box = make_box(sections=ATT + "nuptk_miss_max = 4\n").start()
    add_staff(box)
    staff = Staff(box)
    sid = staff.create_session()
    assert staff.roster(sid, roster_csv(40)).status_code == 200
    code = staff.code(sid)
    st, j = checkin(box, "127.0.0.9", sid, nuptk(1), code)
    assert st in (200, 201), j
    uid = j["uid"]

    def proof(ip, n, cookie=None):
        return post_from(box, ip, "/api/v1/claims/proof",
                         {"session": sid, "nuptk": nuptk(n), "code": staff.code(sid)},
                         cookie=cookie)

    # A hit is no miss: a teacher asking again and again is never limited.
    for _ in range(6):
        st, j = proof("127.0.0.2", 1)
        assert st == 200 and j["checkin"] == uid, j
    # 20 NUPTKs at once: exactly nuptk_miss_max are looked up.
    with ThreadPoolExecutor(20) as ex:
        res = list(ex.map(lambda n: proof("127.0.0.2", n), range(10, 30)))
    statuses = sorted(st for st, _ in res)
    assert statuses.count(404) == 4, statuses
    assert statuses.count(429) == 16, statuses
    # Past the limit even a NUPTK that has a check-in gets no id back.
    st, j = proof("127.0.0.2", 1)
    assert st == 429 and j["error"] == "too_many_nuptk_misses" and j["retry_after_s"] > 0, j
    assert "checkin" not in j
    # Per device: a phone that changes its address keeps its count.
    cookie = "pb_dev=" + DEV
    for i in range(4):
        st, _ = proof(f"127.0.0.{3 + i}", 30 + i, cookie=cookie)
        assert st == 404
    st, j = proof("127.0.0.7", 1, cookie=cookie)
    assert st == 429, j
    # Another phone of the teacher's still gets the proof.
    st, j = proof("127.0.0.8", 1)
    assert st == 200 and j["checkin"] == uid
    assert "waits" in box.web.output() and "NUPTKs without a check-in" in box.web.output()


def test_guessing_from_every_address_lengthens_the_code(make_box):
    """A phone that takes a new address for every few guesses (a new MAC
    per DHCP lease, or addresses set by hand) gets code_fail_max tries on
    each, then one per fresh address. Past [attendance] code_long_after
    wrong codes from all phones the box shows and takes 9-digit codes
    (code_long_s): no more 6-digit guess is checked, a 6-digit code is
    answered code_longer without counting, and a teacher who types the
    code on the screen gets in at once, with or without the session."""
    box, staff, sid = session_box(
        make_box, "[attendance]\ncode_fail_max = 3\ncode_fail_max_session = 10\n"
        "code_long_after = 30\ncode_fail_window_s = 600\n")
    short = staff.code(sid)
    assert len(short) == 6
    pid = box.web.proc.pid
    idle = kib(pid, "VmRSS")

    # The attacker: 80 addresses, each guessing until it is told to wait,
    # four phones' worth at a time; every guess is a different code.
    guess = iter(range(100000, 999999))
    seen = {"wrong": 0, "longer": 0, "wait": 0}

    def attack(ip):
        for _ in range(5):
            g = next(guess)
            while f"{g:06d}" == short:
                g = next(guess)
            st, j = lookup(box, ip, sid, f"{g:06d}")
            if st == 429:
                seen["wait"] += 1
                return
            assert st == 403, (st, j)
            seen["wrong" if j["error"] == "wrong_code" else "longer"] += 1
            assert j["error"] in ("wrong_code", "code_longer"), j
    with ThreadPoolExecutor(4) as ex:
        list(ex.map(attack, [f"127.0.{2 + i // 200}.{1 + i % 200}" for i in range(80)]))
    during = kib(pid, "VmRSS")
    # Exactly code_long_after 6-digit guesses were checked, not ~90.
    assert seen["wrong"] == 30, seen
    assert seen["longer"] > 0, seen
    long = staff.code(sid)
    r = staff.get(f"/api/v1/sessions/{sid}/code")
    assert len(long) == 9 and r.json()["digits"] == 9, r.text
    assert "codes have 9 digits" in box.web.output()

    # A 6-digit code, even the one on the screen a minute ago, is no guess.
    st, j = lookup(box, "127.0.9.1", sid, short)
    assert st == 403 and j["error"] == "code_longer" and j["field"] == "code", j
    # A teacher at a fresh address types the code on the screen: in at once,
    st, j = lookup(box, "127.0.9.1", sid, staff.code(sid))
    assert st == 200, j
    # and the code picks the session as before.
    st, j = post_from(box, "127.0.9.2", "/api/v1/checkin/lookup",
                      {"nuptk": nuptk(2), "code": staff.code(sid)})
    assert st == 200 and j["session"] == sid, j
    st, j = checkin(box, "127.0.9.2", sid, nuptk(2), staff.code(sid))
    assert st == 201, j
    # 9-digit guesses count as before: a fresh address gets one.
    bad = "000000000" if staff.code(sid) != "000000000" else "111111111"
    assert lookup(box, "127.0.9.3", sid, bad)[0] == 403
    assert lookup(box, "127.0.9.3", sid, bad)[0] == 429
    after = kib(pid, "VmRSS")
    print(f"pb-web VmRSS idle {idle} kB, during {during} kB, after {after} kB; "
          f"VmHWM {kib(pid, 'VmHWM')} kB; guesses {seen}")


def test_a_slow_guesser_still_meets_the_long_codes(make_box):
    """Wrong codes are counted box-wide over code_long_s, not over the short
    window of the per-address limits: a guesser who keeps under
    code_long_after in each code_fail_window_s gets long codes all the same."""
    box, staff, sid = session_box(
        make_box, "[attendance]\ncode_fail_max = 3\ncode_fail_max_session = 10\n"
        "code_long_after = 25\ncode_fail_window_s = 10\n")

    def guesses(first, n):
        for i in range(n):
            st, j = lookup(box, f"127.0.5.{first + i}", sid, wrong(staff.code(sid)))
            assert st == 403 and j["error"] == "wrong_code", j
    guesses(1, 20)
    assert len(staff.code(sid)) == 6
    time.sleep(11)                       # every short window is over
    guesses(101, 5)
    assert len(staff.code(sid)) == 9
    st, j = lookup(box, "127.0.5.200", sid, staff.code(sid))
    assert st == 200, j


def test_lookups_with_the_right_code_are_limited(make_box):
    """With the code on the projector, every lookup made a check-in ticket,
    a row written to the database (synchronous, on the SD card) for
    ticket_s, with no limit: one phone filled the table as fast as pb-web
    answered. Now one address gets [attendance] lookup_max tickets in
    code_fail_window_s, then 429 too_many_lookups with Retry-After; other
    phones still look up and check in."""
    box, staff, sid = session_box(
        make_box, "[attendance]\nlookup_max = 12\n")
    code = staff.code(sid)
    pid = box.web.proc.pid
    idle = kib(pid, "VmRSS")

    def look(n):
        return post_from(box, "127.0.4.1", "/api/v1/checkin/lookup",
                         {"session": sid, "nuptk": f"32{n:014d}", "code": code})
    with ThreadPoolExecutor(8) as ex:
        res = list(ex.map(look, range(1000, 1200)))
    during = kib(pid, "VmRSS")
    statuses = sorted(st for st, _ in res)
    assert statuses.count(200) == 12, statuses
    assert statuses.count(429) == 188, statuses
    refused = [j for st, j in res if st == 429][0]
    assert refused["error"] == "too_many_lookups" and refused["retry_after_s"] > 0, refused
    with sqlite3.connect(box.db_path(), timeout=10) as db:
        assert db.execute("SELECT count(*) FROM checkin_ticket").fetchone()[0] == 12
    # Another phone is not held back.
    st, j = checkin(box, "127.0.4.2", sid, nuptk(1), staff.code(sid))
    assert st == 201, j
    assert "client 127.0.4.1 waits" in box.web.output()
    print(f"pb-web VmRSS idle {idle} kB, during {during} kB, after {kib(pid, 'VmRSS')} kB")


def test_nuptk_tries_from_every_address_are_limited(make_box):
    """With the code on the projector, a phone stepping through addresses
    got nuptk_miss_max NUPTK tries on each at the claims proof (on a /24
    with the defaults about 2,500 per 300 s). Past [attendance]
    nuptk_miss_max_box misses from all phones, an address that already
    missed waits: one try per fresh address; a teacher's own NUPTK (a hit)
    still gets the proof."""
    box, staff, sid = session_box(
        make_box, "[attendance]\nnuptk_miss_max = 4\nnuptk_miss_max_box = 10\n"
        "code_fail_window_s = 600\n")
    st, j = checkin(box, "127.0.7.200", sid, nuptk(1), staff.code(sid))
    assert st == 201, j
    uid = j["uid"]

    def proof(ip, n):
        return post_from(box, ip, "/api/v1/claims/proof",
                         {"session": sid, "nuptk": nuptk(n), "code": staff.code(sid)})
    seen = []
    for a in range(1, 21):
        for n in range(4):
            st, j = proof(f"127.0.7.{a}", 100 + 4 * a + n)
            seen.append(st)
            if st == 429:
                assert j["error"] == "too_many_nuptk_misses" and j["retry_after_s"] > 0, j
                break
            assert st == 404, j
    # 4 + 4 + 2 (the budget), then one on each of the 17 other addresses: not 80.
    assert seen.count(404) == 10 + 17, seen
    # The teacher, at an address that has not missed, gets the proof.
    st, j = proof("127.0.7.201", 1)
    assert st == 200 and j["checkin"] == uid, j
