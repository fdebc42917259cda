"""An office account's password hash made below pb-hub's current cost (a
test-cost hash in a copied database, or one from before a release raised
the cost) is made again at the current cost at the account's next login,
as the box does for its staff (tests/system/test_password_rehash.py);
`pb-hub user list` counts the hashes still below it, never whose. pb-hub
serves here without PB_PASSWORD_COST=test, as in the office, over accounts
hashed with it (tests/conftest.py sets it for the command line). Real
pb-hub (as `nobody`, seccomp on) and PostgreSQL on loopback."""
from officeweb import STAF_PASSWORD, WEBAPP, Office, add_user
from pbhub import Hub

PRODUCTION = "$argon2id$v=19$m=16384,t=3,p=1$"     # firmware/lib/pb_password.h
TEST_COST = "$argon2id$v=19$m=8,t=1,p=1$"          # libsodium's smallest


def hash_of(hub, name):
    return hub.sql(f"SELECT pw_hash FROM office_users WHERE name = '{name}'")


def weak_note(hub):
    p = hub.cli("user", "list")
    assert "$argon2" not in p.stdout + p.stderr
    return [ln for ln in p.stderr.splitlines() if "below the current cost" in ln]


def test_a_weak_office_hash_is_made_strong_at_the_next_login(pg, tmpdir_hub, monkeypatch):
    hub = Hub(pg, tmpdir_hub, args=["-w", WEBAPP])
    try:
        add_user(hub, "staf", "kantor", STAF_PASSWORD)
        add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
        weak = hash_of(hub, "staf")
        assert weak.startswith(TEST_COST), weak
        assert weak_note(hub) == []                  # at the test cost nothing is below it

        monkeypatch.delenv("PB_PASSWORD_COST")
        assert weak_note(hub) == ["pb-hub: 2 password hash(es) below the current cost "
                                  "(each made again at its next login)"]
        hub.start()
        # a wrong password changes nothing
        assert Office(hub).login("staf", "salah-sekali").status_code == 401
        assert hash_of(hub, "staf") == weak
        # the right one logs in and leaves a hash at the production cost
        assert Office(hub).login("staf", STAF_PASSWORD).status_code == 200
        strong = hash_of(hub, "staf")
        assert strong.startswith(PRODUCTION), strong
        assert hub.sql("SELECT count(*) FROM office_audit WHERE actor = 'staf' "
                       "AND action = 'password_rehashed'") == "1"
        log = hub.daemon.output()
        assert "office login staf: password hash was below the current cost" in log, log
        assert STAF_PASSWORD not in log and weak not in log and strong not in log
        # the same password goes on logging in, and is not hashed again
        assert Office(hub).login("staf", STAF_PASSWORD).status_code == 200
        assert Office(hub).login("staf", "salah-sekali").status_code == 401
        assert hash_of(hub, "staf") == strong
        assert hash_of(hub, "bendahara").startswith(TEST_COST)
        assert weak_note(hub) == ["pb-hub: 1 password hash(es) below the current cost "
                                  "(each made again at its next login)"]
    finally:
        hub.stop()
