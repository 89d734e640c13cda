"""The index as the UI uses it: the public API, called from worker threads.

`searchkit.Index` is safe to share between threads, so searches run side by side in
Textual's workers and typing never freezes the screen. Nothing here knows about
Textual.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..api import Index
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
    """Search, read and reindex calls for the UI."""

    def __init__(self, archive_dir: Path, index_dir: Path) -> None:
        self.archive_dir = Path(archive_dir)
        self.index_dir = Path(index_dir)
        self.index = Index(self.index_dir, self.archive_dir)

    def open(self) -> bool:
        """Open the index; False if there is none yet (build it with `reindex`)."""
        if not self.index.exists():
            return False
        self.index.stats()  # opens the view now, off the keystroke path
        return True

    def close(self) -> None:
        self.index.close()

    def search(
        self, request: SearchRequest, like: str | None = None,
        wanted: Callable[[], bool] | None = None,
    ) -> SearchResponse | None:
        """Search, or with `like` (an article id) find articles similar to it.

        `wanted` is asked before the search starts: one no longer wanted (the person
        typed on) is skipped and None returned.
        """
        if wanted is not None and not wanted():
            return None
        if like is not None:
            return self.index.more_like(like, request)
        return self.index.search(request)

    def article(self, article_id: str, text: str) -> tuple[Article, tuple[Span, ...], tuple[Span, ...]] | None:
        """An article and its (title, body) spans with every match of `text` marked."""
        article = self.index.article(article_id)
        if article is None:
            return None
        title, body = self.index.highlight(article, text)
        return article, title, body

    def reindex(
        self,
        progress: Callable[[ReindexProgress], None] | None = None,
        on_problem: Callable[[ReadProblem], None] | None = None,
    ) -> ReindexSummary:
        """Incremental reindex; searches see the result once it is committed."""
        return self.index.reindex(progress=progress, on_problem=on_problem)
