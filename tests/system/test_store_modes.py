"""The content store is shared by the box's programs through one group
(pb on the box, where the data folder is set-group-ID): every folder of
the store is group-writable whatever the umask of the program that made
it, so pb-web (receipt photos), pb-sync (module files, the purge) and
pbctl (run as root, umask 022) can each add and remove files in folders
another one made."""
import os
import stat

from content_fixture import make_folder


def test_store_folders_are_group_writable_and_keep_the_group(make_box, tmp_path):
    box = make_box()
    data = os.path.join(box.dir, "data")
    os.makedirs(data, exist_ok=True)
    os.chmod(data, 0o2770)                      # as the image makes it
    hashes = make_folder(str(tmp_path / "usb"), [
        {"id": "m1", "title": "Modul", "kk": "A", "subject": "IPA", "level": "SMP",
         "files": [("a.txt", b"isi satu", None), ("b.txt", b"isi dua", None)]}])
    old = os.umask(0o022)                       # what a root shell has
    try:
        box.pbctl("content", "import", str(tmp_path / "usb"))
    finally:
        os.umask(old)
    store = os.path.join(data, "store")
    folders = [store, os.path.join(store, "tmp")] + \
        [os.path.join(store, h[:2]) for h in hashes.values()]
    for d in folders:
        mode = os.stat(d).st_mode
        assert stat.S_IMODE(mode) & 0o777 == 0o770, (d, oct(mode))
        assert mode & stat.S_ISGID, (d, oct(mode))   # the group stays the data folder's
    for h in hashes.values():
        assert os.path.exists(os.path.join(store, h[:2], h))
