"""pb-web under valgrind through the attendance routes: login, session,
roster, code, lookup, check-in (new and repeated), refusals, marks, day
view, CSV, signature, lock, logout; the admin's uplink routes (with the
power key set) and the HTML refusal of a staff page. No memory errors,
nothing leaked."""
import os
import re
import shutil
import sqlite3
import sys

import pytest
import requests

from pbtest import Box, Daemon, binary, wait_http

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import Staff, add_staff, checkin, nuptk, post_from, roster_csv  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("valgrind") is None or "/asan" in os.environ.get("PB_BUILD", ""),
    reason="valgrind checks the normal build only")


def test_attendance_routes_valgrind_clean(tmp_path):
    # valgrind cannot run the seccomp() call itself: the documented escape.
    b = Box(extra="seccomp = no", sections="[attendance]\ncheckin_per_client_max = 1\n")
    try:
        add_staff(b)
        log = str(tmp_path / "vg.log")
        b.web = Daemon(["valgrind", "--error-exitcode=99", "--leak-check=full",
                        "--show-leak-kinds=definite,indirect",
                        "--errors-for-leak-kinds=definite,indirect",
                        f"--log-file={log}", binary("pb-web"), "-c", b.conf],
                       str(tmp_path / "out.log"))
        wait_http(b.base + "/healthz", timeout=60, proc=b.web.proc)
        st = Staff(b)
        sid = st.create_session()
        assert st.roster(sid, roster_csv(3) + "123,bad\n\"open\n").status_code == 200
        code = st.code(sid)
        assert post_from(b, "127.0.0.61", "/api/v1/checkin/lookup",
                         {"session": sid, "nuptk": nuptk(0), "code": code})[0] == 200
        s, j = checkin(b, "127.0.0.61", sid, nuptk(0), code)
        assert s == 201
        assert checkin(b, "127.0.0.61", sid, nuptk(0), code)[0] == 200
        assert checkin(b, "127.0.0.61", sid, nuptk(1), code)[0] == 429
        assert checkin(b, "127.0.0.62", sid, nuptk(1), "000000" if code != "000000" else "111111")[0] == 403
        assert checkin(b, "127.0.0.62", sid, "1" * 15, code)[0] == 400
        assert st.post(f"/api/v1/sessions/{sid}/marks",
                       json={"nuptk": nuptk(2), "status": "present", "reason": "kertas"}).status_code == 201
        assert st.day(sid)["counts"]["present"] == 2
        assert st.get(f"/api/v1/sessions/{sid}/attendance.csv").status_code == 200
        assert st.get(f"/api/v1/sessions/{sid}/jp.csv").status_code == 200
        assert st.get(f"/api/v1/attendance/{j['id']}/signature.svg").status_code == 200
        assert st.post(f"/api/v1/sessions/{sid}/lock").status_code == 200
        assert st.post("/api/v1/clock", json={"client_time_ms": 1}).status_code == 200
        assert st.post("/api/v1/logout").status_code == 200
        # the admin's uplink view and wake-up (nobody listens: 503)
        add_staff(b, "admin", "admin")
        with sqlite3.connect(b.db_path(), timeout=10) as c:
            c.execute("INSERT INTO box_meta(key, value) VALUES ('power.throttled', '0x50005'), "
                      "('sync.state', 'offline'), ('sync.last_error', 'hub not reachable')")
        adm = Staff(b, "admin")
        assert adm.get("/api/v1/admin/sync").json()["power"]["undervoltage_now"] is True
        assert adm.post("/api/v1/admin/sync/now").status_code == 503
        assert requests.get(b.base + "/admin/wifi/poster", headers={"Accept": "text/html"},
                            timeout=30).status_code == 401
        b.web.stop(expect_code=0)
        b.web = None
        text = open(log).read()
        assert re.search(r"ERROR SUMMARY: 0 errors", text), text[-3000:]
    finally:
        b.close()
