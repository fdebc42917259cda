"""A sanitizer build (SAN=1, build/asan) still reports each kind of fault
the suites count on it to find in the programs they run: a leak, a read
after free, a write past a heap block, a signed overflow; and a block whose
only pointer lies in a large .bss array is no leak. build/tests/san-check
(tests/san/san_check.c) does each on purpose, linked as every program of
that build is, with tests/san/lsan_pages.c, which maps large segments just
before LeakSanitizer's check at exit. It runs with the settings the suites'
daemons get (pbtest.ASAN_OPTIONS, UBSAN_OPTIONS). Skipped on a build
without sanitizers, which has no san-check."""
import os
import subprocess

import pytest

import pbtest

CHECK = os.path.join(pbtest.BUILD, "tests", "san-check")

pytestmark = pytest.mark.skipif(not os.path.exists(CHECK),
                                reason="not a sanitizer build (SAN=1)")

ASAN_EXIT = 66     # exitcode= in pbtest.ASAN_OPTIONS
UBSAN_EXIT = 67    # exitcode= in pbtest.UBSAN_OPTIONS


def run(what):
    env = dict(os.environ, ASAN_OPTIONS=pbtest.ASAN_OPTIONS,
               UBSAN_OPTIONS=pbtest.UBSAN_OPTIONS)
    p = subprocess.run([CHECK, what], capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stderr


def test_a_pointer_kept_only_in_a_large_bss_array_is_no_leak():
    code, err = run("kept")
    assert code == 0 and "Sanitizer" not in err, err


@pytest.mark.parametrize("what,exit_code,report", [
    ("leak", ASAN_EXIT, "ERROR: LeakSanitizer: detected memory leaks"),
    ("uaf", ASAN_EXIT, "ERROR: AddressSanitizer: heap-use-after-free"),
    ("overflow", ASAN_EXIT, "ERROR: AddressSanitizer: heap-buffer-overflow"),
    ("signed", UBSAN_EXIT, "runtime error: signed integer overflow"),
])
def test_reported_with_the_line(what, exit_code, report):
    code, err = run(what)
    assert code == exit_code, err
    assert report in err, err
    assert "san_check.c:" in err, err
