"""Login cookies (pb_sid) from a hostile phone: a value it planted before
the facilitator logged in is never the one the login gives (and opens
nothing), a login ends the session whose cookie the browser brought, a
cookie made by another box opens nothing here, and of two pb_sid only
the first is read."""
import os
import secrets
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import PASSWORD, add_staff  # noqa: E402


def login(box, cookie=None):
    h = {"Cookie": f"pb_sid={cookie}"} if cookie else {}
    r = requests.post(box.base + "/api/v1/login", json={"user": "fasil", "password": PASSWORD},
                      headers=h, timeout=30)
    assert r.status_code == 200, r.text
    return r.cookies["pb_sid"]


def me(box, cookie_header):
    return requests.get(box.base + "/api/v1/me", headers={"Cookie": cookie_header},
                        timeout=30).status_code


def test_login_cookies_cannot_be_planted_or_carried(make_box):
    a, b = make_box().start(), make_box().start()
    add_staff(a)
    add_staff(b)

    planted = secrets.token_hex(32)
    got = login(a, planted)
    assert got != planted and me(a, f"pb_sid={got}") == 200
    assert me(a, f"pb_sid={planted}") == 401

    # the attacker's own valid session planted in the facilitator's browser
    # is ended by the facilitator's login, which gets a cookie of its own
    attacker = login(a)
    victim = login(a, attacker)
    assert victim != attacker
    assert me(a, f"pb_sid={attacker}") == 401 and me(a, f"pb_sid={victim}") == 200

    # box B's cookie on box A, and A's on B
    other = login(b)
    assert me(a, f"pb_sid={other}") == 401 and me(b, f"pb_sid={victim}") == 401
    # two pb_sid: the first is the one read, the other lends it nothing
    assert me(a, f"pb_sid={planted}; pb_sid={victim}") == 401
    assert me(a, f"pb_sid={victim}; pb_sid={planted}") == 200
    assert me(a, "pb_sid=" + "a" * 3000) == 401
    assert me(a, "pb_sid=" + victim.upper()) == 401
