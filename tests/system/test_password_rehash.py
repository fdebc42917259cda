"""A password hash made below the box's current cost (a test-cost hash that
came with a copied database or bundle, or a box whose cost a later release
raised) is made again at the current cost the next time its owner logs in,
the one moment the password is known; `pbctl status` counts the hashes
still below it, never saying whose. pb-web runs here without
PB_PASSWORD_COST=test, as on a box, over accounts hashed with it
(tests/conftest.py sets it for pbctl)."""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import PASSWORD, add_staff  # noqa: E402
from test_password_cost import PRODUCTION, TEST_COST, login_status, stored_hash  # noqa: E402


def weak_line(box):
    out = box.pbctl("status").stdout
    assert "$argon2" not in out, out
    lines = [ln for ln in out.splitlines() if ln.startswith("weak:")]
    assert len(lines) == 1, out
    return lines[0]


def audit_actions(box, name):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        return [r for r in c.execute("SELECT action, detail FROM audit WHERE actor = ? "
                                     "ORDER BY id", (name,))]


def outbox_types(box):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        return {r[0] for r in c.execute("SELECT type FROM outbox")}


def test_a_weak_hash_is_made_strong_at_the_next_login(make_box, monkeypatch):
    box = make_box()
    add_staff(box)                                   # at the test cost
    add_staff(box, "admin", "admin", also=[("fasil2", "fasilitator")])
    weak = {n: stored_hash(box, n) for n in ("fasil", "admin", "fasil2")}
    assert all(h.startswith(TEST_COST) for h in weak.values()), weak
    # at the test cost nothing is below it
    assert weak_line(box) == "weak:     0 password hash(es) below the current cost"

    monkeypatch.delenv("PB_PASSWORD_COST")
    assert weak_line(box).startswith("weak:     3 password hash(es) below the current cost")
    box.start()
    # a wrong password changes nothing
    assert login_status(box, "fasil", "salah-sekali") == 401
    assert stored_hash(box, "fasil") == weak["fasil"]
    # the right one logs in and leaves a hash at the production cost
    assert login_status(box, "fasil", PASSWORD) == 200
    strong = stored_hash(box, "fasil")
    assert strong.startswith(PRODUCTION), strong
    assert ("staff.password_rehashed", '{"client":"127.0.0.1"}') in audit_actions(box, "fasil")
    assert "staff.password_rehashed" not in outbox_types(box)
    log = box.web.output()
    assert "login fasil: password hash was below the current cost" in log, log
    assert PASSWORD not in log and weak["fasil"] not in log and strong not in log
    # the same password goes on logging in, and is not hashed again
    assert login_status(box, "fasil", PASSWORD) == 200
    assert login_status(box, "fasil", "salah-sekali") == 401
    assert stored_hash(box, "fasil") == strong
    # the others wait for their own logins
    assert stored_hash(box, "admin") == weak["admin"]
    assert weak_line(box).startswith("weak:     2 password hash(es) below the current cost")

    # a box at the test cost never weakens a stronger hash
    box.stop()
    monkeypatch.setenv("PB_PASSWORD_COST", "test")
    box.start()
    assert login_status(box, "fasil", PASSWORD) == 200
    assert stored_hash(box, "fasil") == strong
    assert weak_line(box) == "weak:     0 password hash(es) below the current cost"

