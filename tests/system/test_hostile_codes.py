"""Guessing session codes: wrong codes on /api/v1/checkin/lookup,
/api/v1/checkin and /api/v1/claims/proof are limited per client address,
per device (its pb_dev cookie) and per session ([attendance]
code_fail_max, code_fail_max_session in code_fail_window_s; then 429 with
Retry-After). A session under attack slows down to one try per phone but
never locks out a teacher who types the right code; the day view shows
the count and the log names the guessing address."""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, nuptk, post_from, roster_csv  # noqa: E402

ATT = ("[attendance]\ncode_fail_max = 5\ncode_fail_max_session = 20\n"
       "code_fail_window_s = 600\n")
DEV = "0123456789abcdef0123456789abcdef"


def wrong(code):
    return "000000" if code != "000000" else "111111"


def lookup(box, ip, sid, code, cookie=None):
    return post_from(box, ip, "/api/v1/checkin/lookup",
                     {"session": sid, "nuptk": nuptk(1), "code": code}, cookie=cookie)


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
