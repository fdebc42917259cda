"""The setup page a box without a provisioning bundle shows on the open
PusatBelajar-Setup network: Indonesian first, English on request, no
script or style errors under the web app's Content-Security-Policy."""
import time

from selenium.webdriver.common.by import By

from a11y import audit


def wait_for(d, cond, what, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if cond(d):
                return
        except Exception:       # element not there yet
            pass
        time.sleep(0.1)
    raise AssertionError(what)


def test_setup_page(browser, demo_box):
    d = browser
    d.execute_script("try { localStorage.removeItem('pb.lang'); } catch (e) {}")
    d.get(demo_box.base + "/penyiapan.html")
    wait_for(d, lambda d: d.find_element(By.CSS_SELECTOR, ".pb-header .pb-centre").text,
             "the header was not drawn")
    assert d.find_element(By.TAG_NAME, "h1").text == "Kotak ini belum diatur"
    steps = d.find_elements(By.CSS_SELECTOR, "main ol li")
    assert len(steps) == 3 and "pb-fleet write" in steps[1].text
    assert "PusatBelajar-Setup" in d.find_element(By.CSS_SELECTOR, ".pb-notice").text
    assert d.title.startswith("Penyiapan")
    audit(d, "setup page")
    d.find_element(By.ID, "pb-lang").click()
    wait_for(d, lambda d: d.find_element(By.TAG_NAME, "h1").text == "This box is not set up yet",
             "English did not load")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    d.find_element(By.ID, "pb-lang").click()
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"
              and "setup" in e.get("message", "")]
    assert not errors, errors
