"""The teacher pages do not jump while they load: on a 360 px phone whose
every request takes 400 ms more (so the strings, the centre's name and the
data arrive well after the first paint, as on a busy hotspot), the
cumulative layout shift the browser reports stays at most 0.05. A tap
aimed at Lanjut or a check-in field must land where the finger went.

First, the measurement itself is checked: a header drawn by script after
the first paint (what the pages did before their header was in the HTML)
is seen as a large shift."""
import os
import time

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from a11y import CLS_MAX, assert_no_layout_shift, layout_shift
from conftest import PHONE, set_viewport

LATENCY_MS = 400
WAIT_S = 60
VIDEO_MODULE = "kk-a-pedagogik-karakteristik"


@pytest.fixture
def slow_network(browser):
    d = browser
    set_viewport(d, *PHONE)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": False, "latency": LATENCY_MS, "downloadThroughput": -1,
        "uploadThroughput": -1})
    try:
        yield d
    finally:
        d.execute_cdp_cmd("Network.emulateNetworkConditions", {
            "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
        d.execute_cdp_cmd("Network.disable", {})


def loaded(d):
    """The number of finished requests has not changed for longer than one
    request takes (a chain of requests is still running otherwise)."""
    count = "return performance.getEntriesByType('resource').length"
    before = d.execute_script(count)
    time.sleep(LATENCY_MS * 3 / 1000)
    return d.execute_script(count) == before


def settle(d, cond, what):
    """The page's answers have arrived: the centre's name is in the header
    (common.js fills it with the strings), the page shows cond, and no
    request is still coming in."""
    WebDriverWait(d, WAIT_S, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: drv.find_element(By.ID, "pb-centre").text and cond(drv) and loaded(drv),
        message=what)


def anything(d):
    return True


PAGES = [
    ("library", "/", lambda d: d.find_elements(By.CSS_SELECTOR, "#results a.pb-card")),
    ("module page", f"/#/m/{VIDEO_MODULE}", lambda d: d.execute_script(
        "var p = document.querySelector('#module-view pre.pb-text');"
        "return !!p && p.textContent.length > 40;")),
    ("portal", "/portal", lambda d: d.find_element(By.ID, "portal-ip").text.startswith("http")),
    ("check-in", "/presensi.html", anything),
    ("claims", "/klaim.html", anything),
]


def test_measurement_sees_a_header_drawn_late(slow_network, demo_box):
    d = slow_network
    d.get(demo_box.base + "/presensi.html")
    settle(d, anything, "check-in page did not load")
    before, _ = layout_shift(d)
    # What common.js did before: fill an empty header once the strings came.
    d.execute_script("""
        var h = document.getElementById('pb-header'), kept = h.cloneNode(true);
        h.innerHTML = '';
        requestAnimationFrame(function () { requestAnimationFrame(function () {
          h.parentNode.replaceChild(kept, h); }); });""")
    WebDriverWait(d, WAIT_S).until(lambda drv: layout_shift(drv)[0] > before + CLS_MAX,
                                   message="a header drawn late was not measured as a shift")


@pytest.mark.parametrize("name,path,ready", PAGES, ids=[p[0] for p in PAGES])
def test_teacher_page_does_not_move(slow_network, demo_box, name, path, ready):
    d = slow_network
    d.get("about:blank")            # a fresh load, also for a URL that differs by #
    d.get(demo_box.base + path)
    settle(d, ready, f"{name} did not load")
    total = assert_no_layout_shift(d, name)
    print(f"{name}: cumulative layout shift {total:.4f} (requests +{LATENCY_MS} ms)")


def test_every_page_carries_its_header():
    """What the pages do not draw late must be in each page's HTML: the
    brand, the centre's line, the language button, the sign-in window's
    banner and the menu, whose links lead to pages that exist and mark the
    page itself. A page added with an empty <header> fails here."""
    from html.parser import HTMLParser
    from pbtest import ROOT

    class Header(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth = 0          # inside <header id="pb-header">
            self.ids, self.links = set(), []

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "header" and a.get("id") == "pb-header":
                self.depth = 1
            elif self.depth:
                self.depth += tag not in ("br", "img", "input")
                if a.get("id"):
                    self.ids.add(a["id"])
                if tag == "a" and self.in_nav:
                    self.links.append((a.get("href"), a.get("aria-current")))
                if tag == "nav":
                    self.in_nav = True

        def handle_endtag(self, tag):
            if self.depth:
                self.depth -= 1
                if tag == "nav":
                    self.in_nav = False

        in_nav = False

    folder = os.path.join(ROOT, "webapp")
    pages = sorted(n for n in os.listdir(folder) if n.endswith(".html"))
    assert "index.html" in pages and "presensi.html" in pages
    problems = []
    for name in pages:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            text = f.read()
        if 'id="pb-header"' not in text:
            continue
        if name == "kantor.html":           # the office's page, served by pb-hub: no box menu
            continue
        h = Header()
        h.feed(text)
        missing = {"pb-centre", "pb-lang", "pb-portal-banner"} - h.ids
        if missing:
            problems.append(f"{name}: header without {sorted(missing)}")
        if name == "proyektor.html":        # shown to a room: no menu
            if h.links:
                problems.append(f"{name}: the projector view carries a menu")
        elif not h.links:
            problems.append(f"{name}: header without a menu")
        own = "/" if name == "index.html" else "/" + name
        for href, current in h.links:
            target = "index.html" if href == "/" else href.lstrip("/")
            if target not in pages:
                problems.append(f"{name}: menu links {href}, which is not a page")
            if (href == own) != (current == "page"):
                problems.append(f"{name}: menu link {href} aria-current={current!r}")
    assert problems == [], "\n".join(problems)
