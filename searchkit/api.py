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

import threading
from collections.abc import Callable
from os import PathLike
from pathlib import Path

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
                 params: RankingParams = DEFAULT, settings: ArchiveSettings | None = None) -> None:
        self.index_dir = Path(index)
        self.archive_dir = Path(archive) if archive is not None else None
        self.params = params
        self.settings = settings  # None: those the index was built with (else the defaults)
        self._searcher: Searcher | None = None
        self._lock = threading.Lock()

    # Reading -------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether there is an index to search yet (a folder not ours raises UserError)."""
        return store.current_generation(self.index_dir) is not None

    def _reader(self) -> Searcher:
        searcher = self._searcher
        if searcher is None:
            with self._lock:
                if self._searcher is None:
                    self._searcher = Searcher(self.index_dir, self.params)
                searcher = self._searcher
        return searcher

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

        return check_index(self.index_dir)

    # Writing -------------------------------------------------------------------------------

    def reindex(self, *, full: bool = False, progress: Callable[[ReindexProgress], None] | None = None,
                on_problem: Callable[[ReadProblem], None] | None = None,
                wait_seconds: float = 10.0, verify: bool = False) -> ReindexSummary:
        """Bring the index up to date with the archive (incremental unless `full`;
        `verify` also compares each file's content with the hash kept of it)."""
        from .engine.indexer import reindex  # the writer's imports stay off the query path

        if self.archive_dir is None:
            raise IndexMissingError("no archive folder given to index")
        summary = reindex(self.archive_dir, self.index_dir, full=full, progress=progress,
                           on_problem=on_problem, wait_seconds=wait_seconds, verify=verify,
                           settings=self.settings)
        if self._searcher is not None:
            self._searcher.refresh()
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
         *, params: RankingParams = DEFAULT, settings: ArchiveSettings | None = None) -> Index:
    """The index at `index` (built from `archive`). Nothing is read until it is used;
    `Index.exists()` says whether it has been built, `Index.reindex()` builds it."""
    return Index(index, archive, params, settings)
