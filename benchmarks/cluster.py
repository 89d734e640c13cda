"""Scaling out: a sharded archive on a two-node Ray cluster, beside the single index.

    python benchmarks/cluster.py                        # all674k: 1, 2 and 4 shards (~30 min on 2 cores)
    python benchmarks/cluster.py --corpus reuters --shards 1,2 --reps 1

For the single index and for each shard count, on a Ray cluster of `--nodes` nodes
started here on 127.0.0.1 (ray.cluster_utils, one CPU each, no dashboard):

- build: a full reindex (the single index by `searchkit reindex --full`; the sharded
  ones by the shards' actors, all at once), wall time and the CPU time of every
  process involved;
- one client: each query of benchmarks/queries.txt `--reps` times, p50/p95 of the
  median wall time per query, and the CPU time all processes spent per query;
- 8 clients: threads asking the same queries at once, queries per second;
- the sharded search in one process (no cluster): the merge's own cost;
- node loss (last, with the most shards): the worker node's processes SIGKILLed while
  a client asks; seconds until whole answers again, answers marked partial meanwhile.

The machine is shared: CPU time is reported next to wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

import corpora  # noqa: E402
import psutil  # noqa: E402
import ray  # noqa: E402

from searchkit.cluster.local_cluster import kill_node  # noqa: E402

MB = 1024 * 1024


def _cpu_seconds() -> float:
    """CPU time of this process and every process under it (the cluster's nodes, the
    actors, the build's workers) that is still alive, plus those reaped."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:4])
    for child in me.children(recursive=True):  # with the children each has reaped
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            total += sum(child.cpu_times()[:4])
    return total


class Meter:
    def __enter__(self) -> Meter:
        self.wall, self.cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = _cpu_seconds() - self.cpu


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_cluster(nodes: int):
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False,
        "object_store_memory": 200 * MB,
        "_system_config": {"health_check_period_ms": 500, "health_check_failure_threshold": 4,
                           "health_check_timeout_ms": 500},
    })
    workers = [cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1", object_store_memory=200 * MB)
               for _ in range(nodes - 1)]
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, namespace="searchkit", include_dashboard=False, log_to_driver=False)
    return cluster, workers


def build_single(archive: Path, index: Path) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    with Meter() as m:
        subprocess.run([sys.executable, "-m", "searchkit.cli", "reindex", "--full", "--quiet",
                        "--archive", str(archive), "--index", str(index)], check=True,
                       stdout=subprocess.DEVNULL)
    return {"wall": m.wall, "cpu": m.cpu}


def build_sharded(archive: Path, index: Path, shards: int, address: str) -> dict:
    import searchkit

    shutil.rmtree(index, ignore_errors=True)
    with Meter() as m:
        summary = searchkit.open(index, archive, cluster=address).reindex(shards=shards, full=True)
    return {"wall": m.wall, "cpu": m.cpu, "articles": summary.articles}


def one_client(ix, texts: list[str], reps: int) -> dict:
    from searchkit.models import SearchRequest

    walls: list[float] = []
    totals = {}
    with Meter() as m:
        for text in texts:
            runs = []
            for _ in range(reps):
                started = time.perf_counter()
                response = ix.search(SearchRequest(text))
                runs.append(time.perf_counter() - started)
            totals[text] = response.total
            walls.append(statistics.median(runs))
    n = len(texts) * reps
    return {"p50_ms": 1000 * percentile(walls, 0.5), "p95_ms": 1000 * percentile(walls, 0.95),
            "cpu_ms_per_query": 1000 * m.cpu / n, "totals": totals}


def many_clients(ix, texts: list[str], clients: int, rounds: int) -> dict:
    from searchkit.models import SearchRequest

    errors: list[BaseException] = []

    def client(offset: int) -> None:
        try:
            for r in range(rounds):
                for i in range(len(texts)):
                    ix.search(SearchRequest(texts[(i + offset + r) % len(texts)]))
        except BaseException as exc:  # reported, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    with Meter() as m:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if errors:
        raise errors[0]
    n = clients * rounds * len(texts)
    return {"qps": n / m.wall, "cpu_ms_per_query": 1000 * m.cpu / n}


def node_loss(ix, cluster, worker, text: str) -> dict:
    """Kill the worker node's processes while one client asks; how long until whole."""
    from searchkit.models import SearchRequest

    request = SearchRequest(text)
    full = ix.search(request).total
    answers: list[tuple[float, bool, int]] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            r = ix.search(request)
            answers.append((time.monotonic(), r.partial, r.total))

    thread = threading.Thread(target=ask)
    thread.start()
    while len(answers) < 5:
        time.sleep(0.05)
    killed = time.monotonic()
    kill_node(cluster, worker)
    deadline = killed + 180
    while time.monotonic() < deadline:
        after = [a for a in answers if a[0] > killed]
        if after and not after[-1][1] and any(a[1] for a in after):
            break
        if after and len(after) > 50 and not any(a[1] for a in after):
            break  # no shard was ever missed
        time.sleep(0.1)
    stop.set()
    thread.join()
    after = [a for a in answers if a[0] > killed]
    partial = [a for a in after if a[1]]
    whole_again = next((a[0] for a in after if not a[1] and partial and a[0] > partial[-1][0]), None)
    wrong = [a for a in after if not a[1] and a[2] != full]
    return {"partial_answers": len(partial), "answers_after_kill": len(after),
            "seconds_to_whole": (whole_again - killed) if whole_again else None,
            "whole_answers_with_wrong_total": len(wrong),
            "partial_totals": sorted({a[2] for a in partial}), "full_total": full}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default="all674k", choices=corpora.CORPORA)
    p.add_argument("--shards", default="1,2,4")
    p.add_argument("--nodes", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--rounds", type=int, default=1, help="passes over the queries by each concurrent client")
    p.add_argument("--out", type=Path, default=corpora.WORK / "cluster.json")
    p.add_argument("--node-loss-only", action="store_true",
                   help="only the node loss, on the index of the last shard count built before")
    args = p.parse_args()
    import searchkit

    if args.node_loss_only:
        n = int(args.shards.split(",")[-1])
        cluster, workers = start_cluster(args.nodes)
        try:
            with searchkit.open(corpora.WORK / "indexes" / f"{args.corpus}-shards{n}", cluster=cluster.address) as ix:
                ix.search("warm up the actors")
                print(json.dumps({"shards": n, **node_loss(ix, cluster, workers[0], "oil prices")}))
        finally:
            ray.shutdown()
            cluster.shutdown()
        return

    archive = corpora.archive(args.corpus)
    texts = [q.text for q in corpora.queries()]
    work = corpora.WORK / "indexes"
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {"corpus": args.corpus, "articles": corpora.article_count(args.corpus),
                     "nodes": args.nodes, "queries": len(texts), "reps": args.reps, "clients": args.clients}

    single_dir = work / f"{args.corpus}-single"
    print("single index: build", flush=True)
    single = {"build": build_single(archive, single_dir)}
    with searchkit.open(single_dir) as ix:
        single["one"] = one_client(ix, texts, args.reps)
        single["many"] = many_clients(ix, texts, args.clients, args.rounds)
    results["single"] = single
    print(json.dumps({k: v for k, v in single.items()}, default=str)[:400], flush=True)

    cluster, workers = start_cluster(args.nodes)
    results["sharded"] = {}
    try:
        counts = [int(s) for s in args.shards.split(",")]
        for n in counts:
            index = work / f"{args.corpus}-shards{n}"
            print(f"{n} shard(s): build on the cluster", flush=True)
            entry: dict = {"build": build_sharded(archive, index, n, cluster.address)}
            with searchkit.open(index, cluster=cluster.address) as ix:
                ix.search("warm up the actors")
                entry["one"] = one_client(ix, texts, args.reps)
                entry["many"] = many_clients(ix, texts, args.clients, args.rounds)
                entry["same_totals"] = entry["one"]["totals"] == single["one"]["totals"]
            with searchkit.open(index) as ix:  # the same shards searched in this process
                entry["in_process"] = one_client(ix, texts, args.reps)
            results["sharded"][n] = entry
            print(json.dumps({k: (v if k != "one" else {x: y for x, y in v.items() if x != "totals"})
                              for k, v in entry.items()}, default=str)[:600], flush=True)
        if workers:
            n = counts[-1]
            with searchkit.open(work / f"{args.corpus}-shards{n}", cluster=cluster.address) as ix:
                results["node_loss"] = {"shards": n, **node_loss(ix, cluster, workers[0], "oil prices")}
            print(json.dumps(results["node_loss"]), flush=True)
    finally:
        ray.shutdown()
        cluster.shutdown()
    for part in [results["single"], *results["sharded"].values()]:
        for key in ("one", "in_process"):
            if key in part:
                part[key].pop("totals", None)
    args.out.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
