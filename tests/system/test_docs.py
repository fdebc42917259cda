"""The documentation names every configuration key the programs know."""
import os
import subprocess

from pbtest import ROOT, binary


def test_every_config_key_is_documented():
    keys = subprocess.run([binary("pbctl"), "config-keys"], capture_output=True,
                          text=True, check=True).stdout
    doc = open(os.path.join(ROOT, "docs", "configuration.md")).read()
    rows = [l for l in keys.splitlines() if l.startswith("| [")]
    assert len(rows) >= 10
    for row in rows:
        section, key = row.split("|")[1].strip(), row.split("|")[2].strip()
        assert f"| {section} | {key} |" in doc, f"{section} {key} missing from docs/configuration.md"
