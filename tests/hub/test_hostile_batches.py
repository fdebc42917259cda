"""Batches from a hostile enrolled box whose inflated JSON is small in bytes
but huge as values: 31 MiB of `{},{},...` (within PB_PROTO_BATCH_JSON_MAX)
gzipped to 31 KiB (version 1) or in a pbz1 zstd frame (version 2, made by
the `zstd` program; the dictionary is raw content, so a frame made without
it reads the same). jansson spends about 230 bytes on each `{}`: parsed,
that text took pb-hub past 2.5 GB. pb-hub now counts the separators
('{', '[', ',', ':' outside strings) first and answers 413 too_large past
PB_PROTO_BATCH_MARKS_MAX without parsing; the box's batches never come
near it (a payload of more than PB_PACK_PAYLOAD_MARKS_MAX travels as its
text: tests/unit/test_pack.c), and an honest batch sent afterwards is
stored."""
import gzip
import http.client
import json
import os
import subprocess

from test_hostile import MIB, new_box, post, records, vm

JSON_MAX = 32 * 1024 * 1024          # PB_PROTO_BATCH_JSON_MAX
# pb-hub's peak growth allowed: the inflated text (32 MiB; 109 MiB under
# ASan, whose quarantine keeps what inflating freed), far below the 2.5 GB
# a parse took
GREW_MAX = 160 * MIB


def bomb(version, box_id):
    head = json.dumps({"v": version, "box_id": box_id}, separators=(",", ":"))[:-1]
    pad = ',"x":[' + "{}," * ((JSON_MAX - 4096) // 3) + "{}]}"
    return (head + pad).encode()


def zstd_frame(data, tmp):
    path = os.path.join(tmp, "f")
    with open(path, "wb") as f:
        f.write(data)
    subprocess.run(["zstd", "-q", "-f", "-3", path, "-o", path + ".zst"], check=True)
    with open(path + ".zst", "rb") as f:
        return f.read()


def send(hub, box, body, mime):
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=300)
    c.request("POST", "/v1/batch", body, {
        "Content-Type": mime, "X-PB-Box": box.box_id,
        "X-PB-Signature": box.key.sign(body).hex()})
    r = c.getresponse()
    out = r.status, json.loads(r.read() or b"{}")
    c.close()
    return out


def test_value_bombs_are_refused_before_parsing(hub, tmp_path):
    b = new_box(hub, "PB-A")
    pid = hub.daemon.proc.pid
    before = vm(pid, "VmHWM")
    v1 = gzip.compress(bomb(1, b.box_id), 9)
    assert len(v1) < 256 * 1024
    v2 = (b"pbz1" + zstd_frame(bomb(2, b.box_id), str(tmp_path))
          + zstd_frame(b"", str(tmp_path)))
    assert len(v2) < 256 * 1024
    for body, mime in ((v1, "application/vnd.pb-batch+gzip"),
                       (v2, "application/vnd.pb-batch+zstd")):
        st, j = send(hub, b, body, mime)
        grew = vm(pid, "VmHWM") - before
        assert grew < GREW_MAX, f"pb-hub grew by {grew / MIB:.0f} MiB ({st} {j})"
        assert st == 413 and j["error"] == "too_large" and "JSON values" in j["detail"], j
    # nothing is lost for the honest: the box's next batch is stored
    st, j, _ = post(hub, b, records(b, [("checkin", {"n": 1}), ("checkin", {"n": 2})]))
    assert st == 200 and j["acked"] == 2, j
