"""Receipt photos are decoded with libjpeg-turbo and libpng, not trusted by
their first bytes: a PNG that claims 100000 x 100000 pixels is refused from
its header ([claims] receipt_max_pixels) without pb-web taking the memory
it names, a truncated JPEG is refused, and what is stored is a new JPEG
holding only the pixels: a phone photo's EXIF (its GPS position) is gone.
pb-web decodes under its seccomp filter (the default)."""
import io
import os
import struct
import sys
import zlib

from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from claims_util import ClaimBox, photo, receipt, stored_receipt  # noqa: E402


def kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(field)


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)


def png_claiming(w, h, size=20000):
    body = zlib.compress(os.urandom(size))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", body) + chunk(b"IEND", b""))


def gps_jpeg():
    """A phone photo: JPEG with EXIF naming the phone and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "PonselUji"                     # Make
    exif[0x8825] = {1: "S", 2: (7.0, 58.0, 12.5), 3: "E", 4: (112.0, 37.0, 44.0)}
    return photo("JPEG", size=(120, 90), exif=exif.tobytes())


def err(r):
    return r.json().get("error")


def test_receipts_are_decoded_bounded_and_stored_anew(make_box):
    cb = ClaimBox(make_box, n=3)
    for i in range(3):
        cb.check_in(i)
    pid = cb.box.web.proc.pid
    store = os.path.join(cb.box.dir, "data", "store")

    def objects():
        return sorted(f for d, _, fs in os.walk(store) for f in fs if "/tmp" not in d)
    objs = objects()
    base = kib(pid, "VmRSS")

    bomb = png_claiming(100000, 100000)
    assert 19000 < len(bomb) < 21000
    r = cb.transport(0, 50000, evidence="receipt", receipt=receipt(bomb, "image/png"))
    assert r.status_code == 413 and err(r) == "receipt_too_many_pixels", r.text
    assert kib(pid, "VmHWM") - base < 64 * 1024
    # within the sides libpng takes, but over receipt_max_pixels: the same
    r = cb.transport(0, 50000, evidence="receipt",
                     receipt=receipt(png_claiming(5000, 5000, 2000), "image/png"))
    assert r.status_code == 413 and err(r) == "receipt_too_many_pixels", r.text

    whole = gps_jpeg()
    assert b"PonselUji" in whole and Image.open(io.BytesIO(whole)).getexif().get_ifd(0x8825)
    r = cb.transport(0, 50000, evidence="receipt", receipt=receipt(whole[:len(whole) // 2]))
    assert r.status_code == 415 and err(r) == "receipt_not_image", r.text
    # a PNG cut short in its pixels
    cut = photo("PNG", size=(120, 90))
    r = cb.transport(0, 50000, evidence="receipt", receipt=receipt(cut[:len(cut) - 200],
                                                                   "image/png"))
    assert r.status_code == 415 and err(r) == "receipt_not_image", r.text
    assert objects() == objs

    r = cb.transport(0, 50000, evidence="receipt", receipt=receipt(whole))
    assert r.status_code == 201, r.text
    sha, size, mime, kept = stored_receipt(cb, r.json()["id"])
    assert mime == "image/jpeg" and size == len(kept)
    assert b"PonselUji" not in kept and b"Exif" not in kept
    img = Image.open(io.BytesIO(kept))
    assert img.format == "JPEG" and img.size == (120, 90)
    assert not img.getexif() and not img.getexif().get_ifd(0x8825)
    # the pixels are those of the photo (a JPEG's loss aside)
    a = Image.open(io.BytesIO(whole)).convert("RGB").getpixel((60, 45))
    b = img.convert("RGB").getpixel((60, 45))
    assert all(abs(x - y) < 24 for x, y in zip(a, b)), (a, b)
    # a PNG is kept as a JPEG too
    r = cb.transport(1, 50000, evidence="receipt", receipt=receipt(photo("PNG"), "image/png"))
    assert r.status_code == 201, r.text
    assert stored_receipt(cb, r.json()["id"])[2] == "image/jpeg"
    assert cb.box.web.alive()


def test_photos_leave_the_data_folder_room(make_box, tmp_path):
    """Every version of a worksheet keeps its photos, and a claim can be
    withdrawn and filed again with a new receipt: a checked-in phone sending
    photo after photo filled the data folder's file system (here 1,536
    photos in 20 s), and then no check-in could be written. A photo that
    could leave less than [claims] photo_reserve_mb free is refused with
    507 store_full before it is decoded (the reserve here is larger than
    any disk, so every photo meets it); check-ins, claims without a photo
    and worksheets without one are still taken."""
    from learning_util import MODULE, LearnBox
    lb = LearnBox(make_box, tmp_path / "usb", n=2,
                  box={"extra": "photo_reserve_mb = 16777216\n"})
    store = os.path.join(lb.box.dir, "data", "store")

    def objects():
        return sorted(f for d, _, fs in os.walk(store) for f in fs if "/tmp" not in d)
    objs = objects()
    t0 = lb.teacher(0)
    r = t0.post("/api/v1/learning/worksheets", module=MODULE, worksheet="lk1", text="foto",
                photos=[{"type": "image/jpeg", "data": receipt(gps_jpeg())["data"]}])
    assert r.status_code == 507 and err(r) == "store_full", r.text
    assert r.json()["message"]
    r = lb.claim(0, "transport", mode="angkutan_umum", origin="Kota Malang", amount=50000,
                 evidence="receipt", receipt=receipt(gps_jpeg()))
    assert r.status_code == 507 and err(r) == "store_full", r.text
    assert objects() == objs
    assert "photo_reserve_mb" in lb.box.web.output()
    # what needs no photo is still taken
    r = t0.post("/api/v1/learning/worksheets", module=MODULE, worksheet="lk1", text="tanpa foto")
    assert r.status_code == 200, r.text
    from attendance_util import roster_csv
    r = lb.staff.roster(lb.sid, roster_csv(3))
    assert r.status_code == 200, r.text
    assert lb.check_in(2, ip="127.0.0.5")
