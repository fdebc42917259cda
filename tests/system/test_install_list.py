"""The Makefile installs every program the tests run.

A fresh Debian 12 gets only what the Makefile's package lists (and the
Build-Depends of debian/control) name, plus what every Debian system has
(Essential and required packages: a minimal Debian 12, as in a container,
has no "important" ones such as nftables). This test reads the test
suites, the benchmarks and the shell scripts `make test` runs on this
machine, collects the programs they start, finds each program's package
with dpkg, and fails when that package is neither in those lists, nor
pulled in by one of them, nor part of every Debian system. A newly used
program without its package fails here rather than on a fresh machine.

What counts as "started": a word of a list or tuple literal, of a call's
arguments (so `ip netns exec NS nft ...` counts nft as well) or of a
dict's values, any absolute path to a program (selenium's
"/usr/bin/chromium"), and the first word of each command in a shell string
or script; a word counts when it names a program on PATH. Words
that name a program but are not one there (an "id" column) only cost a
look-up: such programs come with every Debian system."""
import ast
import glob
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Python that runs on this machine during `make test` and `make bench`.
PY_GLOBS = ["tests/*.py", "tests/*/*.py", "bench/*.py"]
# Shell run on this machine (image/rootfs.sh and image/firstboot run inside
# the arm64 root file system and get their programs from its package list).
SH_GLOBS = ["tests/*.sh", "tests/*/*.sh", "image/mkimage.sh", "image/deps-arm64.sh",
            "debian/rules"]
# Words that name a program on this machine but are not run as one here.
NOT_RUN = {
    "pb-web", "pbctl", "pb-sync", "pb-gpio", "pb-hub",   # built, not installed
    "write", "route",      # a permission and a route name in the tests, not the programs
    "opt",                 # a folder in the update tests' roots, not llvm's optimiser
}
# A string read as shell: several lines, an option, a pipe or a list.
SHELLISH = re.compile(r"\n| -|[;|&]")
# Where programs are looked up (not a developer's own PATH entries).
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELL_KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "do", "done", "while", "until",
                  "case", "esac", "in", "!", "{", "}", "exec", "command", "local", "export",
                  "set", "return", "exit", "shift", "cd", "echo", "printf", "test", "[", "[[",
                  "true", "false", "read", "trap", "wait", "eval", "unset", "break", "."}


def program(word):
    """The path of the program WORD names, or None."""
    word = word.strip().strip("'\"")
    if not word or not re.fullmatch(r"[a-z0-9/][a-z0-9._+/-]*", word) or word in NOT_RUN:
        return None
    if word.startswith("/"):
        return word if os.path.isfile(word) and os.access(word, os.X_OK) else None
    if "/" in word:
        return None
    return shutil.which(word, path=PATH)


def shell_commands(text):
    """First words of the commands in a shell fragment."""
    words = []
    for seg in re.split(r"[;|&\n()`]|\$\(|\bthen\b|\bdo\b|\belse\b", text):
        toks = seg.split()
        while toks and (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", toks[0])
                        or toks[0] in SHELL_KEYWORDS):
            toks.pop(0)
        if toks:
            words.append(toks[0])
    return words


def constants(tree):
    """Module-level NAME = "string" assignments (to resolve f"{PG_BIN}/initdb")."""
    out = {}
    for n in tree.body:
        if (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)
                and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)):
            out[n.targets[0].id] = n.value.value
    return out


def text_of(node, names):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v.value, ast.Name) and v.value.id in names:
                parts.append(names[v.value.id])
            else:
                break
        return "".join(parts) or None
    return None


def python_programs(path):
    tree = ast.parse(open(path).read(), path)
    names = constants(tree)
    found = set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.startswith("/"):
            p = program(n.value)          # o.binary_location = "/usr/bin/chromium"
            if p:
                found.add(p)
            continue
        if isinstance(n, (ast.List, ast.Tuple)):
            items = n.elts
        elif isinstance(n, ast.Dict):             # {"arm64": "aarch64-linux-gnu-objcopy"}
            items = n.values
        elif isinstance(n, ast.Call):
            items = n.args
        else:
            continue
        for item in items:
            text = text_of(item, names)
            if not text:
                continue
            for word in shell_commands(text) if SHELLISH.search(text) else [text]:
                p = program(word)
                if p:
                    found.add(p)
    return found


def script_programs(path):
    found = set()
    with open(path) as f:
        for line in f:
            line = line.split(" #", 1)[0]
            if line.lstrip().startswith("#"):
                continue
            for word in shell_commands(line):
                p = program(word)
                if p:
                    found.add(p)
    return found


def used_programs():
    """{program path: [files that run it]}"""
    uses = {}
    for g in PY_GLOBS:
        for f in glob.glob(os.path.join(ROOT, g)):
            if os.path.samefile(f, __file__):
                continue
            for p in python_programs(f):
                uses.setdefault(p, []).append(os.path.relpath(f, ROOT))
    for g in SH_GLOBS:
        for f in glob.glob(os.path.join(ROOT, g)):
            for p in script_programs(f):
                uses.setdefault(p, []).append(os.path.relpath(f, ROOT))
    return uses


def makefile_packages():
    """The packages `make test` installs: the Makefile's lists, expanded by
    make itself, and debian/control's Build-Depends when the Makefile reads
    them from there."""
    p = subprocess.run(["make", "-s", "-C", ROOT, "--no-print-directory", "print-deps"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    pkgs = set()
    for line in p.stdout.splitlines():
        name, _, value = line.partition("=")
        if name.startswith("DEB_"):      # every list some make target installs
            pkgs.update(w.split(":")[0] for w in value.split())
    return pkgs


def installed():
    """{package: (essential, priority, [dependency alternatives], [provides])}"""
    fmt = "${Package}\t${Essential}\t${Priority}\t${Pre-Depends}, ${Depends}\t${Provides}\n"
    out = subprocess.run(["dpkg-query", "-W", "-f", fmt], capture_output=True, text=True,
                         check=True).stdout
    db = {}
    for line in out.splitlines():
        name, ess, prio, deps, prov = (line.split("\t") + [""] * 5)[:5]
        alts = []
        for d in deps.split(","):
            alt = [re.sub(r"[ (:].*", "", a.strip()) for a in d.split("|") if a.strip()]
            if alt:
                alts.append(alt)
        provides = [re.sub(r"[ (].*", "", x.strip()) for x in prov.split(",") if x.strip()]
        db[name] = (ess == "yes", prio, alts, provides)
    return db


def closure(roots, db):
    providers = {}
    for name, (_, _, _, prov) in db.items():
        for v in prov:
            providers.setdefault(v, []).append(name)
    seen, todo = set(), list(roots)
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for alt in db.get(p, (0, 0, []))[2]:
            todo.extend(a for a in alt if a in db)
            for a in alt:
                todo.extend(providers.get(a, []))
    return seen


def packages_of(paths):
    """{program path: its package} for the paths dpkg knows (under their own
    name, their real path, or their /bin <-> /usr/bin alias: merged /usr)."""
    names = {}
    for path in paths:
        for c in (path, os.path.realpath(path)):
            for alias in (c, re.sub(r"^/usr/(s?bin)/", r"/\1/", c),
                          re.sub(r"^/(s?bin)/", r"/usr/\1/", c)):
                names.setdefault(alias, set()).add(path)
    out = subprocess.run(["dpkg-query", "-S", *names], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        if line.startswith("diversion "):
            continue
        pkgs, _, file = line.partition(": ")
        for path in names.get(file, ()):
            found.setdefault(path, pkgs.split(",")[0].split(":")[0].strip())
    return found


def test_the_scan_sees_the_programs_known_to_be_run():
    """The scan itself works: programs the suites are known to start."""
    found = {os.path.basename(p) for p in used_programs()}
    for prog in ("nft", "tc", "ip", "iptables", "busybox", "dnsmasq", "dig", "dhclient",
                 "hostapd", "hostapd_cli", "valgrind", "setpriv", "runuser", "initdb", "pg_ctl",
                 "psql", "openssl", "curl", "chromium", "chromedriver", "qemu-system-aarch64", "sfdisk",
                 "mcopy", "debugfs", "wrk", "nginx", "unshare", "lintian", "hardening-check",
                 "aarch64-linux-gnu-objcopy"):
        assert prog in found, f"the scan misses {prog}"


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="not a Debian system")
def test_every_program_the_tests_run_is_installed_by_the_makefile():
    db = installed()
    listed = makefile_packages()
    assert "build-essential" in listed, sorted(listed)
    missing = [p for p in listed if p not in db]
    assert not missing, f"listed but not installed here, so not checked: {missing}"
    base = {n for n, (ess, prio, _, _) in db.items()
            if ess or prio == "required"}
    have = closure(listed | base, db)
    problems = []
    uses = used_programs()
    owner = packages_of(uses)
    for prog, files in sorted(uses.items()):
        pkg = owner.get(prog)
        if pkg is None:
            problems.append(f"{prog} (run by {', '.join(files)}) belongs to no package")
        elif pkg not in have:
            problems.append(f"{prog} (run by {', '.join(sorted(set(files)))}) comes from "
                            f"{pkg}, which no Makefile list installs")
    assert not problems, "\n".join(problems)
