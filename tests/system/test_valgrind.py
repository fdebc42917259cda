"""pb-web under valgrind: serves a few requests of each kind and stops with
no memory errors and nothing leaked."""
import os
import re
import shutil

import pytest
import requests

from pbtest import Box, Daemon, binary, wait_http
from content_fixture import make_folder

pytestmark = pytest.mark.skipif(
    shutil.which("valgrind") is None or "/asan" in os.environ.get("PB_BUILD", ""),
    reason="valgrind checks the normal build only")


def test_pb_web_is_valgrind_clean(tmp_path):
    # valgrind cannot run the seccomp() call itself: the documented escape.
    b = Box(extra="seccomp = no")
    try:
        make_folder(str(tmp_path / "usb"), [{
            "id": "m1", "title": "Modul", "kk": "A", "subject": "IPA", "level": "SD",
            "files": [("v.mp4", os.urandom(200000), None), ("a.pdf", b"%PDF-1.4 x", None)]}])
        b.pbctl("content", "import", str(tmp_path / "usb"))
        log = str(tmp_path / "vg.log")
        d = Daemon(["valgrind", "--error-exitcode=99", "--leak-check=full",
                    "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
                    f"--log-file={log}", binary("pb-web"), "-c", b.conf],
                   str(tmp_path / "out.log"))
        wait_http(b.base + "/healthz", timeout=60, proc=d.proc)
        cat = requests.get(b.base + "/api/v1/modules", headers={"Accept-Encoding": "gzip"}).json()
        url = b.base + cat["modules"][0]["files"][0]["url"]
        assert requests.get(url).status_code == 200
        assert requests.get(url, headers={"Range": "bytes=10-99"}).status_code == 206
        assert requests.get(url, headers={"Range": "bytes=999999-"}).status_code == 416
        assert requests.get(url + "?download=1").status_code == 200
        assert requests.get(b.base + "/").status_code == 200
        assert requests.get(b.base + "/nope").status_code == 404
        assert requests.post(b.base + "/healthz", data=b"x" * 100).status_code in (400, 405)
        d.stop(expect_code=0)
        text = open(log).read()
        assert re.search(r"ERROR SUMMARY: 0 errors", text), text[-3000:]
    finally:
        b.close()
