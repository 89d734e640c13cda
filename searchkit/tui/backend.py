"""The one Searcher the UI uses, and the rule that keeps it safe across threads.

Whoosh searchers are not thread-safe, and the UI runs every search in a worker thread
so typing never freezes the screen. `Backend` holds the Searcher behind a lock: any
number of workers may call it, but only one at a time touches Whoosh. Nothing here
knows about Textual.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from ..engine.indexer import reindex
from ..engine.searcher import Searcher
from ..errors import IndexMissingError
from ..models import (
    Article,
    ReadProblem,
    ReindexProgress,
    ReindexSummary,
    SearchRequest,
    SearchResponse,
    Span,
)


class Backend:
    """Searcher and indexer calls for the UI, serialised by one lock."""

    def __init__(self, archive_dir: Path, index_dir: Path) -> None:
        self.archive_dir = Path(archive_dir)
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None

    # Opening ---------------------------------------------------------------------

    def open(self) -> bool:
        """Open the index; False if there is none yet (build it with `reindex`)."""
        with self._lock:
            if self._searcher is None:
                try:
                    self._searcher = Searcher(self.index_dir)
                except IndexMissingError:
                    return False
            return True

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def _require(self) -> Searcher:
        if self._searcher is None:
            raise IndexMissingError(f"there is no index at {self.index_dir} yet")
        return self._searcher

    # Reading ---------------------------------------------------------------------

    def search(
        self, request: SearchRequest, like: str | None = None,
        wanted: Callable[[], bool] | None = None,
    ) -> SearchResponse | None:
        """Search, or with `like` (an article id) find articles similar to it.

        `wanted` is asked once the searcher is free: a search no longer wanted by then
        (the person typed on) is skipped and None returned.
        """
        with self._lock:
            if wanted is not None and not wanted():
                return None
            searcher = self._require()
            if like is not None:
                return searcher.more_like(like, request)
            return searcher.search(request)

    def article(self, article_id: str, text: str) -> tuple[Article, tuple[Span, ...], tuple[Span, ...]] | None:
        """An article and its (title, body) spans with every match of `text` marked."""
        with self._lock:
            searcher = self._require()
            article = searcher.article(article_id)
            if article is None:
                return None
            title, body = searcher.highlight_article(article, text)
            return article, title, body

    # Writing ---------------------------------------------------------------------

    def reindex(
        self,
        progress: Callable[[ReindexProgress], None] | None = None,
        on_problem: Callable[[ReadProblem], None] | None = None,
    ) -> ReindexSummary:
        """Incremental reindex; the searcher sees the result once it is done.

        The indexer writes a new segment while searches go on reading the old view, so
        the lock is only taken to switch the searcher over.
        """
        summary = reindex(self.archive_dir, self.index_dir, progress=progress, on_problem=on_problem)
        with self._lock:
            if self._searcher is None:
                self._searcher = Searcher(self.index_dir)
            else:
                self._searcher.refresh()
        return summary
