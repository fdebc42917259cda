"""The Raspberry Pi boot firmware's choice of a kernel, initramfs and
kernel command line, played by the tests (the firmware itself cannot run
on this machine nor under qemu's virt machine). It reads the same files the
firmware reads from the boot partition: autoboot.txt must say
tryboot_a_b=1 (else a tryboot would read tryboot.txt, which the box has
not); then config.txt with its includes expanded and its filters: [all]
applies always, [tryboot] only with the one-shot tryboot flag, [none]
never; the last cmdline=, kernel=, initramfs and os_prefix= that apply win
(cmdline.txt when no cmdline= does). As the firmware documents for
os_prefix, the prefix is put before the kernel, the initramfs, the command
line file and the device tree, and is ignored (set to "") unless the
kernel and the board's device tree are found under it; a name starting
with "/" takes no prefix.

`read(name)` gives a boot partition file's text, or None when it is
missing; `exists(name)` whether a file is there (by default: read gives
text). A folder (tests/sync) or the image's FAT partition through mtools
(tests/image) both serve."""
import re

# The board the box is, a Raspberry Pi 4: the device tree the firmware
# loads, and so looks for under os_prefix.
DTB = "bcm2711-rpi-4-b.dtb"


def config_lines(read, name, seen=()):
    """config.txt (or an included file) with its includes expanded."""
    text = None if name in seen else read(name)
    if text is None:
        return []
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("include "):
            out += config_lines(read, line.split(None, 1)[1], seen + (name,))
        elif line and not line.startswith("#"):
            out.append(line)
    return out


def choose(read, tryboot, exists=None):
    """What the firmware loads: {'cmdline': the cmdline= name (unprefixed),
    'text': the command line, 'prefix': the os_prefix in force, 'kernel',
    'initrd', 'cmdline_file': boot partition paths of the files it loads}."""
    exists = exists or (lambda name: read(name) is not None)
    auto = read("autoboot.txt") or ""
    assert re.search(r"^tryboot_a_b=1$", auto, re.M), auto
    cmdline, kernel, initrd, prefix, applies = "cmdline.txt", "kernel8.img", None, "", True
    for line in config_lines(read, "config.txt"):
        if line.startswith("["):
            applies = line == "[all]" or (line == "[tryboot]" and tryboot)
        elif not applies:
            continue
        elif line.startswith("cmdline="):
            cmdline = line.split("=", 1)[1]
        elif line.startswith("kernel="):
            kernel = line.split("=", 1)[1]
        elif line.startswith("os_prefix="):
            prefix = line.split("=", 1)[1]
        elif line.startswith("initramfs "):
            initrd = line.split()[1]

    def under(p, name):
        return name[1:] if name.startswith("/") else p + name

    if prefix and not (exists(under(prefix, kernel)) and exists(under(prefix, DTB))):
        prefix = ""                    # not viable: the firmware ignores it
    got = {"cmdline": cmdline, "prefix": prefix, "kernel": under(prefix, kernel),
           "initrd": initrd and under(prefix, initrd), "cmdline_file": under(prefix, cmdline)}
    got["text"] = read(got["cmdline_file"])
    assert got["text"] is not None, f"{got['cmdline_file']} is missing from the boot partition"
    assert exists(got["kernel"]), f"{got['kernel']} is missing from the boot partition"
    return got


def choose_cmdline(read, tryboot, exists=None):
    """(name of the command-line file config.txt names, its text as the
    firmware reads it, under os_prefix)."""
    got = choose(read, tryboot, exists)
    return got["cmdline"], got["text"]


def root_of(cmdline_text):
    """'A' or 'B': the root a command line names."""
    m = re.search(r"(?:^| )root=LABEL=PBROOT([AB])(?: |$)", cmdline_text.strip())
    assert m, cmdline_text
    return m.group(1)
