"""Every program answers --help and --version as it answers -h and -V:
the help on stdout and exit 0 (not "invalid option -- '-'" and a failure),
the version line the same; an option it does not know still gets the
usage on stderr and exit 2, with nothing on stdout."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import binary  # noqa: E402

PROGRAMS = ("pbctl", "pb-web", "pb-sync", "pb-gpio", "pb-hub")


def run(name, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("PB_CONFIG", "PB_HUB_DB")}
    return subprocess.run([binary(name), *args], capture_output=True, text=True,
                          timeout=60, env=env)


@pytest.mark.parametrize("name", PROGRAMS)
def test_long_help_and_version(name):
    short = run(name, "-h")
    assert short.returncode == 0 and short.stdout.startswith(f"usage: {name}"), short
    long = run(name, "--help")
    assert long.returncode == 0, long
    assert long.stdout == short.stdout and long.stderr == ""
    assert "--help" in long.stdout and "--version" in long.stdout

    v = run(name, "-V")
    assert v.returncode == 0 and v.stdout.startswith(f"{name} "), v
    lv = run(name, "--version")
    assert lv.returncode == 0 and lv.stdout == v.stdout and lv.stderr == "", lv

    bad = run(name, "--no-such-option")
    assert bad.returncode == 2 and bad.stdout == "", bad
    assert "no-such-option" in bad.stderr and "usage:" in bad.stderr
