"""Upload batches start small and grow (docs/sync-protocol.md §8): real
pbctl, pb-sync, pb-hub and PostgreSQL. 120 records with ~1.5 KB signatures
go up in one round with [sync] batch_start_bytes = 4096 and batch_bytes =
16384: pb-sync's log of each try shows the first batch within 4096 bytes,
each next one within twice the last limit, the later ones past 8192 and
none past 16384; the batches follow each other without a gap or an
overlap, and the hub holds every record once, its chain verified."""
import random
import re

from pbhub import Sync, add_records, box_counts, box_meta, signature_strokes, sync_section
from pbtest import Box

N = 120
TRY = re.compile(r"batch (\d+)\.\.(\d+), (\d+) B: .*: answered")


def test_batches_grow_from_the_first_size(hub, tmpdir_hub):
    b = Box(sections=sync_section(hub.base, hub.cli("token", "PB-TEST-001").stdout.strip(),
                                  "batch_start_bytes = 4096\nbatch_bytes = 16384"))
    try:
        b.pbctl("init")
        rng = random.Random(3)
        add_records(b, "attendance.checkin", [
            {"session_id": "S-1", "day": 1, "nuptk": f"{3200000000000000 + i}",
             "name": f"Guru {i}", "signature": signature_strokes(rng)} for i in range(N)])
        total = box_counts(b)[0]
        s = Sync(b).start(["-1"])
        try:
            assert s.daemon.proc.wait(timeout=120) == 0, s.daemon.output()
            log = s.daemon.output()
        finally:
            s.stop()
        assert box_counts(b) == (total, 0)
        tries = [tuple(int(x) for x in m.groups()) for m in TRY.finditer(log)]
        assert len(tries) >= 4, log
        limit, nxt = 4096, 1
        for first, last, size in tries:
            assert first == nxt and last >= first, tries
            assert size <= limit, tries
            nxt, limit = last + 1, min(limit * 2, 16384)
        assert nxt == total + 1
        assert max(size for _, _, size in tries) > 8192, tries
        bid = box_meta(b, "box_id")
        assert hub.count(bid) == total
        assert f"chain OK, {total} records" in hub.cli("verify", bid).stdout
    finally:
        b.close()
