#!/usr/bin/python3
"""tcc-store's memory under amplification attacks, with a bound: the server's
peak resident set (VmHWM) may grow past its idle size by at most --max-memory
plus a fixed slack, however many hostile clients hold requests or replies,
and a fresh client is served while they do.
Usage: test_memory.py PATH/TO/tcc-store"""
import os
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, main  # noqa: E402
from storewire import (GET, MULTI_GET, PING, SET, connect, is_closed_by_peer, recv_bytes,  # noqa: E402
                       recv_exact, s, start_server, stats, u64)

BIN = sys.argv[1]
MIB = 1 << 20
VALUE = 4 * MIB          # the "huge value" every attack asks for
CEILING = 64 * MIB       # --max-memory
# Allocator rounding, the 64 KiB read buffer, libuv's own allocations.
SLACK = 16 * MIB
LIMITS = ["--max-value-len", str(VALUE), "--max-conn-buffer", str(VALUE + 4096),
          "--max-write-queue", str(VALUE + 4096), "--max-memory", str(CEILING)]


def kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field}")


class Server:
    """A tcc-store with small limits holding one VALUE-byte key, "/big"."""

    def __init__(self):
        self.dir = tempfile.TemporaryDirectory()
        self.log = open(os.path.join(self.dir.name, "log"), "w+")
        self.proc, self.port = start_server(BIN, LIMITS, self.dir.name, self.log)
        c = connect(self.port)
        c.sendall(bytes([SET]) + s("/big") + s(b"B" * VALUE) + bytes([SET]) + s("/small") + s("ok") +
                  bytes([PING]) + struct.pack("<I", 1))
        recv_exact(c, 4)
        c.close()
        # Idle size with the value stored: the bound is measured from here.
        self.base = kib(self.proc.pid, "VmRSS")

    def peak_growth_kib(self):
        return kib(self.proc.pid, "VmHWM") - self.base

    def check_bound(self, what):
        grew = self.peak_growth_kib()
        print(f"# {what}: peak RSS {grew // 1024} MiB over idle (ceiling {CEILING // MIB} MiB)",
              flush=True)
        check(grew * 1024 < CEILING + SLACK,
              f"{what}: peak RSS grew {grew} KiB, over --max-memory {CEILING >> 10} KiB + slack")

    def fresh_client_is_served(self):
        # Served, not necessarily at once: the server may still be answering
        # the attackers' requests (copying 4 MiB replies on a loaded machine).
        c = connect(self.port, timeout=60)
        c.sendall(bytes([PING]) + struct.pack("<I", 77) + bytes([GET]) + s("/small"))
        check(struct.unpack("<I", recv_exact(c, 4))[0] == 77, "PING echo")
        check(recv_bytes(c) == b"ok", "GET /small")
        c.close()

    def logged(self, text):
        self.log.flush()
        self.log.seek(0)
        return text in self.log.read()

    def wait_mem_closed(self, n, deadline_s=60):
        """Bounded wait until the server has closed at least n clients at the ceiling."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            st = stats(self.port)
            check(st["conn_bytes"] <= CEILING, f"server holds {st['conn_bytes']} bytes, over the ceiling")
            if st["mem_closed"] >= n:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(10) == 0, "tcc-store did not stop cleanly")


def non_reader(port):
    c = connect(port)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    return c


def an_11_kib_multi_get_of_a_huge_value_is_refused_not_built():
    srv = Server()
    try:
        # 800 times the same 4 MiB key: 9.6 KiB of request, 3.2 GiB of reply.
        req = bytes([MULTI_GET]) + u64(800) + s("/big") * 800
        check(len(req) < 11 * 1024)
        held = []
        for _ in range(3):  # three such clients, idle afterwards
            c = non_reader(srv.port)
            c.sendall(req)
            held.append(c)
        for c in held:
            check(is_closed_by_peer(c), "amplifying MULTI_GET not refused")
        check(srv.logged("exceeds the write queue limit"), "refusal not logged with its reason")
        srv.check_bound("3 x MULTI_GET 800 x 4 MiB")
        srv.fresh_client_is_served()
        # A MULTI_GET whose reply fits is still answered in full.
        c = connect(srv.port)
        c.sendall(bytes([MULTI_GET]) + u64(3) + s("/small") + s("/big") + s("/small"))
        check(recv_bytes(c) == b"ok" and len(recv_bytes(c)) == VALUE and recv_bytes(c) == b"ok")
        c.close()
    finally:
        srv.stop()


def forty_clients_that_never_read_stay_under_the_ceiling():
    srv = Server()
    try:
        req = (bytes([GET]) + s("/big")) * 8  # 32 MiB of replies asked for, per client
        held = []
        for _ in range(40):
            c = non_reader(srv.port)
            c.sendall(req)
            held.append(c)
        # 40 x 4 MiB queued would be 160 MiB: the ceiling must have closed some.
        check(srv.wait_mem_closed(1), "no non-reader was closed at the memory ceiling")
        srv.fresh_client_is_served()  # while the rest still hold their replies
        check(srv.logged("--max-memory"), "ceiling closures not logged")
        srv.check_bound("40 non-reading clients")
        left = stats(srv.port)["clients"]
        print(f"# {left} of 40 non-readers still connected", flush=True)
        for c in held:
            c.close()
    finally:
        srv.stop()


def sixty_half_sent_large_sets_stay_under_the_ceiling():
    srv = Server()
    try:
        part = bytes([SET]) + s("/half") + u64(VALUE) + b"h" * (3 * MIB)
        held = []
        for _ in range(60):  # 180 MiB of requests that never complete
            c = connect(srv.port)
            try:
                c.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                pass  # already closed at the ceiling
            held.append(c)
        check(srv.wait_mem_closed(1), "no half-sent SET was closed at the memory ceiling")
        srv.fresh_client_is_served()
        srv.check_bound("60 half-sent 4 MiB SETs")
        check(stats(srv.port)["keys"] == 2, "a half-sent SET stored something")
        for c in held:
            c.close()
    finally:
        srv.stop()


def a_pipelined_reader_gets_every_reply_in_order():
    # Replies that wait for room are sent once the client reads: nothing lost.
    srv = Server()
    try:
        c = connect(srv.port)
        n = 12  # 48 MiB of replies through a 4 MiB write queue
        c.sendall((bytes([GET]) + s("/big") + bytes([PING]) + struct.pack("<I", 5)) * n)
        for i in range(n):
            check(recv_bytes(c) == b"B" * VALUE, f"GET {i}")
            check(struct.unpack("<I", recv_exact(c, 4))[0] == 5, f"PING {i}")
        c.close()
        check(stats(srv.port)["dropped"] == 0)
        srv.check_bound("pipelined reader")
    finally:
        srv.stop()


if __name__ == "__main__":
    main([
        an_11_kib_multi_get_of_a_huge_value_is_refused_not_built,
        forty_clients_that_never_read_stay_under_the_ceiling,
        sixty_half_sent_large_sets_stay_under_the_ceiling,
        a_pipelined_reader_gets_every_reply_in_order,
    ])
