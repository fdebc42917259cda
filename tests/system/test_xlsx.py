"""XLSX exports of a session, opened with openpyxl (Debian's
python3-openpyxl) as the finance office's spreadsheet would: sheets,
frozen header, numbers with a rupiah format, SUM formulas whose values
match the JSON, text that cannot turn into a formula."""
import io
import os
import sys
import zipfile

import openpyxl
import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import nuptk  # noqa: E402
from papers_util import approved_box  # noqa: E402

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
N = 12


def fetch(cb, what):
    r = cb.staff.get(f"/api/v1/sessions/{cb.sid}/{what}.xlsx")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == MIME
    assert f"{what}" in r.headers["Content-Disposition"] or ".xlsx" in \
        r.headers["Content-Disposition"]
    assert zipfile.ZipFile(io.BytesIO(r.content)).testzip() is None
    formulas = openpyxl.load_workbook(io.BytesIO(r.content))
    values = openpyxl.load_workbook(io.BytesIO(r.content), data_only=True)
    return r.content, formulas, values


def test_claims_attendance_and_jp_xlsx(make_box):
    cb = approved_box(make_box, N)
    # a name a spreadsheet would run as a formula stays text
    r = cb.staff.roster(cb.sid, f"NUPTK,Nama\r\n{nuptk(3)},\"=HYPERLINK(\"\"http://x\"\")\"\r\n")
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()
    nom = j["nominatif"]

    raw, wf, wv = fetch(cb, "claims")
    assert wf.sheetnames == ["Nominatif", "Pengeluaran riil"]
    ws, vs = wf["Nominatif"], wv["Nominatif"]
    head = [c.value for c in ws[1]]
    assert head[:7] == ["No", "NUPTK", "NIP", "Nama", "Pangkat/Gol.", "Unit kerja/Sekolah", "Hari"]
    assert "Jumlah (Rp)" in head and "Nomor rekening" in head
    assert ws.freeze_panes == "A2"
    tcol = head.index("Jumlah (Rp)") + 1
    body = list(range(2, 2 + N))
    assert [vs.cell(row=r, column=tcol).value for r in body] == [x["total"] for x in nom["rows"]]
    assert all(isinstance(vs.cell(row=r, column=tcol).value, int) for r in body)
    assert "Rp" in ws.cell(row=2, column=tcol).number_format
    last = 2 + N
    assert ws.cell(row=last, column=1).value == "JUMLAH"
    letter = openpyxl.utils.get_column_letter(tcol)
    assert ws.cell(row=last, column=tcol).value == f"=SUM({letter}2:{letter}{last - 1})"
    assert vs.cell(row=last, column=tcol).value == nom["totals"]["total"]
    ucol = head.index(nom["labels"]["transport"] + " (Rp)") + 1
    assert vs.cell(row=last, column=ucol).value == nom["totals"]["items"]["transport"]
    rek = head.index("Nomor rekening") + 1
    assert vs.cell(row=2, column=rek).value == "1234000000"
    # the statements of real cost: every approved transport line (all DPR here)
    dpr = wv["Pengeluaran riil"]
    want = [c["amount"] for c in j["claims"] if c["evidence"] == "dpr"]
    assert len(want) == N
    assert [dpr.cell(row=r, column=7).value for r in range(2, 2 + N)] == want
    assert dpr.cell(row=2 + N, column=7).value == sum(want)

    raw2, wf, wv = fetch(cb, "attendance")
    day = cb.staff.day(cb.sid)
    assert wf.sheetnames == [day["session"]["start_date"], wf.sheetnames[1]] and \
        len(wf.sheetnames) == 2
    ws = wv[wf.sheetnames[0]]
    assert ws.freeze_panes == "A2" and ws.cell(row=1, column=8).value == "Waktu"
    assert sorted(ws.cell(row=r, column=7).value for r in range(2, 2 + N)) == ["H (Hadir)"] * N
    names = [ws.cell(row=r, column=4).value for r in range(2, 2 + N)]
    assert "'=HYPERLINK(\"http://x\")" in names and not any(n.startswith("=") for n in names)
    assert wv[wf.sheetnames[1]].cell(row=2, column=7).value == "Belum hadir"

    raw3, wf, wv = fetch(cb, "jp")
    ws, vs = wf["Rekap JP"], wv["Rekap JP"]
    assert [c.value for c in ws[1]] == ["No", "NUPTK", "NIP", "Nama", "Hari hadir", "Jumlah JP"]
    assert ws.cell(row=2 + N, column=6).value == f"=SUM(F2:F{1 + N})"
    assert vs.cell(row=2 + N, column=6).value == sum(t["jp"] for t in day["jp_totals"])
    print(f"\nxlsx sizes for {N} teachers: claims {len(raw)} B, attendance {len(raw2)} B, "
          f"jp {len(raw3)} B")
    # staff only, and audited
    assert requests.get(cb.base + f"/api/v1/sessions/{cb.sid}/claims.xlsx").status_code == 401
    assert cb.staff.get("/api/v1/sessions/999/jp.xlsx").status_code == 404
    db = cb.db()
    assert db.execute("SELECT count(*) FROM audit WHERE detail LIKE '%xlsx%'").fetchone()[0] == 3
    db.close()
    # nothing is left behind (libxlsxwriter writes in the store's tmp folder)
    left = [f for _, _, files in os.walk(cb.box.dir) for f in files if f.startswith("xlsx-")]
    assert left == []
