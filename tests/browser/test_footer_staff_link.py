"""The footer's "Masuk petugas" (staff login) link is a target a thumb can
hit on a 360x640 phone, in Indonesian and in English: at least 44 px high
and wide (WCAG 2.5.5), where it was a line of small text about 71x16 px.
The footer stays as it was laid out: nothing in it sticks out sideways,
and the link covers none of its other lines. Every page that draws the
footer (webapp/js/common.js) is looked at; the teacher pages must be
among them."""
import glob
import os

from selenium.webdriver.common.by import By

from conftest import SCREENSHOTS, set_viewport, wait
from pbtest import Box

TARGET_MIN_PX = 44            # WCAG 2.5.5 target size
WEBAPP = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))), "webapp")
TEACHER_PAGES = {"/", "/presensi.html", "/klaim.html", "/belajar.html", "/portal.html"}

BOXES_JS = """
var a = document.getElementById('pb-staff-link'), w = document.documentElement.clientWidth;
var f = document.getElementById('pb-footer'), r = a.getBoundingClientRect(), out = [];
var all = f.querySelectorAll('*'), i, e, o;
for (i = 0; i < all.length; i++) {
    e = all[i];
    o = e.getBoundingClientRect();
    if (o.width === 0 && o.height === 0)
        continue;
    if (o.right > w + 0.5 || o.left < -0.5)
        out.push('outside: ' + e.tagName + ' ' + Math.round(o.left) + '..' + Math.round(o.right));
    if (e.tagName === 'P' && !e.contains(a) && o.bottom > r.top + 0.5 && o.top < r.bottom - 0.5)
        out.push('covers: ' + e.textContent.slice(0, 40));
}
return {width: r.width, height: r.height, shown: r.width > 0 && r.height > 0,
        text: a.textContent, faults: out};
"""


def pages():
    """Each page of the web app whose HTML has the footer common.js draws."""
    out = []
    for path in sorted(glob.glob(os.path.join(WEBAPP, "*.html"))):
        with open(path, encoding="utf-8") as f:
            if 'id="pb-footer"' not in f.read():
                continue
        name = os.path.basename(path)
        out.append("/" if name == "index.html" else "/" + name)
    return out


def test_staff_link_is_a_thumb_target_in_both_languages(browser):
    d = browser
    box = Box()
    try:
        box.start()
        set_viewport(d, 360, 640)
        seen, small = set(), []
        for lang, words in (("id", "Masuk petugas"), ("en", "Staff login")):
            for page in pages():
                d.get(box.base + page)
                # the page keeps the language it starts in (common.js's
                # setLang stores it before the footer is drawn): set it only
                # once this page has, or its late store undoes ours
                wait(d, lambda d: d.find_elements(By.ID, "pb-staff-link"), page + " not started")
                d.execute_script("window.localStorage.setItem('pb.lang', arguments[0])", lang)
                d.get(box.base + page)
                wait(d, lambda d: d.execute_script("return document.documentElement.lang") ==
                     lang and d.find_elements(By.ID, "pb-staff-link"), page + " no footer")
                got = d.execute_script(BOXES_JS)
                if not got["shown"]:
                    continue                     # a page that hides its footer
                seen.add(page)
                assert got["text"] == words, (page, got)
                if got["width"] < TARGET_MIN_PX or got["height"] < TARGET_MIN_PX:
                    small.append((lang, page, round(got["width"]), round(got["height"])))
                assert got["faults"] == [], (lang, page, got["faults"])
                if page == "/presensi.html":
                    d.execute_script("document.getElementById('pb-footer').scrollIntoView()")
                    d.save_screenshot(os.path.join(SCREENSHOTS, f"footer-staff-link-{lang}.png"))
        assert TEACHER_PAGES <= seen, seen
        assert small == [], small
    finally:
        set_viewport(d, 360, 740)
        box.close()
