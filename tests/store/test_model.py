#!/usr/bin/python3
"""tcc-store against a reference model: a seeded random sequence of 2.x
commands from three interleaved connections, each reply compared with what a
Python dict + queues (PyTorch's semantics) says it must be.  Deterministic.
Usage: test_model.py PORT"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, main  # noqa: E402
from storewire import (ADD, APPEND, CHECK, COMPARE_SET, DELETE_KEY, GET, GETNUMKEYS,  # noqa: E402
                       MULTI_GET, MULTI_SET, PING, QUEUE_LEN, QUEUE_POP, QUEUE_PUSH, SET, connect,
                       recv_bytes, recv_exact, recv_i64, s, u64)

PORT = int(sys.argv[1])
PFX = f"/model{os.getpid()}/"


def run_model(seed, steps):
    rnd = random.Random(seed)
    conns = [connect(PORT) for _ in range(3)]
    # Keys this test owns start empty; num_keys is checked as a difference.
    keys = [f"{PFX}{seed}/k{i}" for i in range(6)]
    kv, queues = {}, {}
    c0 = conns[0]
    c0.sendall(bytes([GETNUMKEYS]))
    base = recv_i64(c0)

    def val():
        return bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 12)))

    for step in range(steps):
        c = rnd.choice(conns)
        k = rnd.choice(keys)
        op = rnd.randrange(12)
        where = f"seed {seed} step {step}"
        if op == 0:
            v = val()
            c.sendall(bytes([SET]) + s(k) + s(v))
            kv[k] = v
        elif op == 1:
            if k not in kv:
                continue  # PyTorch clients only GET after WAIT
            c.sendall(bytes([GET]) + s(k))
            check(recv_bytes(c) == kv[k], f"GET {where}")
        elif op == 2:
            if k in kv and not kv[k].lstrip(b"-").isdigit():
                kv[k] = b"0"
                c.sendall(bytes([SET]) + s(k) + s(b"0"))
            d = rnd.randrange(-50, 50)
            c.sendall(bytes([ADD]) + s(k) + struct.pack("<q", d))
            want = int(kv.get(k, b"0")) + d
            kv[k] = str(want).encode()
            check(recv_i64(c) == want, f"ADD {where}")
        elif op == 3:
            exp = rnd.choice([b"", kv.get(k, b"x"), b"nope"])
            des = val()
            c.sendall(bytes([COMPARE_SET]) + s(k) + s(exp) + s(des))
            if k not in kv:
                want = des if exp == b"" else exp
                if exp == b"":
                    kv[k] = des
            else:
                if kv[k] == exp:
                    kv[k] = des
                want = kv[k]
            check(recv_bytes(c) == want, f"COMPARE_SET {where}")
        elif op == 4:
            c.sendall(bytes([DELETE_KEY]) + s(k))
            check(recv_i64(c) == (1 if k in kv else 0), f"DELETE {where}")
            kv.pop(k, None)
        elif op == 5:
            v = val()
            c.sendall(bytes([APPEND]) + s(k) + s(v))
            kv[k] = kv.get(k, b"") + v
        elif op == 6:
            ks = rnd.sample(keys, rnd.randrange(1, 4))
            c.sendall(bytes([CHECK]) + u64(len(ks)) + b"".join(s(x) for x in ks))
            ready = all(x in kv or queues.get(x) for x in ks)
            check(recv_exact(c, 1) == (b"\x00" if ready else b"\x01"), f"CHECK {where}")
        elif op == 7:
            ks = [x for x in rnd.sample(keys, 3) if x in kv]
            c.sendall(bytes([MULTI_GET]) + u64(len(ks)) + b"".join(s(x) for x in ks))
            for x in ks:
                check(recv_bytes(c) == kv[x], f"MULTI_GET {where}")
        elif op == 8:
            ks = rnd.sample(keys, rnd.randrange(1, 4))
            vs = [val() for _ in ks]
            c.sendall(bytes([MULTI_SET]) + u64(len(ks)) + b"".join(s(x) + s(v) for x, v in zip(ks, vs)))
            kv.update(zip(ks, vs))
        elif op == 9:
            v = val()
            c.sendall(bytes([QUEUE_PUSH]) + s(k) + s(v))
            queues.setdefault(k, []).append(v)
        elif op == 10:
            c.sendall(bytes([QUEUE_POP]) + s(k))
            q = queues.get(k, [])
            check(recv_i64(c) == len(q), f"QUEUE_POP length {where}")
            if q:
                check(recv_bytes(c) == q.pop(0), f"QUEUE_POP value {where}")
        else:
            c.sendall(bytes([QUEUE_LEN]) + s(k))
            check(recv_i64(c) == len(queues.get(k, [])), f"QUEUE_LEN {where}")
        if op in (0, 5, 8, 9):
            # No reply: a PING on the same connection orders it before the
            # next command, which may come from another connection.
            c.sendall(bytes([PING]) + struct.pack("<I", step))
            check(struct.unpack("<I", recv_exact(c, 4))[0] == step, f"PING {where}")
        if step % 50 == 0:  # SETs have no reply: sync every connection now and then
            for x in conns:
                x.sendall(bytes([PING]) + struct.pack("<I", step))
                recv_exact(x, 4)
            c0.sendall(bytes([GETNUMKEYS]))
            check(recv_i64(c0) == base + len(kv), f"GETNUMKEYS {where}")
    for x in conns:
        x.close()


def seed_1_3000_steps_match_the_model():
    run_model(1, 3000)


def seed_2_3000_steps_match_the_model():
    run_model(2, 3000)


if __name__ == "__main__":
    main([seed_1_3000_steps_match_the_model, seed_2_3000_steps_match_the_model])
