"""The shards of a sharded index searched in this process, one after another."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..engine.ranking import DEFAULT, RankingParams
from ..engine.shard import ShardService
from .layout import read_layout


class LocalFanout:
    """Every shard of the index at `index_dir`, opened here (no cluster)."""

    def __init__(self, index_dir: Path, params: RankingParams = DEFAULT) -> None:
        self.index_dir = Path(index_dir)
        self.params = params
        self.shards = read_layout(self.index_dir).shards
        self._services: dict[int, ShardService] = {}
        self._lock = threading.Lock()

    def service(self, k: int) -> ShardService:
        service = self._services.get(k)
        if service is None:
            with self._lock:
                service = self._services.get(k)
                if service is None:
                    from .layout import shard_name

                    service = self._services[k] = ShardService(self.index_dir / shard_name(k), self.params)
        return service

    def call(self, method: str, args: Mapping[int, tuple[Any, ...]]) -> dict[int, Any]:
        return {k: getattr(self.service(k), method)(*a) for k, a in args.items()}

    def close(self) -> None:
        with self._lock:
            for service in self._services.values():
                service.close()
            self._services.clear()
