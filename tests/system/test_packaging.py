"""debian/ agrees with the tree: the changelog's version is VERSION, every
systemd unit of image/systemd/ is packaged and handled by dh_installsystemd
(a unit added there without a line in debian/rules would be shipped but
never enabled), and every library the Makefile links through pkg-config
comes from a package in debian/control's Build-Depends (the hub's from the
Makefile's own list, since pb-hub is not packaged)."""
import glob
import os
import re
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read(*path):
    with open(os.path.join(ROOT, *path)) as f:
        return f.read()


def make_vars():
    p = subprocess.run(["make", "-s", "-C", ROOT, "--no-print-directory", "print-deps"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return {k: v.split() for k, _, v in (l.partition("=") for l in p.stdout.splitlines())}


def test_changelog_version_is_the_tree_version():
    top = read("debian", "changelog").splitlines()[0]
    m = re.match(r"pusat-belajar \(([^)]+)\) ", top)
    assert m and m.group(1) == read("VERSION").strip(), top


def test_every_unit_is_packaged_and_enabled_by_debhelper():
    units = sorted(os.path.basename(u) for u in glob.glob(os.path.join(ROOT, "image", "systemd",
                                                                        "*"))
                   if re.search(r"\.(service|path|socket|timer)$", u))
    assert "pb-web.service" in units
    install = read("debian", "pusat-belajar.install")
    globs = [l.split()[0] for l in install.splitlines() if l.startswith("image/systemd/")]
    for u in units:
        assert any(glob.fnmatch.fnmatch(f"image/systemd/{u}", g) for g in globs), \
            f"{u} is not installed by debian/pusat-belajar.install"
    rules = read("debian", "rules")
    handled = re.findall(r"\b(pb-[\w@-]+\.(?:service|path|socket|timer))\b", rules)
    assert sorted(set(handled)) == units, \
        "debian/rules' dh_installsystemd lines must name exactly the units of image/systemd/"
    assert len(handled) == len(set(handled)), "a unit named twice in debian/rules"


def build_depends():
    p = subprocess.run(["sh", os.path.join(ROOT, "tests", "build-depends.sh")],
                       capture_output=True, text=True, check=True)
    return set(p.stdout.split())


def test_build_depends_read_by_the_install_step():
    bd = build_depends()
    for lib in ["libmicrohttpd-dev", "libsqlite3-dev", "libxlsxwriter-dev",
                "libjpeg62-turbo-dev", "libpng-dev", "debhelper"]:
        assert lib in bd, lib
    assert bd <= set(make_vars()["DEB_BUILD"])


@pytest.mark.skipif(subprocess.run(["which", "dpkg-query"], capture_output=True).returncode,
                    reason="not a Debian system")
def test_every_linked_library_comes_from_build_depends():
    v = make_vars()
    bd = build_depends()
    extra = set(v["DEB_BUILD"]) - bd          # not in the package (pb-hub's libpq-dev)
    problems = []
    pcs = {}
    for mod in v["PC_MODULES"]:
        d = subprocess.run(["pkg-config", "--variable=pcfiledir", mod], capture_output=True,
                           text=True).stdout.strip()
        pcs[mod] = os.path.join(d, mod + ".pc")
    # one dpkg-query for every file (each run reads the whole package
    # database): "package[:arch]: path" a line; a path of no package is
    # left out
    p = subprocess.run(["dpkg-query", "-S", *(os.path.realpath(pc) for pc in pcs.values())],
                       capture_output=True, text=True)
    owner = {}
    for line in p.stdout.splitlines():
        pkg, _, path = line.partition(": ")
        owner[path.strip()] = pkg.split(":")[0].strip()
    for mod, pc in pcs.items():
        pkg = owner.get(os.path.realpath(pc), "")
        want = extra if mod in v["HUB_PC_MODULES"] else bd
        if pkg not in want:
            problems.append(f"{mod} ({pc}) comes from {pkg or 'no package'}")
    assert not problems, "\n".join(problems)
