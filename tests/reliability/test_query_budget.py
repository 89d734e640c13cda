"""10,000 generated queries over Reuters-21578 through the API: each answers, or is
refused in plain words (too broad, or stopped at the time budget); the slowest and the
memory they needed are reported (the figures are in the README), never asserted as times.
"""

from __future__ import annotations

import contextlib
import random
import time
import tracemalloc

import pytest

import searchkit
from searchkit.errors import QueryError, QueryTimeout
from searchkit.models import SearchRequest

from ..conftest import needs_shared

pytestmark = [needs_shared, pytest.mark.slow]
QUERIES = 10_000
MEMORY_BUDGET = 256 * 1024 * 1024
COMMON = ["said", "oil", "price", "prices", "bank", "rate", "rates", "trade", "dollar", "year", "market",
          "company", "shares", "stock", "exchange", "pct", "billion", "mln", "government", "official",
          "week", "wheat", "gold", "export", "japan", "u.s"]
RARE = ["cocoa", "zinc", "bundesbank", "petroleum", "sorghum", "yen", "opec", "tin", "rubber", "coffee",
        "sugar", "copper"]


def _word(rnd: random.Random) -> str:
    word = rnd.choice(COMMON + RARE)
    if rnd.random() < 0.1:  # a typo
        at = rnd.randrange(len(word))
        word = word[:at] + word[at + 1:] if rnd.random() < 0.5 else word[:at] + "x" + word[at:]
    return word


def _query(rnd: random.Random) -> str:
    shape = rnd.randrange(12)
    if shape == 0:
        return " ".join(_word(rnd) for _ in range(rnd.randint(1, 4)))
    if shape == 1:
        return " ".join(_word(rnd) for _ in range(rnd.randint(5, 60)))  # a pasted paragraph
    if shape == 2:
        return '"' + " ".join(_word(rnd) for _ in range(rnd.randint(2, 4))) + '"'
    if shape == 3:
        return " OR ".join(_word(rnd) for _ in range(rnd.randint(2, 40)))
    if shape == 4:
        return f"{_word(rnd)} NOT {_word(rnd)}"
    if shape == 5:
        return _word(rnd)[: rnd.randint(1, 4)] + "*"  # short prefixes reach too much
    if shape == 6:
        return f"{_word(rnd)}~{rnd.choice([1, 2, 9])}"
    if shape == 7:
        return f"{_word(rnd)} place:\"new york\" date:[1987-03-01 TO 1987-04-30]"
    if shape == 8:
        depth = rnd.randint(1, 8)
        return "(" * depth + f"{_word(rnd)} OR {_word(rnd)}" + ")" * depth + f" AND {_word(rnd)}"
    if shape == 9:
        return " ".join(f"{_word(rnd)[:3]}*" for _ in range(rnd.randint(2, 6)))
    if shape == 10:
        return f"title:{_word(rnd)} {_word(rnd)}~2 {_word(rnd)[:2]}?*"
    return "NOT " + _word(rnd)


def test_ten_thousand_generated_queries_answer_or_are_refused(reuters_index) -> None:
    rnd = random.Random(2026)
    queries = [_query(rnd) for _ in range(QUERIES)]
    outcomes = {"answered": 0, "refused": 0, "stopped at the time budget": 0}
    timings = []
    with searchkit.open(reuters_index) as ix:
        for text in queries:
            started = time.perf_counter()
            try:
                ix.search(SearchRequest(text, sort=rnd.choice(["relevance", "newest"])))
                outcomes["answered"] += 1
            except QueryTimeout:
                outcomes["stopped at the time budget"] += 1
            except QueryError as exc:
                assert "\n" not in str(exc)
                outcomes["refused"] += 1
            timings.append((time.perf_counter() - started, text))
        timings.sort(reverse=True)
        tracemalloc.start()
        peaks = []
        for _, text in timings[:20]:  # the heaviest again, their memory measured
            tracemalloc.reset_peak()
            with contextlib.suppress(QueryError):
                ix.search(SearchRequest(text))
            peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    print(f"\n{QUERIES:,} queries: {outcomes}; slowest: "
          + "; ".join(f"{seconds * 1000:.0f} ms {text[:40]!r}" for seconds, text in timings[:5])
          + f"; their peak memory at most {max(peaks) / 2**20:.0f} MB")
    assert outcomes["answered"] > QUERIES * 0.8
    assert max(peaks) < MEMORY_BUDGET
