#!/usr/bin/python3
"""PyTorch 1.13's own TCPStore client (is_master=False) against tcc-store:
every call the Python API offers, timeouts, waking, PrefixStore, and a
4-process gloo job whose store is tcc-store.  Usage: test_torch_client.py PORT"""
import datetime
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, main  # noqa: E402
from storewire import stats  # noqa: E402

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

PORT = int(sys.argv[1])
TAG = f"py{os.getpid()}"


def store(timeout_s=10, world_size=None):
    if world_size is None:
        return dist.TCPStore("127.0.0.1", PORT, is_master=False,
                             timeout=datetime.timedelta(seconds=timeout_s))
    return dist.TCPStore("127.0.0.1", PORT, world_size, False,
                         timeout=datetime.timedelta(seconds=timeout_s))


def k(name):
    return f"{TAG}/{name}"


def set_and_get_round_trip_bytes():
    s = store()
    s.set(k("a"), "hello")
    check(s.get(k("a")) == b"hello")
    blob = bytes(range(256)) * 4096  # 1 MiB with every byte value
    s.set(k("blob"), blob)
    check(s.get(k("blob")) == blob)
    s.set(k("empty"), b"")
    check(s.get(k("empty")) == b"")


def add_counts_in_decimal():
    s = store()
    check(s.add(k("n"), 5) == 5)
    check(s.add(k("n"), -2) == 3)
    check(s.get(k("n")) == b"3")
    check(s.add(k("n"), 0) == 3)


def compare_set_matches_pytorch():
    s = store()
    check(s.compare_set(k("c"), "", "first") == b"first")
    check(s.compare_set(k("c"), "first", "second") == b"second")
    check(s.compare_set(k("c"), "wrong", "third") == b"second")
    check(s.compare_set(k("c-missing"), "exp", "des") == b"exp")
    s.set_timeout(datetime.timedelta(milliseconds=200))
    try:
        s.get(k("c-missing"))
        raise AssertionError("compare_set with non-empty expected created the key")
    except RuntimeError:
        pass


def delete_key_and_num_keys():
    s = store()
    n0 = s.num_keys()
    s.set(k("d"), "x")
    check(s.num_keys() == n0 + 1)
    check(s.delete_key(k("d")) is True)
    check(s.delete_key(k("d")) is False)
    check(s.num_keys() == n0)


def get_of_a_missing_key_times_out():
    s = store()
    s.set_timeout(datetime.timedelta(milliseconds=300))
    t = time.monotonic()
    try:
        s.get(k("missing"))
        raise AssertionError("get of a missing key returned")
    except RuntimeError as e:
        check("Timeout" in str(e), str(e))
    check(time.monotonic() - t < 5)
    # 1.13 sends no cancel; its next request tells the server the wait was
    # abandoned, so a later write of the key sends it no stray reply.
    s.set_timeout(datetime.timedelta(seconds=10))
    check(s.add(k("after"), 1) == 1)
    other = store()
    other.set(k("missing"), "late")
    check(s.add(k("after"), 1) == 2)
    check(s.get(k("missing")) == b"late")


def wait_on_several_keys_with_timeout():
    s = store()
    s.set(k("w1"), "1")
    try:
        s.wait([k("w1"), k("w2")], datetime.timedelta(milliseconds=200))
        raise AssertionError("wait returned with a key missing")
    except RuntimeError:
        pass
    s.set(k("w2"), "2")
    s.wait([k("w1"), k("w2")], datetime.timedelta(seconds=5))
    s.wait([k("w1"), k("w2")])


def _set_later(key, delay):
    time.sleep(delay)
    store().set(key, "from another process")


def a_set_from_another_process_wakes_a_waiter():
    s = store()
    p = mp.get_context("fork").Process(target=_set_later, args=(k("wake"), 0.2))
    p.start()
    check(s.get(k("wake")) == b"from another process")
    p.join(10)
    check(p.exitcode == 0)


def prefix_store_namespaces_keys():
    s = store()
    ps = dist.PrefixStore(k("pfx"), s)
    ps.set("x", "1")
    check(s.get(k("pfx") + "/x") == b"1")
    check(ps.add("n", 2) == 2)


def world_size_client_keeps_its_idle_second_connection():
    # A 1.13 client with world_size opens a second, silent connection that
    # must stay open (closing it makes 1.13's watch thread spin at 100 % CPU).
    before = stats(PORT)["clients"]
    s1 = store(world_size=2)
    s2 = store(world_size=2)
    time.sleep(0.3)
    check(stats(PORT)["clients"] == before + 4, "expected 2 connections per client")
    s1.set(k("ws"), "ok")
    check(s2.get(k("ws")) == b"ok")


def _gloo_rank(rank, world, port, job, q):
    try:
        st = dist.TCPStore("127.0.0.1", port, world, False,
                           timeout=datetime.timedelta(seconds=60))
        # A job namespace, as torchelastic does, so reruns on one server do not meet.
        st = dist.PrefixStore(job, st)
        dist.init_process_group("gloo", store=st, rank=rank, world_size=world,
                                timeout=datetime.timedelta(seconds=60))
        t = torch.arange(4, dtype=torch.float32) + rank * 10
        dist.all_reduce(t)
        dist.barrier()
        dist.destroy_process_group()
        q.put((rank, t.tolist()))
    except Exception as e:  # report instead of hanging the parent
        q.put((rank, repr(e)))


def init_process_group_gloo_4_ranks_all_reduce():
    world = 4
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_gloo_rank, args=(r, world, PORT, k("job"), q))
             for r in range(world)]
    for p in procs:
        p.start()
    try:
        results = dict(q.get(timeout=120) for _ in range(world))
    finally:
        for p in procs:
            p.join(30)
            if p.is_alive():
                p.kill()
    # sum over ranks of (i + 10 r) = 4 i + 60
    want = [4.0 * i + 60.0 for i in range(4)]
    for r in range(world):
        check(results[r] == want, f"rank {r}: {results[r]} != {want}")
    check(all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs])


if __name__ == "__main__":
    main([
        set_and_get_round_trip_bytes,
        add_counts_in_decimal,
        compare_set_matches_pytorch,
        delete_key_and_num_keys,
        get_of_a_missing_key_times_out,
        wait_on_several_keys_with_timeout,
        a_set_from_another_process_wakes_a_waiter,
        prefix_store_namespaces_keys,
        world_size_client_keeps_its_idle_second_connection,
        init_process_group_gloo_4_ranks_all_reduce,
    ])
