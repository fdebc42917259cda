"""pbctl user import FILE|-: several staff accounts from one JSON list
(the provisioning bundle's facilitators), all checked first and added in
one transaction. The accounts log in to the real pb-web."""
import json
import os
import sys

import requests

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attendance_util import PASSWORD  # noqa: E402


def login(box, user, password):
    return requests.post(box.base + "/api/v1/login", json={"user": user, "password": password},
                         timeout=30)


def names(box):
    return [line.split("\t")[:3] for line in box.pbctl("user", "list").stdout.splitlines()]


def test_import_from_stdin_and_a_file_then_log_in(box):
    out = box.pbctl("user", "import", "-", input=json.dumps([
        {"name": "fasil", "role": "fasilitator", "kind": "instruktur", "password": PASSWORD},
        {"name": "kepala", "role": "admin", "password": "kata-sandi-kepala"}])).stdout
    assert out.splitlines() == ["fasil: akun dibuat / account created",
                                "kepala: akun dibuat / account created"]
    path = os.path.join(box.dir, "akun.json")
    with open(path, "w") as f:
        json.dump([{"name": "sari", "role": "mentor", "kind": "pengampu",
                    "password": "kata-sandi-sari"}], f)
    assert "sari: akun dibuat" in box.pbctl("user", "import", path).stdout
    assert names(box) == [["fasil", "fasilitator", "instruktur"], ["kepala", "admin", ""],
                          ["sari", "mentor", "pengampu"]]
    for user, password, role in [("fasil", PASSWORD, "fasilitator"),
                                 ("kepala", "kata-sandi-kepala", "admin"),
                                 ("sari", "kata-sandi-sari", "mentor")]:
        r = login(box, user, password)
        assert r.status_code == 200 and r.json()["role"] == role, r.text
    assert login(box, "kepala", PASSWORD).status_code == 401


def test_one_refused_account_adds_none(box):
    box.pbctl("user", "add", "fasil", "--role", "fasilitator", input=PASSWORD + "\n")
    good = {"name": "baru", "role": "admin", "password": PASSWORD}
    for accounts, words in [
            ([good, {"name": "fasil", "role": "admin", "password": PASSWORD}],
             "user fasil: an account with this name exists; no account was added"),
            ([good, {"name": "raja", "role": "raja", "password": PASSWORD}],
             "[1] (raja): bad name, role"),
            ([good, {"name": "pendek", "role": "admin", "password": "1234567"}],
             "[1] (pendek): bad name, role (admin|fasilitator|mentor) or password (8-128"),
            ([good, {"name": "tanpa", "role": "admin"}], "[1]: needs name, role and password"),
            ([good, {"name": "salah", "role": "mentor", "kind": "guru", "password": PASSWORD}],
             "user salah:"),
            ([], "a list of 1 to 200 accounts is needed"),
            ([good] + [{"name": f"u{i}", "role": "admin", "password": PASSWORD}
                       for i in range(200)], "a list of 1 to 200 accounts is needed")]:
        p = box.pbctl("user", "import", "-", input=json.dumps(accounts), check=False)
        assert p.returncode == 1 and words in p.stderr, (words, p.stderr)
    for text, words in [(json.dumps(good), "a list of 1 to 200"), ("[{", "stdin: line 1"),
                        ("x" * (256 * 1024 + 1), "more than 262144 bytes")]:
        p = box.pbctl("user", "import", "-", input=text, check=False)
        assert p.returncode == 1 and words in p.stderr, (words, p.stderr)
    p = box.pbctl("user", "import", os.path.join(box.dir, "tidak-ada.json"), check=False)
    assert p.returncode == 1 and "tidak-ada.json: unreadable" in p.stderr, p.stderr
    p = box.pbctl("user", "import", check=False)
    assert p.returncode == 2 and "user import FILE.json|-" in p.stderr
    assert names(box) == [["fasil", "fasilitator", ""]]
    assert login(box, "baru", PASSWORD).status_code == 401
