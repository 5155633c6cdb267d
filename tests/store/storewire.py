"""Raw PyTorch TCPStore wire helpers for the store tests (see Documentation/tcpstore.md)."""
import json
import socket
import struct

MAGIC = 0x3C85F7CE
# 2.x opcodes
VALIDATE, SET, COMPARE_SET, GET, ADD, CHECK, WAIT, GETNUMKEYS, DELETE_KEY, APPEND, \
    MULTI_GET, MULTI_SET, CANCEL_WAIT, PING, QUEUE_PUSH, QUEUE_POP, QUEUE_LEN = range(17)
TCC_STATS = 0xF0
# 1.13 opcodes
V1_SET, V1_COMPARE_SET, V1_GET, V1_ADD, V1_CHECK, V1_WAIT, V1_GETNUMKEYS, V1_WATCH_KEY, \
    V1_DELETE_KEY = range(9)


def s(b):
    """A length-prefixed string/bytes argument."""
    if isinstance(b, str):
        b = b.encode()
    return struct.pack("<Q", len(b)) + b


def u64(n):
    return struct.pack("<Q", n)


def connect(port, v2=True, timeout=10):
    c = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if v2:
        c.sendall(bytes([VALIDATE]) + struct.pack("<I", MAGIC))
    return c


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        chunk = c.recv(n - len(buf))
        if not chunk:
            raise ConnectionError(f"closed after {len(buf)} of {n} bytes")
        buf += chunk
    return buf


def recv_i64(c):
    return struct.unpack("<q", recv_exact(c, 8))[0]


def recv_bytes(c):
    n = struct.unpack("<Q", recv_exact(c, 8))[0]
    return recv_exact(c, n)


def is_closed_by_peer(c, timeout=5):
    """True if the server closed the connection (EOF or reset) within timeout."""
    c.settimeout(timeout)
    try:
        while True:
            if not c.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def stats(port):
    c = connect(port)
    c.sendall(bytes([TCC_STATS]))
    js = json.loads(recv_bytes(c))
    c.close()
    return js


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start_server(binary, args, workdir, log):
    """Start tcc-store on loopback on a free port below 32768 (outside the
    kernel's ephemeral range, so it never collides with outgoing connections).
    Returns (process, port)."""
    import os
    import subprocess
    import time
    base = 20000 + (os.getpid() * 7) % 10000
    for i in range(64):
        port = base + i
        pf = os.path.join(workdir, f"port{port}")
        proc = subprocess.Popen([binary, "--port", str(port), "--host", "127.0.0.1",
                                 "--port-file", pf, *args], stderr=log)
        for _ in range(500):  # up to 5 s for it to listen or fail
            if os.path.exists(pf) or proc.poll() is not None:
                break
            time.sleep(0.01)
        if os.path.exists(pf):
            return proc, port
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    raise RuntimeError("no free port below 32768")
