"""The office's spreadsheet across centres (`pb-hub export claims|attendance
--xlsx FILE`), opened with openpyxl: the claims beside their CSV, and one
sheet each by kabupaten/kota, by activity and by payment status whose
SUM formulas carry the same totals."""
import csv
import io

import openpyxl

from pbhub import Sync, sync_section

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
    b.pbctl("init")
    b.pbctl("enrol")
    return b


def test_claims_and_attendance_xlsx_across_centres(boxes, hub, tmp_path):
    for centre in ("PB-TEST-001", "PB-TEST-002"):
        b = centre_box(boxes, hub, centre)
        for cen, cid, sid, origin, amount in CLAIMS:
            if cen != centre:
                continue
            b.pbctl("outbox", "add", "attendance.session",
                    '{"id":"%s","title":"%s"}' % (sid, TITLES[sid]))
            b.pbctl("outbox", "add", "claim.submit",
                    '{"claim_id":"%s","session_id":"%s","nuptk":"1","name":"=Guru","item":'
                    '"transport","origin":"%s","amount_rp":%d}' % (cid, sid, origin, amount))
            b.pbctl("outbox", "add", "claim.decision",
                    '{"claim_id":"%s","session_id":"%s","decision":"approved"}' % (cid, sid))
        b.pbctl("outbox", "add", "attendance.checkin",
                '{"session_id":"S1","nuptk":"1234567890123456","name":"Budi"}', "3")
        s = Sync(b).start(["-1"])
        assert s.daemon.proc.wait(timeout=60) == 0, s.daemon.output()
        s.daemon.stop()
    hub.cli("paid", "C1", "TRF-1")
    hub.cli("paid", "C4", "TRF-4")

    path = tmp_path / "klaim.xlsx"
    hub.cli("export", "claims", "--xlsx", str(path))
    rows = list(csv.reader(io.StringIO(hub.cli("export", "claims").stdout)))[1:]
    assert len(rows) == len(CLAIMS)
    wf = openpyxl.load_workbook(path)
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
