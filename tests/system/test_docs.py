"""The documentation names every configuration key the programs know, with
the type, default, range and meaning the programs use, and names no key
they do not know."""
import glob
import os
import re
import subprocess

from pbtest import ROOT, binary


def config_keys():
    return subprocess.run([binary("pbctl"), "config-keys"], capture_output=True,
                          text=True, check=True).stdout


def test_every_config_key_is_documented():
    keys = config_keys()
    doc = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    rows = [l for l in keys.splitlines() if l.startswith("| [")]
    assert len(rows) >= 10
    for row in rows:
        section, key = row.split("|")[1].strip(), row.split("|")[2].strip()
        assert f"| {section} | {key} |" in doc, f"{section} {key} missing from docs/configuration.md"


def test_key_table_is_the_programs_own():
    """The table under "## Keys" is exactly what pbctl config-keys prints
    (defaults and ranges included): `make config-doc` writes it."""
    doc = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    start = doc.index("## Keys\n") + len("## Keys\n")
    table = doc[start:doc.index("\n## Limits")]
    keys = config_keys()
    for want, have in zip(keys.splitlines(), table.splitlines()):
        assert want == have, "docs/configuration.md differs from pbctl config-keys " \
            f"(run make config-doc):\n doc: {have}\n key: {want}"
    assert table == keys, "docs/configuration.md's key table has other rows: run make config-doc"


def test_keys_named_in_the_docs_exist():
    """Every `[section] key` written in README.md and docs/ is a key the
    programs know (a renamed or removed key does not linger in prose)."""
    known = set()
    for row in config_keys().splitlines():
        if row.startswith("| ["):
            cells = [c.strip() for c in row.split("|")]
            known.add((cells[1].strip("[]"), cells[2].strip("`")))
    sections = {s for s, _ in known}
    unknown = []
    for path in [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        for n, line in enumerate(open(path).read().splitlines(), 1):
            for m in re.finditer(r"`\[([a-z]+)\] ([a-z0-9_]+)(?=[` =])", line):
                if m.group(1) in sections and (m.group(1), m.group(2)) not in known:
                    unknown.append(f"{os.path.relpath(path, ROOT)}:{n}: {m.group(0)}`")
    assert not unknown, "keys the programs do not know:\n" + "\n".join(unknown)
