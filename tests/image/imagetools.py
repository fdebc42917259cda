"""Reading build/pusat-belajar.img without mounting it: the partition
table with sfdisk, the FAT boot partition with mtools, the ext4 partitions
with debugfs (image?offset=BYTES)."""
import json
import re
import os
import subprocess

import pifirmware

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGE = os.path.join(ROOT, "build", "pusat-belajar.img")
SECTOR = 512
# The card's partitions (image/mkimage.sh): boot, root A, root B, data.
BOOT, ROOT_A, ROOT_B, DATA = 1, 2, 3, 4


def partitions(img):
    p = subprocess.run(["sfdisk", "--json", img], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["partitiontable"]


def offset(img, n):
    """Byte offset of partition n (1-based)."""
    return partitions(img)["partitions"][n - 1]["start"] * SECTOR


def fat(img):
    return f"{img}@@{offset(img, 1)}"


def mdir(img, folder=""):
    p = subprocess.run(["mdir", "-b", "-i", fat(img), "::/" + folder], capture_output=True,
                       text=True)
    return [os.path.basename(line.strip().rstrip("/")) for line in p.stdout.splitlines()
            if line.strip()]


def mtype(img, name):
    p = subprocess.run(["mtype", "-i", fat(img), "::/" + name], capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


def mexists(img, name):
    p = subprocess.run(["mdir", "-b", "-i", fat(img), "::/" + name], capture_output=True,
                       text=True)
    return p.returncode == 0 and p.stdout.strip() != ""


def firmware_choice(img, tryboot=False):
    """What the Pi firmware would load from the card's boot partition
    (tests/pifirmware.py): os_prefix, kernel, initrd, command line."""
    return pifirmware.choose(lambda name: mtype(img, name), tryboot,
                             lambda name: mexists(img, name))


def firmware_cmdline(img, tryboot=False):
    """(file, text) of the kernel command line the Pi firmware would use,
    read from the card's boot partition (tests/pifirmware.py)."""
    got = firmware_choice(img, tryboot)
    return got["cmdline"], got["text"]


def mput(img, local, name):
    subprocess.run(["mcopy", "-o", "-i", fat(img), local, "::/" + name], check=True)


def mget(img, name, local):
    subprocess.run(["mcopy", "-o", "-i", fat(img), "::/" + name, local], check=True)


def debugfs(img, n, cmd, write=False):
    args = ["debugfs"] + (["-w"] if write else []) + ["-R", cmd, f"{img}?offset={offset(img, n)}"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return p.stdout, p.stderr


def ext4_cat(img, n, path):
    out, err = debugfs(img, n, f"cat {path}")
    return out


def ext4_exists(img, n, path):
    out, err = debugfs(img, n, f"stat {path}")
    return "File not found" not in err and "Inode:" in out


def ext4_stat(img, n, path):
    """{'type', 'mode', 'uid', 'gid', 'size'} of PATH, or None."""
    out, err = debugfs(img, n, f"stat {path}")
    if "Inode:" not in out:
        return None
    m = re.search(r"Type: (\S+)\s+Mode:\s+(\d+)", out)
    u = re.search(r"User:\s+(\d+)\s+Group:\s+(\d+)", out)
    s = re.search(r"Size: (\d+)", out)
    return {"type": m.group(1), "mode": int(m.group(2), 8), "uid": int(u.group(1)),
            "gid": int(u.group(2)), "size": int(s.group(1))}


def ext4_label(img, n):
    out, err = debugfs(img, n, "stats")
    for line in out.splitlines():
        if line.startswith("Filesystem volume name:"):
            return line.split(":", 1)[1].strip()
    return None


def ext4_stats(img, n):
    out, err = debugfs(img, n, "stats")
    d = {}
    for line in out.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            d.setdefault(k.strip(), v.strip())
    return d


def rdump(img, n, src, dst):
    os.makedirs(dst, exist_ok=True)
    out, err = debugfs(img, n, f"rdump {src} {dst}")
    return err
