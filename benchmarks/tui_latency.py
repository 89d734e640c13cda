"""Keystroke → results on screen, in the TUI, over Reuters-21578 (or any index given).

Drives the real app headless (Textual's pilot): for each query it types all but the
last character, waits for the screen to settle, then presses the last key and measures
until the results of that search have been painted (the screen records the moment in
its after-refresh callback). The typing pause is part of what is measured. It then
selects the query's top place and measures that too, as a person narrowing would.

    .venv/bin/python benchmarks/tui_latency.py                 # extracts and indexes (~1 min)
    .venv/bin/python benchmarks/tui_latency.py --index DIR     # reuse an index
    .venv/bin/python benchmarks/tui_latency.py --reuters DIR   # .sgm files already extracted
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from searchkit.engine.indexer import reindex  # noqa: E402
from searchkit.tui.app import SearchApp  # noqa: E402
from searchkit.tui.screens import SearchScreen  # noqa: E402
from searchkit.tui.widgets.facets import FacetList  # noqa: E402

TARBALL = REPO.parent / "shared" / "corpus" / "reuters21578" / "reuters21578.tar.xz"
QUERIES = [
    "oil prices", "wheat", "coffee brazil", "bank of japan", "opec output", "dollar yen", "gold",
    "trade deficit", "interest rates", "shipping", "strike", "merger", "cocoa", "sugar exports",
    "soybeans", "crude oil", "federal reserve", "bundesbank", "earnings", "dividend",
    "acquisition", "copper", "natural gas", "inflation", "unemployment", "grain", "money supply",
    "stock exchange", "iran", "tokyo stocks",
]


def build_index(reuters: Path | None, work: Path) -> Path:
    if reuters is None:
        reuters = work / "reuters"
        with tarfile.open(TARBALL) as tar:
            members = [m for m in tar.getmembers() if m.name.endswith(".sgm")]
            tar.extractall(reuters, members=members, filter="data")
        reuters = next(reuters.rglob("*.sgm")).parent
    index_dir = work / "index"
    started = time.perf_counter()
    summary = reindex(reuters, index_dir)
    print(f"indexed {summary.articles:,} articles in {time.perf_counter() - started:.1f} s")
    return index_dir


async def settle(pilot, screen: SearchScreen) -> None:
    while not (screen.ready and screen.settled):
        await pilot.pause(0.002)


async def measure(index_dir: Path, size: tuple[int, int]) -> tuple[list[float], ...]:
    app = SearchApp(REPO / "seeds", index_dir)  # the archive is not read: the index exists
    typing, facet, engine, second = [], [], [], []
    async with app.run_test(size=size) as pilot:
        screen = None
        while not isinstance(screen, SearchScreen):
            await pilot.pause(0.01)
            screen = app.screen
        await settle(pilot, screen)
        for query in QUERIES:
            screen.query_one("#query").focus()
            await pilot.press("ctrl+u", *query[:-1])
            await settle(pilot, screen)
            started = time.perf_counter()
            await pilot.press(query[-1])
            await settle(pilot, screen)
            typing.append((screen.shown_at - started) * 1000)
            engine.append(screen.response.took_ms)
            places = screen.query_one("#facet-place", FacetList)
            if places.option_count:
                places.focus()
                places.highlighted = 0
                await pilot.pause(0.3)  # a person looks before pressing: the focus change is painted
                started = time.perf_counter()
                await pilot.press("enter")
                await settle(pilot, screen)
                facet.append((screen.shown_at - started) * 1000)
                if places.option_count > 1 and places.get_option_at_index(1).id in {
                        c.value for c in places.counts}:  # a second place, OR-ed with the first
                    places.highlighted = 1
                    await pilot.pause(0.3)
                    started = time.perf_counter()
                    await pilot.press("enter")
                    await settle(pilot, screen)
                    second.append((screen.shown_at - started) * 1000)
                await pilot.press("escape")  # clears the places again
                await settle(pilot, screen)
    return typing, facet, engine, second


def row(name: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"{name:<34} {len(values):>3} {statistics.median(values):>9.1f} {p95:>9.1f} {values[-1]:>9.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, help="an existing Reuters-21578 index")
    parser.add_argument("--reuters", type=Path, help="a folder of the Reuters .sgm files")
    parser.add_argument("--size", default="120x40", help="terminal size, e.g. 80x24")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="tui-latency-") as tmp:
        index_dir = args.index or build_index(args.reuters, Path(tmp))
        cpu = time.process_time()
        typing, facet, engine, second = asyncio.run(measure(index_dir, size))
        cpu = time.process_time() - cpu
    print(f"\nTUI latency over {args.index or 'Reuters-21578'}, terminal {args.size} (ms)")
    print(f"{'':<34} {'n':>3} {'median':>9} {'p95':>9} {'max':>9}")
    print(row("keystroke -> results painted", typing))
    print(row("facet value -> results painted", facet))
    if second:
        print(row("second value (OR) -> painted", second))
    print(row("  of which searcher (took_ms)", engine))
    print(f"CPU time of the whole run: {cpu:.1f} s")


if __name__ == "__main__":
    main()
