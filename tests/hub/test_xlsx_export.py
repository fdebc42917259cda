"""The office's spreadsheet across centres (`pb-hub export claims|attendance
--xlsx FILE`, and the same over HTTP: GET /v1/office/export/claims.xlsx and
attendance.xlsx, written by pb-hub's export worker), opened with openpyxl:
the claims beside their CSV, and one sheet each by kabupaten/kota, by
activity and by payment status whose SUM formulas carry the same totals.
pb-hub runs as in production (tests/pbhub.py: -u nobody, seccomp filter
on), so the HTTP routes prove the worker writes under its own filter while
pb-hub writes no file."""
import csv
import io
import os
import re
import signal
import stat
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import requests

from pbhub import Hub, Sync, add_records, sync_section, wait_for
from pbtest import status_field

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STARTS_MAX = 5          # HUB_XLSX_STARTS_MAX (hub/hub.h): workers started in a minute

CLAIMS = [  # centre, claim, session, origin, amount
    ("PB-TEST-001", "C1", "S1", "Kota Malang", 45000),
    ("PB-TEST-001", "C2", "S1", "", 150000),
    ("PB-TEST-001", "C3", "S2", "Kota Batu", 30000),
    ("PB-TEST-002", "C4", "S9", "Kota Malang", 60000),
]
TITLES = {"S1": "Diklat Matematika", "S2": "Diklat IPA", "S9": "Lokakarya Guru"}


def centre_box(boxes, hub, centre):
    token = hub.cli("token", centre).stdout.strip()
    b = boxes(sections=sync_section(hub.base, token))
    b.pbctl("enrol")
    return b


def fill(boxes, hub):
    """Two centres' boxes upload their claims and check-ins; two are paid."""
    for centre in ("PB-TEST-001", "PB-TEST-002"):
        b = centre_box(boxes, hub, centre)
        mine = [c for c in CLAIMS if c[0] == centre]
        # one pbctl a type: each claim's session, the claims, their decisions
        add_records(b, "attendance.session",
                    [{"id": sid, "title": TITLES[sid]} for _, _, sid, _, _ in mine])
        add_records(b, "claim.submit", [
            {"claim_id": cid, "session_id": sid, "nuptk": "1", "name": "=Guru",
             "item": "transport", "origin": origin, "amount_rp": amount}
            for _, cid, sid, origin, amount in mine])
        add_records(b, "claim.decision", [
            {"claim_id": cid, "session_id": sid, "decision": "approved"}
            for _, cid, sid, _, _ in mine])
        add_records(b, "attendance.checkin",
                    [{"session_id": "S1", "nuptk": "1234567890123456", "name": "Budi"}] * 3)
        s = Sync(b).start(["-1"])
        assert s.daemon.proc.wait(timeout=60) == 0, s.daemon.output()
        s.daemon.stop()
    hub.cli("paid", "C1", "TRF-1")
    hub.cli("paid", "C4", "TRF-4")


def check_claims_book(path, rows):
    """The claims workbook (a path or a file object) beside the CSV rows."""
    assert len(rows) == len(CLAIMS)
    wf = openpyxl.load_workbook(path)
    if hasattr(path, "seek"):
        path.seek(0)
    wv = openpyxl.load_workbook(path, data_only=True)
    assert wf.sheetnames == ["Klaim", "Per kabupaten-kota", "Per kegiatan",
                             "Per status pembayaran"]
    ws, vs = wf["Klaim"], wv["Klaim"]
    assert ws.freeze_panes == "A2" and ws.cell(row=1, column=10).value == "Jumlah (Rp)"
    n = len(CLAIMS)
    assert ws.cell(row=n + 2, column=10).value == f"=SUM(J2:J{n + 1})"
    total = sum(c[4] for c in CLAIMS)
    assert vs.cell(row=n + 2, column=10).value == total == sum(int(r[7]) for r in rows)
    assert "Rp" in ws.cell(row=2, column=10).number_format
    assert {vs.cell(row=r, column=2).value for r in range(2, n + 2)} == set(TITLES.values())
    assert all(vs.cell(row=r, column=7).value == "'=Guru" for r in range(2, n + 2))

    def groups(name, key_cols):
        s = wv[name]
        out = {}
        for r in range(2, s.max_row):
            key = tuple(s.cell(row=r, column=c).value for c in key_cols)
            out[key] = (s.cell(row=r, column=len(key_cols) + 1).value,
                        s.cell(row=r, column=len(key_cols) + 2).value)
        last = s.max_row
        assert s.cell(row=last, column=1).value == "JUMLAH"
        assert s.cell(row=last, column=len(key_cols) + 2).value == total
        assert wf[name].cell(row=last, column=len(key_cols) + 2).value.startswith("=SUM(")
        return out

    assert groups("Per kabupaten-kota", [1]) == {
        ("Kota Malang",): (2, 105000), ("(tanpa asal)",): (1, 150000), ("Kota Batu",): (1, 30000)}
    assert groups("Per kegiatan", [1, 2, 3]) == {
        ("PB-TEST-001", "Diklat Matematika", "S1"): (2, 195000),
        ("PB-TEST-001", "Diklat IPA", "S2"): (1, 30000),
        ("PB-TEST-002", "Lokakarya Guru", "S9"): (1, 60000)}
    assert groups("Per status pembayaran", [1]) == {
        ("Dibayar",): (2, 105000), ("Belum dibayar",): (2, 180000)}


def test_claims_and_attendance_xlsx_across_centres(boxes, hub, tmp_path):
    fill(boxes, hub)
    path = tmp_path / "klaim.xlsx"
    hub.cli("export", "claims", "--xlsx", str(path))
    check_claims_book(path, list(csv.reader(io.StringIO(hub.cli("export", "claims").stdout)))[1:])

    # one centre only, and the attendance records
    hub.cli("export", "claims", "--centre", "PB-TEST-002", "--xlsx", str(path))
    assert openpyxl.load_workbook(path, data_only=True)["Klaim"].cell(row=3, column=10).value \
        == 60000
    att = tmp_path / "hadir.xlsx"
    hub.cli("export", "attendance", "--xlsx", str(att))
    ws = openpyxl.load_workbook(att)["Kehadiran"]
    rows = list(csv.reader(io.StringIO(hub.cli("export", "attendance").stdout)))[1:]
    assert ws.max_row == 1 + len(rows)
    checkins = [r for r in range(2, ws.max_row + 1)
                if ws.cell(row=r, column=6).value == "attendance.checkin"]
    assert len(checkins) == 6 and ws.cell(row=checkins[0], column=9).value == "Budi"
    assert isinstance(ws.cell(row=2, column=4).value, int)
    p = hub.cli("export", "nothing", "--xlsx", str(att), check=False)
    assert p.returncode == 2


def cells(book):
    """Every sheet's cells (formulas as written), to compare two books."""
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if status_field(f"/proc/{d}/status", "PPid") == str(pid):
                    kids.append(int(d))
            except (FileNotFoundError, ProcessLookupError):
                pass
    return kids


def worker_of(hub):
    """The export worker: the only child of the keeper, pb-hub's only
    child."""
    keeper = children(hub.daemon.proc.pid)
    assert len(keeper) == 1, keeper
    assert open(f"/proc/{keeper[0]}/comm").read().strip() == "pb-hub-xlsx-kp"
    kids = children(keeper[0])
    assert len(kids) == 1, kids
    return kids[0]


def worker_dir(hub):
    """The pid and directory of the worker started last, from its log line."""
    m = re.findall(r"export worker \(pid (\d+)\) writes in (\S+),", hub.daemon.output())
    assert m, hub.daemon.output()
    return int(m[-1][0]), m[-1][1]


def test_the_same_books_over_http_from_the_export_worker(boxes, hub, tmp_path):
    fill(boxes, hub)
    auth = {"Authorization": "Bearer " + hub.cli("office-token", "keuangan").stdout.strip()}
    url = hub.base + "/v1/office/export/"

    # nothing for a stranger, or a wrong token
    for h in ({}, {"Authorization": "Bearer salah"}):
        r = requests.get(url + "claims.xlsx", headers=h, timeout=30)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
        assert not r.content.startswith(b"PK")

    r = requests.get(url + "claims.xlsx", headers=auth, timeout=120)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == XLSX_MIME
    assert r.headers["Content-Disposition"] == 'attachment; filename="claims.xlsx"'
    c = requests.get(url + "claims.csv", headers=auth, timeout=30)
    for h in ("Cache-Control",):
        assert r.headers[h] == c.headers[h] == "no-store"
    csv_rows = list(csv.reader(io.StringIO(c.text)))[1:]
    check_claims_book(io.BytesIO(r.content), csv_rows)
    # the very workbook the verb writes from the same query
    path = tmp_path / "klaim.xlsx"
    hub.cli("export", "claims", "--xlsx", str(path))
    assert cells(openpyxl.load_workbook(io.BytesIO(r.content))) == \
        cells(openpyxl.load_workbook(path))

    # pb-hub's threads take turns at the one worker: the same book for each
    with ThreadPoolExecutor(4) as pool:
        many = list(pool.map(lambda _: requests.get(url + "claims.xlsx", headers=auth,
                                                    timeout=180), range(4)))
    assert [m.status_code for m in many] == [200] * 4
    assert all(cells(openpyxl.load_workbook(io.BytesIO(m.content))) ==
               cells(openpyxl.load_workbook(path)) for m in many)

    # narrowed like the CSV: one centre, one session
    r = requests.get(url + "claims.xlsx?centre=PB-TEST-001&session=S1", headers=auth,
                     timeout=120)
    ws = openpyxl.load_workbook(io.BytesIO(r.content), data_only=True)["Klaim"]
    assert ws.max_row == 2 + 2 and ws.cell(row=4, column=10).value == 195000
    a = requests.get(url + "attendance.xlsx", headers=auth, timeout=120)
    assert a.status_code == 200 and a.headers["Content-Type"] == XLSX_MIME
    assert a.headers["Content-Disposition"] == 'attachment; filename="attendance.xlsx"'
    ws = openpyxl.load_workbook(io.BytesIO(a.content))["Kehadiran"]
    att = list(csv.reader(io.StringIO(requests.get(url + "attendance.csv", headers=auth,
                                                   timeout=30).text)))[1:]
    assert ws.max_row == 1 + len(att) and len(att) >= 6
    assert sorted(ws.cell(row=i, column=5).value for i in range(2, ws.max_row + 1)) == \
        sorted(row[4] for row in att)

    # the worker: pb-hub's only child, as pb-hub's user, under its own
    # filter, writing in a directory only it can enter, empty between books
    pid, d = worker_dir(hub)
    assert worker_of(hub) == pid
    assert open(f"/proc/{pid}/comm").read().strip() == "pb-hub-xlsx"
    assert status_field(f"/proc/{pid}/status", "Seccomp") == "2"
    assert status_field(f"/proc/{pid}/status", "NoNewPrivs") == "1"
    assert status_field(f"/proc/{pid}/status", "Uid") == \
        status_field(f"/proc/{hub.daemon.proc.pid}/status", "Uid")
    st = os.stat(d)
    assert stat.S_IMODE(st.st_mode) == 0o700 and os.listdir(d) == []
    # no database, no network: no socket but the pair to pb-hub
    socks = [os.readlink(f"/proc/{pid}/fd/{f}") for f in os.listdir(f"/proc/{pid}/fd")
             if f not in ("0", "1", "2")]
    assert len([s for s in socks if s.startswith("socket:")]) == 1, socks

    # the worker dies: the next XLSX request starts another, and gets its
    # book; the death is logged
    os.kill(pid, signal.SIGKILL)
    r = requests.get(url + "claims.xlsx", headers=auth, timeout=120)
    assert r.status_code == 200, r.text
    assert cells(openpyxl.load_workbook(io.BytesIO(r.content))) == \
        cells(openpyxl.load_workbook(path))
    assert f"export worker (pid {pid}) was killed by signal 9" in hub.daemon.output()
    assert not os.path.exists(f"/proc/{pid}")        # reaped, not a zombie
    new, d2 = worker_dir(hub)
    assert new != pid and worker_of(hub) == new
    assert status_field(f"/proc/{new}/status", "Seccomp") == "2"
    assert stat.S_IMODE(os.stat(d2).st_mode) == 0o700

    # a worker killed each time: at most HUB_XLSX_STARTS_MAX started in a
    # minute, then 503 with the reason while the CSVs go on (the minute
    # may pass on a loaded machine: then a few more kills)
    codes = []
    for _ in range(3 * STARTS_MAX):
        os.kill(worker_dir(hub)[0], signal.SIGKILL)
        r = requests.get(url + "attendance.xlsx", headers=auth, timeout=120)
        codes.append(r.status_code)
        if r.status_code != 200:
            break
    assert codes[-1] == 503 and set(codes[:-1]) <= {200} and len(codes) >= STARTS_MAX - 2, codes
    assert r.json()["error"] == "xlsx_unavailable" and "CSV" in r.json()["message"]
    assert "the most allowed (HUB_XLSX_STARTS_MAX)" in hub.daemon.output()
    c2 = requests.get(url + "claims.csv", headers=auth, timeout=30)
    assert c2.status_code == 200 and c2.text == c.text
    hub.stop()


def test_a_book_over_the_limit_is_refused_and_the_worker_cleans_up(boxes, pg, tmpdir_hub):
    """-X 1: a book's description of at most 1 KiB. A small book is still
    made; a larger one gets 413 with the limit. Stopped, pb-hub ends its
    worker, which removes its directory."""
    hub = Hub(pg, tmpdir_hub, args=["-X", "1"]).start()
    try:
        fill(boxes, hub)
        auth = {"Authorization": "Bearer " + hub.cli("office-token", "k").stdout.strip()}
        url = hub.base + "/v1/office/export/"
        r = requests.get(url + "claims.xlsx?centre=PB-NONE", headers=auth, timeout=120)
        assert r.status_code == 200, r.text
        assert openpyxl.load_workbook(io.BytesIO(r.content)).sheetnames[0] == "Klaim"
        r = requests.get(url + "attendance.xlsx", headers=auth, timeout=120)
        assert r.status_code == 413, r.text
        assert r.json()["error"] == "too_large" and r.json()["limit_bytes"] == 1024
        assert r.json()["limit_rows"] == 100000 and "CSV" in r.json()["message"]
        assert "-X" in hub.daemon.output()
        # still there for the next one
        assert requests.get(url + "claims.xlsx?centre=PB-NONE", headers=auth,
                            timeout=120).status_code == 200
        pid, d = worker_dir(hub)
        assert os.path.isdir(d)
    finally:
        hub.stop()
    assert not os.path.exists(d) and not os.path.exists(f"/proc/{pid}")
