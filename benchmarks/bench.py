"""searchkit's speed benchmark: builds, queries and cold starts, beside FTS5 and tantivy.

    python benchmarks/bench.py                       # every corpus (over an hour on 2 cores)
    python benchmarks/bench.py --quick               # Reuters only, one pass
    python benchmarks/bench.py --corpora reuters,rss100k --skip-baselines
    python benchmarks/bench.py --corpora all674k --engines fts5,tantivy
    python benchmarks/bench.py --record              # also append the tables to RESULTS.md

To measure another searchkit tree (say, the last commit, exported with
`git archive HEAD searchkit | tar -x -C /tmp/old`), put it first on the path:
`PYTHONPATH=/tmp/old python benchmarks/bench.py --quick`.

Archives and indexes live in benchmarks/.work/ (git-ignored). Every build is a child
process: searchkit's through its own command (`searchkit reindex --full`), the
baselines' through `engines.py build`. Queries are timed in this process, wall time
and CPU time of each call: the machine is shared, so CPU time is the fair figure.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpora  # noqa: E402  (found through the path set just above)
from engines import ENGINES, timed  # noqa: E402

ENGINE_ORDER = ("searchkit", "fts5", "tantivy")
BASELINES = ("fts5", "tantivy")
# Timed groups: (label, query group, sort order).
GROUPS = (("relevance", "main", "relevance"), ("newest", "main", "newest"),
          ("fuzzy", "fuzzy", "relevance"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- child processes: wall, CPU and memory of exactly one command -------------------


@dataclass
class Cost:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and the children it waited for
    max_rss_mb: float  # largest resident size of any one of those processes
    peak_mb: float  # largest sum of proportional set sizes over the process tree (sampled)
    stdout: str


def _tree(root: int) -> list[int]:
    """`root` and its live descendants."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _memory_kb(pid: int) -> int:
    """Proportional set size (shared pages split between the processes sharing them:
    a forked worker is not counted twice); resident size where that is not available."""
    for name, key in (("smaps_rollup", "Pss:"), ("status", "VmRSS:")):
        try:
            for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            continue
    return 0


class _TreeSampler(threading.Thread):
    """Samples the memory of a process tree ten times a second, keeps the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.1):
            self.peak_kb = max(self.peak_kb, sum(_memory_kb(p) for p in _tree(self.pid)))


# A child's largest resident size must be measured by a small parent: the kernel's
# high-water mark survives exec(), so a command started straight from this (large)
# process would report this process's size. GNU time is such a parent; else a tiny
# Python one.
_GNU_TIME = Path("/usr/bin/time")
_WRAPPER = ("import resource, subprocess, sys\n"
            "code = subprocess.run(sys.argv[2:]).returncode\n"
            "with open(sys.argv[1], 'w') as out:\n"
            "    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
            "sys.exit(code)\n")


@functools.cache
def _has_gnu_time() -> bool:
    try:
        probe = subprocess.run([str(_GNU_TIME), "--version"], check=False, capture_output=True, text=True)
    except OSError:
        return False
    return "GNU" in probe.stdout + probe.stderr


def _wrapped(command: list[str], rss_file: str) -> list[str]:
    if _has_gnu_time():
        return [str(_GNU_TIME), "-f", "%M", "-o", rss_file, *command]
    return [sys.executable, "-c", _WRAPPER, rss_file, *command]


def run_process(command: list[str], sample_memory: bool = False) -> Cost:
    """Run `command`; wall time, CPU time (from wait4(): exactly this process and the
    children it waited for, not deltas of RUSAGE_CHILDREN) and memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        # In the work folder: `python -m searchkit` then imports the searchkit that
        # PYTHONPATH or the installed package names, never one that happens to be in
        # the current folder.
        corpora.WORK.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        proc = subprocess.Popen(_wrapped(command, rss.name), stdout=out, stderr=err, cwd=corpora.WORK)
        sampler = _TreeSampler(proc.pid)
        if sample_memory:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        sampler.done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({proc.returncode}): "
                               f"{err.read().decode(errors='replace')[-2000:]}")
        max_rss_kb = int(rss.read().split()[-1])
        return Cost(wall, usage.ru_utime + usage.ru_stime, max_rss_kb / 1024,
                    max(sampler.peak_kb, max_rss_kb) / 1024, out.read().decode())


# -- builds ------------------------------------------------------------------------


def index_dir(corpus: str, engine: str) -> Path:
    return corpora.WORK / "indexes" / f"{corpus}-{engine}"


def build(engine: str, corpus: str) -> dict:
    archive = corpora.archive(corpus)  # prepared, counted and de-duplicated outside the timing
    articles = corpora.article_count(corpus)
    corpora.duplicates(corpus)
    index = index_dir(corpus, engine)
    shutil.rmtree(index, ignore_errors=True)
    index.parent.mkdir(parents=True, exist_ok=True)
    cost = run_process(ENGINES[engine].build_command(corpus, archive, index), sample_memory=True)
    size = dir_bytes(index)
    result = {"articles": articles, "seconds": cost.wall, "cpu": cost.cpu, "peak_mb": cost.peak_mb,
              "max_rss_mb": cost.max_rss_mb, "bytes": size, "index": str(index),
              "rate": articles / cost.wall, "bytes_per_article": size / articles}
    print(f"  {engine:9} build {articles:,} articles in {cost.wall:.1f} s ({result['rate']:,.0f}/s), "
          f"cpu {cost.cpu:.1f} s, peak {cost.peak_mb:.0f} MB (largest process {cost.max_rss_mb:.0f} MB), "
          f"{result['bytes_per_article']:,.0f} B/article", flush=True)
    return result


# -- queries, in this process ---------------------------------------------------------


def summary(walls: list[float], cpus: list[float], texts: list[str]) -> dict:
    """p50 / p95 of per-query milliseconds, and the slowest query by CPU."""
    slowest = max(range(len(cpus)), key=cpus.__getitem__)
    return {"wall_p50": percentile(walls, 0.5), "wall_p95": percentile(walls, 0.95),
            "cpu_p50": percentile(cpus, 0.5), "cpu_p95": percentile(cpus, 0.95),
            "slowest": texts[slowest], "slowest_cpu": cpus[slowest]}


def query_times(engine_name: str, index: Path, queries: list[corpora.Query], reps: int) -> dict:
    """Per group: p50/p95 over its queries, each query's time the median of `reps` runs."""
    open_wall, open_cpu, engine = timed(ENGINES[engine_name], index)
    try:
        # Warm-up pass (every query in every order it is timed in); keeps the totals.
        totals = {q.text: engine.run(q.text, "relevance").total for q in queries}
        for q in queries:
            if q.group == "main":
                engine.run(q.text, "newest")
        out: dict = {"open_ms": open_wall * 1000, "open_cpu_ms": open_cpu * 1000, "totals": totals}
        for label, group, sort in GROUPS:
            texts = [q.text for q in queries if q.group == group]
            walls, cpus = [], []
            for text in texts:
                runs = [timed(engine.run, text, sort)[:2] for _ in range(reps)]
                walls.append(statistics.median(w for w, _ in runs) * 1000)
                cpus.append(statistics.median(c for _, c in runs) * 1000)
            out[label] = summary(walls, cpus, texts)
        return out
    finally:
        engine.close()


def cold_start(engine: str, corpus: str, runs: int) -> dict:
    """Median wall and CPU, and the largest resident size, of a new process answering
    `said` (searchkit: `searchkit query said --json`; the baselines: `engines.py query`,
    which opens the index and does the same work as a timed query)."""
    command = ENGINES[engine].cold_command(index_dir(corpus, engine), corpora.archive(corpus), "said")
    costs = [run_process(command) for _ in range(runs)]
    return {"wall": statistics.median(c.wall for c in costs), "cpu": statistics.median(c.cpu for c in costs),
            "rss_mb": max(c.max_rss_mb for c in costs)}


# -- incremental reindex, through the command -------------------------------------------


def reindex_times(files: int, reps: int) -> dict:
    """`searchkit reindex` of a wire-text archive of `files` files: first, no-op, one
    file changed. Each is a new process, so the figures include starting Python."""
    archive = corpora.archive(f"wire{files}")
    index = index_dir(f"wire{files}", "searchkit")
    shutil.rmtree(index, ignore_errors=True)
    command = [sys.executable, "-m", "searchkit", "reindex", "--archive", str(archive),
               "--index", str(index), "--quiet"]
    first = run_process(command)
    noop = [run_process(command) for _ in range(reps)]
    changed = []
    victims = sorted(archive.rglob("*.txt"))
    for i in range(reps):
        path = victims[i * 97 % len(victims)]
        path.write_text(path.read_text(encoding="utf-8") + f"\nCorrection {time.time()}.\n",
                        encoding="utf-8")
        cost = run_process(command)
        counted = re.search(r"([\d,]+) changed", cost.stdout)
        if counted and counted.group(1) != "1":
            raise RuntimeError(f"expected one changed file: {cost.stdout.strip()}")
        changed.append(cost)
    result = {"files": files, "first_s": first.wall,
              "noop_s": statistics.median(c.wall for c in noop),
              "noop_cpu": statistics.median(c.cpu for c in noop),
              "changed_s": statistics.median(c.wall for c in changed),
              "changed_cpu": statistics.median(c.cpu for c in changed)}
    print(f"  reindex of {files:,} files: first {first.wall:.1f} s, no-op {result['noop_s']:.2f} s "
          f"(cpu {result['noop_cpu']:.2f}), one changed {result['changed_s']:.2f} s "
          f"(cpu {result['changed_cpu']:.2f})", flush=True)
    return result


# -- the run -----------------------------------------------------------------------


def disagreements(per: dict, engine: str, queries: list[corpora.Query]) -> list[str]:
    """Checked queries whose de-duplicated totals differ from FTS5's."""
    mine, fts = per[engine]["query"]["totals"], per["fts5"]["query"]["totals"]
    return [f"{q.text!r}: {engine} {mine[q.text]:,} vs FTS5 {fts[q.text]:,}"
            for q in queries if q.checked and mine[q.text] != fts[q.text]]


def print_query_line(name: str, q: dict) -> None:
    parts = [f"{label} {q[label]['wall_p50']:.1f}/{q[label]['wall_p95']:.1f} ms "
             f"(cpu {q[label]['cpu_p50']:.1f}/{q[label]['cpu_p95']:.1f})" for label, _, _ in GROUPS]
    print(f"  {name:9} open {q['open_ms']:.0f} ms; p50/p95 " + "; ".join(parts)
          + f"; slowest {q['relevance']['slowest']!r} {q['relevance']['slowest_cpu']:.0f} ms cpu",
          flush=True)


def run_corpus(corpus: str, engines: list[str], queries: list[corpora.Query], args) -> dict:
    print(f"{corpus}:", flush=True)
    per: dict = {}
    for name in engines:
        per[name] = {"build": build(name, corpus)}
        per[name]["query"] = query_times(name, index_dir(corpus, name), queries, args.reps)
        print_query_line(name, per[name]["query"])
        per[name]["cold"] = cold_start(name, corpus, args.cold_runs)
        c = per[name]["cold"]
        print(f"  {name:9} cold start: {c['wall']:.2f} s wall, {c['cpu']:.2f} s cpu, "
              f"{c['rss_mb']:.0f} MB", flush=True)
        if corpus != "reuters":  # the big indexes are not kept
            shutil.rmtree(index_dir(corpus, name), ignore_errors=True)
    if "fts5" in per:
        checked = sum(q.checked for q in queries)
        for name in (n for n in engines if n != "fts5"):
            differ = disagreements(per, name, queries)
            per[name]["agree"] = {"agree": checked - len(differ), "checked": checked, "differ": differ}
            print(f"  {name} vs FTS5: totals agree on {checked - len(differ)}/{checked} checked queries",
                  flush=True)
            for line in differ:
                print(f"    differs: {line}", flush=True)
    return per


def run(args) -> dict:
    queries = corpora.queries()
    engines = [e for e in ENGINE_ORDER if e in args.engines]
    results: dict = {"corpora": {}, "when": datetime.now().isoformat(timespec="minutes")}
    for corpus in args.corpora:
        results["corpora"][corpus] = run_corpus(corpus, engines, queries, args)
    if args.wire_files:
        results["reindex"] = reindex_times(args.wire_files, args.reps)
    results["machine"] = machine()
    return results


# -- the tables --------------------------------------------------------------------


COLUMNS = ("build art/s", "build CPU s", "peak MB", "bytes/article",
           "query p50 / p95 ms (wall)", "query p50 / p95 ms (CPU)",
           "newest p50 / p95 ms (wall)", "newest p50 / p95 ms (CPU)",
           "fuzzy p95 ms wall / CPU", "cold start wall s / CPU s / MB")


def _cells(e: dict) -> list[tuple[float, ...]]:
    """One engine's figures, column by column (tuples where a cell holds several)."""
    b, q, c = e["build"], e["query"], e["cold"]
    return [(b["rate"],), (b["cpu"],), (b["peak_mb"],), (b["bytes_per_article"],),
            (q["relevance"]["wall_p50"], q["relevance"]["wall_p95"]),
            (q["relevance"]["cpu_p50"], q["relevance"]["cpu_p95"]),
            (q["newest"]["wall_p50"], q["newest"]["wall_p95"]),
            (q["newest"]["cpu_p50"], q["newest"]["cpu_p95"]),
            (q["fuzzy"]["wall_p95"], q["fuzzy"]["cpu_p95"]),
            (c["wall"], c["cpu"], c["rss_mb"])]


def _figure(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}×" if b else "–"


def table(results: dict) -> str:
    rows = ["| corpus | engine | " + " | ".join(COLUMNS) + " |", "|" + " --- |" * (len(COLUMNS) + 2)]
    for corpus, per in results["corpora"].items():
        for name in (n for n in ENGINE_ORDER if n in per):
            cells = [" / ".join(map(_figure, cell)) for cell in _cells(per[name])]
            rows.append(f"| {corpus} | {name} | " + " | ".join(cells) + " |")
        for base in (n for n in BASELINES if n in per and "searchkit" in per):
            pairs = zip(_cells(per["searchkit"]), _cells(per[base]))
            cells = [" / ".join(_ratio(a, b) for a, b in zip(mine, theirs)) for mine, theirs in pairs]
            rows.append(f"| {corpus} | searchkit / {base} | " + " | ".join(cells) + " |")
    notes = ["", ("Ratios are searchkit's figure divided by the baseline's, cell by cell "
                  "(build art/s: below 1× means slower; every other column: above 1× means slower "
                  "or bigger).")]
    for corpus, per in results["corpora"].items():
        for name, e in per.items():
            if "agree" not in e:
                continue
            a = e["agree"]
            line = f"- {corpus}, {name} vs FTS5: de-duplicated totals agree on {a['agree']}/{a['checked']}"
            notes.append(line + ("" if not a["differ"] else "; differ on: " + "; ".join(a["differ"])))
        slowest = ", ".join(f"{n} {per[n]['query']['relevance']['slowest']!r} "
                            f"{per[n]['query']['relevance']['slowest_cpu']:.0f} ms"
                            for n in ENGINE_ORDER if n in per)
        notes.append(f"- {corpus}, slowest query by CPU (relevance): {slowest}")
    if "reindex" in results:
        r = results["reindex"]
        notes.append(f"- `searchkit reindex` of {r['files']:,} wire-text files (new process each): "
                     f"no-op {r['noop_s']:.2f} s wall ({r['noop_cpu']:.2f} s CPU), one changed file "
                     f"{r['changed_s']:.2f} s ({r['changed_cpu']:.2f} s CPU); first build {r['first_s']:.1f} s")
    return "\n".join(rows + notes)


def machine() -> str:
    try:
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    import sqlite3

    return (f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, tantivy-py {_version('tantivy')}, "
            f"load average at the end {load}")


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpora", default=",".join(corpora.CORPORA),
                   help="comma-separated, of: " + ", ".join(corpora.CORPORA))
    p.add_argument("--quick", action="store_true", help="Reuters only, one pass, 2,000-file reindex")
    p.add_argument("--engines", default=",".join(ENGINE_ORDER),
                   help="comma-separated, of: " + ", ".join(ENGINE_ORDER))
    p.add_argument("--skip-baselines", action="store_true", help="searchkit only (--engines searchkit)")
    p.add_argument("--reps", type=int, default=3, help="runs per query (the median counts)")
    p.add_argument("--cold-runs", type=int, default=5, help="cold starts per engine (the median counts)")
    p.add_argument("--wire-files", type=int, default=corpora.WIRE_FILES,
                   help="files in the reindex archive (0: skip)")
    p.add_argument("--record", action="store_true", help="append the tables to benchmarks/RESULTS.md")
    args = p.parse_args()
    args.corpora = [c.strip() for c in args.corpora.split(",") if c.strip()]
    args.engines = ["searchkit"] if args.skip_baselines else args.engines.split(",")
    unknown = (set(args.corpora) - set(corpora.CORPORA)) | (set(args.engines) - set(ENGINE_ORDER))
    if unknown:
        p.error(f"unknown corpora or engines: {', '.join(sorted(unknown))}")
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
            fh.write(f"\n## Run of {results['when']}\n\nMachine: {results['machine']}.\n"
                     f"Command: `python benchmarks/bench.py {' '.join(sys.argv[1:])}`\n\n{text}\n")


if __name__ == "__main__":
    main()
