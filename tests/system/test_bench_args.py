"""build/bench/stmt-cache reads its two counts like the daemons read
theirs: whole numbers in range, else it says which and exits 2 before it
makes anything. (The figures it prints are not asserted: this machine is
loaded.)"""
import glob
import subprocess

from pbtest import binary


def run(*args):
    return subprocess.run([binary("bench/stmt-cache"), *args], capture_output=True, text=True,
                          timeout=120)


def test_counts_are_checked():
    before = set(glob.glob("/tmp/pb-stmt-bench.*"))
    for args, what, text in ((["0"], "rounds", "0"),
                             (["x"], "rounds", "x"),
                             (["5x"], "rounds", "5x"),
                             ([""], "rounds", ""),
                             ([" 7"], "rounds", " 7"),
                             (["+7"], "rounds", "+7"),
                             (["10001"], "rounds", "10001"),
                             (["99999999999999999999"], "rounds", "99999999999999999999"),
                             (["1", "-3"], "calls per round", "-3"),
                             (["1", "10000001"], "calls per round", "10000001")):
        p = run(*args)
        assert p.returncode == 2 and p.stdout == "", (args, p.stdout, p.stderr)
        assert p.stderr.splitlines()[0] == \
            'stmt-cache: %s wants a whole number %s, not "%s"' % (
                what, "1..10000" if what == "rounds" else "1..10000000", text), p.stderr
    p = run("1", "2", "3")
    assert p.returncode == 2 and "usage: stmt-cache" in p.stderr
    # nothing made for a refused run
    assert set(glob.glob("/tmp/pb-stmt-bench.*")) == before
    # the smallest real run: the three modes, and its folder removed
    p = run("1", "1")
    assert p.returncode == 0, p.stderr
    assert [line.split()[0] for line in p.stdout.splitlines()[1:]] == \
        ["prepare", "cache", "cache"], p.stdout
    assert set(glob.glob("/tmp/pb-stmt-bench.*")) == before
