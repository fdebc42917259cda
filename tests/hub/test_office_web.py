"""The office's web view on pb-hub: office accounts (`pb-hub user`,
argon2id), the login cookie, the CSRF rule of the box, roles (kantor reads,
kantor-admin also revokes, marks paid and resolves), the wrong-password
lockout, and the lists over several boxes' data uploaded by pb-sync. Real
pb-hub (as `nobody`, seccomp on), PostgreSQL and boxes on loopback."""
import concurrent.futures
import csv
import io
import json

import requests

from officeweb import API, Office, add_user, fill, office_hub, offline_box, stick_of, \
    zip_folder
from pbhub import box_key, box_records, make_body, post_batch, record_hash, sign
from test_ingest import box_id

GET_ROUTES = ["me", "boxes", "activities", "claims", "conflicts", "export/claims.csv"]


def test_pages_and_roles_and_paid_exactly_once(boxes, pg, tmpdir_hub):
    hub = office_hub(pg, tmpdir_hub)
    try:
        made = fill(boxes, hub)
        admin_pw = add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
        gen = hub.cli("user", "add", "staf", "--role", "kantor", "--generate").stdout.strip()
        assert len(gen) >= 12
        # the hash is argon2id; the password itself is nowhere
        h = hub.sql("SELECT pw_hash FROM office_users WHERE name = 'staf'")
        assert h.startswith("$argon2id$") and gen not in h
        again = hub.cli("user", "add", "staf", "--role", "kantor", "--generate", check=False)
        assert again.returncode == 1 and "exists already" in again.stderr
        assert hub.cli("user", "add", "x", "--role", "root", check=False).returncode == 2
        assert "bendahara\tkantor-admin\tactive" in hub.cli("user", "list").stdout

        # the page and its files, with the box's security headers
        r = requests.get(hub.base + "/kantor.html", timeout=10)
        assert r.status_code == 200 and 'src="/js/kantor.js"' in r.text
        assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
        for f in ("/js/common.js", "/js/kantor.js", "/app.css", "/css/kantor.css",
                  "/locale/id/kantor.json", "/locale/en/kantor.json"):
            assert requests.get(hub.base + f, timeout=10).status_code == 200, f
        assert requests.get(hub.base + "/staff.html", timeout=10).status_code == 404
        assert requests.get(hub.base + "/js/../../etc/passwd", timeout=10).status_code == 404

        # no login: 401 everywhere, and a POST without a login is refused before CSRF
        anon = Office(hub)
        for path in GET_ROUTES:
            r = anon.get(path)
            assert r.status_code == 401 and r.json()["error"] == "login_required", path
        assert anon.post("claims/paid", {"claims": ["C1"]}).status_code == 401
        r = anon.get("claims/paid")
        assert r.status_code == 405 and r.headers["Allow"] == "POST"
        # another method: 405 with what the path takes, 404 on a path of none
        # or with an id over 128 bytes, before any login; the pages are GET only
        r = anon.s.put(hub.base + API + "boxes", timeout=10)
        assert r.status_code == 405 and r.headers["Allow"] == "GET, HEAD"
        assert anon.s.put(hub.base + API + "nothing", timeout=10).status_code == 404
        assert anon.get("boxes/%s/revoke" % ("b" * 129)).status_code == 404
        assert anon.get("boxes/%s/revoke" % ("b" * 128)).status_code == 405
        assert anon.post("conflicts/%s/resolve" % ("9" * 129), {}).status_code == 404
        assert anon.post("conflicts/9/resolve", {}).status_code == 401
        r = requests.post(hub.base + "/kantor.html", timeout=10)
        assert r.status_code == 404 and r.json()["error"] == "not_found"
        # every answer of the page's routes carries the same headers as the page
        for r in (anon.get("boxes"), anon.get("nothing"), anon.login("x", "y"),
                  requests.get(hub.base + "/locale/id/kantor.json", timeout=10)):
            assert r.headers["Content-Security-Policy"] == \
                requests.get(hub.base + "/", timeout=10).headers["Content-Security-Policy"]
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["Referrer-Policy"] == "no-referrer"
        assert anon.get("nothing").status_code == 404

        # wrong passwords: 401; the right one: a cookie that scripts cannot read
        assert anon.login("bendahara", "salah-sekali").status_code == 401
        assert anon.login("tidak-ada", "salah-sekali").json()["error"] == "bad_login"
        r = requests.post(hub.base + API + "login", data='{"user":"bendahara"}', timeout=10,
                          headers={"Content-Type": "text/plain"})
        assert r.status_code == 415 and r.json()["error"] == "need_json"
        admin = Office(hub)
        r = admin.login("bendahara", admin_pw)
        assert r.status_code == 200 and r.json()["role"] == "kantor-admin", r.text
        cookie = r.headers["Set-Cookie"]
        assert cookie.startswith("pb_kantor=") and "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie and "Secure" not in cookie   # plain HTTP here
        token = admin.s.cookies["pb_kantor"]
        assert hub.sql(f"SELECT count(*) FROM office_sessions WHERE token_sha256 = "
                       f"encode(sha256('{token}'::bytea), 'hex')") == "1"
        assert admin.get("me").json()["user"] == "bendahara"
        staf = Office(hub)
        assert staf.login("staf", gen).status_code == 200

        # the lists: boxes with health, activities with JP, claims by status
        got = admin.get("boxes").json()
        assert {b["centre_id"] for b in got["boxes"]} == {"PB-JATIM-01", "PB-NTT-02"}
        assert all(b["last_upload_at"] for b in got["boxes"])
        acts = {a["session_id"]: a for a in staf.get("activities").json()["activities"]}
        assert acts["S1"]["title"] == "Diklat Matematika KK-A"
        # S1: Budi present on 2 days, Siti on 1 (absent on the other); 8 JP a day
        assert (acts["S1"]["people"], acts["S1"]["person_days"], acts["S1"]["jp_total"]) == \
            (2, 3, 24)
        assert (acts["S9"]["people"], acts["S9"]["jp_total"]) == (1, 5)
        assert acts["S2"]["people"] == 0 and acts["S2"]["jp_total"] == 0
        assert [a["session_id"] for a in staf.get("activities", params={
            "centre": "PB-NTT-02"}).json()["activities"]] == ["S9"]
        c = staf.get("claims").json()
        by = {x["claim_id"]: x["status"] for x in c["claims"]}
        assert by == {"C1": "approved", "C2": "approved", "C3": "rejected", "C4": "approved",
                      "C5": "submitted"}
        assert c["counts"]["approved"] == {"count": 3, "amount_rp": 255000}
        assert [x["claim_id"] for x in staf.get("claims", params={
            "status": "approved", "centre": "PB-JATIM-01"}).json()["claims"]] == ["C1", "C2"]
        assert staf.get("claims", params={"status": "lunas"}).status_code == 400

        # kantor reads but may not pay, revoke or resolve, even with its CSRF token
        jatim = box_id(made["PB-JATIM-01"])
        for path, body in (("claims/paid", {"claims": ["C1"]}),
                           (f"boxes/{jatim}/revoke", {"confirm": jatim}),
                           ("conflicts/1/resolve", {"note": "x"})):
            r = staf.post(path, body)
            assert r.status_code == 403 and r.json()["error"] == "admin_only", path
        # the admin without the CSRF token, with a wrong one, or as a form: refused
        r = admin.post("claims/paid", {"claims": ["C1"]}, csrf=False)
        assert r.status_code == 403 and r.json()["error"] == "csrf"
        r = admin.s.post(hub.base + API + "claims/paid", json={"claims": ["C1"]},
                         headers={"X-CSRF-Token": staf.csrf}, timeout=10)
        assert r.status_code == 403 and r.json()["error"] == "csrf"
        r = admin.s.post(hub.base + API + "claims/paid", data='{"claims":["C1"]}',
                         headers={"X-CSRF-Token": admin.csrf, "Content-Type": "text/plain"},
                         timeout=10)
        assert r.status_code == 415
        assert hub.sql("SELECT count(*) FROM payments") == "0"

        # mark paid in bulk: approved ones once, the rest said, nothing twice
        r = admin.post("claims/paid", {"claims": ["C1", "C2", "C3", "C5", "C404"],
                                       "reference": "SP2D-0001"})
        assert r.status_code == 200, r.text
        res = {x["claim_id"]: x["result"] for x in r.json()["results"]}
        assert res == {"C1": "paid", "C2": "paid", "C3": "not_approved", "C5": "not_approved",
                       "C404": "unknown"}
        assert r.json()["tally"] == {"paid": 2, "not_approved": 2, "unknown": 1}
        # C4 by two admins at once, and C1 again: one payment each, ever
        admin2 = Office(hub)
        assert admin2.login("bendahara", admin_pw).status_code == 200
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            answers = list(ex.map(lambda o: o.post("claims/paid", {"claims": ["C4", "C1"],
                                                                   "reference": "SP2D-0002"}),
                                  [admin, admin2, admin, admin2]))
        results = [{x["claim_id"]: x["result"] for x in a.json()["results"]} for a in answers]
        assert sorted(x["C4"] for x in results) == ["already_paid"] * 3 + ["paid"]
        assert all(x["C1"] == "already_paid" for x in results)
        assert hub.sql("SELECT claim_id || ':' || reference || ':' || paid_by FROM payments "
                       "ORDER BY claim_id").split() == [
            "C1:SP2D-0001:bendahara", "C2:SP2D-0001:bendahara", "C4:SP2D-0002:bendahara"]
        # one payment record each in the boxes' feed, and each audited once
        assert hub.sql("SELECT string_agg(doc->>'claim_id', ',' ORDER BY doc->>'claim_id') "
                       "FROM feed WHERE kind = 'payments'") == "C1,C2,C4"
        assert hub.sql("SELECT string_agg(target, ',' ORDER BY target) FROM office_audit "
                       "WHERE action = 'claim.paid' AND actor = 'bendahara'") == "C1,C2,C4"
        paid = staf.get("claims", params={"status": "paid"}).json()["claims"]
        assert {(x["claim_id"], x["paid_by"]) for x in paid} == \
            {("C1", "bendahara"), ("C2", "bendahara"), ("C4", "bendahara")}
        too_many = admin.post("claims/paid", {"claims": ["C%d" % i for i in range(501)]})
        assert too_many.status_code == 400 and too_many.json()["max_claims"] == 500

        # exports with the login (the token API stays as it was)
        r = staf.get("export/claims.csv", params={"centre": "PB-JATIM-01"})
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert {(x["claim_id"], x["paid"]) for x in rows} == {("C1", "yes"), ("C2", "yes")}
        assert staf.get("export/nothing.csv").status_code == 404
        assert requests.get(hub.base + "/v1/office/boxes", timeout=10).status_code == 401

        # a conflict: seq 1 offered again with other content, through the upload route
        b = made["PB-NTT-02"]
        bid, key = box_id(b), box_key(b)
        rec = dict(box_records(b)[0], payload='{"id":"S9","title":"lain"}')
        rec["hash"] = record_hash(bid, rec)
        body = make_body(bid, [rec])
        assert post_batch(hub, bid, body, sign(key, body)).status_code == 409
        conf = staf.get("conflicts").json()["conflicts"]
        assert len(conf) == 1 and conf[0]["box_id"] == bid and conf[0]["resolved_at"] is None
        cid = conf[0]["id"]
        r = admin.post(f"conflicts/{cid}/resolve", {"note": "kotak diganti, data pertama benar"})
        assert r.status_code == 200, r.text
        assert admin.post(f"conflicts/{cid}/resolve", {"note": "x"}).status_code == 409
        assert admin.post("conflicts/999/resolve", {"note": "x"}).status_code == 404
        conf = staf.get("conflicts").json()["conflicts"][0]
        assert conf["resolved_by"] == "bendahara" and conf["note"].startswith("kotak diganti")

        # revoke: only with the box named again as confirmation
        r = admin.post(f"boxes/{jatim}/revoke", {})
        assert r.status_code == 400 and r.json()["error"] == "confirm"
        assert hub.sql("SELECT count(*) FROM boxes WHERE revoked_at IS NOT NULL") == "0"
        r = admin.post(f"boxes/{jatim}/revoke", {"confirm": jatim})
        assert r.status_code == 200 and r.json()["state"] == "revoked"
        assert admin.post(f"boxes/{jatim}/revoke", {"confirm": jatim}).json()["already"]
        assert hub.sql(f"SELECT actor FROM office_audit WHERE action = 'box.revoke' "
                       f"AND target = '{jatim}'") == "bendahara"

        # logout ends the login; a disabled account's logins end at once
        assert admin.post("logout").status_code == 200
        assert admin.get("me").status_code == 401
        hub.cli("user", "disable", "staf")
        assert staf.get("me").status_code == 401
        assert staf.login("staf", gen).status_code == 401
        hub.cli("user", "enable", "staf")
        assert staf.login("staf", gen).status_code == 200
    finally:
        print(hub.daemon.output() if hub.daemon else "")   # shown when the test fails
        hub.stop()


def test_lockout_after_wrong_passwords(pg, tmpdir_hub):
    hub = office_hub(pg, tmpdir_hub, args=["-O", "fail_max=3", "-O", "lockout_s=600"])
    try:
        pw = add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
        add_user(hub, "staf", "kantor", "rahasia-staf-0001")
        o = Office(hub)
        for _ in range(3):
            assert o.login("bendahara", "salah-salah-salah").status_code == 401
        # locked for this address: even the right password waits, told how long
        r = o.login("bendahara", pw)
        assert r.status_code == 429 and r.json()["error"] == "locked_out", r.text
        assert 1 <= int(r.headers["Retry-After"]) <= 600
        # another account from the same address is not locked by it
        assert Office(hub).login("staf", "rahasia-staf-0001").status_code == 200
        # a right password first gives back its attempt: failures do not add up
        for _ in range(2):
            assert Office(hub).login("staf", "salah-salah-salah").status_code == 401
        assert Office(hub).login("staf", "rahasia-staf-0001").status_code == 200
        assert Office(hub).login("staf", "salah-salah-salah").status_code == 401
        assert Office(hub).login("staf", "rahasia-staf-0001").status_code == 200
        # a new password from the operator lifts the lock
        hub.cli("user", "passwd", "bendahara", input="kata-sandi-baru-22\n")
        assert o.login("bendahara", pw).status_code == 401
        assert o.login("bendahara", "kata-sandi-baru-22").status_code == 200
        assert hub.sql("SELECT count(*) FROM office_audit WHERE action = 'login_failed'") == "7"
        # a login idle past idle_s, or older than max_s, is over (the clock is
        # PostgreSQL's: the test moves the login's times back instead of waiting)
        for col, ago in (("last_at", "31 minutes"), ("created_at", "13 hours")):
            s = Office(hub)
            assert s.login("staf", "rahasia-staf-0001").status_code == 200
            assert s.get("me").status_code == 200
            hub.sql(f"UPDATE office_sessions SET {col} = {col} - interval '{ago}' "
                    f"WHERE token_sha256 = encode(sha256('{s.s.cookies['pb_kantor']}'::bytea), "
                    f"'hex')")
            r = s.get("me")
            assert r.status_code == 401 and r.json()["error"] == "login_required", col
        # a guessed cookie is no login
        g = Office(hub)
        g.s.cookies.set("pb_kantor", "0" * 64)
        assert g.get("boxes").status_code == 401
        # -n checks that the pages can be read
        from officeweb import WEBAPP
        assert hub.cli("-w", WEBAPP, "-n").stdout.strip() == "configuration OK"
        bad = hub.cli("-w", WEBAPP + "/nothing", "-n", check=False)
        assert bad.returncode == 1 and "cannot be read" in bad.stderr
        # the limits are checked
        bad = hub.cli("-O", "fail_max=0", "migrate", check=False)
        assert bad.returncode == 2 and "-O wants" in bad.stderr
    finally:
        print(hub.daemon.output() if hub.daemon else "")   # shown when the test fails
        hub.stop()


def test_secure_cookie_over_tls(pg, tmpdir_hub):
    """Over HTTPS the cookie is Secure as well."""
    import subprocess
    cert, key = f"{tmpdir_hub}/cert.pem", f"{tmpdir_hub}/key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True, timeout=60)
    from pbhub import Hub
    from officeweb import WEBAPP
    hub = Hub(pg, tmpdir_hub, tls=(cert, key), args=["-w", WEBAPP]).start()
    try:
        add_user(hub, "staf", "kantor", "rahasia-staf-0001")
        r = requests.post(hub.base + API + "login", verify=cert, timeout=30,
                          json={"user": "staf", "password": "rahasia-staf-0001"})
        assert r.status_code == 200, r.text
        c = r.headers["Set-Cookie"]
        assert "; Secure" in c and "HttpOnly" in c and "SameSite=Strict" in c
        assert json.loads(r.text)["role"] == "kantor"
    finally:
        print(hub.daemon.output() if hub.daemon else "")   # shown when the test fails
        hub.stop()


def test_stick_uploaded_from_the_page(boxes, pg, tmpdir_hub):
    """A stick's pb-outbox/ zipped and sent from the page: stored once,
    the signed acknowledgement back to the box, a damaged batch refused."""
    import os
    import zipfile
    from pbhub import box_counts
    key = os.path.join(tmpdir_hub, "hub.key")
    hub = office_hub(pg, tmpdir_hub, args=["-k", key])
    try:
        admin_pw = add_user(hub, "bendahara", "kantor-admin", "rahasia-bendahara-1")
        add_user(hub, "staf", "kantor", "rahasia-staf-0001")
        b = offline_box(boxes, hub, "PB-USB-01")
        bid = box_id(b)
        stick = stick_of(b, os.path.join(tmpdir_hub, "stick"), "1111222233334444",
                         "2026-11-02", 5)
        data = zip_folder(stick, os.path.join(tmpdir_hub, "stick.zip"))

        def send(o, body, ctype="application/zip", csrf=True):
            h = {"Content-Type": ctype}
            if csrf:
                h["X-CSRF-Token"] = o.csrf
            return o.s.post(hub.base + API + "import", data=body, headers=h, timeout=120)

        staf, admin = Office(hub), Office(hub)
        assert staf.login("staf", "rahasia-staf-0001").status_code == 200
        assert admin.login("bendahara", admin_pw).status_code == 200
        assert send(staf, data).json()["error"] == "admin_only"
        assert send(admin, data, csrf=False).json()["error"] == "csrf"
        assert send(admin, data, ctype="text/plain").status_code == 415
        assert send(admin, b"PK\x03\x04 not a zip").json()["error"] == "bad_zip"
        assert hub.count() == 0

        r = send(admin, data)
        assert r.status_code == 200, r.text
        one = r.json()["boxes"][0]
        assert (one["box_id"], one["stored"], one["duplicates"], one["refused"]) == \
            (bid, 5, 0, 0) and "error" not in one
        assert one["ack_path"] == f"pb-outbox/{bid}/ack.json" and one["acked"] == 5
        assert hub.count(bid) == 5
        # the same stick again: nothing twice
        again = send(admin, data).json()["boxes"][0]
        assert (again["stored"], again["duplicates"]) == (0, 5)
        assert hub.count(bid) == 5
        # the acknowledgement, carried back, is taken by the box
        with open(os.path.join(stick, one["ack_path"]), "w") as f:
            f.write(one["ack"])
        b.pbctl("outbox", "import-ack", stick)
        assert box_counts(b)[1] == 0
        # a batch altered on the stick is refused and named; nothing of it is stored
        stick2 = stick_of(b, os.path.join(tmpdir_hub, "stick2"), "5555666677778888",
                          "2026-11-03", 2)
        bad = os.path.join(tmpdir_hub, "bad.zip")
        with zipfile.ZipFile(bad, "w") as z:
            for base, _dirs, files in os.walk(stick2):
                for f in files:
                    path = os.path.join(base, f)
                    with open(path, "rb") as fh:
                        content = fh.read()
                    if f != "manifest.json":
                        content = content[:-1] + bytes([content[-1] ^ 1])
                    z.writestr(os.path.relpath(path, stick2), content)
        with open(bad, "rb") as f:
            r = send(admin, f.read())
        one = r.json()["boxes"][0]
        assert one["refused"] == 1 and "bad_hash" in one["error"], one
        assert hub.count(bid) == 5
        assert hub.sql("SELECT count(*) FROM office_audit WHERE action = 'outbox.import'") == "3"
    finally:
        print(hub.daemon.output() if hub.daemon else "")
        hub.stop()
