"""Browser suite: a real pb-web with the demo modules, driven by Debian's
headless Chromium (its headless shell) through chromedriver (one Chromium
for the whole run, made as fresh as a new one for each test module)."""
import json
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import BUILD, Box  # noqa: E402

# Chromium's headless shell (Debian's chromium-headless-shell, the same
# Chromium 156 as the chromium package: Blink, V8, the network service and
# the compositor, without the browser window, tab strip and address bar
# that the full browser builds around each page even when headless). The
# pages render and run as there; a whole run costs about a quarter less
# processor, most of it the browser process's window work. The program
# itself, not /usr/bin/chromium-headless-shell: that script runs it without
# exec, and chromedriver would then stop the script instead of Chromium.
CHROMIUM = "/usr/lib/chromium/chromium-headless-shell"
# The full browser: only for a Chromium that speaks a language of its own
# (chromium_in), which the shell cannot.
CHROMIUM_FULL = "/usr/lib/chromium/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = os.path.join(BUILD, "screenshots")
PHONE = (360, 740)      # the phone the web app is designed for


@pytest.fixture(scope="module")
def demo_box():
    b = Box()
    b.demo()
    b.start()
    yield b
    b.close()


WAIT_S = 30          # generous: the machine may be shared and loaded


def wait(driver, cond, what, timeout=WAIT_S):
    """cond(driver) once it is true; fails with WHAT after timeout seconds.
    Pages redraw their lists: elements found on the way may go stale."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException]
                         ).until(lambda d: cond(d), message=what)


def set_viewport(driver, width, height, mobile=True):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


# Flags that spare CPU without changing what a page does: no GPU, no
# extensions, no background traffic to Google (sync, translation, component
# and field-trial updates, crash reports), no sound. (The full browser's
# headless mode, --headless=new, also needs its address-bar suggestion
# pages turned off, WebUIOmniboxPopup and WebUIOmniboxAimPopup, about 1.5 s
# of processor a window; the headless shell has no address bar.)
CHROMIUM_FLAGS = (
    "--no-sandbox", "--disable-gpu", "--disable-extensions",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-breakpad",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    "--no-first-run", "--no-default-browser-check", "--mute-audio",
    "--disable-dev-shm-usage", f"--window-size={PHONE[0]},{PHONE[1]}")


IS_DISPLAYED = "chromedriverIsElementDisplayed"
PERF_LOG_BATCH = 100000  # chromedriver hands out at most this many log entries a call


def _chromium(profile, lang=None):
    """A new Chromium that logs the origin of each document it opens, so
    that the origin's storage can be wiped when the next test module
    begins; with lang ("id", "en-US"), its own words (the bubbles of its
    form checks, its menus) in that language, as on a phone set to it
    (chromium-l10n brings them)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.remote.webelement import WebElement

    class Element(WebElement):
        def is_displayed(self):
            """chromedriver's own displayedness command: it runs Selenium's
            isDisplayed atom in the page as the client's is_displayed does,
            but the client would send the 80 KB atom as a script on every
            call (about 50 ms of processor a call against 14; the tests'
            waits call it again and again)."""
            return self._execute(IS_DISPLAYED)["value"]

    class Chromium(webdriver.Chrome):
        _web_element_cls = Element

        def close(self):
            """Close the current window, noting first the origin of every
            page it showed: a window the page opened was seen by the
            performance log only from when chromedriver took it up."""
            self.opened |= _window_origins(self)
            super().close()

    o = webdriver.ChromeOptions()
    if lang:
        # The headless shell carries no language packs: its own words (the
        # form checks' bubbles) are always English. A Chromium asked to
        # speak a language is the full browser, headless.
        o.binary_location = CHROMIUM_FULL
        flags = ("--headless=new",) + tuple(
            f + ",WebUIOmniboxPopup,WebUIOmniboxAimPopup" if f.startswith("--disable-features=")
            else f for f in CHROMIUM_FLAGS)
    else:
        o.binary_location = CHROMIUM
        # Tells chromedriver the browser is the headless shell: the shell
        # opens no first page of its own, chromedriver then opens it.
        o.set_capability("browserName", "chrome-headless-shell")
        flags = CHROMIUM_FLAGS
    for a in flags + (f"--user-data-dir={profile}",):
        o.add_argument(a)
    # The performance log, with the page events only (no network events):
    # each document a frame of any window commits, after redirects, however
    # it was reached (see _opened_origins).
    o.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    o.add_experimental_option("perfLoggingPrefs", {"enableNetwork": False, "enablePage": True})
    env = None
    if lang:
        o.add_argument(f"--lang={lang}")
        o.add_experimental_option("prefs", {"intl.accept_languages": lang})
        env = dict(os.environ, LANGUAGE=lang.replace("-", "_"))  # Linux takes its locale here
    d = Chromium(service=Service(CHROMEDRIVER, env=env), options=o)
    d.command_executor._commands[IS_DISPLAYED] = (
        "GET", "/session/$sessionId/element/$id/displayed")
    d.opened = set()
    return d


def _origin(url):
    """scheme://host:port of an http(s) URL; None for any other URL."""
    from urllib.parse import urlsplit
    u = urlsplit(url)
    return f"{u.scheme}://{u.netloc}" if u.scheme in ("http", "https") and u.netloc else None


def _window_origins(d):
    """The origins of the pages in the current window's history."""
    h = d.execute_cdp_cmd("Page.getNavigationHistory", {})
    return {_origin(e["url"]) for e in h["entries"]} - {None}


def _opened_origins(d):
    """The origins of the documents committed in any frame of any window
    since this was last asked (chromedriver's performance log, emptied by
    reading it): pages opened by get(), by a link, a form, a script or a
    redirect, in frames and in windows the page opened. Only a document can
    store anything for its origin (a fetch's cookies go with all cookies)."""
    found = set()
    while True:
        entries = d.get_log("performance")
        for e in entries:
            if '"Page.frameNavigated"' not in e["message"]:
                continue
            m = json.loads(e["message"])["message"]
            if m["method"] == "Page.frameNavigated":
                found.add(_origin(m["params"]["frame"]["url"]))
        if len(entries) < PERF_LOG_BATCH:
            break
    found.discard(None)
    return found


def _fresh_window(d):
    """Make the browser as a new one would be for the next test module: one
    new window (the old windows go, and with them every per-window setting a
    module made over DevTools: viewport, emulated media, user agent, network
    conditions, disabled scripts, scripts run on each new document), no
    cookies, no cache, nothing stored by any origin opened since the last
    wipe (an origin wiped before and opened again is opened again: wiped
    again), no browser log left over, the timeouts a new session has."""
    old = d.window_handles
    d.switch_to.new_window("window")
    fresh = d.current_window_handle
    for h in old:
        d.switch_to.window(h)
        d.close()
    d.switch_to.window(fresh)
    opened = d.opened | _opened_origins(d)
    d.opened = set()
    d.execute_cdp_cmd("Network.clearBrowserCookies", {})
    d.execute_cdp_cmd("Network.clearBrowserCache", {})
    for origin in sorted(opened):
        d.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"})
    assert d.get_cookies() == []
    d.get_log("browser")
    return opened


def _ready(d):
    d.implicitly_wait(0)
    d.set_script_timeout(30)
    d.set_page_load_timeout(30)
    d.set_window_rect(width=PHONE[0], height=PHONE[1])
    set_viewport(d, *PHONE)
    os.makedirs(SCREENSHOTS, exist_ok=True)


@pytest.fixture(scope="session")
def _chromium_session():
    """One Chromium for the whole run (starting one takes seconds of CPU):
    a list holding it, or a new one if a module left it unusable."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("chromium-headless-shell and chromium-driver are not installed "
                    "(make deps-test)")
    profile = tempfile.mkdtemp(prefix=f"pbtest-chromium-{os.getpid()}-")
    held = []
    try:
        yield held, profile
    finally:
        for d in held:
            d.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser(_chromium_session):
    """The browser for one test module: Chromium at the phone's size, as
    fresh as a new one (see _fresh_window); a new Chromium if the old one
    cannot be made so."""
    held, profile = _chromium_session
    d = held[0] if held else None
    if d is not None:
        try:
            _fresh_window(d)
        except Exception:       # a dialog left open, a crashed tab: start anew
            held.clear()
            try:
                d.quit()
            except Exception:
                pass
            shutil.rmtree(profile, ignore_errors=True)
            os.makedirs(profile)
            d = None
    if d is None:
        d = _chromium(profile)
        held.append(d)
    _ready(d)
    yield d


def chromium_in(lang):
    """A Chromium of its own speaking lang, at the phone's size, with a
    profile of its own: (driver, profile); the caller quits it and removes
    the profile."""
    profile = tempfile.mkdtemp(prefix=f"pbtest-chromium-{lang}-{os.getpid()}-")
    d = _chromium(profile, lang)
    _ready(d)
    return d, profile


def staff_login(d, box, user, password):
    """Log in on the staff page, as a person would; the browser keeps the
    cookie for the box's other pages. The page's /api/v1/me before the
    login (401) is logged by Chromium: that log is read and dropped here."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    d.get(box.base + "/petugas.html")
    WebDriverWait(d, WAIT_S).until(lambda drv: drv.find_element(By.ID, "login-view").is_displayed()
                               or drv.find_element(By.ID, "app-view").is_displayed())
    if d.find_element(By.ID, "login-view").is_displayed():
        fill_login(d, user, password)
        WebDriverWait(d, WAIT_S).until(lambda drv: drv.find_element(By.ID, "app-view").is_displayed())
    d.get_log("browser")


def printed(d, name):
    """The page printed to PDF as the print dialog would (its CSS page size,
    backgrounds), kept as SCREENSHOTS/name, and its text read back with
    pdftotext -layout: (path, text). The caller emulates print media."""
    import base64
    import subprocess
    pdf = d.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                               "printBackground": True})
    path = os.path.join(SCREENSHOTS, name)
    with open(path, "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    text = subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    return path, text


def open_claims(d, cb, nuptk):
    """On klaim.html of a ClaimBox (tests/system/claims_util.py) the teacher
    with this NUPTK opens their claims with the session code, as a person
    would; returns once the page shows the session (the cards draw after)."""
    from selenium.webdriver.common.by import By
    d.get(cb.base + "/klaim.html")
    wait(d, lambda d: d.find_element(By.ID, "session").get_attribute("value") == str(cb.sid),
         "session not offered")
    d.find_element(By.ID, "nuptk").send_keys(nuptk)
    d.find_element(By.ID, "code").send_keys(cb.staff.code(cb.sid))
    d.find_element(By.ID, "open").click()


def fill_login(d, user, password):
    """Type into the staff login form of the page shown (any staff page draws
    it: webapp/js/staff-common.js) and send it."""
    from selenium.webdriver.common.by import By
    d.find_element(By.ID, "user").send_keys(user)
    d.find_element(By.ID, "password").send_keys(password)
    d.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


class Boxes:
    """A make_box for the helpers of tests/system (ClaimBox, LearnBox) in a
    browser test: each call makes a pbtest.Box and keeps it; close() closes
    them all."""

    def __init__(self):
        self.boxes = []

    def __call__(self, **kw):
        b = Box(**kw)
        self.boxes.append(b)
        return b

    def close(self):
        for b in self.boxes:
            b.close()


def started_box(sections=""):
    """A box with a facilitator account, started; and that facilitator
    logged in over the API (tests/system/attendance_util.py)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                    "system"))
    from attendance_util import Staff, add_staff
    box = Box(sections=sections or None)
    try:
        box.start()
        add_staff(box)
        return box, Staff(box)
    except BaseException:
        box.close()
        raise


# Whatever of `main` lies past the viewport's right (or left) edge at the
# current width, as "tag#id.class right" strings; elements inside an
# ancestor matching `allowed` (a scroller kept on purpose) are left out.
_OVERFLOW_JS = """
var w = document.documentElement.clientWidth, allowed = arguments[0], out = [];
var all = document.querySelectorAll('main *'), i, e, r;
for (i = 0; i < all.length; i++) {
    e = all[i];
    if (allowed && e.closest(allowed))
        continue;
    r = e.getBoundingClientRect();
    if (r.width === 0 && r.height === 0)
        continue;
    if (r.right > w + 0.5 || r.left < -0.5)
        out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                 (e.className && e.className.baseVal === undefined ? '.' + e.className : '') +
                 ' ' + Math.round(r.left) + '..' + Math.round(r.right));
}
return out;
"""


def overflowing(driver, allowed=None):
    """Elements of main sticking out of the viewport sideways ([] when none)."""
    return driver.execute_script(_OVERFLOW_JS, allowed)


def assert_inside(driver, elements, what):
    """Each element lies wholly within the viewport's width."""
    w = driver.execute_script("return document.documentElement.clientWidth")
    for e in elements:
        r = driver.execute_script(
            "var r = arguments[0].getBoundingClientRect();"
            " return [r.left, r.right, r.width];", e)
        assert r[2] > 0 and r[0] >= -0.5 and r[1] <= w + 0.5, \
            f"{what}: {e.tag_name} '{e.text or e.get_attribute('id')}' at {r[0]:.0f}..{r[1]:.0f} " \
            f"outside 0..{w}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A browser test that failed leaves what the browser showed: a
    screenshot build/screenshots/FAILED-<test>.png, and the page's address
    and console messages in the report (a failure seen once on a loaded
    machine can then be read afterwards)."""
    outcome = yield
    report = outcome.get_result()
    d = item.funcargs.get("browser") if hasattr(item, "funcargs") else None
    if report.when != "call" or not report.failed or d is None:
        return
    name = "".join(c if c.isalnum() or c in "-_." else "_" for c in item.name)
    lines = []
    try:
        d.save_screenshot(os.path.join(SCREENSHOTS, f"FAILED-{name}.png"))
        lines.append(f"address: {d.current_url}")
        lines += [f"console {e.get('level')}: {e.get('message')}" for e in d.get_log("browser")]
    except Exception as e:          # a crashed tab: say so, keep the test's own failure
        lines.append(f"browser state not readable: {e!r}")
    report.sections.append(("browser at the failure", "\n".join(lines)))
