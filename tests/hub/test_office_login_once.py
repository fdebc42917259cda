"""An office request reads and touches its login once. A request with a
body has its login, CSRF token and role checked from its headers, before
the body (hub_office_web_admit); its handler takes that login and does not
ask again. A request without a body is checked by its handler. Either way
office_sessions.last_at is moved exactly once per request, and nothing is
served without its login: an expired, ended or guessed login is refused,
with a body or without. Each touch is counted by a trigger the test adds
on office_sessions (real PostgreSQL, real pb-hub on loopback)."""
import http.client
import json

from officeweb import API, STAF_PASSWORD, Office, admin_and_staf, office_hub

COUNT_TOUCHES = """
CREATE TABLE test_touches(name text NOT NULL);
CREATE FUNCTION test_touch() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO test_touches(name) VALUES (NEW.name);
    RETURN NEW;
END $$;
CREATE TRIGGER test_touch AFTER UPDATE ON office_sessions
    FOR EACH ROW EXECUTE FUNCTION test_touch();
"""


def touches(hub):
    """The login updates since the last call, by account name."""
    out = hub.sql("SELECT coalesce(string_agg(name, ',' ORDER BY name), '') FROM test_touches")
    hub.sql("DELETE FROM test_touches")
    return out.split(",") if out else []


def ask(hub, method, path, body=None, cookie=None, csrf=None):
    """(status, error code) of one request; body None sends none at all
    (no Content-Length), b"" an empty one (Content-Length: 0)."""
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if cookie:
        headers["Cookie"] = f"pb_kantor={cookie}"
    if csrf:
        headers["X-CSRF-Token"] = csrf
    try:
        c.request(method, API + path, body, headers)
        r = c.getresponse()
        text = r.read()
        err = json.loads(text).get("error") if text.startswith(b"{") else None
        return r.status, err
    finally:
        c.close()


def last_at(hub, cookie):
    return hub.sql("SELECT last_at FROM office_sessions WHERE token_sha256 = "
                   f"encode(sha256('{cookie}'::bytea), 'hex')")


def test_each_request_reads_its_login_once(pg, tmpdir_hub):
    hub = office_hub(pg, tmpdir_hub)
    try:
        admin, staf = admin_and_staf(hub)
        acookie, scookie = admin.s.cookies["pb_kantor"], staf.s.cookies["pb_kantor"]
        hub.sql(COUNT_TOUCHES)

        # served: each with and without a body, one touch each
        body = json.dumps({"claim_ids": []}).encode()
        for method, path, send, cookie, csrf in (
                ("GET", "me", None, acookie, None),
                ("GET", "me", b"{}", acookie, None),
                ("GET", "boxes", b"", scookie, None),
                ("POST", "claims/paid", body, acookie, admin.csrf),
                ("POST", "claims/paid", b"", acookie, admin.csrf),
                ("POST", "conflicts/x/resolve", b"{}", acookie, admin.csrf)):
            before = last_at(hub, cookie)
            status, err = ask(hub, method, path, send, cookie, csrf)
            assert err not in ("login_required", "csrf", "admin_only"), (path, status, err)
            who = "bendahara" if cookie == acookie else "staf"
            assert touches(hub) == [who], (method, path, send)
            assert last_at(hub, cookie) > before, (method, path, send)

        # refused, with a body (from the headers) and without one (by the
        # handler): the role, the CSRF token, and no login at all
        for send in (b"{}", b"", None):
            for cookie, csrf, want, touched in (
                    (scookie, staf.csrf, (403, "admin_only"), ["staf"]),
                    (acookie, None, (403, "csrf"), ["bendahara"]),
                    (acookie, "0" * 64, (403, "csrf"), ["bendahara"]),
                    ("0" * 64, admin.csrf, (401, "login_required"), []),
                    (None, None, (401, "login_required"), [])):
                assert ask(hub, "POST", "claims/paid", send, cookie, csrf) == want, (send, want)
                assert touches(hub) == touched, (send, want)
        assert hub.sql("SELECT count(*) FROM payments") == "0"

        # a login idle past idle_s or older than max_s is over, with a body
        # or without, and is not touched (PostgreSQL's clock: the test moves
        # the login's times back instead of waiting)
        for col, ago in (("last_at", "31 minutes"), ("created_at", "13 hours")):
            s = Office(hub)
            assert s.login("staf", STAF_PASSWORD).status_code == 200
            cookie = s.s.cookies["pb_kantor"]
            touches(hub)
            hub.sql(f"UPDATE office_sessions SET {col} = {col} - interval '{ago}' "
                    f"WHERE token_sha256 = encode(sha256('{cookie}'::bytea), 'hex')")
            touches(hub)
            old = last_at(hub, cookie)
            for send in (b"{}", None):
                assert ask(hub, "GET", "me", send, cookie) == (401, "login_required"), col
            assert touches(hub) == [] and last_at(hub, cookie) == old, col

        # a login ended by its logout (a body sent with it) is no login
        assert ask(hub, "POST", "logout", b"{}", scookie, staf.csrf)[0] == 200
        assert touches(hub) == ["staf"]
        for send in (b"{}", None):
            assert ask(hub, "GET", "me", send, scookie) == (401, "login_required")
        assert touches(hub) == []
        assert ask(hub, "GET", "me", b"{}", acookie)[0] == 200
        assert touches(hub) == ["bendahara"]
    finally:
        print(hub.daemon.output() if hub.daemon else "")   # shown when the test fails
        hub.stop()
