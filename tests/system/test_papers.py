"""The data behind the printed papers: the total in words on the
nominatif, the roster's payee columns, staff full names and NIPs, and the
session's paper settings over the box.conf defaults."""
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import nuptk  # noqa: E402
from claims_util import RATES, ClaimBox  # noqa: E402
from papers_util import PAPERS_CONF, payee_roster  # noqa: E402


def err(r):
    return r.json().get("error")


def test_nominatif_total_in_words(make_box):
    cb = ClaimBox(make_box, n=2)
    ids = []
    for i in range(2):
        cb.check_in(i)
    ids.append(cb.claim(0, "uang_harian").json()["id"])
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert j["totals"]["total"] == 0 and j["totals"]["terbilang"] == "nol rupiah"
    r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                      json={"ids": ids, "decision": "approve"})
    assert r.status_code == 200
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert RATES["uang_harian"] == 150000
    assert j["totals"]["terbilang"] == "seratus lima puluh ribu rupiah"
    ids = [cb.claim(1, "uang_harian").json()["id"], cb.claim(1, "uang_makan").json()["id"]]
    cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                  json={"ids": ids, "decision": "approve"})
    j = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert j["totals"]["total"] == 350000
    assert j["totals"]["terbilang"] == "tiga ratus lima puluh ribu rupiah"


def test_roster_payee_columns_in_any_order(make_box):
    cb = ClaimBox(make_box, n=4, roster=payee_roster(4), extra=PAPERS_CONF)
    p = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers")
    assert p.status_code == 200, p.text
    pay = p.json()["payees"]
    assert set(pay) == {nuptk(i) for i in range(4)}
    one = pay[nuptk(1)]
    assert one == {"nip": "198001012005011001", "pangkat": "Penata Muda, III/a",
                   "jabatan": "Guru Ahli Pertama", "npwp": "012345678901001",
                   "bank": "Bank Jatim", "rekening": "1234000001", "nama_rekening": "Guru Nomor 1"}
    assert pay[nuptk(0)]["nip"] == ""          # "-" is no NIP
    # bad payee values refuse that line only, and say why
    bad = ("NUPTK,Nama,NIP,NPWP,Nomor Rekening\r\n"
           f"{nuptk(10)},Satu,12345,,\r\n"
           f"{nuptk(11)},Dua,,99,\r\n"
           f"{nuptk(12)},Tiga,,,12AB\r\n"
           f"{nuptk(13)},Empat,198001012005011099,,0011223344\r\n")
    r = cb.staff.roster(cb.sid, bad)
    assert r.status_code == 200
    rep = r.json()
    assert rep["accepted"] == 1 and rep["rejected"] == 3
    assert [x.get("error") for x in rep["lines"]] == ["bad_nip", "bad_npwp", "bad_account", None]
    pay = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["payees"]
    assert nuptk(10) not in pay and pay[nuptk(13)]["rekening"] == "0011223344"
    # a roster without payee columns leaves them as they were
    r = cb.staff.roster(cb.sid, f"NUPTK,Nama\r\n{nuptk(1)},Guru Baru\r\n")
    assert r.status_code == 200 and r.json()["accepted"] == 1
    pay = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["payees"]
    assert pay[nuptk(1)]["bank"] == "Bank Jatim"
    assert requests.get(cb.base + f"/api/v1/sessions/{cb.sid}/papers").status_code == 401


def test_staff_full_name_and_nip(make_box):
    cb = ClaimBox(make_box, n=1, extra=PAPERS_CONF)
    me = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["signer"]
    assert me == {"name": "", "nip": ""}        # never the login name
    out = cb.box.pbctl("user", "set", "fasil", "--name", "Siti Rahayu, S.Pd.", "--nip",
                       "19851212 201001 2 005")
    assert out.returncode == 0
    me = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["signer"]
    assert me == {"name": "Siti Rahayu, S.Pd.", "nip": "198512122010012005"}
    bad = cb.box.pbctl("user", "set", "fasil", "--nip", "123", check=False)
    assert bad.returncode != 0 and "NIP" in bad.stderr
    bad = cb.box.pbctl("user", "set", "nobody", "--name", "X", check=False)
    assert bad.returncode != 0
    out = cb.box.pbctl("user", "add", "budi", "--role", "fasilitator", "--name",
                       "Budi Santoso, M.Pd.", "--nip", "197001011995121001",
                       input="rahasia-budi-123\n")
    assert out.returncode == 0
    lst = cb.box.pbctl("user", "list").stdout
    assert "budi\tfasilitator\t\taktif\tBudi Santoso, M.Pd.\t197001011995121001" in lst


def test_session_paper_settings_over_defaults(make_box):
    cb = ClaimBox(make_box, n=1, extra=PAPERS_CONF)
    url = f"/api/v1/sessions/{cb.sid}/papers"
    s = cb.staff.get(url).json()["settings"]
    assert s["penyelenggara"] == "Balai Besar Guru Penggerak Jawa Timur"
    assert s["tempat"] == "Malang" and s["kepala_nip"] == "197001011990031001"
    assert s["ppk_nama"] == "Pejabat Komitmen, S.E." and s["nomor_surat"] == ""
    r = cb.staff.post(url, json={"tempat": "Kota Batu", "nomor_surat": "800/123/BBGP/2026",
                                 "ppk_nip": "19900101 201501 1 007", "waktu": "08.00–16.00"})
    assert r.status_code == 200, r.text
    s = r.json()["settings"]
    assert s["tempat"] == "Kota Batu" and s["ppk_nip"] == "199001012015011007"
    assert s["penyelenggara"] == "Balai Besar Guru Penggerak Jawa Timur"   # kept default
    # another session keeps the defaults
    other = cb.staff.create_session(title="Sesi lain")
    assert cb.staff.get(f"/api/v1/sessions/{other}/papers").json()["settings"]["tempat"] == \
        "Malang"
    before = cb.staff.get(url).json()["settings"]
    for body, field in (({"ppk_nip": "12345"}, "ppk_nip"), ({"tempat": 5}, "tempat"),
                        ({"rahasia": "x"}, "rahasia"), ({"tempat": "x" * 201}, "tempat"),
                        ({"tempat": "a\u0007b"}, "tempat")):
        r = cb.staff.post(url, json=body)
        assert r.status_code == 400 and err(r) == "bad_setting", body
        assert r.json()["field"] == field and r.json()["message"]
    assert cb.staff.get(url).json()["settings"] == before
    assert cb.staff.post(url, csrf=False, json={"tempat": "X"}).status_code == 403
    assert requests.post(cb.base + url, json={"tempat": "X"}).status_code in (401, 403)
    r = cb.staff.post(url, json={"nomor_surat": ""})
    assert r.json()["settings"]["nomor_surat"] == ""
    db = cb.db()
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'papers.settings'"
                      ).fetchone()[0] == 2
    db.close()


def test_sbm_kinds_konsumsi_and_dasar(make_box):
    """Rate files in the SBM's own split; a file without kinds (the one
    ClaimBox imports) keeps working and means uang_harian diklat."""
    import os
    from claims_util import PROVINCE, YEAR
    cb = ClaimBox(make_box, n=3)
    for i in range(3):
        cb.check_in(i)
    r = cb.claim(0, "uang_harian")
    assert r.status_code == 201 and r.json()["amount"] == RATES["uang_harian"]
    sbm = ("Tahun,Provinsi,Item,Jenis,Asal,Jumlah,Dasar\r\n"
           f"{YEAR},{PROVINCE},uang_harian,diklat,,110000,PMK 32 Tahun 2025 tentang SBM\r\n"
           f"{YEAR},{PROVINCE},uang_harian,luar_kota,,410000,\r\n"
           f"{YEAR},{PROVINCE},uang_harian,dalam_kota_8jam,,160000,\r\n"
           f"{YEAR},{PROVINCE},konsumsi,,,55000,\r\n"
           f"{YEAR},{PROVINCE},penginapan,,,400000,\r\n"
           f"{YEAR},{PROVINCE},transport,,Kota Malang,100000,\r\n")
    path = os.path.join(cb.box.dir, "sbm.csv")
    with open(path, "w") as f:
        f.write(sbm)
    cb.box.pbctl("rates", "import", path)
    url = f"/api/v1/sessions/{cb.sid}/claim-settings"
    # residential: meals are given in kind unless said otherwise
    r = cb.staff.post(url, json={"residential": True, "uang_harian": "luar_kota"})
    assert r.status_code == 200, r.text
    assert r.json() == {"province": "", "meals_in_kind": True, "residential": True,
                        "uang_harian": "luar_kota"}
    opt = requests.get(cb.base + "/api/v1/claims/options", params={"session": cb.sid}).json()
    items = {i["code"]: i for i in opt["items"]}
    assert items["uang_harian"]["rate"] == 410000
    assert items["uang_harian"]["label"] == "Uang harian luar kota"
    assert items["uang_makan"]["offered"] is False and opt["uang_harian"] == "luar_kota"
    r = cb.claim(1, "uang_harian")
    assert r.status_code == 201 and r.json()["amount"] == 410000
    r = cb.claim(1, "uang_makan")
    assert r.status_code == 409 and err(r) == "meals_in_kind"
    # the kind is kept when left out; a wrong one is refused and changes nothing
    r = cb.staff.post(url, json={"residential": True, "meals_in_kind": False})
    assert r.json()["uang_harian"] == "luar_kota" and r.json()["meals_in_kind"] is False
    r = cb.staff.post(url, json={"residential": True, "uang_harian": "luar_negeri"})
    assert r.status_code == 400 and err(r) == "bad_settings"
    r = cb.claim(1, "uang_makan")
    assert r.status_code == 201 and r.json()["amount"] == 55000      # konsumsi
    cb.staff.post(url, json={"residential": False, "uang_harian": "dalam_kota_8jam"})
    r = cb.claim(2, "uang_harian")
    assert r.status_code == 201 and r.json()["amount"] == 160000
    ids = [c["id"] for c in cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["claims"]]
    cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                  json={"ids": ids, "decision": "approve"})
    nom = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert nom["dasar"] == "PMK 32 Tahun 2025 tentang SBM"
    assert nom["labels"]["uang_harian"] == "Uang harian dalam kota > 8 jam"
    assert nom["totals"]["total"] == RATES["uang_harian"] + 410000 + 55000 + 160000
    head = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims.csv").text.splitlines()[0]
    assert '"Uang harian dalam kota > 8 jam"' in head
    # an old file (no kind, no basis) still imports and means diklat again
    old = os.path.join(cb.box.dir, "old.csv")
    with open(old, "w") as f:
        f.write(f"tahun,provinsi,item,asal,jumlah\r\n{YEAR},{PROVINCE},uang_harian,,99000\r\n")
    cb.box.pbctl("rates", "import", old)
    cb.staff.post(url, json={"residential": False, "uang_harian": "diklat"})
    opt = requests.get(cb.base + "/api/v1/claims/options", params={"session": cb.sid}).json()
    assert {i["code"]: i.get("rate") for i in opt["items"]}["uang_harian"] == 99000
    nom = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert nom["dasar"] == ""


def test_teacher_gives_their_bank_account(make_box):
    cb = ClaimBox(make_box, n=3, roster=payee_roster(3), extra=PAPERS_CONF)
    proof = cb.check_in(1)
    url = cb.base + "/api/v1/claims/bank"
    body = {"session": cb.sid, "nuptk": nuptk(1), "checkin": proof, "bank": "BRI",
            "rekening": "0021-01-000123-50-9", "nama_rekening": "Guru Nomor Satu"}
    # the proof must be the teacher's own check-in
    other = cb.check_in(2)
    r = requests.post(url, json=dict(body, checkin=other), timeout=30)
    assert r.status_code == 403 and err(r) == "other_teacher"
    r = requests.post(url, json=dict(body, checkin=None), timeout=30)
    assert r.status_code == 401
    for bad, code in (({"rekening": "12AB"}, "bad_account"), ({"rekening": "1" * 21}, "bad_account"),
                      ({"bank": ""}, "bank_incomplete"), ({"nama_rekening": "a\u0001"}, "bad_text")):
        r = requests.post(url, json=dict(body, **bad), timeout=30)
        assert r.status_code == 400 and err(r) == code, (bad, r.text)
    before = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["payees"][nuptk(1)]
    assert before["bank"] == "Bank Jatim" and "bank_by_teacher" not in before
    r = requests.post(url, json=body, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json() == {"bank": "BRI", "rekening": "002101000123509",
                        "nama_rekening": "Guru Nomor Satu", "by_teacher": True}
    # the teacher's claims page shows it back
    j = requests.get(cb.base + "/api/v1/claims", params={"session": cb.sid, "nuptk": nuptk(1)},
                     headers={"X-Checkin-Id": proof}, timeout=30).json()
    assert j["bank"]["rekening"] == "002101000123509"
    # the facilitator sees it marked, with what the roster said
    p = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["payees"]
    assert p[nuptk(1)]["bank_by_teacher"] is True and p[nuptk(1)]["bank"] == "BRI"
    assert p[nuptk(1)]["roster_bank"] == {"bank": "Bank Jatim", "rekening": "1234000001",
                                          "nama_rekening": "Guru Nomor 1"}
    assert p[nuptk(1)]["nip"] == "198001012005011001"          # the rest stays
    assert "bank_by_teacher" not in p[nuptk(0)]
    # staff may enter it for a teacher, with CSRF
    r = cb.staff.post("/api/v1/claims/bank", csrf=False,
                      json={"session": cb.sid, "nuptk": nuptk(0), "bank": "BNI", "rekening": "99",
                            "nama_rekening": "Guru Nomor 0"})
    assert r.status_code == 403
    r = cb.staff.post("/api/v1/claims/bank", json={"session": cb.sid, "nuptk": nuptk(0),
                      "bank": "BNI", "rekening": "99", "nama_rekening": "Guru Nomor 0"})
    assert r.status_code == 200 and r.json()["by_teacher"] is True
    db = cb.db()
    assert sorted(db.execute("SELECT actor FROM audit WHERE action = 'claims.bank'").fetchall()) \
        == [("fasil",), ("peserta",)]
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'claims.bank' AND "
                      "detail LIKE '%0021%'").fetchone()[0] == 0   # no number in the log
    db.close()
