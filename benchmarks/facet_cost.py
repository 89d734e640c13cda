"""What facets with selections cost a search, on an index of Reuters-21578 (or any).

Facets are counted disjunctively: each facet with a selection is counted over the result
narrowed by the *other* facets' selections only, which costs one membership test per
chosen facet. This times whole searches (matching, ranking, 10 snippets, facets) with no
selection, one place, two places (OR-ed) and two places and a topic, wall and CPU time.

    .venv/bin/python benchmarks/facet_cost.py --index DIR [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchkit.engine.searcher import Searcher  # noqa: E402
from searchkit.models import SearchRequest  # noqa: E402

QUERIES = ["", "oil prices", "wheat", "bank of japan", "dollar yen", "trade deficit", "interest rates",
           "crude oil", "earnings", "acquisition", "grain", "money supply", "tokyo stocks", "shipping"]
SELECTIONS = {
    "no selection": {},
    "one place": {"place": ("NEW YORK",)},
    "two places (OR)": {"place": ("NEW YORK", "LONDON")},
    "two places + a topic": {"place": ("NEW YORK", "LONDON"), "topic": ("earn",)},
    "two places + topic + year": {"place": ("NEW YORK", "LONDON"), "topic": ("earn",), "year": ("1987",)},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with Searcher(args.index) as searcher:
        for text in QUERIES:  # warm: maps, caches
            searcher.search(SearchRequest(text))
        print(f"{'selection':<28} {'n':>4} {'wall med':>9} {'wall p95':>9} {'cpu med':>9} {'cpu p95':>9}  (ms)")
        for name, chosen in SELECTIONS.items():
            wall, cpu = [], []
            for _ in range(args.rounds):
                for text in QUERIES:
                    request = SearchRequest(text, **chosen)
                    w, c = time.perf_counter(), time.thread_time()
                    searcher.search(request)
                    wall.append((time.perf_counter() - w) * 1000)
                    cpu.append((time.thread_time() - c) * 1000)
            print(f"{name:<28} {len(wall):>4} {statistics.median(wall):>9.2f} {_p95(wall):>9.2f} "
                  f"{statistics.median(cpu):>9.2f} {_p95(cpu):>9.2f}")


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


if __name__ == "__main__":
    main()
