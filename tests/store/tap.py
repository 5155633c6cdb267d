"""Minimal TAP producer for the store suite's Python tests."""
import sys
import traceback


class Tap:
    def __init__(self, tests):
        self.tests = tests
        self.failed = 0

    def run(self):
        print(f"1..{len(self.tests)}", flush=True)
        for i, fn in enumerate(self.tests, 1):
            name = fn.__name__.replace("_", " ")
            try:
                fn()
                print(f"ok {i} - {name}", flush=True)
            except Exception:  # a failing test must not stop the others
                self.failed += 1
                print(f"not ok {i} - {name}", flush=True)
                for line in traceback.format_exc().splitlines():
                    print(f"# {line}", flush=True)
        return 1 if self.failed else 0


def check(cond, msg="check failed"):
    if not cond:
        raise AssertionError(msg)


def main(tests):
    sys.exit(Tap(tests).run())
