"""The admin page /admin-sinkron.html at 360 px says what `pbctl update
status` says about the database during and after a trial: while a release
is on trial the migrations held back until it is committed, and once the
commit applied one marked newer only that the box cannot go back (rollback
refuses); and, when the commit found no room on the data card for the copy
of the database, that the trial goes on, why, and what the admin does. The
release is played by build/tests/pb-web-next with PB_NEXT_NEWER_ONLY=1
(tests/schema/next.c: 188 marked newer only, 189 above it), as in
tests/sync/test_update_ab.py; the trial and the commit are written in
box_meta the way pbctl update apply and commit leave them.
Screenshots: build/screenshots/admin-update-held.png, -no-space.png,
-no-return.png."""
import os
import sqlite3
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from a11y import audit, switch_language
from conftest import PHONE, SCREENSHOTS, WAIT_S, overflowing, set_viewport, staff_login
from pbtest import Box

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))
from attendance_util import PASSWORD, add_staff  # noqa: E402

NO_SPACE = ("no space on the data partition for a copy of the database to try migration "
            "188, 189 on (copying the database: database or disk is full): the trial goes "
            "on; free space and run pbctl update commit again")
# the same trial, once the committed root started again and ended it
NO_SPACE_ENDED = ("no space on the data partition for a copy of the database: the trial "
                  "of 9.1.0 on root B ended; free space, then pbctl update apply installs "
                  "it again")


def set_meta(box, **kv):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        for k, v in kv.items():
            c.execute("INSERT OR REPLACE INTO box_meta(key, value) VALUES (?, ?)", (k, v))


def applied(box, version):
    with sqlite3.connect(box.db_path(), timeout=10) as c:
        return c.execute("SELECT COUNT(*) FROM schema_migration WHERE version = ?",
                         (version,)).fetchone()[0] == 1


def shown(d, id_):
    return d.find_element(By.ID, id_).is_displayed()


def text(d, id_):
    return d.find_element(By.ID, id_).text


def fits_and_says(d, id_, shot, english):
    """ID's part fits the phone (screenshot SHOT, the part in view); in
    English it says ENGLISH and fits too. Back in Indonesian afterwards."""
    assert overflowing(d) == []
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                     d.find_element(By.ID, id_))
    d.save_screenshot(os.path.join(SCREENSHOTS, shot))
    switch_language(d)
    WebDriverWait(d, WAIT_S).until(lambda drv: english in text(drv, id_))
    assert overflowing(d) == []
    switch_language(d)


def test_held_migrations_then_no_return_on_the_admin_page(browser, monkeypatch):
    d = browser
    monkeypatch.setenv("PB_NEXT_NEWER_ONLY", "1")
    b = Box()
    try:
        b.pbctl("init")                              # the committed root's database
        add_staff(b, "kepala", "admin")
        # root B on trial; a stray update.no_return counts only once applied
        set_meta(b, **{"update.available": "9.1.0", "update.state": "installed",
                       "update.pending": "9.1.0 on root B", "update.no_return": "188"})
        b.start("tests/pb-web-next")
        assert not applied(b, 188) and not applied(b, 189)
        set_viewport(d, *PHONE)
        staff_login(d, b, "kepala", PASSWORD)
        d.get(b.base + "/admin-sinkron.html")
        w = WebDriverWait(d, WAIT_S)
        w.until(lambda drv: shown(drv, "sync-held"))
        assert text(d, "sync-held-label") == "Basis data"
        held = text(d, "sync-held")
        assert "migrasi 188, 189" in held and "ditahan sampai versi ini dikukuhkan" in held, held
        assert not shown(d, "sync-no-return")
        fits_and_says(d, "sync-held", "admin-update-held.png",
                      "Database changes (migration 188, 189) are held back until this "
                      "version is committed")
        audit(d, "admin-sync, migrations held")

        # the commit found no room for the copy of the database: the trial
        # goes on, the admin is told why and what to do
        b.stop()
        set_meta(b, **{"update.state": "no space", "update.error": NO_SPACE})
        b.start("tests/pb-web-next")
        d.refresh()
        w.until(lambda drv: shown(drv, "sync-update-err"))
        upd = text(d, "sync-update")
        assert "Versi 9.1.0 sedang dicoba" in upd and "ruang kartu data tidak cukup" in upd, upd
        words = text(d, "sync-update-err-text")
        assert "Hapus modul yang tidak dipakai" in words and "Pasang sekarang lagi" in words, \
            words
        assert d.find_element(By.ID, "sync-update-err-raw").get_attribute("textContent") == \
            NO_SPACE
        assert shown(d, "sync-held") and not shown(d, "sync-apply")
        fits_and_says(d, "sync-update-err-text", "admin-update-no-space.png",
                      "The data card has no room to copy the database")
        audit(d, "admin-sync, no space for the commit")

        # root A started before space was freed and ended the trial: the
        # release is ready again, and the page no longer says the box will
        # go back (it has)
        b.stop()
        set_meta(b, **{"update.state": "ready", "update.error": NO_SPACE_ENDED})
        b.start("tests/pb-web-next")
        d.refresh()
        w.until(lambda drv: "sudah kembali ke versi lama" in text(drv, "sync-update-err-text"))
        words = text(d, "sync-update-err-text")
        assert "Hapus modul yang tidak dipakai" in words and "Pasang sekarang lagi" in words \
            and "15 menit" not in words, words
        assert shown(d, "sync-apply")
        fits_and_says(d, "sync-update-err-text", "admin-update-no-space-ended.png",
                      "the box is back on the old one")

        # committed: update.pending emptied, update.no_return naming 188;
        # the release's next open applies what was held
        b.stop()
        set_meta(b, **{"update.pending": "", "update.state": "committed", "update.error": ""})
        b.start("tests/pb-web-next")
        assert applied(b, 188) and applied(b, 189)
        d.refresh()
        w.until(lambda drv: shown(drv, "sync-no-return"))
        words = text(d, "sync-no-return")
        assert "Tidak dapat kembali ke versi lama" in words and "migrasi 188" in words, words
        assert "189" not in words                    # safe for older programs: not named
        assert not shown(d, "sync-held") and not shown(d, "sync-held-label")
        fits_and_says(d, "sync-no-return", "admin-update-no-return.png",
                      "The box cannot go back to the old version: database changes "
                      "(migration 188)")
        audit(d, "admin-sync, no return")
        assert [e for e in d.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        b.close()
