#!/usr/bin/python3
"""Rewrite the key table of docs/configuration.md from `pbctl config-keys`
(make config-doc). tests/system/test_docs.py fails when they differ."""
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build")
path = os.path.join(root, "docs", "configuration.md")
doc = open(path).read()
keys = subprocess.run([os.path.join(build, "pbctl"), "config-keys"], capture_output=True,
                      text=True, check=True).stdout
start = doc.index("## Keys\n") + len("## Keys\n")
end = doc.index("\n## Limits")
open(path, "w").write(doc[:start] + keys + doc[end:])
