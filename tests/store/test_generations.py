#!/usr/bin/python3
"""PyTorch's three TCPStore query numberings against tcc-store, each spoken by
a small client written from that generation's source:

- 1.13 (TCPStore.cpp, v1.13.1): no handshake; SET 0, COMPARE_SET 1, GET 2,
  ADD 3, CHECK 4, WAIT 5, GETNUMKEYS 6, WATCH_KEY 7, DELETE_KEY 8.  get() is
  WAIT + GET; a wait timeout is SO_RCVTIMEO, nothing is sent.
- 2.0 series (TCPStore.cpp once WATCH_KEY was gone, before VALIDATE): no
  handshake; 0..6 as 1.13, DELETE_KEY 7, APPEND 8, MULTI_GET 9, MULTI_SET 10,
  CANCEL_WAIT 11.  A wait timeout sends CANCEL_WAIT and reads WAIT_CANCELED.
- 2.1+ (TCPStoreBackend.hpp): VALIDATE 0 + magic first, SET 1 .. CANCEL_WAIT 12,
  PING 13.

The point: a request is executed only with the meaning its client gave it.
In --protocol auto, 7 and 8 from a client that has not shown its generation
are refused (connection closed, logged), so a 2.0 APPEND never deletes a key.
Usage: test_generations.py PATH/TO/tcc-store"""
import os
import socket
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, main  # noqa: E402
from storewire import (MAGIC, is_closed_by_peer, recv_bytes, recv_exact, recv_i64, s,  # noqa: E402
                       start_server, stats, u64)

BIN = sys.argv[1]


class Client:
    """The request layouts every generation shares; subclasses give the numbers."""
    OPS = {}
    HANDSHAKE = b""

    def __init__(self, port):
        self.c = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.HANDSHAKE:
            self.c.sendall(self.HANDSHAKE)

    def op(self, name):
        return bytes([self.OPS[name]])

    def set(self, key, val):
        self.c.sendall(self.op("SET") + s("/" + key) + s(val))

    def wait(self, keys):
        self.c.sendall(self.op("WAIT") + u64(len(keys)) + b"".join(s("/" + k) for k in keys))
        check(recv_exact(self.c, 1) == b"\x00", "STOP_WAITING expected")

    def get(self, key):
        self.wait([key])
        self.c.sendall(self.op("GET") + s("/" + key))
        return recv_bytes(self.c)

    def add(self, key, delta):
        self.c.sendall(self.op("ADD") + s("/" + key) + struct.pack("<q", delta))
        return recv_i64(self.c)

    def compare_set(self, key, expected, desired):
        self.c.sendall(self.op("COMPARE_SET") + s("/" + key) + s(expected) + s(desired))
        return recv_bytes(self.c)

    def num_keys(self):
        self.c.sendall(self.op("GETNUMKEYS"))
        return recv_i64(self.c)

    def delete_key(self, key):
        self.c.sendall(self.op("DELETE_KEY") + s("/" + key))
        return recv_i64(self.c) == 1


class Client113(Client):
    OPS = dict(SET=0, COMPARE_SET=1, GET=2, ADD=3, CHECK=4, WAIT=5, GETNUMKEYS=6, WATCH_KEY=7,
               DELETE_KEY=8)


class Client20(Client):
    OPS = dict(SET=0, COMPARE_SET=1, GET=2, ADD=3, CHECK=4, WAIT=5, GETNUMKEYS=6, DELETE_KEY=7,
               APPEND=8, MULTI_GET=9, MULTI_SET=10, CANCEL_WAIT=11)

    def append(self, key, val):
        self.c.sendall(self.op("APPEND") + s("/" + key) + s(val))

    def multi_set(self, kv):
        self.c.sendall(self.op("MULTI_SET") + u64(len(kv)) +
                       b"".join(s("/" + k) + s(v) for k, v in kv))

    def multi_get(self, keys):
        self.wait(keys)
        self.c.sendall(self.op("MULTI_GET") + u64(len(keys)) + b"".join(s("/" + k) for k in keys))
        return [recv_bytes(self.c) for _ in keys]

    def wait_timeout(self, key, timeout_s):
        """doWait on timeout: CANCEL_WAIT, then STOP_WAITING (raced) and/or WAIT_CANCELED."""
        self.c.sendall(self.op("WAIT") + u64(1) + s("/" + key))
        self.c.settimeout(timeout_s)
        try:
            return recv_exact(self.c, 1)
        except socket.timeout:
            pass
        finally:
            self.c.settimeout(10)
        self.c.sendall(self.op("CANCEL_WAIT"))
        r = recv_exact(self.c, 1)
        if r == b"\x00":
            r = recv_exact(self.c, 1)
        check(r == b"\x01", f"WAIT_CANCELED expected, got {r!r}")
        return None


class Client21(Client20):
    OPS = dict(VALIDATE=0, SET=1, COMPARE_SET=2, GET=3, ADD=4, CHECK=5, WAIT=6, GETNUMKEYS=7,
               DELETE_KEY=8, APPEND=9, MULTI_GET=10, MULTI_SET=11, CANCEL_WAIT=12, PING=13)
    HANDSHAKE = bytes([0]) + struct.pack("<I", MAGIC)

    def ping(self, nonce):
        self.c.sendall(self.op("PING") + struct.pack("<I", nonce))
        return struct.unpack("<I", recv_exact(self.c, 4))[0]


class Server:
    def __init__(self, *args):
        self.dir = tempfile.TemporaryDirectory()
        self.log = open(os.path.join(self.dir.name, "log"), "w+")
        self.proc, self.port = start_server(BIN, args, self.dir.name, self.log)

    def logged(self, text):
        self.log.flush()
        self.log.seek(0)
        return text in self.log.read()

    def value(self, key):
        """What the store holds, read by a 2.1+ client (None: no such key)."""
        c = Client21(self.port)
        c.c.sendall(c.op("CHECK") + u64(1) + s("/" + key))
        if recv_exact(c.c, 1) != b"\x00":
            return None
        c.c.sendall(c.op("GET") + s("/" + key))
        return recv_bytes(c.c)

    def stop(self):
        self.proc.terminate()
        check(self.proc.wait(10) == 0, "tcc-store did not stop cleanly")


def common_calls(c):
    """What every generation can do, with the same results (keys named after the client)."""
    g = type(c).__name__
    c.set(f"{g}/k", "v1")
    check(c.get(f"{g}/k") == b"v1")
    check(c.add(f"{g}/n", 5) == 5 and c.add(f"{g}/n", -2) == 3)
    check(c.compare_set(f"{g}/k", "v1", "v2") == b"v2")
    check(c.compare_set(f"{g}/k", "nope", "v3") == b"v2")
    check(c.num_keys() >= 2)


def auto_serves_every_generation_what_they_agree_on():
    srv = Server()
    try:
        for cls in (Client113, Client20, Client21):
            common_calls(cls(srv.port))
        c = Client21(srv.port)
        check(c.ping(42) == 42)
        c.append("Client21/k", "+")
        check(c.get("Client21/k") == b"v2+")
        check(c.delete_key("Client21/k") and srv.value("Client21/k") is None)
        check(not srv.logged("closing"), "a well-formed request was refused")
    finally:
        srv.stop()


def auto_refuses_an_ambiguous_append_and_keeps_the_key():
    srv = Server()
    try:
        Client21(srv.port).set("a/k", "base")
        c = Client20(srv.port)
        check(c.get("a/k") == b"base")
        c.append("a/k", "-more")  # 8: APPEND in 2.0, DELETE_KEY in 1.13
        check(is_closed_by_peer(c.c), "an ambiguous opcode 8 was executed")
        check(srv.logged("opcode 8 is DELETE_KEY in PyTorch 1.13 but APPEND in PyTorch 2.0"),
              "the refusal is not logged with its reason")
        check(srv.value("a/k") == b"base", "the key a 2.0 APPEND meant to extend changed")
        d = Client113(srv.port)
        d.c.sendall(d.op("DELETE_KEY") + s("/a/k"))  # 8 again, now from a 1.13 client: same answer
        check(is_closed_by_peer(d.c))
        check(srv.value("a/k") == b"base")
        e = Client20(srv.port)
        e.c.sendall(e.op("DELETE_KEY") + s("/a/k"))  # 7: DELETE_KEY in 2.0, WATCH_KEY in 1.13
        check(is_closed_by_peer(e.c))
        check(srv.logged("opcode 7 is WATCH_KEY in PyTorch 1.13 but DELETE_KEY in PyTorch 2.0"))
        check(srv.value("a/k") == b"base")
        check(stats(srv.port)["ambiguous"] == 3, "refusals not counted")
    finally:
        srv.stop()


def auto_settles_a_client_that_uses_a_2_0_only_call():
    srv = Server()
    try:
        c = Client20(srv.port)
        c.multi_set([("s/a", "1"), ("s/b", "2")])  # MULTI_SET exists only in 2.0
        check(c.multi_get(["s/a", "s/b"]) == [b"1", b"2"])
        c.append("s/a", "1")  # now unambiguous
        check(c.get("s/a") == b"11")
        check(c.delete_key("s/b") and srv.value("s/b") is None)
        check(srv.value("s/a") == b"11")
        # A wait timeout also settles it: CANCEL_WAIT is 2.0-only.
        d = Client20(srv.port)
        check(d.wait_timeout("s/never", 0.2) is None)
        d.append("s/a", "!")
        check(srv.value("s/a") == b"11!")
    finally:
        srv.stop()


def protocol_2_0_serves_the_2_0_series():
    srv = Server("--protocol", "2.0")
    try:
        c = Client20(srv.port)
        common_calls(c)
        c.set("t/k", "x")
        c.append("t/k", "y")  # first request with 8: APPEND, never a delete
        check(c.get("t/k") == b"xy", "2.0 APPEND did not extend the key")
        c.append("t/new", "z")  # APPEND creates
        check(c.get("t/new") == b"z")
        c.multi_set([("t/a", "A"), ("t/b", "B")])
        check(c.multi_get(["t/a", "t/b", "t/k"]) == [b"A", b"B", b"xy"])
        check(c.delete_key("t/a") and not c.delete_key("t/a"))
        check(c.wait_timeout("t/never", 0.2) is None)
        check(c.get("t/b") == b"B", "connection out of step after CANCEL_WAIT")
        # 2.1+ clients are recognised by their handshake whatever --protocol says.
        d = Client21(srv.port)
        check(d.ping(7) == 7 and d.get("t/k") == b"xy")
        check(d.delete_key("t/k") and srv.value("t/k") is None)
    finally:
        srv.stop()


def protocol_1_13_serves_1_13():
    srv = Server("--protocol", "1.13")
    try:
        c = Client113(srv.port)
        common_calls(c)
        c.set("o/k", "v")
        check(c.delete_key("o/k") and not c.delete_key("o/k"))
        check(srv.value("o/k") is None)
        # 9..11 do not exist in 1.13: refused, not executed.
        e = Client20(srv.port)
        e.multi_set([("o/m", "1")])
        check(is_closed_by_peer(e.c))
        check(srv.logged("unknown 1.13 opcode 10"))
        check(srv.value("o/m") is None)
    finally:
        srv.stop()


def bad_protocol_value_is_refused():
    r = subprocess.run([BIN, "--port", "0", "--protocol", "2.2"], capture_output=True, text=True)
    check(r.returncode == 2 and "--protocol" in r.stderr, r.stderr)
    h = subprocess.run([BIN, "--help"], capture_output=True, text=True).stdout
    check("--protocol" in h and "--max-memory" in h and "authentication" in h, h)


if __name__ == "__main__":
    main([
        auto_serves_every_generation_what_they_agree_on,
        auto_refuses_an_ambiguous_append_and_keeps_the_key,
        auto_settles_a_client_that_uses_a_2_0_only_call,
        protocol_2_0_serves_the_2_0_series,
        protocol_1_13_serves_1_13,
        bad_protocol_value_is_refused,
    ])
