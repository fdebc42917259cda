"""Staff passwords are stored as Argon2id at the production cost (3 passes
over 16 MiB, firmware/lib/pb_password.h) unless PB_PASSWORD_COST=test is
in the environment: the test suites set it (tests/conftest.py) so that their
hundreds of accounts and thousands of logins cost microseconds each. The
stored string names its own limits, so pb-web checks either kind at the
cost it was made with. Here a box is made without it, as a real one is,
and its accounts are hashed and logged in at the production cost."""
import os
import sqlite3
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import PASSWORD, add_staff, Staff  # noqa: E402

PRODUCTION = "$argon2id$v=19$m=16384,t=3,p=1$"     # 16 MiB (in KiB), 3 passes
TEST_COST = "$argon2id$v=19$m=8,t=1,p=1$"          # libsodium's smallest


def stored_hash(box, name):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        return c.execute("SELECT pw_hash FROM staff WHERE name = ?", (name,)).fetchone()[0]


def login_status(box, name, password):
    return requests.post(box.base + "/api/v1/login", json={"user": name, "password": password},
                         timeout=60).status_code


def test_a_box_hashes_and_checks_at_the_production_cost(make_box, monkeypatch):
    monkeypatch.delenv("PB_PASSWORD_COST", raising=False)
    box = make_box().start()
    add_staff(box)                                   # pbctl user add
    add_staff(box, "admin", "admin", also=[("fasil2", "fasilitator")])   # user import
    box.pbctl("user", "passwd", "fasil2", input=PASSWORD + "\n")
    for name in ("fasil", "admin", "fasil2"):
        assert stored_hash(box, name).startswith(PRODUCTION), stored_hash(box, name)
    # pb-web, started without it too, logs in at that cost
    Staff(box, "fasil")
    assert login_status(box, "fasil", "salah-sekali") == 401
    assert login_status(box, "tidak-ada", PASSWORD) == 401
    # only the word itself lowers the cost: anything else is the production cost
    for other in ("", "TEST", "1", "test "):
        monkeypatch.setenv("PB_PASSWORD_COST", other)
        box.pbctl("user", "passwd", "fasil2", input=PASSWORD + "\n")
        assert stored_hash(box, "fasil2").startswith(PRODUCTION), (other, stored_hash(box, "fasil2"))


def test_the_suites_ask_for_the_test_cost_by_name(make_box, monkeypatch):
    assert os.environ.get("PB_PASSWORD_COST") == "test"     # tests/conftest.py
    box = make_box().start()
    add_staff(box)
    add_staff(box, "admin", "admin", also=[("fasil2", "fasilitator")])
    for name in ("fasil", "admin", "fasil2"):
        assert stored_hash(box, name).startswith(TEST_COST), stored_hash(box, name)
    Staff(box, "fasil")
    assert login_status(box, "fasil", "salah-sekali") == 401
    assert login_status(box, "tidak-ada", PASSWORD) == 401
    # a box started without it checks such a hash all the same (the
    # string names its limits), and hashes new ones at the production cost
    box.stop()
    monkeypatch.delenv("PB_PASSWORD_COST")
    box.start()
    Staff(box, "admin")
    assert login_status(box, "admin", "salah-sekali") == 401
    box.pbctl("user", "passwd", "admin", input=PASSWORD + "\n")
    assert stored_hash(box, "admin").startswith(PRODUCTION)
    Staff(box, "admin")
