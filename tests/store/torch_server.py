#!/usr/bin/python3
"""PyTorch 1.13's own TCPStore server (is_master=True) for the C client tests
and the bench: prints its port on stdout, then serves until killed."""
import datetime
import resource
import signal
import sys
import time

import torch.distributed as dist

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
# Every client is a file descriptor (two for a 1.13 client with world_size).
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
store = dist.TCPStore("127.0.0.1", port, 1, True, wait_for_workers=False,
                      timeout=datetime.timedelta(seconds=600))
print(store.port, flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
while True:
    time.sleep(3600)
