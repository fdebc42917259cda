"""The printed papers in a real Chromium: each one is printed to PDF the
way the browser's print dialog does (CSS page size honoured) and read
back with pdftotext and pdfinfo: A4, the nominatif landscape, every
column header, the officials, the amounts and the total in words. 45
teachers make a nominatif of several pages whose headers repeat and whose
carried and running subtotals add up. PDFs land in build/screenshots/."""
import base64
import os
import re
import subprocess
import sys
import time

import pytest
import requests

import test_checkin_browser as checkin_browser
from a11y import audit
from conftest import PHONE, SCREENSHOTS, Boxes, set_viewport, staff_login

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, SIG, nuptk, post_from  # noqa: E402
from claims_util import RATES, ClaimBox, rates_csv  # noqa: E402
from papers_util import OFFICIALS, PAPERS_CONF, approved_box  # noqa: E402

wait = checkin_browser.wait
N = 45
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CETAK_JS = open(os.path.join(ROOT, "webapp", "js", "cetak.js")).read()


def const(name):
    return int(re.search(name + r" = (\d+)", CETAK_JS).group(1))


def page_ranges(n, per, last):
    """Where the papers cut n rows into pages: as few as hold at most per
    rows a page and at most last on the last page (which also carries the
    signatures), the rows shared out evenly."""
    m = 1 if n <= last else 1 + -(-(n - last) // per)
    on_last = min(last, -(-n // m))
    rest, i, out = n - on_last, 0, []
    for j in range(m - 1):
        k = -(-rest // (m - 1 - j))
        out.append((i, i + k))
        i, rest = i + k, rest - k
    return out + [(i, n)]


NOM_PAGES = page_ranges(N, const("NOMINATIF_ROWS_PER_PAGE"), const("NOMINATIF_ROWS_LAST_PAGE"))
HADIR_PAGES = page_ranges(N, const("HADIR_ROWS_PER_PAGE"), const("HADIR_ROWS_LAST_PAGE"))
JP_PAGES = page_ranges(N, const("JP_ROWS_PER_PAGE"), const("JP_ROWS_LAST_PAGE"))
PAGES = len(NOM_PAGES)
A4 = (595.28, 841.89)          # points
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
DASAR = "PMK Nomor 39 Tahun 2024 tentang Standar Biaya Masukan Tahun Anggaran 2025"
SIGNER = ("Siti Rahayu, S.Pd.", "198512122010012005", "19851212 201001 2 005")


@pytest.fixture(scope="module")
def papers_box():
    boxes = Boxes()
    try:
        cb = approved_box(boxes, N)
        cb.box.pbctl("user", "set", "fasil", "--name", SIGNER[0], "--nip", SIGNER[1])
        # the same rates again, naming their legal basis: printed under the table
        path = os.path.join(cb.box.dir, "sbm.csv")
        lines = rates_csv().splitlines()
        with open(path, "w") as f:
            f.write("\r\n".join([lines[0] + ",dasar", lines[1] + "," + DASAR] +
                                [ln + "," for ln in lines[2:]]) + "\r\n")
        cb.box.pbctl("rates", "import", path)
        # one teacher corrected their account on the claim page
        r = requests.post(cb.base + "/api/v1/claims/bank", json={
            "session": cb.sid, "nuptk": nuptk(4), "checkin": cb.proof[4], "bank": "BRI",
            "rekening": "777000111", "nama_rekening": "Guru Nomor 4"}, timeout=30)
        assert r.status_code == 200, r.text
        r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/papers",
                          json={"nomor_surat": "800/417/BBGP.JATIM/2026", "waktu": "08.00-16.00"})
        assert r.status_code == 200
        yield cb
    finally:
        boxes.close()


def rp(n):
    return format(n, ",").replace(",", ".")


def flat(s):
    return " ".join(s.split())


def has_head(text, head):
    """A column header is on the page, also when the cell broke it into lines."""
    return "".join(head.split()) in "".join(text.split())


def print_pdf(d, cb, name, **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    d.get(cb.base + f"/cetak.html?session={cb.sid}&{q}")
    wait(d, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "1",
         f"{name} not drawn")
    # at 360 px the page itself never scrolls sideways (the paper box does)
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    pdf = d.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                               "printBackground": True})
    path = os.path.join(SCREENSHOTS, f"papers-{name}.pdf")
    with open(path, "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    errors = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
    msg = d.find_element("id", "msg").text
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", path], capture_output=True,
                          text=True, check=True).stdout
    sizes = [tuple(float(x) for x in m) for m in
             re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info)]
    assert sizes, info
    texts, raws = [], []
    for i in range(1, len(sizes) + 1):
        # -layout keeps a table row on one line; the reading order keeps a cell whole
        for mode, out in ((["-layout"], texts), ([], raws)):
            out.append(subprocess.run(["pdftotext"] + mode + ["-f", str(i), "-l", str(i), path,
                                      "-"], capture_output=True, text=True, check=True).stdout)
    # the page names the number of sheets the PDF has
    assert f"{len(sizes)} halaman" in msg, (msg, len(sizes))
    return sizes, texts, raws


def one_line(texts, name, number):
    """The row of name has number whole on its line (pdftotext -layout)."""
    lines = [ln for t in texts for ln in t.splitlines() if re.search(name + r"\s", ln)]
    assert lines and number in lines[0], (name, number, lines)


def portrait(sizes):
    return all(abs(w - A4[0]) < 1 and abs(h - A4[1]) < 1 for w, h in sizes)


def long_date(day):
    t = time.strptime(day, "%Y-%m-%d")
    return f"{DAYS[t.tm_wday]}, {t.tm_mday} {MONTHS[t.tm_mon - 1]} {t.tm_year}"


def test_papers_print_on_a4(browser, papers_box):
    d, cb = browser, papers_box
    staff_login(d, cb.box, "fasil", PASSWORD)
    nom = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]
    assert len(nom["rows"]) == N
    try:
        set_viewport(d, *PHONE)

        # daftar nominatif: landscape A4, pages with headers and subtotals
        sizes, texts, raws = print_pdf(d, cb, "nominatif", doc="nominatif")
        assert all(abs(w - A4[1]) < 1 and abs(h - A4[0]) < 1 for w, h in sizes), sizes
        assert len(sizes) == PAGES == 4, len(sizes)      # 45 teachers: 13 + 12 + 12 + 8
        heads = ["No", "Nama", "NIP/NUPTK", "Pangkat/Gol.", "Hari", "Jumlah (Rp)", "Rekening",
                 "Tanda tangan"] + [nom["labels"][c] + " (Rp)" for c in
                                    ("uang_harian", "uang_makan", "transport", "penginapan")]
        running = 0
        for i, t in enumerate(texts):
            f = flat(raws[i])
            assert "DAFTAR NOMINATIF PEMBAYARAN" in f and f"Halaman {i + 1} dari {PAGES}" in f
            for h in heads:
                assert has_head(f, h), (i, h)
            rows = nom["rows"][NOM_PAGES[i][0]:NOM_PAGES[i][1]]
            for r in rows:
                assert r["name"] in f and rp(r["total"]) in f
            assert "Bank Jatim" in f
            page_sum = sum(r["total"] for r in rows)
            line = [ln for ln in t.splitlines() if "Jumlah halaman ini" in ln][0]
            assert line.split()[-1] == rp(page_sum), line
            if i > 0:
                line = [ln for ln in t.splitlines() if "Jumlah pindahan" in ln][0]
                assert line.split()[-1] == rp(running), line
            running += page_sum
            if i < PAGES - 1:
                line = [ln for ln in t.splitlines() if "Jumlah s.d. halaman ini" in ln][0]
                assert line.split()[-1] == rp(running), line
                assert "Setuju dibayar" not in f
        assert running == nom["totals"]["total"]
        last = flat(raws[-1])
        assert "JUMLAH" in last and rp(nom["totals"]["total"]) in last
        assert nom["totals"]["terbilang"].endswith("rupiah")
        assert nom["totals"]["terbilang"] in last
        for o in OFFICIALS:
            assert o in last
        assert "Setuju dibayar" in last and "Lunas dibayar" in last
        assert "Dasar: " + DASAR in last
        marked = [flat(t) for t in raws if "* BRI 777000111" in flat(t)]
        assert len(marked) == 1 and "diperbaiki oleh peserta" in last
        assert "NIP 19800202 200501 2 002" in last        # the PPK's, grouped
        # a NUPTK in groups of four, never broken inside
        one_line(texts, "Guru Nomor 0", "3200 0000 0000 0000")
        one_line(texts, "Guru Nomor 9", "3200 0000 0000 0009")
        # the signers' names stand on one line (the Bendahara's not lower)
        names = [ln for ln in texts[-1].splitlines() if "Pejabat Komitmen" in ln]
        assert names and all(o in names[0] for o in OFFICIALS), names

        # daftar hadir: portrait, the long date, the columns on every page
        day = cb.staff.day(cb.sid)["day"]
        sizes, texts, raws = print_pdf(d, cb, "hadir", doc="hadir", day=day)
        assert portrait(sizes) and len(sizes) == len(HADIR_PAGES), sizes
        # the check-in signatures print in the signature column, loaded
        rows = cb.staff.day(cb.sid)["rows"]
        signed = [r for r in rows if r.get("checkin_id")]
        assert signed
        loaded = d.execute_script(
            "return Array.prototype.map.call(document.querySelectorAll('.cetak-hadir img'),"
            " function (i) { return i.naturalWidth > 0 ? i.getAttribute('src') : ''; });")
        assert sorted(loaded) == sorted(f"/api/v1/attendance/{r['checkin_id']}/signature.svg"
                                        for r in signed)
        one_line(texts, "Guru Nomor 0", "3200 0000 0000 0000")
        for i, t in enumerate(raws):
            assert f"Halaman {i + 1} dari {len(HADIR_PAGES)}" in flat(t)
            assert ("Mengetahui" in t) == (i == len(raws) - 1)
        for t in raws:
            for h in ["No", "Nama", "NIP/NUPTK", "Pangkat/Gol.", "Unit kerja/Sekolah", "Status",
                      "Waktu", "Tanda tangan"]:
                assert has_head(t, h), h
        allt = flat(" ".join(raws))
        assert "DAFTAR HADIR PESERTA" in allt and long_date(day) in allt
        assert "Balai Besar Guru Penggerak Jawa Timur".upper() in allt
        assert "Guru Nomor 44" in allt and "Penata Muda, III/a" in allt
        assert "19800101 200501 1 001" in allt
        assert OFFICIALS[0] in allt and SIGNER[0] in allt and SIGNER[2] in allt
        assert "H = Hadir" in allt and "Mengetahui" in allt

        # daftar pengeluaran riil of one teacher
        who = nom["rows"][7]
        sizes, texts, raws = print_pdf(d, cb, "dpr", doc="dpr", nuptk=who["nuptk"])
        assert portrait(sizes) and len(sizes) == 1
        f = flat(raws[0])
        assert "DAFTAR PENGELUARAN RIIL" in f and who["name"] in f
        assert "800/417/BBGP.JATIM/2026" in f and "Kas Negara" in f
        assert rp(who["items"]["transport"]) in f and OFFICIALS[1] in f

        # tanda terima of one teacher
        sizes, texts, raws = print_pdf(d, cb, "terima", doc="terima", nuptk=who["nuptk"])
        assert portrait(sizes) and len(sizes) == 1
        f = flat(raws[0])
        assert "TANDA TERIMA" in f and who["terbilang"] in f and rp(who["total"]) in f
        assert all(o in f for o in OFFICIALS[1:]) and "Yang menerima" in f
        # the NPWP as on the card (the box keeps its digits only)
        i = int(who["nuptk"]) - int(nuptk(0))
        assert "NPWP : 01.234.567.8-901.%03d" % i in flat(texts[0]), texts[0]

        # rekap JP
        jp = cb.staff.day(cb.sid)["jp_totals"]
        sizes, texts, raws = print_pdf(d, cb, "jp", doc="jp")
        assert portrait(sizes) and len(sizes) == len(JP_PAGES) > 1, sizes
        f = flat(" ".join(raws))
        assert "REKAPITULASI JAM PELAJARAN" in f and "Jumlah JP" in f
        running = 0
        for i, t in enumerate(texts):
            assert f"Halaman {i + 1} dari {len(JP_PAGES)}" in flat(raws[i])
            page_sum = sum(x["jp"] for x in jp[JP_PAGES[i][0]:JP_PAGES[i][1]])
            running += page_sum
            line = [ln for ln in t.splitlines() if "Jumlah halaman ini" in ln][0]
            assert line.split()[-1] == str(page_sum), line
            total = [ln for ln in t.splitlines() if "JUMLAH" in ln]
            upto = [ln for ln in t.splitlines() if "Jumlah s.d. halaman ini" in ln]
            if i < len(texts) - 1:
                # the grand total only on the last page, the running total before it
                assert total == [] and "Mengetahui" not in t, i
                assert upto[0].split()[-1] == str(running), upto
            else:
                assert upto == [] and "Mengetahui" in t
                assert total[0].split()[-1] == str(sum(x["jp"] for x in jp)) == str(running)
        assert len(jp) == N
        one_line(texts, "Guru Nomor 0", "3200 0000 0000 0000")
        assert "19800101 200501 1 001" in f
    finally:
        set_viewport(d, *PHONE)


def test_paper_settings_on_the_page(browser, papers_box):
    d, cb = browser, papers_box
    d.get(cb.base + f"/cetak.html?session={cb.sid}&doc=jp")
    wait(d, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "1",
         "not drawn")
    d.find_element("css selector", "#settings summary").click()
    f = d.find_element("id", "set-tempat")
    assert f.get_attribute("value") == "Malang"                    # the box.conf default
    assert d.find_element("css selector", "label[for=set-ppk_nip]").text == "NIP PPK"
    nip = d.find_element("id", "set-ppk_nip")
    nip.clear()
    nip.send_keys("123")
    d.find_element("id", "settings-save").click()
    wait(d, lambda d: "18" in d.find_element("id", "msg").text, "bad NIP accepted")
    d.get_log("browser")
    nip.clear()
    nip.send_keys("19900101 201501 1 007")
    f.clear()
    f.send_keys("Kota Batu")
    d.find_element("id", "settings-save").click()
    wait(d, lambda d: "Kota Batu" in d.find_element("id", "paper").text, "not redrawn")
    s = cb.staff.get(f"/api/v1/sessions/{cb.sid}/papers").json()["settings"]
    assert s["tempat"] == "Kota Batu" and s["ppk_nip"] == "199001012015011007"
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
    audit(d, "papers, settings saved")


def test_papers_page_without_login(browser, papers_box):
    d, cb = browser, papers_box
    # logged in, without a session in the address: choose one
    d.get(cb.base + "/cetak.html?doc=jp")
    wait(d, lambda d: d.find_element("id", "pick-form").is_displayed(), "no session picker")
    audit(d, "papers, session picker")
    d.find_element("css selector", "#pick-form button[type=submit]").click()
    wait(d, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "1",
         "chosen session not drawn")
    assert f"session={cb.sid}" in d.current_url and "REKAPITULASI" in d.page_source
    assert d.find_element("css selector", "#doc-links a[aria-current=page]").text == "Rekap JP"
    # the spreadsheets are offered beside the papers, and download with the login
    hrefs = [a.get_attribute("href") for a in d.find_elements("css selector", "#xlsx-links a")]
    assert [h.rsplit("/", 1)[1] for h in hrefs] == ["claims.xlsx", "attendance.xlsx", "jp.xlsx"]
    got = d.execute_async_script(
        "var done = arguments[1], x = new XMLHttpRequest(); x.open('GET', arguments[0]);"
        "x.onload = function () { done([x.status, x.getResponseHeader('Content-Type')]); };"
        "x.send();", hrefs[0])
    assert got[0] == 200 and "spreadsheetml" in got[1]
    d.delete_all_cookies()
    d.get(cb.base + f"/cetak.html?session={cb.sid}&doc=nominatif")
    wait(d, lambda d: d.find_element("id", "login").is_displayed(), "no login hint")
    audit(d, "papers, not logged in")
    assert d.find_element("id", "paper").text == ""
    d.get_log("browser")


def test_papers_of_a_teacher_without_nuptk(browser):
    """A teacher on the roster by participant number only: every paper the
    finance office reads names them "No Peserta …" (never a bare number
    under NIP/NUPTK), with the amounts, the total in words and the date in
    Indonesian. The daftar hadir keeps a school's long word ("Muhammadiyah")
    whole in its column."""
    d = browser
    boxes = Boxes()
    roster = ("NUPTK,Nama,No Peserta,Sekolah,Bank,Nomor Rekening,Nama Rekening\r\n"
              f"{nuptk(0)},Guru Nol,,SMP Muhammadiyah 1 Malang,,,\r\n"
              ",Rina Tanpa Nuptk,UKG-88,SDN 9 Malang,BRI,0123-01-000001-50-1,Rina\r\n")
    try:
        cb = ClaimBox(boxes, roster=roster, extra=PAPERS_CONF)
        s, j = post_from(cb.box, "127.0.0.61", "/api/v1/checkin", {
            "session": cb.sid, "nuptk": "UKG-88", "code": cb.staff.code(cb.sid),
            "signature": SIG})
        assert s == 201, j
        ids = []
        for body in ({"item": "uang_harian"},
                     {"item": "transport", "mode": "angkutan_umum", "origin": "Kabupaten Malang",
                      "amount": 35000, "evidence": "dpr", "dpr_confirm": True,
                      "signature": SIG}):
            r = requests.post(cb.base + "/api/v1/claims", timeout=30, json=dict(
                body, session=cb.sid, nuptk="UKG-88", checkin=j["uid"]))
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        r = cb.staff.post(f"/api/v1/sessions/{cb.sid}/claims/decisions",
                          json={"ids": ids, "decision": "approve"})
        assert r.status_code == 200, r.text
        row, = cb.staff.get(f"/api/v1/sessions/{cb.sid}/claims").json()["nominatif"]["rows"]
        assert row["total"] == RATES["uang_harian"] + 35000
        staff_login(d, cb.box, "fasil", PASSWORD)
        set_viewport(d, *PHONE)
        dated = r"Malang, \d{1,2} (%s) \d{4}" % "|".join(MONTHS)
        papers = {}
        for doc, q in (("dpr", {"nuptk": "UKG-88"}), ("terima", {"nuptk": "UKG-88"}),
                       ("nominatif", {}), ("hadir", {"day": cb.staff.day(cb.sid)["day"]})):
            sizes, texts, raws = print_pdf(d, cb, "nopeserta-" + doc, doc=doc, **q)
            papers[doc] = flat(" ".join(raws))
            assert "Rina Tanpa Nuptk" in papers[doc], doc
            assert "No Peserta UKG-88" in papers[doc], (doc, papers[doc])
            assert re.search(dated, papers[doc]), (doc, papers[doc])
        assert "SMP Muhammadiyah 1 Malang" in papers["hadir"], papers["hadir"]
        assert "NIP/NUPTK : UKG-88" not in papers["dpr"]
        assert rp(35000) in papers["dpr"] and "KABUPATEN MALANG" in papers["dpr"].upper()
        assert row["terbilang"] in papers["terima"] and rp(row["total"]) in papers["terima"]
        assert rp(row["total"]) in papers["nominatif"] and row["terbilang"] in papers["nominatif"]
        # the check-in signature prints in the daftar hadir
        assert d.execute_script(
            "return Array.prototype.filter.call(document.querySelectorAll('.cetak-hadir img'),"
            " function (i) { return i.naturalWidth > 0; }).length") == 1
    finally:
        boxes.close()
