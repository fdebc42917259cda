"""A realistic training day on a real box (pb-web's own API, as the pages
call it), for the uplink's byte and bad-link measurements and tests:
the setup records (staff login, the session, its claim settings, the
roster import, the rate table), TEACHERS check-ins each signed with a finger
signature of ~180 points, then per teacher a transport and a lodging
claim signed on the DPR (Daftar Pengeluaran Riil) and a daily allowance,
and a facilitator's decision on each claim."""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "system"))
from claims_util import ClaimBox, checkin, nuptk  # noqa: E402
from pbhub import finger_signature  # noqa: E402

TEACHERS = 40


class TrainingDay:
    def __init__(self, make_box, sync, teachers=TEACHERS, seed=7):
        self.n = teachers
        self.rng = random.Random(seed)
        self.cb = ClaimBox(make_box, n=teachers, extra=sync)
        self.box = self.cb.box
        r = self.cb.staff.post(f"/api/v1/sessions/{self.cb.sid}/claim-settings",
                               json={"residential": True})
        assert r.status_code == 200, r.text
        self.claims = []

    def checkins(self):
        code = self.cb.staff.code(self.cb.sid)
        for i in range(self.n):
            st, j = checkin(self.box, "127.0.0.1", self.cb.sid, nuptk(i), code,
                            sig=finger_signature(self.rng))
            assert st == 201, j
            self.cb.proof[i] = j["uid"]

    def file_claims(self):
        for i in range(self.n):
            dpr = {"evidence": "dpr", "dpr_confirm": True}
            for r in (self.cb.transport(i, 30000 + 1000 * i,
                                        signature=finger_signature(self.rng)),
                      self.cb.claim(i, "penginapan", amount=350000,
                                    signature=finger_signature(self.rng), **dpr),
                      self.cb.claim(i, "uang_harian")):
                assert r.status_code == 201, r.text
                self.claims.append(r.json()["id"])

    def decide(self):
        for c in self.claims:
            assert self.cb.decide(c, "approve").status_code == 200

    def signatures(self):
        """(check-ins, claims) whose records carry a signature."""
        return self.n, 2 * self.n
