"""The shards of a sharded index served by a Ray cluster: one actor per shard.

Each shard's actor is named after the index and the shard (so every driver, a CLI
command, the TUI or `searchkit serve`, finds the same actors) and detached (it outlives
the driver that started it). Shards are dealt over the alive nodes in turn; when a
node dies, its actors die with it and the next call starts each again on a node that
is alive, where it opens the shard from the shared folder (or a copy at the same
path). Actors ask for no CPU, so a small cluster holds any number of shards.

A shard that does not answer within CALL_SECONDS (its node lost, its actor being
started again) is left out of that answer, which says so (coordinator.py); an error of
the person's (a bad query) comes back as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Keep every socket on this machine's loopback when the cluster is local.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report sent anywhere

import ray
from ray.exceptions import GetTimeoutError, RayActorError, RayError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from ..engine.ranking import DEFAULT, RankingParams
from ..engine.shard import ShardService, StaleView
from ..errors import UserError
from ..models import ArchiveSettings, ReindexSummary
from .layout import read_layout, shard_name
from .reindex import StageAll

NAMESPACE = "searchkit"
CALL_SECONDS = 5.0  # a shard slower than this to answer one step is counted missing
CONNECT_SECONDS = 60.0


class ShardActor:
    """Serves one shard: the steps of engine/shard.ShardService, and its reindex."""

    def __init__(self, index_dir: str, params: RankingParams) -> None:
        self.index_dir = index_dir
        self.params = params
        self.service: ShardService | None = None

    def _service(self) -> ShardService:
        if self.service is None:  # opened at first use: a shard not built yet is no error here
            self.service = ShardService(Path(self.index_dir), self.params)
        return self.service

    def call(self, method: str, *args: Any) -> Any:
        return getattr(self._service(), method)(*args)

    def stage(self, archive: str, shard: int, count: int, full: bool, verify: bool,
              settings: ArchiveSettings | None = None) -> tuple[ReindexSummary, str | None]:
        from ..engine.indexer import stage

        summary, gen = stage(Path(archive), Path(self.index_dir), (shard, count), full=full, verify=verify,
                             settings=settings)
        return summary, gen.name if gen is not None else None

    def node(self) -> str:
        return str(ray.get_runtime_context().get_node_id())


_RemoteShard = ray.remote(ShardActor)


def connect(address: str) -> None:
    """Join the cluster at `address` as a driver (once per process)."""
    if ray.is_initialized():
        return
    host, _, port = address.rpartition(":")
    try:  # Ray retries an address that does not answer for a long while: ask once first
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=5).close()
    except (OSError, ValueError):
        raise UserError(f"no Ray cluster answers at {address}; start one with `searchkit cluster up` "
                        "or `ray start --head`") from None
    try:
        ray.init(address=address, namespace=NAMESPACE, logging_level=logging.ERROR, log_to_driver=False,
                 include_dashboard=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UserError(f"no Ray cluster answers at {address} ({str(exc).splitlines()[0][:200]}); "
                        "start one with `searchkit cluster up` or `ray start --head`") from None


def actor_name(index_dir: Path, k: int) -> str:
    digest = hashlib.sha1(str(index_dir.resolve()).encode("utf-8")).hexdigest()[:12]
    return f"shard-{digest}-{k:03d}"


def shard_actor(index_dir: Path, k: int, params: RankingParams = DEFAULT) -> Any:
    """The actor serving shard `k` of the index, started if it is not running: on the
    alive nodes in turn (shard k on node k mod n, sorted by id), so the shards are spread
    the same way every time. An actor dies with its node; the next call to it starts it
    again, on a node that is alive (RayFanout.call)."""
    nodes = sorted(n["NodeID"] for n in ray.nodes() if n.get("Alive"))
    strategy: Any = NodeAffinitySchedulingStrategy(nodes[k % len(nodes)], soft=False) if nodes else "DEFAULT"
    return _RemoteShard.options(
        name=actor_name(index_dir, k), namespace=NAMESPACE, lifetime="detached", get_if_exists=True,
        max_restarts=0, max_task_retries=0, num_cpus=0, scheduling_strategy=strategy, max_concurrency=8,
    ).remote(str((index_dir / shard_name(k)).resolve()), params)


class RayFanout:
    """The steps of a search sent to every shard's actor at once, answers gathered."""

    def __init__(self, index_dir: Path, shards: int, params: RankingParams = DEFAULT,
                 call_seconds: float = CALL_SECONDS) -> None:
        self.index_dir, self.shards, self.params = Path(index_dir), shards, params
        self.call_seconds = call_seconds
        # Each started (a worker process) before the next, and all before the first search:
        # a search should not count a shard as missing because its actor was still starting.
        self.actors = []
        for k in range(shards):
            actor = shard_actor(self.index_dir, k, params)
            ray.wait([actor.node.remote()], timeout=CONNECT_SECONDS)
            self.actors.append(actor)

    @classmethod
    def connect(cls, address: str, index_dir: Path, params: RankingParams = DEFAULT) -> RayFanout:
        connect(address)
        return cls(index_dir, read_layout(index_dir).shards, params)

    def call(self, method: str, args: Mapping[int, tuple[Any, ...]]) -> dict[int, Any]:
        futures = {k: self.actors[k].call.remote(method, *a) for k, a in args.items()}
        lost: list[int] = []
        ready, _ = ray.wait(list(futures.values()), num_returns=len(futures), timeout=self.call_seconds)
        done = set(ready)
        out: dict[int, Any] = {}
        for k, future in futures.items():
            if future not in done:
                ray.cancel(future)
                continue
            try:
                out[k] = ray.get(future, timeout=self.call_seconds)
            except RayTaskError as exc:
                cause = exc.cause
                if isinstance(cause, (UserError, StaleView)):
                    raise cause from None
                raise
            except RayActorError:  # its node is gone: started again on a node alive, for the next call
                lost.append(k)
            except (GetTimeoutError, RayError):
                continue  # too slow (its node may be dying): missing from this answer
        for k in lost:
            self.actors[k] = shard_actor(self.index_dir, k, self.params)
        return out

    def close(self) -> None:
        pass  # the actors are the cluster's, shared by every driver


def ray_stager(address: str, archive: Path, index_dir: Path, *, full: bool, verify: bool,
               settings: ArchiveSettings | None = None) -> StageAll:
    """Shards prepared by their actors, all at once, each on its own node's CPUs."""
    connect(address)

    def stage_all(shards: list[int], count: int) -> dict[int, tuple[ReindexSummary, str | None]]:
        actors = {k: shard_actor(index_dir, k) for k in shards}
        futures = {k: a.stage.remote(str(archive.resolve()), k, count, full, verify, settings)
                   for k, a in actors.items()}
        out = {}
        for k, future in futures.items():
            try:
                out[k] = ray.get(future)
            except RayTaskError as exc:
                if isinstance(exc.cause, UserError):
                    raise exc.cause from None
                raise
            except RayActorError:
                raise UserError(f"shard {k} was lost during the reindex (its node stopped); "
                                "nothing was switched: run the reindex again") from None
        return out

    return stage_all
