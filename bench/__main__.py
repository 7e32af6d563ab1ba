"""`make bench` (= python -m bench): run every benchmark and print its figures."""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    # The platform logs every step at INFO; the figures are what this prints.
    logging.disable(logging.WARNING)
    from bench import api_calls, imports, lists, metering, platform_start, readiness, tick

    started = time.perf_counter()
    for bench in (api_calls, tick, lists, readiness, imports, platform_start, metering):
        t = time.perf_counter()
        bench.main(out=lambda line="": print(line, flush=True))
        print(f"\n[{bench.__name__} took {time.perf_counter() - t:.0f} s]\n", flush=True)
    print(f"[bench: {time.perf_counter() - started:.0f} s in all]")


if __name__ == "__main__":
    main()
