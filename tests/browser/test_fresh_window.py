"""Nothing a test module stores in the browser reaches the next module.

One Chromium serves the whole run; at each module's start the browser
fixture (conftest._fresh_window) wipes the cookies, the cache and what
every origin opened since the last wipe stored. Here a box's origin is
reached the ways a page can reach one, not by get(): a link, a server's
redirect, a window the page opens (a frame cannot: pb-web's pages
may be framed only by the box itself, frame-ancestors 'self'). There a cookie, localStorage
and an IndexedDB database are written; the window then leaves the origin,
the next module's wipe runs, and the origin must have nothing left. Each
way starts from a wipe that has just forgotten the origin (it was wiped
already), as a later module reaching an origin an earlier one used.

The other website (the one that links, redirects, frames and opens
windows) is a small HTTP server of this test: pb-web links only to
itself."""
import http.server
import threading
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from selenium.webdriver.common.by import By

from conftest import WAIT_S, _fresh_window, wait
from pbtest import Box

MARK = "dari-modul-sebelumnya"

# Write the marker into the origin of the document it runs in.
STORE_JS = """
var done = arguments[arguments.length - 1], mark = arguments[0];
document.cookie = 'pbmark=' + mark + '; path=/; max-age=3600';
localStorage.setItem('pbmark', mark);
var rq = indexedDB.open('pbmark', 1);
rq.onupgradeneeded = function () { rq.result.createObjectStore('s'); };
rq.onerror = function () { done('indexedDB: ' + rq.error); };
rq.onsuccess = function () {
  var tx = rq.result.transaction('s', 'readwrite');
  tx.objectStore('s').put(mark, 'k');
  tx.oncomplete = function () { rq.result.close(); done('ok'); };
  tx.onerror = function () { done('indexedDB: ' + tx.error); };
};
"""

# What the origin of the document still holds: [cookie, localStorage, IndexedDB names].
FOUND_JS = """
var done = arguments[arguments.length - 1];
indexedDB.databases().then(function (dbs) {
  done([document.cookie, localStorage.getItem('pbmark'), dbs.map(function (d) { return d.name; })]);
}, function (e) { done(['', null, ['error: ' + e]]); });
"""


class _Site(http.server.BaseHTTPRequestHandler):
    """/link?to=URL (a page with a link), /redirect?to=URL (302), /open?to=URL
    (a page whose button opens URL in a new window)."""

    def do_GET(self):
        u = urlsplit(self.path)
        to = parse_qs(u.query).get("to", [""])[0]
        if u.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = {"/link": f'<a id="go" href="{to}">Buka</a>',
                "/open": f'<button id="go" onclick="window.open(\'{to}\')">Buka</button>',
                }.get(u.path, "<p>Situs lain</p>")
        data = f'<!doctype html><html lang="id"><title>Situs lain</title>{body}'.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *a):
        pass


@pytest.fixture(scope="module")
def sites():
    box = Box()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        box.start()
        yield box.base, f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        box.close()


def _store(d):
    d.set_script_timeout(WAIT_S)
    assert d.execute_async_script(STORE_JS, MARK) == "ok"
    assert _found(d) == [f"pbmark={MARK}", MARK, ["pbmark"]]


def _found(d):
    return d.execute_async_script(FOUND_JS)


def _on(d, origin):
    wait(d, lambda d: d.current_url.startswith(origin + "/"), f"the window did not reach {origin}")


def _by_link(d, box, other):
    d.get(other + "/link?to=" + quote(box + "/"))
    d.find_element(By.ID, "go").click()
    _on(d, box)
    _store(d)


def _by_redirect(d, box, other):
    d.get(other + "/redirect?to=" + quote(box + "/"))
    _on(d, box)
    _store(d)


def _in_new_window(d, box, other):
    d.get(other + "/open?to=" + quote(box + "/"))
    mine = d.current_window_handle
    d.find_element(By.ID, "go").click()
    wait(d, lambda d: len(d.window_handles) == 2, "no new window opened")
    d.switch_to.window([h for h in d.window_handles if h != mine][0])
    _on(d, box)
    _store(d)
    d.close()
    d.switch_to.window(mine)


def test_the_wipe_clears_what_a_page_stored(browser, sites):
    d = browser
    box, _ = sites
    d.get(box + "/")
    _store(d)
    _fresh_window(d)
    d.get(box + "/")
    assert _found(d) == ["", None, []], "the wipe left the marker"


@pytest.mark.parametrize("reach", [_by_link, _by_redirect, _in_new_window],
                         ids=["link", "redirect", "new-window"])
def test_what_an_origin_reached_not_by_get_stored_is_wiped(browser, sites, reach):
    d = browser
    box, other = sites
    d.get(box + "/")             # an earlier module used the box's origin:
    _fresh_window(d)             # it was wiped, and is forgotten
    reach(d, box, other)
    d.get(other + "/")           # the window leaves the box's origin
    wiped = _fresh_window(d)
    d.get(box + "/")
    assert _found(d) == ["", None, []], \
        f"{reach.__name__}: the box's origin kept what an earlier module stored"
    assert box in wiped, f"{reach.__name__}: the box's origin was not noted"
