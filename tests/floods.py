"""Floods of half-sent bodies, as a hostile client sends them: many
connections, each with the headers of a large body and its first bytes,
and never the rest. The connections come from fresh 127.0.0.x addresses
(loopback answers on all of them), so that a server's per-address
connection limit is not what refuses them. Shared by
tests/hub/test_hostile_office.py (pb-hub) and
tests/system/test_hostile_admin_bodies.py (pb-web)."""
import socket


class Flood:
    """One test module's floods: each takes addresses after the last one's
    (its connections may not all be closed yet), per_address connections
    on each, from 127.0.0.2 to 127.0.0.254."""

    def __init__(self, per_address, timeout=60):
        self.per_address = per_address
        self.timeout = timeout
        self.next_address = 2

    def half_sent(self, host, port, n, head, first):
        """n connections to host:port, each sending head (the request line
        and headers, each line ending in CRLF, without the blank line) and
        then the bytes first of its body; the open sockets."""
        socks = []
        base = self.next_address
        self.next_address += (n + self.per_address - 1) // self.per_address
        assert self.next_address < 255, "out of 127.0.0.x addresses"
        for i in range(n):
            src = f"127.0.0.{base + i // self.per_address}"
            s = socket.create_connection((host, port), timeout=self.timeout,
                                         source_address=(src, 0))
            try:
                s.sendall((head + "\r\n").encode() + first)
            except OSError:
                pass              # answered and closed already: fine
            socks.append(s)
        return socks


def close_all(socks):
    for s in socks:
        s.close()
