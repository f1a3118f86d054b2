"""Benchmark (not a test): time to verify the whole catalogue, per derivation and in total.

Run:  python benchmarks/bench_verify.py [--repeat 3]

Each repeat builds every derivation afresh and verifies it (no cache), so the figure is what
`gdflow derive --all` spends on verification in a fresh process, minus interpreter start-up.
"""

from __future__ import annotations

import argparse
import statistics
import time

from gdflow.derive.catalogue import builders
from gdflow.derive.verify import verify


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    per: dict[str, list[float]] = {}
    totals = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        for id_, build in builders().items():
            t0 = time.perf_counter()
            d = verify(build())
            per.setdefault(id_, []).append(time.perf_counter() - t0)
            if not d.verified:
                print(f"warning: {id_} is not verified")
        totals.append(time.perf_counter() - start)
    width = max(map(len, per))
    for id_, times in per.items():
        print(f"{id_:<{width}}  median {statistics.median(times):6.2f} s")
    print(
        f"{'catalogue':<{width}}  median {statistics.median(totals):6.2f} s "
        f"over {args.repeat} runs "
        f"({len(per)} derivations, min {min(totals):.2f} s, max {max(totals):.2f} s)"
    )


if __name__ == "__main__":
    main()
