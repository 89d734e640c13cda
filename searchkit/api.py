"""searchkit's public Python API: what the CLI, the TUI and scripts use.

    import searchkit
    from searchkit.models import SearchRequest

    with searchkit.open(index="index", archive="seeds") as ix:
        ix.reindex()                                  # build or update it
        response = ix.search(SearchRequest("peacekeepers Almaty", place=("MINSK",)))
        for hit in response.hits:
            print(hit.date, hit.title, ix.article(hit.id).url)

Everything returned is a plain frozen dataclass of `searchkit.models`; errors a person
can cause are `searchkit.errors.UserError`s with a message worth showing as it is.
An `Index` may be shared by threads: searches run side by side, and each one sees the
newest commit, so a reindex (in this process or another) shows at the next search.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from os import PathLike
from pathlib import Path

from .cluster.coordinator import ShardedSearcher
from .cluster.layout import is_sharded
from .cluster.local import LocalFanout
from .engine import store
from .engine.ranking import DEFAULT, RankingParams
from .engine.searcher import Searcher
from .errors import IndexMissingError
from .models import (
    ArchiveSettings,
    Article,
    IndexCheck,
    IndexStats,
    ReadProblem,
    ReindexProgress,
    ReindexSummary,
    SearchRequest,
    SearchResponse,
    Span,
)

__all__ = ["Index", "RankingParams", "open"]


class Index:
    """One index folder, and the archive it is built from."""

    def __init__(self, index: str | PathLike[str], archive: str | PathLike[str] | None = None,
                 params: RankingParams = DEFAULT, settings: ArchiveSettings | None = None,
                 cluster: str | None = None) -> None:
        self.index_dir = Path(index)
        # A Ray cluster's address (its actors serve the shards); `--cluster` sets the variable.
        self.cluster = cluster if cluster is not None else (os.environ.get("SEARCHKIT_CLUSTER") or None)
        self.archive_dir = Path(archive) if archive is not None else None
        self.params = params
        self.settings = settings  # None: those the index was built with (else the defaults)
        self._searcher: Searcher | ShardedSearcher | None = None
        self._lock = threading.Lock()

    # Reading -------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether there is an index to search yet (a folder not ours raises UserError)."""
        return is_sharded(self.index_dir) or store.current_generation(self.index_dir) is not None

    def _reader(self) -> Searcher | ShardedSearcher:
        searcher = self._searcher
        if searcher is None:
            with self._lock:
                if self._searcher is None:
                    self._searcher = self._open_reader()
                searcher = self._searcher
        return searcher

    def _open_reader(self) -> Searcher | ShardedSearcher:
        if self.cluster is not None:
            from .cluster.ray_backend import RayFanout  # Ray is an optional extra

            return ShardedSearcher(RayFanout.connect(self.cluster, self.index_dir, self.params),
                                   str(self.index_dir), self.params)
        if is_sharded(self.index_dir):
            return ShardedSearcher(LocalFanout(self.index_dir, self.params), str(self.index_dir), self.params)
        return Searcher(self.index_dir, self.params)

    @property
    def sharded(self) -> bool:
        return is_sharded(self.index_dir)

    def search(self, request: SearchRequest | str = "") -> SearchResponse:
        """Search; a string is a query with the defaults of SearchRequest."""
        if isinstance(request, str):
            request = SearchRequest(request)
        return self._reader().search(request)

    def more_like(self, article_id: str, request: SearchRequest | None = None) -> SearchResponse:
        """Articles similar to one (its most telling words, any of them), itself left out."""
        return self._reader().more_like(article_id, request or SearchRequest())

    def article(self, article_id: str) -> Article | None:
        return self._reader().article(article_id)

    def highlight(self, article: Article, text: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
        """(title, body) of an article as spans, every match of the query `text` marked."""
        return self._reader().highlight_article(article, text)

    def similar_terms(self, article_id: str) -> list[str]:
        return self._reader().similar_terms(article_id)

    def stats(self) -> IndexStats:
        return self._reader().stats()

    def check(self) -> IndexCheck:
        """Read every file of the index end to end; what is wrong, if anything."""
        from .engine.check import check_index

        if not is_sharded(self.index_dir):
            return check_index(self.index_dir)
        from .cluster.layout import read_layout

        names = read_layout(self.index_dir).names()
        parts = [check_index(self.index_dir / name) for name in names]
        return IndexCheck(str(self.index_dir), sum(c.files for c in parts), sum(c.bytes for c in parts),
                          sum(c.articles for c in parts),
                          tuple(f"{name}/{p}" for name, c in zip(names, parts) for p in c.problems))

    # Writing -------------------------------------------------------------------------------

    def reindex(self, *, full: bool = False, progress: Callable[[ReindexProgress], None] | None = None,
                on_problem: Callable[[ReadProblem], None] | None = None,
                wait_seconds: float = 10.0, verify: bool = False, shards: int | None = None) -> ReindexSummary:
        """Bring the index up to date with the archive (incremental unless `full`;
        `verify` also compares each file's content with the hash kept of it). `shards`
        splits a new index into that many shards; a sharded index stays sharded."""
        from .engine.indexer import reindex  # the writer's imports stay off the query path

        if self.archive_dir is None:
            raise IndexMissingError("no archive folder given to index")
        if shards is not None or is_sharded(self.index_dir):
            summary = self._reindex_sharded(full=full, progress=progress, on_problem=on_problem,
                                            wait_seconds=wait_seconds, verify=verify, shards=shards)
        else:
            summary = self._reindex_single(reindex, full=full, progress=progress, on_problem=on_problem,
                                           wait_seconds=wait_seconds, verify=verify)
        if self._searcher is not None:
            self._searcher.refresh()
        return summary

    def _reindex_sharded(self, *, full: bool, progress: Callable[[ReindexProgress], None] | None,
                         on_problem: Callable[[ReadProblem], None] | None, wait_seconds: float, verify: bool,
                         shards: int | None) -> ReindexSummary:
        from .cluster.reindex import reindex_sharded

        assert self.archive_dir is not None
        stage_all = None
        if self.cluster is not None:
            from .cluster.ray_backend import ray_stager

            stage_all = ray_stager(self.cluster, self.archive_dir, self.index_dir, full=full, verify=verify,
                                   settings=self.settings)
        return reindex_sharded(self.archive_dir, self.index_dir, shards=shards, full=full, progress=progress,
                               on_problem=on_problem, wait_seconds=wait_seconds, verify=verify,
                               stage_all=stage_all, settings=self.settings)

    def _reindex_single(self, reindex: Callable[..., ReindexSummary], *, full: bool,
                        progress: Callable[[ReindexProgress], None] | None,
                        on_problem: Callable[[ReadProblem], None] | None, wait_seconds: float,
                        verify: bool) -> ReindexSummary:
        assert self.archive_dir is not None
        summary = reindex(self.archive_dir, self.index_dir, full=full, progress=progress,
                           on_problem=on_problem, wait_seconds=wait_seconds, verify=verify,
                           settings=self.settings)
        return summary

    # Lifetime ------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(index: str | PathLike[str] = "index", archive: str | PathLike[str] | None = None,
         *, params: RankingParams = DEFAULT, settings: ArchiveSettings | None = None,
         cluster: str | None = None) -> Index:
    """The index at `index` (built from `archive`). Nothing is read until it is used;
    `Index.exists()` says whether it has been built, `Index.reindex()` builds it.
    A sharded index is searched shard by shard here, or by the Ray cluster at `cluster`."""
    return Index(index, archive, params, settings, cluster)
