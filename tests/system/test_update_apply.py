"""The admin installs the release pb-sync downloaded: POST
/api/v1/admin/update/apply in the real pb-web creates the request file
[update] apply_request (here in a folder of the test's, where the image has
/run/pb-update), and nothing else; pbctl update apply, which the image's
pb-update-apply.service runs on that file, records why it waits in
update.error, which the admin's GET /api/v1/admin/sync shows. The
release state is set in box_meta the way pb-sync leaves it (ready,
available); installing itself is tests/sync/test_update_ab.py's part."""
import os
import sqlite3

import requests

from attendance_util import Staff, add_staff, set_meta

ROUTE = "/api/v1/admin/update/apply"


def audit(box):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        return c.execute("SELECT actor, detail FROM audit WHERE action = 'update.apply' "
                         "ORDER BY id").fetchall()


def test_admin_asks_to_install(make_box, tmp_path):
    run = tmp_path / "pb-update"
    run.mkdir(mode=0o750)
    request = run / "apply"
    box = make_box(sections=f"[update]\napply_request = {request}\n")
    box.start()
    add_staff(box, "admin", "admin", also=[("fasil", "fasilitator"), ("mentor", "mentor")])

    # only an admin, with the CSRF token
    r = requests.post(box.base + ROUTE, json={}, timeout=30)
    assert r.status_code == 401
    fasil = Staff(box, "fasil")
    mentor = Staff(box, "mentor")
    for who in (fasil, mentor):
        r = who.post(ROUTE, json={})
        assert r.status_code == 403 and r.json()["error"] == "admin_only"
    adm = Staff(box, "admin")
    r = adm.post(ROUTE, json={}, csrf=False)
    assert r.status_code == 403 and r.json()["error"] == "csrf"
    assert os.listdir(run) == []

    # nothing downloaded yet: refused, in Indonesian and in English
    r = adm.post(ROUTE, json={})
    assert r.status_code == 409 and r.json()["error"] == "update_not_ready"
    assert "Belum ada versi baru" in r.json()["message"]
    r = adm.post(ROUTE, json={}, headers={"Accept-Language": "en"})
    assert r.status_code == 409 and r.json()["lang"] == "en"
    assert "No new version" in r.json()["message"]
    set_meta(box, update_available="9.1.0", update_state="downloading")
    assert adm.post(ROUTE, json={}).json()["error"] == "update_not_ready"
    set_meta(box, update_state="failed")
    assert adm.post(ROUTE, json={}).json()["error"] == "update_not_ready"
    assert os.listdir(run) == []

    # ready, but today's session day is open: say which, and who must act
    set_meta(box, update_state="ready")
    sid = fasil.create_session(title="Pelatihan Guru IPA Hari Ini", days=2)
    r = adm.post(ROUTE, json={})
    j = r.json()
    assert r.status_code == 409 and j["error"] == "update_day_open"
    assert "fasilitator" in j["message"] and "mengunci" in j["message"]
    assert [s["title"] for s in j["sessions"]] == ["Pelatihan Guru IPA Hari Ini"]
    assert os.listdir(run) == []

    # pbctl update apply (what the image's service runs) keeps the same
    # rule and leaves its reason where the admin's page reads it
    p = box.pbctl("update", "apply", "--no-reboot", check=False)
    assert p.returncode == 3, p.stderr
    sw = adm.get("/api/v1/admin/sync").json()["software"]
    assert sw["state"] == "ready" and sw["apply_requested"] is False
    assert "session day is open" in sw["error"] and "Pelatihan Guru IPA" in sw["error"]

    # the facilitator locks the day: the request is made, exactly one file
    assert fasil.post(f"/api/v1/sessions/{sid}/lock").status_code == 200
    r = adm.post(ROUTE, json={})
    assert r.status_code == 202, r.text
    assert r.json() == {"requested": True, "version": "9.1.0"}
    assert os.listdir(run) == ["apply"]
    assert request.read_text() == "9.1.0\n"
    assert adm.get("/api/v1/admin/sync").json()["software"]["apply_requested"] is True
    assert audit(box) == [("admin", "9.1.0")]

    # asked once: a second request is refused while the first waits
    r = adm.post(ROUTE, json={})
    assert r.status_code == 409 and r.json()["error"] == "update_requested"
    assert "sedang berjalan" in r.json()["message"]
    assert os.listdir(run) == ["apply"] and request.read_text() == "9.1.0\n"

    # taken up (the service removed the file) and installing: still refused
    request.unlink()
    set_meta(box, update_state="installing")
    assert adm.post(ROUTE, json={}).json()["error"] == "update_requested"
    set_meta(box, update_state="installed")
    assert adm.post(ROUTE, json={}).json()["error"] == "update_requested"
    assert os.listdir(run) == []

    # back to ready (apply refused meanwhile): the admin may ask again
    set_meta(box, update_state="ready")
    assert adm.post(ROUTE, json={}).status_code == 202
    assert os.listdir(run) == ["apply"]
    assert audit(box) == [("admin", "9.1.0"), ("admin", "9.1.0")]


def test_request_folder_missing_is_said(make_box, tmp_path):
    """A box whose request folder is missing (pb-web's unit without its
    RuntimeDirectory) answers 500 with a plain message, and asks nothing."""
    box = make_box(sections=f"[update]\napply_request = {tmp_path}/none/apply\n")
    box.start()
    add_staff(box, "admin", "admin")
    set_meta(box, update_available="9.1.0", update_state="ready")
    r = Staff(box, "admin").post(ROUTE, json={})
    assert r.status_code == 500 and r.json()["error"] == "update_request_failed"
    assert not os.path.exists(tmp_path / "none")
