"""Helpers for the papers tests: a claims box whose roster carries the
payee columns, paper settings with officials, and approved claims."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims_util import RATES, ClaimBox  # noqa: E402,F401
from attendance_util import nuptk  # noqa: E402

PAPERS_CONF = ("[papers]\npenyelenggara = Balai Besar Guru Penggerak Jawa Timur\n"
               "tempat = Malang\nkepala_jabatan = Kepala Balai\n"
               "kepala_nama = Dr. Kepala Balai, M.Pd.\nkepala_nip = 1970 0101 199003 1 001\n"
               "ppk_nama = Pejabat Komitmen, S.E.\nppk_nip = 198002022005012002\n"
               "bendahara_nama = Bendahara Uang, A.Md.\nbendahara_nip = 198503032010013003\n")

OFFICIALS = ["Dr. Kepala Balai, M.Pd.", "Pejabat Komitmen, S.E.", "Bendahara Uang, A.Md."]


def payee_roster(n, extra_cols=True):
    """Columns in a shuffled order with the usual header names."""
    head = ["Nama Lengkap", "No. Rekening", "NUPTK", "Pangkat/Golongan", "Sekolah", "NIP",
            "Bank", "Jabatan", "NPWP", "Atas Nama"]
    lines = [",".join(head)]
    for i in range(n):
        nip = "19800101 200501 1 %03d" % (i % 1000) if i % 3 else "-"
        lines.append(",".join([
            f"Guru Nomor {i}", f"12-34-{i:06d}", nuptk(i), "\"Penata Muda, III/a\"", f"SMPN {i} Malang",
            nip, "Bank Jatim", "Guru Ahli Pertama", "01.234.567.8-901.%03d" % (i % 1000),
            f"Guru Nomor {i}"]))
    return "\r\n".join(lines) + "\r\n"


def approved_box(make_box, n, extra="", items=("uang_harian", "uang_makan"), transport=True):
    """n teachers on a payee roster, checked in, every claim approved."""
    cb = ClaimBox(make_box, n=n, roster=payee_roster(n), extra=PAPERS_CONF + extra)
    ids = []
    for i in range(n):
        cb.check_in(i)
        for item in items:
            r = cb.claim(i, item)
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        if transport:
            r = cb.transport(i, 20000 + 1000 * i, origin="Kabupaten Malang")
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
    for k in range(0, len(ids), 500):
        r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                          json={"ids": ids[k:k + 500], "decision": "approve"})
        assert r.status_code == 200, r.text
    return cb
