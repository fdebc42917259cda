"""Accessibility and layout checks the browser tests run on every page state
they reach.

audit(d, where): axe-core (the npm package pinned in tests/browser/
package-lock.json, installed into build/node by `make deps-node`) runs on
the page as it stands, in Indonesian and in English (the header's language
button is pressed and pressed back), and any violation of the WCAG 2.0/2.1
A and AA rules or of axe's best practices fails the test with the rule, its
impact and the elements.

layout_shift(d): the cumulative layout shift of the page since it loaded,
from the browser's own `layout-shift` entries (PerformanceObserver,
buffered), shifts right after a user's input excepted as the metric
defines; with the elements that moved."""
import os

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pbtest import BUILD, ROOT

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
AXE_REL = os.path.join("node", "node_modules", "axe-core", "axe.min.js")
CLS_MAX = 0.05          # the teacher pages: nothing moves once scripts run
WAIT_S = 30             # generous: the machine may be shared and loaded
_axe = {}


def axe_source():
    if "js" not in _axe:
        for base in (BUILD, os.path.join(ROOT, "build")):
            path = os.path.join(base, AXE_REL)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    _axe["js"] = f.read()
                break
        else:
            pytest.fail(f"axe-core is not installed (make deps-node puts it in build/{AXE_REL})")
    return _axe["js"]


# axe.run with the rules of the tags above; the answer is cut down to what a
# failure message needs (rule, impact, help, each element and why).
AXE_RUN_JS = """
var tags = arguments[0], done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']},
  function (err, r) {
    if (err) { done({error: String(err)}); return; }
    done({violations: r.violations.map(function (v) {
      return {id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(function (n) {
                return {target: n.target.join(' '), html: n.html.slice(0, 160),
                        why: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 300)};
              })};
    })});
  });
"""


def _axe_run(d, where):
    d.set_script_timeout(120)
    # Injected as webdriver script (not a <script> element): the page's
    # Content-Security-Policy stays as pb-web sends it.
    if not d.execute_script("return typeof window.axe === 'object' && !!window.axe.run"):
        d.execute_script(axe_source())
    res = d.execute_async_script(AXE_RUN_JS, AXE_TAGS)
    assert "error" not in res, f"{where}: axe-core failed: {res['error']}"
    lines = []
    for v in res["violations"]:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"][:8]:
            lines.append(f"      {n['target']}  {n['html']}\n        {n['why']}")
        if len(v["nodes"]) > 8:
            lines.append(f"      … and {len(v['nodes']) - 8} more")
    return lines


def _lang(d):
    return d.find_element(By.TAG_NAME, "html").get_attribute("lang")


def switch_language(d):
    """Press the header's language button; wait for the other language."""
    before = _lang(d)
    d.find_element(By.ID, "pb-lang").click()
    WebDriverWait(d, WAIT_S, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda drv: _lang(drv) != before, message="the language did not switch")
    return _lang(d)


def audit(d, where, both_languages=True):
    """axe-core on the page as it stands, in its language and then in the
    other one; the language is switched back afterwards."""
    first = _lang(d)
    found = [f"{where} [{first}]:"] + _axe_run(d, f"{where} [{first}]")
    if both_languages:
        other = switch_language(d)
        found += [f"{where} [{other}]:"] + _axe_run(d, f"{where} [{other}]")
        switch_language(d)
    bad = [line for line in found if not line.endswith("]:")]
    assert not bad, "axe-core violations (" + ", ".join(AXE_TAGS) + "):\n" + "\n".join(found)


CLS_JS = """
var done = arguments[arguments.length - 1], total = 0, moved = [];
function describe(node) {
  if (!node || node.nodeType !== 1) return node ? node.nodeName : '?';
  return node.tagName.toLowerCase() + (node.id ? '#' + node.id : '') +
         (node.className && typeof node.className === 'string' ?
          '.' + node.className.split(/\\s+/).join('.') : '');
}
try {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (e) {
      if (e.hadRecentInput) return;
      total += e.value;
      (e.sources || []).forEach(function (s) {
        moved.push(describe(s.node) + ' ' + Math.round(s.previousRect.y) + '->' +
                   Math.round(s.currentRect.y) + ' (' + e.value.toFixed(4) + ')');
      });
    });
  }).observe({type: 'layout-shift', buffered: true});
} catch (e) { done({error: String(e)}); return; }
setTimeout(function () { done({total: total, moved: moved}); }, 500);
"""


def layout_shift(d):
    """(cumulative layout shift since the page loaded, what moved)."""
    d.set_script_timeout(60)
    res = d.execute_async_script(CLS_JS)
    assert "error" not in res, f"no layout-shift entries in this browser: {res['error']}"
    return res["total"], res["moved"]


def assert_no_layout_shift(d, where):
    total, moved = layout_shift(d)
    assert total <= CLS_MAX, (f"{where}: cumulative layout shift {total:.3f} > {CLS_MAX}; "
                              "moved:\n  " + "\n  ".join(moved))
    return total
