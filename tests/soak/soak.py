#!/usr/bin/python3
"""make soak: pb-web under many clients for a long time (docs/reliability.md).

  tests/soak/soak.py --build build [--seconds 600] [--clients 200] [--plot docs/soak.png]

A real pb-web on loopback serves a box with a few modules (one large video).
CLIENTS concurrent clients (in WORKERS processes, so the Python lock of one
process does not become the bottleneck) repeat the actions of the MIX table,
checking every answer (status, length, the exact bytes of each range, the
SHA-256 of each download). The box also runs a training session of today:
clients check teachers in (with a signature, against the session code) and
file their claims; in each worker process a facilitator's screen (logged in
through POST /api/v1/login) shows the code as the staff page does, polls the
day's list and approves or rejects the claims that come in. Beside them: a slowloris client that holds
connections open sending one header byte at a time, and a client that opens
connections and abandons them (half a request, or nothing, then a reset).
The load processes run at nice LOAD_NICE: on this machine they share the
CPUs with pb-web, which on a box they would not. A separate sampler process reads pb-web's RSS, open file descriptors and
threads, and times GET /healthz on a fresh connection, every second.

Pass: no request that should succeed failed, /healthz answered within
HEALTHZ_MAX_MS every time, and after the load RSS and file descriptors are
back near their baseline (fds within SETTLE_MAX_S: a connection left open
when the load stopped closes by [web] connection_timeout at the latest). Writes BUILD/soak/result.json and the plot."""
import argparse
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import socket
import sqlite3
import struct
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "system"))

HEALTHZ_MAX_MS = 100          # the promise: /healthz within 100 ms throughout
FD_SLACK = 4                  # open fds allowed above the baseline afterwards
RSS_SLACK_MB = 16             # RSS allowed above the baseline afterwards
SETTLE_S = 5                  # sampling goes on this long after the load
SETTLE_MAX_S = 35             # [web] connection_timeout (30 s) + 5: fds must be back by then
WORKERS = 4                   # client processes
ADDRESSES = 40                # 127.0.0.10 … : spread clients over source addresses
SLOWLORIS_CONNS = 20
SLOWLORIS_BYTE_EVERY_S = 5    # below [web] connection_timeout (30 s)
ABANDON_PER_S = 10
VIDEO_BYTES = 24 * 1024 * 1024
PDF_BYTES = 1536 * 1024
THINK_S = (0.0, 0.3)          # pause between one client's actions
WARM_CONNECTIONS = 16         # parallel warm-up connections before the baseline
ROSTER = 2000                 # teachers on the session's roster (the import's maximum)
WALK_IN_SHARE = 0.1           # and walk-ins (not on the roster, with a name): 10 % more
REPEAT_CHECKIN = 0.3          # between new arrivals: share that check in again (200, existing)
CODE_POLL_S = 5.0             # the staff page refreshes the code this often (staff.js)
LIST_POLL_S = 4.0             # and the day's list (staff.js POLL_MS)
DECIDE_EVERY_S = 5.0          # a facilitator looks at new claims this often
DECIDE_BULK_MAX = 50          # claims approved in one bulk decision
REJECT_SHARE = 0.1            # share of claims rejected (with a reason)
PASSWORD = "soak-fasil-rahasia-1"
ITEMS = ("uang_harian", "uang_makan", "transport")
ORIGINS = ("Kota Malang", "Kabupaten Malang", "Kota Batu")
# The load runs on the same CPUs as the box here (phones do not); it yields
# to pb-web and to the sampler so it measures the box, not its own backlog.
LOAD_NICE = 10


def mkdata(seed, n):
    return random.Random(seed).randbytes(n)


class Library:
    """What the box serves, known to every client so answers can be checked."""

    def __init__(self):
        self.video = mkdata(1, VIDEO_BYTES)
        self.pdfs = [mkdata(10 + i, PDF_BYTES + i * 4096) for i in range(3)]

    def modules(self):
        return [
            {"id": "kk-a-video", "title": "Video Pembelajaran", "kk": "A",
             "subject": "IPA", "level": "SMP",
             "files": [("a/video.mp4", self.video, "video.mp4")]},
        ] + [
            {"id": f"kk-b-{i}", "title": f"Modul {i}", "kk": "B", "subject": "Matematika",
             "level": "SMP", "files": [(f"b/modul-{i}.pdf", p, f"Modul {i}.pdf")]}
            for i, p in enumerate(self.pdfs)
        ]


# ---- client actions: each returns None on success or a failure text ----

def get(conn, path, headers=None):
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


def act_browse(conn, ctx, rng):
    status, _, body = get(conn, "/api/v1/modules", {"Accept-Encoding": "identity"})
    if status != 200:
        return f"catalogue {status}"
    cat = json.loads(body)
    if cat.get("count") != len(ctx["files"]):
        return f"catalogue count {cat.get('count')}"
    m = rng.choice(cat["modules"])
    status, _, _ = get(conn, "/api/v1/modules/" + m["id"])
    if status != 200:
        return f"module {status}"
    status, _, _ = get(conn, "/")
    return None if status == 200 else f"web app {status}"


def act_seek(conn, ctx, rng):
    url, sha, size = ctx["video"]
    first = rng.randrange(0, size - 1)
    last = min(size - 1, first + rng.randrange(64 * 1024, 1024 * 1024))
    status, h, body = get(conn, url, {"Range": f"bytes={first}-{last}"})
    if status != 206:
        return f"seek {status}"
    if h.get("content-range") != f"bytes {first}-{last}/{size}":
        return f"seek content-range {h.get('content-range')}"
    if hashlib.sha256(body).hexdigest() != ctx["video_slices"](first, last):
        return "seek bytes differ"
    return None


def act_download(conn, ctx, rng):
    url, sha, size = rng.choice(ctx["pdfs"])
    status, _, body = get(conn, url + "?download=1")
    if status != 200 or len(body) != size:
        return f"download {status} {len(body)}"
    return None if hashlib.sha256(body).hexdigest() == sha else "download bytes differ"


def post_json(conn, path, body, headers=None):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    conn.request("POST", path, body=json.dumps(body), headers=h)
    r = conn.getresponse()
    data = r.read()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, None


def nuptk(i):
    return "%016d" % (3200000000000000 + i)


def signature(rng):
    """A drawn signature in the check-in stroke format (about 1 KB)."""
    strokes = []
    for _ in range(rng.randint(2, 4)):
        x, y = rng.randint(20, 200), rng.randint(40, 110)
        st = [x, y]
        for _ in range(rng.randint(15, 40)):
            dx, dy = rng.randint(-4, 6), rng.randint(-5, 5)
            if 0 <= x + dx <= 300 and 0 <= y + dy <= 150:
                x, y = x + dx, y + dy
                st += [dx, dy]
        strokes.append(st)
    return {"w": 300, "h": 150, "s": strokes}


def new_teacher(ctx):
    """The next teacher of this client, when one is due: the teachers of
    all clients arrive spread evenly over the run (the roster first, then
    walk-ins), so the session ends at a real size, not at whatever the
    load could push. None when none is due yet."""
    me = ctx["me"]
    k = me["next"]
    due = me["quota"] * min(1.0, (time.time() - ctx["start"]) / ctx["span"])
    if k >= me["quota"] or k >= due:
        return None
    me["next"] += 1
    if k < me["roster_share"]:
        return me["roster_first"] + k, False
    return ROSTER + me["walkin_first"] + k, True


def act_checkin(conn, ctx, rng):
    """A teacher's phone: look the NUPTK up, then check in with a signature
    and the code the facilitator's screen shows (a new teacher gets 201;
    one already checked in today 200 with existing: true)."""
    me, code = ctx["me"], ctx["code"]()
    if code is None:
        me["as"] = "browse"
        return act_browse(conn, ctx, rng)
    sid = ctx["session"]
    t = new_teacher(ctx)
    repeat = t is None
    if t is not None:
        i, walk_in = t
    elif me["checked"] and rng.random() < REPEAT_CHECKIN:
        i = rng.choice(list(me["checked"]))
        walk_in = i >= ROSTER
    else:
        me["as"] = "browse"
        return act_browse(conn, ctx, rng)
    n = nuptk(i)
    st, j = post_json(conn, "/api/v1/checkin/lookup", {"session": sid, "nuptk": n, "code": code})
    if st != 200 or j is None or j.get("walk_in") != walk_in:
        return f"lookup {st} {j}"
    body = {"session": sid, "nuptk": n, "code": code, "signature": signature(rng)}
    if walk_in:
        body.update({"name": f"Guru Tamu {i}", "school": f"SD Negeri {i % 500} Contoh"})
    st, j = post_json(conn, "/api/v1/checkin", body)
    ok = (st == 200 and j and j.get("existing")) if repeat else (st == 201 and j and not j.get("existing"))
    if not ok or not j.get("uid"):
        return f"checkin {'repeat ' if repeat else ''}{st} {j}"
    me["checked"][i] = j["uid"]
    return None


def act_claim(conn, ctx, rng):
    """A checked-in teacher claims: what may be claimed, one item (transport
    at cost with a signed statement of real cost), then the claim list."""
    me = ctx["me"]
    todo = [(i, it) for i in me["checked"] for it in ITEMS if (i, it) not in me["claimed"]]
    sid = ctx["session"]
    if not todo:
        if not me["claimed"]:
            me["as"] = "browse"
            return act_browse(conn, ctx, rng)
        # a teacher looks at the status of their claims
        me["as"] = "claim_status"
        i = rng.choice([t for t, _ in me["claimed"]])
        return claim_list(conn, ctx, i)
    i, item = rng.choice(todo)
    n, proof = nuptk(i), me["checked"][i]
    status, _, body = get(conn, f"/api/v1/claims/options?session={sid}")
    if status != 200 or not json.loads(body).get("items"):
        return f"claim options {status}"
    claim = {"session": sid, "nuptk": n, "checkin": proof, "item": item}
    if item == "transport":
        claim.update({"mode": "angkutan_umum", "origin": rng.choice(ORIGINS),
                      "amount": rng.randrange(10, 200) * 1000, "evidence": "dpr",
                      "dpr_confirm": True, "signature": signature(rng)})
    # A connection lost after the POST leaves the claim unsure: asked again,
    # the box answers 409 already_claimed with the claim it kept.
    unsure = (i, item) in me["unsure"]
    me["unsure"].add((i, item))
    st, j = post_json(conn, "/api/v1/claims", claim)
    if st == 409 and unsure and j and j.get("error") == "already_claimed":
        st, j = 201, j.get("claim")
    if st != 201 or not j or not j.get("id"):
        return f"claim {item} {st} {j}"
    me["unsure"].discard((i, item))
    me["claimed"][(i, item)] = j["id"]
    return claim_list(conn, ctx, i)


def claim_list(conn, ctx, i):
    """The teacher's claims page: every claim it filed is listed."""
    me, sid = ctx["me"], ctx["session"]
    status, _, body = get(conn, f"/api/v1/claims?session={sid}&nuptk={nuptk(i)}",
                          {"X-Checkin-Id": me["checked"][i]})
    if status != 200:
        return f"claim list {status}"
    mine = {c["id"] for c in json.loads(body)["claims"]}
    want = {cid for (t, _), cid in me["claimed"].items() if t == i}
    return None if want <= mine else f"claim list lacks {sorted(want - mine)}"


# The mix: name, weight, action.
MIX = [
    ("browse", 45, act_browse),
    ("seek", 30, act_seek),
    ("download", 13, act_download),
    ("checkin", 6, act_checkin),
    ("claim", 6, act_claim),
]
WARM = ("browse", "seek", "download")     # the warm-up leaves attendance alone


class Facilitator:
    """A facilitator's screen in one worker process: logs in, shows the
    session code (refreshed like staff.js), polls the day's list, and
    decides the claims whose id falls to it (id % nfac == index)."""

    def __init__(self, host, port, session, index, nfac, deadline):
        self.host, self.port, self.session = host, port, session
        self.index, self.nfac, self.deadline = index, nfac, deadline
        self.code = None
        self.counts = {"code": 0, "staff_list": 0, "decision": 0, "login": 0}
        self.failures = []
        self.decided = 0
        self.conn = None
        self.cookie = self.csrf = None

    def req(self, method, path, body=None):
        h = {"Cookie": self.cookie}
        if method == "POST":
            h.update({"Content-Type": "application/json", "X-CSRF-Token": self.csrf})
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                                       source_address=("127.0.0.3", 0))
            self.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                              headers=h)
            r = self.conn.getresponse()
            return r.status, json.loads(r.read() or b"null")
        except (OSError, http.client.HTTPException, ValueError) as e:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return 0, f"{type(e).__name__}: {e}"

    def fail(self, kind, what):
        self.failures.append(f"{time.time():.1f} {kind}: {what}")

    def login(self):
        self.counts["login"] += 1
        c = http.client.HTTPConnection(self.host, self.port, timeout=30)
        c.request("POST", "/api/v1/login", body=json.dumps({"user": "fasil", "password": PASSWORD}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        j = json.loads(r.read())
        cookie = r.getheader("Set-Cookie", "")
        c.close()
        if r.status != 200:
            raise RuntimeError(f"facilitator login {r.status} {j}")
        self.cookie = cookie.split(";", 1)[0]
        self.csrf = j["csrf"]

    def decide(self, rng):
        st, j = self.req("GET", f"/api/v1/sessions/{self.session}/claims")
        self.counts["staff_list"] += 1
        if st != 200:
            return self.fail("staff_list", f"claims {st} {j}")
        mine = [c["id"] for c in j["claims"]
                if c["status"] == "submitted" and c["id"] % self.nfac == self.index]
        rng.shuffle(mine)
        reject = mine[:int(len(mine) * REJECT_SHARE)]
        approve = mine[len(reject):][:DECIDE_BULK_MAX]
        for cid in reject:
            self.counts["decision"] += 1
            st, j = self.req("POST", f"/api/v1/claims/{cid}/decision",
                             {"decision": "reject", "reason": "Kuitansi tidak terbaca"})
            if st != 200:
                self.fail("decision", f"reject {cid}: {st} {j}")
            else:
                self.decided += 1
        if approve:
            self.counts["decision"] += 1
            st, j = self.req("POST", f"/api/v1/sessions/{self.session}/claims/decisions",
                             {"ids": approve, "decision": "approve"})
            if st != 200:
                self.fail("decision", f"bulk {len(approve)}: {st} {j}")
            else:
                self.decided += len(approve)

    def run(self):
        rng = random.Random(100 + self.index)
        self.login()
        next_code = next_list = next_decide = 0.0
        while time.time() < self.deadline:
            now = time.time()
            if now >= next_code:
                st, j = self.req("GET", f"/api/v1/sessions/{self.session}/code")
                self.counts["code"] += 1
                if st == 200:
                    self.code = j["code"]
                    next_code = now + min(CODE_POLL_S, (j["ms_left"] + 200) / 1000.0)
                else:
                    self.fail("code", f"{st} {j}")
                    next_code = now + 1.0
            if now >= next_list:
                st, j = self.req("GET", f"/api/v1/sessions/{self.session}/attendance")
                self.counts["staff_list"] += 1
                if st != 200:
                    self.fail("staff_list", f"attendance {st} {j}")
                next_list = now + LIST_POLL_S
            if now >= next_decide:
                self.decide(rng)
                next_decide = now + DECIDE_EVERY_S
            time.sleep(max(0.05, min(next_code, next_list, next_decide) - time.time()))
        if self.conn is not None:
            self.conn.close()


def client_worker(wid, nclients, host, port, deadline, ctx_in, out_q):
    """One process running nclients client threads."""
    os.nice(LOAD_NICE)
    lib = Library()
    video = lib.video
    base = dict(ctx_in)
    base["video_slices"] = lambda a, b: hashlib.sha256(video[a:b + 1]).hexdigest()
    fac = Facilitator(host, port, base["session"], wid, WORKERS, deadline)
    base["code"] = lambda: fac.code
    counts = {name: 0 for name, _, _ in MIX}
    failures = []
    lock = threading.Lock()
    names = [m[0] for m in MIX]
    weights = [m[1] for m in MIX]
    acts = {m[0]: m[2] for m in MIX}
    first = ctx_in["first_client"][wid]
    total = ctx_in["clients"]

    def run(cid):
        rng = random.Random(wid * 1000 + cid)
        src = f"127.0.0.{10 + (wid * nclients + cid) % ADDRESSES}"
        g = first + cid            # this client's number among all
        share = ROSTER // total + (1 if g < ROSTER % total else 0)
        ctx = dict(base, me={
            "roster_first": g * (ROSTER // total) + min(g, ROSTER % total),
            "roster_share": share, "walkin_first": g * 1000000 - share, "next": 0,
            "quota": share + max(1, round(share * WALK_IN_SHARE)),
            "checked": {}, "unsure": set(), "claimed": {}, "as": None})
        conn = None
        while time.time() < deadline:
            name = rng.choices(names, weights)[0]
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(host, port, timeout=30,
                                                      source_address=(src, 0))
                ctx["me"]["as"] = name      # an action may turn into another
                err = acts[name](conn, ctx, rng)
            except (OSError, http.client.HTTPException) as e:
                err = f"{type(e).__name__}: {e}"
                conn.close()
                conn = None
            did = ctx["me"]["as"]
            with lock:
                counts[did] = counts.get(did, 0) + 1
                if err:
                    failures.append(f"{time.time():.1f} {did}: {err}")
            # Sometimes a phone leaves and comes back with a new connection.
            if conn is not None and rng.random() < 0.1:
                conn.close()
                conn = None
            time.sleep(rng.uniform(*THINK_S))
        if conn is not None:
            conn.close()

    ft = threading.Thread(target=fac.run, daemon=True)
    ft.start()
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(nclients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ft.join()
    for k, v in fac.counts.items():
        counts[k] = counts.get(k, 0) + v
    failures += fac.failures
    out_q.put({"counts": counts, "failures": failures, "decided": fac.decided})


def slowloris(host, port, deadline, out_q):
    """Hold connections open by trickling a request head."""
    os.nice(LOAD_NICE)
    socks, opened = [], 0
    while time.time() < deadline:
        while len(socks) < SLOWLORIS_CONNS:
            try:
                s = socket.create_connection((host, port), timeout=5,
                                             source_address=("127.0.0.200", 0))
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: box\r\n")
                socks.append(s)
                opened += 1
            except OSError:
                break
        wake = time.time() + SLOWLORIS_BYTE_EVERY_S
        while time.time() < min(wake, deadline):
            time.sleep(0.2)
        for s in list(socks):
            try:
                s.sendall(b"X-a: b\r\n")
            except OSError:
                socks.remove(s)     # closed by the box: fine, open another
                s.close()
    for s in socks:
        s.close()
    out_q.put({"slowloris_opened": opened})


def abandoner(host, port, deadline, out_q):
    """Open connections and abandon them: nothing sent, or half a request,
    then a reset (SO_LINGER 0)."""
    os.nice(LOAD_NICE)
    rng = random.Random(7)
    n = 0
    while time.time() < deadline:
        try:
            s = socket.create_connection((host, port), timeout=5,
                                         source_address=("127.0.0.201", 0))
            if rng.random() < 0.5:
                s.sendall(b"GET /api/v1/modules HTTP/1.1\r\nHo")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
            n += 1
        except OSError:
            pass
        time.sleep(1.0 / ABANDON_PER_S)
    out_q.put({"abandoned": n})


def proc_sample(pid):
    rss = threads = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    return rss / 1024.0, len(os.listdir(f"/proc/{pid}/fd")), threads


def healthz_ms(host, port):
    t0 = time.monotonic()
    try:
        c = http.client.HTTPConnection(host, port, timeout=10, source_address=("127.0.0.2", 0))
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        c.close()
        ok = r.status == 200
    except (OSError, http.client.HTTPException):
        ok = False
    return (time.monotonic() - t0) * 1000.0, ok


def sampler(pid, host, port, stop_at, out_q):
    samples = []
    t0 = time.time()
    due = time.time()
    while time.time() < stop_at:
        t = time.time()
        # How late this process woke: a measure of how starved the machine
        # itself is, to tell a slow box from a busy machine.
        late_ms = max(0.0, (t - due) * 1000.0)
        rss, fds, threads = proc_sample(pid)
        ms, ok = healthz_ms(host, port)
        samples.append({"t": t - t0, "rss_mb": rss, "fds": fds, "threads": threads,
                        "healthz_ms": ms, "healthz_ok": ok, "sampler_late_ms": late_ms})
        due = t + 1.0
        time.sleep(max(0.0, due - time.time()))
    out_q.put({"samples": samples})


def plot(samples, load_end, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = [s["t"] for s in samples]
    fig, ax = plt.subplots(3, 1, figsize=(8, 7), sharex=True)
    ax[0].plot(t, [s["rss_mb"] for s in samples], color="#1f5fa8")
    ax[0].set_ylabel("RSS (MB)")
    ax[1].plot(t, [s["fds"] for s in samples], color="#7a3b00")
    ax[1].set_ylabel("open fds")
    ax[2].plot(t, [s["healthz_ms"] for s in samples], color="#0a6b2d")
    ax[2].axhline(HEALTHZ_MAX_MS, color="#b00020", linestyle="--", linewidth=1)
    ax[2].set_ylabel("/healthz (ms)")
    ax[2].set_xlabel("seconds")
    for a in ax:
        a.axvline(load_end, color="#555555", linestyle=":", linewidth=1)
        a.grid(alpha=0.3)
    ax[0].set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


RATES_CSV = """tahun,provinsi,item,asal,jumlah
{year},Jawa Timur,uang_harian,,150000
{year},Jawa Timur,uang_makan,,50000
{year},Jawa Timur,transport,Kota Malang,100000
{year},Jawa Timur,transport,Kabupaten Malang,150000
{year},Jawa Timur,transport,Kota Batu,120000
"""


def make_session(host, port):
    """Today's session with ROSTER teachers, made through the API by the
    facilitator. Returns its id and the facilitator's cookie."""
    c = http.client.HTTPConnection(host, port, timeout=60)
    c.request("POST", "/api/v1/login", body=json.dumps({"user": "fasil", "password": PASSWORD}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    j = json.loads(r.read())
    assert r.status == 200, (r.status, j)
    h = {"Cookie": r.getheader("Set-Cookie").split(";", 1)[0], "X-CSRF-Token": j["csrf"]}
    st, j = post_json(c, "/api/v1/sessions", {
        "title": "Diklat Matematika SMP KK A (uji ketahanan)", "mode": "tatap_muka", "kk": "A",
        "subject": "Matematika", "start_date": time.strftime("%Y-%m-%d"), "days": 2,
        "jp_per_day": 8, "facilitators": ["fasil"]}, h)
    assert st == 201, (st, j)
    sid = j["id"]
    rows = ["NUPTK;Nama;NPSN;Sekolah;Mata Pelajaran"] + [
        f"{nuptk(i)};Guru Peserta {i};{20500000 + i};SMP Negeri {i % 300} Contoh;Matematika"
        for i in range(ROSTER)]
    c.request("POST", f"/api/v1/sessions/{sid}/roster", body="\r\n".join(rows).encode(),
              headers=dict(h, **{"Content-Type": "text/csv"}))
    r = c.getresponse()
    j = json.loads(r.read())
    assert r.status == 200 and j["accepted"] == ROSTER, (r.status, j)
    c.close()
    return sid, {"Cookie": h["Cookie"]}


def main():
    from content_fixture import make_folder
    from pbtest import Daemon, binary, free_port, pbctl, wait_http, write_config
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--plot", default="")
    a = ap.parse_args()
    os.environ["PB_BUILD"] = os.path.abspath(a.build)
    out_dir = os.path.join(a.build, "soak")
    os.makedirs(out_dir, exist_ok=True)

    lib = Library()
    tmp = tempfile.mkdtemp(prefix=f"pbsoak-{os.getpid()}-")
    port = free_port()
    # 40 source addresses stand for 200 phones: each may check in many teachers.
    conf = write_config(tmp, port, "max_connections = 1000\nmax_connections_per_ip = 64\n",
                        sections="[attendance]\ncheckin_per_client_max = 100000\nlookup_max = 100000\n\n"
                                 "[claims]\nprovince = Jawa Timur\n")
    usb = os.path.join(tmp, "usb")
    hashes = make_folder(usb, lib.modules())
    pbctl(conf, "init")
    pbctl(conf, "content", "import", usb)
    pbctl(conf, "user", "add", "fasil", "--role", "fasilitator", input=PASSWORD + "\n")
    rates = os.path.join(tmp, "rates.csv")
    with open(rates, "w") as f:
        f.write(RATES_CSV.format(year=time.localtime().tm_year))
    pbctl(conf, "rates", "import", rates)
    web = Daemon([binary("pb-web"), "-c", conf], os.path.join(tmp, "pb-web.log"))
    host = "127.0.0.1"
    base = f"http://{host}:{port}"
    wait_http(base + "/healthz", proc=web.proc)
    names = {"a/video.mp4": "video.mp4"}
    names.update({f"b/modul-{i}.pdf": f"Modul%20{i}.pdf" for i in range(3)})
    files = {rel: (f"/f/{sha}/{names[rel]}", sha) for rel, sha in hashes.items()}
    per = [a.clients // WORKERS + (1 if i < a.clients % WORKERS else 0) for i in range(WORKERS)]
    sid, staff = make_session(host, port)
    ctx = {
        "session": sid,
        "clients": a.clients,
        "first_client": [sum(per[:i]) for i in range(WORKERS)],
        "files": files,
        "video": (files["a/video.mp4"][0], files["a/video.mp4"][1], VIDEO_BYTES),
        "pdfs": [(files[f"b/modul-{i}.pdf"][0], files[f"b/modul-{i}.pdf"][1], len(p))
                 for i, p in enumerate(lib.pdfs)],
    }
    # Warm up once per action (caches, one database handle per thread),
    # then take the baseline.
    # Parallel connections, so every server thread opens its database handle.
    wctx = dict(ctx, video_slices=lambda x, y: hashlib.sha256(lib.video[x:y + 1]).hexdigest())
    warm_err = []

    def warm():
        c = http.client.HTTPConnection(host, port, timeout=30)
        for name, _, fn in MIX:
            if name not in WARM:
                continue
            err = fn(c, wctx, random.Random(0))
            if err:
                warm_err.append(f"warm-up {name}: {err}")
        # the staff views run in pb-web's handler pool: its threads too
        for path in (f"/api/v1/sessions/{sid}/attendance", f"/api/v1/sessions/{sid}/claims"):
            status, _, _ = get(c, path, staff)
            if status != 200:
                warm_err.append(f"warm-up {path}: {status}")
        c.close()
    for _ in range(4):
        ts = [threading.Thread(target=warm) for _ in range(WARM_CONNECTIONS)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
    assert not warm_err, warm_err
    time.sleep(1)
    base_rss, base_fds, base_threads = proc_sample(web.proc.pid)

    q = mp.Queue()
    start = time.time()
    deadline = start + a.seconds
    sample_until = deadline + SETTLE_S + 1
    # teachers arrive over the first 80 % of the run: the last ones still
    # claim and get their decisions before it ends
    ctx.update(start=start, span=a.seconds * 0.8)
    procs = [mp.Process(target=client_worker, args=(i, per[i], host, port, deadline, ctx, q))
             for i in range(WORKERS)]
    procs.append(mp.Process(target=slowloris, args=(host, port, deadline, q)))
    procs.append(mp.Process(target=abandoner, args=(host, port, deadline, q)))
    procs.append(mp.Process(target=sampler, args=(web.proc.pid, host, port, sample_until, q)))
    for p in procs:
        p.start()
    results = [q.get() for _ in procs]
    for p in procs:
        p.join()
    # Back near the baseline: connections still open when the load stopped
    # (a slowloris head, a reset not yet seen) may take up to
    # [web] connection_timeout to close. How long it took is reported.
    _, first_fds, _ = proc_sample(web.proc.pid)
    first_sockets = sum(1 for f in os.listdir(f"/proc/{web.proc.pid}/fd")
                        if os.readlink(f"/proc/{web.proc.pid}/fd/{f}").startswith("socket:"))
    t_end = time.time()
    while True:
        end_rss, end_fds, end_threads = proc_sample(web.proc.pid)
        if end_fds <= base_fds + FD_SLACK or time.time() - t_end > SETTLE_MAX_S:
            break
        time.sleep(1)
    settle_s = time.time() - t_end
    alive = web.alive()
    web.stop()

    samples = next(r["samples"] for r in results if "samples" in r)
    counts, failures = {}, []
    for r in results:
        for k, v in r.get("counts", {}).items():
            counts[k] = counts.get(k, 0) + v
        failures += r.get("failures", [])
    by_action = {}
    for f in failures:
        k = f.split(" ", 2)[1].rstrip(":")
        by_action[k] = by_action.get(k, 0) + 1
    # What the box kept, and its outbox chain, after the load.
    db = sqlite3.connect(os.path.join(tmp, "data", "pb.db"))
    kept = {name: db.execute(sql).fetchone()[0] for name, sql in (
        ("checkins", "SELECT count(*) FROM attendance WHERE kind = 'checkin'"),
        ("walk_ins", "SELECT count(*) FROM attendance WHERE kind = 'checkin' AND walk_in"),
        ("claims", "SELECT count(*) FROM claim"),
        ("claim_events", "SELECT count(*) FROM claim_event"),
        ("outbox", "SELECT count(*) FROM outbox"))}
    db.close()
    verify = pbctl(conf, "outbox", "verify", check=False)
    kept["outbox_verify"] = verify.returncode == 0
    during = [s for s in samples if s["t"] <= a.seconds]
    worst = max(s["healthz_ms"] for s in samples)
    p99 = sorted(s["healthz_ms"] for s in during)[int(len(during) * 0.99) - 1] if during else 0
    res = {
        "seconds": a.seconds, "clients": a.clients, "requests_by_action": counts,
        "actions": sum(counts.values()), "failures": len(failures),
        "failures_by_action": by_action,
        "claims_decided": sum(r.get("decided", 0) for r in results), "box_kept": kept,
        "first_failures": failures[:20],
        "slowloris_opened": sum(r.get("slowloris_opened", 0) for r in results),
        "abandoned": sum(r.get("abandoned", 0) for r in results),
        "healthz_ms_max": round(worst, 1), "healthz_ms_p99": round(p99, 1),
        "healthz_failed": sum(1 for s in samples if not s["healthz_ok"]),
        "healthz_over_limit": [
            {"t": round(s["t"]), "ms": round(s["healthz_ms"], 1),
             "sampler_late_ms": round(s["sampler_late_ms"], 1)}
            for s in samples if s["healthz_ms"] > HEALTHZ_MAX_MS],
        "sampler_late_ms_max": round(max(s["sampler_late_ms"] for s in samples), 1),
        "rss_mb": {"baseline": round(base_rss, 1), "peak": round(max(s["rss_mb"] for s in samples), 1),
                   "after": round(end_rss, 1)},
        "fds": {"baseline": base_fds, "peak": max(s["fds"] for s in samples),
                "when_load_stopped": first_fds, "sockets_when_load_stopped": first_sockets,
                "after": end_fds, "seconds_to_settle": round(settle_s, 1)},
        "threads": {"baseline": base_threads, "after": end_threads},
        "load": os.getloadavg(), "cpus": os.cpu_count(), "pb_web_alive": alive,
    }
    checks = {
        "no failed request": len(failures) == 0,
        f"/healthz within {HEALTHZ_MAX_MS} ms": worst <= HEALTHZ_MAX_MS and res["healthz_failed"] == 0,
        "fds back near baseline": end_fds <= base_fds + FD_SLACK,
        "RSS back near baseline": end_rss <= base_rss + RSS_SLACK_MB,
        "pb-web alive": alive,
        "outbox chain verifies": kept["outbox_verify"],
    }
    res["checks"] = checks
    with open(os.path.join(out_dir, "result.json"), "w") as f:
        json.dump({**res, "samples": samples}, f, indent=1)
    print(json.dumps(res, indent=1))
    if a.plot:
        plot(samples, a.seconds, a.plot,
             f"pb-web soak: {a.clients} clients (browse, seek, download, check-in, claim), "
             f"{WORKERS} facilitators,\nslowloris + abandoners, {a.seconds} s "
             f"({res['actions']} actions, {res['failures']} failed)")
        print(f"plot: {a.plot}")
    import shutil
    shutil.rmtree(tmp, ignore_errors=True)
    bad = [k for k, ok in checks.items() if not ok]
    print("soak: " + ("PASS" if not bad else "FAIL: " + ", ".join(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.exit(main())
