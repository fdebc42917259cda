"""Browser suite: a real pb-web with the demo modules, driven by Debian's
headless Chromium through chromedriver (one browser for the whole module)."""
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import BUILD, Box  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
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


def set_viewport(driver, width, height, mobile=True):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.fail("chromium and chromium-driver are not installed (make deps-test)")
    profile = tempfile.mkdtemp(prefix=f"pbtest-chromium-{os.getpid()}-")
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
              f"--user-data-dir={profile}", f"--window-size={PHONE[0]},{PHONE[1]}"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    try:
        d.set_page_load_timeout(30)
        set_viewport(d, *PHONE)
        os.makedirs(SCREENSHOTS, exist_ok=True)
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)
