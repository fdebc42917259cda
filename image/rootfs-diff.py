#!/usr/bin/python3
"""image/rootfs-diff.py A.tar B.tar

Two root file system tarballs of image/rootfs.sh compared entry by entry:
name, type, mode, owner (uid/gid), size, link target, device numbers and the
SHA-256 of each file's bytes; times are left out (every build has its own).
Prints one line per entry that differs (only in A, only in B, or what
differs) and exits 1 when any does, 0 when the two hold the same files.

Two builds of the same package list are never quite the same: what a build
makes afresh each time (machine ids, logs, caches, the initramfs's
timestamps) differs whichever programs ran. Read the lines to tell those
from a difference in what the packages installed.
"""
import hashlib
import sys
import tarfile

KINDS = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.LNKTYPE: "hardlink",
         tarfile.SYMTYPE: "symlink", tarfile.CHRTYPE: "char", tarfile.BLKTYPE: "block",
         tarfile.DIRTYPE: "dir", tarfile.FIFOTYPE: "fifo"}


def entries(path):
    """{name: {field: value}} of every entry of the tarball at PATH."""
    out = {}
    with tarfile.open(path) as t:
        for m in t:
            e = {"type": KINDS.get(m.type, repr(m.type)), "mode": oct(m.mode),
                 "owner": f"{m.uid}:{m.gid}", "size": m.size}
            if m.issym() or m.islnk():
                e["link"] = m.linkname
            if m.ischr() or m.isblk():
                e["dev"] = f"{m.devmajor},{m.devminor}"
            if m.isreg():
                h = hashlib.sha256()
                f = t.extractfile(m)
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
                e["sha256"] = h.hexdigest()
            out[m.name.removeprefix("./")] = e
    return out


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    a, b = entries(argv[1]), entries(argv[2])
    differ = 0
    for name in sorted(a.keys() | b.keys()):
        if name not in b:
            print(f"only in A: {name} {a[name]['type']}")
        elif name not in a:
            print(f"only in B: {name} {b[name]['type']}")
        elif a[name] != b[name]:
            fields = sorted(k for k in a[name].keys() | b[name].keys()
                            if a[name].get(k) != b[name].get(k))
            print(f"differs: {name} " + " ".join(
                f"{k} {a[name].get(k)} -> {b[name].get(k)}" for k in fields))
        else:
            continue
        differ += 1
    print(f"{len(a)} entries in A, {len(b)} in B, {differ} differ", file=sys.stderr)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
