"""What the benchmarks share."""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def save_result(build, name, result):
    """Write RESULT as build/bench/NAME.json (BUILD relative to the
    source tree unless absolute); returns the path."""
    out_dir = os.path.join(ROOT, build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    return path


class Boxes(list):
    """A make_box for the test helpers (ClaimBox, LearnBox) outside pytest:
    each call makes a pbtest.Box, its [web] starting with EXTRA before what
    the helper adds, and keeps it, so the caller closes them all at the end."""

    def __init__(self, extra=""):
        super().__init__()
        self.extra = extra

    def __call__(self, **kw):
        from pbtest import Box
        kw["extra"] = self.extra + kw.get("extra", "")
        b = Box(**kw)
        self.append(b)
        return b
