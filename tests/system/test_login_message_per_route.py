"""Without a login, a route's 401 login_required names who may log in to
it: on every admin route of docs/api.md's access table "Silakan masuk
sebagai admin" (English: "Please log in as the admin"), on the routes of a
facilitator or the admin "Silakan masuk sebagai fasilitator atau admin", on
those a mentor may also open (mentor, penilai) "Silakan masuk dulu" ("Please
log in first": more than one kind of login serves them).
The access table is the one test_route_access.py checks against the
route table of firmware/web/routes.c."""
import re

import requests

from test_route_access import MISSING_ID, doc_access

EN = {"Accept-Language": "en-US,en;q=0.9,id;q=0.8"}
SAYS = {"admin": ("Silakan masuk sebagai admin", "Please log in as the admin"),
        "staf": ("Silakan masuk sebagai fasilitator atau admin",
                 "Please log in as a facilitator or admin"),
        "fasilitator": ("Silakan masuk sebagai fasilitator atau admin",
                        "Please log in as a facilitator or admin"),
        "mentor": ("Silakan masuk dulu", "Please log in first"),
        "penilai": ("Silakan masuk dulu", "Please log in first")}
TIMEOUT = 30


def ask(box, method, path, lang_headers):
    url = box.base + re.sub(r"\{[^}]*\}", MISSING_ID, path)
    headers = dict(lang_headers, Accept="application/json")
    body = {} if method != "GET" else None
    r = requests.request(method, url, headers=headers, json=body, timeout=TIMEOUT,
                         allow_redirects=False)
    j = r.json()
    return r.status_code, j.get("error"), j.get("message"), j.get("lang")


def test_login_required_names_who_may_log_in(box):
    routes = sorted((key, level) for key, (level, _) in doc_access().items() if level in SAYS)
    for level in SAYS:
        assert [k for k, lv in routes if lv == level], f"no {level} route in the table"
    wrong = []
    for (method, path), level in routes:
        id_words, en_words = SAYS[level]
        got = ask(box, method, path, {})
        if got != (401, "login_required", id_words, "id"):
            wrong.append((method, path, "id", got))
        got = ask(box, method, path, EN)
        if got != (401, "login_required", en_words, "en"):
            wrong.append((method, path, "en", got))
    assert not wrong, "\n".join(map(str, wrong))


def test_admin_address_opened_by_a_browser_says_admin(box):
    # the Wi-Fi poster, opened by the browser itself: an Indonesian page
    r = requests.get(box.base + "/admin/wifi/poster", headers={"Accept": "text/html"},
                     timeout=TIMEOUT)
    assert r.status_code == 401 and "Silakan masuk sebagai admin" in r.text
