"""A sharded Reuters-21578 (4 shards) served by a real two-node Ray cluster on 127.0.0.1:
equal answers, a node SIGKILLed during queries, a reindex during queries."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")

import searchkit  # noqa: E402
from searchkit.cluster import ray_backend  # noqa: E402
from searchkit.cluster.local_cluster import kill_node  # noqa: E402
from searchkit.models import SearchRequest  # noqa: E402

from ..conftest import needs_shared  # noqa: E402

pytestmark = [needs_shared, pytest.mark.cluster]

QUERIES = ["oil prices", "\"crude oil\"", "opec*", "barrel~", "cofee", "tokio exports", "",
           "reports on failed wheat harvests in the southern provinces of the country"]
MB = 1024 * 1024
# Nodes that miss health checks for about 2 s are declared dead (Ray's default is ~30 s).
SYSTEM_CONFIG = {"health_check_period_ms": 500, "health_check_failure_threshold": 4,
                 "health_check_timeout_ms": 500}


@pytest.fixture(scope="module")
def cluster():
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "node_ip_address": "127.0.0.1", "include_dashboard": False,
        "object_store_memory": 100 * MB, "_system_config": SYSTEM_CONFIG,
    })
    worker = cluster.add_node(num_cpus=1, node_ip_address="127.0.0.1", object_store_memory=100 * MB)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, namespace=ray_backend.NAMESPACE, include_dashboard=False,
             log_to_driver=False)
    try:
        yield cluster, worker
    finally:
        ray.shutdown()
        cluster.shutdown()


@pytest.fixture(scope="module")
def shards(reuters_shards: Path, tmp_path_factory) -> Path:
    """A private copy of the 4 shards (its own actors: they are named after its folder)."""
    target = tmp_path_factory.mktemp("ray-shards") / "index"
    shutil.copytree(reuters_shards, target)
    return target


def _summary(response):
    return (response.total, [h.id for h in response.hits], [h.score for h in response.hits],
            response.facets, response.suggestion, response.matched)


def _listeners(pids: set[int]) -> set[str]:
    return {c.laddr.ip for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.pid in pids}


def test_the_cluster_answers_as_one_index(cluster, shards: Path, reuters_index: Path) -> None:
    head, _ = cluster
    with searchkit.open(reuters_index) as one, searchkit.open(shards, cluster=head.address) as many:
        for text in QUERIES:
            for page in (1, 4):
                request = SearchRequest(text, page=page, page_size=20)
                sharded = many.search(request)
                assert not sharded.partial
                assert _summary(sharded) == _summary(one.search(request)), (text, page)
        hit = one.search("cocoa buffer stock").hits[0]
        assert many.article(hit.id) == one.article(hit.id)
        assert _summary(many.more_like(hit.id)) == _summary(one.more_like(hit.id))
        assert many.stats().articles == one.stats().articles
    # The shards' actors are spread over both nodes.
    nodes = {ray.get(ray_backend.shard_actor(shards, k).node.remote()) for k in range(4)}
    assert len(nodes) == 2
    # Every socket the cluster listens on is on the loopback.
    ours = {p.pid for p in psutil.Process().children(recursive=True)} | {os.getpid()}
    assert _listeners(ours) and _listeners(ours) <= {"127.0.0.1", "::ffff:127.0.0.1"}


def test_a_node_killed_during_queries(cluster, shards: Path) -> None:
    head, worker = cluster
    request = SearchRequest("oil prices", page_size=20)
    ix = searchkit.open(shards, cluster=head.address)
    full = ix.search(request)
    fanout = ix._reader().fanout  # type: ignore[union-attr]
    on_worker = {k for k, actor in enumerate(fanout.actors)
                 if ray.get(actor.node.remote()) == worker.node_id}
    assert on_worker  # spread: some shards are served from the worker node
    answers: list = []
    failed: list[BaseException] = []
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                started = time.monotonic()  # an answer counts from when it was asked
                answers.append((started, ix.search(request)))
        except BaseException as exc:  # the test fails with it below
            failed.append(exc)
            raise

    thread = threading.Thread(target=ask)
    thread.start()
    try:
        while len(answers) < 3 and not failed:
            time.sleep(0.05)
        kill_node(head, worker)
        killed = time.monotonic()  # every process of the node is gone from here on
        deadline = killed + 120
        while time.monotonic() < deadline:  # until whole answers come back
            if failed or (answers and answers[-1][0] > killed and not answers[-1][1].partial):
                break
            time.sleep(0.1)
    finally:
        stop.set()
        thread.join(60)
    assert not failed, failed
    after = [r for t, r in answers if t > killed]
    assert after and not after[-1].partial, "the lost shards were never served again"
    for response in (r for _, r in answers):
        if response.partial:  # names the shards it lacks (in some step: the count, or the hits)
            assert set(response.missing_shards) <= on_worker
        else:
            assert _summary(response) == _summary(full)
    recovered = next(t for t, r in answers if t > killed and not r.partial and
                     any(x.partial for u, x in answers if killed < u < t)) if any(r.partial for r in after) else None
    print(f"node loss: {sum(r.partial for r in after)} partial answers, "
          f"whole again after {((recovered or killed) - killed):.1f} s")
    # The actors moved to the node left.
    assert {ray.get(a.node.remote()) for a in fanout.actors} == {head.head_node.node_id}
    ix.close()


def test_a_reindex_during_queries_switches_all_shards_at_once(cluster, archive: Path, tmp_path: Path) -> None:
    head, _ = cluster
    index_dir = tmp_path / "index"
    ix = searchkit.open(index_dir, archive, cluster=head.address)
    ix.reindex(shards=4)
    request = SearchRequest("zanzibarite", page_size=50)
    assert ix.search(request).total == 0
    stories = [{"date": f"2023-05-{d:02d}", "source": "Wire", "title": f"Zanzibarite report {d}",
                "body": f"Report {d}: zanzibarite was found again, this time in site number {d * 7}."}
               for d in range(1, 25)]
    (archive / "new.jsonl").write_text("".join(json.dumps(s) + "\n" for s in stories))
    totals: list[int] = []
    partial: list[object] = []
    stop = threading.Event()

    def ask() -> None:
        reader = searchkit.open(index_dir, cluster=head.address)
        try:
            while not stop.is_set():
                response = reader.search(request)
                partial.extend(response.missing_shards)
                totals.append(response.total)
        except BaseException as exc:  # the test fails with it below
            partial.append(exc)
            raise
        finally:
            reader.close()

    thread = threading.Thread(target=ask)
    thread.start()
    try:
        summary = ix.reindex()  # each shard prepared by its actor, then all switched together
        deadline = time.monotonic() + 60
        while (len(totals) < 3 or totals[-1] != len(stories)) and time.monotonic() < deadline and not partial:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(60)
    assert summary.added_articles == len(stories) and not partial
    assert set(totals) == {0, len(stories)}  # never some shards old and others new
    assert ix.search(request).total == len(stories)
    ix.close()
