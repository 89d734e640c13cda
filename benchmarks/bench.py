"""searchkit's benchmark: build, reindex, query and cold start, against FTS5 and tantivy.

    python benchmarks/bench.py                       # everything (about 30 min on 2 cores)
    python benchmarks/bench.py --quick               # Reuters only, one pass
    python benchmarks/bench.py --corpora reuters,rss100k --skip-baselines
    python benchmarks/bench.py --record              # also append the table to RESULTS.md

Archives and indexes live in benchmarks/.work/ (git-ignored). Each build runs in its
own process, so its peak memory (main process + largest worker) can be measured.
Timings are wall time on whatever else the machine is doing; CPU seconds are shown
beside build times because a shared machine slows wall time, not CPU time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpora  # noqa: E402
from engines import ENGINES, timed  # noqa: E402

SORTS = ("relevance", "newest")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- builds, each in a child process ---------------------------------------------


def _child_build(engine: str, corpus: str, index: str) -> None:
    """(child) Build one index and print what it cost as JSON."""
    shutil.rmtree(index, ignore_errors=True)
    cpu = time.process_time()
    seconds, count = timed(ENGINES[engine].build, corpus, Path(index))
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({
        "articles": count, "seconds": seconds,
        "cpu": time.process_time() - cpu + kids.ru_utime + kids.ru_stime,
        "peak_mb": (own.ru_maxrss + kids.ru_maxrss) / 1024,
    }))


def build(engine: str, corpus: str) -> dict:
    corpora.archive(corpus)  # prepared outside the timing
    index = corpora.WORK / "indexes" / f"{corpus}-{engine}"
    out = subprocess.run(
        [sys.executable, __file__, "--_build", engine, corpus, str(index)],
        check=True, capture_output=True, text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["bytes"] = dir_bytes(index)
    result["index"] = str(index)
    result["rate"] = result["articles"] / result["seconds"]
    result["bytes_per_article"] = result["bytes"] / result["articles"]
    print(f"  {engine:9} build {result['articles']:,} articles in {result['seconds']:.1f} s "
          f"({result['rate']:,.0f}/s, cpu {result['cpu']:.1f} s), {result['peak_mb']:.0f} MB peak, "
          f"{result['bytes_per_article']:,.0f} B/article", flush=True)
    return result


# -- queries ---------------------------------------------------------------------


def query_times(engine_cls, index: Path, queries: list[str], reps: int) -> dict:
    """Per sort order: p50/p95 over the queries (each query's median of `reps` runs)."""
    open_s, engine = timed(engine_cls, index)
    try:
        totals = {q: engine.run(q, "relevance") for q in queries}  # warm-up pass
        for q in queries:
            engine.run(q, "newest")
        out = {"open_s": open_s, "totals": totals}
        if hasattr(engine, "raw_count"):
            out["raw"] = {q: engine.raw_count(q) for q in queries}
        for sort in SORTS:
            per_query = []
            for q in queries:
                per_query.append(statistics.median(timed(engine.run, q, sort)[0] for _ in range(reps)))
            ms = [t * 1000 for t in per_query]
            out[sort] = {"p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95), "max": max(ms),
                         "slowest": queries[ms.index(max(ms))]}
        return out
    finally:
        engine.close()


def cold_start(index: Path, archive: Path, runs: int) -> tuple[float, float]:
    """Median wall and CPU time of `searchkit query said --json` as a new process."""
    exe = Path(sys.executable).with_name("searchkit")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "searchkit"]
    command += ["query", "said", "--json", "--index", str(index), "--archive", str(archive)]
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


# -- incremental reindex -----------------------------------------------------------


def reindex_times(files: int, reps: int) -> dict:
    """No-op and one-changed-file reindex of a wire-text archive of `files` files."""
    from searchkit.engine.indexer import reindex

    archive = corpora.archive(f"wire{files}")
    index = corpora.WORK / "indexes" / f"wire{files}-searchkit"
    shutil.rmtree(index, ignore_errors=True)
    first, summary = timed(reindex, archive, index)
    noop = [timed(reindex, archive, index)[0] for _ in range(reps)]
    changed = []
    victims = sorted(archive.rglob("*.txt"))
    for i in range(reps):
        path = victims[i * 97 % len(victims)]
        path.write_text(path.read_text(encoding="utf-8") + f"\nCorrection {time.time()}.\n",
                        encoding="utf-8")
        seconds, s = timed(reindex, archive, index)
        assert s.changed == 1, s
        changed.append(seconds)
    print(f"  reindex of {files:,} files: first {first:.1f} s, no-op {statistics.median(noop):.2f} s, "
          f"one changed {statistics.median(changed):.2f} s", flush=True)
    return {"files": files, "articles": summary.articles, "first_s": first,
            "noop_s": statistics.median(noop), "changed_s": statistics.median(changed)}


# -- the run -----------------------------------------------------------------------


def agreement(sk: dict, fts: dict, queries: list[tuple[bool, str]]) -> list[str]:
    """Queries flagged '=' whose match counts differ between searchkit and FTS5.

    Compared before duplicates are removed: both engines drop later copies of a story,
    but which copy counts as the first differs (searchkit's parallel build numbers
    documents out of reading order), so totals after de-duplication may differ a little.
    """
    return [f"{q!r}: searchkit {sk['raw'][q]:,} vs FTS5 {fts['raw'][q]:,}"
            for check, q in queries if check and sk["raw"][q] != fts["raw"][q]]


def run(args) -> dict:
    queries = corpora.queries()
    texts = [q for _, q in queries]
    engines = ["searchkit"] if args.skip_baselines else ["searchkit", "fts5", "tantivy"]
    results: dict = {"corpora": {}, "when": datetime.now().isoformat(timespec="minutes")}
    for corpus in args.corpora:
        print(f"{corpus}:", flush=True)
        per = results["corpora"][corpus] = {}
        for name in engines:
            b = build(name, corpus)
            q = query_times(ENGINES[name], Path(b["index"]), texts, args.reps)
            per[name] = {"build": b, "query": q}
            print(f"  {name:9} open {q['open_s'] * 1000:.0f} ms; query p50/p95 "
                  + "; ".join(f"{s} {q[s]['p50']:.1f}/{q[s]['p95']:.1f} ms" for s in SORTS)
                  + f" (slowest {q['relevance']['slowest']!r} {q['relevance']['max']:.0f} ms)",
                  flush=True)
        if "fts5" in per:
            sk_q, fts_q = per["searchkit"]["query"], per["fts5"]["query"]
            per["disagree"] = agreement(sk_q, fts_q, queries)
            checked = sum(1 for c, _ in queries if c)
            per["agree"] = f"{checked - len(per['disagree'])}/{checked}"
            per["dedup_max_diff"] = max(
                abs(sk_q["totals"][q] - fts_q["totals"][q]) / max(1, fts_q["totals"][q])
                for c, q in queries if c)
            print(f"  hit counts vs FTS5: {per['agree']} agree (before de-duplication); after it, "
                  f"totals differ by at most {per['dedup_max_diff']:.1%}", flush=True)
            for line in per["disagree"]:
                print(f"    differs: {line}", flush=True)
        if corpus == "reuters":
            results["cold_start_s"], results["cold_start_cpu_s"] = cold_start(
                Path(per["searchkit"]["build"]["index"]), corpora.archive(corpus), args.cold_runs)
            print(f"  cold `searchkit query`: {results['cold_start_s']:.2f} s wall, "
                  f"{results['cold_start_cpu_s']:.2f} s cpu (medians)", flush=True)
        for name in engines:  # the big indexes are not kept
            if corpus != "reuters":
                shutil.rmtree(per[name]["build"]["index"], ignore_errors=True)
    if args.wire_files:
        results["reindex"] = reindex_times(args.wire_files, args.reps)
    return results


def table(results: dict) -> str:
    rows = ["| corpus | engine | build art/s (cpu s) | peak MB | bytes/article | open ms "
            "| relevance p50 / p95 ms | newest p50 / p95 ms |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for corpus, per in results["corpora"].items():
        for name in ("searchkit", "fts5", "tantivy"):
            if name not in per:
                continue
            b, q = per[name]["build"], per[name]["query"]
            rows.append(
                f"| {corpus} | {name} | {b['rate']:,.0f} ({b['cpu']:.0f}) | {b['peak_mb']:.0f} "
                f"| {b['bytes_per_article']:,.0f} | {q['open_s'] * 1000:.0f} "
                f"| {q['relevance']['p50']:.1f} / {q['relevance']['p95']:.1f} "
                f"| {q['newest']['p50']:.1f} / {q['newest']['p95']:.1f} |")
        sk = per["searchkit"]
        for name in ("fts5", "tantivy"):
            if name in per:
                o = per[name]
                ratio = lambda a, b: f"{a / b:.1f}×" if b else "–"  # noqa: E731
                rows.append(
                    f"| {corpus} | searchkit / {name} | {ratio(sk['build']['seconds'], o['build']['seconds'])} time "
                    f"| {ratio(sk['build']['peak_mb'], o['build']['peak_mb'])} "
                    f"| {ratio(sk['build']['bytes_per_article'], o['build']['bytes_per_article'])} | "
                    f"| {ratio(sk['query']['relevance']['p50'], o['query']['relevance']['p50'])} / "
                    f"{ratio(sk['query']['relevance']['p95'], o['query']['relevance']['p95'])} "
                    f"| {ratio(sk['query']['newest']['p50'], o['query']['newest']['p50'])} / "
                    f"{ratio(sk['query']['newest']['p95'], o['query']['newest']['p95'])} |")
    lines = ["\n".join(rows), ""]
    for corpus, per in results["corpora"].items():
        if "disagree" in per:
            lines.append(
                (f"- {corpus}: match counts agree with FTS5 on all {per['agree'].split('/')[1]} checked queries"
                 if not per["disagree"] else
                 f"- {corpus}: match counts agree with FTS5 on {per['agree']}; differ on: "
                 + "; ".join(per["disagree"]))
                + f" (after de-duplication totals differ by at most {per['dedup_max_diff']:.1%})")
    if "cold_start_s" in results:
        lines.append(f"- cold `searchkit query said --json` on the Reuters index: "
                     f"{results['cold_start_s']:.2f} s wall, {results['cold_start_cpu_s']:.2f} s cpu (medians)")
    if "reindex" in results:
        r = results["reindex"]
        lines.append(f"- reindex of {r['files']:,} wire-text files: no-op {r['noop_s']:.2f} s, "
                     f"one changed file {r['changed_s']:.2f} s (first build {r['first_s']:.1f} s)")
    return "\n".join(lines)


def machine() -> str:
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return (f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"SQLite {__import__('sqlite3').sqlite_version}, load average at the end {load}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--_build":
        _child_build(*sys.argv[2:])
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpora", default=",".join(corpora.CORPORA),
                   help="comma-separated, of: " + ", ".join(corpora.CORPORA))
    p.add_argument("--quick", action="store_true", help="Reuters only, one pass, 2,000-file reindex")
    p.add_argument("--skip-baselines", action="store_true", help="searchkit only (no FTS5, tantivy)")
    p.add_argument("--reps", type=int, default=3, help="runs per query (the median counts)")
    p.add_argument("--cold-runs", type=int, default=7)
    p.add_argument("--wire-files", type=int, default=corpora.WIRE_FILES,
                   help="files in the reindex archive (0: skip)")
    p.add_argument("--record", action="store_true", help="append the table to benchmarks/RESULTS.md")
    args = p.parse_args()
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    if args.quick:
        args.corpora, args.reps, args.cold_runs = ["reuters"], 1, 3
        args.wire_files = min(args.wire_files, 2_000)
    results = run(args)
    text = table(results)
    print()
    print(text)
    corpora.WORK.mkdir(parents=True, exist_ok=True)
    (corpora.WORK / "last-run.json").write_text(json.dumps(results, indent=2, default=str))
    if args.record:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as fh:
            fh.write(f"\n## Run of {results['when']}\n\nMachine: {machine()}.\n"
                     f"Command: `python benchmarks/bench.py {' '.join(sys.argv[1:])}`\n\n{text}\n")


if __name__ == "__main__":
    main()
