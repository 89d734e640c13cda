"""The index as the UI uses it: the public API, called from worker threads.

`searchkit.Index` is safe to share between threads, so searches run side by side in
Textual's workers and typing never freezes the screen. Nothing here knows about
Textual.

The UI searches one collection (a named index) or several at once: then each is
searched and the answers merged (merge.py). Every answer says which collection each of
its hits came from (two archives may hold the same article id), so opening a hit reads
it there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ..api import Index
from ..errors import UserError
from ..merge import merge_responses, part_request
from ..models import (
    Article,
    ReadProblem,
    ReindexProgress,
    ReindexSummary,
    SearchRequest,
    SearchResponse,
    Span,
)

# A response, and for each of its hits the name of the collection it was found in.
Answer = tuple[SearchResponse, tuple[str, ...]]


class Backend:
    """Search, read and reindex calls for the UI, over the chosen collection(s)."""

    def __init__(self, collections: Mapping[str, Index], chosen: Sequence[str] = ()) -> None:
        if not collections:
            raise UserError("no collection to search")
        self.collections = dict(collections)
        self.chosen: tuple[str, ...] = ()
        self.choose(chosen or tuple(self.collections)[:1])

    @classmethod
    def for_folders(cls, archive_dir: Path, index_dir: Path) -> Backend:
        """One collection: an archive and its index, named after the archive's folder."""
        return cls({Path(archive_dir).name or str(archive_dir): Index(Path(index_dir), Path(archive_dir))})

    def choose(self, names: Sequence[str]) -> None:
        """Search these collections from now on."""
        unknown = [n for n in names if n not in self.collections]
        if unknown or not names:
            raise UserError(f"no collection named {', '.join(unknown)!s}" if unknown else "no collection chosen")
        self.chosen = tuple(dict.fromkeys(names))

    @property
    def indexes(self) -> list[Index]:
        return [self.collections[name] for name in self.chosen]

    def open(self) -> bool:
        """Open the chosen indexes; False if one is not built yet (build it with `reindex`)."""
        if not all(index.exists() for index in self.indexes):
            return False
        for index in self.indexes:
            index.stats()  # opens the view now, off the keystroke path
        return True

    def close(self) -> None:
        for index in self.collections.values():
            index.close()

    def search(
        self, request: SearchRequest, like: str | None = None,
        wanted: Callable[[], bool] | None = None, collection: str | None = None,
    ) -> Answer | None:
        """Search, or with `like` (an article id, of `collection`) find articles similar
        to it in that collection.

        `wanted` is asked before the search starts: one no longer wanted (the person
        typed on) is skipped and None returned.
        """
        if wanted is not None and not wanted():
            return None
        if like is not None:
            owner = collection or self.chosen[0]
            response = self.collections[owner].more_like(like, request)
            return response, (owner,) * len(response.hits)
        if len(self.chosen) == 1:
            response = self.indexes[0].search(request)
            return response, self.chosen * len(response.hits)
        part = part_request(request)
        parts = []
        for index in self.indexes:
            if wanted is not None and not wanted():
                return None
            parts.append(index.search(part))
        response, sources = merge_responses(request, parts)
        return response, tuple(self.chosen[n] for n in sources)

    def article(self, article_id: str, text: str, collection: str | None = None,
                ) -> tuple[Article, tuple[Span, ...], tuple[Span, ...]] | None:
        """An article (of `collection`, else of the first chosen) and its (title, body)
        spans with every match of `text` marked."""
        index = self.collections[collection or self.chosen[0]]
        article = index.article(article_id)
        if article is None:
            return None
        title, body = index.highlight(article, text)
        return article, title, body

    def reindex(
        self,
        progress: Callable[[ReindexProgress], None] | None = None,
        on_problem: Callable[[ReadProblem], None] | None = None,
    ) -> ReindexSummary:
        """Incremental reindex of each chosen collection; searches see each result once
        it is committed. The summary adds them up."""
        total = ReindexSummary()
        for index in self.indexes:
            if index.archive_dir is None:
                continue  # an index without its archive can be searched, not rebuilt
            s = index.reindex(progress=progress, on_problem=on_problem)
            total.articles += s.articles
            total.new += s.new
            total.changed += s.changed
            total.removed += s.removed
            total.unchanged += s.unchanged
            total.retried += s.retried
            total.skipped += s.skipped
            total.added_articles += s.added_articles
            total.seconds += s.seconds
            total.problems.extend(s.problems)
        return total
