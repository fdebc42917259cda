"""The module browser in a real Chromium at phone size (360x740) against a
real pb-web holding the demo modules: language switch, search, KK and
subject filters, the module view (video in the page, PDF, worksheet, the
"Unduh ke HP" links), first-page weight and colour contrast.

Screenshots land in build/screenshots/modules-*.png."""
import gzip
import os
import re
import sys
import subprocess
from urllib.parse import urljoin, urlparse

import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from a11y import audit
from conftest import PHONE, SCREENSHOTS, set_viewport
from pbtest import ROOT

FIRST_PAGE_MAX = 60 * 1024      # issue 2: first page <= 60 KB transferred
CONTRAST_MIN = 4.5              # WCAG AA, normal text
WAIT_S = 10
VIDEO_MODULE = "kk-a-pedagogik-karakteristik"   # demo module with video, PDF, worksheet


def wait(driver, cond, what, timeout=WAIT_S):
    # The list is redrawn as answers arrive: an element found a moment ago
    # may be gone, which only means "not yet".
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
                         ).until(lambda d: cond(d), message=what)


def shot(driver, name):
    path = os.path.join(SCREENSHOTS, f"modules-{name}.png")
    # Full page height, so the screenshot shows what a phone user scrolls to.
    h = driver.execute_script("return document.documentElement.scrollHeight")
    w = driver.execute_script("return window.innerWidth")
    set_viewport(driver, w, max(int(h), PHONE[1]), mobile=w <= PHONE[0])
    driver.save_screenshot(path)
    set_viewport(driver, w, PHONE[1], mobile=w <= PHONE[0])
    return path


def api(box, path, **params):
    r = requests.get(box.base + path, params=params, timeout=10)
    r.raise_for_status()
    return r.json()


def cards(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#results a.pb-card")


def card_titles(driver):
    return [c.find_element(By.CSS_SELECTOR, ".pb-card-title").text for c in cards(driver)]


def list_settled(driver, expected_count):
    """The list shows expected_count cards and no request is pending."""
    status = driver.find_element(By.ID, "list-status").text
    return len(cards(driver)) == expected_count and not status.startswith(("Memuat", "Loading"))


def console_errors(driver, allow=()):
    """Console errors since the last call (script errors, CSP refusals,
    failed loads), less those matching a pattern in allow."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and not any(re.search(a, e["message"]) for a in allow)]


def open_home(driver, box):
    driver.get(box.base + "/")
    total = api(box, "/api/v1/modules")["count"]
    wait(driver, lambda d: list_settled(d, total), "module list did not load")
    return total


def test_first_page_weight(browser, demo_box):
    """First visit with an empty cache: everything the page fetches (HTML,
    CSS, JS, locale files, API JSON), as sent on the wire, is <= 60 KB."""
    d = browser
    open_home(d, demo_box)
    entries = d.execute_script("""
        var out = [], nav = performance.getEntriesByType('navigation')[0];
        out.push({name: nav.name, transfer: nav.transferSize, encoded: nav.encodedBodySize,
                  decoded: nav.decodedBodySize});
        performance.getEntriesByType('resource').forEach(function (e) {
            out.push({name: e.name, transfer: e.transferSize, encoded: e.encodedBodySize,
                      decoded: e.decodedBodySize});
        });
        return out;""")
    names = [urlparse(e["name"]).path for e in entries]
    for must in ("/", "/app.css", "/js/common.js", "/js/modules.js",
                 "/locale/id/common.json", "/locale/id/modules.json", "/api/v1/modules"):
        assert must in names, f"{must} not loaded: {names}"
    for e in entries:
        assert e["name"].startswith(demo_box.base), f"off-box request (CDN?): {e['name']}"
        assert e["transfer"] > 0, f"{e['name']} came from a cache, not the wire"
    browser_total = sum(e["transfer"] for e in entries)

    # The same set over HTTP with gzip, body bytes as pb-web sends them.
    wire_total = 0
    for e in entries:
        r = requests.get(e["name"], headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
        body = r.raw.read()
        wire_total += len(body)
        if len(body) > 1500 and r.headers.get("Content-Type", "").startswith(
                ("text/", "application/json")):
            assert r.headers.get("Content-Encoding") == "gzip", f"{e['name']} not gzipped"
            assert len(gzip.decompress(body)) > len(body)
    print(f"first page: {len(entries)} requests, {browser_total} B (browser transferSize), "
          f"{wire_total} B (gzip bodies over HTTP)")
    assert browser_total <= FIRST_PAGE_MAX, f"first page weighs {browser_total} B"
    assert wire_total <= FIRST_PAGE_MAX, f"first page weighs {wire_total} B"
    shot(d, "home-id")
    assert console_errors(d) == []
    audit(d, "library")


def test_language_switch_remembered(browser, demo_box):
    d = browser
    open_home(d, demo_box)
    html = d.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "id"
    assert d.find_element(By.ID, "list-heading").text == "Modul belajar"
    assert d.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Cari modul"
    centre = api(demo_box, "/healthz")["centre"]
    assert d.find_element(By.CSS_SELECTOR, ".pb-header .pb-centre").text == centre

    btn = d.find_element(By.ID, "pb-lang")
    assert btn.tag_name == "button" and btn.text == "English"
    btn.click()
    wait(d, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en",
         "lang attribute did not switch to en")
    assert d.find_element(By.ID, "list-heading").text == "Learning modules"
    assert d.find_element(By.CSS_SELECTOR, "label[for=q]").text == "Search modules"
    assert re.match(r"\d+ modules? found", d.find_element(By.ID, "list-status").text)
    assert d.find_element(By.ID, "pb-lang").text == "Bahasa Indonesia"
    shot(d, "home-en")

    # Remembered across a reload.
    open_home(d, demo_box)
    wait(d, lambda d: d.find_element(By.ID, "list-heading").text == "Learning modules",
         "English was not remembered")
    d.find_element(By.ID, "pb-lang").click()
    wait(d, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id",
         "lang attribute did not switch back to id")
    assert d.find_element(By.ID, "list-heading").text == "Modul belajar"
    assert d.execute_script("return localStorage.getItem('pb.lang')") == "id"


def test_search(browser, demo_box):
    d = browser
    total = open_home(d, demo_box)
    expect = api(demo_box, "/api/v1/modules", q="aljabar")["modules"]
    assert len(expect) >= 1
    q = d.find_element(By.ID, "q")
    q.send_keys("aljabar")      # typing alone searches, after a short pause
    wait(d, lambda d: list_settled(d, len(expect)), "typing did not narrow the list")
    assert card_titles(d) == [m["title"] for m in expect]
    shot(d, "search")

    q.clear()
    q.send_keys("ALJABAR")
    d.find_element(By.CSS_SELECTOR, "#search-form button[type=submit]").click()
    wait(d, lambda d: list_settled(d, len(expect)), "the search button did not search")
    assert card_titles(d) == [m["title"] for m in expect]

    q.clear()
    q.send_keys("tidak-ada-modul-seperti-ini")
    q.submit()
    wait(d, lambda d: d.find_elements(By.ID, "clear-filters"), "no empty state")
    assert "Tidak ada modul" in d.find_element(By.CSS_SELECTOR, "#results .pb-empty").text
    d.find_element(By.ID, "clear-filters").click()
    wait(d, lambda d: list_settled(d, total), "clearing did not bring back every module")
    assert d.find_element(By.ID, "q").get_attribute("value") == ""


def test_filter_by_kk_and_subject(browser, demo_box):
    d = browser
    open_home(d, demo_box)
    kk = Select(d.find_element(By.ID, "kk"))
    assert [o.get_attribute("value") for o in kk.options] == [""] + list("ABCDEFGHIJ")
    subjects = api(demo_box, "/api/v1/modules")["subjects"]
    subject = Select(d.find_element(By.ID, "subject"))
    assert [o.get_attribute("value") for o in subject.options] == [""] + subjects

    expect_b = api(demo_box, "/api/v1/modules", kk="B")["modules"]
    kk.select_by_value("B")
    wait(d, lambda d: list_settled(d, len(expect_b)), "KK filter did not apply")
    assert card_titles(d) == [m["title"] for m in expect_b]
    for c in cards(d):
        assert c.find_element(By.CSS_SELECTOR, ".pb-badge").text == "KK B"

    expect_bm = api(demo_box, "/api/v1/modules", kk="B", subject="Matematika")["modules"]
    assert 0 < len(expect_bm) < len(expect_b)
    subject.select_by_value("Matematika")
    wait(d, lambda d: list_settled(d, len(expect_bm)), "subject filter did not apply")
    assert card_titles(d) == [m["title"] for m in expect_bm]
    shot(d, "filter")
    # Every subject stays selectable while a filter is on.
    assert len(Select(d.find_element(By.ID, "subject")).options) == len(subjects) + 1


def test_module_view(browser, demo_box):
    d = browser
    open_home(d, demo_box)
    m = api(demo_box, f"/api/v1/modules/{VIDEO_MODULE}")
    link = d.find_element(By.CSS_SELECTOR, f'#results a[href="#/m/{VIDEO_MODULE}"]')
    link.click()
    wait(d, lambda d: d.find_elements(By.ID, "module-title"), "module view did not open")
    assert d.current_url.endswith(f"#/m/{VIDEO_MODULE}")
    assert d.find_element(By.ID, "module-title").text == m["title"]
    assert not d.find_element(By.ID, "list-view").is_displayed()

    by_kind = {}
    for f in m["files"]:
        by_kind.setdefault(f["mime"].split(";")[0], f)
    video = by_kind["video/mp4"]
    v = d.find_element(By.CSS_SELECTOR, "#module-view video")
    assert v.get_attribute("controls") is not None
    assert v.get_attribute("preload") == "metadata"
    assert urlparse(v.get_attribute("src")).path == urlparse(urljoin(demo_box.base, video["url"])).path
    # Plays in the page: the browser fetched and decoded its metadata.
    wait(d, lambda d: d.execute_script(
        "var v = document.querySelector('#module-view video');"
        "return v.error === null && v.readyState >= 1 && v.duration > 0;"),
        "video metadata did not load in the page")
    # Its captions (the module's .vtt named like the video, served as
    # text/vtt) are a <track> the player loads and shows in Indonesian.
    vtt = by_kind["text/vtt"]
    assert vtt["name"] == video["name"][:-len(".mp4")] + ".id.vtt"
    r = requests.get(urljoin(demo_box.base, vtt["url"]), timeout=10)
    assert r.headers["Content-Type"].startswith("text/vtt") and r.text.startswith("WEBVTT")
    track = d.find_element(By.CSS_SELECTOR, "#module-view video track")
    assert track.get_attribute("kind") == "captions"
    assert track.get_attribute("srclang") == "id"
    assert track.get_attribute("label") == "Bahasa Indonesia"
    assert urlparse(track.get_attribute("src")).path == urlparse(urljoin(demo_box.base, vtt["url"])).path
    cues = wait(d, lambda d: d.execute_script(
        "var t = document.querySelector('#module-view video').textTracks[0];"
        "return t && t.mode === 'showing' && t.cues && t.cues.length ?"
        " Array.prototype.map.call(t.cues, function (c) { return c.text; }) : null;"),
        "captions did not load in the player")
    assert len(cues) == r.text.count("-->") and cues[0].startswith("Selamat datang")
    # ... and belong to the video: no card of their own among the files
    names = [h.text for h in d.find_elements(By.CSS_SELECTOR, "#module-view .pb-file-name")]
    assert vtt["name"] not in names and video["name"] in names, names
    assert not d.find_elements(By.CSS_SELECTOR, "#module-view .pb-file-captions")
    assert len(names) == len(m["files"]) - 1

    pdf = by_kind["application/pdf"]
    opens = [a.get_attribute("href") for a in
             d.find_elements(By.CSS_SELECTOR, "#module-view .pb-file-pdf a.pb-btn:not(.pb-download)")]
    assert opens == [urljoin(demo_box.base, pdf["url"])]
    assert not d.find_elements(By.CSS_SELECTOR, "#module-view iframe"), \
        "no inline PDF on a phone (Android Chrome cannot show it)"

    text = by_kind["text/plain"]
    want = requests.get(demo_box.base + text["url"], timeout=10).text
    wait(d, lambda d: d.find_element(By.CSS_SELECTOR, "#module-view pre.pb-text")
         .get_attribute("textContent") == want, "worksheet text not shown")

    downloads = d.find_elements(By.CSS_SELECTOR, "#module-view a.pb-download")
    cards = [f for f in m["files"] if f is not vtt]       # the captions go with the video
    assert len(downloads) == len(cards)
    for a, f in zip(downloads, cards):
        href = a.get_attribute("href")
        assert "download=1" in urlparse(href).query
        assert a.text.startswith("Unduh ke HP (") and a.text.endswith(")")
        assert f["name"] in a.get_attribute("aria-label")
        r = requests.head(href, timeout=10)
        assert r.status_code == 200
        assert int(r.headers["Content-Length"]) == f["size"]
        cd = r.headers.get("Content-Disposition", "")
        assert cd.startswith("attachment"), cd
    shot(d, "module")
    audit(d, "module page")

    d.find_element(By.ID, "back").click()
    wait(d, lambda d: d.find_element(By.ID, "list-view").is_displayed(), "back did not work")
    assert not d.find_elements(By.CSS_SELECTOR, "#module-view video")
    assert console_errors(d) == []


def test_wide_screen_shows_pdf_inline(browser, demo_box):
    d = browser
    set_viewport(d, 1280, 800, mobile=False)
    try:
        d.get(f"{demo_box.base}/#/m/{VIDEO_MODULE}")
        wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#module-view iframe.pb-pdf"),
             "no inline PDF on a wide screen")
        f = d.find_element(By.CSS_SELECTOR, "#module-view iframe.pb-pdf")
        assert f.get_attribute("title")
        assert f.is_displayed()
        shot(d, "module-wide")
        audit(d, "module page, 1280 px")
    finally:
        set_viewport(d, *PHONE)


def test_unknown_module_and_english_errors(browser, demo_box):
    d = browser
    d.get(f"{demo_box.base}/#/m/tidak-ada")
    alert = wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#module-view [role=alert]"),
                 "no error shown for an unknown module")[0]
    assert "tidak ada di kotak" in alert.text
    audit(d, "unknown module", both_languages=False)
    # The console log is read (so the checks for no errors elsewhere mean something).
    assert any("404" in m for m in console_errors(d))
    d.find_element(By.ID, "pb-lang").click()
    wait(d, lambda d: "not on the box" in
         d.find_element(By.CSS_SELECTOR, "#module-view [role=alert]").text,
         "error not translated")
    d.find_element(By.ID, "pb-lang").click()
    wait(d, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id",
         "did not switch back")


def test_box_unreachable_then_retry(browser, demo_box):
    """pb-web stops while the page is open: the next search says so in
    Indonesian, and 'Coba lagi' works once the box is back."""
    d = browser
    total = open_home(d, demo_box)
    console_errors(d)
    demo_box.stop()
    try:
        Select(d.find_element(By.ID, "kk")).select_by_value("C")
        err = wait(d, lambda d: d.find_element(By.ID, "list-error").is_displayed()
                   and d.find_element(By.ID, "list-error"), "no error while the box is down")
        assert "tidak terjangkau" in err.text
        assert cards(d) == []
        shot(d, "offline")
    finally:
        demo_box.start()
    expect = api(demo_box, "/api/v1/modules", kk="C")["count"]
    assert expect != total
    d.find_element(By.CSS_SELECTOR, "#list-error button").click()
    wait(d, lambda d: list_settled(d, expect), "retry did not load the list")
    assert not d.find_element(By.ID, "list-error").is_displayed()
    console_errors(d)           # the refused requests are expected here


PORTAL_UA = ("Mozilla/5.0 (Linux; Android 7.0; SM-J701F Build/NRD90M; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/55.0.2883.91 Mobile Safari/537.36")


def test_portal_window_banner(browser, demo_box):
    """In an Android WebView (what the Wi-Fi sign-in window is) the page
    tells the user at the top to open the real browser; in Chromium it
    does not, and the footer hint is there in both."""
    d = browser
    open_home(d, demo_box)
    # The banner is in the page's header, shown only in such a window.
    assert not d.find_element(By.ID, "pb-portal-banner").is_displayed()
    assert "http://belajar.lan" in d.find_element(By.ID, "pb-portal-hint").text
    real_ua = d.execute_script("return navigator.userAgent")
    d.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": PORTAL_UA})
    try:
        open_home(d, demo_box)
        banner = d.find_element(By.ID, "pb-portal-banner")
        assert banner.is_displayed()
        assert "http://belajar.lan" in banner.text and "browser" in banner.text
        assert "http://belajar.lan" in d.find_element(By.ID, "pb-portal-hint").text
        shot(d, "portal")
        audit(d, "library in the Wi-Fi sign-in window")
    finally:
        d.execute_cdp_cmd("Emulation.setUserAgentOverride", {"userAgent": real_ua})


# ---- accessibility ----

def relative_luminance(rgb):
    def chan(c):
        c = c / 255.0
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (chan(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg):
    a, b = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def parse_color(s):
    m = re.match(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)", s)
    assert m, f"unexpected colour {s!r}"
    return [float(m.group(i)) for i in (1, 2, 3)], float(m.group(4) or 1)


# The text colour of each visible element matching these, against the first
# opaque background behind it (text over a partly transparent colour is
# blended onto what lies below).
CONTRAST_JS = """
var sel = arguments[0], out = [];
function bgOf(el) {
  var layers = [];
  for (; el && el.nodeType === 1; el = el.parentElement) {
    var c = getComputedStyle(el).backgroundColor;
    if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') {
      layers.push(c);
      if (!/rgba/.test(c)) break;
    }
  }
  if (!el) layers.push('rgb(255, 255, 255)');
  return layers;
}
document.querySelectorAll(sel).forEach(function (el) {
  var r = el.getBoundingClientRect();
  if (!r.width || !r.height || !el.textContent.trim()) return;
  out.push({sel: el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') +
                 (el.id ? '#' + el.id : ''),
            text: el.textContent.trim().slice(0, 40),
            color: getComputedStyle(el).color, bg: bgOf(el)});
});
return out;
"""
CONTRAST_SELECTORS = ("body, p, label, h1, h2, h3, a, button, option, .pb-meta, .pb-badge, "
                      ".pb-status, .pb-centre, .pb-card-title, .pb-hint, .pb-small, pre")


def check_contrast(d, where):
    items = d.execute_script(CONTRAST_JS, CONTRAST_SELECTORS)
    assert len(items) > 10, f"{where}: too few elements measured"
    kinds = set()
    bad = []
    for it in items:
        fg, fa = parse_color(it["color"])
        bg = [255.0, 255.0, 255.0]
        for layer in reversed(it["bg"]):
            c, a = parse_color(layer)
            bg = [c[i] * a + bg[i] * (1 - a) for i in range(3)]
        fg = [fg[i] * fa + bg[i] * (1 - fa) for i in range(3)]
        ratio = contrast(fg, bg)
        kinds.add(it["sel"].split(".")[0].split("#")[0])
        if ratio < CONTRAST_MIN:
            bad.append(f"{it['sel']} {it['text']!r}: {ratio:.2f} ({it['color']} on {it['bg']})")
    assert not bad, f"{where}: contrast below {CONTRAST_MIN}:1:\n" + "\n".join(bad)
    return kinds


def test_contrast_wcag_aa(browser, demo_box):
    d = browser
    open_home(d, demo_box)
    kinds = check_contrast(d, "module list")
    assert {"body", "button", "a", "label"} <= kinds
    d.get(f"{demo_box.base}/#/m/{VIDEO_MODULE}")
    wait(d, lambda d: d.find_elements(By.ID, "module-title"), "module view did not open")
    kinds = check_contrast(d, "module view")
    assert {"a", "h1", "pre"} <= kinds


def test_controls_are_labelled(browser, demo_box):
    d = browser
    open_home(d, demo_box)
    unlabelled = d.execute_script("""
        var bad = [];
        document.querySelectorAll('input, select, textarea').forEach(function (el) {
          var byFor = el.id && document.querySelector('label[for="' + el.id + '"]');
          if (!(byFor && byFor.textContent.trim()) && !el.getAttribute('aria-label'))
            bad.push(el.outerHTML);
        });
        document.querySelectorAll('button, a').forEach(function (el) {
          if (!(el.textContent.trim() || el.getAttribute('aria-label'))) bad.push(el.outerHTML);
        });
        document.querySelectorAll('[onclick], [role=button]').forEach(function (el) {
          bad.push(el.outerHTML);
        });
        return bad;""")
    assert unlabelled == []
    # Touch targets: buttons, fields and cards are at least 44 px high.
    small = d.execute_script("""
        var bad = [];
        document.querySelectorAll('button, input, select, a.pb-card, a.pb-btn').forEach(
          function (el) { var h = el.getBoundingClientRect().height;
                          if (h && h < 44) bad.push(el.outerHTML.slice(0, 80) + ' ' + h); });
        return bad;""")
    assert small == []
    # Keyboard: the first Tab reaches the skip link, which leads into the page.
    d.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = d.switch_to.active_element
    assert "pb-skip" in active.get_attribute("class") and active.is_displayed()
    active.send_keys(Keys.ENTER)
    wait(d, lambda d: d.switch_to.active_element.get_attribute("id") == "main",
         "the skip link did not move focus to the content")
    # Nothing wider than the phone (no sideways scrolling at 360 px).
    assert d.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]


# The Android browsers of 2016 parse ES5 only: every script must parse as
# ES5 (acorn, Debian's node-acorn), and must not call what those browsers
# lack (a text check: a parser cannot tell a missing API).
MISSING_ON_OLD_BROWSERS = {
    "fetch/Promise": r"\b(fetch|Promise)\b",
    "NodeList.forEach": r"querySelectorAll\([^)]*\)\.forEach",
    "Array.from/includes, Object.assign": r"\b(Array\.from|\.includes\(|Object\.assign)",
    "closest/append/prepend": r"\.(closest|append|prepend)\(",
}
ACORN = "/usr/bin/acorn"
# What `acorn --ecma5 --silent FILE` does, for every file named, in one node:
# each file parsed alone as an ES5 script; one line per file that is not.
ACORN_EACH = """
var acorn = require(process.argv[1]), fs = require('fs'), bad = 0;
process.argv.slice(2).forEach(function (path) {
  try { acorn.parse(fs.readFileSync(path, 'utf8'), {ecmaVersion: 5}); }
  catch (e) { bad = 1; console.log(path + '\\t' + e.message); }
});
process.exit(bad);
"""


def test_scripts_are_es5():
    assert os.path.exists(ACORN), "node-acorn is not installed (make deps-test)"
    lib = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(ACORN))),
                       "dist", "acorn.js")
    folder = os.path.join(ROOT, "webapp", "js")
    scripts = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".js"))
    assert scripts
    found = []
    p = subprocess.run(["/usr/bin/node", "-e", ACORN_EACH, lib, *scripts], capture_output=True,
                       text=True, timeout=120)
    parsed = dict(line.split("\t", 1) for line in p.stdout.splitlines() if "\t" in line)
    assert p.returncode == (1 if parsed else 0), f"acorn did not run: {p.stdout}{p.stderr}"
    for path in scripts:
        if path in parsed:
            found.append(f"{os.path.basename(path)}: not ES5: {parsed[path]}")
        with open(path) as f:
            code = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        code = re.sub(r"(^|[^:\\])//[^\n]*", r"\1", code)
        for what, pat in MISSING_ON_OLD_BROWSERS.items():
            for m in re.finditer(pat, code):
                line = code[:m.start()].count("\n") + 1
                found.append(f"{os.path.basename(path)}: {what} near line {line}: {m.group(0)!r}")
    assert found == []


def test_long_catalogue_comes_in_pages(browser, tmp_path):
    """A centre with many modules: the first page shows 40 and a button
    fetches the rest, so the first page stays light whatever the catalogue."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "system"))
    from content_fixture import make_folder
    from pbtest import Box
    n = 45
    b = Box()
    try:
        make_folder(str(tmp_path / "usb"), [{
            "id": f"m-{i:03d}", "title": f"Modul {i:03d}", "kk": "ABCDEFGHIJ"[i % 10],
            "subject": "IPA", "level": "SMP",
            "files": [(f"m{i}.txt", f"isi {i}".encode(), None)]} for i in range(n)])
        b.pbctl("content", "import", str(tmp_path / "usb"))
        b.start()
        browser.get(b.base + "/")
        wait(browser, lambda d: list_settled(d, 40), "first page of 40 did not load")
        status = browser.find_element(By.ID, "list-status").text
        assert "40" in status and str(n) in status
        browser.find_element(By.ID, "more").click()
        wait(browser, lambda d: list_settled(d, n), "the rest did not load")
        assert not browser.find_elements(By.ID, "more")
        titles = card_titles(browser)
        assert len(set(titles)) == n
    finally:
        b.close()
