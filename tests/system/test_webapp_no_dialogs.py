"""No web app script calls the browser's alert(), confirm() or prompt(): a
phone's Wi-Fi sign-in window (Android's CaptivePortalLogin, Apple's CNA)
often shows no JS dialog at all and answers at once (null, false), so the
question is never seen and the action never happens. Pages ask in the page
instead (PB.ask in webapp/js/common.js). A source scan, comments left out."""
import os
import re

from pbtest import ROOT

WEBAPP = os.path.join(ROOT, "webapp")
DIALOG = re.compile(
    r"(?<![\w$.])(?:(?:window|self|top|parent|globalThis)\s*\.\s*)?"
    r"(alert|confirm|prompt)\s*\("                            # confirm(...), window.prompt(...)
    r"|\b(?:window|self|top|parent|globalThis)\s*\[\s*[\"'](alert|confirm|prompt)[\"']\s*\]"
    r"|\b(?:window|self|top|parent|globalThis)\s*\.\s*(alert|confirm|prompt)\b(?!\s*[\w$])")


def code_of(text):
    """JS without its comments (strings kept: a dialog's name in a string is
    a call made another way)."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return re.sub(r"(^|[^:\\\"'])//[^\n]*", r"\1", text)


def dialogs_in(text):
    code = code_of(text)
    return [(code[:m.start()].count("\n") + 1, m.group(0)) for m in DIALOG.finditer(code)]


def scripts():
    """Every script the web app serves (webapp/**/*.js) and every page."""
    for top, _dirs, files in os.walk(WEBAPP):
        for name in sorted(files):
            if name.endswith((".js", ".html")):
                yield os.path.join(top, name)


def test_the_scan_finds_each_way_of_calling_a_dialog():
    for call in ("window.prompt(PB.t('x'))", "if (!window.confirm(q)) return;", "alert('x');",
                 "confirm ( q )", "self.alert(1)", "window['confirm'](q)", "var f = window.prompt;",
                 "x = top.confirm"):
        assert dialogs_in(call), call
    for fine in ("PB.staff.confirmClock(then);", "lockAsk.confirm(x)", "var confirmed = 1;",
                 "/* not window.confirm() */", "// window.alert(x)", "PB.ask({no: 'x'})",
                 "PB.$('dpr-confirm').checked", "window.prompter()"):
        assert dialogs_in(fine) == [], fine


def test_no_webapp_script_calls_alert_confirm_or_prompt():
    found = []
    paths = list(scripts())
    assert any(p.endswith(os.path.join("js", "common.js")) for p in paths)
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for line, what in dialogs_in(f.read()):
                found.append(f"{os.path.relpath(path, ROOT)}:{line}: {what}")
    assert found == [], "browser dialogs (ask in the page with PB.ask):\n" + "\n".join(found)
