"""pb-web under valgrind through the claims routes: rates, claims with a
receipt and a signed statement, refusals, decisions single and in bulk,
the queue, the daftar nominatif and the receipt; it stops with no memory
errors and nothing leaked."""
import os
import re
import shutil
import sys

import pytest
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pbtest import Daemon, binary, wait_http  # noqa: E402
from claims_util import JPEG, ClaimBox, Staff, kept_receipt, rates_csv, receipt  # noqa: E402

pytestmark = pytest.mark.skipif(
    shutil.which("valgrind") is None or "/asan" in os.environ.get("PB_BUILD", ""),
    reason="valgrind checks the normal build only")


def test_claims_valgrind_clean(make_box, tmp_path):
    log = str(tmp_path / "vg.log")
    holder = {}

    def launch(box):
        box.web = Daemon(["valgrind", "--error-exitcode=99", "--leak-check=full",
                          "--show-leak-kinds=definite,indirect",
                          "--errors-for-leak-kinds=definite,indirect", f"--log-file={log}",
                          binary("pb-web"), "-c", box.conf], str(tmp_path / "out.log"))
        holder["d"] = box.web
        wait_http(box.base + "/healthz", timeout=60, proc=box.web.proc)

    cb = ClaimBox(make_box, n=3, launch=launch, web="seccomp = no")   # valgrind cannot run under it
    cb.check_in(0)
    cb.check_in(1)
    cb.check_in(2)
    ids = [cb.claim(0, "uang_harian").json()["id"]]
    r = cb.transport(0, 250000, evidence="receipt", receipt=receipt(JPEG))
    assert r.status_code == 201, r.text
    ids.append(r.json()["id"])
    ids.append(cb.transport(1, 50000).json()["id"])
    assert cb.transport(1, 50000).status_code == 409
    assert cb.transport(0, -1).status_code == 400
    assert cb.claim(1, "uang_harian", proof=cb.proof[0]).status_code == 403
    assert cb.transport(2, 10 ** 9, origin="Kabupaten Malang").status_code == 422
    assert cb.transport(2, 900, evidence="receipt",
                        receipt=receipt(b"not an image" * 10)).status_code == 415
    assert requests.get(cb.base + f"/api/v1/claims/options?session={cb.sid}").status_code == 200
    assert requests.post(cb.base + "/api/v1/claims/proof", json={
        "session": cb.sid, "nuptk": "3200000000000000", "code": cb.staff.code(cb.sid)}
    ).status_code == 200
    assert cb.decide(ids[1], "reject", "buram").status_code == 200
    assert cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                         json={"ids": ids, "decision": "approve"}).status_code == 200
    assert cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").status_code == 200
    assert cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims.csv").status_code == 200
    assert cb.staff.get(f"/api/v1/claims/{ids[1]}/receipt").content == \
        kept_receipt(cb, ids[1], JPEG)[1]
    assert requests.get(cb.base + f"/api/v1/claims?session={cb.sid}&nuptk=3200000000000000",
                        headers={"X-Checkin-Id": cb.proof[0]}).status_code == 200
    admin = Staff(cb.box, "admin1")
    assert admin.post("/api/v1/rates", data=rates_csv().encode(),
                      headers={"Content-Type": "text/csv"}).status_code == 201
    assert admin.post("/api/v1/rates", data=b"tahun,provinsi,item,jumlah\n2026,X,y,-1\n",
                      headers={"Content-Type": "text/csv"}).status_code == 422
    assert cb.staff.post(f"/api/v1/sessions/{cb.sid}/claim-settings",
                         json={"meals_in_kind": True, "residential": False}).status_code == 200
    holder["d"].stop(expect_code=0)
    cb.box.web = None
    text = open(log).read()
    assert re.search(r"ERROR SUMMARY: 0 errors", text), text[-3000:]
