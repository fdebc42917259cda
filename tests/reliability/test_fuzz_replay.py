"""Replay every committed fuzzing input (seeds and past crashes) through its
harness, built as a plain program by gcc, in the normal and the ASan+UBSan
build (make test). `make fuzz` runs the same harnesses under libFuzzer."""
import glob
import os
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from pbtest import BUILD, ROOT  # noqa: E402

HARNESSES = sorted(os.path.basename(p)[5:-2]
                   for p in glob.glob(os.path.join(ROOT, "tests", "fuzz", "fuzz_*.c")))


@pytest.mark.parametrize("name", HARNESSES)
@pytest.mark.parametrize("build", ["", "asan"])
def test_replay_corpus(name, build):
    b = os.path.join(BUILD, build, "tests", f"fuzz-{name}")
    if build and not os.path.exists(b):
        pytest.skip("no ASan build")
    corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
    files = os.listdir(corpus)
    assert files, f"{corpus} holds no seeds"
    # harnesses with a database make their folder in TMPDIR: gone even when one fails
    with tempfile.TemporaryDirectory(prefix=f"pbfuzz-{os.getpid()}-") as tmp:
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1", TMPDIR=tmp)
        p = subprocess.run([b, corpus], capture_output=True, text=True, timeout=300, env=env)
    assert p.returncode == 0, p.stdout + p.stderr[-4000:]
    assert f"replayed {len(files)} inputs" in p.stdout
