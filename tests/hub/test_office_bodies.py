"""The office's JSON bodies against their field tables, as an attacker
sends them: a member missing, of another type, out of its bounds, nested
one level deeper, not listed, or a long array. Each answers 400 with the
route's error code, its Indonesian message and the member it names, and
changes nothing in PostgreSQL; the same requests done right still work.
Real pb-hub and PostgreSQL on loopback."""
import json

from officeweb import API, Office, add_user, office_hub

BOX = "b" * 32
PASSWORD = "rahasia-bendahara-1"

LOGIN_MSG = "Isi nama pengguna dan kata sandi."
LOGIN_EXTRA = "Kirim hanya nama pengguna (user) dan kata sandi (password)."
PAID_MSG = ('Kirim "claims": daftar nomor klaim (paling banyak 500), dan "reference" '
            '(teks, paling panjang 200).')
CLAIM_MSG = "Nomor klaim tidak sah."
CONFIRM_MSG = 'Konfirmasi: kirim nomor kotak yang dicabut sebagai "confirm".'
CONFIRM_EXTRA = 'Kirim hanya "confirm": nomor kotak yang dicabut.'
NOTE_MSG = "Catatan harus teks, paling panjang 500 byte."
NOTE_EXTRA = 'Kirim hanya "note": catatan penyelesaian.'


def record(hub, seq, kind, payload):
    hub.sql("INSERT INTO records(box_id, seq, id, type, payload, payload_json, wall_ms, "
            "clock_source, boot_id, mono_ms, prev_hash, hash) VALUES "
            f"('{BOX}', {seq}, 'r{seq}', '{kind}', '{payload}', '{payload}'::jsonb, 1, 'ntp', "
            f"'boot', 1, repeat('0', 64), repeat('{seq}', 64))")


def seed(hub):
    """A box with an approved claim C1 and an open conflict: what a lenient
    check would let a bad body pay, revoke or resolve."""
    hub.sql(f"INSERT INTO boxes(box_id, centre_id, public_key) VALUES ('{BOX}', 'PB-X', 'k')")
    record(hub, 1, "claim.submit", '{"claim_id":"C1","session_id":"S1","amount_rp":45000}')
    record(hub, 2, "claim.decision", '{"claim_id":"C1","decision":"approved"}')
    hub.sql(f"INSERT INTO claim_owners(claim_id, box_id) VALUES ('C1', '{BOX}')")
    hub.sql(f"INSERT INTO conflicts(box_id, seq, stored_hash, offered_hash, offered) VALUES "
            f"('{BOX}', 1, repeat('1', 64), repeat('f', 64), '{{}}')")
    return hub.sql("SELECT id FROM conflicts")


def state(hub):
    """What an office request may change, as one text."""
    return hub.sql(
        "SELECT (SELECT count(*) FROM payments) || '/' || "
        "(SELECT count(*) FROM feed) || '/' || "
        "(SELECT count(*) FROM boxes WHERE revoked_at IS NOT NULL) || '/' || "
        "(SELECT count(*) FROM conflicts WHERE resolved_at IS NOT NULL) || '/' || "
        "(SELECT count(*) FROM office_sessions) || '/' || "
        "(SELECT count(*) FROM office_audit)")


def refused(hub, send, body, code, message, field):
    before = state(hub)
    r = send(body)
    assert r.status_code == 400, (body, r.text)
    assert r.json()["error"] == code and r.json()["message"] == message, (body, r.text)
    assert r.json()["field"] == field, (body, r.text)
    assert "Set-Cookie" not in r.headers
    assert state(hub) == before, body
    return r.json()


def test_bad_bodies_answer_their_field_and_change_nothing(pg, tmpdir_hub):
    hub = office_hub(pg, tmpdir_hub)
    try:
        conflict = seed(hub)
        add_user(hub, "bendahara", "kantor-admin", PASSWORD)

        # the login: every bad shape, sent with the right password otherwise
        anon = Office(hub)

        def login(body):
            return anon.s.post(hub.base + API + "login", json=body, timeout=30)

        for body, field in (
                ({}, "user"),
                ({"password": PASSWORD}, "user"),
                ({"user": "bendahara"}, "password"),
                ({"user": None, "password": PASSWORD}, "user"),
                ({"user": 7, "password": PASSWORD}, "user"),
                ({"user": "bendahara", "password": 12345678}, "password"),
                ({"user": "", "password": PASSWORD}, "user"),
                ({"user": "b" * 257, "password": PASSWORD}, "user"),
                ({"user": "bendahara", "password": "p" * 257}, "password"),
                ({"user": {"user": "bendahara"}, "password": PASSWORD}, "user"),
                ({"user": ["bendahara"], "password": [PASSWORD]}, "user"),
                ({"user": "bendahara", "password": ["p"] * 500}, "password"),
                ({"user": "benda\u0001hara", "password": PASSWORD}, "user")):
            refused(hub, login, body, "bad_login_request", LOGIN_MSG, field)
        refused(hub, login, {"user": "bendahara", "password": PASSWORD, "role": "root"},
                "bad_login_request", LOGIN_EXTRA, "role")
        # a body over the login route's size (HUB_OFFICE_LOGIN_BODY_MAX, 4 KiB) is
        # refused by its size before any of it is read
        r = login({"user": "bendahara", "password": ["p"] * 10000})
        assert r.status_code == 413 and r.json()["error"] == "too_large", r.text
        # not an object at all: the body's own error, before the table
        for text in ("[]", "null", '"bendahara"', '{"user":"bendahara","user":"x"}',
                     '{"user":"benda\\u0000hara","password":"%s"}' % PASSWORD):
            r = anon.s.post(hub.base + API + "login", data=text, timeout=30,
                            headers={"Content-Type": "application/json"})
            assert r.status_code == 400 and r.json()["error"] == "bad_json", text
        # a bad shape is no wrong password: nothing counted, no lock
        assert hub.sql("SELECT count(*) FROM office_audit WHERE action = 'login_failed'") == "0"
        admin = Office(hub)
        r = admin.login("bendahara", PASSWORD)
        assert r.status_code == 200, r.text

        def paid(body):
            return admin.post("claims/paid", body)

        for body, message in (
                ({}, PAID_MSG),
                ({"reference": "SP2D-1"}, PAID_MSG),
                ({"claims": "C1"}, PAID_MSG),
                ({"claims": {"0": "C1"}}, PAID_MSG),
                ({"claims": []}, PAID_MSG),
                ({"claims": ["C1"] * 501}, PAID_MSG),
                ({"claims": ["C1"] * 10000}, PAID_MSG),
                ({"claims": ["C1", 5]}, CLAIM_MSG),
                ({"claims": ["C1", None]}, CLAIM_MSG),
                ({"claims": [["C1"]]}, CLAIM_MSG),
                ({"claims": [{"claim_id": "C1"}]}, CLAIM_MSG),
                ({"claims": ["C1", ""]}, CLAIM_MSG),
                ({"claims": ["C1", "c" * 129]}, CLAIM_MSG),
                ({"claims": ["C1", "C\u00012"]}, CLAIM_MSG)):
            got = refused(hub, paid, body, "bad_paid_request", message, "claims")
            assert (got["max_claims"], got["reference_max"]) == (500, 200)
        for body in ({"claims": ["C1"], "reference": 7},
                     {"claims": ["C1"], "reference": None},
                     {"claims": ["C1"], "reference": "r" * 201},
                     {"claims": ["C1"], "reference": {"no": "SP2D-1"}},
                     {"claims": ["C1"], "reference": ["SP2D-1"]},
                     {"claims": ["C1"], "reference": "SP2D\n1"}):
            refused(hub, paid, body, "bad_paid_request", PAID_MSG, "reference")
        refused(hub, paid, {"claims": ["C1"], "reference": "SP2D-1", "amount_rp": 1},
                "bad_paid_request", PAID_MSG, "amount_rp")

        def revoke(body):
            return admin.post(f"boxes/{BOX}/revoke", body)

        for body in ({}, {"confirm": None}, {"confirm": 1}, {"confirm": ""},
                     {"confirm": [BOX]}, {"confirm": {"box": BOX}}, {"confirm": "c" * 129},
                     {"confirm": "c" * 32}, {"confirm": BOX.upper()}):
            refused(hub, revoke, body, "confirm", CONFIRM_MSG, "confirm")
        refused(hub, revoke, {"confirm": BOX, "force": True}, "confirm", CONFIRM_EXTRA, "force")

        def resolve(body):
            return admin.post(f"conflicts/{conflict}/resolve", body)

        for body in ({"note": 5}, {"note": None}, {"note": "n" * 501}, {"note": ["x"]},
                     {"note": {"text": "x"}}, {"note": "a\u0007b"}):
            refused(hub, resolve, body, "bad_note", NOTE_MSG, "note")
        refused(hub, resolve, {"note": "x", "resolved_by": "lain"}, "bad_note", NOTE_EXTRA,
                "resolved_by")

        # the same requests done right: paid once, revoked, resolved, each audited
        r = paid({"claims": ["C1"], "reference": "r" * 200})
        assert r.status_code == 200 and r.json()["tally"] == {"paid": 1}, r.text
        assert hub.sql("SELECT reference FROM payments WHERE claim_id = 'C1'") == "r" * 200
        r = paid({"claims": ["C%d" % i for i in range(500)]})
        assert r.status_code == 200 and len(r.json()["results"]) == 500, r.text
        assert hub.sql("SELECT count(*) FROM payments") == "1"
        r = revoke({"confirm": BOX})
        assert r.status_code == 200 and r.json()["state"] == "revoked", r.text
        r = resolve({"note": "n" * 500})
        assert r.status_code == 200 and r.json()["resolved_by"] == "bendahara", r.text
        assert hub.sql("SELECT length(note) FROM conflicts") == "500"
        assert hub.sql("SELECT string_agg(action, ',' ORDER BY id) FROM office_audit "
                       "WHERE action NOT IN ('login', 'user.add')") == \
            "claim.paid,box.revoke,conflict.resolve"
        # the empty note of a form left blank is still a note
        hub.sql("UPDATE conflicts SET resolved_at = NULL")
        assert resolve({}).status_code == 200
        assert hub.sql("SELECT note FROM conflicts") == ""
    finally:
        print(hub.daemon.output() if hub.daemon else "")   # shown when the test fails
        hub.stop()


def test_office_error_codes_have_page_strings():
    """Every error code of the office's bodies has a string on the page,
    in Indonesian and in English."""
    import os
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for lang in ("id", "en"):
        with open(os.path.join(root, "webapp", "locale", lang, "kantor.json"),
                  encoding="utf-8") as f:
            strings = json.load(f)
        for code in ("bad_login_request", "bad_paid_request", "confirm", "bad_note"):
            assert strings.get("error." + code), (lang, code)
