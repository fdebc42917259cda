"""The Raspberry Pi boot firmware's choice of a kernel command line, played
by the tests (the firmware itself cannot run on this machine nor under
qemu's virt machine). It reads the same files the firmware reads from the
boot partition: autoboot.txt must say tryboot_a_b=1 (else a tryboot would
read tryboot.txt, which the box has not); then config.txt with its
includes expanded and its filters: [all] applies always, [tryboot] only
with the one-shot tryboot flag, [none] never; the last cmdline= that
applies wins, cmdline.txt when none does.

`read(name)` gives a boot partition file's text, or None when it is
missing: a folder (tests/sync) or the image's FAT partition through mtools
(tests/image) both serve."""
import re


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


def choose_cmdline(read, tryboot):
    """(name of the command-line file the firmware uses, its text)."""
    auto = read("autoboot.txt") or ""
    assert re.search(r"^tryboot_a_b=1$", auto, re.M), auto
    cmdline, applies = "cmdline.txt", True
    for line in config_lines(read, "config.txt"):
        if line.startswith("["):
            applies = line == "[all]" or (line == "[tryboot]" and tryboot)
        elif applies and line.startswith("cmdline="):
            cmdline = line.split("=", 1)[1]
    text = read(cmdline)
    assert text is not None, f"{cmdline} is missing from the boot partition"
    return cmdline, text


def root_of(cmdline_text):
    """'A' or 'B': the root a command line names."""
    m = re.search(r"(?:^| )root=LABEL=PBROOT([AB])(?: |$)", cmdline_text.strip())
    assert m, cmdline_text
    return m.group(1)
