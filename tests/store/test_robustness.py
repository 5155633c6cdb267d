#!/usr/bin/python3
"""tcc-store under bad and hostile input: garbage, truncated and split frames,
oversize keys and values, limits, abandoned waits, clients that do not read,
thousands of reconnects.  After each, the server must still answer everyone
else, and its memory and counters must come back down.
Usage: test_robustness.py PATH/TO/tcc-store"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, main  # noqa: E402
from storewire import (ADD, CANCEL_WAIT, GET, GETNUMKEYS, MULTI_GET, PING, SET, V1_GETNUMKEYS,  # noqa: E402
                       V1_SET, V1_WAIT, V1_WATCH_KEY, VALIDATE, WAIT, connect, is_closed_by_peer,
                       recv_bytes, recv_exact, recv_i64, rss_kib, s, stats, u64)

BIN = sys.argv[1]


class Server:
    def __init__(self, *args):
        self.dir = tempfile.TemporaryDirectory()
        pf = os.path.join(self.dir.name, "port")
        self.log = open(os.path.join(self.dir.name, "log"), "w+")
        self.proc = subprocess.Popen([BIN, "--port", "0", "--host", "127.0.0.1", "--port-file", pf,
                                      *args], stderr=self.log)
        for _ in range(500):
            if os.path.exists(pf):
                break
            time.sleep(0.01)
        with open(pf) as f:
            self.port = int(f.read())

    def alive_and_serving(self):
        check(self.proc.poll() is None, "server died")
        c = connect(self.port)
        c.sendall(bytes([PING]) + struct.pack("<I", 1234))
        check(struct.unpack("<I", recv_exact(c, 4))[0] == 1234, "PING echo")
        c.close()

    def logged(self, text):
        self.log.flush()
        self.log.seek(0)
        return text in self.log.read()

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(10)
        check(rc == 0, f"tcc-store exited {rc} on SIGTERM")
        check(self.logged("stopped"), "no clean-stop log line")


srv = None


def garbage_closes_only_that_connection():
    bystander = connect(srv.port)
    for junk in (b"\xff" * 64, b"\x55garbage", os.urandom(4096)):
        c = socket.create_connection(("127.0.0.1", srv.port))
        c.sendall(junk)
        c.shutdown(socket.SHUT_WR)
        check(is_closed_by_peer(c), f"junk {junk[:8]!r} not rejected")
        c.close()
    # unknown opcode after a valid handshake
    c = connect(srv.port)
    c.sendall(b"\x63")
    check(is_closed_by_peer(c), "unknown 2.x opcode not rejected")
    # wrong magic on a second VALIDATE
    c = connect(srv.port)
    c.sendall(bytes([VALIDATE]) + struct.pack("<I", 0xDEADBEEF))
    check(is_closed_by_peer(c), "bad VALIDATE magic not rejected")
    check(srv.logged("unknown opcode 255"), "reason not logged")
    bystander.sendall(bytes([SET]) + s("/rb/by") + s("still here") + bytes([GET]) + s("/rb/by"))
    check(recv_bytes(bystander) == b"still here")
    srv.alive_and_serving()


def truncated_frames_leave_nothing_behind():
    before = stats(srv.port)
    for cut in range(1, 30):
        frame = bytes([SET]) + s("/rb/trunc") + s("value-value")
        c = connect(srv.port)
        c.sendall(frame[:cut])
        c.close()
    time.sleep(0.2)
    after = stats(srv.port)
    check(after["clients"] == before["clients"], f"{after['clients']} clients left")
    check(after["keys"] == before["keys"], "a truncated SET stored a key")
    srv.alive_and_serving()


def requests_split_at_every_byte_are_reassembled():
    # A 1.13 client: SET then GETNUMKEYS, one byte per segment.
    c = socket.create_connection(("127.0.0.1", srv.port))
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    msg = bytes([V1_SET]) + s("/rb/split") + s("x" * 20) + bytes([V1_GETNUMKEYS])
    for b in msg:
        c.sendall(bytes([b]))
        time.sleep(0.001)
    check(recv_i64(c) >= 1)
    # A 2.x client, handshake included.
    c = socket.create_connection(("127.0.0.1", srv.port))
    msg = bytes([VALIDATE]) + struct.pack("<I", 0x3C85F7CE) + bytes([GET]) + s("/rb/split")
    for b in msg:
        c.sendall(bytes([b]))
        time.sleep(0.001)
    check(recv_bytes(c) == b"x" * 20)


def oversize_keys_values_and_counts_are_refused_at_once():
    # Only the length prefix is sent: the server must not wait for 1 TiB.
    for frame, what in ((bytes([SET]) + u64(1 << 40), "key"),
                        (bytes([SET]) + s("/rb/k") + u64(1 << 40), "value"),
                        (bytes([WAIT]) + u64(1 << 30), "key count"),
                        (bytes([MULTI_GET]) + u64(1 << 30), "key count")):
        c = connect(srv.port)
        c.sendall(frame)
        check(is_closed_by_peer(c, timeout=3), f"oversize {what} not refused")
    check(srv.logged("exceeds the limit"), "limit reason not logged")
    srv.alive_and_serving()


def small_limits_from_the_command_line_apply():
    lim = Server("--max-key-len", "16", "--max-value-len", "1000", "--max-clients", "3")
    try:
        c = connect(lim.port)
        c.sendall(bytes([SET]) + s("k" * 17) + s("v"))
        check(is_closed_by_peer(c), "key over --max-key-len accepted")
        c = connect(lim.port)
        c.sendall(bytes([SET]) + s("k") + s("v" * 1001))
        check(is_closed_by_peer(c), "value over --max-value-len accepted")
        held = [connect(lim.port) for _ in range(3)]
        for h in held:  # make sure all three are accepted and counted
            h.sendall(bytes([PING]) + struct.pack("<I", 7))
            recv_exact(h, 4)
        extra = connect(lim.port)
        check(is_closed_by_peer(extra), "connection over --max-clients accepted")
        check(lim.logged("max-clients"), "max-clients refusal not logged")
        for h in held:
            h.close()
        time.sleep(0.2)
        lim.alive_and_serving()
    finally:
        lim.stop()


def a_client_that_does_not_read_is_paused_not_buffered():
    big = b"B" * (1 << 20)
    w = connect(srv.port)
    w.sendall(bytes([SET]) + s("/rb/big") + s(big) + bytes([PING]) + struct.pack("<I", 3))
    recv_exact(w, 4)  # the SET is done before anyone asks for the value
    slow = connect(srv.port)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = bytes([GET]) + s("/rb/big")
    slow.setblocking(False)
    sent = 0
    deadline = time.monotonic() + 10
    # Ask for ~200 MiB of replies and never read them.
    while sent < 200 and time.monotonic() < deadline:
        try:
            slow.send(req)
            sent += 1
        except BlockingIOError:
            time.sleep(0.01)
    time.sleep(0.5)
    srv.alive_and_serving()
    rss = rss_kib(srv.proc.pid)
    check(rss < 200 * 1024, f"server RSS {rss} KiB: replies to a non-reader were buffered")
    check(srv.logged("not reading its replies"), "the non-reader was not paused")
    slow.close()
    w.close()


def abandoned_1_13_wait_gets_no_stray_reply():
    c = socket.create_connection(("127.0.0.1", srv.port))
    c.sendall(bytes([V1_WAIT]) + u64(1) + s("/rb/abandon"))
    time.sleep(0.1)  # the client "times out" and moves on:
    c.sendall(bytes([V1_GETNUMKEYS]))
    recv_i64(c)
    w = connect(srv.port)
    w.sendall(bytes([SET]) + s("/rb/abandon") + s("x") + bytes([PING]) + struct.pack("<I", 1))
    recv_exact(w, 4)
    c.settimeout(0.3)
    try:
        data = c.recv(16)
        check(False, f"stray reply {data!r}")
    except socket.timeout:
        pass


def cancel_wait_always_answers():
    c = connect(srv.port)
    c.sendall(bytes([CANCEL_WAIT]))
    check(recv_exact(c, 1) == b"\x01", "CANCEL_WAIT with nothing pending")
    c.sendall(bytes([WAIT]) + u64(1) + s("/rb/cancel-me") + bytes([CANCEL_WAIT]))
    check(recv_exact(c, 1) == b"\x01", "CANCEL_WAIT of a pending wait")
    w = connect(srv.port)
    w.sendall(bytes([SET]) + s("/rb/cancel-me") + s("v") + bytes([GETNUMKEYS]))
    recv_i64(w)
    c.sendall(bytes([PING]) + struct.pack("<I", 99))
    check(struct.unpack("<I", recv_exact(c, 4))[0] == 99, "stream out of sync after cancel")


def watch_key_is_refused_with_a_reason():
    v1 = Server("--protocol", "1.13")
    try:
        c = socket.create_connection(("127.0.0.1", v1.port))
        c.sendall(bytes([V1_WATCH_KEY]) + s("/rb/watch"))
        check(is_closed_by_peer(c))
        check(v1.logged("WATCH_KEY is not supported"))
    finally:
        v1.stop()


def thousands_of_reconnects_and_dead_waiters_leave_memory_bounded():
    def churn(n):
        for i in range(n):
            c = connect(srv.port)
            if i % 3 == 0:  # a waiter on a key that never comes, then gone
                c.sendall(bytes([WAIT]) + u64(2) + s(f"/rb/ghost{i}") + s("/rb/ghost"))
            elif i % 3 == 1:
                c.sendall(bytes([ADD]) + s("/rb/churn") + u64(1) +
                          bytes([ADD]) + s("/rb/churn") + struct.pack("<q", -1))
                recv_i64(c)
                check(recv_i64(c) == 0)
            else:
                c.sendall(b"\x00\x01\x02")  # truncated
            c.close()

    churn(1000)  # warm-up: allocator pools settle
    time.sleep(0.3)
    s0, rss0 = stats(srv.port), rss_kib(srv.proc.pid)
    churn(4000)
    time.sleep(0.5)
    s1, rss1 = stats(srv.port), rss_kib(srv.proc.pid)
    check(s1["clients"] == s0["clients"], f"clients {s0['clients']} -> {s1['clients']}")
    check(s1["keys"] == s0["keys"], f"keys {s0['keys']} -> {s1['keys']}")
    check(s1["store_bytes"] == s0["store_bytes"], "dead waiters left entries behind")
    check(s1["waiting_clients"] == 0, "waits survived their clients")
    check(rss1 - rss0 < 8 * 1024, f"RSS grew {rss1 - rss0} KiB over 4000 reconnects")
    check(s1["accepted"] - s0["accepted"] >= 4000)
    srv.alive_and_serving()


def accepted_connections_carry_tcp_keepalive():
    # Set on the listener and inherited: half-open peers are reaped.
    c = connect(srv.port)
    c.sendall(bytes([PING]) + struct.pack("<I", 5))
    recv_exact(c, 4)
    out = subprocess.run(["ss", "-tno", "state", "established", f"( sport = :{srv.port} )"],
                         capture_output=True, text=True, check=True).stdout
    check("keepalive" in out, out)
    c.close()


def sigterm_stops_cleanly():
    srv.stop()


if __name__ == "__main__":
    srv = Server()
    main([
        garbage_closes_only_that_connection,
        truncated_frames_leave_nothing_behind,
        requests_split_at_every_byte_are_reassembled,
        oversize_keys_values_and_counts_are_refused_at_once,
        small_limits_from_the_command_line_apply,
        a_client_that_does_not_read_is_paused_not_buffered,
        abandoned_1_13_wait_gets_no_stray_reply,
        cancel_wait_always_answers,
        watch_key_is_refused_with_a_reason,
        thousands_of_reconnects_and_dead_waiters_leave_memory_bounded,
        accepted_connections_carry_tcp_keepalive,
        sigterm_stops_cleanly,
    ])
