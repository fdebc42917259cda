"""build/bench/stmt-cache reads its two counts like the daemons read
theirs: whole numbers in range, else it says which and exits 2 before it
makes anything. (The figures it prints are not asserted: this machine is
loaded.) Its scratch folder goes in $TMPDIR, here the test's own folder, so
that another run of the suite cannot be mistaken for this one."""
import os
import subprocess

from pbtest import binary


def run(tmp_path, *args):
    return subprocess.run([binary("bench/stmt-cache"), *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, TMPDIR=str(tmp_path)))


def test_counts_are_checked(tmp_path):
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
        p = run(tmp_path, *args)
        assert p.returncode == 2 and p.stdout == "", (args, p.stdout, p.stderr)
        assert p.stderr.splitlines()[0] == \
            'stmt-cache: %s wants a whole number %s, not "%s"' % (
                what, "1..10000" if what == "rounds" else "1..10000000", text), p.stderr
    p = run(tmp_path, "1", "2", "3")
    assert p.returncode == 2 and "usage: stmt-cache" in p.stderr
    # nothing made for a refused run
    assert list(tmp_path.iterdir()) == []
    # the smallest real run: the three modes, and its folder removed
    p = run(tmp_path, "1", "1")
    assert p.returncode == 0, p.stderr
    assert [line.split()[0] for line in p.stdout.splitlines()[1:]] == \
        ["prepare", "cache", "cache"], p.stdout
    assert list(tmp_path.iterdir()) == []


def test_scratch_folder_follows_tmpdir(tmp_path):
    """The folder is made where $TMPDIR says: a missing one is refused by
    name (so a run above did work in tmp_path and left it empty)."""
    gone = tmp_path / "gone"
    p = run(gone, "1", "1")
    assert p.returncode == 1 and p.stdout == "", p.stdout
    assert p.stderr.startswith("stmt-cache: cannot make %s/pb-stmt-bench." % gone), p.stderr
    assert list(tmp_path.iterdir()) == []
